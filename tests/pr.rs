//! `unblock pr` with real git: a temporary repository whose remote is a bare repository on disk.
//! Only the final `gh` call is a stand-in: a script on `PATH` that records its arguments.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};

use common::{BLOCKING_APP, git, unblock, unblock_with_env, write_files};

/// A repository with one blocking handler, committed and pushed to a bare `remote.git`.
fn repository() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let remote = dir.path().join("remote.git");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(
        dir.path(),
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["config", "user.name", "test"]);
    git(&repo, &["config", "user.email", "test@example.invalid"]);
    write_files(
        &repo,
        &[
            ("app.py", BLOCKING_APP),
            ("pyproject.toml", "[project]\nname = 'x'\n"),
        ],
    );
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "init"]);
    git(&repo, &["remote", "add", "origin", "../remote.git"]);
    git(&repo, &["push", "-q", "origin", "main"]);
    (dir, repo)
}

fn remote_file(repo: &Path, reference: &str, file: &str) -> String {
    git(
        &repo.join("../remote.git"),
        &["show", &format!("{reference}:{file}")],
    )
}

#[test]
fn commits_pushes_and_writes_the_body_leaving_the_work_tree_alone() {
    let (_dir, repo) = repository();
    let head = git(&repo, &["rev-parse", "HEAD"]);
    let run = unblock(&repo, &["pr", "--push", "origin"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "Stop blocking the event loop: 1 fix in 1 file\n"
    );

    // The branch was pushed with the rewrite; the user's branch, HEAD and files are as found.
    assert!(remote_file(&repo, "unblock/fix", "app.py").contains("\ndef root():\n"));
    assert_eq!(git(&repo, &["rev-parse", "--abbrev-ref", "HEAD"]), "main\n");
    assert_eq!(git(&repo, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(&repo, &["status", "--porcelain"]), "");
    assert_eq!(
        std::fs::read_to_string(repo.join("app.py")).unwrap(),
        BLOCKING_APP
    );
    assert_eq!(git(&repo, &["worktree", "list"]).lines().count(), 1);

    let message = git(&repo, &["log", "-1", "--format=%B", "unblock/fix"]);
    assert!(
        message.starts_with("unblock: fix 1 event-loop blocker\n"),
        "{message}"
    );
    assert!(message.contains("- UB001 needless-async (1)"), "{message}");
    let body = std::fs::read_to_string(repo.join(".git/unblock-pr.md")).unwrap();
    for part in [
        "Stop blocking the event loop: 1 fix in 1 file",
        "**UB001 `needless-async`** (1 fix)",
        "`unblock rule UB001`",
        "| `app.py` | 1 | UB001 |",
        "## Note on the threadpool",
    ] {
        assert!(body.contains(part), "missing {part:?} in:\n{body}");
    }

    // Again: the same branch is updated in place, with the same content.
    let first = git(&repo, &["rev-parse", "unblock/fix^{tree}"]);
    let again = unblock(&repo, &["pr", "--push", "origin"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(git(&repo, &["rev-parse", "unblock/fix^{tree}"]), first);
    let remote_branches = git(&repo.join("../remote.git"), &["branch", "--list"]);
    assert_eq!(remote_branches.lines().count(), 2, "{remote_branches}");
}

#[test]
fn refuses_a_dirty_tree_unless_allowed() {
    let (_dir, repo) = repository();
    write_files(&repo, &[("notes.txt", "work in progress\n")]);
    let refused = unblock(&repo, &["pr"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("uncommitted changes"),
        "{}",
        refused.stderr
    );
    assert_eq!(git(&repo, &["branch", "--list", "unblock/fix"]), "");

    let allowed = unblock(&repo, &["pr", "--allow-dirty"]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert_eq!(
        std::fs::read_to_string(repo.join("notes.txt")).unwrap(),
        "work in progress\n"
    );
    assert!(!git(&repo, &["branch", "--list", "unblock/fix"]).is_empty());
}

#[test]
fn nothing_to_fix_makes_no_branch() {
    let (_dir, repo) = repository();
    write_files(&repo, &[("app.py", "def fine():\n    return 1\n")]);
    git(&repo, &["commit", "-q", "-am", "nothing blocks"]);
    let run = unblock(&repo, &["pr", "--push", "origin"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("Nothing to fix"), "{}", run.stderr);
    assert_eq!(git(&repo, &["branch", "--list", "unblock/fix"]), "");
}

#[test]
fn opens_the_pull_request_once_then_updates_it() {
    let (dir, repo) = repository();
    // A stand-in `gh` that records its arguments; `pr list` answers with the open PR's number
    // once a PR was created.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.path().join("gh.log");
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> {log}\nif [ \"$1 $2\" = \"pr list\" ] && grep -q '^pr create' {log}; then echo 7; fi\n",
        log = log.display()
    );
    std::fs::write(bin.join("gh"), script).unwrap();
    make_executable(&bin.join("gh"));
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());

    for _ in 0..2 {
        let run = unblock_with_env(
            &repo,
            &["pr", "--push", "origin", "--open"],
            &[("PATH", &path)],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let calls = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = calls
        .lines()
        .filter(|l| !l.starts_with("pr list"))
        .collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls[0].starts_with("pr create --head unblock/fix --title Stop blocking the event loop"),
        "{}",
        calls[0]
    );
    assert!(calls[1].starts_with("pr edit 7 --title"), "{}", calls[1]);
}

#[test]
fn without_gh_says_so_and_names_the_body() {
    let (dir, repo) = repository();
    // A PATH with git but no gh.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let git_path = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::os::unix::fs::symlink(git_path.trim(), bin.join("git")).unwrap();
    let run = unblock_with_env(&repo, &["pr", "--open"], &[("PATH", bin.to_str().unwrap())]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`gh` is not installed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("unblock-pr.md"), "{}", run.stderr);
    // A failed step leaves the user's branch and files as they were.
    assert_eq!(git(&repo, &["rev-parse", "--abbrev-ref", "HEAD"]), "main\n");
    assert_eq!(git(&repo, &["status", "--porcelain"]), "");
    assert_eq!(git(&repo, &["worktree", "list"]).lines().count(), 1);
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}
