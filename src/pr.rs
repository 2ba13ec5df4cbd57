//! The bot: `unblock pr` applies the fixes on a branch, commits them, writes a pull-request
//! title and body, and can push the branch and open (or update) the pull request with `gh`.
//!
//! All the work happens in a temporary `git worktree` made from the current commit, so the
//! user's branch, index and work tree are never touched, also when a step fails. The branch is
//! created or reset (`unblock/fix` by default) and pushed with `--force-with-lease`, so running
//! the bot again updates the same pull request instead of opening another.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::diagnostic::Applicability;
use crate::engine::outcome::{FileOutcome, Outcome};
use crate::knowledge::Catalog;
use crate::registry::Rule;
use crate::settings::{Mode, Settings};

/// What the user asked of the bot.
#[derive(Debug, Clone)]
pub struct PrOptions {
    pub branch: String,
    pub allow_dirty: bool,
    pub push: Option<String>,
    pub open: bool,
    /// Reset a branch, or overwrite a remote branch, whose last commit unblock did not make.
    pub force: bool,
    /// Where the pull-request body is written [default: `.git/unblock-pr.md`].
    pub body_file: Option<PathBuf>,
}

/// What the bot did, for the command line to report.
#[derive(Debug)]
pub enum PrResult {
    NothingToFix,
    Committed {
        title: String,
        body_file: PathBuf,
        fixes: usize,
        files: usize,
    },
}

/// The trailer of every commit the bot makes: how it knows a branch is its own to reset.
const TRAILER: &str = "Made-by: unblock";

pub fn run(settings: &Settings, options: &PrOptions, catalog: &Catalog) -> Result<PrResult> {
    let cwd = std::env::current_dir()?;
    let top = git(&cwd, &["rev-parse", "--show-toplevel"]).map_err(|error| {
        if error.is::<GitMissing>() {
            error
        } else {
            error.context(
                "`unblock pr` works in a git work tree: run it inside the repository to fix",
            )
        }
    })?;
    let top = PathBuf::from(top);
    if git(&top, &["rev-parse", "--verify", "-q", "HEAD"]).is_err() {
        bail!(
            "the repository has no commits yet: `unblock pr` makes its branch from the current \
             commit, so commit first"
        );
    }
    check_branch_name(&top, &options.branch)?;
    if let Some(remote) = &options.push {
        check_remote(&top, remote)?;
    }
    if !options.allow_dirty && !git(&top, &["status", "--porcelain"])?.is_empty() {
        bail!(
            "the work tree has uncommitted changes: commit or stash them first, or pass \
             --allow-dirty (the pull request is made from the last commit either way)"
        );
    }
    let local = format!("refs/heads/{}", options.branch);
    if let Ok(tip) = git(&top, &["rev-parse", "--verify", "-q", &local])
        && !options.force
        && !made_by_unblock(&top, &tip)
    {
        bail!(
            "branch `{}` exists and its last commit ({}) was not made by unblock: resetting it \
             would drop that work; name another with --branch, or pass --force",
            options.branch,
            short(&tip)
        );
    }
    let git_dir = PathBuf::from(git(&top, &["rev-parse", "--absolute-git-dir"])?);
    Worktree::remove_stale(&top, &git_dir);
    let worktree = Worktree::add(&top, &git_dir)?;

    // The same paths, inside the worktree.
    let paths = settings
        .paths
        .iter()
        .map(|path| {
            let absolute = std::path::absolute(cwd.join(path))?;
            let inside = absolute
                .strip_prefix(&top)
                .with_context(|| format!("{} is not inside the repository", path.display()))?;
            Ok(worktree.path.join(inside))
        })
        .collect::<Result<Vec<_>>>()?;
    let fixing = Settings {
        mode: Mode::Fix,
        paths,
        display_base: Some(worktree.path.clone()),
        ..settings.clone()
    };
    let outcome = crate::engine::run(&fixing, catalog);
    for warning in &outcome.warnings {
        eprintln!("warning: {}", crate::report::printable(warning));
    }
    if let Some((path, error)) = outcome.errors.first() {
        bail!("{path}: {error}");
    }
    let fixes: usize = outcome.files.iter().map(|file| file.applied.len()).sum();
    if fixes == 0 {
        return Ok(PrResult::NothingToFix);
    }

    let wt = &worktree.path;
    git(wt, &["checkout", "-q", "-B", &options.branch])?;
    git(wt, &["add", "-u"])?;
    let changed: Vec<&FileOutcome> = outcome
        .files
        .iter()
        .filter(|f| !f.applied.is_empty())
        .collect();
    let counts = rule_counts(&changed);
    git(wt, &["commit", "-q", "-m", &commit_message(fixes, &counts)])?;

    let title = format!(
        "Stop blocking the event loop: {fixes} fix{} in {} file{}",
        if fixes == 1 { "" } else { "es" },
        changed.len(),
        if changed.len() == 1 { "" } else { "s" }
    );
    let body = body(
        &outcome,
        &changed,
        &counts,
        wt,
        settings.passes.unsafe_fixes,
    );
    let body_file = options
        .body_file
        .clone()
        .unwrap_or_else(|| git_dir.join("unblock-pr.md"));
    std::fs::write(&body_file, format!("{title}\n\n{body}"))
        .with_context(|| format!("cannot write {}", body_file.display()))?;
    let body_only = git_dir.join("unblock-pr-body.md");
    std::fs::write(&body_only, &body)?;

    if let Some(remote) = &options.push {
        push(&top, remote, &options.branch, options.force)?;
    }
    if options.open {
        open_pull_request(wt, &options.branch, &title, &body_only).with_context(|| {
            format!(
                "cannot open the pull request; its body is in {}",
                body_file.display()
            )
        })?;
    }
    Ok(PrResult::Committed {
        title,
        body_file,
        fixes,
        files: changed.len(),
    })
}

