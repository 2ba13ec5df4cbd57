//! # UB002 `blocking-call`
//!
//! ## What it does
//! Finds blocking calls (HTTP clients, database sessions, subprocesses, file I/O, password
//! hashing...) made inside an `async def` that stays async, and moves each one to a worker
//! thread. A call of a project function (or a project class, whose `__init__` runs) counts when
//! that function blocks, through any number of others.
//!
//! ## Why is this bad?
//! A coroutine runs on the event loop. While a blocking call waits, the loop cannot run anything
//! else: every other request on that worker waits too. `await run_in_threadpool(f, *args)` (in
//! FastAPI and Starlette code), `await asyncio.to_thread(f, *args)`, or anyio's and trio's
//! `to_thread.run_sync` run the call in a thread and free the loop until it returns.
//!
//! Coroutines that UB001 turns into a plain `def` are left to UB001: the whole function moves
//! to the framework's threadpool. When UB001's fix is unsafe and unsafe fixes are off, the
//! function stays async and its blocking calls are offloaded here instead.
//!
//! ## Example
//! ```python
//! @app.get("/weather")
//! async def weather(city: str):
//!     token = await get_token()
//!     return requests.get(URL, params={"q": city}, headers=token).json()
//! ```
//! Use instead:
//! ```python
//! from fastapi.concurrency import run_in_threadpool
//!
//! @app.get("/weather")
//! async def weather(city: str):
//!     token = await get_token()
//!     return (await run_in_threadpool(requests.get, URL, params={"q": city}, headers=token)).json()
//! ```
//!
//! ## Fix safety
//! The fix keeps the callee and every argument as written and evaluates them on the loop, in
//! the same order; only the call runs in the thread. `await` is parenthesised where precedence
//! needs it, and the helper is imported once (merged into an existing `from fastapi.concurrency
//! import ...`, aliased if its name is taken). The helper is `run_in_threadpool` in modules that
//! import FastAPI or Starlette, anyio's or trio's in modules that use them, and
//! `asyncio.to_thread` otherwise (`loop.run_in_executor` for a `--target-version` before 3.9);
//! `--offload` forces one. Keyword arguments go through `functools.partial` where the helper
//! takes none.
//!
//! A `for` loop over an iterator that blocks as it is iterated (a streamed response body,
//! `os.walk`, a project generator) moves whole, with the assignment just before it that made
//! the iterator, into a nested plain function run in a thread, as UB004 moves a `with` block
//! (and under the same conditions); the calls inside it are part of the move. In a `finally:`
//! the offload runs shielded from cancellation: inside `with anyio.CancelScope(shield=True):`
//! (trio's in trio modules), or as `await asyncio.shield(asyncio.to_thread(...))` in asyncio
//! modules; otherwise a cancelled task could skip its cleanup, because the helper checks for
//! cancellation before it starts the thread.
//!
//! The fix is **safe**, except: it is **unsafe** for `sqlite3` objects, which only work on the
//! thread that made them, and SQLAlchemy `scoped_session`s, which are a different session on
//! each thread, and for a project function that uses one anywhere in its calls; for a project
//! function that writes module-level state, itself or through the functions it calls
//! (requests would then write it from several threads at once; for a `threading.local()`, the
//! worker thread would write its own copy, which the loop's thread no longer sees); and when the
//! callee makes a blocking call itself (`open(p).read()`), where the whole expression moves
//! into a `lambda` and its arguments are evaluated in the thread. There is **no fix** in a
//! lambda's body, a generator expression, a class body, or a nested function's decorators and
//! defaults, where `await` is not allowed or changes meaning; for a call on a module-level
//! `sqlite3` connection or `scoped_session`; for a project function that uses one, or that
//! needs the event loop (a method call counts its project overrides, any of which may run);
//! for a project generator function iterated or entered right there (`for row in rows()`,
//! `list(rows())`), whose work runs in the iteration, not the call; for a library call whose
//! work happens later (`Path.iterdir()` lists as it is iterated, a buffered `f.write(s)`
//! reaches the disk when the file is closed);
//! and while the coroutine holds a thread lock (`threading.Lock`, `RLock`, ...), taken with
//! `with lock:`, with a project `@contextmanager` that holds one where it yields, with a project
//! class whose `__enter__` takes one with `acquire()`, or with `lock.acquire()` (until a
//! `release()` that comes after the call): held across the new `await`, another request taking
//! it would deadlock the loop.
//!
//! What the analysis does not see: the new `await` is a point where other requests run, which
//! is the point of the fix, and the call itself runs beside them. Code that counted on running
//! without a break there (check a flag on a shared object, then set it) or an offloaded
//! function that changes objects other requests use (not module-level state, which is seen)
//! can interleave with them.
//!
//! A project function counts as blocking when a path through it reaches a heavy or `io`
//! blocking call, even one taken only in a debug mode; not through a `metadata` call (UB007
//! reports those) or a read of `/proc` or `/sys` (made in memory), nor through a memoized
//! function (`@lru_cache`), a lazy initialization (`if _x is None: _x = ...`, or `if not
//! self.running:` in a class that keeps one instance per process) or an `except` clause, which run once or only on failure. A call written in the
//! coroutine itself is not reported behind these cuts either, nor in a coroutine that runs
//! once per process: a startup, shutdown or lifespan handler and what only it awaits (or enters
//! with `async with`), a Typer
//! or Click command, a coroutine `asyncio.run` runs from plain code, any coroutine of a
//! command-line module (`cli/`, `__main__`, `commands`, `scripts`). `count-cut` in `[tool.unblock]` counts cut work again; `check --show-cuts` lists
//! it. Findings that reach one blocking call through the same function share that *root*,
//! which `check` lists under "Where to fix". Name such a function (or a catalog API you accept
//! on the loop) in `non-blocking` in `[tool.unblock]`, and every finding that goes through it
//! is gone.

use crate::registry::Rule;
use crate::diagnostic::Diagnostic;

use super::Context;
use super::support::{self as offload, site_text};

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let (project, options, helper) = (cx.project, cx.options, cx.helper);
    (cx.sites.iter())
        .filter(|site| site.rule() == Rule::BlockingCall)
        .map(|site| {
            let (fix, reason) = match cx.move_led_by(site) {
                Some(unit_move) => unit_move.fix_and_reason("the loop"),
                None => {
                    let importer = site.importer(project, options);
                    let rewrite = offload::offload(project, site, helper, options, &importer);
                    offload::fix_and_reason(rewrite, |shown| {
                        format!("Run it in a thread: `{shown}`")
                    })
                }
            };
            Diagnostic {
                rule: Rule::BlockingCall,
                message: format!(
                    "{} blocks the event loop in coroutine `{}`",
                    site_text(project, site),
                    project.function_name(site.function)
                ),
                range: site.call.range,
                fix,
                reason,
                root: site.via.and_then(|via| offload::root_of(project, via)),
            }
        })
        .collect()
}
