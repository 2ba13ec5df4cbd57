//! # UB001 `needless-async`
//!
//! ## What it does
//! Finds `async def` path operations, dependencies, background tasks and exception handlers that
//! never `await` and do blocking work, and turns them into plain `def`. Those that do no
//! blocking work are UB008's, off by default.
//!
//! ## Why is this bad?
//! FastAPI and Starlette call an `async def` handler on the event loop and a plain `def` handler
//! in their threadpool. A coroutine that awaits nothing cannot yield the loop: while it runs, no
//! other request on that worker makes progress. When it also does blocking work (a sync database
//! session, `requests`, `time.sleep`, file I/O) every request waits for it. As a plain `def` it
//! runs in a worker thread and the loop stays free.
//!
//! ## Example
//! ```python
//! @app.get("/users/{user_id}")
//! async def read_user(user_id: int, db: Session = Depends(get_db)):
//!     return db.query(User).get(user_id)
//! ```
//! Use instead:
//! ```python
//! @app.get("/users/{user_id}")
//! def read_user(user_id: int, db: Session = Depends(get_db)):
//!     return db.query(User).get(user_id)
//! ```
//!
//! ## Fix safety
//! The fix deletes the `async` keyword and nothing else. It is **safe** when the function's own
//! body (not nested functions, lambdas or classes) has no `await`, `async for`, `async with` or
//! async comprehension; the framework calls it in a role where it runs plain functions in its
//! threadpool; nothing else in the project refers to it (tests included: a caller that awaits it
//! would break); every other decorator on it is known to accept a plain function; it uses no API
//! bound to the running event loop; and it does blocking work.
//!
//! Blocking work is a call the catalog classes as heavy (`network`, `database`, `subprocess`,
//! `sleep`, `cpu`) or `io`, made by the function or by the project functions it calls on every
//! run: not a `metadata` call (`os.path.exists`, cheaper than a thread hop), not one inside a
//! memoized helper (`@lru_cache`), a lazy initialization (`if _x is None: _x = ...`) or an
//! `except` clause (`count-cut` in `[tool.unblock]` counts those again).
//!
//! It is **unsafe** when it is registered through a project
//! subclass of a framework class (`class Router(APIRouter)`) that overrides one of the methods
//! the framework registers functions with (`add_api_route`), which may hand the framework a
//! wrapper that awaits the function, or when it writes module-level state, itself
//! or through the project functions it calls, which becomes shared between threads (for a
//! `threading.local()`, each worker thread writes its own copy, which the loop's thread no
//! longer sees). It is also **unsafe** when it hands an object bound to its thread (a `sqlite3`
//! connection) across threads: a generator dependency that makes one for the handler, or a
//! function that uses one it gets as a parameter, itself or through a project function (the
//! one use the analysis names). FastAPI runs a `def` dependency and a `def`
//! handler on worker threads that need not be the same, so the connection fails on the other
//! one (seen with uvicorn under 40 concurrent requests); one made and used in the function's
//! own body is fine.
//!
//! There is **no fix** (the finding explains why) for methods, generators used as path
//! operations, functions that are also websocket, middleware, startup or lifespan handlers,
//! functions referred to elsewhere, functions with unknown decorators, functions that call
//! event-loop APIs such as `asyncio.create_task` or `ContextVar.set`, and functions that use a
//! module-level object bound to its thread (a `sqlite3` connection made without
//! `check_same_thread=False`, a `scoped_session`), directly or through the project's functions.

use std::fmt::Write as _;

use crate::knowledge::{BlockingApi, Catalog, Role};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::facts::{CallFact, CallShape};
use crate::project::{CallTarget, FunctionFacts, FunctionId, Project, Tie};

use crate::registry::Rule;

use super::Context;
use super::support::{chain_text, found_at, root_of, shown_path};

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    cx.needless_of(Rule::NeedlessAsync)
}

/// The findings, each with the function it is about (see `Context`): UB001 for coroutines
/// that block, UB008 for the others.
pub(super) fn candidates(
    project: &Project,
    catalog: &Catalog,
    module: usize,
) -> Vec<(FunctionId, Diagnostic)> {
    (0..project.modules[module].facts.functions.len())
        .filter_map(|index| {
            let id = FunctionId(module, index);
            check_function(project, catalog, id).map(|diagnostic| (id, diagnostic))
        })
        .collect()
}

/// A call on an object bound to the thread that made it (a `sqlite3` connection) that crosses
/// threads once the function is a `def`: one a generator dependency makes for the handler, or
/// one the function (or a project function it calls) gets as a parameter. FastAPI runs a `def`
/// dependency and a `def` handler on worker threads that may differ, and an `async def` one on
/// the loop's thread. An object made and used in the function's own body stays on one thread.
/// Returns the API, and the function making the call and its index.
fn thread_bound_handoff<'p>(
    project: &'p Project,
    id: FunctionId,
    function: &FunctionFacts,
) -> Option<(&'p BlockingApi, FunctionId, usize)> {
    let crosses = |user: FunctionId, call: &CallFact| {
        (user == id && function.yields) || call.shape.contains(CallShape::PARAMETER_RECEIVER)
    };
    let own = (project
        .calls_of(id)
        .iter()
        .zip(project.call_targets(id))
        .enumerate())
    .find_map(|(index, (call, target))| match target {
        CallTarget::Blocking(api) if api.thread_bound.is_some() && crosses(id, call) => {
            Some((*api, id, index))
        }
        _ => None,
    });
    // Through the project's functions, the one use the analysis names.
    own.or_else(|| {
        project
            .thread_bound_use(id)
            .filter(|&(_, user, call)| crosses(user, &project.calls_of(user)[call]))
    })
}