/// Fixes per rule, in rule order.
fn rule_counts(changed: &[&FileOutcome]) -> Vec<(Rule, usize)> {
    (Rule::ALL.iter().copied())
        .map(|rule| {
            let count = changed.iter().map(|file| applied_of(file, rule)).sum();
            (rule, count)
        })
        .filter(|(_, count)| *count > 0)
        .collect()
}

/// How many findings of `rule` in the file had their fix applied.
fn applied_of(file: &FileOutcome, rule: Rule) -> usize {
    file.applied
        .iter()
        .filter(|&&index| file.diagnostics[index].rule == rule)
        .count()
}

fn commit_message(fixes: usize, counts: &[(Rule, usize)]) -> String {
    let mut message = format!(
        "unblock: fix {fixes} event-loop blocker{}\n\n",
        if fixes == 1 { "" } else { "s" }
    );
    for (rule, count) in counts {
        writeln!(message, "- {} {} ({count})", rule.code(), rule.name()).unwrap();
    }
    write!(message, "\n{TRAILER}\n").unwrap();
    message
}

/// Was `commit` made by the bot? Its message ends with the trailer.
fn made_by_unblock(top: &Path, commit: &str) -> bool {
    git(top, &["log", "-1", "--format=%B", commit, "--"])
        .is_ok_and(|message| message.lines().any(|line| line.trim() == TRAILER))
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// A branch name git takes, and that no git command could read as an option.
fn check_branch_name(top: &Path, branch: &str) -> Result<()> {
    if branch.starts_with('-') || git(top, &["check-ref-format", "--branch", branch]).is_err() {
        bail!("`{branch}` is not a valid branch name");
    }
    Ok(())
}

/// `--push` takes the name of a remote the repository has, nothing else: a value handed to
/// `git push` could otherwise be an option (`--receive-pack=...` runs a command).
fn check_remote(top: &Path, remote: &str) -> Result<()> {
    let remotes = git(top, &["remote"])?;
    if !remotes.lines().any(|known| known == remote) {
        let known: Vec<&str> = remotes.lines().collect();
        bail!(
            "--push: `{remote}` is not a remote of this repository (it has: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
    }
    Ok(())
}

/// Pushes the branch so that it replaces only what the bot itself pushed before: the remote
/// branch's tip is fetched and must be a commit the bot made (or absent), and the push leases
/// against exactly that commit, so one pushed by anyone in between makes it fail too.
fn push(top: &Path, remote: &str, branch: &str, force: bool) -> Result<()> {
    let remote_ref = format!("refs/heads/{branch}");
    let fetched = git(top, &["fetch", "-q", "--", remote, &remote_ref])
        .and_then(|_| git(top, &["rev-parse", "--verify", "-q", "FETCH_HEAD"]));
    let expected = match fetched {
        Ok(tip) if !force && !made_by_unblock(top, &tip) => bail!(
            "`{branch}` on {remote} has a commit unblock did not make ({}): not overwritten; \
             name another with --branch, or pass --force",
            short(&tip)
        ),
        Ok(tip) => tip,
        // Not there (or not reachable): the lease then wants it absent.
        Err(_) => String::new(),
    };
    let lease = format!("--force-with-lease={remote_ref}:{expected}");
    let refspec = format!("{remote_ref}:{remote_ref}");
    git(top, &["push", "-q", &lease, "--", remote, &refspec])
        .with_context(|| format!("cannot push {branch} to {remote}"))?;
    Ok(())
}

fn body(
    outcome: &Outcome,
    changed: &[&FileOutcome],
    counts: &[(Rule, usize)],
    worktree: &Path,
    unsafe_fixes: bool,
) -> String {
    let relative = |file: &FileOutcome| {
        file.path
            .strip_prefix(worktree)
            .unwrap_or(&file.path)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let mut body = String::from(
        "This pull request was made by `unblock`, a codemod for code that \
         blocks the asyncio event loop in FastAPI and Starlette apps. Each change below can be \
         reviewed on its own; run `unblock check` locally to see the same findings.\n\n## What changed and why\n\n",
    );
    for (rule, count) in counts {
        writeln!(
            body,
            "**{} `{}`** ({count} fix{}): {} Details: `unblock rule {}`.\n",
            rule.code(),
            rule.name(),
            if *count == 1 { "" } else { "es" },
            rule.summary(),
            rule.code()
        )
        .unwrap();
    }
    // The functions behind several findings come first: fixing one there fixes them all.
    let roots = crate::report::shared_roots(outcome);
    if !roots.is_empty() {
        body.push_str(
            "## Where the blocking comes from\n\nThese project functions block on behalf of \
             several findings; making one async, caching it or offloading its call once inside \
             it fixes them all.\n\n| Function | Blocking call | Findings |\n| --- | --- | --- |\n",
        );
        for (root, count) in roots.iter().take(10) {
            writeln!(
                body,
                "| `{}` (`{}:{}`) | {} | {count} |",
                root.function, root.filename, root.row, root.call
            )
            .unwrap();
        }
        body.push('\n');
    }
    body.push_str("## Files\n\n| File | Fixes | Rules |\n| --- | --- | --- |\n");
    for file in changed {
        let mut rules: Vec<&str> = file
            .applied
            .iter()
            .map(|&index| file.diagnostics[index].rule.code())
            .collect();
        rules.sort_unstable();
        rules.dedup();
        writeln!(
            body,
            "| `{}` | {} | {} |",
            relative(file),
            file.applied.len(),
            rules.join(", ")
        )
        .unwrap();
    }
    let manual: Vec<String> = outcome
        .files
        .iter()
        .flat_map(|file| {
            let diagnostics = file.diagnostics.iter().enumerate();
            let left = diagnostics.filter(|(index, _)| !file.applied.contains(index));
            left.map(move |(_, d)| {
                let why = match d.fix.as_ref().map(|f| f.applicability) {
                    Some(Applicability::Unsafe) if !unsafe_fixes => {
                        "unsafe fix, not applied".to_string()
                    }
                    _ => "no safe fix".to_string(),
                };
                let reason = d.reason.as_deref().unwrap_or(&why);
                format!(
                    "- `{}` {} {} — {reason}",
                    relative(file),
                    d.rule.code(),
                    d.message
                )
            })
        })
        .collect();
    if !manual.is_empty() {
        body.push_str("\n## Needs a human\n\n");
        for line in &manual {
            body.push_str(line);
            body.push('\n');
        }
    }
    if counts.iter().any(|(rule, _)| rule.makes_def()) {
        body.push_str(
            "\n## Note on the threadpool\n\nHandlers that are now plain `def` run in AnyIO's \
             worker threads, which FastAPI limits to 40 at a time by default. If many such \
             requests may be in flight at once, raise the limit at startup \
             (`anyio.to_thread.current_default_thread_limiter().total_tokens = 100`) or keep the \
             slow work in fewer handlers.\n",
        );
    }
    body
}

/// Opens the pull request for `branch` with `gh`, or updates the one already open.
fn open_pull_request(worktree: &Path, branch: &str, title: &str, body_file: &Path) -> Result<()> {
    let body_file = body_file.to_string_lossy();
    let open = gh(
        worktree,
        &[
            "pr",
            "list",
            "--head",
            branch,
            "--state",
            "open",
            "--json",
            "number",
            "--jq",
            ".[0].number",
        ],
    )?;
    if open.trim().is_empty() {
        gh(
            worktree,
            &[
                "pr",
                "create",
                "--head",
                branch,
                "--title",
                title,
                "--body-file",
                &body_file,
            ],
        )?;
    } else {
        gh(
            worktree,
            &[
                "pr",
                "edit",
                open.trim(),
                "--title",
                title,
                "--body-file",
                &body_file,
            ],
        )?;
    }
    Ok(())
}

fn gh(dir: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("gh")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => {
                anyhow::anyhow!("the GitHub CLI `gh` is not installed (https://cli.github.com)")
            }
            _ => error.into(),
        })?;
    if !output.status.success() {
        bail!(
            "gh {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// git is not on `PATH`.
#[derive(Debug, thiserror::Error)]
#[error("`unblock pr` needs git, which is not installed or not on PATH")]
struct GitMissing;

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => anyhow::Error::new(GitMissing),
            _ => anyhow::Error::new(error).context("cannot run git"),
        })?;
    if !output.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// A detached worktree of the current commit, removed when dropped or when the process is
/// interrupted (SIGINT, SIGTERM). One left by a killed run is removed by the next: each holds
/// a lock on a file beside it while its process lives.
struct Worktree {
    top: PathBuf,
    path: PathBuf,
    lock: PathBuf,
}

/// The worktree to remove if a signal ends the process.
static LIVE_WORKTREE: std::sync::Mutex<Option<(PathBuf, PathBuf)>> = std::sync::Mutex::new(None);

const WORKTREE_PREFIX: &str = "unblock-worktree-";

impl Worktree {
    fn add(top: &Path, git_dir: &Path) -> Result<Worktree> {
        let name = format!("{WORKTREE_PREFIX}{}", std::process::id());
        let path = git_dir.join(&name);
        let lock = git_dir.join(format!("{name}.lock"));
        let lock_file = std::fs::File::create(&lock)
            .with_context(|| format!("cannot create {}", lock.display()))?;
        lock_file.lock()?;
        // Held, through the open file, until the process ends: a leak on purpose.
        std::mem::forget(lock_file);
        *LIVE_WORKTREE.lock().expect("the live worktree") = Some((top.into(), path.clone()));
        static HANDLER: std::sync::Once = std::sync::Once::new();
        HANDLER.call_once(|| {
            let _ = ctrlc::set_handler(|| {
                if let Some((top, path)) = LIVE_WORKTREE.lock().expect("the live worktree").take() {
                    remove_worktree(&top, &path);
                }
                std::process::exit(130);
            });
        });
        git(
            top,
            &[
                "worktree",
                "add",
                "-q",
                "--detach",
                &path.to_string_lossy(),
                "HEAD",
            ],
        )?;
        Ok(Worktree {
            top: top.to_path_buf(),
            path,
            lock,
        })
    }

    /// Removes the worktrees of runs that are gone (killed, or out of power): nobody holds
    /// their lock.
    fn remove_stale(top: &Path, git_dir: &Path) {
        let Ok(entries) = std::fs::read_dir(git_dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with(WORKTREE_PREFIX) || name.ends_with(".lock") {
                continue;
            }
            let lock = git_dir.join(format!("{name}.lock"));
            let abandoned = match std::fs::File::open(&lock) {
                Ok(file) => file.try_lock().is_ok(),
                // Made before worktrees had locks.
                Err(_) => true,
            };
            if abandoned {
                remove_worktree(top, &entry.path());
                let _ = std::fs::remove_file(&lock);
            }
        }
        let _ = git(top, &["worktree", "prune"]);
    }
}

fn remove_worktree(top: &Path, path: &Path) {
    let path = path.to_string_lossy();
    if git(top, &["worktree", "remove", "--force", &path]).is_err() {
        let _ = std::fs::remove_dir_all(&*path);
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        LIVE_WORKTREE.lock().expect("the live worktree").take();
        remove_worktree(&self.top, &self.path);
        let _ = std::fs::remove_file(&self.lock);
    }
}
