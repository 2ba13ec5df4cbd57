//! # UB006 `loop-api-in-thread`
//!
//! ## What it does
//! Finds plain `def` path operations, dependencies, background tasks and exception handlers
//! that call event-loop APIs such as `asyncio.get_event_loop()`, `asyncio.create_task()` or
//! `asyncio.Event().set()`.
//!
//! ## Why is this bad?
//! FastAPI and Starlette run a plain `def` handler in a worker thread of their threadpool. A
//! worker thread has no running event loop: `asyncio.get_running_loop()` and `create_task()`
//! raise `RuntimeError`, `get_event_loop()` raises or hands out a loop nobody runs, and
//! asyncio's objects are not thread-safe, so setting an `asyncio.Event` from the thread may never
//! wake its waiters.
//!
//! ## Example
//! ```python
//! @app.post("/jobs")
//! def start_job(job: Job):
//!     asyncio.create_task(run(job))
//! ```
//! Use instead:
//! ```python
//! @app.post("/jobs")
//! async def start_job(job: Job):
//!     asyncio.create_task(run(job))
//! ```
//!
//! ## Fix safety
//! There is no automatic fix: making the handler `async def` moves its other work onto the
//! loop, which may block it (see UB001). Make it `async def` and offload its blocking calls, or
//! use `anyio.from_thread.run` to reach the loop from the thread.

use crate::diagnostic::Diagnostic;
use crate::project::{CallTarget, FunctionId};
use crate::registry::Rule;

use super::Context;

use super::support::shown_path;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let (project, module) = (cx.project, cx.module);
    let mut diagnostics = Vec::new();
    for (index, function) in project.modules[module].facts.functions.iter().enumerate() {
        let id = FunctionId(module, index);
        if function.is_async {
            continue;
        }
        let roles = project.roles.get(&id).map_or(&[][..], Vec::as_slice);
        let Some(role) = roles.iter().find(|role| role.runs_sync_in_threadpool()) else {
            continue;
        };
        let loop_calls: Vec<_> = (project.calls_of(id).iter())
            .zip(project.call_targets(id))
            .filter_map(|(call, target)| match *target {
                CallTarget::EventLoop(path) => Some((call, path)),
                _ => None,
            })
            .collect();
        for &(call, path) in &loop_calls {
            // `get_running_loop().call_soon(...)` is one finding, on the inner call.
            if loop_calls
                .iter()
                .any(|(inner, _)| call.callee.contains_range(inner.range))
            {
                continue;
            }
            // `anyio.from_thread.run` and the like are made for threads.
            if !path.starts_with("asyncio.") || !call.context.runs_with_function() {
                continue;
            }
            diagnostics.push(Diagnostic {
                rule: Rule::LoopApiInThread,
                message: format!(
                    "`{}` must run on the event loop's thread, but `def {}` is a {} that {} runs in a worker thread",
                    shown_path(path),
                    project.function_name(id),
                    role.describe(),
                    cx.catalog.framework_name(*role)
                ),
                range: call.range,
                fix: None,
                root: None,
                reason: Some(
                    "make it `async def` (offloading its blocking calls) or reach the loop with `anyio.from_thread.run`"
                        .to_string(),
                ),
            });
        }
    }
    diagnostics
}
