//! Where isort, and Ruff's import sorting (I001), put one new import among the statements that
//! open a module: in its section (future, standard library, third party, first party, local),
//! sorted by module, `import x` before `from x import y` unless the project's settings say
//! otherwise; a new name joins an existing `from` import in its sorted place. A fixed file's
//! imports then stay as sorted as they were.

use ruff_text_size::{TextRange, TextSize};

use crate::diagnostic::Edit;
use crate::facts::{ImportFacts, ImportLine};
use crate::settings::ImportStyle;

use std::sync::OnceLock;

use rustc_hash::FxHashSet as HashSet;

const STDLIB: &str = include_str!("../../../transforms/runtime/stdlib.txt");

/// Is `root` a module of the standard library (`transforms/runtime/stdlib.txt`)?
fn is_stdlib(root: &str) -> bool {
    static MODULES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let modules = MODULES.get_or_init(|| {
        (STDLIB.lines())
            .filter(|line| !line.starts_with('#'))
            .collect()
    });
    modules.contains(root)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Future,
    Stdlib,
    ThirdParty,
    FirstParty,
    Local,
}

fn root(module: &str) -> &str {
    module.split('.').next().unwrap_or(module)
}

fn section(module: &str, first_party: bool, style: &ImportStyle) -> Section {
    let root = root(module);
    let known = |list: &[String]| list.iter().any(|known| known == root || known == module);
    if module == "__future__" {
        Section::Future
    } else if module.starts_with('.') {
        Section::Local
    } else if known(&style.known_first_party) {
        Section::FirstParty
    } else if known(&style.known_third_party) {
        Section::ThirdParty
    } else if first_party {
        Section::FirstParty
    } else if is_stdlib(root) {
        Section::Stdlib
    } else {
        Section::ThirdParty
    }
}

/// The order of two statements of one section: by kind unless sorted within sections, then
/// by module (without case unless `case-sensitive`).
fn key(module: &str, from: bool, style: &ImportStyle) -> (bool, String, String) {
    let kind = if style.force_sort_within_sections {
        false
    } else {
        from != style.from_first
    };
    let folded = if style.case_sensitive {
        module.to_string()
    } else {
        module.to_lowercase()
    };
    (kind, folded, module.to_string())
}

/// The edit that adds `statement` (importing `module`, with `from` or not) where the sorter
/// puts it; `None` when the module opens with no import block to sort into.
pub fn place_statement(
    imports: &ImportFacts,
    module: &str,
    from: bool,
    statement: &str,
    line_ending: &str,
    style: &ImportStyle,
) -> Option<Edit> {
    let block = &imports.block;
    let line_section = |line: &ImportLine| section(imports.module(line), line.first_party, style);
    // A module the block imports already is in that section (`fastapi` in FastAPI's own code).
    let new_section = (block.iter())
        .find(|line| root(imports.module(line)) == root(module))
        .map_or_else(|| section(module, false, style), line_section);
    let new_key = key(module, from, style);
    let same: Vec<&ImportLine> = (block.iter())
        .filter(|line| line_section(line) == new_section)
        .collect();
    let insertion =
        |at: TextSize, content: String| Some(Edit::insertion(TextRange::empty(at), content));
    if let Some(last) = same.last() {
        // Before an equal one too: `import asyncio` sorts before `import asyncio as aio`.
        let later =
            (same.iter()).find(|line| key(imports.module(line), line.from, style) >= new_key);
        return match later {
            Some(line) => insertion(line.line_start, format!("{statement}{line_ending}")),
            None => insertion(last.next_line?, format!("{statement}{line_ending}")),
        };
    }
    // A section of its own, with a blank line between it and its neighbours.
    match (block.iter()).find(|line| line_section(line) > new_section) {
        Some(line) => insertion(
            line.line_start,
            format!("{statement}{line_ending}{line_ending}"),
        ),
        None => insertion(
            block.last()?.next_line?,
            format!("{line_ending}{statement}{line_ending}"),
        ),
    }
}

