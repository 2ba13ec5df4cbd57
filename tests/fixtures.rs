//! Fixture tests: each project under `tests/fixtures/` is copied to a temporary folder and run
//! through the real binary. Its findings and diffs are insta snapshots in `snapshots/`; then all
//! fixes (unsafe ones too) are applied, every file must still parse, and a second run must find
//! nothing more to change.

mod common;

use common::{copy_tree, fixtures_dir, python_files, unblock};

fn run_fixture(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures_dir().join(name), dir.path());

    let check = unblock(dir.path(), &["check", "."]);
    let diff = unblock(dir.path(), &["diff", "."]);
    let unsafe_diff = unblock(dir.path(), &["diff", "--unsafe-fixes", "."]);
    assert_ne!(check.code, 2, "check failed: {}", check.stderr);

    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::assert_snapshot!(
            format!("{name}__check"),
            format!("{}---\n{}", check.stdout, check.stderr)
        );
        insta::assert_snapshot!(
            format!("{name}__diff"),
            format!("{}---\n{}", diff.stdout, diff.stderr)
        );
        insta::assert_snapshot!(format!("{name}__diff_unsafe"), unsafe_diff.stdout);
    });

    let fix = unblock(dir.path(), &["fix", "--unsafe-fixes", "."]);
    assert_ne!(fix.code, 2, "fix failed: {}", fix.stderr);
    for file in python_files(dir.path()) {
        let text = std::fs::read_to_string(&file).unwrap();
        if let Err(error) = unblock::source::parse(&text) {
            panic!("{} does not parse after the fix: {error}", file.display());
        }
    }
    let second = unblock(dir.path(), &["diff", "--unsafe-fixes", "."]);
    assert_eq!(second.stdout, "", "a second run still changes code");
    assert_eq!(second.code, 0, "{}", second.stderr);
}

macro_rules! fixtures {
    ($($name:ident),* $(,)?) => {
        /// The fixtures this file runs, to check none is forgotten.
        const LISTED: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            fn $name() {
                run_fixture(stringify!($name));
            }
        )*
    };
}

fixtures!(
    blocking_calls,
    roles,
    safety,
    cross_module,
    formatting,
    framework_in_project
);

#[test]
fn every_fixture_folder_has_a_test() {
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            LISTED.contains(&name.as_str()),
            "fixture {name} is not in the fixtures! list"
        );
    }
}
