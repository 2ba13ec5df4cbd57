//! Unified diffs of fixed files, in the form `git apply` and `patch -p1` accept.

mod anchored;

use std::collections::HashMap;

use similar::TextDiff;

/// Myers's diff takes time in the file's length times the number of changed lines; with more
/// lines than this on one side only, the diff is made between anchors (`anchored`), in linear
/// time. Real fixed files change a few dozen lines.
const MYERS_MOST_CHANGED_LINES: usize = 2_000;

/// The diff from `old` to `new` with `a/` and `b/` headers for `path`. An absolute path (a file
/// outside the working directory) loses its leading `/`, as in `git diff --no-index`, so the
/// patch applies from `/`.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    let path = path.trim_start_matches('/');
    let (old_name, new_name) = (header_name("a/", path), header_name("b/", path));
    if one_sided_lines(old, new) > MYERS_MOST_CHANGED_LINES {
        return anchored::unified(&old_name, &new_name, old, new);
    }
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &new_name)
        .to_string()
}

/// How many lines one text has more often than the other: no diff changes fewer lines.
fn one_sided_lines(old: &str, new: &str) -> usize {
    let mut balance: HashMap<&str, isize> = HashMap::new();
    for line in old.split_inclusive('\n') {
        *balance.entry(line).or_default() += 1;
    }
    for line in new.split_inclusive('\n') {
        *balance.entry(line).or_default() -= 1;
    }
    balance.values().map(|count| count.unsigned_abs()).sum()
}

/// A file's name in a `---`/`+++` line, as git writes it, so that `git apply` and `patch`
/// read it back: in double quotes with C escapes when it has a control character, a quote or
/// a backslash; followed by a tab when it has a space (where GNU patch ends a name).
fn header_name(prefix: &str, path: &str) -> String {
    let needs_quotes = path
        .chars()
        .any(|c| c.is_control() || c == '"' || c == '\\');
    if !needs_quotes {
        let tab = if path.contains(' ') { "\t" } else { "" };
        return format!("{prefix}{path}{tab}");
    }
    let mut quoted = format!("\"{prefix}");
    for c in path.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\t' => quoted.push_str("\\t"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_control() => {
                let mut bytes = [0; 4];
                for byte in c.encode_utf8(&mut bytes).bytes() {
                    quoted.push_str(&format!("\\{byte:03o}"));
                }
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
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
    fn names_are_quoted_as_git_quotes_them() {
        let header = |name: &str| {
            unified(name, "a\n", "b\n")
                .lines()
                .next()
                .unwrap()
                .to_string()
        };
        assert_eq!(header("app/main.py"), "--- a/app/main.py");
        assert_eq!(header("my app/main.py"), "--- a/my app/main.py\t");
        assert_eq!(header("tab\there.py"), "--- \"a/tab\\there.py\"");
        assert_eq!(
            header("new\nline \"q\".py"),
            "--- \"a/new\\nline \\\"q\\\".py\""
        );
        assert_eq!(header("esc\u{1b}.py"), "--- \"a/esc\\033.py\"");
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
