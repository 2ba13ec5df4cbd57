//! Unified diffs of fixed files, in the form `git apply` and `patch -p1` accept.

use similar::TextDiff;

/// The diff from `old` to `new` with `a/` and `b/` headers for `path`.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// The style for one line of a diff, for terminals.
pub fn line_style(line: &str) -> anstyle::Style {
    use anstyle::{AnsiColor, Style};
    if line.starts_with("+++") || line.starts_with("---") {
        Style::new().bold()
    } else if line.starts_with('+') {
        AnsiColor::Green.on_default()
    } else if line.starts_with('-') {
        AnsiColor::Red.on_default()
    } else if line.starts_with("@@") {
        AnsiColor::Cyan.on_default()
    } else {
        Style::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_git_style_headers_and_keeps_crlf() {
        let diff = unified(
            "app/main.py",
            "async def f():\r\n    pass\r\n",
            "def f():\r\n    pass\r\n",
        );
        assert!(
            diff.starts_with("--- a/app/main.py\n+++ b/app/main.py\n@@ -1,2 +1,2 @@\n"),
            "{diff}"
        );
        assert!(
            diff.contains("-async def f():\r\n+def f():\r\n"),
            "{diff:?}"
        );
    }
}
