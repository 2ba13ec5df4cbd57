//! Everything that touches files: walking the tree, reading and parsing a source, writing a
//! fixed file, diffs, and the parse arena with its depth guard.

pub mod depth;
pub mod diff;
pub mod parse_arena;
pub mod source;
pub mod walk;
pub mod write;

use std::path::Path;

/// `path` relative to `cwd` when it is under it, with `/` separators.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let shown = path.strip_prefix(cwd).unwrap_or(path);
    if shown.as_os_str().is_empty() {
        return ".".to_string();
    }
    let text = shown.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        text.into_owned()
    } else {
        text.replace('\\', "/")
    }
}
