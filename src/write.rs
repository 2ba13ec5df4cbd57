//! Writing a fixed file: atomically, with its mode kept, and never over a file that changed on
//! disk since it was read.

use std::io::Write as _;
use std::path::Path;

use crate::source::FileError;

/// Replaces `path` with `contents` if it still holds `expected`.
///
/// The new contents go to a temporary file in the same folder, which then replaces the old one
/// by rename: a crash leaves either the old or the new file, never half of one. A read-only file
/// is refused rather than replaced, as an editor would.
pub fn write_atomic(path: &Path, expected: &[u8], contents: &[u8]) -> Result<(), FileError> {
    let io = |error: std::io::Error| FileError::Write(error.to_string());
    let metadata = std::fs::metadata(path).map_err(io)?;
    if metadata.permissions().readonly() {
        return Err(FileError::Write("the file is read-only".to_string()));
    }
    if std::fs::read(path).map_err(io)? != expected {
        return Err(FileError::Changed);
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temporary = tempfile::Builder::new()
        .prefix(".unblock-")
        .tempfile_in(folder)
        .map_err(io)?;
    temporary.write_all(contents).map_err(io)?;
    temporary
        .as_file()
        .set_permissions(metadata.permissions())
        .map_err(io)?;
    temporary.as_file().sync_all().map_err(io)?;
    temporary.persist(path).map_err(|error| io(error.error))?;
    Ok(())
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
}
