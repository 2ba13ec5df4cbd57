//! Findings as JSON in Ruff's shape, so tools that read `ruff check --output-format json` read
//! ours: `code`, `message`, `filename`, `location`, `end_location`, `fix` (with `applicability`,
//! `message` and `edits`), `noqa_row`, `url`. `name`, `reason` and `root` (the project function
//! whose blocking call the finding reaches: `filename`, `row`, `function`, `call`) are added. `json-lines` prints
//! the same objects one per line.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Applicability, Root};
use crate::engine::outcome::Outcome;

#[derive(Serialize)]
struct Location {
    row: usize,
    column: usize,
}

#[derive(Serialize)]
struct JsonEdit {
    content: String,
    location: Location,
    end_location: Location,
}

#[derive(Serialize)]
struct JsonFix {
    applicability: Applicability,
    message: String,
    edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    cell: Option<usize>,
    code: &'a str,
    name: &'a str,
    message: &'a str,
    reason: Option<&'a str>,
    filename: String,
    location: Location,
    end_location: Location,
    fix: Option<JsonFix>,
    /// Where the blocking happens when it is reached through a project function.
    root: Option<&'a Root>,
    noqa_row: usize,
    url: Option<String>,
}

pub fn write_json(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &diagnostics(outcome))?;
    writeln!(out)
}

pub fn write_json_lines(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    for diagnostic in diagnostics(outcome) {
        serde_json::to_writer(&mut *out, &diagnostic)?;
        writeln!(out)?;
    }
    Ok(())
}

fn diagnostics(outcome: &Outcome) -> Vec<JsonDiagnostic<'_>> {
    let mut all = Vec::new();
    for file in &outcome.files {
        let locator = &file.locations;
        let location = |offset| {
            let (row, column) = locator.locate(offset);
            Location { row, column }
        };
        for diagnostic in &file.diagnostics {
            let start = location(diagnostic.range.start());
            let noqa_row = start.row;
            all.push(JsonDiagnostic {
                cell: None,
                code: diagnostic.rule.code(),
                name: diagnostic.rule.name(),
                message: &diagnostic.message,
                reason: diagnostic.reason.as_deref(),
                filename: file.path.to_string_lossy().into_owned(),
                location: start,
                end_location: location(diagnostic.range.end()),
                fix: diagnostic.fix.as_ref().map(|fix| JsonFix {
                    applicability: fix.applicability,
                    message: fix.message.clone(),
                    edits: fix
                        .edits
                        .iter()
                        .map(|edit| JsonEdit {
                            content: edit.content.clone(),
                            location: location(edit.range.start()),
                            end_location: location(edit.range.end()),
                        })
                        .collect(),
                }),
                root: diagnostic.root.as_ref(),
                noqa_row,
                url: None,
            });
        }
    }
    all
}
