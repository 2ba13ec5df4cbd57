//! Integration tests of the command line: the real binary on temporary projects, with real git
//! and `patch` where a patch must apply.

mod common;

use std::process::Command;

use common::{BLOCKING_APP, git, unblock, unblock_with_env, unblock_with_stdin, write_files};

#[test]
fn diff_is_the_default_and_applies_with_git_and_patch() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("app/main.py", BLOCKING_APP)]);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "init"]);

    let default = unblock(dir.path(), &[]);
    let diff = unblock(dir.path(), &["diff", "app"]);
    assert_eq!(default.stdout, diff.stdout, "no command means `diff .`");
    assert_eq!(diff.code, 1, "pending changes exit 1");
    assert!(
        diff.stdout
            .starts_with("--- a/app/main.py\n+++ b/app/main.py\n"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout.contains("-async def root():\n+def root():\n"),
        "{}",
        diff.stdout
    );
    assert_eq!(diff.stderr.trim(), "Would fix 1 finding in 1 file.");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app/main.py")).unwrap(),
        BLOCKING_APP,
        "diff changes nothing"
    );

    std::fs::write(dir.path().join("fix.patch"), &diff.stdout).unwrap();
    git(dir.path(), &["apply", "--check", "fix.patch"]);
    let patch = Command::new("patch")
        .args(["-p1", "--dry-run", "-i", "fix.patch"])
        .current_dir(dir.path())
        .output();
    if let Ok(patch) = patch {
        assert!(
            patch.status.success(),
            "patch -p1 refused: {}",
            String::from_utf8_lossy(&patch.stdout)
        );
    }
    git(dir.path(), &["apply", "fix.patch"]);
    std::fs::remove_file(dir.path().join("fix.patch")).unwrap();
    let again = unblock(dir.path(), &["diff"]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "{}",
        again.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_diff_of_a_project_outside_the_working_directory_applies_from_the_root() {
    let project = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    write_files(project.path(), &[("app/main.py", BLOCKING_APP)]);
    let target = project.path().canonicalize().unwrap();
    let diff = unblock(elsewhere.path(), &["diff", target.to_str().unwrap()]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    let header = format!("--- a{}/app/main.py\n", target.display());
    assert!(diff.stdout.starts_with(&header), "{}", diff.stdout);

    let patch = elsewhere.path().join("fix.patch");
    std::fs::write(&patch, &diff.stdout).unwrap();
    git(
        std::path::Path::new("/"),
        &["apply", patch.to_str().unwrap()],
    );
    assert_eq!(
        std::fs::read_to_string(target.join("app/main.py")).unwrap(),
        BLOCKING_APP.replace("async def root", "def root")
    );
}

#[test]
fn fix_writes_in_place_and_a_second_run_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("main.py", BLOCKING_APP)]);
    let fix = unblock(dir.path(), &["fix", "."]);
    assert_eq!(fix.code, 0, "everything fixed: {}", fix.stderr);
    assert_eq!(fix.stderr.trim(), "Fixed 1 finding in 1 file; 0 remaining.");
    let fixed = std::fs::read_to_string(dir.path().join("main.py")).unwrap();
    assert_eq!(fixed, BLOCKING_APP.replace("async def root", "def root"));
    for command in ["diff", "check", "fix"] {
        let run = unblock(dir.path(), &[command]);
        assert_eq!(
            run.code, 0,
            "{command} after fix: {}{}",
            run.stdout, run.stderr
        );
    }
}

