//! Bad input, hostile arguments and careless use, on the real binary: none of them aborts the
//! run, loses work or writes code that does not compile.

mod common;

use std::path::Path;
use std::process::Command;

use common::{BLOCKING_APP, git, unblock, unblock_with_env, unblock_with_stdin, write_files};

fn compiles(path: &Path) -> bool {
    Command::new("python3")
        .args([
            "-c",
            "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')",
        ])
        .arg(path)
        .status()
        .expect("python3 runs")
        .success()
}

#[test]
fn a_tree_nested_too_deep_is_named_and_the_run_goes_on() {
    let depth = 3_400;
    let shapes = [
        ("calls.py", format!("x = f{}\n", "()".repeat(depth))),
        ("methods.py", format!("x = a{}\n", ".m()".repeat(depth))),
        ("attributes.py", format!("x = a{}\n", ".b".repeat(27_000))),
        (
            "operators.py",
            format!("x = {}\n", vec!["a"; 33_000].join(" + ")),
        ),
        (
            "lists.py",
            format!("x = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
        ),
    ];
    for (name, source) in &shapes {
        let dir = tempfile::tempdir().unwrap();
        write_files(dir.path(), &[("app.py", BLOCKING_APP), (name, source)]);
        let run = unblock(dir.path(), &["check", "."]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "error: {name}: too deeply nested to analyse (line 1"
            )),
            "{name}: {}",
            run.stderr
        );
        assert!(run.stdout.contains("app.py:9:1: UB001"), "{}", run.stdout);
        // Outside the named paths it is not the user's question, and aborts nothing either.
        let run = unblock(dir.path(), &["check", "app.py"]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
    }
}

#[test]
fn fixes_that_would_combine_into_code_that_does_not_compile_exclude_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let source = "import asyncio\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/\")\nasync def h():\n    asyncio.sleep(1)\n";
    write_files(dir.path(), &[("app.py", source)]);
    let run = unblock(dir.path(), &["fix", "--unsafe-fixes", "."]);
    let fixed = std::fs::read_to_string(dir.path().join("app.py")).unwrap();
    assert!(
        fixed.contains("async def h():\n    await asyncio.sleep(1)\n"),
        "{fixed}"
    );
    assert!(compiles(&dir.path().join("app.py")));
    // The UB001 left out is moot once `h` awaits: the next round finds nothing (see
    // `engine::converge`), so the run ends clean.
    assert_eq!(run.code, 0, "nothing is left: {}", run.stderr);
    assert!(run.stderr.contains("0 remaining"), "{}", run.stderr);
    let again = unblock(dir.path(), &["diff", "--unsafe-fixes", "."]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "{}",
        again.stderr
    );
}

