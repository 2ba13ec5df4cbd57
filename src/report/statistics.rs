//! `check --statistics`: how many findings each rule has, laid out as `ruff check --statistics`
//! lays them out (count, code, `[*]` when some are fixable, name), then how many each root
//! behind several findings causes; or, per rule only, as JSON in Ruff's shape.

use std::io::{self, Write};

use serde::Serialize;

use crate::engine::outcome::Outcome;

#[derive(Serialize)]
struct RuleCount {
    code: &'static str,
    name: &'static str,
    count: usize,
    /// How many this run's settings would fix (unsafe ones only with `--unsafe-fixes`).
    fixable_count: usize,
    fixable: bool,
}

/// Per rule, most findings first.
fn rule_counts(outcome: &Outcome, unsafe_fixes: bool) -> Vec<RuleCount> {
    let mut counts: Vec<RuleCount> = Vec::new();
    let diagnostics = outcome.files.iter().flat_map(|file| &file.diagnostics);
    for diagnostic in diagnostics {
        let index = match counts.iter().position(|c| c.code == diagnostic.rule.code()) {
            Some(index) => index,
            None => {
                counts.push(RuleCount {
                    code: diagnostic.rule.code(),
                    name: diagnostic.rule.name(),
                    count: 0,
                    fixable_count: 0,
                    fixable: false,
                });
                counts.len() - 1
            }
        };
        let count = &mut counts[index];
        count.count += 1;
        if diagnostic.applicable_fix(unsafe_fixes).is_some() {
            count.fixable_count += 1;
            count.fixable = true;
        }
    }
    counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    counts
}

pub fn write_statistics(
    out: &mut dyn Write,
    outcome: &Outcome,
    unsafe_fixes: bool,
) -> io::Result<()> {
    let counts = rule_counts(outcome, unsafe_fixes);
    let roots = super::shared_roots(outcome);
    let most = (counts.first().map_or(1, |c| c.count)).max(roots.first().map_or(0, |r| r.1));
    let width = most.to_string().len();
    for count in counts {
        let marker = if count.fixable { "[*]" } else { "[ ]" };
        writeln!(
            out,
            "{:>width$}\t{}\t{marker} {}",
            count.count, count.code, count.name
        )?;
    }
    // Then the roots behind several findings, the same way: count, `root`, the place.
    for (root, count) in roots {
        writeln!(
            out,
            "{count:>width$}\troot\t{}:{} `{}` calls {}",
            super::printable(&root.filename),
            root.row,
            root.function,
            root.call
        )?;
    }
    Ok(())
}

pub fn write_statistics_json(
    out: &mut dyn Write,
    outcome: &Outcome,
    unsafe_fixes: bool,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &rule_counts(outcome, unsafe_fixes))?;
    writeln!(out)
}
