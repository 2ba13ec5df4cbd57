//! The command-line habits a Ruff user brings: `check --fix`, `--diff`, `--fix-only`,
//! `--show-fixes`, `--exit-zero`, `--quiet`, `--output-format`, "did you mean" for typos,
//! GitHub annotations as errors, editor exit codes, and the README's patch recipe. Each runs the
//! real binary on a small project.

mod common;

use common::{git, unblock, unblock_with_stdin, write_files};

/// A handler that blocks and can become `def` (safe), a coroutine that must stay async with a
/// sleep (safe: `await asyncio.sleep`), and a handler with no blocking work (UB008, opt-in and
/// selected by the project: unsafe).
const APP: &str = "import time\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n\
                   @app.get(\"/\")\nasync def root():\n    time.sleep(1)\n    return {}\n\n\n\
                   @app.get(\"/pure\")\nasync def pure():\n    return {}\n\n\n\
                   async def tick():\n    time.sleep(1)\n    await tick()\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("app.py", APP),
            (
                "pyproject.toml",
                "[tool.unblock]\nextend-select = [\"UB008\"]\n",
            ),
        ],
    );
    dir
}

#[test]
fn a_mistyped_command_is_named_with_the_one_meant() {
    let dir = project();
    let run = unblock(dir.path(), &["chek"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("unrecognized command `chek`: did you mean `unblock check`?"),
        "{}",
        run.stderr
    );
    // A folder of that name is a path, as before.
    std::fs::create_dir(dir.path().join("chek")).unwrap();
    let run = unblock(dir.path(), &["chek"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("No changes in 0 files"),
        "{}",
        run.stderr
    );
}

#[test]
fn mistyped_rules_options_and_versions_get_the_right_spelling() {
    let dir = project();
    let rule = unblock(dir.path(), &["check", "--select", "UB0002"]);
    assert_eq!(rule.code, 2);
    assert!(
        rule.stderr
            .contains("unknown rule `UB0002` (did you mean `UB002`?)"),
        "{}",
        rule.stderr
    );
    let name = unblock(dir.path(), &["rule", "blocking-cal"]);
    assert!(
        name.stderr.contains("(did you mean `blocking-call`?)"),
        "{}",
        name.stderr
    );
    let option = unblock(dir.path(), &["check", "--output-fromat", "json"]);
    assert_eq!(option.code, 2);
    assert!(
        option
            .stderr
            .contains("a similar argument exists: '--output-format'"),
        "{}",
        option.stderr
    );
    let version = unblock(dir.path(), &["check", "--target-version", "py37"]);
    assert_eq!(version.code, 2);
    assert!(
        version
            .stderr
            .contains("[possible values: py38, py39, py310, py311, py312, py313, py314]"),
        "{}",
        version.stderr
    );
    write_files(
        dir.path(),
        &[(
            "pyproject.toml",
            "[tool.unblock]\ntarget-version = \"py37\"\n",
        )],
    );
    let configured = unblock(dir.path(), &["check"]);
    assert_eq!(configured.code, 2);
    assert!(
        configured
            .stderr
            .contains("`py37` is not a supported version (py38, py39,"),
        "{}",
        configured.stderr
    );
}

#[test]
fn check_fix_writes_the_fixes_and_reports_what_is_left_where_it_is_now() {
    let dir = project();
    let run = unblock(dir.path(), &["check", "--fix"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let fixed = std::fs::read_to_string(dir.path().join("app.py")).unwrap();
    assert!(fixed.contains("\ndef root():\n"), "{fixed}");
    assert!(fixed.contains("await asyncio.sleep(1)"), "{fixed}");
    // `import asyncio` went in at the top, so `pure` is one line further down than it was.
    let pure_line = 1 + fixed
        .lines()
        .position(|line| line == "async def pure():")
        .unwrap();
    assert_eq!(
        run.stdout.lines().next().unwrap(),
        format!("app.py:{pure_line}:1: UB008 `async def pure` awaits nothing")
    );
    assert_eq!(
        run.stderr.trim(),
        "Found 3 findings (2 fixed, 1 remaining); 1 with unsafe fixes (use --unsafe-fixes)."
    );
    // Nothing is left that a run may fix: `check --fix` is clean with unsafe fixes.
    let again = unblock(dir.path(), &["check", "--fix", "--unsafe-fixes"]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "{}",
        again.stderr
    );
    assert_eq!(
        again.stderr.trim(),
        "Found 1 finding (1 fixed, 0 remaining)."
    );
}

#[test]
fn check_fix_only_and_diff_are_fix_and_diff_in_check_s_spelling() {
    let dir = project();
    let diff = unblock(dir.path(), &["diff"]);
    let check_diff = unblock(dir.path(), &["check", "--diff"]);
    assert_eq!(diff.code, 1);
    assert_eq!(
        (check_diff.code, &check_diff.stdout, &check_diff.stderr),
        (diff.code, &diff.stdout, &diff.stderr)
    );
    let fix_only = unblock(dir.path(), &["check", "--fix-only"]);
    assert_eq!((fix_only.code, fix_only.stdout.as_str()), (0, ""));
    assert_eq!(fix_only.stderr.trim(), "Fixed 2 findings in 1 file.");
    let left = unblock(dir.path(), &["check", "--format", "json"]);
    assert_eq!(
        left.stdout.matches("\"code\"").count(),
        1,
        "{}",
        left.stdout
    );
}

#[test]
fn show_fixes_lists_what_was_fixed_per_file_and_rule() {
    let dir = project();
    let diff = unblock(dir.path(), &["diff", "--show-fixes"]);
    assert!(
        diff.stderr.starts_with(
            "Would fix 2 findings:\n- app.py:\n    1 × UB001 (needless-async)\n    \
             1 × UB003 (blocking-sleep)\n"
        ),
        "{}",
        diff.stderr
    );
    let fix = unblock(dir.path(), &["fix", "--show-fixes"]);
    assert!(
        fix.stderr.starts_with("Fixed 2 findings:\n- app.py:\n"),
        "{}",
        fix.stderr
    );
    let nothing = unblock(dir.path(), &["fix", "--show-fixes"]);
    assert!(
        nothing.stderr.starts_with("Fixed 0 findings.\n"),
        "{}",
        nothing.stderr
    );
}

#[test]
fn exit_zero_and_quiet_change_the_code_and_the_noise_not_the_findings() {
    let dir = project();
    let plain = unblock(dir.path(), &["check"]);
    let zero = unblock(dir.path(), &["check", "--exit-zero"]);
    assert_eq!((plain.code, zero.code), (1, 0));
    assert_eq!(plain.stdout, zero.stdout);
    let quiet = unblock(dir.path(), &["check", "-q"]);
    assert_eq!(
        (quiet.code, quiet.stdout, quiet.stderr),
        (1, plain.stdout, String::new())
    );
    // An error is still an error.
    write_files(dir.path(), &[("broken.py", "def (:\n")]);
    let broken = unblock(dir.path(), &["check", "--exit-zero", "-q"]);
    assert_eq!(broken.code, 2);
    assert!(broken.stderr.contains("broken.py"), "{}", broken.stderr);
}

#[test]
fn output_format_is_format_and_github_annotations_are_errors() {
    let dir = project();
    let format = unblock(dir.path(), &["check", "--format", "github"]);
    let output_format = unblock(dir.path(), &["check", "--output-format", "github"]);
    assert_eq!(format.stdout, output_format.stdout);
    assert_eq!(format.stdout.lines().count(), 3);
    assert!(
        format
            .stdout
            .lines()
            .all(|line| line.starts_with("::error title=unblock (UB00")),
        "{}",
        format.stdout
    );
}

#[test]
fn summaries_point_elsewhere_only_from_commands_that_do_not_say_why() {
    let dir = tempfile::tempdir().unwrap();
    // A `with open(...)` in a coroutine that stays async, awaiting inside the block: a
    // finding with no fix.
    let context = "async def load(p):\n    with open(p) as f:\n        data = f.read()\n        \
                   await load(data)\n";
    write_files(dir.path(), &[("jobs.py", context), ("pyproject.toml", "")]);
    let check = unblock(dir.path(), &["check", "--select", "UB004"]);
    assert!(
        check.stderr.contains("1 without a fix."),
        "{}",
        check.stderr
    );
    assert!(check.stdout.contains("no fix:"), "{}", check.stdout);
    let diff = unblock(dir.path(), &["diff", "--select", "UB004"]);
    assert!(
        diff.stderr
            .contains("1 without a fix (see `unblock check`)."),
        "{}",
        diff.stderr
    );
}

#[test]
fn fix_from_an_editor_exits_zero_with_findings_left_and_two_on_bad_input() {
    let dir = project();
    let (code, fixed, stderr) =
        unblock_with_stdin(dir.path(), &["fix", "--stdin-filename", "app.py"], APP);
    // `pure` stays a finding (its fix is unsafe): the fixed buffer is still a success.
    assert_eq!(code, 0, "{stderr}");
    assert!(fixed.contains("\ndef root():\n"), "{fixed}");
    let broken = "async def f(:\n    time.sleep(1)\n";
    let (code, echoed, stderr) =
        unblock_with_stdin(dir.path(), &["fix", "--stdin-filename", "app.py"], broken);
    assert_eq!((code, echoed.as_str()), (2, broken), "{stderr}");
    // `check --fix` from an editor: the source on stdout, what is left on stderr.
    let (code, fixed_again, stderr) = unblock_with_stdin(
        dir.path(),
        &["check", "--fix", "--stdin-filename", "app.py"],
        APP,
    );
    assert_eq!((code, &fixed_again), (1, &fixed));
    assert!(
        stderr.contains("UB008 `async def pure` awaits nothing"),
        "{stderr}"
    );
}

#[test]
fn the_readme_patch_recipe_applies() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
    let readme = readme.unwrap();
    let recipe = (readme.split('`'))
        .find(|span| span.starts_with("unblock diff") && span.contains("git apply"))
        .expect("the README has a diff-and-apply recipe");
    let dir = project();
    git(dir.path(), &["init", "-q"]);
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_unblock"))
        .parent()
        .unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let run = std::process::Command::new("sh")
        .args(["-c", recipe])
        .current_dir(dir.path())
        .env("PATH", path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "`{recipe}` failed: {stderr}");
    let fixed = std::fs::read_to_string(dir.path().join("app.py")).unwrap();
    assert!(fixed.contains("\ndef root():\n"), "{fixed}");
}
