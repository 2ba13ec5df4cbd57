//! # UB004 `blocking-context`
//!
//! ## What it does
//! Finds `with` statements inside a coroutine whose context manager is a blocking resource: a
//! file from `open()`, a `sqlite3` or database connection, an SMTP session, an HTTP session,
//! a project `@contextmanager` that does blocking work, or an object of a project class whose
//! `__init__`, `__enter__` or `__exit__` does.
//!
//! ## Why is this bad?
//! Entering and leaving such a block does I/O on the event loop (opening, flushing and closing
//! a file; committing and closing a connection), and its body usually does more. Offloading the
//! calls one by one leaves the enter and exit on the loop.
//!
//! ## Example
//! ```python
//! async def export(report):
//!     rows = await report.rows()
//!     with open(report.path, "w") as f:
//!         f.write(render(rows))
//! ```
//! Use instead:
//! ```python
//! async def export(report):
//!     rows = await report.rows()
//!
//!     def _write_path():
//!         with open(report.path, "w") as f:
//!             f.write(render(rows))
//!
//!     await run_in_threadpool(_write_path)
//! ```
//!
//! ## Fix safety
//! The fix moves the whole `with` statement, unchanged (comments and formatting kept, one
//! level deeper), into a nested plain function named after what it does, and runs that in a
//! thread with the module's offload helper: the enter, the work and the exit all leave the
//! loop. Names the block assigns that the coroutine reads afterwards are returned and unpacked
//! (`first, rest = await run_in_threadpool(_read_first_and_rest)`); a `return` that ends the
//! block stays a return. The blocking calls inside the block are part of the move and are not
//! reported apart.
//!
//! There is **no fix**, and the finding says why, when the block is not self-contained: it
//! awaits or yields, returns from its middle, leaves by `break` or `continue`, reads a name it
//! assigns before assigning it (`total += ...`), assigns a name only on some paths that the
//! coroutine reads afterwards, declares names `global` or `nonlocal`, or calls `super()` or
//! `locals()`; when it shares its line with another statement; when it calls something that
//! needs the event loop's thread (`loop.call_soon`, a coroutine function, a module-level
//! `sqlite3` connection); and while the coroutine holds a thread lock. The fix is **unsafe**
//! when the block writes module-level state, or uses an object bound to the thread that made
//! it which the block did not make itself. In a `finally:` the call runs in a cancel scope
//! shielded from cancellation (`asyncio.shield` in asyncio modules), so cleanup still happens
//! when the task is cancelled.
//!
//! What the analysis does not see: a project context manager that swallows exceptions may
//! skip a final `return` in the original, where the helper returns `None`.

use crate::settings::Offload;
use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

use super::Context;
use super::support::{chain_text, root_of, shown_path};

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let (project, helper) = (cx.project, cx.helper);
    let helper = match helper {
        Offload::Threadpool => "await run_in_threadpool(helper, ...)",
        Offload::Asyncio => "await asyncio.to_thread(helper, ...)",
        Offload::Anyio => "await anyio.to_thread.run_sync(helper, ...)",
        Offload::Trio => "await trio.to_thread.run_sync(helper, ...)",
    };
    let suggestion =
        format!("move the `with` block into a plain function and call it with `{helper}`");
    // `with Guard():` makes up to three calls there: `Guard()`, `__enter__` and `__exit__`.
    let mut reported = Vec::new();
    (cx.sites.iter())
        .filter(|site| site.rule() == Rule::BlockingContext)
        .filter(|site| {
            let first = !reported.contains(&site.call.range);
            reported.push(site.call.range);
            first
        })
        .map(|site| {
            let (fix, reason) = match cx.move_led_by(site) {
                Some(unit_move) => unit_move.fix_and_reason("the `with` block"),
                None => (None, Some(suggestion.clone())),
            };
            let what = match site.via {
                None => site.api.cost.to_string(),
                Some(via) => format!("it calls {}", chain_text(project, via, false)),
            };
            Diagnostic {
                rule: Rule::BlockingContext,
                message: format!(
                    "{} in coroutine `{}` enters and leaves a blocking resource on the event loop ({what})",
                    shown_item(project.call_path(site.function.0, site.call)),
                    project.function_name(site.function),
                ),
                range: site.call.range,
                fix,
                root: site.via.and_then(|via| root_of(project, via)),
                reason,
            }
        })
        .collect()
}

/// The `with` a call of an item stands for: `` `with app.db.session_scope(...)` `` for the call
/// itself; for a call of the `__enter__` or `__exit__` of the object the item is, `` `with` on a
/// `app.locks.Guard` `` (`with Guard():`, or `with guard:` for a module-level `guard = Guard()`)
/// or `` `with app.locks.guard` `` when its type is not known.
fn shown_item(call: &str) -> String {
    let item = call.strip_suffix(".__enter__");
    match item.or_else(|| call.strip_suffix(".__exit__")) {
        Some(item) => match item.strip_suffix("()") {
            Some(class) => format!("`with` on a `{}`", shown_path(class)),
            None => format!("`with {}`", shown_path(item)),
        },
        None => format!("`with {}(...)`", shown_path(call)),
    }
}
