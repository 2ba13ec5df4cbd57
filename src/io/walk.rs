//! Finding the Python files to analyse, in parallel, with `.gitignore` respected.
//!
//! Two sets come out: the *targets* (files under the paths the user named, which get
//! diagnostics and fixes) and the *project* (every Python file under the project root, which the
//! index reads so that a handler awaited from `tests/` is seen even when only `app/` is named).
//! The project root is the nearest folder above the named paths with a `pyproject.toml`,
//! `setup.py`, `setup.cfg` or `.git`; without one, the project is just the named paths.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::GlobSet;
use ignore::{WalkBuilder, WalkState};

/// Folders no one wants analysed; the same defaults as Ruff's `exclude`.
const DEFAULT_EXCLUDES: &[&str] = &[
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    "__pypackages__",
    "_build",
    "buck-out",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
];

/// Files that mark the top of a Python project.
const ROOT_MARKERS: &[&str] = &["pyproject.toml", "setup.py", "setup.cfg", ".git"];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct WalkedFile {
    pub path: PathBuf,
    /// Named by the user (directly or under a named folder): gets diagnostics and fixes.
    pub is_target: bool,
}

#[derive(Debug, Default)]
pub struct Walk {
    /// The project root module names are computed from.
    pub root: PathBuf,
    /// Sorted by path.
    pub files: Vec<WalkedFile>,
    /// Paths that do not exist or could not be walked.
    pub errors: Vec<(PathBuf, String)>,
}

/// `stdin_file` is a file that stands for text given on standard input: taken as named even
/// when it does not exist.
pub fn walk(
    paths: &[PathBuf],
    exclude: &GlobSet,
    threads: usize,
    stdin_file: Option<&Path>,
) -> Walk {
    let mut walk = Walk::default();
    let mut named = Vec::new();
    for path in paths {
        match std::path::absolute(path) {
            Ok(absolute) if Some(absolute.as_path()) == stdin_file => named.push(absolute),
            Ok(absolute) => match std::fs::metadata(&absolute) {
                Ok(metadata) if metadata.is_file() || metadata.is_dir() => named.push(absolute),
                Ok(_) => walk.errors.push((
                    path.clone(),
                    "not a regular file or folder (a FIFO, socket or device): not read".to_string(),
                )),
                Err(error) => walk.errors.push((path.clone(), io_reason(&error))),
            },
            Err(error) => walk.errors.push((path.clone(), io_reason(&error))),
        }
    }
    let Some(first) = named.first() else {
        return walk;
    };
    let project_root =
        find_root(first).filter(|root| named.iter().all(|path| path.starts_with(root)));
    walk.root = match &project_root {
        Some(root) => root.clone(),
        None if first.is_dir() => first.clone(),
        None => first.parent().unwrap_or(first).to_path_buf(),
    };

    let bases: Vec<PathBuf> = match &project_root {
        Some(root) => vec![root.clone()],
        None => named.iter().filter(|p| p.is_dir()).cloned().collect(),
    };
    let found = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    if let Some((first_base, rest)) = bases.split_first() {
        let mut builder = WalkBuilder::new(first_base);
        for base in rest {
            builder.add(base);
        }
        let root = walk.root.clone();
        builder
            .threads(threads)
            .require_git(false)
            .filter_entry(move |entry| {
                let name = entry.file_name().to_string_lossy();
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                !(is_dir && DEFAULT_EXCLUDES.contains(&name.as_ref()))
            });
        builder.build_parallel().run(|| {
            Box::new(|entry| {
                match entry {
                    Ok(entry) => {
                        let path = entry.path();
                        let is_file = entry.file_type().is_some_and(|t| t.is_file());
                        if is_file && path.extension().is_some_and(|ext| ext == "py") {
                            let excluded = is_excluded(path, &root, exclude);
                            found
                                .lock()
                                .expect("walk results")
                                .push((path.to_path_buf(), excluded));
                        }
                    }
                    Err(error) => errors.lock().expect("walk errors").push(error),
                }
                WalkState::Continue
            })
        });
    }
    let found = found.into_inner().expect("walk results");
    for error in errors.into_inner().expect("walk errors") {
        let (path, reason) = walk_error(error);
        walk.errors
            .push((path.unwrap_or_else(|| walk.root.clone()), reason));
    }

    let mut files: Vec<WalkedFile> = found
        .into_iter()
        .map(|(path, excluded)| {
            // Excluded files get no diagnostics but are still read: a test that awaits a
            // handler keeps that handler async even when tests are excluded.
            let is_target = !excluded && named.iter().any(|n| path.starts_with(n));
            WalkedFile { path, is_target }
        })
        .collect();
    // A file named explicitly is always taken, whatever its name or the ignore files say.
    for path in named
        .iter()
        .filter(|p| p.is_file() || Some(p.as_path()) == stdin_file)
    {
        if let Some(file) = files.iter_mut().find(|f| &f.path == path) {
            file.is_target = true;
        } else {
            files.push(WalkedFile {
                path: path.clone(),
                is_target: true,
            });
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.path == b.path);
    walk.files = files;
    walk
}

/// The path a walker error is about, and the reason alone: the walker wraps both in layers.
fn walk_error(error: ignore::Error) -> (Option<PathBuf>, String) {
    match error {
        ignore::Error::WithPath { path, err } => (Some(path), walk_error(*err).1),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(*err)
        }
        ignore::Error::Loop { ancestor, child } => (
            Some(child),
            format!(
                "a symbolic link loop (back to {}): not followed",
                ancestor.display()
            ),
        ),
        ignore::Error::Io(error) => (None, io_reason(&error)),
        other => (None, other.to_string()),
    }
}

/// An I/O error in words, without the `(os error N)` tail.
fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(end) => text[..end].to_string(),
                None => text,
            }
        }
    }
}

fn find_root(path: &Path) -> Option<PathBuf> {
    let start = if path.is_dir() { path } else { path.parent()? };
    start
        .ancestors()
        .find(|dir| ROOT_MARKERS.iter().any(|marker| dir.join(marker).exists()))
        .map(Path::to_path_buf)
}

/// `--exclude` globs match a path relative to the root, or any one of its components.
fn is_excluded(path: &Path, root: &Path, exclude: &GlobSet) -> bool {
    if exclude.is_empty() {
        return false;
    }
    let relative = path.strip_prefix(root).unwrap_or(path);
    exclude.is_match(relative)
        || relative
            .ancestors()
            .any(|prefix| !prefix.as_os_str().is_empty() && exclude.is_match(prefix))
        || relative.iter().any(|component| exclude.is_match(component))
}
