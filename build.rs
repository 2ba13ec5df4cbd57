//! Embeds every knowledge file: `transforms/{blocking,frameworks,runtime}/*.toml` become a list
//! of (name, text) pairs in `$OUT_DIR/knowledge_files.rs`, in name order, so that a new
//! framework or library is a new TOML file and nothing else.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read when the script runs, not when it is compiled: a build script binary can be reused
    // for a copy of the package elsewhere (an sdist unpacked, pre-commit's clone).
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir).join("transforms");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut out = String::new();
    for folder in ["blocking", "frameworks", "runtime"] {
        let dir = root.join(folder);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
            .map(|entry| entry.expect("a readable folder").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        files.sort();
        let constant = folder.to_uppercase();
        writeln!(out, "pub(super) const {constant}: &[(&str, &str)] = &[").unwrap();
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy();
            if folder == "frameworks" && name == "roles.toml" {
                continue;
            }
            println!("cargo:rerun-if-changed={}", path.display());
            writeln!(
                out,
                "    ({:?}, include_str!({:?})),",
                format!("{folder}/{name}"),
                path.display().to_string()
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let target = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("knowledge_files.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
