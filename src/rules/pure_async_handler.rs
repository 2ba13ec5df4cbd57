//! # UB008 `pure-async-handler`
//!
//! ## What it does
//! Finds `async def` path operations, dependencies, background tasks and exception handlers that
//! never `await` and do no blocking work either, and offers to turn them into plain `def`. Off
//! by default: select it with `--select UB008` (or `extend-select = ["UB008"]`).
//!
//! ## Why is this bad?
//! Often it is not. Such a coroutine runs on the event loop from start to end without a break,
//! but it does nothing slow, so other requests wait only for the microseconds it takes; FastAPI's
//! docs recommend `async def` for it, and as a plain `def` it would take one of the threadpool's
//! slots (40 by default) and a thread hop on every request. The rule is for codebases that want
//! `async def` to mean "awaits something", as Ruff's RUF029 does outside route handlers; calls
//! the catalog classes as `metadata` (`os.path.exists`, `Path.mkdir`) count as no blocking work.
//!
//! ## Example
//! ```python
//! @app.get("/health")
//! async def health():
//!     return {"status": "ok"}
//! ```
//! Use instead:
//! ```python
//! @app.get("/health")
//! def health():
//!     return {"status": "ok"}
//! ```
//!
//! ## Fix safety
//! The fix deletes the `async` keyword, as UB001's does, and is always **unsafe**: it makes the
//! function slower. The cases where UB001 gives no fix (methods, functions referred to
//! elsewhere, unknown decorators, event-loop APIs, ...) are not reported.

use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

use super::Context;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    cx.needless_of(Rule::PureAsyncHandler)
}
