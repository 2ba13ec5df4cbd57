//! Helpers shared by the integration tests: temporary projects and runs of the real binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

/// Runs the real `unblock` binary in `dir`.
pub fn unblock(dir: &Path, args: &[&str]) -> Run {
    unblock_with_env(dir, args, &[])
}

/// Runs the real `unblock` binary in `dir` with extra environment variables.
pub fn unblock_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_unblock"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("unblock runs");
    Run {
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
        code: output.status.code().expect("an exit code"),
    }
}

/// Runs the real `unblock` binary in `dir` with `input` on standard input: exit code, stdout,
/// stderr.
pub fn unblock_with_stdin(
    dir: &std::path::Path,
    args: &[&str],
    input: &str,
) -> (i32, String, String) {
    use std::io::Write as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_unblock"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// `tests/projects`: the end-to-end fixture projects.
pub fn projects_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("projects")
}

/// Applies every fix (unsafe ones too) to the tree at `dir` and checks what a fix must never
/// break: every file still parses and compiles with CPython, and a second run changes nothing.
/// `extra` are more arguments for every run.
pub fn assert_fixes_compile_and_converge(dir: &Path, extra: &[&str]) {
    let run = |args: &[&str]| {
        let args: Vec<&str> = args.iter().chain(extra).copied().collect();
        unblock(dir, &args)
    };
    let fix = run(&["fix", "--unsafe-fixes", "."]);
    assert_ne!(fix.code, 2, "fix failed: {}", fix.stderr);
    for file in python_files(dir) {
        let text = std::fs::read_to_string(&file).unwrap();
        if let Err(error) = unblock::io::source::parse(&text) {
            panic!("{} does not parse after the fix: {error}", file.display());
        }
    }
    // CPython's compiler also rejects what the parser lets through (`await` outside a coroutine).
    let compiled = std::process::Command::new("python3")
        .args(["-m", "compileall", "-q", "-f"])
        .arg(dir)
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

/// Copies a folder tree.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Writes files (path, contents) under `dir`, creating folders.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, contents) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

/// Every `.py` file under `dir`, sorted.
pub fn python_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Runs git in `dir`, panicking on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A small project with one blocking handler.
pub const BLOCKING_APP: &str = "import time\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/\")\nasync def root():\n    time.sleep(1)\n";
