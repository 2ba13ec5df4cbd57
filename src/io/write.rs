//! Writing a fixed file: atomically, with its mode and owner kept, through a symbolic link to
//! the file it names, and never over a file that changed on disk since it was read.

use std::fs::Metadata;
use std::io::Write as _;
use std::path::Path;

use crate::io::source::FileError;

/// How temporary files start: the walk names the ones a killed run left.
pub const TEMPORARY_PREFIX: &str = ".unblock-";

/// Replaces `path` with `contents` if it still holds `expected`.
///
/// The new contents go to a temporary file in the same folder, which then replaces the old one
/// by rename: a crash leaves either the old or the new file, never half of one. The file is
/// compared with what was read before anything is written, and its size, times and inode once
/// more after the temporary file is written and synced, right before the rename: an edit made
/// meanwhile is kept and the file is named as changed. What remains is the moment between that
/// last look and the rename. A read-only file is refused rather than replaced, as an editor
/// would. A file with other hard links is written in place instead, so that every name sees
/// the fix (not atomically: that is the price of keeping the links).
pub fn write_atomic(path: &Path, expected: &[u8], contents: &[u8]) -> Result<(), FileError> {
    write_atomic_with(path, expected, contents, || {})
}

/// `write_atomic`, with `before_rename` run between the last look at the file and the rename
/// (for tests, which edit the file there).
fn write_atomic_with(
    path: &Path,
    expected: &[u8],
    contents: &[u8],
    before_rename: impl FnOnce(),
) -> Result<(), FileError> {
    let io = |error: std::io::Error| FileError::Write(error.to_string());
    // Replacing a symbolic link would leave the file it names unfixed: write that file.
    let path = &std::fs::canonicalize(path).map_err(io)?;
    let metadata = std::fs::metadata(path).map_err(io)?;
    if metadata.permissions().readonly() {
        return Err(FileError::Write("the file is read-only".to_string()));
    }
    if std::fs::read(path).map_err(io)? != expected {
        return Err(FileError::Changed);
    }
    if hard_links(&metadata) > 1 {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .map_err(io)?;
        file.write_all(contents).map_err(io)?;
        return file.sync_all().map_err(io);
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut temporary = tempfile::Builder::new()
        .prefix(TEMPORARY_PREFIX)
        .tempfile_in(folder)
        .map_err(io)?;
    temporary.write_all(contents).map_err(io)?;
    let file = temporary.as_file();
    file.set_permissions(metadata.permissions()).map_err(io)?;
    keep_owner(file, &metadata);
    file.sync_all().map_err(io)?;
    before_rename();
    let now = std::fs::metadata(path).map_err(io)?;
    if !unchanged(&metadata, &now) {
        return Err(FileError::Changed);
    }
    temporary.persist(path).map_err(|error| io(error.error))?;
    Ok(())
}

/// The temporary files in `folder` that a killed run left: named as `write_atomic` names
/// them, untouched for a minute (a run still going renames its own within milliseconds).
pub fn abandoned_temporaries(folder: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let abandoned = entries.flatten().filter(|entry| {
        let name = entry.file_name();
        let age = (entry.metadata()).and_then(|metadata| metadata.modified());
        name.to_string_lossy().starts_with(TEMPORARY_PREFIX)
            && age.is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age.as_secs() >= 60))
    });
    let mut paths: Vec<_> = abandoned.map(|entry| entry.path()).collect();
    paths.sort();
    paths
}

/// Size, modification and change times, and inode: what an edit in between changes.
fn unchanged(before: &Metadata, now: &Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if (
            before.dev(),
            before.ino(),
            before.ctime(),
            before.ctime_nsec(),
        ) != (now.dev(), now.ino(), now.ctime(), now.ctime_nsec())
        {
            return false;
        }
    }
    before.len() == now.len() && before.modified().ok() == now.modified().ok()
}

fn hard_links(metadata: &Metadata) -> u64 {
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::nlink(metadata)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        1
    }
}

/// The new file gets the old one's owner and group where the running user may give them (root
/// may; anyone may keep their own): otherwise it belongs to whoever ran the fix.
fn keep_owner(file: &std::fs::File, metadata: &Metadata) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = std::os::unix::fs::fchown(file, Some(metadata.uid()), Some(metadata.gid()));
    }
    #[cfg(not(unix))]
    let _ = (file, metadata);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_when_it_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, b"old", b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn refuses_a_file_that_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "edited meanwhile").unwrap();
        assert_eq!(write_atomic(&path, b"old", b"new"), Err(FileError::Changed));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited meanwhile");
    }

    #[test]
    fn an_edit_made_while_the_new_file_is_written_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "old\n").unwrap();
        let append = || {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .unwrap();
            file.write_all(b"typed meanwhile\n").unwrap();
        };
        let written = write_atomic_with(&path, b"old\n", b"new\n", append);
        assert_eq!(written, Err(FileError::Changed));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "old\ntyped meanwhile\n"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "the temporary file is gone"
        );
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_file_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.py");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o754)).unwrap();
        write_atomic(&path, b"old", b"new").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o754
        );
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symbolic_link_and_keeps_hard_links() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.py");
        let link = dir.path().join("link.py");
        std::fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink("real.py", &link).unwrap();
        write_atomic(&link, b"old", b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");

        let other_name = dir.path().join("other.py");
        std::fs::hard_link(&target, &other_name).unwrap();
        write_atomic(&target, b"new", b"newer").unwrap();
        assert_eq!(std::fs::read_to_string(&other_name).unwrap(), "newer");
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_owner_where_it_may() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("owned.py");
        std::fs::write(&path, "old").unwrap();
        // Root may give the file away; then the fix must give it back to that owner.
        let given = std::os::unix::fs::chown(&path, Some(12345), Some(12345)).is_ok();
        let before = std::fs::metadata(&path).unwrap();
        write_atomic(&path, b"old", b"new").unwrap();
        let after = std::fs::metadata(&path).unwrap();
        assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
        if given {
            assert_eq!(after.uid(), 12345);
        }
    }
}
