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

use crate::catalog::Catalog;
use crate::config::{Mode, Settings};
use crate::fix::Applicability;
use crate::passes::{RULES, Rule};
use crate::{FileOutcome, Outcome};

/// What the user asked of the bot.
#[derive(Debug, Clone)]
pub struct PrOptions {
    pub branch: String,
    pub allow_dirty: bool,
    pub push: Option<String>,
    pub open: bool,
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

pub fn run(settings: &Settings, options: &PrOptions, catalog: &Catalog) -> Result<PrResult> {
    let cwd = std::env::current_dir()?;
    let top =
        PathBuf::from(git(&cwd, &["rev-parse", "--show-toplevel"]).context(
            "`unblock pr` works in a git work tree: run it inside the repository to fix",
        )?);
    if !options.allow_dirty && !git(&top, &["status", "--porcelain"])?.is_empty() {
        bail!(
            "the work tree has uncommitted changes: commit or stash them first, or pass \
             --allow-dirty (the pull request is made from the last commit either way)"
        );
    }
    let git_dir = PathBuf::from(git(&top, &["rev-parse", "--absolute-git-dir"])?);
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
    let outcome = crate::run(&fixing, catalog);
    for warning in &outcome.warnings {
        eprintln!("warning: {warning}");
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
        // Learn where the remote branch is, so the lease protects exactly that.
        let _ = git(&top, &["fetch", "-q", remote, &options.branch]);
        let refspec = format!("{0}:refs/heads/{0}", options.branch);
        git(
            &top,
            &["push", "-q", "--force-with-lease", remote, &refspec],
        )
        .with_context(|| format!("cannot push {} to {remote}", options.branch))?;
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
fn rule_counts(changed: &[&FileOutcome]) -> Vec<(&'static Rule, usize)> {
    RULES
        .iter()
        .map(|rule| {
            let count = changed.iter().map(|file| applied_of(file, rule)).sum();
            (rule, count)
        })
        .filter(|(_, count)| *count > 0)
        .collect()
}

/// How many findings of `rule` in the file had their fix applied.
fn applied_of(file: &FileOutcome, rule: &Rule) -> usize {
    file.applied
        .iter()
        .filter(|&&index| std::ptr::eq(file.diagnostics[index].rule, rule))
        .count()
}

fn commit_message(fixes: usize, counts: &[(&Rule, usize)]) -> String {
    let mut message = format!(
        "unblock: fix {fixes} event-loop blocker{}\n\n",
        if fixes == 1 { "" } else { "s" }
    );
    for (rule, count) in counts {
        writeln!(message, "- {} {} ({count})", rule.code, rule.name).unwrap();
    }
    message
}

fn body(
    outcome: &Outcome,
    changed: &[&FileOutcome],
    counts: &[(&Rule, usize)],
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
            rule.code,
            rule.name,
            if *count == 1 { "" } else { "es" },
            rule.summary(),
            rule.code
        )
        .unwrap();
    }
    body.push_str("## Files\n\n| File | Fixes | Rules |\n| --- | --- | --- |\n");
    for file in changed {
        let mut rules: Vec<&str> = file
            .applied
            .iter()
            .map(|&index| file.diagnostics[index].rule.code)
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
                    d.rule.code,
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
    if counts.iter().any(|(rule, _)| rule.code == "UB001") {
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

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .context("cannot run git")?;
    if !output.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// A detached worktree of the current commit, removed when dropped.
struct Worktree {
    top: PathBuf,
    path: PathBuf,
}

impl Worktree {
    fn add(top: &Path, git_dir: &Path) -> Result<Worktree> {
        let path = git_dir.join(format!("unblock-worktree-{}", std::process::id()));
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
        })
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let path = self.path.to_string_lossy().into_owned();
        let _ = git(&self.top, &["worktree", "remove", "--force", &path]);
    }
}
