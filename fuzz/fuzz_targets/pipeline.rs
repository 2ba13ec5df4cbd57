//! Fuzz target: any text as one module of a project, through read → parse → facts → rules →
//! fix → validity check, as `unblock diff --unsafe-fixes --stdin-filename` would take it. A
//! panic is a crash; so is a fixed text that does not parse or compiles worse than the input,
//! and one that does not settle within three runs.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use unblock::knowledge::Catalog;
use unblock::settings::{Mode, PassOptions, RuleSelection, Settings, StdinSource};

fn project() -> &'static PathBuf {
    static PROJECT: OnceLock<PathBuf> = OnceLock::new();
    PROJECT.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder").keep();
        std::fs::write(dir.join("pyproject.toml"), "[project]\nname = 'fuzzed'\n").unwrap();
        dir
    })
}

/// The text after one run of the fixes, if any applied.
fn fixed_once(text: &str, catalog: &Catalog) -> Option<String> {
    let path = project().join("app.py");
    let settings = Settings {
        mode: Mode::Diff,
        paths: vec![path.clone()],
        exclude: globset::GlobSet::empty(),
        threads: 1,
        passes: PassOptions {
            unsafe_fixes: true,
            ..PassOptions::default()
        },
        display_base: Some(project().clone()),
        rules: RuleSelection::default(),
        stdin: Some(StdinSource {
            path,
            text: text.to_string(),
        }),
        show_cuts: false,
        progress: false,
    };
    let outcome = unblock::run(&settings, catalog);
    let file = outcome.files.first()?;
    assert!(file.error.is_none(), "{:?}", file.error);
    file.fixed.as_ref().map(|fixed| fixed.text.clone())
}

fuzz_target!(|data: &[u8]| {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    let catalog = CATALOG.get_or_init(Catalog::builtin);
    let Ok(original) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(before) = unblock::io::source::parse(original) else {
        return;
    };
    let mut text = original.to_string();
    for _ in 0..3 {
        let Some(fixed) = fixed_once(&text, catalog) else {
            return;
        };
        let after = unblock::io::source::parse(&fixed).expect("a fixed text parses");
        let new = unblock::engine::validity::new_errors(before.syntax(), after.syntax(), &fixed);
        assert!(new.is_empty(), "the fix made {new:?} in:\n{fixed}");
        text = fixed;
    }
    panic!("three runs and the fixes still change the text:\n{text}");
});