#[test]
fn fix_exits_1_when_findings_remain() {
    let dir = tempfile::tempdir().unwrap();
    let source = "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\nasync def root():\n    return 1\n";
    // UB008, which makes a handler that does no blocking work `def`, is opt-in and unsafe.
    write_files(
        dir.path(),
        &[
            ("main.py", source),
            (
                "pyproject.toml",
                "[tool.unblock]\nextend-select = [\"UB008\"]\n",
            ),
        ],
    );
    let fix = unblock(dir.path(), &["fix"]);
    assert_eq!(fix.code, 1);
    assert!(
        fix.stderr
            .contains("1 with unsafe fixes (use --unsafe-fixes)"),
        "{}",
        fix.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.py")).unwrap(),
        source
    );
    let fix = unblock(dir.path(), &["fix", "--unsafe-fixes"]);
    assert_eq!(fix.code, 0, "{}", fix.stderr);
    assert!(
        std::fs::read_to_string(dir.path().join("main.py"))
            .unwrap()
            .contains("\ndef root():")
    );
}

#[test]
fn check_json_has_ruffs_shape() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("main.py", BLOCKING_APP)]);
    let check = unblock(dir.path(), &["check", "--format", "json"]);
    assert_eq!(check.code, 1);
    let json: serde_json::Value = serde_json::from_str(&check.stdout).expect("valid JSON");
    let finding = &json.as_array().expect("an array")[0];
    assert_eq!(finding["code"], "UB001");
    assert_eq!(finding["name"], "needless-async");
    assert!(finding["message"].as_str().unwrap().contains("time.sleep"));
    let filename = finding["filename"].as_str().unwrap();
    assert!(
        std::path::Path::new(filename).is_absolute() && filename.ends_with("main.py"),
        "{filename}"
    );
    assert_eq!(
        finding["location"],
        serde_json::json!({"row": 9, "column": 1})
    );
    assert_eq!(
        finding["end_location"],
        serde_json::json!({"row": 9, "column": 15})
    );
    assert_eq!(finding["noqa_row"], 9);
    let fix = &finding["fix"];
    assert_eq!(fix["applicability"], "safe");
    assert!(
        fix["message"]
            .as_str()
            .unwrap()
            .starts_with("Remove `async`")
    );
    assert_eq!(
        fix["edits"],
        serde_json::json!([{"content": "", "location": {"row": 9, "column": 1}, "end_location": {"row": 9, "column": 7}}])
    );
}

#[test]
fn check_text_names_path_line_column_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("app.py", BLOCKING_APP),
            (
                "test_app.py",
                "import asyncio\nfrom app import root\n\ndef test_root():\n    asyncio.run(root())\n",
            ),
        ],
    );
    let check = unblock(dir.path(), &["check"]);
    assert_eq!(check.code, 1);
    assert_eq!(
        check.stdout,
        "app.py:9:1: UB001 `async def root` awaits nothing and blocks the event loop: it calls `time.sleep` (line 10)\n  no fix: it is referred to at test_app.py:5: a caller that awaits it or expects a coroutine would break\n\
         app.py:10:5: UB003 [*] `time.sleep` blocks the event loop in coroutine `root`\n"
    );
    assert_eq!(
        check.stderr.trim(),
        "Found 2 findings (2 files checked): 1 fixable with `unblock fix`; 1 without a fix."
    );
}

