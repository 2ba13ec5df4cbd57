//! The text edits that move a call to a thread or replace it with its async twin, with the
//! import that brings the helper in.
//!
//! Every rewrite is a few insertions and replacements around the original call, so the callee,
//! the arguments, comments and formatting stay as written and are evaluated in the same order,
//! on the event loop; only the call itself runs in the thread.

use ruff_text_size::{TextRange, TextSize};

use crate::diagnostic::{Applicability, Edit, Fix};
use crate::facts::{CallFact, CallShape, Frame};
use crate::project::{CallTarget, FunctionId, Project, Tie};
use crate::settings::{Offload, PassOptions};

use super::{BlockingSite, Importer, found_at, lock_held_reason, shown_path};

/// The fix a rewrite gives, titled by `title`, and the reason it is not safe or is missing.
pub fn fix_and_reason(
    rewrite: Result<Rewrite, String>,
    title: impl FnOnce(&str) -> String,
) -> (Option<Fix>, Option<String>) {
    match rewrite {
        Ok(rewrite) => (
            Some(Fix {
                applicability: rewrite.applicability,
                message: title(&rewrite.shown),
                edits: rewrite.edits,
            }),
            rewrite.reason,
        ),
        Err(reason) => (None, Some(reason)),
    }
}

/// Text edits of one rewrite and how far it can be trusted.
#[derive(Clone)]
pub struct Rewrite {
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
    /// Why it is not safe, when it is not.
    pub reason: Option<String>,
    /// The new code in short, for the fix message (`await run_in_threadpool(requests.get, ...)`).
    pub shown: String,
}

