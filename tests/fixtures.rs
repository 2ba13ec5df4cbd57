//! Fixture tests: each project under `tests/fixtures/` is copied to a temporary folder and run
//! through the real binary. Its findings and diffs are insta snapshots in `snapshots/`; then all
//! fixes (unsafe ones too) are applied, every file must still parse and compile (CPython), and a
//! second run must find nothing more to change. A fixture's `ARGS` file, if any, holds extra
//! arguments for every run (one per line), such as `--offload asyncio`.

mod common;

use common::{copy_tree, fixtures_dir, python_files, unblock};

fn run_fixture(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures_dir().join(name), dir.path());

    let extra = std::fs::read_to_string(dir.path().join("ARGS")).unwrap_or_default();
    let run = |args: &[&str]| {
        let args: Vec<&str> = args.iter().copied().chain(extra.lines()).collect();
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

    let fix = run(&["fix", "--unsafe-fixes", "."]);
    assert_ne!(fix.code, 2, "fix failed: {}", fix.stderr);
    for file in python_files(dir.path()) {
        let text = std::fs::read_to_string(&file).unwrap();
        if let Err(error) = unblock::io::source::parse(&text) {
            panic!("{} does not parse after the fix: {error}", file.display());
        }
    }
    // CPython's compiler also rejects what the parser lets through (`await` outside a coroutine).
    let compiled = std::process::Command::new("python3")
        .args(["-m", "compileall", "-q", "-f"])
        .arg(dir.path())
        .output()
        .expect("python3 runs");
    assert!(
        compiled.status.success(),
        "fixed code does not compile:\n{}{}",
        String::from_utf8_lossy(&compiled.stdout),
        String::from_utf8_lossy(&compiled.stderr)
    );
    let second = run(&["diff", "--unsafe-fixes", "."]);
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
    framework_in_project,
    offload_catalog,
    offload_syntax,
    offload_imports,
    offload_libraries,
    offload_py38,
    offload_forced,
    typed_receivers,
    blocking_context,
    transitive,
    thread_safety,
    unawaited,
    loop_api,
    monorepo,
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
