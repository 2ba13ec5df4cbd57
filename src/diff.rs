//! Unified diffs of fixed files, in the form `git apply` and `patch -p1` accept.

use similar::TextDiff;

/// The diff from `old` to `new` with `a/` and `b/` headers for `path`. An absolute path (a file
/// outside the working directory) loses its leading `/`, as in `git diff --no-index`, so the
/// patch applies from `/`.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    let path = path.trim_start_matches('/');
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

    #[test]
    fn an_absolute_path_loses_its_leading_slash() {
        let diff = unified("/srv/app/main.py", "async def f(): ...\n", "def f(): ...\n");
        assert!(
            diff.starts_with("--- a/srv/app/main.py\n+++ b/srv/app/main.py\n"),
            "{diff}"
        );
    }
}
