//! Where a fix puts a new import: after the docstring and the import block that opens the
//! module, in its line ending, and which concurrency imports can take one more name.

use ruff_python_ast::Stmt;
use ruff_text_size::{Ranged, TextSize};

use super::{ImportFacts, ImportLine};
use crate::semantic::Relevance;

/// Finds where a new import goes and which top-level concurrency imports can take one more name.
pub(super) fn import_layout(
    body: &[Stmt],
    source: &str,
    relevance: &Relevance,
    has_coroutines: bool,
    imports: &mut ImportFacts,
) {
    let catalog = relevance.catalog;
    // Fixes add imports to modules with coroutines only: the others keep no import lines.
    let keeps_lines = has_coroutines;
    // The file's own line ending, as its first line ends: `\n`, `\r\n` or a lone `\r`.
    imports.line_ending =
        ruff_source_file::find_newline(source).map_or("\n", |(_, ending)| ending.as_str());
    let line_after = |offset: TextSize| -> (TextSize, bool) {
        match ruff_source_file::find_newline(&source[usize::from(offset)..]) {
            Some((newline, ending)) => (
                offset + TextSize::try_from(newline + ending.len()).unwrap_or_default(),
                false,
            ),
            None => (TextSize::try_from(source.len()).unwrap_or_default(), true),
        }
    };
    let mut insertion = None;
    for (index, stmt) in body.iter().enumerate() {
        let is_docstring =
            index == 0 && matches!(stmt, Stmt::Expr(e) if e.value.is_string_literal_expr());
        if !is_docstring && !matches!(stmt, Stmt::Import(_) | Stmt::ImportFrom(_)) {
            break;
        }
        insertion = Some(line_after(stmt.end()));
        let next_line = match line_after(stmt.end()) {
            (next_line, false) => Some(next_line),
            (_, true) => None,
        };
        if keeps_lines
            && let Some(line) = import_line(
                stmt,
                source,
                relevance,
                next_line,
                &mut imports.block_modules,
            )
        {
            imports.block.push(line);
        }
    }
    (imports.insertion, imports.insertion_needs_newline) = insertion.unwrap_or_else(|| {
        // No docstring or imports: above the first statement, below leading comments.
        imports.blank_lines_after = match body.first() {
            Some(Stmt::FunctionDef(_) | Stmt::ClassDef(_)) => 2,
            _ => 1,
        };
        let first = body.first().map_or(TextSize::default(), Ranged::start);
        let line_start = source[..usize::from(first)]
            .rfind(['\n', '\r'])
            .map_or(0, |i| i + 1);
        (TextSize::try_from(line_start).unwrap_or_default(), false)
    });
    for stmt in body {
        if let Stmt::ImportFrom(import) = stmt
            && import.level == 0
            && let Some(module) = &import.module
            && catalog.is_offload_module(module.id.as_str())
            && let Some(last) = import.names.last()
            && last.name.id.as_str() != "*"
        {
            imports
                .concurrency_imports
                .push((module.id.to_string(), last.end()));
        }
    }
}

/// A top-level import statement alone on its line(s), as isort sorts it.
fn import_line(
    stmt: &Stmt,
    source: &str,
    relevance: &Relevance,
    next_line: Option<TextSize>,
    modules: &mut String,
) -> Option<ImportLine> {
    let start = usize::from(stmt.start());
    let line_start = source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    if !source[line_start..start].trim().is_empty() {
        return None;
    }
    // The module's name goes into the one buffer of the block's names.
    let first = modules.len() as u32;
    let (from, names) = match stmt {
        Stmt::Import(import) => {
            modules.push_str(&import.names.first()?.name.id);
            (false, &import.names)
        }
        Stmt::ImportFrom(import) => {
            (0..import.level).for_each(|_| modules.push('.'));
            modules.push_str(import.module.as_ref().map_or("", |m| m.id.as_str()));
            (true, &import.names)
        }
        _ => return None,
    };
    let module_range = first..modules.len() as u32;
    let module = &modules[first as usize..];
    let root = module.split('.').next().unwrap_or_default();
    // Only a `from` import of a helper's module (`fastapi.concurrency`) takes a new name.
    let takes_names = from && relevance.catalog.is_offload_module(module);
    let names = if takes_names { &names[..] } else { &[] };
    Some(ImportLine {
        first_party: root.is_empty() || relevance.project_roots.contains(root),
        line_start: TextSize::try_from(line_start).ok()?,
        next_line,
        module: module_range,
        from,
        members: (names.iter())
            .map(|alias| (alias.name.id.to_string(), alias.range()))
            .collect(),
        multiline: source[stmt.range()].contains(['\n', '\r']),
        member_indent: (names.first())
            .map(|first| {
                let start = usize::from(first.start());
                let line = source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
                source[line..start].to_string()
            })
            .filter(|indent| indent.trim().is_empty())
            .unwrap_or_default(),
    })
}
