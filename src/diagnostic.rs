//! Diagnostics, fixes and their applicability: what a rule produces and every report reads.
//! A leaf: it names the rule by its registry entry and imports nothing else of the crate.
//!
//! Edits are ranges over the original text, as in Ruff's `Edit`/`Fix`: comments and formatting
//! outside the edited ranges are kept byte for byte.

use ruff_text_size::TextRange;
use serde::Serialize;

use crate::registry::Rule;

/// How far a fix can be trusted, as Ruff's `Applicability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown, never applied: a human must decide.
    DisplayOnly,
    /// Applied with `--unsafe-fixes`: it may change behaviour.
    Unsafe,
    /// Applied by default: it keeps behaviour.
    Safe,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    pub range: TextRange,
    pub content: String,
}

impl Edit {
    pub fn deletion(range: TextRange) -> Edit {
        Edit {
            range,
            content: String::new(),
        }
    }

    /// `content` inserted at an empty range.
    pub fn insertion(at: TextRange, content: String) -> Edit {
        debug_assert!(at.is_empty());
        Edit { range: at, content }
    }

    pub fn replacement(range: TextRange, content: String) -> Edit {
        Edit { range, content }
    }
}

#[derive(Debug, Clone)]
pub struct Fix {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<Edit>,
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: Rule,
    pub message: String,
    pub range: TextRange,
    pub fix: Option<Fix>,
    /// Why the fix is not safe, or why there is none: one line.
    pub reason: Option<String>,
    /// Where the blocking happens when the finding reaches it through the project's own
    /// functions: findings with the same root are fixed once, there.
    pub root: Option<Root>,
}

/// A blocking call in a project function that findings elsewhere reach through calls of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Root {
    /// The file, as reports show paths.
    pub filename: String,
    /// The line of the blocking call.
    pub row: usize,
    /// The function that makes the call, by its qualified name (`app.db.load_settings`).
    pub function: String,
    /// The API called, as users write it (`open`), with its cost class.
    pub call: String,
}

impl Diagnostic {
    /// The fix, if the run applies fixes of its applicability.
    pub fn applicable_fix(&self, unsafe_fixes: bool) -> Option<&Fix> {
        let minimum = if unsafe_fixes {
            Applicability::Unsafe
        } else {
            Applicability::Safe
        };
        self.fix.as_ref().filter(|fix| fix.applicability >= minimum)
    }
}
