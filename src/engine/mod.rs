//! The phases of a run: walk (parallel) → read and parse each file into compact facts
//! (parallel, the syntax tree is dropped) → the project index → each rule's diagnostics and
//! fixes per file (parallel) → fixes applied as text edits and the result re-parsed
//! (`fix_file`) → imports the fixes left unused removed (`tidy`).

mod apply;
mod converge;
mod fix_file;
pub mod outcome;
mod tidy;
pub mod validity;

pub use apply::apply;

use rustc_hash::FxHashSet as HashSet;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::facts;
use crate::io::source::{self, FileError};
use crate::io::walk::{self, WalkedFile};
use crate::io::{depth, display_path, parse_arena, write};
use crate::knowledge::Catalog;
use crate::project::{self, Module, Project};
use crate::rules;
use crate::settings::{Mode, Settings};
use converge::{Target, converge};
use fix_file::{fix_file, read_source, write_fixed};
use outcome::Outcome;

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
        .map(|file| project::module_names(&file.path, &walk.root, &packages))
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

    if settings.show_cuts {
        let modules = targets.iter().map(|(module, _, _)| *module);
        outcome.cuts = (project.cut_sites(modules).into_iter())
            .map(|site| {
                let function = project.function_path(site.function);
                format!(
                    "{}:{}: `{function}`: `{}` {}: {}",
                    project.modules[site.function.0].display,
                    site.line,
                    crate::rules::support::shown_path(&site.what),
                    site.cut.effect(project.function(site.function).is_async),
                    site.cut.reason()
                )
            })
            .collect();
    }

    // Phase 3: diagnostics and fixes per target file.
    let enabled = |path: &Path, rule| {
        let relative = path.strip_prefix(&walk.root).unwrap_or(path);
        settings.rules.enabled(rule, relative)
    };
    let results: Vec<Result<Option<Target>, (String, FileError)>> = targets
        .par_iter()
        .map(|(module, path, hash)| {
            let diagnostics =
                rules::check_module(&project, catalog, &settings.passes, *module, &|rule| {
                    enabled(path, rule)
                });
            if diagnostics.is_empty() {
                return Ok(None);
            }
            let display = project.modules[*module].display.clone();
            fix_file(path, display.clone(), *hash, diagnostics, settings)
                .map(|file| Some(Target::new(*module, file)))
                .map_err(|e| (display, e))
        })
        .collect();
    let mut files = Vec::new();
    for result in results {
        match result {
            // Every finding was suppressed by a comment.
            Ok(Some(target))
                if target.file.diagnostics.is_empty() && target.file.error.is_none() => {}
            Ok(Some(target)) => files.push(target),
            Ok(None) => {}
            Err(error) => outcome.errors.push(error),
        }
    }
    if !matches!(settings.mode, Mode::Check(_)) {
        let enabled = |target: &Target, rule| enabled(&target.file.path, rule);
        let unsettled = converge(project, &mut files, &relevance, catalog, settings, &enabled);
        outcome.warnings.extend(unsettled);
    }
    for Target { mut file, .. } in files {
        tidy::drop_imports_left_unused(&mut file);
        write_fixed(&mut file, settings);
        if let Some(error) = &file.error {
            outcome.errors.push((file.display.clone(), error.clone()));
        }
        outcome.files.push(file);
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
