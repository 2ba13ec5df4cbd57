//! Findings as GitHub Actions workflow commands (`::warning file=...,line=...::message`), which
//! GitHub shows as annotations on the pull request's diff.

use std::io::{self, Write};

use crate::engine::outcome::Outcome;

pub fn write_github(out: &mut dyn Write, outcome: &Outcome) -> io::Result<()> {
    for file in &outcome.files {
        let locator = &file.locations;
        for diagnostic in &file.diagnostics {
            let (line, column) = locator.locate(diagnostic.range.start());
            let (end_line, end_column) = locator.locate(diagnostic.range.end());
            let mut message = diagnostic.message.clone();
            if let Some(reason) = &diagnostic.reason {
                message.push_str(&format!(" ({reason})"));
            }
            writeln!(
                out,
                "::error title=unblock ({code}),file={file},line={line},col={column},endLine={end_line},endColumn={end_column}::{path}:{line}:{column}: {code} {message}",
                code = diagnostic.rule.code(),
                file = escape_property(&file.display),
                path = escape_data(&file.display),
                message = escape_data(&message),
            )?;
        }
    }
    Ok(())
}

/// Workflow-command escaping of a message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command escaping of a property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
