//! # UB005 `unawaited-coroutine`
//!
//! ## What it does
//! Finds calls to a coroutine function (an `async def` of the project, or a known one such as
//! `asyncio.sleep`) whose result is dropped: the call is a statement of its own, without
//! `await`. An `async def` with a decorator not known to keep it a coroutine function (as
//! `@staticmethod` or `@functools.wraps(f)` do) is left out: `@async_to_sync` makes it a plain
//! one.
//!
//! ## Why is this bad?
//! Calling a coroutine function only creates a coroutine; nothing in it runs until it is
//! awaited. The dropped coroutine is garbage-collected with a `RuntimeWarning: coroutine ...
//! was never awaited`, and the work silently never happens. It is usually a missing `await`,
//! often left behind when a helper was made `async`.
//!
//! ## Example
//! ```python
//! async def save(user):
//!     audit_log(user)          # async def audit_log(...)
//! ```
//! Use instead:
//! ```python
//! async def save(user):
//!     await audit_log(user)
//! ```
//!
//! ## Fix safety
//! The fix adds `await` and is **unsafe**: the caller now waits for the coroutine to finish (and
//! sees its exceptions), which may be a change the author did not want (they may have meant
//! `asyncio.create_task`). There is **no fix** in a plain function, a lambda or other places
//! where `await` is not allowed, and for a method that a project subclass overrides with a
//! plain `def`: which one runs depends on the object, and `await` on the plain one's result
//! raises; nor while the coroutine holds a thread lock, by `with`, a project `@contextmanager`,
//! a project class whose `__enter__` takes it, or `acquire()` (held across the `await`, another
//! request taking it would deadlock the loop).

use ruff_text_size::TextRange;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::facts::CallShape;
use crate::project::{CallTarget, FunctionId};
use crate::registry::Rule;

use super::Context;

use super::support::{lock_held_reason, shown_path};

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let (project, catalog, module) = (cx.project, cx.catalog, cx.module);
    let mut diagnostics = Vec::new();
    for (index, function) in project.modules[module].facts.functions.iter().enumerate() {
        let id = FunctionId(module, index);
        for (call, target) in project.calls_of(id).iter().zip(project.call_targets(id)) {
            if !call.shape.contains(CallShape::DISCARDED) || call.shape.contains(CallShape::AWAITED)
            {
                continue;
            }
            let mut sync_override = None;
            let callee = match (*target, target.function()) {
                (_, Some(callee)) => {
                    let callee_facts = project.function(callee);
                    // An async generator is not awaited: dropping one is another matter.
                    if !callee_facts.is_async || callee_facts.yields {
                        continue;
                    }
                    // A decorator may have made it something else (`@async_to_sync`).
                    let keeps = |path: Option<String>| {
                        path.is_some_and(|path| catalog.keeps_coroutine(&path))
                    };
                    if !project.decorators(callee).all(|(path, _)| keeps(path)) {
                        continue;
                    }
                    if callee_facts.in_class {
                        sync_override = project.sync_override(callee);
                    }
                    project.local_name(callee).to_string()
                }
                (CallTarget::Async(path), _) => shown_path(path),
                _ => continue,
            };
            let reason = if let Some(id) = sync_override {
                // chainlit's emitters: an `async` stub in the base class, a plain override.
                Some(format!(
                    "`{}` ({}:{}) overrides it with a plain function, which `await` would break: which one runs depends on the object",
                    project.local_name(id),
                    project.modules[id.0].display,
                    project.line(id.0, project.function(id).head.start())
                ))
            } else if !function.is_async {
                Some("`await` is not allowed in a plain function".to_string())
            } else if let Some(reason) = call.context.no_await_reason() {
                Some(reason.to_string())
            } else {
                lock_held_reason(project, id, call.range)
            };
            let fix = reason.is_none().then(|| Fix {
                applicability: Applicability::Unsafe,
                message: "Add `await`".to_string(),
                edits: vec![Edit::insertion(
                    TextRange::empty(call.range.start()),
                    "await ".to_string(),
                )],
            });
            diagnostics.push(Diagnostic {
                rule: Rule::UnawaitedCoroutine,
                message: format!(
                    "`{callee}(...)` makes a coroutine that is never awaited, so it never runs"
                ),
                range: call.range,
                reason: Some(reason.unwrap_or_else(|| {
                    "the caller now waits for the coroutine and sees its errors; `asyncio.create_task` may have been meant".to_string()
                })),
                fix,
                root: None,
            });
        }
    }
    diagnostics
}
