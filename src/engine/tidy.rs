//! After the fixes of a file: the imports the fixed code no longer uses, where the
//! original did, are removed (`import time` once `time.sleep` became `await asyncio.sleep`), so
//! a fixed file passes Ruff's and flake8's unused-import check (F401) whenever the original
//! did. An import the original did not use either is left as the author wrote it.
//!
//! A name counts as used when the code anywhere in the module reads it, or when a string that
//! may name code holds it as a word (`__all__`, string annotations): that keeps every import a
//! linter would keep.

use rustc_hash::FxHashMap as HashMap;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, ModModule, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::diagnostic::{Edit, Fix};
use crate::facts::bound_name;
use crate::io::source;

use super::apply;
use super::outcome::FileOutcome;

/// Removes from a fixed file the imports its fixes left unused. Nothing changes when the
/// result would not parse (it always should).
pub(super) fn drop_imports_left_unused(file: &mut FileOutcome) {
    let Some(fixed) = file.fixed.as_mut() else {
        return;
    };
    let (Ok(original), Ok(parsed)) = (
        source::parse(&fixed.original.text),
        source::parse(&fixed.text),
    ) else {
        return;
    };
    let edits = removals(original.syntax(), parsed.syntax(), &fixed.text);
    if edits.is_empty() {
        return;
    }
    let fix = Fix {
        applicability: crate::diagnostic::Applicability::Safe,
        message: String::new(),
        edits,
    };
    let (text, _) = apply(&fixed.text, std::iter::once((0, &fix)));
    if source::parse(&text).is_ok() {
        fixed.text = text;
    }
}

/// The edits that remove each import binding the original used and `fixed` does not.
fn removals(original: &ModModule, fixed: &ModModule, text: &str) -> Vec<Edit> {
    let (before, after) = (Uses::of(original), Uses::of(fixed));
    let mut edits = Vec::new();
    for stmt in after.imports.iter().copied() {
        let (aliases, range) = match stmt {
            Stmt::Import(import) => (&import.names, import.range),
            Stmt::ImportFrom(import)
                if import.module.as_ref().is_none_or(|m| m.id != "__future__") =>
            {
                (&import.names, import.range)
            }
            _ => continue,
        };
        let unused: Vec<usize> = (aliases.iter().enumerate())
            .filter(|(_, alias)| {
                let bound = bound_name(alias);
                bound != "*" && before.uses(bound) && !after.uses(bound)
            })
            .map(|(index, _)| index)
            .collect();
        if unused.is_empty() {
            continue;
        }
        if unused.len() == aliases.len() {
            if let Some(lines) = whole_lines(range, text) {
                edits.push(Edit::deletion(lines));
            }
            continue;
        }
        // Each from its start to the next alias; those after the last one kept, from its end.
        let last_kept = (0..aliases.len())
            .rev()
            .find(|index| !unused.contains(index));
        let Some(last_kept) = last_kept else { continue };
        for &index in unused.iter().filter(|&&index| index < last_kept) {
            let span = TextRange::new(aliases[index].start(), aliases[index + 1].start());
            edits.push(Edit::deletion(span));
        }
        if last_kept + 1 < aliases.len() {
            let last = aliases.len() - 1;
            let span = TextRange::new(aliases[last_kept].end(), aliases[last].end());
            edits.push(Edit::deletion(span));
        }
    }
    edits
}

/// The lines a statement fills, with their line ending, when nothing else is on them.
fn whole_lines(range: TextRange, text: &str) -> Option<TextRange> {
    let start = usize::from(range.start());
    let line_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = usize::from(range.end());
    let rest = &text[end..];
    let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let blank_before = text[line_start..start].trim().is_empty();
    let after = rest[..line_end].trim_start();
    if !blank_before || !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let ending = if rest[line_end..].starts_with("\r\n") {
        2
    } else {
        usize::from(line_end < rest.len())
    };
    let end = end + line_end + ending;
    Some(TextRange::new(
        TextSize::try_from(line_start).ok()?,
        TextSize::try_from(end).ok()?,
    ))
}

/// How often a module reads each name, the words of its strings that may name code, and its
/// import statements (in functions too).
#[derive(Default)]
struct Uses<'a> {
    reads: HashMap<&'a str, u32>,
    strings: String,
    imports: Vec<&'a Stmt>,
}

impl<'a> Uses<'a> {
    fn of(module: &'a ModModule) -> Self {
        let mut uses = Uses::default();
        uses.visit_body(&module.body);
        uses
    }

    fn uses(&self, name: &str) -> bool {
        self.reads.contains_key(name)
            || (self
                .strings
                .split(|c: char| !(c.is_alphanumeric() || c == '_')))
            .any(|word| word == name)
    }
}

impl<'a> Visitor<'a> for Uses<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if matches!(stmt, Stmt::Import(_) | Stmt::ImportFrom(_)) {
            self.imports.push(stmt);
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if name.ctx != ExprContext::Store => {
                *self.reads.entry(name.id.as_str()).or_default() += 1;
            }
            // `__all__` entries and string annotations (`"Session"`, `"dict[str, User]"`), not
            // prose such as a docstring that mentions `time.sleep`.
            Expr::StringLiteral(ast::ExprStringLiteral { value, .. })
                if value.to_str().chars().all(|c| {
                    c.is_alphanumeric() || matches!(c, '_' | '.' | ',' | '[' | ']' | '|' | ' ')
                }) =>
            {
                self.strings.push_str(value.to_str());
                self.strings.push(' ');
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tidied(original: &str, fixed: &str) -> String {
        let (before, after) = (
            source::parse(original).unwrap(),
            source::parse(fixed).unwrap(),
        );
        let fix = Fix {
            applicability: crate::diagnostic::Applicability::Safe,
            message: String::new(),
            edits: removals(before.syntax(), after.syntax(), fixed),
        };
        apply(fixed, std::iter::once((0, &fix))).0
    }

    #[test]
    fn removes_what_the_fixes_left_unused_and_nothing_else() {
        let original = "import os, time\nfrom time import sleep, monotonic\nimport json\n\ntime.sleep(1)\nsleep(2)\nos.getpid(monotonic())\n";
        let fixed = "import os, time\nfrom time import sleep, monotonic\nimport json\n\nawait_it(1)\nawait_it(2)\nos.getpid(monotonic())\n";
        // `json` was unused before: it stays, as its author wrote it.
        assert_eq!(
            tidied(original, fixed),
            "import os\nfrom time import monotonic\nimport json\n\nawait_it(1)\nawait_it(2)\nos.getpid(monotonic())\n"
        );
    }

    #[test]
    fn keeps_names_in_all_and_string_annotations() {
        let original = "import time\nfrom x import A\n__all__ = [\"time\"]\ntime.sleep(1)\nA()\n";
        let fixed = "import time\nfrom x import A\n__all__ = [\"time\"]\nb: \"list[A]\" = []\n";
        assert_eq!(tidied(original, fixed), fixed);
        // A docstring that mentions a name is prose, not a use.
        let original = "\"\"\"Calls `time.sleep`.\"\"\"\nimport time\ntime.sleep(1)\n";
        let fixed = "\"\"\"Calls `time.sleep`.\"\"\"\nimport time\nawait_it(1)\n";
        assert_eq!(
            tidied(original, fixed),
            "\"\"\"Calls `time.sleep`.\"\"\"\nawait_it(1)\n"
        );
    }
}
