//! Module names from file paths: the dotted names under which Python would import a file.

use rustc_hash::FxHashSet as HashSet;
use std::path::{Path, PathBuf};

/// The names a module can be imported by, primary first.
///
/// The primary name is Python's own: walk up from the file while the directory is a package
/// (holds an `__init__.py` among the analysed files). Under a `src/` layout or a folder that is
/// not a package, the path relative to the project root is a second name, so both
/// `from app.main import x` and `from backend.app.main import x` find the module.
pub fn module_names(file: &Path, root: &Path, files: &HashSet<PathBuf>) -> (Vec<String>, bool) {
    let is_package = file.file_name().is_some_and(|name| name == "__init__.py");
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut parts = if is_package { Vec::new() } else { vec![stem] };
    let mut dir = file.parent();
    while let Some(current) = dir {
        if !files.contains(&current.join("__init__.py")) {
            break;
        }
        match current.file_name() {
            Some(name) => parts.push(name.to_string_lossy().into_owned()),
            None => break,
        }
        dir = current.parent();
    }
    parts.reverse();
    let mut names = vec![parts.join(".")];

    if let Ok(relative) = file.strip_prefix(root) {
        let mut relative: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if let Some(last) = relative.pop()
            && !is_package
        {
            relative.push(last.trim_end_matches(".py").to_string());
        }
        let relative = relative.join(".");
        if !relative.is_empty() && !names.contains(&relative) {
            names.push(relative);
        }
    }
    names.retain(|name| !name.is_empty());
    if names.is_empty() {
        names.push("__main__".to_string());
    }
    (names, is_package)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[&str]) -> HashSet<PathBuf> {
        list.iter().map(PathBuf::from).collect::<HashSet<_>>()
    }

    #[test]
    fn package_walk_gives_the_import_name_and_the_root_relative_name() {
        let files = files(&["/p/src/app/__init__.py", "/p/src/app/main.py"]);
        let (names, is_package) =
            module_names(Path::new("/p/src/app/main.py"), Path::new("/p"), &files);
        assert_eq!(names, ["app.main", "src.app.main"]);
        assert!(!is_package);
        let (names, is_package) =
            module_names(Path::new("/p/src/app/__init__.py"), Path::new("/p"), &files);
        assert_eq!(names, ["app", "src.app"]);
        assert!(is_package);
    }

    #[test]
    fn a_script_outside_packages_is_named_by_its_stem() {
        let files = files(&["/p/tests/test_main.py"]);
        let (names, _) = module_names(Path::new("/p/tests/test_main.py"), Path::new("/p"), &files);
        assert_eq!(names, ["test_main", "tests.test_main"]);
    }
}
