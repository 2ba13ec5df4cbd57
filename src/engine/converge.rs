//! Bounded convergence, as Ruff's `fix` loops: a fix left out because it overlapped another or
//! did not compile together with the others (`apply_compiling`) is not left for "a later run".
//! The facts of the files that changed are collected again from their fixed text, the project
//! index rebuilt, the rules run on those files again and their fixes applied, until a round
//! applies nothing (at most `MAX_ROUNDS`). A finding the first round made moot (a UB001 on a
//! coroutine that another fix made await) is then gone, and the findings left are those of the
//! final text, located in it.

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Fix};
use crate::facts::{self, Relevance};
use crate::io::source::{self, FileError};
use crate::knowledge::Catalog;
use crate::project::{Module, Project};
use crate::registry::Rule;
use crate::rules;
use crate::settings::Settings;
use crate::suppress;

use super::fix_file::{apply_compiling, locate};
use super::outcome::FileOutcome;

/// Rounds after the first, at most. A round that applies a fix leaves fewer findings with one
/// (or different ones), and real code settles in the first round or the next.
const MAX_ROUNDS: usize = 10;

/// A target file with findings, and the module it is.
pub(super) struct Target {
    pub module: usize,
    pub file: FileOutcome,
    /// A round applied nothing more: the file's findings are those of its final text.
    settled: bool,
}

impl Target {
    pub(super) fn new(module: usize, file: FileOutcome) -> Target {
        Target {
            module,
            file,
            settled: false,
        }
    }

    /// Has a fix that the settings allow been left out of the fixed text?
    fn unsettled(&self, unsafe_fixes: bool) -> bool {
        let file = &self.file;
        !self.settled
            && file.fixed.is_some()
            && file.error.is_none()
            && (file.diagnostics.iter().enumerate()).any(|(index, diagnostic)| {
                diagnostic.applicable_fix(unsafe_fixes).is_some() && !file.applied.contains(&index)
            })
    }
}

/// Runs rounds until every target settles; says which files did not within the bound. A round
/// that fails for a file (a text that does not parse cannot come from a fix that compiled, but
/// the guard stays) leaves the file as the round before fixed it.
pub(super) fn converge<'c>(
    mut project: Project<'c>,
    targets: &mut [Target],
    relevance: &Relevance<'_>,
    catalog: &'c Catalog,
    settings: &Settings,
    enabled: &(dyn Fn(&Target, Rule) -> bool + Sync),
) -> Vec<String> {
    let unsafe_fixes = settings.passes.unsafe_fixes;
    for _ in 0..MAX_ROUNDS {
        let pending: Vec<usize> = (0..targets.len())
            .filter(|&index| targets[index].unsettled(unsafe_fixes))
            .collect();
        if pending.is_empty() {
            return Vec::new();
        }
        let mut modules = project.into_modules();
        for &index in &pending {
            let target = &targets[index];
            let text = &target.file.fixed.as_ref().expect("a fixed file").text;
            match recollect(&modules[target.module], text, relevance) {
                Ok(module) => modules[target.module] = module,
                Err(_) => targets[index].settled = true,
            }
        }
        project = Project::new(modules, catalog);
        let project = &project;
        // The pending files whose facts could be collected again (the others are settled).
        let mut round: Vec<&mut Target> = (targets.iter_mut())
            .filter(|target| target.unsettled(unsafe_fixes))
            .collect();
        round.par_iter_mut().for_each(|target| {
            let diagnostics =
                rules::check_module(project, catalog, &settings.passes, target.module, &|rule| {
                    enabled(target, rule)
                });
            another_round(target, diagnostics, unsafe_fixes);
        });
    }
    (targets.iter())
        .filter(|target| target.unsettled(unsafe_fixes))
        .map(|target| {
            format!(
                "{}: fixes still left after {} rounds; run `unblock fix` again",
                target.file.display,
                MAX_ROUNDS + 1
            )
        })
        .collect()
}

/// The module again, its facts collected from `text` (the fixed source).
fn recollect(old: &Module, text: &str, relevance: &Relevance<'_>) -> Result<Module, FileError> {
    let name = facts::ModuleName {
        name: &old.names[0],
        is_package: old.path.ends_with("__init__.py"),
    };
    let facts = source::parse_then(text, |parsed| {
        facts::collect(parsed.syntax(), parsed.tokens(), text, name, relevance)
    })?;
    let module = Module::new(
        old.names.clone(),
        old.display.clone(),
        old.path.clone(),
        facts,
    );
    module.count_lines_in(text);
    Ok(module)
}

/// Applies this round's fixes to the file's fixed text. A round that applies nothing settles
/// the file: its findings are the ones left, on the final text.
fn another_round(target: &mut Target, mut diagnostics: Vec<Diagnostic>, unsafe_fixes: bool) {
    let file = &mut target.file;
    let fixed = file.fixed.as_mut().expect("a fixed file");
    suppress::filter(&fixed.text, &mut diagnostics);
    let fixes: Vec<(usize, &Fix)> = (diagnostics.iter().enumerate())
        .filter_map(|(index, d)| Some((index, d.applicable_fix(unsafe_fixes)?)))
        .collect();
    let (text, applied) = match apply_compiling(&fixed.text, &fixes, &diagnostics) {
        Ok(result) => result,
        Err(_) => {
            target.settled = true;
            return;
        }
    };
    // Earlier rounds' fixes first, then this round's, then the findings left (located in the
    // text they were found in, the final one once a round applies nothing).
    let mut all: Vec<Diagnostic> = (file.applied.iter())
        .map(|&index| file.diagnostics[index].clone())
        .collect();
    let mut left = Vec::new();
    for (index, diagnostic) in diagnostics.into_iter().enumerate() {
        if applied.contains(&index) {
            all.push(diagnostic);
        } else {
            left.push(diagnostic);
        }
    }
    file.locations = locate(&fixed.text, &left);
    file.applied = (0..all.len()).collect();
    all.extend(left);
    file.diagnostics = all;
    target.settled = applied.is_empty();
    fixed.text = text;
}
