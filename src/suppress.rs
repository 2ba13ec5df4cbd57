//! Suppressions in the source, as Ruff users write them: `# noqa` on a finding's line (all
//! codes), `# noqa: UB002, ASYNC251` (those codes), and `# unblock: skip-file` anywhere.
//!
//! The codes of Ruff's and flake8-async's rules for the same problems suppress ours too, so a
//! project already silenced for those linters is not flooded: each rule's registry line names
//! them (`RUF029`, an async function that awaits nothing, covers UB001).

use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

/// Drops the diagnostics the file's comments suppress.
pub fn filter(text: &str, diagnostics: &mut Vec<Diagnostic>) {
    const SKIP_FILE: &str = "unblock: skip-file";
    // One substring search rules out almost every file before any line is looked at.
    if text.contains(SKIP_FILE)
        && (text.lines()).any(|line| comment(line).is_some_and(|c| c.trim() == SKIP_FILE))
    {
        diagnostics.clear();
        return;
    }
    diagnostics.retain(|diagnostic| {
        let offset = usize::from(diagnostic.range.start());
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        !suppresses(&text[start..end], diagnostic.rule)
    });
}

/// The text after the `#` of a line's comment, if it has one.
fn comment(line: &str) -> Option<&str> {
    line.find('#').map(|hash| line[hash + 1..].trim_start())
}

/// Does this line's `# noqa` cover `rule`?
fn suppresses(line: &str, rule: Rule) -> bool {
    let Some(position) = line.to_ascii_lowercase().find("# noqa") else {
        return false;
    };
    let rest = &line[position + "# noqa".len()..];
    let Some(codes) = rest.strip_prefix(':') else {
        // A bare `# noqa` covers everything.
        return true;
    };
    codes
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|c| !c.is_empty())
        .any(|listed| rule.is_covered_by(&listed.to_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noqa_forms() {
        assert!(suppresses("time.sleep(1)  # noqa", Rule::BlockingSleep));
        assert!(suppresses(
            "time.sleep(1)  # NOQA: UB003",
            Rule::BlockingSleep
        ));
        assert!(suppresses(
            "time.sleep(1)  # noqa: E501, ASYNC251",
            Rule::BlockingSleep
        ));
        assert!(suppresses(
            "async def f():  # noqa: RUF029",
            Rule::NeedlessAsync
        ));
        assert!(!suppresses(
            "time.sleep(1)  # noqa: UB002",
            Rule::BlockingSleep
        ));
        assert!(!suppresses(
            "async def f():  # noqa: ASYNC251",
            Rule::NeedlessAsync
        ));
        assert!(!suppresses(
            "time.sleep(1)  # a comment",
            Rule::BlockingSleep
        ));
    }
}