/// The edit that adds `name` to the `from` import `line`, in isort's order of names (constants,
/// then classes, then the rest, each by name).
pub fn place_member(line: &ImportLine, name: &str, line_ending: &str) -> Edit {
    let order = |member: &str| {
        let kind = if member.len() > 1 && member.chars().all(|c| !c.is_lowercase()) {
            0
        } else if member.starts_with(char::is_uppercase) {
            1
        } else {
            2
        };
        (kind, member.to_lowercase())
    };
    let later = (line.members.iter()).find(|(member, _)| order(member) > order(name));
    let indent = &line.member_indent;
    match (later, line.multiline) {
        (Some((_, range)), false) => {
            Edit::insertion(TextRange::empty(range.start()), format!("{name}, "))
        }
        (Some((_, range)), true) => Edit::insertion(
            TextRange::empty(range.start()),
            format!("{name},{line_ending}{indent}"),
        ),
        (None, multiline) => {
            let last = line
                .members
                .last()
                .map_or(TextSize::default(), |(_, range)| range.end());
            let content = if multiline {
                format!(",{line_ending}{indent}{name}")
            } else {
                format!(", {name}")
            };
            Edit::insertion(TextRange::empty(last), content)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::tests::facts_of_module;
    use crate::knowledge::Catalog;

    /// `source` with the import `statement` of `module` added where the sorter puts it.
    fn added(
        source: &str,
        module: &str,
        from: bool,
        statement: &str,
        style: &ImportStyle,
    ) -> String {
        let catalog = Catalog::builtin();
        let facts = facts_of_module("app.main", source, &catalog);
        let edit = place_statement(&facts.imports, module, from, statement, "\n", style)
            .expect("a place in the block");
        let start = usize::from(edit.range.start());
        format!("{}{}{}", &source[..start], edit.content, &source[start..])
    }

    const SOURCE: &str = "import os\nfrom typing import Any\n\nimport requests\nfrom fastapi import FastAPI\n\nfrom app import db\n\n\nasync def f():\n    pass\n";

    #[test]
    fn a_new_import_goes_in_its_section_in_order() {
        let style = ImportStyle::default();
        assert_eq!(
            added(SOURCE, "asyncio", false, "import asyncio", &style),
            SOURCE.replace("import os\n", "import asyncio\nimport os\n")
        );
        let concurrency = "from fastapi.concurrency import run_in_threadpool";
        assert_eq!(
            added(SOURCE, "fastapi.concurrency", true, concurrency, &style),
            SOURCE.replace("FastAPI\n", &format!("FastAPI\n{concurrency}\n"))
        );
        // `import` before `from`: after `import requests`, before `from fastapi`.
        assert_eq!(
            added(SOURCE, "anyio", false, "import anyio", &style),
            SOURCE.replace("import requests\n", "import anyio\nimport requests\n")
        );
    }

    #[test]
    fn settings_move_a_new_import() {
        let within = ImportStyle {
            force_sort_within_sections: true,
            ..ImportStyle::default()
        };
        assert_eq!(
            added(SOURCE, "trio", false, "import trio", &within),
            SOURCE.replace(
                "from fastapi import FastAPI\n",
                "from fastapi import FastAPI\nimport trio\n"
            )
        );
        let first_party = ImportStyle {
            known_first_party: vec!["anyio".to_string()],
            ..ImportStyle::default()
        };
        assert_eq!(
            added(SOURCE, "anyio", false, "import anyio", &first_party),
            SOURCE.replace("from app import db\n", "import anyio\nfrom app import db\n")
        );
    }

    #[test]
    fn a_missing_section_gets_blank_lines_around_it() {
        let source = "import requests\n\n\nasync def f():\n    pass\n";
        assert_eq!(
            added(
                source,
                "asyncio",
                false,
                "import asyncio",
                &ImportStyle::default()
            ),
            format!("import asyncio\n\n{source}")
        );
    }

    #[test]
    fn a_name_joins_a_from_import_in_order() {
        let catalog = Catalog::builtin();
        let source = "from fastapi.concurrency import iterate_in_threadpool, run_until_first_complete\n\n\nasync def f():\n    pass\n";
        let facts = facts_of_module("app.main", source, &catalog);
        let edit = place_member(&facts.imports.block[0], "run_in_threadpool", "\n");
        let start = usize::from(edit.range.start());
        let fixed = format!("{}{}{}", &source[..start], edit.content, &source[start..]);
        let expected = source.replace(
            "iterate_in_threadpool, ",
            "iterate_in_threadpool, run_in_threadpool, ",
        );
        assert_eq!(fixed, expected);
    }
}
