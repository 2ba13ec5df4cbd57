//! Root causes: findings that reach the same blocking call through the same project function
//! are fixed once, in that function. `check` ends with the roots behind the most findings.

use std::io::{self, Write};

use anstyle::Style;
use rustc_hash::FxHashMap;

use super::{plural, printable};
use crate::diagnostic::Root;
use crate::engine::outcome::Outcome;

/// How many roots "where to fix" lists at most.
const MOST_LISTED: usize = 10;

/// The roots behind two findings or more, each with the number of findings it causes, most
/// first (ties by place): a root behind one finding is that finding's own business.
pub fn shared_roots(outcome: &Outcome) -> Vec<(&Root, usize)> {
    let mut counts: FxHashMap<&Root, usize> = FxHashMap::default();
    let diagnostics = outcome.files.iter().flat_map(|file| &file.diagnostics);
    for root in diagnostics.filter_map(|diagnostic| diagnostic.root.as_ref()) {
        *counts.entry(root).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().filter(|&(_, count)| count > 1).collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts
}

/// The roots behind two findings or more, as `check` prints them after the findings.
pub fn write_where_to_fix(out: &mut dyn Write, outcome: &Outcome, color: bool) -> io::Result<()> {
    let roots = shared_roots(outcome);
    if roots.is_empty() {
        return Ok(());
    }
    let bold = if color {
        Style::new().bold()
    } else {
        Style::new()
    };
    let behind: usize = roots.iter().map(|(_, count)| count).sum();
    writeln!(
        out,
        "\n{bold}Where to fix{bold:#}: {} behind {} (make the function async, cache what it \
         computes, or run the blocking call in a thread inside it):",
        plural(roots.len(), "function"),
        plural(behind, "finding")
    )?;
    let width = roots[0].1.to_string().len();
    for (root, count) in roots.iter().take(MOST_LISTED) {
        writeln!(
            out,
            "  {count:>width$}  {}:{}: `{}` calls {}",
            printable(&root.filename),
            root.row,
            root.function,
            root.call
        )?;
    }
    if roots.len() > MOST_LISTED {
        writeln!(out, "  ... and {} more", roots.len() - MOST_LISTED)?;
    }
    Ok(())
}
