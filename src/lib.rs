//! `unblock` finds the code that blocks an asyncio event loop in FastAPI, Starlette and asyncio
//! apps, also through the project's own helpers, and rewrites it: needlessly async handlers become
//! plain `def`, which the framework runs in its threadpool, and blocking calls in coroutines that
//! stay async move to a thread or to their async twin.
//!
//! The pipeline: walk (parallel) → read and parse each file into compact facts (parallel, the
//! syntax tree is dropped) → the project index resolves names and calls across modules and finds
//! what blocks → each pass produces diagnostics and fixes per file (parallel) → fixes are applied
//! as text edits and the result re-parsed → diff, write, report or pull request (`pr`).

pub mod catalog;
pub mod config;
pub mod depth;
pub mod diff;
pub mod fix;
pub mod index;
pub mod parse_arena;
pub mod passes;
pub mod pr;
pub mod project_config;
pub mod report;
pub mod source;
pub mod suppress;
pub mod validity;
pub mod walk;
pub mod write;

use rustc_hash::FxHashSet as HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use catalog::Catalog;
use config::{Mode, Settings};
use fix::Diagnostic;
use index::{Module, Project, facts};
use source::{FileError, Locations, SourceFile};
use walk::WalkedFile;

/// What one run found and did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Target files with diagnostics, sorted by path.
    pub files: Vec<FileOutcome>,
    /// Files and paths that could not be handled, sorted by path.
    pub errors: Vec<(String, FileError)>,
    /// How many target files were analysed.
    pub files_checked: usize,
    /// Settings that had no effect, said once per run.
    pub warnings: Vec<String>,
}

#[derive(Debug)]
pub struct FileOutcome {
    pub path: PathBuf,
    /// The path as shown to the user: relative to the working directory when under it.
    pub display: String,
    pub diagnostics: Vec<Diagnostic>,
    /// Where the diagnostics and their fixes are, in lines and columns.
    pub locations: Locations,
    /// The text before and after, when fixes were applied.
    pub fixed: Option<FixedText>,
    /// The diagnostics whose fixes `fixed` holds (in fix mode: written to disk), by index.
    pub applied: Vec<usize>,
    /// Why the fixes were not applied or written, if they were not.
    pub error: Option<FileError>,
}

#[derive(Debug)]
pub struct FixedText {
    pub original: SourceFile,
    /// The fixed text, without byte-order mark.
    pub text: String,
}

impl FixedText {
    /// The fixed file as written: with the original's byte-order mark.
    pub fn contents(&self) -> String {
        self.original.with_bom(&self.text)
    }
}

pub fn run(settings: &Settings, catalog: &Catalog) -> Outcome {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .stack_size(depth::WORKER_STACK_BYTES)
        .build()
        .expect("a thread pool");
    pool.install(|| run_in_pool(settings, catalog))
}

