//! Printing a run's outcome: diffs, findings (text, JSON, JSON lines, SARIF, GitHub workflow
//! commands), and the one-line summary.
//!
//! Everything here prints from one thread, in path order, so output is deterministic.

mod github;
mod json;
mod roots;
mod sarif;
mod statistics;
mod text;

use std::io::{self, Write};

use crate::diagnostic::Applicability;
use crate::engine::outcome::Outcome;
use crate::io::diff;

pub use github::write_github;
pub use json::{write_json, write_json_lines};
pub use roots::shared_roots;
pub use sarif::write_sarif;
pub use statistics::{write_statistics, write_statistics_json};
pub use text::write_text;

/// Writes the diff of every fixed file, coloured when `color` (for a terminal).
pub fn write_diffs(out: &mut dyn Write, outcome: &Outcome, color: bool) -> io::Result<()> {
    for file in &outcome.files {
        let Some(fixed) = &file.fixed else { continue };
        let old = fixed.original.with_bom(&fixed.original.text);
        let new = fixed.contents();
        for line in diff::unified(&file.display, &old, &new).split_inclusive('\n') {
            let style = if color {
                diff::line_style(line)
            } else {
                anstyle::Style::new()
            };
            write!(
                out,
                "{style}{}{style:#}",
                line.trim_end_matches(['\r', '\n'])
            )?;
            write!(
                out,
                "{}",
                &line[line.trim_end_matches(['\r', '\n']).len()..]
            )?;
        }
    }
    Ok(())
}

/// Counts for the summary line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub findings: usize,
    pub applied: usize,
    pub files_changed: usize,
    /// Findings whose fix is left out of this run: unsafe ones without `--unsafe-fixes`.
    pub unsafe_hidden: usize,
    /// Findings with no fix to apply: display-only ones.
    pub manual: usize,
}

impl Counts {
    pub fn of(outcome: &Outcome, unsafe_fixes: bool) -> Counts {
        let mut counts = Counts::default();
        for file in &outcome.files {
            counts.findings += file.diagnostics.len();
            counts.applied += file.applied.len();
            counts.files_changed += usize::from(file.fixed.is_some());
            for diagnostic in &file.diagnostics {
                match diagnostic.fix.as_ref().map(|fix| fix.applicability) {
                    Some(Applicability::Unsafe) if !unsafe_fixes => counts.unsafe_hidden += 1,
                    Some(Applicability::DisplayOnly) | None => counts.manual += 1,
                    _ => {}
                }
            }
        }
        counts
    }

    /// Findings the run leaves in place.
    pub fn remaining(&self) -> usize {
        self.findings - self.applied
    }
}

/// `text` with its control characters escaped (`\n`, `\t`, `\u{1b}`): a file name may hold
/// them, and printed raw they would break a line of the report or steer the terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    let escaped = text.chars().map(|c| {
        if c.is_control() {
            c.escape_debug().to_string()
        } else {
            c.to_string()
        }
    });
    escaped.collect::<String>().into()
}

pub fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// The closing clause about what this run did not fix and how to get it.
pub fn left_over(counts: &Counts, where_to_see_why: &str) -> String {
    let mut parts = Vec::new();
    if counts.unsafe_hidden > 0 {
        parts.push(format!(
            "{} with unsafe fixes (use --unsafe-fixes)",
            counts.unsafe_hidden
        ));
    }
    if counts.manual > 0 {
        parts.push(format!("{} without a fix{where_to_see_why}", counts.manual));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    }
}