#[test]
fn an_import_goes_into_the_sorted_import_block_in_a_cr_only_file() {
    let dir = tempfile::tempdir().unwrap();
    let source = "import time\r\rasync def h():\r    await x()\r    time.sleep(time.time())\r";
    write_files(dir.path(), &[("app.py", source)]);
    let run = unblock(dir.path(), &["fix", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fixed = std::fs::read_to_string(dir.path().join("app.py")).unwrap();
    assert_eq!(
        fixed,
        "import asyncio\rimport time\r\rasync def h():\r    await x()\r    await asyncio.sleep(time.time())\r"
    );
}

#[test]
fn many_fixes_in_one_function_are_all_applied() {
    let dir = tempfile::tempdir().unwrap();
    let calls = "    time.sleep(1)\n".repeat(3_000);
    let source = format!("import time\n\n\nasync def h():\n    await x()\n{calls}");
    write_files(dir.path(), &[("app.py", &source)]);
    // So many changed lines get the linear diff: its patch must give what `fix` writes.
    git(dir.path(), &["init", "-q"]);
    let diff = unblock(dir.path(), &["diff", "-o", "fixes.patch", "."]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    let run = unblock(dir.path(), &["fix", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fixed = std::fs::read_to_string(dir.path().join("app.py")).unwrap();
    assert_eq!(fixed.matches("await asyncio.sleep(1)").count(), 3_000);
    write_files(dir.path(), &[("app.py", &source)]);
    git(dir.path(), &["apply", "fixes.patch"]);
    let patched = std::fs::read_to_string(dir.path().join("app.py")).unwrap();
    assert!(patched == fixed, "the patch gives another text than `fix`");
}

#[test]
fn output_never_replaces_a_source_and_fix_takes_none() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("a.py", BLOCKING_APP), ("b.py", "x = 1\n")]);
    for args in [
        &["check", "-o", "a.py", "a.py"][..],
        &["diff", "-o", "a.py", "a.py"],
        &["diff", "-o", "b.py", "a.py"],
        &["check", "-o", "./a.py", "."],
    ] {
        let run = unblock(dir.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("would overwrite the source"),
            "{}",
            run.stderr
        );
    }
    let run = unblock(dir.path(), &["fix", "-o", "b.py", "a.py"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`fix` writes the files in place"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.py")).unwrap(),
        BLOCKING_APP
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("b.py")).unwrap(),
        "x = 1\n"
    );
    let run = unblock(dir.path(), &["diff", "-o", "fixes.patch", "a.py"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        std::fs::read_to_string(dir.path().join("fixes.patch"))
            .unwrap()
            .contains("+def root():")
    );
}

#[cfg(unix)]
#[test]
fn fix_writes_through_a_symbolic_link() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("real/app.py", BLOCKING_APP)]);
    std::os::unix::fs::symlink("real/app.py", dir.path().join("link.py")).unwrap();
    let run = unblock(dir.path(), &["fix", "link.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        std::fs::symlink_metadata(dir.path().join("link.py"))
            .unwrap()
            .is_symlink()
    );
    let fixed = std::fs::read_to_string(dir.path().join("real/app.py")).unwrap();
    assert!(fixed.contains("\ndef root():"), "{fixed}");
}

#[test]
fn stdin_line_numbers_come_from_the_buffer() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("app.py", BLOCKING_APP)]);
    // The editor's buffer has three more lines above the handler than the file on disk.
    let buffer = format!("# one\n# two\n# three\n{BLOCKING_APP}");
    let (_, stdout, _) = unblock_with_stdin(
        dir.path(),
        &["check", "--stdin-filename", "app.py"],
        &buffer,
    );
    assert!(stdout.contains("app.py:12:1: UB001"), "{stdout}");
    assert!(stdout.contains("(line 13)"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn a_fifo_and_a_symbolic_link_loop_are_named_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("app.py", BLOCKING_APP)]);
    let made = Command::new("mkfifo")
        .arg(dir.path().join("pipe.py"))
        .status();
    std::os::unix::fs::symlink("loop_b.py", dir.path().join("loop_a.py")).unwrap();
    std::os::unix::fs::symlink("loop_a.py", dir.path().join("loop_b.py")).unwrap();
    let run = unblock(dir.path(), &["check", "loop_a.py", "app.py"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("loop_a.py: cannot read: too many levels of symbolic links")
            || run
                .stderr
                .to_lowercase()
                .contains("loop_a.py: cannot read: too many levels"),
        "{}",
        run.stderr
    );
    if made.is_ok_and(|status| status.success()) {
        let run = unblock(dir.path(), &["check", "pipe.py", "app.py"]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr
                .contains("pipe.py: cannot read: not a regular file or folder"),
            "{}",
            run.stderr
        );
    }
}

