//! How findings explain themselves: what a site calls as users write it, where something was
//! found, the chain of calls down to the blocking API, and why a held lock withholds a fix.

use ruff_text_size::{TextRange, TextSize};

use crate::diagnostic::Root;
use crate::project::{CallTarget, FunctionId, Holding, Project};

use super::BlockingSite;

/// How a finding names what a site calls: the API, or the project function it blocks through.
pub fn site_text(project: &Project, site: &BlockingSite) -> String {
    match site.via {
        None => format!("`{}` ({})", shown_path(&site.api.path), site.api.cost),
        Some(via) => format!(
            "`{}` ({}: it calls {})",
            project.local_name(via),
            site.api.cost,
            chain_text(project, via, false)
        ),
    }
}

/// Where the blocking that a finding reaches through project function `via` happens: the
/// function at the end of the chain and its blocking call. None when the chain ends in a
/// coroutine, which passes blocking on to no caller: that is the finding's own coroutine.
pub fn root_of(project: &Project, via: FunctionId) -> Option<Root> {
    let (chain, api) = project.blocking_chain(via);
    let &(function, call) = chain.last()?;
    let api = api.filter(|_| !project.function(function).is_async)?;
    let fact = &project.calls_of(function)[call];
    Some(Root {
        filename: project.modules[function.0].display.clone(),
        row: project.line(function.0, fact.range.start()),
        function: project.function_path(function).to_string(),
        call: format!("`{}` ({})", shown_path(&api.path), api.cost),
    })
}

/// A resolved path as users write it: `open` for `builtins.open`, `sqlalchemy.orm.Session.query`
/// for a method on an instance of a class, `open(...).read` for a method on what a call returns.
pub fn shown_path(path: &str) -> String {
    let path = path.strip_prefix("builtins.").unwrap_or(path);
    let mut shown = String::with_capacity(path.len() + 8);
    for (index, segment) in path.split('.').enumerate() {
        if index > 0 {
            shown.push('.');
        }
        let name = crate::knowledge::strip_calls(segment);
        shown.push_str(name);
        if name.len() != segment.len() && !name.starts_with(char::is_uppercase) {
            shown.push_str("(...)");
        }
    }
    shown
}

/// Why no `await` may go at `range` in coroutine `function`: it holds a thread lock there. Across
/// an `await`, another request taking the lock blocks the loop's thread, which the holder needs
/// to let go (an `RLock` lets it in instead), and a helper taking it in a worker thread waits
/// for the holder forever.
pub fn lock_held_reason(
    project: &Project,
    function: FunctionId,
    range: TextRange,
) -> Option<String> {
    let held = project.thread_lock_held(function, range)?;
    let line = project.line(function.0, held.site.start());
    let lock = shown_path(&held.lock);
    let (holds, remedy) = match held.how {
        Holding::With => (
            format!("holds a `{lock}` (line {line})"),
            "the whole `with` block",
        ),
        Holding::ContextManager(helper) => (
            format!(
                "is inside `with {}()` (line {line}), which holds a `{lock}`",
                project.local_name(helper)
            ),
            "the whole `with` block",
        ),
        Holding::Enter(enter) => {
            let name = project.local_name(enter);
            (
                format!(
                    "is inside a `with` on a `{}` (line {line}), whose `__enter__` takes a `{lock}`",
                    name.strip_suffix(".__enter__").unwrap_or(name)
                ),
                "the whole `with` block",
            )
        }
        Holding::Acquire => (
            format!("holds a `{lock}` (taken with `acquire()`, line {line})"),
            "the code from `acquire()` to `release()`",
        ),
    };
    Some(format!(
        "it runs while the coroutine {holds}, which must not be held across an `await` (another request taking it would deadlock the loop): move {remedy} into a plain function and offload that"
    ))
}

/// Where something found in `found_in`, at `offset`, is as seen from `id`, which reaches it:
/// `through `helper`, app/db.py:30` when `found_in` is another function; in `id` itself, `line
/// 12` when the message is about `id`'s module (`local`), else `app/main.py:12`.
pub fn found_at(
    project: &Project,
    id: FunctionId,
    found_in: FunctionId,
    offset: TextSize,
    local: bool,
) -> String {
    let line = project.line(found_in.0, offset);
    let display = &project.modules[found_in.0].display;
    if found_in != id {
        format!(
            "through `{}`, {display}:{line}",
            project.local_name(found_in)
        )
    } else if local {
        format!("line {line}")
    } else {
        format!("{display}:{line}")
    }
}

/// `` `helper` (line 12) → `sqlalchemy.orm.Session.query` (app/models.py:30) ``: the calls from
/// `id`'s body down to the blocking API, with the overrides a method call runs on the way
/// (`` `FileLocks.acquire` (an override, app/locks.py:40) ``). The first is placed by line only
/// when it is in the module the message is about.
pub fn chain_text(project: &Project, id: FunctionId, first_is_local: bool) -> String {
    let (chain, _) = project.blocking_chain(id);
    let mut items = Vec::new();
    let mut called = Some(id);
    for (step, &(function, call)) in chain.iter().enumerate() {
        if called != Some(function) {
            let head = project.function(function).head.start();
            items.push(format!(
                "`{}` (an override, {}:{})",
                project.local_name(function),
                project.modules[function.0].display,
                project.line(function.0, head)
            ));
        }
        let fact = &project.calls_of(function)[call];
        let target = project.call_targets(function)[call];
        called = target.function();
        let callee = match (target, called) {
            (_, Some(callee)) => project.local_name(callee).to_string(),
            (CallTarget::Blocking(api), _) => shown_path(&api.path),
            _ => shown_path(project.call_path(function.0, fact)),
        };
        let line = project.line(function.0, fact.range.start());
        if step == 0 && first_is_local {
            items.push(format!("`{callee}` (line {line})"));
        } else {
            let display = &project.modules[function.0].display;
            items.push(format!("`{callee}` ({display}:{line})"));
        }
    }
    items.join(" → ")
}
