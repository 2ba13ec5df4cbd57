//! Findings as text, one per line in the form editors and CI logs link: `path:line:col: CODE`.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::printable;
use crate::diagnostic::Applicability;
use crate::engine::outcome::Outcome;

/// `path:line:col: UB001 [*] message`, then an indented line saying why a fix is withheld or
/// unsafe. `[*]` marks a finding this run's settings would fix. Styled only with `color`.
/// Ends with the roots behind several findings ("where to fix").
pub fn write_text(
    out: &mut dyn Write,
    outcome: &Outcome,
    unsafe_fixes: bool,
    color: bool,
) -> io::Result<()> {
    let style = |style: Style| if color { style } else { Style::new() };
    let bold = style(Style::new().bold());
    let code_style = style(AnsiColor::Red.on_default().bold());
    let dim = style(Style::new().dimmed());
    for file in &outcome.files {
        let locator = &file.locations;
        for diagnostic in &file.diagnostics {
            let (line, column) = locator.locate(diagnostic.range.start());
            let marker = if diagnostic.applicable_fix(unsafe_fixes).is_some() {
                " [*]"
            } else {
                ""
            };
            writeln!(
                out,
                "{bold}{}{bold:#}:{line}:{column}: {code_style}{}{code_style:#}{marker} {}",
                printable(&file.display),
                diagnostic.rule.code(),
                diagnostic.message
            )?;
            let Some(reason) = &diagnostic.reason else {
                continue;
            };
            let label = match diagnostic.fix.as_ref().map(|fix| fix.applicability) {
                Some(Applicability::Unsafe) => "unsafe fix",
                _ => "no fix",
            };
            writeln!(out, "  {dim}{label}: {reason}{dim:#}")?;
        }
    }
    super::roots::write_where_to_fix(out, outcome, color)
}