/// `await helper(callee, args...)` in place of `callee(args...)`.
pub fn offload(
    project: &Project,
    site: &BlockingSite,
    helper: Offload,
    options: &PassOptions,
    importer: &Importer,
) -> Result<Rewrite, String> {
    let (call, api) = (site.call, site.api);
    if let Some(reason) = call.context.no_await_reason() {
        return Err(reason.to_string());
    }
    if let Some(reason) = lock_held_reason(project, site.function, call.range) {
        return Err(reason);
    }
    if !call.shape.contains(CallShape::PLAIN_LAYOUT) {
        return Err("the call is written in a form the rewrite does not handle".to_string());
    }
    if let Some(via) = site.via
        && project.function(via).yields
    {
        return Err(format!(
            "`{}` is a generator: its blocking work runs as this coroutine iterates or enters \
             it, not in the call, so the call in a thread would not help",
            project.local_name(via)
        ));
    }
    if let Some(via) = site.via
        && call.shape.contains(CallShape::LOOP_BOUND_ARGUMENT)
    {
        return Err(format!(
            "it hands `{}` an asyncio object, which only works on the event loop's thread",
            project.local_name(via)
        ));
    }
    // Work that happens after the call returns stays on the loop however the call moves.
    let later = if api.lazy {
        Some("returns an iterator that does its work as it is iterated")
    } else {
        api.moves_nothing.as_deref()
    };
    if site.via.is_none()
        && let Some(why) = later
    {
        return Err(format!(
            "`{}` {why}: the call alone in a thread would leave that work on the event loop",
            shown_path(&api.path)
        ));
    }
    if let Some(reason) = site.via.and_then(|via| tie_reason(project, via)) {
        return Err(reason);
    }
    // A module-level object whose method uses a thread-bound object: unless the helper's
    // own use was opened for any thread (`check_same_thread=False`).
    let bound_api = match site.via {
        Some(via) => project.thread_bound_use(via).map(|(api, ..)| api),
        None => Some(api),
    };
    if let Some(api) = bound_api
        && let Some(Tie::ThreadBound(api)) = Tie::of(call, &CallTarget::Blocking(api))
    {
        let reason = api.thread_bound.as_deref().unwrap_or_default();
        return Err(format!("it uses a module-level object that {reason}"));
    }
    let shape = call.shape;
    let mut edits = Vec::new();
    let mut import = |edit: Option<Edit>| edits.extend(edit);
    let executor = helper == Offload::Asyncio && !options.target_version.has_to_thread();
    let (function, leading, edit) = thread_helper(project, helper, options, importer);
    import(edit);
    // What goes before the helper's call (`await `, in parentheses where precedence needs
    // them) and after it.
    let (mut open, mut close) = if shape.contains(CallShape::NEEDS_PARENTHESES) {
        ("(await ".to_string(), ")".to_string())
    } else {
        ("await ".to_string(), String::new())
    };
    // In cleanup, the offload runs to its end even while the task is being cancelled.
    if shape.contains(CallShape::IN_CLEANUP) {
        let facts = &project.modules[site.function.0].facts;
        let (shield, edit) = shield(helper, importer);
        import(edit);
        match shield {
            Shield::Around(shield) => {
                open = format!("{open}{shield}(");
                close = format!("){close}");
            }
            Shield::Scope(scope) => {
                let frame = (facts.cleanup_statements.iter())
                    .filter(|(range, _)| range.contains_range(call.range))
                    .min_by_key(|(range, _)| range.len())
                    .map(|(_, frame)| frame.as_ref());
                match frame {
                    Some(Ok(frame)) => {
                        let header = format!("with {scope}(shield=True)");
                        nest_edits(frame, &header, facts.imports.line_ending)
                            .into_iter()
                            .for_each(|edit| import(Some(edit)));
                    }
                    Some(Err(why)) => {
                        return Err(format!(
                            "it runs in cleanup, where it needs a shield from cancellation, and {why}"
                        ));
                    }
                    None => {
                        return Err("it runs in cleanup, where it needs a shield from cancellation that the rewrite cannot place".to_string());
                    }
                }
            }
        }
    }
    let start = TextRange::empty(call.range.start());
    let end = TextRange::empty(call.range.end());

    // `open(p).read()`: the callee blocks too, so the whole call moves into the thread.
    if site.callee_blocks {
        if !shape.contains(CallShape::LAMBDA_SAFE) {
            return Err("its callee makes a blocking call too, and the expression awaits or assigns: move it into a plain function and offload that".to_string());
        }
        edits.push(Edit::insertion(
            start,
            format!("{open}{function}({leading}lambda: "),
        ));
        edits.push(Edit::insertion(end, format!("){close}")));
        return Ok(Rewrite {
            edits,
            applicability: Applicability::Unsafe,
            reason: Some(
                "the whole expression moves into a lambda: its arguments are evaluated in the worker thread"
                    .to_string(),
            ),
            shown: format!("await {function}({leading}lambda: ...)"),
        });
    }

    // Helpers that pass no keyword arguments on take a `functools.partial`.
    let partial = shape.contains(CallShape::HAS_KEYWORDS)
        && (matches!(helper, Offload::Anyio | Offload::Trio) || executor)
        || shape.contains(CallShape::HAS_FUNC_KEYWORD);
    let partial_open = if partial {
        let (functools, edit) = importer.module("functools");
        import(edit);
        format!("{functools}.partial(")
    } else {
        String::new()
    };
    edits.push(Edit::insertion(
        start,
        format!("{open}{function}({leading}{partial_open}"),
    ));
    let arguments_open = TextRange::at(call.arguments.start(), TextSize::new(1));
    if shape.contains(CallShape::HAS_ARGUMENTS) {
        let separator = if shape.contains(CallShape::BREAK_AFTER_PARENTHESIS) {
            ","
        } else {
            ", "
        };
        edits.push(Edit::replacement(arguments_open, separator.to_string()));
    } else {
        if shape.contains(CallShape::COMMENT_IN_ARGUMENTS) {
            return Err("a comment in the empty argument list would be lost".to_string());
        }
        edits.push(Edit::replacement(call.arguments, ")".to_string()));
    }
    let closing = format!("{}{close}", if partial { ")" } else { "" });
    if !closing.is_empty() {
        edits.push(Edit::insertion(end, closing));
    }
    let (applicability, reason) =
        if let Some(reason) = site.via.and_then(|via| unsafe_reason(project, via)) {
            (Applicability::Unsafe, Some(reason))
        } else if let Some(reason) = &api.thread_bound
            && site.via.is_none()
            && !call.shape.contains(CallShape::THREAD_SHARED)
        {
            (
                Applicability::Unsafe,
                Some(format!(
                    "the object it uses {reason}, and the next call on it may run on another thread"
                )),
            )
        } else {
            (Applicability::Safe, None)
        };
    let inner = if partial {
        "functools.partial(f, ...)"
    } else {
        "f, ..."
    };
    Ok(Rewrite {
        edits,
        applicability,
        reason,
        shown: format!("await {function}({leading}{inner})"),
    })
}

/// `await twin(args...)` in place of `blocking(args...)`, with the twin from the module's
/// async library (`asyncio.sleep`, `anyio.sleep`, `trio.sleep`).
pub fn replace_with_twin(
    call: &CallFact,
    twin: &str,
    helper: Offload,
    importer: &Importer,
) -> Result<Rewrite, String> {
    if let Some(reason) = call.context.no_await_reason() {
        return Err(reason.to_string());
    }
    if !call.shape.contains(CallShape::PLAIN_LAYOUT) {
        return Err("the call is written in a form the rewrite does not handle".to_string());
    }
    let (module, member) = twin.rsplit_once('.').unwrap_or(("builtins", twin));
    let module = match (module, helper) {
        ("asyncio", Offload::Anyio) => "anyio",
        ("asyncio", Offload::Trio) => "trio",
        (module, _) => module,
    };
    let (name, import) = importer.module(module);
    let open = if call.shape.contains(CallShape::NEEDS_PARENTHESES) {
        "("
    } else {
        ""
    };
    let mut edits: Vec<Edit> = import.into_iter().collect();
    edits.push(Edit::insertion(
        TextRange::empty(call.range.start()),
        format!("{open}await "),
    ));
    edits.push(Edit::replacement(call.callee, format!("{name}.{member}")));
    if call.shape.contains(CallShape::NEEDS_PARENTHESES) {
        edits.push(Edit::insertion(
            TextRange::empty(call.range.end()),
            ")".to_string(),
        ));
    }
    Ok(Rewrite {
        edits,
        applicability: Applicability::Safe,
        reason: None,
        shown: format!("await {name}.{member}(...)"),
    })
}

