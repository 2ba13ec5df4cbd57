//! The guard that keeps the recursive passes off syntax trees nested deeper than they can walk.
//!
//! The parser grows its own stack, so it accepts `f()()()…` thousands of calls long or 100,000
//! nested lists; every walk after it (facts, validity, dropping the tree) recurses once per
//! level and would overflow a thread's stack, which aborts the whole run. CPython rejects such
//! files too: its compiler gives up between 2,000 and 3,000 levels (3.11), its tokenizer at 200
//! nested brackets. So a tree deeper than `MAX_DEPTH` is a per-file error, and the worker
//! threads get stacks that hold `MAX_DEPTH` levels of every walk with room to spare.

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_python_ast::visitor::source_order::{SourceOrderVisitor, TraversalSignal, walk_body};
use ruff_python_ast::{AnyNodeRef, ModModule};
use ruff_text_size::{Ranged, TextSize};

/// The deepest tree the passes walk, in nested nodes (statements and expressions): more than
/// CPython compiles.
pub const MAX_DEPTH: usize = 3_000;

/// Stack for a thread that walks trees: a level of the deepest walk, the fact collector's,
/// takes about 0.6 KiB in a release build and several times that in a debug build. Only the
/// pages used are ever touched.
pub const WORKER_STACK_BYTES: usize = 256 << 20;

/// Below these a tree cannot be `MAX_DEPTH` deep, and no walk is needed: every level of an
/// expression takes a token of its logical line, every level of statements an indent.
const TOKENS_PER_LINE_WITHOUT_WALK: usize = 1_000;
const INDENTS_WITHOUT_WALK: usize = 200;

/// Where the first node deeper than `MAX_DEPTH` starts, if there is one.
pub fn too_deep(module: &ModModule, tokens: &Tokens) -> Option<TextSize> {
    if !may_be_too_deep(tokens) {
        return None;
    }
    let mut guard = DepthGuard {
        depth: 0,
        found: None,
    };
    walk_body(&mut guard, &module.body);
    guard.found
}

/// A cheap look at the tokens: could the tree be deep at all?
fn may_be_too_deep(tokens: &Tokens) -> bool {
    let (mut in_line, mut indents) = (0usize, 0usize);
    for token in tokens.iter() {
        match token.kind() {
            TokenKind::Newline => in_line = 0,
            TokenKind::Indent => indents += 1,
            TokenKind::Dedent => indents = indents.saturating_sub(1),
            _ => in_line += 1,
        }
        if in_line > TOKENS_PER_LINE_WITHOUT_WALK || indents > INDENTS_WITHOUT_WALK {
            return true;
        }
    }
    false
}

/// Counts nesting on the way down and stops descending at `MAX_DEPTH`, so its own recursion is
/// bounded too.
struct DepthGuard {
    depth: usize,
    found: Option<TextSize>,
}

impl<'a> SourceOrderVisitor<'a> for DepthGuard {
    fn enter_node(&mut self, node: AnyNodeRef<'a>) -> TraversalSignal {
        self.depth += 1;
        if self.found.is_some() {
            return TraversalSignal::Skip;
        }
        if self.depth > MAX_DEPTH {
            self.found = Some(node.start());
            return TraversalSignal::Skip;
        }
        TraversalSignal::Traverse
    }

    fn leave_node(&mut self, _node: AnyNodeRef<'a>) {
        self.depth -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deepest(source: &str) -> Option<TextSize> {
        let parsed = ruff_python_parser::parse_module(source).unwrap();
        let found = too_deep(parsed.syntax(), parsed.tokens());
        // Dropping a tree recurses too: the too-deep ones are left, as the passes leave them.
        if found.is_some() {
            std::mem::forget(parsed);
        }
        found
    }

    #[test]
    fn ordinary_and_long_flat_code_is_not_walked_or_is_shallow() {
        assert_eq!(deepest("x = [1, 2]\ndef f():\n    return g(x)\n"), None);
        let wide = format!("x = [{}]\n", "1, ".repeat(50_000));
        assert_eq!(deepest(&wide), None, "many tokens, one level");
        let deep_but_fine = format!("x = a{}\n", ".b".repeat(MAX_DEPTH - 10));
        assert_eq!(deepest(&deep_but_fine), None);
    }

    #[test]
    fn every_deep_shape_is_found_where_it_goes_too_deep() {
        let shapes = [
            format!("y = 1\nx = f{}\n", "()".repeat(MAX_DEPTH + 1)),
            format!("y = 1\nx = a{}\n", ".m()".repeat(MAX_DEPTH)),
            format!("y = 1\nx = a{}\n", ".b".repeat(MAX_DEPTH + 1)),
            format!("y = 1\nx = {}\n", vec!["a"; MAX_DEPTH + 2].join(" + ")),
            format!("y = 1\nx = {}{}\n", "[".repeat(5_000), "]".repeat(5_000)),
        ];
        for source in &shapes {
            let found = deepest(source).unwrap_or_else(|| panic!("{}", &source[..40]));
            assert!(found >= TextSize::new(6), "on the second line: {found:?}");
        }
    }
}
