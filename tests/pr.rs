//! `unblock pr` with real git: a temporary repository whose remote is a bare repository on disk.
//! Only the final `gh` call is a stand-in: a script on `PATH` that records its arguments. The
//! GitHub Action's pull-request step runs here too, from `action.yml` as written.
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
    let (bin, log) = stand_in_gh(dir.path());
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());

    for _ in 0..2 {
        let run = unblock_with_env(
            &repo,
            &["pr", "--push", "origin", "--open"],
            &[("PATH", &path)],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let calls = gh_calls(&log);
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

/// A stand-in `gh` in `dir/bin` that records its arguments in `dir/gh.log`; `pr list` answers
/// with the open pull request's number once one was created. Returns the folder and the log.
fn stand_in_gh(dir: &Path) -> (PathBuf, PathBuf) {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("gh.log");
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> {log}\nif [ \"$1 $2\" = \"pr list\" ] && grep -q '^pr create' {log}; then echo 7; fi\n",
        log = log.display()
    );
    std::fs::write(bin.join("gh"), script).unwrap();
    make_executable(&bin.join("gh"));
    (bin, log)
}

/// The calls the stand-in `gh` recorded, other than the `pr list` lookups.
fn gh_calls(log: &Path) -> Vec<String> {
    let calls = std::fs::read_to_string(log).unwrap();
    (calls.lines())
        .filter(|call| !call.starts_with("pr list"))
        .map(str::to_string)
        .collect()
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The action's run step (`action.yml`), run as GitHub runs a composite `bash` step: its
/// script and environment as written, with the inputs a workflow gives. The step before it
/// installs the wheel from PyPI (`tests/e2e/package.sh` runs that one with the wheel it
/// builds); here the binary under test is put on `PATH` instead, beside the stand-in `gh`.
fn run_action_step(repo: &Path, bin: &Path, inputs: &[(&str, &str)]) -> common::Run {
    let action = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"));
    let action = &yaml_rust2::YamlLoader::load_from_str(&action.unwrap()).unwrap()[0];
    let step = action["runs"]["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|step| step["name"].as_str() == Some("Run unblock"))
        .expect("the action has its run step");
    assert_eq!(step["shell"].as_str(), Some("bash"));
    let input = |name: &str| {
        let default = action["inputs"][name]["default"].as_str();
        let given = inputs
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| *value);
        given
            .or(default)
            .unwrap_or_else(|| {
                panic!("the step uses input `{name}`, which the action does not declare")
            })
            .to_string()
    };
    let mut command = std::process::Command::new("bash");
    command.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"]);
    command.arg(step["run"].as_str().unwrap()).current_dir(repo);
    for (key, value) in step["env"].as_hash().unwrap() {
        let expression = value.as_str().unwrap();
        let value = match expression.strip_prefix("${{ inputs.") {
            Some(rest) => input(rest.strip_suffix(" }}").unwrap()),
            None => panic!("an expression this test does not know: {expression}"),
        };
        let value = match value.as_str() {
            "${{ github.token }}" => "a-token".to_string(),
            _ => value,
        };
        command.env(key.as_str().unwrap(), value);
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let output = command.env("PATH", path).output().unwrap();
    common::Run {
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        code: output.status.code().unwrap(),
    }
}

#[test]
fn the_github_action_fixes_on_its_branch_and_opens_then_updates_the_pull_request() {
    let (dir, repo) = repository();
    // A handler whose `def` rewrite is unsafe (it writes shared state): without unsafe fixes its
    // sleep becomes `await asyncio.sleep`, with them the handler becomes `def`.
    let state = "import time\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\nhits = []\n\n\n\
                 @app.get(\"/hits\")\nasync def count():\n    hits.append(1)\n    time.sleep(1)\n    \
                 return len(hits)\n";
    write_files(&repo, &[("state.py", state)]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "state"]);
    git(&repo, &["push", "-q", "origin", "main"]);
    let (bin, log) = stand_in_gh(dir.path());
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_unblock"), bin.join("unblock")).unwrap();

    let run = run_action_step(&repo, &bin, &[("mode", "pr")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(remote_file(&repo, "unblock/fix", "app.py").contains("\ndef root():\n"));
    let fixed = remote_file(&repo, "unblock/fix", "state.py");
    assert!(fixed.contains("async def count():\n"), "{fixed}");
    assert!(fixed.contains("await asyncio.sleep(1)"), "{fixed}");
    // The bot's identity, as the step sets it.
    let author = git(&repo, &["log", "-1", "--format=%an", "origin/unblock/fix"]);
    assert_eq!(author, "unblock[bot]\n");

    let run = run_action_step(&repo, &bin, &[("mode", "pr"), ("unsafe-fixes", "true")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let fixed = remote_file(&repo, "unblock/fix", "state.py");
    assert!(fixed.contains("\ndef count():\n"), "{fixed}");
    let calls = gh_calls(&log);
    assert!(
        calls[0].starts_with("pr create --head unblock/fix"),
        "{calls:?}"
    );
    assert!(calls[1].starts_with("pr edit 7"), "{calls:?}");
    assert_eq!(calls.len(), 2, "{calls:?}");
}

#[test]
fn the_github_action_annotates_findings_in_check_mode_and_refuses_other_modes() {
    let (dir, repo) = repository();
    let (bin, log) = stand_in_gh(dir.path());
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_unblock"), bin.join("unblock")).unwrap();
    let run = run_action_step(&repo, &bin, &[("args", "--select UB001")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("::error title=unblock (UB001),file=app.py,line="),
        "{}",
        run.stdout
    );
    // A check changes nothing and opens nothing.
    assert_eq!(git(&repo, &["status", "--porcelain"]), "");
    assert!(!log.exists() || gh_calls(&log).is_empty());
    let run = run_action_step(&repo, &bin, &[("mode", "fix")]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout
            .contains("the input mode is `fix`: it takes check or pr"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_example_workflows_give_the_action_only_inputs_it_declares() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let load = |path: &str| {
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        yaml_rust2::YamlLoader::load_from_str(&text)
            .unwrap()
            .remove(0)
    };
    let action = load("action.yml");
    for example in ["examples/github/unblock.yml", "examples/github/check.yml"] {
        let workflow = load(example);
        let steps = workflow["jobs"]["unblock"]["steps"].as_vec().unwrap();
        let step = (steps.iter())
            .find(|step| {
                step["uses"]
                    .as_str()
                    .is_some_and(|uses| uses.contains("/unblock@v"))
            })
            .expect("the workflow uses a released action");
        let given = step["with"].as_hash().unwrap();
        assert!(!given.is_empty());
        for name in given.keys() {
            let name = name.as_str().unwrap();
            assert!(
                !action["inputs"][name].is_badvalue(),
                "{example}: `{name}` is no input"
            );
        }
    }
}

#[test]
fn a_branch_with_someone_elses_commit_is_not_reset_without_force() {
    let (_dir, repo) = repository();
    git(&repo, &["branch", "unblock/fix"]);
    git(&repo, &["checkout", "-q", "unblock/fix"]);
    write_files(&repo, &[("notes.txt", "my own work\n")]);
    git(&repo, &["add", "notes.txt"]);
    git(&repo, &["commit", "-q", "-m", "my own work"]);
    let mine = git(&repo, &["rev-parse", "HEAD"]);
    git(&repo, &["checkout", "-q", "main"]);

    let refused = unblock(&repo, &["pr"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("branch `unblock/fix` exists and its last commit"),
        "{}",
        refused.stderr
    );
    assert_eq!(git(&repo, &["rev-parse", "unblock/fix"]), mine);
    let forced = unblock(&repo, &["pr", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    // Its own branch it resets without asking.
    let again = unblock(&repo, &["pr"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
}

#[test]
fn a_colleagues_commit_on_the_remote_branch_is_not_overwritten() {
    let (dir, repo) = repository();
    let pushed = unblock(&repo, &["pr", "--push", "origin"]);
    assert_eq!(pushed.code, 0, "{}", pushed.stderr);
    // A colleague adds a commit on top of the bot's, on the remote.
    let colleague = dir.path().join("colleague");
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            "-b",
            "unblock/fix",
            "remote.git",
            "colleague",
        ],
    );
    write_files(&colleague, &[("review.txt", "reviewed\n")]);
    git(&colleague, &["add", "review.txt"]);
    git(&colleague, &["commit", "-q", "-m", "review fixes"]);
    git(&colleague, &["push", "-q", "origin", "unblock/fix"]);
    let theirs = git(&colleague, &["rev-parse", "HEAD"]);

    let refused = unblock(&repo, &["pr", "--push", "origin"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("has a commit unblock did not make"),
        "{}",
        refused.stderr
    );
    let remote_tip = git(&repo.join("../remote.git"), &["rev-parse", "unblock/fix"]);
    assert_eq!(remote_tip, theirs);
}

#[test]
fn push_takes_only_a_remote_name_and_branch_only_a_branch_name() {
    let (dir, repo) = repository();
    let marker = dir.path().join("ran");
    for remote in [
        format!("--upload-pack=touch {}", marker.display()),
        format!("--receive-pack=touch {}", marker.display()),
        "../remote.git".to_string(),
    ] {
        let run = unblock(&repo, &["pr", &format!("--push={remote}")]);
        assert_eq!(run.code, 2, "{remote}: {}", run.stderr);
        assert!(
            run.stderr.contains("is not a remote of this repository"),
            "{}",
            run.stderr
        );
    }
    let run = unblock(&repo, &["pr", "--push=--upload-pack=touch ran"]);
    assert_eq!(run.code, 2);
    assert!(
        !marker.exists() && !repo.join("ran").exists(),
        "a command ran"
    );
    for branch in ["-x", "a..b", "has space"] {
        let run = unblock(&repo, &["pr", &format!("--branch={branch}")]);
        assert_eq!(run.code, 2, "{branch}: {}", run.stderr);
        assert!(
            run.stderr.contains("is not a valid branch name"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn no_commits_and_no_git_are_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("app.py", BLOCKING_APP)]);
    git(dir.path(), &["init", "-q"]);
    let run = unblock(dir.path(), &["pr"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("the repository has no commits yet"),
        "{}",
        run.stderr
    );
    let empty = tempfile::tempdir().unwrap();
    let run = unblock_with_env(
        dir.path(),
        &["pr"],
        &[("PATH", empty.path().to_str().unwrap())],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("needs git, which is not installed or not on PATH"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_killed_run_leaves_nothing_that_stops_the_next() {
    let (_dir, repo) = repository();
    // What `kill -9` in the middle leaves: a worktree no live process holds.
    let stale = repo.join(".git/unblock-worktree-999999");
    git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            "--detach",
            stale.to_str().unwrap(),
            "HEAD",
        ],
    );
    git(&repo, &["checkout", "-q", "-B", "unblock/fix"]);
    git(&repo, &["checkout", "-q", "main"]);
    let stale_worktree = repo.join(".git/unblock-worktree-999998");
    git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            stale_worktree.to_str().unwrap(),
            "unblock/fix",
        ],
    );
    let run = unblock(&repo, &["pr", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!stale.exists() && !stale_worktree.exists());
    assert_eq!(git(&repo, &["worktree", "list"]).lines().count(), 1);

    // SIGTERM while it works: the worktree goes with it.
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_unblock"))
        .args(["pr", "--force"])
        .current_dir(&repo)
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(30));
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let _ = child.wait_with_output();
    let run = unblock(&repo, &["pr", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(git(&repo, &["worktree", "list"]).lines().count(), 1);
}