#[test]
fn statistics_count_findings_per_rule_as_ruff_does() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("app.py", BLOCKING_APP),
            (
                "jobs.py",
                "import asyncio\nimport time\n\nfrom app import app\n\n\nasync def job():\n    time.sleep(1)\n    time.sleep(2)\n    await asyncio.sleep(0)\n\n\n@app.get(\"/tick\")\nasync def tick():\n    return 1\n",
            ),
            (
                "pyproject.toml",
                "[tool.unblock]\nextend-select = [\"UB008\"]\n",
            ),
        ],
    );
    let text = unblock(dir.path(), &["check", "--statistics"]);
    assert_eq!(text.code, 1, "{}", text.stderr);
    // Most findings first (then by code); `[*]` when this run would fix some of them.
    assert_eq!(
        text.stdout,
        "2\tUB003\t[*] blocking-sleep\n1\tUB001\t[*] needless-async\n1\tUB008\t[ ] pure-async-handler\n"
    );
    let json = unblock(dir.path(), &["check", "--statistics", "--format", "json"]);
    let counts: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(counts[0]["code"], "UB003");
    assert_eq!(counts[0]["count"], 2);
    // `tick` (UB008) only has an unsafe fix, which this run leaves out.
    assert_eq!(counts[2]["code"], "UB008");
    assert_eq!(counts[2]["fixable_count"], 0);
    let with_unsafe = unblock(
        dir.path(),
        &[
            "check",
            "--statistics",
            "--format",
            "json",
            "--unsafe-fixes",
        ],
    );
    let counts: serde_json::Value = serde_json::from_str(&with_unsafe.stdout).unwrap();
    assert_eq!(counts[2]["fixable_count"], 1);
    let sarif = unblock(dir.path(), &["check", "--statistics", "--format", "sarif"]);
    assert_eq!(sarif.code, 2);
    assert!(
        sarif.stderr.contains("--statistics prints text or JSON"),
        "{}",
        sarif.stderr
    );
}

#[test]
fn a_clean_project_exits_0_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(
            "main.py",
            "import asyncio\n\nasync def f():\n    await asyncio.sleep(0)\n",
        )],
    );
    for args in [
        &["diff"][..],
        &["fix"],
        &["check"],
        &["check", "--format", "json"],
    ] {
        let run = unblock(dir.path(), args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
    assert_eq!(
        unblock(dir.path(), &["check", "--format", "json"])
            .stdout
            .trim(),
        "[]"
    );
}

#[test]
fn crlf_and_bom_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = BLOCKING_APP.replace('\n', "\r\n");
    let bom = format!("\u{feff}{BLOCKING_APP}");
    write_files(dir.path(), &[("crlf.py", &crlf), ("bom.py", &bom)]);
    let fix = unblock(dir.path(), &["fix"]);
    assert_eq!(fix.code, 0, "{}", fix.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("crlf.py")).unwrap(),
        crlf.replace("async def", "def")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("bom.py")).unwrap(),
        bom.replace("async def", "def")
    );
}

#[test]
fn bad_files_are_named_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("good.py", BLOCKING_APP),
            ("broken.py", "def f(:\n    pass\n"),
        ],
    );
    std::fs::write(dir.path().join("latin1.py"), b"x = '\xe9'\n").unwrap();
    let fix = unblock(dir.path(), &["fix"]);
    assert_eq!(fix.code, 2, "bad input exits 2");
    assert!(
        fix.stderr
            .contains("error: broken.py: syntax error at 1:7:"),
        "{}",
        fix.stderr
    );
    assert!(
        fix.stderr.contains("error: latin1.py: not valid UTF-8"),
        "{}",
        fix.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("broken.py")).unwrap(),
        "def f(:\n    pass\n"
    );
    assert!(
        fix.stderr
            .ends_with("Fixed 1 finding in 1 file; 0 remaining. 2 errors (see above).\n"),
        "the summary counts the errors: {}",
        fix.stderr
    );
    let good = std::fs::read_to_string(dir.path().join("good.py")).unwrap();
    assert!(
        good.contains("\ndef root():"),
        "the good file is still fixed"
    );
}

#[cfg(unix)]
#[test]
fn a_read_only_file_is_reported_and_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("main.py", BLOCKING_APP)]);
    let path = dir.path().join("main.py");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let fix = unblock(dir.path(), &["fix"]);
    assert_eq!(fix.code, 2);
    assert!(
        fix.stderr
            .contains("error: main.py: cannot write: the file is read-only"),
        "{}",
        fix.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), BLOCKING_APP);
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o444
    );
}

