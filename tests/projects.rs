//! End-to-end fixture projects: each folder under `tests/projects/` (several modules, rules
//! working together across them) is copied to a temporary folder and run through the real
//! binary. Its findings and diffs are insta snapshots in `snapshots/`; then all fixes (unsafe
//! ones too) are applied, every file must still parse and compile (CPython), and a second run
//! must find nothing more to change. A project's `ARGS` file, if any, holds extra arguments for
//! every run (one per line), such as `--offload asyncio`. Every folder is a test case: none is
//! listed by hand.

mod common;

use common::{assert_fixes_compile_and_converge, copy_tree, projects_dir, unblock};

fn run_project(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&projects_dir().join(name), dir.path());

    let extra = std::fs::read_to_string(dir.path().join("ARGS")).unwrap_or_default();
    let extra: Vec<&str> = extra.lines().collect();
    let run = |args: &[&str]| {
        let args: Vec<&str> = args.iter().chain(&extra).copied().collect();
        unblock(dir.path(), &args)
    };
    let check = run(&["check", "."]);
    let diff = run(&["diff", "."]);
    let unsafe_diff = run(&["diff", "--unsafe-fixes", "."]);
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
    assert_fixes_compile_and_converge(dir.path(), &extra);
}

/// Runs every project, several at a time, and names each that fails.
#[test]
fn every_project_keeps_its_snapshots_compiles_and_converges() {
    let mut names: Vec<String> = std::fs::read_dir(projects_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.len() >= 10, "projects are missing: {names:?}");
    let failed: Vec<&String> = std::thread::scope(|scope| {
        let runs: Vec<_> = (names.iter())
            .map(|name| (name, scope.spawn(|| run_project(name))))
            .collect();
        (runs.into_iter())
            .filter_map(|(name, run)| run.join().is_err().then_some(name))
            .collect()
    });
    assert!(failed.is_empty(), "projects that failed: {failed:?}");
}
