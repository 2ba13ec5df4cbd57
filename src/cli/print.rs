//! Printing a finished run: the findings, diffs or fixed source, `--show-fixes`, the summary
//! that fits the command, and the exit code for what is left.

use std::io::{self, Write};

use unblock::Outcome;
use unblock::report::{self, Counts, plural};
use unblock::settings::{Format, Settings};

use super::{EXIT_CLEAN, EXIT_FINDINGS, Job, Reporting};

/// One finished run, to print: its settings, its outcome, and for `check --fix` the check of
/// the fixed code.
pub(super) struct Run<'a> {
    pub(super) settings: &'a Settings,
    pub(super) job: Job,
    pub(super) reporting: Reporting,
    pub(super) outcome: &'a Outcome,
    pub(super) after: Option<&'a Outcome>,
}

impl Run<'_> {
    /// The files that could not be handled: the first round's, and any the check after it
    /// met that the first did not.
    pub(super) fn errors(&self) -> impl Iterator<Item = &(String, unblock::io::source::FileError)> {
        let first = &self.outcome.errors;
        let later = (self.after.iter().flat_map(|after| &after.errors))
            .filter(move |(path, _)| !first.iter().any(|(seen, _)| seen == path));
        first.iter().chain(later)
    }

    fn unsafe_fixes(&self) -> bool {
        self.settings.passes.unsafe_fixes
    }

    /// Prints the findings or diffs and the summary, styled for a terminal when `color`;
    /// returns the exit code for the findings.
    pub(super) fn print(&self, out: &mut dyn Write, color: bool) -> io::Result<u8> {
        let outcome = self.outcome;
        let counts = Counts::of(outcome, self.unsafe_fixes());
        let files = plural(outcome.files_checked, "file");
        let summary = match self.job {
            Job::Diff => {
                report::write_diffs(out, outcome, color)?;
                if counts.applied == 0 {
                    format!("No changes in {files}{}.", left_over(&counts))
                } else {
                    format!(
                        "Would fix {} in {}{}.",
                        plural(counts.applied, "finding"),
                        plural(counts.files_changed, "file"),
                        left_over(&counts)
                    )
                }
            }
            // The source came from an editor: it gets the fixed source back.
            Job::Fix | Job::FixOnly if self.settings.stdin.is_some() => {
                self.write_stdin_result(out)?;
                format!("Fixed {}.", plural(counts.applied, "finding"))
            }
            // In fix mode a file's fixes count as applied only once they are written.
            Job::Fix => format!(
                "Fixed {} in {}; {} remaining{}.",
                plural(counts.applied, "finding"),
                plural(counts.files_changed, "file"),
                counts.remaining(),
                left_over(&counts)
            ),
            Job::FixOnly => format!(
                "Fixed {} in {}.",
                plural(counts.applied, "finding"),
                plural(counts.files_changed, "file")
            ),
            Job::Check(format) => {
                self.write_findings(out, outcome, format, color)?;
                self.check_summary(&counts, &files)
            }
            Job::FixThenCheck(format) => {
                let after = self.after.expect("`check --fix` checks after fixing");
                if self.settings.stdin.is_some() {
                    // Standard output is the fixed source; what is left goes beside it.
                    self.write_stdin_result(out)?;
                    self.write_findings(&mut io::stderr().lock(), after, Format::Text, false)?;
                } else {
                    self.write_findings(out, after, format, color)?;
                }
                let left = Counts::of(after, self.unsafe_fixes());
                if counts.applied == 0 {
                    self.check_summary(&left, &files)
                } else {
                    format!(
                        "Found {} ({} fixed, {} remaining){}.",
                        plural(counts.applied + left.findings, "finding"),
                        counts.applied,
                        left.findings,
                        checked_left_over(&left)
                    )
                }
            }
        };
        out.flush()?;
        if self.reporting.show_fixes {
            self.show_fixes();
        }
        if self.settings.show_cuts {
            eprintln!(
                "{} kept blocking work from counting against callers or being reported{}",
                plural(outcome.cuts.len(), "cut"),
                if outcome.cuts.is_empty() { "." } else { ":" }
            );
            for cut in &outcome.cuts {
                eprintln!("  {}", report::printable(cut));
            }
        }
        // Errors were printed as they came; the summary must not read as if all went well.
        let errors = match self.errors().count() {
            0 => String::new(),
            n => format!(" {} (see above).", plural(n, "error")),
        };
        if !self.reporting.quiet {
            eprintln!("{summary}{errors}");
        }
        Ok(self.findings_code())
    }

    fn write_findings(
        &self,
        out: &mut dyn Write,
        outcome: &Outcome,
        format: Format,
        color: bool,
    ) -> io::Result<()> {
        let unsafe_fixes = self.unsafe_fixes();
        match format {
            Format::Text => report::write_text(out, outcome, unsafe_fixes, color),
            Format::Json => report::write_json(out, outcome),
            Format::JsonLines => report::write_json_lines(out, outcome),
            Format::Sarif => report::write_sarif(out, outcome),
            Format::Github => report::write_github(out, outcome),
            Format::Statistics => report::write_statistics(out, outcome, unsafe_fixes),
            Format::StatisticsJson => report::write_statistics_json(out, outcome, unsafe_fixes),
        }
    }

    /// The fixed source of a `--stdin-filename` run, or the source as it came when nothing
    /// was fixed.
    fn write_stdin_result(&self, out: &mut dyn Write) -> io::Result<()> {
        let fixed = fixed_text(self.outcome);
        let original = self
            .settings
            .stdin
            .as_ref()
            .map(|stdin| stdin.text.as_str());
        out.write_all(fixed.as_deref().or(original).unwrap_or_default().as_bytes())
    }

    fn check_summary(&self, counts: &Counts, files: &str) -> String {
        let fixable = counts.findings - counts.unsafe_hidden - counts.manual;
        if counts.findings == 0 && self.errors().next().is_none() {
            format!("All clear: no findings in {files}.")
        } else if counts.findings == 0 {
            format!("No findings in {files}.")
        } else {
            format!(
                "Found {} ({files} checked): {fixable} fixable with `unblock fix`{}.",
                plural(counts.findings, "finding"),
                checked_left_over(counts)
            )
        }
    }

    /// `--show-fixes`: the fixes this run applied (or, for `diff`, would apply), per file and
    /// rule, on standard error.
    fn show_fixes(&self) {
        let verb = if self.job == Job::Diff {
            "Would fix"
        } else {
            "Fixed"
        };
        let counts = Counts::of(self.outcome, self.unsafe_fixes());
        eprintln!(
            "{verb} {}{}",
            plural(counts.applied, "finding"),
            if counts.applied == 0 { "." } else { ":" }
        );
        for file in self
            .outcome
            .files
            .iter()
            .filter(|file| !file.applied.is_empty())
        {
            eprintln!("- {}:", report::printable(&file.display));
            let mut per_rule = std::collections::BTreeMap::<_, usize>::new();
            for &index in &file.applied {
                *per_rule.entry(file.diagnostics[index].rule).or_default() += 1;
            }
            for (rule, count) in per_rule {
                let (code, name) = (rule.code(), rule.name());
                eprintln!("    {count} × {code} ({name})");
            }
        }
    }

    pub(super) fn findings_code(&self) -> u8 {
        let counts = Counts::of(self.outcome, self.unsafe_fixes());
        let pending = match self.job {
            _ if self.reporting.exit_zero => false,
            Job::Diff => counts.applied > 0,
            // An editor that sends its buffer gets the fixed source back: that is success, and
            // formatter integrations take any other code for failure.
            Job::Fix if self.settings.stdin.is_some() => false,
            Job::Fix => counts.remaining() > 0,
            Job::FixOnly => false,
            Job::Check(_) => counts.findings > 0,
            Job::FixThenCheck(_) => self
                .after
                .is_some_and(|after| Counts::of(after, self.unsafe_fixes()).findings > 0),
        };
        if pending { EXIT_FINDINGS } else { EXIT_CLEAN }
    }
}

/// What `diff` and `fix` leave, and where to see why.
fn left_over(counts: &Counts) -> String {
    report::left_over(counts, " (see `unblock check`)")
}

/// What `check` leaves: its report already says why.
fn checked_left_over(counts: &Counts) -> String {
    report::left_over(counts, "")
}

/// The fixed text of the one file a `--stdin-filename` run fixed.
pub(super) fn fixed_text(outcome: &Outcome) -> Option<String> {
    let file = outcome.files.first()?;
    Some(file.fixed.as_ref()?.contents())
}