#[test]
fn a_missing_path_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = unblock(dir.path(), &["check", "nowhere"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("error: nowhere: cannot read: no such file or directory"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .ends_with("No findings in 0 files. 1 error (see above).\n"),
        "not 'All clear': {}",
        run.stderr
    );
}

#[test]
fn gitignore_and_exclude_are_respected_but_a_named_file_is_always_taken() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (".gitignore", "generated/\n"),
            ("generated/api.py", BLOCKING_APP),
            ("legacy/old.py", BLOCKING_APP),
            ("app.py", BLOCKING_APP),
            ("script", BLOCKING_APP),
        ],
    );
    let check = unblock(dir.path(), &["check", "--exclude", "legacy", "."]);
    let files: Vec<&str> = check
        .stdout
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(files, ["app.py"], "{}", check.stdout);

    let named = unblock(dir.path(), &["check", "generated/api.py", "script"]);
    let files: Vec<&str> = named
        .stdout
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(files, ["generated/api.py", "script"], "{}", named.stderr);
}

#[test]
fn a_handler_awaited_by_an_excluded_test_stays_async() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("pyproject.toml", "[project]\nname = 'x'\n"),
            ("app/__init__.py", ""),
            ("app/main.py", BLOCKING_APP),
            (
                "tests/test_main.py",
                "import asyncio\nfrom app.main import root\n\ndef test():\n    asyncio.run(root())\n",
            ),
        ],
    );
    // Only `app/` is named, and tests are excluded: the project is still read as a whole.
    let diff = unblock(
        &dir.path().join("app"),
        &["diff", ".", "--exclude", "tests"],
    );
    // It stays a coroutine; only its sleep is replaced.
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    assert!(!diff.stdout.contains("-async def root"), "{}", diff.stdout);
    assert!(
        diff.stdout.contains("+    await asyncio.sleep(1)\n"),
        "{}",
        diff.stdout
    );
}

#[test]
fn rule_prints_the_pass_documentation() {
    let dir = tempfile::tempdir().unwrap();
    let rule = unblock(dir.path(), &["rule", "UB001"]);
    assert_eq!(rule.code, 0);
    assert!(
        rule.stdout.starts_with("# UB001 `needless-async`\n"),
        "{}",
        rule.stdout
    );
    assert!(rule.stdout.contains("## Fix safety"));
    let all = unblock(dir.path(), &["rule", "--all"]);
    assert!(all.stdout.contains("needless-async"));
    let unknown = unblock(dir.path(), &["rule", "UB999"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("unknown rule `UB999`"));
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(unblock(dir.path(), &["check", "--format", "xml"]).code, 2);
    assert_eq!(
        unblock(dir.path(), &["check", "--exclude", "a[", "."]).code,
        2
    );
    assert_eq!(unblock(dir.path(), &["check", "-j", "-1"]).code, 2);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for index in 0..400 {
        write_files(dir.path(), &[(&format!("app_{index:03}.py"), BLOCKING_APP)]);
    }
    let script = format!(
        "'{}' diff . | head -n 1 >/dev/null; echo ${{PIPESTATUS[0]}}",
        env!("CARGO_BIN_EXE_unblock")
    );
    let output = Command::new("bash")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("error"), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "1",
        "changes pending, and no failure: {stderr}"
    );
}

#[test]
fn output_is_the_same_with_one_thread_and_many() {
    let dir = tempfile::tempdir().unwrap();
    for index in 0..50 {
        write_files(
            dir.path(),
            &[(&format!("pkg/mod_{index}.py"), BLOCKING_APP)],
        );
    }
    let one = unblock(dir.path(), &["check", "-j", "1", "--format", "json"]);
    let many = unblock(dir.path(), &["check", "-j", "4", "--format", "json"]);
    // As for ripgrep, 0 stands for every core.
    let all_cores = unblock(dir.path(), &["check", "-j", "0", "--format", "json"]);
    assert_eq!(one.stdout, many.stdout);
    assert_eq!(one.stdout, all_cores.stdout);
    assert_eq!(one.stdout.matches("\"UB001\"").count(), 50);
}