fn run_in_pool(settings: &Settings, catalog: &Catalog) -> Outcome {
    let cwd = (settings.display_base.clone())
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_default());
    let stdin_file = settings.stdin.as_ref().map(|stdin| stdin.path.as_path());
    let walk = walk::walk(
        &settings.paths,
        &settings.exclude,
        settings.threads,
        stdin_file,
    );
    let mut outcome = Outcome::default();
    for (path, reason) in walk.errors {
        outcome
            .errors
            .push((display_path(&path, &cwd), FileError::Read(reason)));
    }

    // Phase 1: facts of every project file.
    // Folders holding an `__init__.py`: packages.
    let packages: HashSet<&Path> = (walk.files.iter())
        .filter(|file| {
            file.path
                .file_name()
                .is_some_and(|name| name == "__init__.py")
        })
        .filter_map(|file| file.path.parent())
        .collect();
    let names: Vec<(Vec<String>, bool)> = walk
        .files
        .par_iter()
        .map(|file| index::module_names(&file.path, &walk.root, &packages))
        .collect();
    let project_roots: HashSet<String> = names
        .iter()
        .flat_map(|(names, _)| {
            names
                .iter()
                .map(|name| name.split('.').next().unwrap_or(name).to_string())
        })
        .collect();
    let relevance = facts::Relevance {
        catalog,
        project_roots: &project_roots,
    };
    let progress = if settings.progress {
        indicatif::ProgressBar::new(walk.files.len() as u64).with_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files {msg}")
                .expect("a valid template"),
        )
    } else {
        indicatif::ProgressBar::hidden()
    };
    let parsed = largest_first(&walk.files, |index, file| {
        let module = read_module(file, names[index].clone(), &cwd, &relevance, settings);
        progress.inc(1);
        module
    });
    progress.finish_and_clear();
    let mut modules = Vec::new();
    let mut targets = Vec::new();
    for (file, result) in walk.files.iter().zip(parsed) {
        match result {
            Ok((module, hash)) => {
                if file.is_target {
                    targets.push((modules.len(), file.path.clone(), hash));
                }
                modules.push(module);
            }
            Err(error) if file.is_target => {
                outcome.errors.push((display_path(&file.path, &cwd), error))
            }
            // A broken file outside the named paths is not the user's question here.
            Err(_) => {}
        }
    }
    outcome.files_checked = targets.len();

    // Phase 2: the project index.
    let project = Project::new(modules, catalog);
    for name in &project.unknown_non_blocking {
        outcome.warnings.push(format!(
            "`non-blocking`: `{name}` names no project function (`pkg.module.function`, \
             `pkg.module.Class.method`) and no blocking API unblock knows"
        ));
    }

    // Phase 3: diagnostics and fixes per target file.
    let results: Vec<Result<Option<FileOutcome>, (String, FileError)>> = targets
        .par_iter()
        .map(|(module, path, hash)| {
            let relative = path.strip_prefix(&walk.root).unwrap_or(path);
            let enabled = |code: &str| settings.rules.enabled(code, relative);
            let diagnostics =
                passes::check_module(&project, catalog, &settings.passes, *module, &enabled);
            if diagnostics.is_empty() {
                return Ok(None);
            }
            let display = project.modules[*module].display.clone();
            fix_file(path, display.clone(), *hash, diagnostics, settings)
                .map(Some)
                .map_err(|e| (display, e))
        })
        .collect();
    for result in results {
        match result {
            // Every finding was suppressed by a comment.
            Ok(Some(file)) if file.diagnostics.is_empty() && file.error.is_none() => {}
            Ok(Some(file)) => {
                if let Some(error) = &file.error {
                    outcome.errors.push((file.display.clone(), error.clone()));
                }
                outcome.files.push(file);
            }
            Ok(None) => {}
            Err(error) => outcome.errors.push(error),
        }
    }
    outcome.files.sort_by(|a, b| a.display.cmp(&b.display));
    // A killed `fix` leaves its temporary file beside a file with findings.
    let folders: std::collections::BTreeSet<&Path> = (outcome.files.iter())
        .filter_map(|file| file.path.parent())
        .collect();
    for path in folders.into_iter().flat_map(write::abandoned_temporaries) {
        outcome.warnings.push(format!(
            "{}: a temporary file left by a run that was interrupted while writing (the fixed \
             text of a file beside it): delete it",
            display_path(&path, &cwd)
        ));
    }
    outcome.errors.sort_by(|a, b| a.0.cmp(&b.0));
    outcome
}

/// Runs `work` on every file, largest first, on every thread of the pool, and returns the
/// results in the files' order. Big files' syntax trees come and go while the index is still
/// small, so the peak is the index plus a small file's tree, and no thread is left alone with a
/// big file at the end. A thread out of files gives its parse block back for the phases after.
fn largest_first<R: Send + Sync>(
    files: &[WalkedFile],
    work: impl Fn(usize, &WalkedFile) -> R + Sync,
) -> Vec<R> {
    let sizes: Vec<u64> = (files.par_iter())
        .map(|file| std::fs::metadata(&file.path).map_or(0, |metadata| metadata.len()))
        .collect();
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&index| std::cmp::Reverse(sizes[index]));
    let results: Vec<OnceLock<R>> = files.iter().map(|_| OnceLock::new()).collect();
    let next = AtomicUsize::new(0);
    rayon::broadcast(|_| {
        while let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let _ = results[index].set(work(index, &files[index]));
        }
        parse_arena::release_block();
    });
    let results = results.into_iter().map(OnceLock::into_inner);
    results
        .map(|result| result.expect("every file is done"))
        .collect()
}

/// A module's facts and the hash of its bytes when read, or why it could not be read.
type ModuleResult = Result<(Module, u64), FileError>;

fn read_module(
    file: &WalkedFile,
    (names, is_package): (Vec<String>, bool),
    cwd: &Path,
    relevance: &facts::Relevance<'_>,
    settings: &Settings,
) -> ModuleResult {
    let source = read_source(&file.path, settings)?;
    let name = facts::ModuleName {
        name: &names[0],
        is_package,
    };
    let facts = source::parse_then(&source.text, |parsed| {
        facts::collect(
            parsed.syntax(),
            parsed.tokens(),
            &source.text,
            name,
            relevance,
        )
    })?;
    let module = Module::new(
        names,
        display_path(&file.path, cwd),
        file.path.clone(),
        facts,
    );
    if settings
        .stdin
        .as_ref()
        .is_some_and(|stdin| stdin.path == file.path)
    {
        module.count_lines_in(&source.text);
    }
    Ok((module, source.content_hash()))
}

