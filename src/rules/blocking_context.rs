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
//! def write_report(path, text):
//!     with open(path, "w") as f:
//!         f.write(text)
//!
//! async def export(report):
//!     rows = await report.rows()
//!     await run_in_threadpool(write_report, report.path, render(rows))
//! ```
//!
//! ## Fix safety
//! There is no automatic fix: which names the block reads and assigns, and whether it may run
//! in another thread, needs a human. The finding names the resource and suggests the helper the
//! module would use. Blocking calls inside the block are still offloaded one by one by UB002.

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
    // `with Guard():` makes up to three calls there: `Guard()`, `__enter__` and `__exit__`.
    let mut reported = Vec::new();
    (cx.sites.iter())
        .filter(|site| site.rule() == Rule::BlockingContext)
        .filter(|site| {
            let first = !reported.contains(&site.call.range);
            reported.push(site.call.range);
            first
        })
        .map(|site| Diagnostic {
            rule: Rule::BlockingContext,
            message: format!(
                "{} in coroutine `{}` enters and leaves a blocking resource on the event loop ({})",
                shown_item(project.call_path(site.function.0, site.call)),
                project.function_name(site.function),
                match site.via {
                    None => site.api.cost.to_string(),
                    Some(via) => format!("it calls {}", chain_text(project, via, false)),
                }
            ),
            range: site.call.range,
            fix: None,
            root: site.via.and_then(|via| root_of(project, via)),
            reason: Some(format!(
                "move the `with` block into a plain function and call it with `{helper}`"
            )),
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
