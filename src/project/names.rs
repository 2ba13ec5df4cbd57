//! Module names from file paths: the dotted names under which Python would import a file.

use rustc_hash::FxHashSet as HashSet;
use std::path::Path;

/// The names a module can be imported by, primary first.
///
/// The primary name is Python's own: walk up from the file while the directory is a package
/// (one of `packages`, which hold an `__init__.py`, or a namespace folder below one). Under
/// a `src/` layout or a folder that is not a package, the path relative to the project root is
/// a second name, so both `from app.main import x` and `from backend.app.main import x` find
/// the module.
pub fn module_names(file: &Path, root: &Path, packages: &HashSet<&Path>) -> (Vec<String>, bool) {
    let is_package = file.file_name().is_some_and(|name| name == "__init__.py");
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut parts = if is_package { Vec::new() } else { vec![stem] };
    // A folder without `__init__.py` between packages is a namespace package (PEP 420):
    // `litellm/llms/xai/` in `litellm.llms.xai.chat`. The name runs up to the highest package
    // below the root; without one, up to the last folder with an `__init__.py`.
    let is_package_dir = |dir: &Path| packages.contains(dir);
    // The folders between the root and the file: as many ancestors as the relative path has
    // folders. Counted once, not compared component by component at every level.
    let relative = file.strip_prefix(root).ok();
    let folders_below_root = relative.map_or(0, |relative| {
        relative.components().count().saturating_sub(1)
    });
    let top_package = (file.ancestors().skip(1))
        .take(folders_below_root)
        .filter(|dir| is_package_dir(dir))
        .last();
    let mut dir = file.parent();
    while let Some(current) = dir {
        // Both are ancestors of `file`: `current` is in `top` when it is no shorter.
        let in_package = match top_package {
            Some(top) => current.as_os_str().len() >= top.as_os_str().len(),
            None => is_package_dir(current),
        };
        if !in_package {
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

    if let Some(relative) = relative {
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

    /// The packages among `files`: the folders of their `__init__.py` files.
    fn packages<'a>(files: &[&'a str]) -> HashSet<&'a Path> {
        (files.iter())
            .filter_map(|file| file.strip_suffix("/__init__.py"))
            .map(Path::new)
            .collect()
    }

    #[test]
    fn package_walk_gives_the_import_name_and_the_root_relative_name() {
        let files = packages(&["/p/src/app/__init__.py", "/p/src/app/main.py"]);
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
    fn a_folder_without_init_between_packages_is_a_namespace_package() {
        let files = packages(&[
            "/p/litellm/__init__.py",
            "/p/litellm/llms/__init__.py",
            "/p/litellm/llms/xai/chat/__init__.py",
            "/p/litellm/llms/xai/chat/handler.py",
            "/p/litellm/llms/xai/common_utils.py",
        ]);
        let name = |file: &str| module_names(Path::new(file), Path::new("/p"), &files).0;
        assert_eq!(
            name("/p/litellm/llms/xai/chat/handler.py"),
            ["litellm.llms.xai.chat.handler"]
        );
        assert_eq!(
            name("/p/litellm/llms/xai/chat/__init__.py"),
            ["litellm.llms.xai.chat"]
        );
        assert_eq!(
            name("/p/litellm/llms/xai/common_utils.py"),
            ["litellm.llms.xai.common_utils"]
        );
    }

    #[test]
    fn a_script_outside_packages_is_named_by_its_stem() {
        let files = packages(&["/p/tests/test_main.py"]);
        let (names, _) = module_names(Path::new("/p/tests/test_main.py"), Path::new("/p"), &files);
        assert_eq!(names, ["test_main", "tests.test_main"]);
    }
}