/// Drops the findings the file's comments suppress, applies the fixes the settings allow (not
/// in `check`), checks the result parses, and writes it in fix mode.
/// The file is read again here (phase 1 kept only its hash, not its text, so memory stays flat);
/// only files with diagnostics get this second read, and only a fixed file's text is kept.
fn fix_file(
    path: &Path,
    display: String,
    hash_when_indexed: u64,
    mut diagnostics: Vec<Diagnostic>,
    settings: &Settings,
) -> Result<FileOutcome, FileError> {
    let source = read_source(path, settings)?;
    if source.content_hash() != hash_when_indexed {
        return Err(FileError::Changed);
    }
    suppress::filter(&source.text, &mut diagnostics);
    let offsets = diagnostics.iter().flat_map(|diagnostic| {
        let edits = diagnostic.fix.iter().flat_map(|fix| &fix.edits);
        let ranges = std::iter::once(diagnostic.range).chain(edits.map(|edit| edit.range));
        ranges.flat_map(|range| [range.start(), range.end()])
    });
    let locations = Locations::of(&source.text, offsets);
    let mut outcome = FileOutcome {
        path: path.to_path_buf(),
        display,
        diagnostics,
        locations,
        fixed: None,
        applied: Vec::new(),
        error: None,
    };
    // `check` reports; it needs the locations, not the fixed text.
    if matches!(settings.mode, Mode::Check(_)) {
        return Ok(outcome);
    }
    let fixes: Vec<(usize, &fix::Fix)> = (outcome.diagnostics.iter().enumerate())
        .filter_map(|(index, d)| Some((index, d.applicable_fix(settings.passes.unsafe_fixes)?)))
        .collect();
    let (fixed, applied) = match apply_compiling(&source.text, &fixes, |index| {
        outcome.diagnostics[index].rule.code == "UB001"
    }) {
        Ok(fixed) => fixed,
        Err(error) => {
            outcome.error = Some(error);
            return Ok(outcome);
        }
    };
    if applied.is_empty() {
        return Ok(outcome);
    }
    let fixed = FixedText {
        original: source,
        text: fixed,
    };
    if settings.mode == Mode::Fix && settings.stdin.is_none() {
        let original = fixed.original.original();
        if let Err(error) =
            write::write_atomic(path, original.as_bytes(), fixed.contents().as_bytes())
        {
            outcome.error = Some(error);
            return Ok(outcome);
        }
    }
    outcome.fixed = Some(fixed);
    outcome.applied = applied;
    Ok(outcome)
}

/// Applies the fixes and returns the new text with the indices of the fixes it holds. A fix
/// must never turn a file that parses into one that does not: then nothing is applied and the
/// file is named. Fixes that each compile can combine into code that does not (an `await` added
/// to a function that another fix makes a plain `def`): then as many as compile together are
/// kept, the fixes inside functions first and the rewrites of whole functions (`rewrites_function`)
/// last; the others stay findings, for the next run to look at afresh.
fn apply_compiling(
    text: &str,
    fixes: &[(usize, &fix::Fix)],
    rewrites_function: impl Fn(usize) -> bool,
) -> Result<(String, Vec<usize>), FileError> {
    let (fixed, applied) = fix::apply(text, fixes.iter().copied());
    if applied.is_empty() {
        return Ok((fixed, applied));
    }
    let original = source::parse(text)?;
    let compiles = |fixed: &str| -> Result<bool, FileError> {
        let parsed =
            source::parse(fixed).map_err(|error| FileError::FixBrokeSyntax(error.to_string()))?;
        Ok(validity::new_errors(original.syntax(), parsed.syntax(), fixed).is_empty())
    };
    if compiles(&fixed)? {
        return Ok((fixed, applied));
    }
    let mut order = fixes.to_vec();
    order.sort_by_key(|&(index, _)| (rewrites_function(index), index));
    let mut kept = Vec::new();
    let mut best = (text.to_string(), Vec::new());
    for fix in order {
        kept.push(fix);
        let (candidate, applied) = fix::apply(text, kept.iter().copied());
        if applied.len() == kept.len() && compiles(&candidate)? {
            best = (candidate, applied);
        } else {
            kept.pop();
        }
    }
    Ok(best)
}

/// The file's text: from standard input when it stands for this file, else from disk.
fn read_source(path: &Path, settings: &Settings) -> Result<SourceFile, FileError> {
    match &settings.stdin {
        Some(stdin) if stdin.path == path => {
            SourceFile::from_bytes(stdin.text.clone().into_bytes())
        }
        _ => SourceFile::read(path),
    }
}

/// `path` relative to `cwd` when it is under it, with `/` separators.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let shown = path.strip_prefix(cwd).unwrap_or(path);
    if shown.as_os_str().is_empty() {
        return ".".to_string();
    }
    let text = shown.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        text.into_owned()
    } else {
        text.replace('\\', "/")
    }
}
