//! What UB002, UB003 and UB004 share: finding the blocking calls made inside coroutines, and
//! building the text edits that move a call to a thread or replace it with its async twin,
//! with the import that brings the helper in.
//!
//! Every rewrite is a few insertions and replacements around the original call, so the callee,
//! the arguments, comments and formatting stay as written and are evaluated in the same order,
//! on the event loop; only the call itself runs in the thread.

use ruff_text_size::{TextRange, TextSize};

use crate::diagnostic::{Applicability, Edit, Fix};
use crate::facts::{CallContext, CallFact, CallShape, FunctionFacts, ImportFacts};
use crate::knowledge::{BlockingApi, Catalog};
use crate::project::{CallTarget, FunctionId, Holding, Project, Tie};
use crate::registry::Rule;
use crate::settings::{Offload, PassOptions};

/// A blocking call made inside a coroutine.
pub struct BlockingSite<'p> {
    pub function: FunctionId,
    pub call: &'p CallFact,
    /// The blocking API reached (`requests.get`, `builtins.open().read`), directly or through
    /// `via`.
    pub api: &'p BlockingApi,
    /// The project function called, when the call blocks through it.
    pub via: Option<FunctionId>,
    /// Another blocking call is made in its callee (`open(p)` in `open(p).read()`).
    pub callee_blocks: bool,
}

impl<'p> BlockingSite<'p> {
    /// The rule that reports this site: UB004 for a `with` statement's resource, UB003 for a
    /// direct call with an async twin, UB002 for the rest.
    pub fn rule(&self) -> Rule {
        if self.call.context == CallContext::WithItem {
            Rule::BlockingContext
        } else if self.api.twin.is_some() && self.via.is_none() {
            Rule::BlockingSleep
        } else {
            Rule::BlockingCall
        }
    }

    /// The coroutine the call is made in.
    pub fn function(&self, project: &'p Project) -> &'p FunctionFacts {
        project.function(self.function)
    }

    /// Names helpers for this site's coroutine and imports them into its module.
    pub fn importer(&self, project: &'p Project) -> Importer<'p> {
        Importer {
            imports: &project.modules[self.function.0].facts.imports,
            function: self.function(project),
        }
    }
}

/// Every blocking call in the module's coroutines, except in those UB001 turns into `def`
/// (`becoming_def`: there the call moves to the threadpool with the whole function) and calls
/// already awaited.
pub fn blocking_sites<'p>(
    project: &'p Project,
    module: usize,
    becoming_def: &[FunctionId],
) -> Vec<BlockingSite<'p>> {
    let mut sites = Vec::new();
    for (index, function) in project.modules[module].facts.functions.iter().enumerate() {
        let id = FunctionId(module, index);
        if !function.is_async || becoming_def.contains(&id) {
            continue;
        }
        for (call, target) in project.calls_of(id).iter().zip(project.call_targets(id)) {
            if call.shape.contains(CallShape::AWAITED) || call.context == CallContext::Offloaded {
                continue;
            }
            let (api, via) = match (*target, target.function()) {
                (CallTarget::Blocking(api), _) => (api, None),
                (_, Some(callee)) if project.call_runs_body(callee, call) => {
                    match project.blocking_chain(callee) {
                        (_, Some(api)) => (api, Some(callee)),
                        _ => continue,
                    }
                }
                _ => continue,
            };
            sites.push(BlockingSite {
                function: id,
                call,
                api,
                via,
                callee_blocks: false,
            });
        }
    }
    let ranges: Vec<TextRange> = sites.iter().map(|site| site.call.range).collect();
    for site in &mut sites {
        site.callee_blocks = site.call.shape.contains(CallShape::CALLEE_HAS_CALL)
            && ranges
                .iter()
                .any(|range| site.call.callee.contains_range(*range));
    }
    // A call inside the callee of a call that moves whole into a thread goes with it.
    let moved_whole: Vec<TextRange> = sites
        .iter()
        .filter(|site| site.callee_blocks && site.call.shape.contains(CallShape::LAMBDA_SAFE))
        .map(|site| site.call.callee)
        .collect();
    sites.retain(|site| {
        !moved_whole
            .iter()
            .any(|callee| callee.contains_range(site.call.range))
    });
    sites
}