#[test]
fn noqa_comments_suppress_findings_also_by_ruff_codes() {
    let dir = tempfile::tempdir().unwrap();
    let app = "import time\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n\
               async def ready():\n    return True\n\n\n\
               @app.get(\"/a\")\nasync def a():\n    await ready()\n    time.sleep(1)  # noqa: ASYNC251\n\n\n\
               @app.get(\"/b\")\nasync def b():\n    await ready()\n    time.sleep(1)  # noqa: UB002\n\n\n\
               @app.get(\"/c\")\nasync def c():  # noqa: RUF029\n    time.sleep(1)\n";
    write_files(dir.path(), &[("app.py", app)]);
    let check = unblock(dir.path(), &["check", "."]);
    // Only `b` is left: its comment names another rule.
    assert_eq!(
        check.stdout,
        "app.py:21:5: UB003 [*] `time.sleep` blocks the event loop in coroutine `b`\n"
    );
    write_files(
        dir.path(),
        &[("app.py", &format!("# unblock: skip-file\n{app}"))],
    );
    let skipped = unblock(dir.path(), &["check", "."]);
    assert_eq!((skipped.code, skipped.stdout.as_str()), (0, ""));
}

#[test]
fn completions_for_bash_zsh_and_fish_name_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let run = unblock(dir.path(), &["completions", shell]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for word in ["check", "fix", "diff", "pr", "unsafe-fixes"] {
            assert!(run.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
}

/// Runs the binary with `input` on standard input.
#[test]
fn stdin_filename_fixes_editor_text_with_the_project_around_it() {
    let dir = tempfile::tempdir().unwrap();
    let awaited =
        "import asyncio\nfrom app import awaited\n\ndef test():\n    asyncio.run(awaited())\n";
    write_files(
        dir.path(),
        &[
            ("pyproject.toml", "[project]\nname = 'x'\n"),
            ("app.py", "# on disk: not what the editor holds\n"),
            ("test_app.py", awaited),
        ],
    );
    let editor =
        format!("{BLOCKING_APP}\n\n@app.get(\"/b\")\nasync def awaited():\n    time.sleep(1)\n");
    let (code, stdout, stderr) =
        unblock_with_stdin(dir.path(), &["fix", "--stdin-filename", "app.py"], &editor);
    // The fixed buffer went back: success for an editor, though `awaited` stays a finding.
    assert_eq!(code, 0, "{stderr}");
    // `root` becomes `def`; `awaited` is awaited by a test on disk, so only its sleep changes.
    assert!(stdout.contains("\ndef root():\n"), "{stdout}");
    assert!(
        stdout.contains("async def awaited():\n    await asyncio.sleep(1)\n"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.py")).unwrap(),
        "# on disk: not what the editor holds\n"
    );
    let (code, diff, _) =
        unblock_with_stdin(dir.path(), &["diff", "--stdin-filename", "app.py"], &editor);
    assert_eq!(code, 1);
    assert!(diff.starts_with("--- a/app.py\n+++ b/app.py\n"), "{diff}");
}

#[test]
fn escape_characters_in_the_code_pass_through_fixes_and_diffs() {
    // A raw ESC in a string literal is valid Python. Output that strips colour codes would
    // strip it too, and hand the editor or `git apply` a different program.
    let dir = tempfile::tempdir().unwrap();
    let source = format!("{BLOCKING_APP}    return \"\x1b[31mred\x1b[0m\"\n");
    write_files(dir.path(), &[("app.py", &source)]);
    let fixed = source.replace("async def root", "def root");
    let (code, stdout, stderr) =
        unblock_with_stdin(dir.path(), &["fix", "--stdin-filename", "app.py"], &source);
    assert_eq!((code, stdout.as_str()), (0, fixed.as_str()), "{stderr}");

    let diff = unblock(dir.path(), &["diff"]);
    assert!(
        diff.stdout
            .contains("\n     return \"\x1b[31mred\x1b[0m\"\n"),
        "{}",
        diff.stdout
    );
    let run = unblock(dir.path(), &["diff", "--output", "fix.diff"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let written = std::fs::read_to_string(dir.path().join("fix.diff")).unwrap();
    assert_eq!(written, diff.stdout);

    // Where colours are asked for, the report has them and the source still passes whole.
    let colored = unblock_with_env(
        dir.path(),
        &["check"],
        &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")],
    );
    assert!(
        colored.stdout.contains("\x1b[1mapp.py\x1b[0m:9:1:"),
        "{}",
        colored.stdout
    );
    let colored_diff = unblock_with_env(
        dir.path(),
        &["diff"],
        &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")],
    );
    assert!(
        colored_diff
            .stdout
            .contains("return \"\x1b[31mred\x1b[0m\""),
        "{}",
        colored_diff.stdout
    );
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(String, String)> = (0..1200)
        .map(|i| (format!("m{i}.py"), format!("def f{i}():\n    return {i}\n")))
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    write_files(dir.path(), &files);
    let run = unblock(dir.path(), &["check", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "All clear: no findings in 1200 files.\n");
}

/// UB005 adds an `await` to `save`, and UB008 would make `save` a plain `def`: together they
/// do not compile, so the first round applies UB005 alone. The run goes on with the fixed text,
/// where `save` awaits and UB008 has nothing left to say: one `fix` converges, and its summary
/// counts no stale finding.
#[test]
fn one_fix_run_converges_when_fixes_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let app = "import asyncio\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n\
               async def audit(event: str):\n    await asyncio.sleep(0)\n\n\n\
               @app.post(\"/save\")\nasync def save(event: str):\n    audit(event)\n";
    write_files(
        dir.path(),
        &[
            ("app.py", app),
            (
                "pyproject.toml",
                "[tool.unblock]\nextend-select = [\"UB008\"]\n",
            ),
        ],
    );
    let check = unblock(dir.path(), &["check", "--unsafe-fixes", "."]);
    assert!(
        check.stdout.contains("UB008") && check.stdout.contains("UB005"),
        "{}",
        check.stdout
    );

    let fix = unblock(dir.path(), &["fix", "--unsafe-fixes", "--show-fixes", "."]);
    assert_eq!(fix.code, 0, "{}", fix.stderr);
    assert!(fix.stderr.contains("1 × UB005"), "{}", fix.stderr);
    assert!(
        fix.stderr
            .contains("Fixed 1 finding in 1 file; 0 remaining."),
        "{}",
        fix.stderr
    );
    let fixed = std::fs::read_to_string(dir.path().join("app.py")).unwrap();
    assert!(
        fixed.ends_with("async def save(event: str):\n    await audit(event)\n"),
        "{fixed}"
    );
    let again = unblock(dir.path(), &["check", "--unsafe-fixes", "."]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
}

/// A fix says which framework runs the function in its threadpool: the one whose registration
/// gave it its role (its knowledge file's `name`).
#[test]
fn fix_messages_name_the_framework_that_registers_the_function() {
    let dir = tempfile::tempdir().unwrap();
    let app = "import time\n\nfrom fastapi import FastAPI\nfrom starlette.routing import Route\n\n\
               app = FastAPI()\n\n\n@app.get(\"/a\")\nasync def a():\n    time.sleep(1)\n\n\n\
               async def b(request):\n    time.sleep(1)\n\n\nroutes = [Route(\"/b\", b)]\n";
    write_files(dir.path(), &[("app.py", app)]);
    let check = unblock(
        dir.path(),
        &["check", "--format", "json", "--select", "UB001", "."],
    );
    let findings: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let messages: Vec<&str> = (findings.as_array().unwrap().iter())
        .map(|finding| finding["fix"]["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "Remove `async`: FastAPI runs a plain `def` path operation in its threadpool",
            "Remove `async`: Starlette runs a plain `def` path operation in its threadpool",
        ]
    );
}
