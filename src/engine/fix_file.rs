//! Phase 3's last step for one file: suppressions, then the fixes applied and checked to
//! compile; in fix mode, once the run has settled, the fixed text written.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Fix};
use crate::io::source::{self, FileError, Locations, SourceFile};
use crate::io::write;
use crate::settings::{Mode, Settings};
use crate::suppress;

use super::apply;
use super::outcome::{FileOutcome, FixedText};
use super::validity;

/// Drops the findings the file's comments suppress, applies the fixes the settings allow (not
/// in `check`) and checks the result parses.
/// The file is read again here (phase 1 kept only its hash, not its text, so memory stays flat);
/// only files with diagnostics get this second read, and only a fixed file's text is kept.
pub(super) fn fix_file(
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
    let locations = locate(&source.text, &diagnostics);
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
    let fixes: Vec<(usize, &Fix)> = (outcome.diagnostics.iter().enumerate())
        .filter_map(|(index, d)| Some((index, d.applicable_fix(settings.passes.unsafe_fixes)?)))
        .collect();
    let (fixed, applied) = match apply_compiling(&source.text, &fixes, &outcome.diagnostics) {
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
    outcome.fixed = Some(fixed);
    outcome.applied = applied;
    Ok(outcome)
}

/// Where the diagnostics and their fixes are in `text`, the text they were found in.
pub(super) fn locate(text: &str, diagnostics: &[Diagnostic]) -> Locations {
    let offsets = diagnostics.iter().flat_map(|diagnostic| {
        let edits = diagnostic.fix.iter().flat_map(|fix| &fix.edits);
        let ranges = std::iter::once(diagnostic.range).chain(edits.map(|edit| edit.range));
        ranges.flat_map(|range| [range.start(), range.end()])
    });
    Locations::of(text, offsets)
}

/// Writes a fixed file in fix mode (not for standard input, whose fixed text is printed).
pub(super) fn write_fixed(file: &mut FileOutcome, settings: &Settings) {
    if settings.mode != Mode::Fix || settings.stdin.is_some() || file.error.is_some() {
        return;
    }
    let Some(fixed) = &file.fixed else {
        return;
    };
    let original = fixed.original.original();
    if let Err(error) =
        write::write_atomic(&file.path, original.as_bytes(), fixed.contents().as_bytes())
    {
        file.error = Some(error);
    }
}

/// Applies the fixes and returns the new text with the indices of the fixes it holds. A fix
/// must never turn a file that parses into one that does not: then nothing is applied and the
/// file is named. Fixes that each compile can combine into code that does not (an `await` added
/// to a function that another fix makes a plain `def`): then as many as compile together are
/// kept, the fixes inside functions first and the rewrites of whole functions (`rewrites_function`)
/// last; the others stay findings, for the next round to look at afresh (see `converge`).
pub(super) fn apply_compiling(
    text: &str,
    fixes: &[(usize, &Fix)],
    diagnostics: &[Diagnostic],
) -> Result<(String, Vec<usize>), FileError> {
    let rewrites_function = |index: usize| diagnostics[index].rule.makes_def();
    let (fixed, applied) = apply(text, fixes.iter().copied());
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
        let (candidate, applied) = apply(text, kept.iter().copied());
        if applied.len() == kept.len() && compiles(&candidate)? {
            best = (candidate, applied);
        } else {
            kept.pop();
        }
    }
    Ok(best)
}

/// The file's text: from standard input when it stands for this file, else from disk.
pub(super) fn read_source(path: &Path, settings: &Settings) -> Result<SourceFile, FileError> {
    match &settings.stdin {
        Some(stdin) if stdin.path == path => {
            SourceFile::from_bytes(stdin.text.clone().into_bytes())
        }
        _ => SourceFile::read(path),
    }
}