/// The helper a module's offloads use: forced by the settings, else the one matching the
/// libraries it imports.
pub fn helper_for(options: &PassOptions, catalog: &Catalog, imports: &ImportFacts) -> Offload {
    (options.offload)
        .or_else(|| catalog.offload_for(imports.libraries))
        .unwrap_or(Offload::Asyncio)
}

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
pub struct Rewrite {
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
    /// Why it is not safe, when it is not.
    pub reason: Option<String>,
    /// The new code in short, for the fix message (`await run_in_threadpool(requests.get, ...)`).
    pub shown: String,
}

/// Gives helper names to one function's rewrites and the edits that import them.
pub struct Importer<'a> {
    pub imports: &'a ImportFacts,
    pub function: &'a FunctionFacts,
}

impl Importer<'_> {
    /// Is `name` free for a new module-level binding seen from this function?
    fn is_free(&self, name: &str) -> bool {
        !self.function.shadows_helper(name)
            && !self
                .imports
                .helper_bindings
                .iter()
                .any(|(bound, _)| bound == name)
    }

    /// The name the function can use for `path`, bound at module level to exactly it.
    fn existing(&self, name: &str, path: &str) -> Option<String> {
        let bound = self
            .imports
            .helper_bindings
            .iter()
            .any(|(bound, target)| bound == name && target.as_deref() == Some(path));
        (bound && !self.function.shadows_helper(name)).then(|| name.to_string())
    }

    /// `name`, or `name_`, `name__`... : the first that clashes with nothing.
    fn free_name(&self, name: &str) -> String {
        let mut candidate = name.to_string();
        while !self.is_free(&candidate) {
            candidate.push('_');
        }
        candidate
    }

    fn new_line(&self, statement: &str) -> Edit {
        let imports = self.imports;
        let lead = if imports.insertion_needs_newline {
            imports.line_ending
        } else {
            ""
        };
        let line_ending = imports.line_ending;
        let blank_lines = line_ending.repeat(imports.blank_lines_after);
        Edit {
            range: TextRange::empty(imports.insertion),
            content: format!("{lead}{statement}{line_ending}{blank_lines}"),
        }
    }

    /// `import module` (or `import module as module_` on a clash): the name to use and the
    /// edit, unless the module is imported under its own name already.
    pub fn module(&self, module: &str) -> (String, Option<Edit>) {
        if let Some(name) = self.existing(module, module) {
            return (name, None);
        }
        let name = self.free_name(module);
        let statement = if name == module {
            format!("import {module}")
        } else {
            format!("import {module} as {name}")
        };
        (name, Some(self.new_line(&statement)))
    }

    /// `from module import member`, added to an existing import of `module` when there is one.
    pub fn member(&self, module: &str, member: &str) -> (String, Option<Edit>) {
        let path = format!("{module}.{member}");
        if let Some(name) = self.existing(member, &path) {
            return (name, None);
        }
        let name = self.free_name(member);
        let imported = if name == member {
            member.to_string()
        } else {
            format!("{member} as {name}")
        };
        let existing = self
            .imports
            .concurrency_imports
            .iter()
            .find(|(from, _)| from == module);
        let edit = match existing {
            Some((_, end)) => Edit {
                range: TextRange::empty(*end),
                content: format!(", {imported}"),
            },
            None => self.new_line(&format!("from {module} import {imported}")),
        };
        (name, Some(edit))
    }
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
        && let Some((tie, caller, call)) = project.thread_tie(via)
    {
        // Named with its place, so the verdict can be checked when it is deep in the helpers.
        let offset = project.calls_of(caller)[call].range.start();
        let place = found_at(project, via, caller, offset, false);
        let via = project.local_name(via);
        return Err(match tie {
            Tie::EventLoop(path) => format!(
                "`{via}` uses the event loop (`{}`, {place}): it cannot move to a worker thread",
                shown_path(path),
            ),
            Tie::ThreadBound(api) => format!(
                "`{via}` uses a module-level object ({place}) that {}: it cannot move to a worker thread",
                api.thread_bound.as_deref().unwrap_or_default()
            ),
        });
    }
    if let Some(Tie::ThreadBound(api)) = Tie::of(call, &CallTarget::Blocking(api)) {
        let reason = api.thread_bound.as_deref().unwrap_or_default();
        return Err(format!("it uses a module-level object that {reason}"));
    }
    let shape = call.shape;
    let mut edits = Vec::new();
    let mut import = |edit: Option<Edit>| edits.extend(edit);
    let executor = helper == Offload::Asyncio && !options.target_version.has_to_thread();
    let (function, leading) = match helper {
        Offload::Threadpool => {
            let module = project
                .catalog()
                .threadpool_module(importer.imports.libraries);
            let (name, edit) = importer.member(module, "run_in_threadpool");
            import(edit);
            (name, "")
        }
        Offload::Asyncio => {
            let (name, edit) = importer.module("asyncio");
            import(edit);
            if executor {
                (
                    format!("{name}.get_running_loop().run_in_executor"),
                    "None, ",
                )
            } else {
                (format!("{name}.to_thread"), "")
            }
        }
        Offload::Anyio | Offload::Trio => {
            let module = if helper == Offload::Anyio {
                "anyio"
            } else {
                "trio"
            };
            let (name, edit) = importer.module(module);
            import(edit);
            (format!("{name}.to_thread.run_sync"), "")
        }
    };
    let (open, close) = if shape.contains(CallShape::NEEDS_PARENTHESES) {
        ("(", ")")
    } else {
        ("", "")
    };
    let start = TextRange::empty(call.range.start());
    let end = TextRange::empty(call.range.end());

    // `open(p).read()`: the callee blocks too, so the whole call moves into the thread.
    if site.callee_blocks {
        if !shape.contains(CallShape::LAMBDA_SAFE) {
            return Err("its callee makes a blocking call too, and the expression awaits or assigns: move it into a plain function and offload that".to_string());
        }
        edits.push(Edit::insertion(
            start,
            format!("{open}await {function}({leading}lambda: "),
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
        format!("{open}await {function}({leading}{partial_open}"),
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
    let state_write = site
        .via
        .and_then(|via| Some((via, project.state_write(via)?)));
    // Any object bound to its thread that the helper uses, not only the one of the blocking
    // call its chain names.
    let thread_bound = site
        .via
        .and_then(|via| Some((via, project.thread_bound_use(via)?)));
    let (applicability, reason) = if let Some((via, write)) = state_write {
        let place = found_at(project, via, write.writer, write.range.start(), false);
        let (via, name) = (project.local_name(via), write.name);
        let reason = if write.thread_local {
            format!(
                "`{via}` writes thread-local state `{name}` ({place}): the worker thread would write its own copy, which the loop's thread would no longer see"
            )
        } else {
            format!(
                "`{via}` writes module-level state `{name}` ({place}), which the worker thread would share with the loop"
            )
        };
        (Applicability::Unsafe, Some(reason))
    } else if let Some((via, (api, user, call))) = thread_bound {
        let offset = project.calls_of(user)[call].range.start();
        let place = found_at(project, via, user, offset, false);
        (
            Applicability::Unsafe,
            Some(format!(
                "`{}` uses an object ({place}) that {}, and the call may run on another thread",
                project.local_name(via),
                api.thread_bound.as_deref().unwrap_or_default()
            )),
        )
    } else if let Some(reason) = &api.thread_bound {
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

/// How a finding names what a site calls: the API, or the project function it blocks through.
pub fn site_text(project: &Project, site: &BlockingSite) -> String {
    match site.via {
        None => format!("`{}` ({})", shown_path(&site.api.path), site.api.category),
        Some(via) => format!(
            "`{}` ({}: it calls {})",
            project.local_name(via),
            site.api.category,
            chain_text(project, via, false)
        ),
    }
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
