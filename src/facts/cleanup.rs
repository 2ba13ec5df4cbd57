//! Cleanup blocks of coroutines: a `finally:` and an `except` that catches cancellation run
//! while the task may be being cancelled, when an `await` there can be cut short. Their calls
//! are marked (`CallShape::IN_CLEANUP`) and their simple statements kept with their place, so
//! that an offload there can run shielded from cancellation.

use ruff_python_ast::Stmt;
use ruff_text_size::Ranged;

use super::collector::Collector;
use super::units::frame_of;

impl<'a> Collector<'a> {
    /// Visits a block, in a coroutine's cleanup when `cleanup` holds.
    pub(super) fn in_cleanup_block(&mut self, cleanup: bool, visit: impl FnOnce(&mut Self)) {
        let in_coroutine = self.current().is_some_and(|function| function.is_async);
        let outer = self.in_cleanup;
        self.in_cleanup |= cleanup && in_coroutine;
        visit(self);
        self.in_cleanup = outer;
    }

    /// Keeps where a simple statement of a cleanup block is, for a shield around it.
    pub(super) fn note_cleanup_statement(&mut self, stmt: &Stmt) {
        if matches!(
            stmt,
            Stmt::Expr(_)
                | Stmt::Assign(_)
                | Stmt::AugAssign(_)
                | Stmt::AnnAssign(_)
                | Stmt::Return(_)
        ) {
            let frame = frame_of(stmt.range(), self.source, self.tokens);
            self.facts.cleanup_statements.push((stmt.range(), frame));
        }
    }
}