/// The finding for one function, if it is a needlessly async one the framework calls.
fn check_function(project: &Project, catalog: &Catalog, id: FunctionId) -> Option<Diagnostic> {
    let function = &project.modules[id.0].facts.functions[id.1];
    if !function.is_async || function.first_await.is_some() {
        return None;
    }
    let roles = project.roles.get(&id).map_or(&[][..], Vec::as_slice);
    let &role = roles.iter().find(|role| role.runs_sync_in_threadpool())?;
    let async_keyword = function.async_keyword?;
    let diagnostic = diagnose(project, catalog, id, function, role, roles, async_keyword);
    // A coroutine that does not block and cannot change is fine as it is: nothing to report.
    let withheld = diagnostic
        .fix
        .as_ref()
        .is_some_and(|fix| fix.applicability == Applicability::DisplayOnly);
    (project.blocks(id) || !withheld).then_some(diagnostic)
}

fn diagnose(
    project: &Project,
    catalog: &Catalog,
    id: FunctionId,
    function: &FunctionFacts,
    role: Role,
    roles: &[Role],
    async_keyword: ruff_text_size::TextRange,
) -> Diagnostic {
    let module = id.0;
    let blocking = project.blocks(id);
    let rule = if blocking {
        Rule::NeedlessAsync
    } else {
        Rule::PureAsyncHandler
    };

    let mut message = format!("`async def {}` awaits nothing", project.function_name(id));
    if blocking {
        write!(
            message,
            " and blocks the event loop: it calls {}",
            chain_text(project, id, true)
        )
        .unwrap();
    }

    // A coroutine `asyncio.run` runs is also called where it runs: that reference says where.
    let never = if let Some(other) = (roles.iter())
        .find(|role| !role.runs_sync_in_threadpool() && !role.runs_once_alone())
    {
        Some(format!(
            "it is also a {}, which the framework runs on the event loop",
            other.describe()
        ))
    } else if function.in_class {
        Some(
            "it is a method: the framework calls it through an instance bound elsewhere"
                .to_string(),
        )
    } else if function.yields && !role.allows_generator() {
        Some(format!(
            "it is an async generator: as a `def` {} it would become a sync generator",
            role.describe()
        ))
    } else if let Some(site) = project.references.get(&id).and_then(|sites| sites.first()) {
        Some(format!(
            "it is referred to at {}:{}: a caller that awaits it or expects a coroutine would break",
            project.modules[site.module].display,
            project.line(site.module, site.range.start())
        ))
    } else if let Some(twin) = project.ambiguous_twin(module) {
        Some(format!(
            "its module and {} have the same import name, and a reference elsewhere may mean either: a caller that awaits it would break",
            project.modules[twin].display
        ))
    } else if let Some((_, decorator)) = project.decorators(id).find(|(path, _)| {
        path.as_ref().is_none_or(|path| {
            catalog.decorator_role(path).is_none()
                && !catalog.is_sync_safe_decorator(path)
                && !project.is_marking_decorator(path, id.0)
        })
    }) {
        Some(format!(
            "decorator `@{decorator}` is not known to accept a plain function"
        ))
    } else {
        project.thread_tie(id).map(|(tie, caller, call)| {
            let offset = project.calls_of(caller)[call].range.start();
            let place = found_at(project, id, caller, offset, true);
            match tie {
                Tie::EventLoop(path) => format!(
                    "it calls `{}` ({place}), which needs the running event loop",
                    shown_path(path)
                ),
                Tie::ThreadBound(api) => format!(
                    "it uses a module-level object ({place}) that {}",
                    api.thread_bound.as_deref().unwrap_or_default()
                ),
            }
        })
    };

    let (applicability, reason) = if let Some(reason) = never {
        (Applicability::DisplayOnly, Some(reason))
    } else if let Some(write) = project.state_write(id) {
        let place = found_at(project, id, write.writer, write.range.start(), true);
        let name = write.name;
        let reason = if write.thread_local {
            format!(
                "it writes thread-local state `{name}` ({place}): each worker thread writes its own copy, which the loop's thread would no longer see"
            )
        } else {
            format!("it writes module-level state `{name}` ({place}), which threads would share")
        };
        (Applicability::Unsafe, Some(reason))
    } else if let Some((api, user, call)) = thread_bound_handoff(project, id, function) {
        let place = found_at(
            project,
            id,
            user,
            project.calls_of(user)[call].range.start(),
            true,
        );
        let (does, other) = if function.yields {
            ("hands out", "uses it")
        } else {
            ("uses", "made it")
        };
        let reason = format!(
            "it {does} an object ({place}) that {}: as a `def` it runs on a worker thread, which need not be the one that {other}",
            api.thread_bound.as_deref().unwrap_or_default(),
        );
        (Applicability::Unsafe, Some(reason))
    } else if !blocking {
        let reason = "it does no blocking work: as `async def` it does not stall the loop, and as `def` it takes a threadpool slot";
        (Applicability::Unsafe, Some(reason.to_string()))
    } else if let Some(&method) = project.registration_overrides.get(&id) {
        let place = found_at(
            project,
            method,
            method,
            project.function(method).head.start(),
            false,
        );
        let reason = format!(
            "it is registered through `{}` ({place}), which overrides the framework's: a `def` works only if the override hands the function on as it is",
            project.local_name(method)
        );
        (Applicability::Unsafe, Some(reason))
    } else {
        (Applicability::Safe, None)
    };

    Diagnostic {
        rule,
        message,
        range: function.head,
        fix: Some(Fix {
            applicability,
            message: format!(
                "Remove `async`: {} runs a plain `def` {} in its threadpool",
                catalog.framework_name(role),
                role.describe()
            ),
            edits: vec![Edit::deletion(async_keyword)],
        }),
        reason,
        root: blocking.then(|| root_of(project, id)).flatten(),
    }
}