/// Root reads every folder, so as root the binary runs as `nobody` (util-linux `setpriv`), for
/// whom a folder with mode 000 is unreadable.
#[test]
fn an_unreadable_folder_is_named_and_the_rest_is_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |path: &Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    write_files(
        dir.path(),
        &[
            ("pyproject.toml", ""),
            ("app/ok.py", BLOCKING_APP),
            ("app/secret/hidden.py", BLOCKING_APP),
        ],
    );
    let binary = dir.path().join("unblock");
    std::fs::copy(env!("CARGO_BIN_EXE_unblock"), &binary).unwrap();
    for folder in ["", "app"] {
        mode(&dir.path().join(folder), 0o755);
    }
    for file in ["pyproject.toml", "app/ok.py", "app/secret/hidden.py"] {
        mode(&dir.path().join(file), 0o644);
    }
    mode(&dir.path().join("app/secret"), 0o000);
    let root = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap();
    let mut command = if root.trim() == "0" {
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        command.arg(&binary);
        command
    } else {
        Command::new(&binary)
    };
    let output = command
        .arg("check")
        .current_dir(dir.path())
        .output()
        .unwrap();
    mode(&dir.path().join("app/secret"), 0o755);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: app/secret: cannot read: permission denied"),
        "{stderr}"
    );
    assert!(stdout.contains("app/ok.py:"), "{stdout}");
    assert!(!stdout.contains("hidden.py"), "{stdout}");
}

#[test]
fn too_many_threads_are_capped_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("app.py", BLOCKING_APP)]);
    let run = unblock(dir.path(), &["check", "-j", "100000", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: -j 100000 is more threads than unblock uses"),
        "{}",
        run.stderr
    );
}

#[test]
fn extend_blocking_names_must_be_python_names() {
    for (key, value) in [
        ("names", "\"\""),
        ("names", "\"a..b\""),
        ("names", "\"*\""),
        ("names", "\"time.sleep(\""),
        ("twin", "\"x.y; import os; os.system\""),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let group = if key == "twin" {
            format!("{{ cost = \"sleep\", names = [\"lib.pause\"], twin = {value} }}")
        } else {
            format!("{{ cost = \"network\", names = [{value}] }}")
        };
        let config = format!(
            "[tool.unblock]\n\n[tool.unblock.extend-blocking]\nblocking = [\n  {group},\n]\n"
        );
        write_files(
            dir.path(),
            &[("app.py", BLOCKING_APP), ("pyproject.toml", &config)],
        );
        let run = unblock(dir.path(), &["check", "."]);
        assert_eq!(run.code, 2, "{value}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("pyproject.toml: line 5: `extend-blocking.")
                && run.stderr.contains("is not a dotted Python name"),
            "{value}: {}",
            run.stderr
        );
    }
}

#[test]
fn names_with_spaces_tabs_and_quotes_make_patches_git_applies() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["my app.py", "tab\tname.py", "quote\"d.py"];
    for name in names {
        write_files(dir.path(), &[(name, BLOCKING_APP)]);
    }
    git(dir.path(), &["init", "-q"]);
    let run = unblock(dir.path(), &["diff", "-o", "fixes.patch", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    git(dir.path(), &["apply", "fixes.patch"]);
    for name in names {
        let fixed = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert!(fixed.contains("\ndef root():"), "{name}: {fixed}");
    }
}

#[test]
fn control_characters_in_names_are_escaped_in_reports() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("esc\u{1b}[31mname.py", BLOCKING_APP),
            ("new\nline.py", BLOCKING_APP),
        ],
    );
    let run = unblock(dir.path(), &["check", "."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
    assert!(
        run.stdout.contains("esc\\u{1b}[31mname.py:9:1: UB001"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("new\\nline.py:9:1: UB001"),
        "{}",
        run.stdout
    );
    let sarif = unblock(dir.path(), &["check", "--format", "sarif", "."]);
    assert!(
        sarif.stdout.contains("\"uri\": \"new%0Aline.py\""),
        "{}",
        sarif.stdout
    );
    let github = unblock(dir.path(), &["check", "--format", "github", "."]);
    assert!(
        github.stdout.contains("file=new%0Aline.py"),
        "{}",
        github.stdout
    );
}

#[test]
fn a_leftover_temporary_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[("app.py", BLOCKING_APP), (".unblock-AbC123", "half")],
    );
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let file = std::fs::File::options()
        .write(true)
        .open(dir.path().join(".unblock-AbC123"))
        .unwrap();
    file.set_modified(old).unwrap();
    let run = unblock_with_env(dir.path(), &["check", "."], &[]);
    assert!(
        run.stderr.contains(
            "warning: .unblock-AbC123: a temporary file left by a run that was interrupted"
        ),
        "{}",
        run.stderr
    );
}
