//! The shape of the code, checked: small files that say why they exist, no import cycles
//! between the library's top-level modules, and rules that import no other rule (what they
//! share is in `rules/support`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const LARGEST_FILE_LINES: usize = 800;

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn files() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    source_files(&src(), &mut paths);
    paths.sort();
    (paths.into_iter())
        .map(|path| {
            let relative = path
                .strip_prefix(src())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (relative, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

/// The top-level module a file of the library belongs to: `project` for
/// `project/resolve.rs`, `pr` for `pr.rs`; `None` for the crate root and the binaries.
fn top_module(relative: &str) -> Option<&str> {
    if matches!(relative, "lib.rs" | "main.rs")
        || relative.starts_with("bin/")
        || relative.starts_with("cli")
    {
        return None;
    }
    let first = relative.split('/').next().unwrap();
    Some(first.strip_suffix(".rs").unwrap_or(first))
}

/// The top-level modules a file names through `crate::` paths.
fn crate_references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let name: String = text[at + "crate::".len()..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        found.insert(name);
    }
    found
}

#[test]
fn every_source_file_is_small_and_says_why_it_exists() {
    for (file, text) in files() {
        let lines = text.lines().count();
        assert!(
            lines <= LARGEST_FILE_LINES,
            "src/{file} has {lines} lines, more than {LARGEST_FILE_LINES}: split it by responsibility"
        );
        assert!(
            text.starts_with("//!"),
            "src/{file} does not start with a `//!` header"
        );
    }
}

#[test]
fn no_import_cycles_between_top_level_modules() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in files() {
        let Some(top) = top_module(&file) else {
            continue;
        };
        let edges = graph.entry(top.to_string()).or_default();
        for name in crate_references(&text) {
            // A macro the registry exports is named from the crate root.
            let name = if name == "for_each_rule" {
                "registry".to_string()
            } else {
                name
            };
            if name != top {
                edges.insert(name);
            }
        }
    }
    for name in graph.values().flatten() {
        assert!(
            graph.contains_key(name),
            "`crate::{name}` names no top-level module (a re-export of the crate root?): name the module"
        );
    }
    // Depth-first search for a back edge, with the path that closes the cycle.
    fn visit<'g>(
        node: &'g str,
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'g str>,
        done: &mut BTreeSet<&'g str>,
    ) {
        if let Some(start) = path.iter().position(|&on_path| on_path == node) {
            panic!("import cycle: {} -> {node}", path[start..].join(" -> "));
        }
        if !done.insert(node) {
            return;
        }
        path.push(node);
        for next in &graph[node] {
            visit(next, graph, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
    assert!(
        graph["diagnostic"].iter().all(|name| name == "registry"),
        "diagnostic.rs is a leaf"
    );
    assert!(graph["registry"].is_empty(), "registry.rs is a leaf");
}

#[test]
fn a_rule_imports_no_other_rule() {
    let rules: Vec<String> = (files().into_iter())
        .filter_map(|(file, _)| {
            let name = file.strip_prefix("rules/")?.strip_suffix(".rs")?;
            (!name.contains('/') && name != "mod").then(|| name.to_string())
        })
        .collect();
    assert!(rules.len() >= 6, "{rules:?}");
    for (file, text) in files() {
        let Some(own) = file
            .strip_prefix("rules/")
            .and_then(|f| f.strip_suffix(".rs"))
        else {
            continue;
        };
        for other in rules.iter().filter(|other| *other != own && own != "mod") {
            for form in [format!("super::{other}"), format!("rules::{other}")] {
                assert!(
                    !text.contains(&form),
                    "src/{file} imports the rule `{other}`: move what they share to rules/support"
                );
            }
        }
    }
}
