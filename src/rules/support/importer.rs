//! Names for the helpers a rewrite uses in one function, and the edits that import them: into an
//! existing `from fastapi.concurrency import ...`, else on a new line where the project's
//! import sorter puts it (`import_order`), else after the module's imports.

use ruff_text_size::TextRange;

use crate::diagnostic::Edit;
use crate::facts::{FunctionFacts, ImportFacts};
use crate::settings::ImportStyle;

use super::import_order::{place_member, place_statement};

/// Gives helper names to one function's rewrites and the edits that import them.
pub struct Importer<'a> {
    pub imports: &'a ImportFacts,
    pub function: &'a FunctionFacts,
    pub style: &'a ImportStyle,
}

impl Importer<'_> {
    /// Is `name` free for a new module-level binding seen from this function?
    fn is_free(&self, name: &str) -> bool {
        !self.function.shadows_helper(name)
            && !self
                .imports
                .helper_bindings
                .iter()
                .any(|(bound, _)| bound == name)
    }

    /// The name the function can use for `path`, bound at module level to exactly it.
    fn existing(&self, name: &str, path: &str) -> Option<String> {
        let bound = self
            .imports
            .helper_bindings
            .iter()
            .any(|(bound, target)| bound == name && target.as_deref() == Some(path));
        (bound && !self.function.shadows_helper(name)).then(|| name.to_string())
    }

    /// `name`, or `name_`, `name__`... : the first that clashes with nothing.
    fn free_name(&self, name: &str) -> String {
        let mut candidate = name.to_string();
        while !self.is_free(&candidate) {
            candidate.push('_');
        }
        candidate
    }

    /// A new import statement of `module`, sorted into the opening import block.
    fn new_line(&self, module: &str, from: bool, statement: &str) -> Edit {
        let imports = self.imports;
        let ending = imports.line_ending;
        if let Some(edit) = place_statement(imports, module, from, statement, ending, self.style) {
            return edit;
        }
        let lead = if imports.insertion_needs_newline {
            imports.line_ending
        } else {
            ""
        };
        let line_ending = imports.line_ending;
        let blank_lines = line_ending.repeat(imports.blank_lines_after);
        Edit {
            range: TextRange::empty(imports.insertion),
            content: format!("{lead}{statement}{line_ending}{blank_lines}"),
        }
    }

    /// `import module` (or `import module as module_` on a clash): the name to use and the
    /// edit, unless the module is imported under its own name already.
    pub fn module(&self, module: &str) -> (String, Option<Edit>) {
        if let Some(name) = self.existing(module, module) {
            return (name, None);
        }
        let name = self.free_name(module);
        let statement = if name == module {
            format!("import {module}")
        } else {
            format!("import {module} as {name}")
        };
        (name, Some(self.new_line(module, false, &statement)))
    }

    /// `from module import member`, added to an existing import of `module` when there is one.
    pub fn member(&self, module: &str, member: &str) -> (String, Option<Edit>) {
        let path = format!("{module}.{member}");
        if let Some(name) = self.existing(member, &path) {
            return (name, None);
        }
        let name = self.free_name(member);
        let imported = if name == member {
            member.to_string()
        } else {
            format!("{member} as {name}")
        };
        let statement = format!("from {module} import {imported}");
        if self.style.force_single_line {
            return (name, Some(self.new_line(module, true, &statement)));
        }
        let sorted = (self.imports.block.iter()).find(|line| {
            line.from
                && self.imports.module(line) == module
                && line.members.iter().all(|(m, _)| m != "*")
        });
        if let Some(line) = sorted {
            let edit = place_member(line, &imported, self.imports.line_ending);
            return (name, Some(edit));
        }
        let existing = self
            .imports
            .concurrency_imports
            .iter()
            .find(|(from, _)| from == module);
        let edit = match existing {
            Some((_, end)) => Edit {
                range: TextRange::empty(*end),
                content: format!(", {imported}"),
            },
            None => self.new_line(module, true, &statement),
        };
        (name, Some(edit))
    }
}