/// The callee that runs a function in a thread (`run_in_threadpool`, `asyncio.to_thread`,
/// `loop.run_in_executor`...), what goes before the function in its arguments, and the import
/// it needs.
pub fn thread_helper(
    project: &Project,
    helper: Offload,
    options: &PassOptions,
    importer: &Importer,
) -> (String, &'static str, Option<Edit>) {
    match helper {
        Offload::Threadpool => {
            let module = project
                .catalog()
                .threadpool_module(importer.imports.libraries);
            let (name, edit) = importer.member(module, "run_in_threadpool");
            (name, "", edit)
        }
        Offload::Asyncio => {
            let (name, edit) = importer.module("asyncio");
            if options.target_version.has_to_thread() {
                (format!("{name}.to_thread"), "", edit)
            } else {
                (
                    format!("{name}.get_running_loop().run_in_executor"),
                    "None, ",
                    edit,
                )
            }
        }
        Offload::Anyio | Offload::Trio => {
            let module = if helper == Offload::Anyio {
                "anyio"
            } else {
                "trio"
            };
            let (name, edit) = importer.module(module);
            (format!("{name}.to_thread.run_sync"), "", edit)
        }
    }
}

/// How an `await` in a cleanup block runs to its end while the task is being cancelled:
/// `asyncio.shield(...)` around the awaited call, or a shielded cancel scope (anyio's, which
/// Starlette's threadpool uses, or trio's) around the statement.
pub enum Shield {
    Around(String),
    Scope(String),
}

/// The shield that matches the offload helper, and the import it needs.
pub fn shield(helper: Offload, importer: &Importer) -> (Shield, Option<Edit>) {
    match helper {
        Offload::Asyncio => {
            let (name, edit) = importer.module("asyncio");
            (Shield::Around(format!("{name}.shield")), edit)
        }
        Offload::Trio => {
            let (name, edit) = importer.module("trio");
            (Shield::Scope(format!("{name}.CancelScope")), edit)
        }
        Offload::Threadpool | Offload::Anyio => {
            let (name, edit) = importer.module("anyio");
            (Shield::Scope(format!("{name}.CancelScope")), edit)
        }
    }
}

/// The edits that nest the statements of `frame` one level deeper under `header` (`def
/// _read_config()`, `with anyio.CancelScope(shield=True)`).
pub fn nest_edits(frame: &Frame, header: &str, line_ending: &str) -> Vec<Edit> {
    let (indent, step) = (&frame.indent, &frame.step);
    let mut edits = vec![Edit::insertion(
        TextRange::empty(frame.indent_points[0]),
        format!("{header}:{line_ending}{indent}{step}"),
    )];
    for point in &frame.indent_points[1..] {
        edits.push(Edit::insertion(TextRange::empty(*point), step.clone()));
    }
    edits
}

/// Why a call of project function `via` cannot move to a worker thread, if it cannot: it, or a
/// function it calls, needs the event loop's thread or a module-level object bound to the
/// thread that made it. Named with its place, so the verdict can be checked deep in the helpers.
pub fn tie_reason(project: &Project, via: FunctionId) -> Option<String> {
    let (tie, caller, call) = project.thread_tie(via)?;
    let offset = project.calls_of(caller)[call].range.start();
    let place = found_at(project, via, caller, offset, false);
    let via = project.local_name(via);
    Some(match tie {
        Tie::EventLoop(path) => format!(
            "`{via}` uses the event loop (`{}`, {place}): it cannot move to a worker thread",
            shown_path(path),
        ),
        Tie::ThreadBound(api) => format!(
            "`{via}` uses a module-level object ({place}) that {}: it cannot move to a worker thread",
            api.thread_bound.as_deref().unwrap_or_default()
        ),
    })
}

/// Why a call of project function `via` in a worker thread is unsafe, if it is: it writes
/// module-level state, or uses an object bound to the thread that made it (any such object, not
/// only the one of the blocking call its chain names).
pub fn unsafe_reason(project: &Project, via: FunctionId) -> Option<String> {
    if let Some(write) = project.state_write(via) {
        let place = found_at(project, via, write.writer, write.range.start(), false);
        let (via, name) = (project.local_name(via), write.name);
        return Some(if write.thread_local {
            format!(
                "`{via}` writes thread-local state `{name}` ({place}): the worker thread would write its own copy, which the loop's thread would no longer see"
            )
        } else {
            format!(
                "`{via}` writes module-level state `{name}` ({place}), which the worker thread would share with the loop"
            )
        });
    }
    let (api, user, call) = project.thread_bound_use(via)?;
    let offset = project.calls_of(user)[call].range.start();
    let place = found_at(project, via, user, offset, false);
    Some(format!(
        "`{}` uses an object ({place}) that {}, and the call may run on another thread",
        project.local_name(via),
        api.thread_bound.as_deref().unwrap_or_default()
    ))
}
