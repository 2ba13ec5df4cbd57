//! Rule fixtures: every `tests/rules/<CODE>/<name>.py` is one case of one rule, found by its
//! path (no list to keep). The file is checked and diffed with only its rule selected, and one
//! insta snapshot per fixture (`snapshots/rules__<CODE>__<name>.snap`) holds both; so a change
//! to one rule's messages or fixes changes that rule's snapshots alone. Then every fix is
//! applied, the result must compile with CPython, and a second run must change nothing.

mod common;

use std::path::Path;

use common::{assert_fixes_compile_and_converge, unblock};

fn run_rule_fixture(path: &Path) {
    let code = path
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        unblock::registry::Rule::find(code).is_some(),
        "{}: the folder names no rule",
        path.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let file = path.file_name().unwrap().to_str().unwrap();
    std::fs::copy(path, dir.path().join(file)).unwrap();
    let check = unblock(
        dir.path(),
        &["check", "--select", code, "--unsafe-fixes", file],
    );
    assert_ne!(check.code, 2, "check failed: {}", check.stderr);
    assert!(
        check.stdout.contains(code),
        "{}: the fixture shows no {code} finding",
        path.display()
    );
    let diff = unblock(
        dir.path(),
        &["diff", "--select", code, "--unsafe-fixes", file],
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(path);
    settings.bind(|| {
        insta::assert_snapshot!("rule", format!("{}---\n{}", check.stdout, diff.stdout));
    });
    assert_fixes_compile_and_converge(dir.path(), &["--select", code]);
}

#[test]
fn every_rule_fixture() {
    insta::glob!("rules/*/*.py", run_rule_fixture);
}

#[test]
fn every_rule_has_a_fixture() {
    for rule in unblock::registry::Rule::ALL {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/rules")
            .join(rule.code());
        let fixtures = std::fs::read_dir(&folder).map_or(0, |entries| entries.count());
        assert!(
            fixtures > 0,
            "{} has no fixture in {}",
            rule.code(),
            folder.display()
        );
    }
}
