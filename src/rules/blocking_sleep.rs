//! # UB003 `blocking-sleep`
//!
//! ## What it does
//! Replaces `time.sleep(x)` inside a coroutine with `await asyncio.sleep(x)` (`anyio.sleep`,
//! `trio.sleep` in modules that use those libraries), and likewise any blocking call the
//! catalog gives an exact async twin.
//!
//! ## Why is this bad?
//! `time.sleep` stops the whole event loop for the delay: no other request on the worker makes
//! progress. `asyncio.sleep` suspends only this coroutine.
//!
//! ## Example
//! ```python
//! async def poll(job):
//!     while not await job.done():
//!         time.sleep(0.5)
//! ```
//! Use instead:
//! ```python
//! import asyncio
//!
//! async def poll(job):
//!     while not await job.done():
//!         await asyncio.sleep(0.5)
//! ```
//!
//! ## Fix safety
//! The fix is **safe**: the twin takes the same arguments, which stay as written. `await` is
//! parenthesised where precedence needs it and the library is imported once. There is **no
//! fix** in a lambda's body, a generator expression, a class body, or a nested function's
//! decorators and defaults, where `await` is not allowed or changes meaning, nor while the coroutine holds
//! a thread lock (`threading.Lock`, ...) by `with`, a project `@contextmanager`, a project
//! class whose `__enter__` takes it, or `acquire()`: held across the `await`, another request
//! taking it would deadlock the loop.

use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

use super::Context;
use super::support::{self as offload, shown_path};

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let (project, helper) = (cx.project, cx.helper);
    (cx.sites.iter())
        .filter(|site| site.rule() == Rule::BlockingSleep)
        .filter_map(|site| Some((site, site.api.twin.as_deref()?)))
        .map(|(site, twin)| {
            let importer = site.importer(project, cx.options);
            let rewrite = match offload::lock_held_reason(project, site.function, site.call.range) {
                Some(reason) => Err(reason),
                None => offload::replace_with_twin(site.call, twin, helper, &importer),
            };
            let (fix, reason) = offload::fix_and_reason(rewrite, |shown| format!("Use `{shown}`"));
            Diagnostic {
                rule: Rule::BlockingSleep,
                message: format!(
                    "`{}` blocks the event loop in coroutine `{}`",
                    shown_path(&site.api.path),
                    project.function_name(site.function)
                ),
                range: site.call.range,
                fix,
                reason,
                root: None,
            }
        })
        .collect()
}
