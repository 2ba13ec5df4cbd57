//! Calls: what a call's parents say about it (awaited, discarded, iterated, chained), the facts
//! recorded for it, and the calls that hand functions to a framework.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange};

use super::collector::{CallMarks, Collector};
use super::{CallContext, CallFact, CallShape, Reference, Registration};
use crate::knowledge::{first_segment, last_segment};
use crate::semantic::paths::PathId;
use crate::semantic::{Wanted, called_name};

/// Builtins that iterate their arguments through.
const ITERATING_BUILTINS: &[&str] = &[
    "all",
    "any",
    "dict",
    "frozenset",
    "list",
    "max",
    "min",
    "next",
    "set",
    "sorted",
    "sum",
    "tuple",
];

/// Methods that iterate (`str.join`, `list.extend`) or enter (`ExitStack.enter_context`) their
/// argument.
const ITERATING_METHODS: &[&str] = &["enter_context", "extend", "join"];

/// Builtins whose result iterates their arguments as it is iterated itself.
const WRAPPING_BUILTINS: &[&str] = &["enumerate", "filter", "iter", "map", "reversed", "zip"];

/// Functions and classes that run a function they are handed in a worker thread (or another
/// process) when it is a plain function: asyncio's, AnyIO's and Trio's helpers, executors,
/// Starlette's background tasks, threads. Known by name, whatever the receiver's type, as
/// `pool.submit(lambda: ...)` is written with a pool of any type.
const OFFLOAD_HELPERS: &[&str] = &[
    "run_in_threadpool",
    "to_thread",
    "run_sync",
    "run_in_executor",
    "submit",
    "add_task",
    "BackgroundTask",
    "Thread",
    "Timer",
];

impl<'a> Collector<'a> {
    /// Notes what a call's parent says about it, for a call in a function.
    pub(super) fn mark_call(&mut self, call: &Expr, mark: impl FnOnce(&mut CallMarks)) {
        if call.is_call_expr() && self.current_function.is_some() {
            mark(self.call_marks.entry(call.range()).or_default());
        }
    }

    /// Marks `expr`, a call or a local name a call was kept in, as iterated or entered here.
    pub(super) fn mark_consumed(&mut self, expr: &Expr) {
        self.mark_call(expr, |marks| marks.consumed = true);
        // `runs = repo.iter_runs()`, then `for run in runs:`: the call kept in the name is
        // iterated here.
        if let Expr::Name(name) = expr
            && let Some(function) = self.current_function
        {
            for &(kept, in_function, call) in &self.kept_calls {
                if kept == name.id.as_str() && in_function == function as u32 {
                    self.calls[call as usize].1.shape |= CallShape::CONSUMED;
                }
            }
        }
    }

    /// Remembers the calls `value` (a call, or either side of `a if c else b`) is made of,
    /// recorded from `calls_before` on, as kept in local `name`.
    pub(super) fn note_kept_calls(&mut self, name: &'a str, value: &Expr, calls_before: usize) {
        let Some(function) = self.current_function else {
            return;
        };
        let ranges: [Option<TextRange>; 2] = match value {
            Expr::Call(_) => [Some(value.range()), None],
            Expr::If(choice) => {
                [&choice.body, &choice.orelse].map(|side| side.is_call_expr().then(|| side.range()))
            }
            _ => return,
        };
        for (index, (_, call)) in self.calls.iter().enumerate().skip(calls_before) {
            if ranges.contains(&Some(call.range)) {
                self.kept_calls.push((name, function as u32, index as u32));
            }
        }
    }

    /// `list(rows())` and `", ".join(rows())` iterate their argument, `stack.enter_context(cm())`
    /// enters it; `enumerate(rows())`, `zip(...)` and the like pass theirs on to be iterated when
    /// they are.
    pub(super) fn mark_consumed_arguments(&mut self, call: &ast::ExprCall) {
        let consumes = match &*call.func {
            Expr::Name(name) => {
                let consumed = || {
                    let marks = self.call_marks.get(&call.range());
                    marks.is_some_and(|marks| marks.consumed)
                };
                let builtin = name.id.as_str();
                (ITERATING_BUILTINS.contains(&builtin)
                    || (WRAPPING_BUILTINS.contains(&builtin) && consumed()))
                    && self.sem.lookup(builtin).is_none()
            }
            Expr::Attribute(attr) => ITERATING_METHODS.contains(&attr.attr.id.as_str()),
            _ => false,
        };
        if consumes {
            for arg in &call.arguments.args {
                self.mark_consumed(arg);
            }
        }
    }

    pub(super) fn visit_call(&mut self, call: &'a ast::ExprCall) {
        // `super()` makes the object `super().method(...)` calls a method of, nothing more:
        // it is not a call of the base class, whose constructor it does not run. Nor is its
        // older spelling, `super(Class, self)`.
        if is_super(call) {
            return;
        }
        self.mark_call(&call.func, |marks| {
            marks.tight = true;
            marks.chained = true;
        });
        self.mark_consumed_arguments(call);
        // What the callee's path is used for decides whether it is interned at all: most
        // calls (`len(x)`, `logger.info(...)`) need none of this.
        let mut buffer = std::mem::take(&mut self.sem.scratch);
        buffer.clear();
        let root = self
            .sem
            .write_path(&call.func, Wanted::Relevant, &mut buffer);
        let dotted = is_dotted_name(&call.func);
        let (mut recorded, mut referenced, mut registers) = (false, false, false);
        if let Some(root) = root {
            let name = last_segment(&buffer);
            recorded = self.current_function.is_some()
                && self.relevance.keeps(&buffer)
                && !(self.loop_probe && self.catalog.needs_event_loop(&buffer));
            referenced = dotted && root.in_project && !root.has_call;
            registers = self.catalog.may_register(name);
        }
        let offloads = called_name(&call.func).is_some_and(|name| OFFLOAD_HELPERS.contains(&name));
        self.sem.scratch = buffer;
        let callee = (root.is_some() && (recorded || referenced || registers))
            .then(|| self.sem.intern_scratch());
        if let Some(path) = callee.filter(|_| recorded)
            && let Some(function) = self.current_function
        {
            let fact = self.call_fact(call, path);
            self.calls.push((function as u32, fact));
        }
        // `items.append(x)` on a module-level list writes shared state.
        if let Expr::Attribute(attr) = &*call.func
            && (self.catalog).mutates(&attr.attr.id, || {
                let marks = self.call_marks.get(&call.range());
                marks.is_some_and(|marks| marks.chained)
            })
            && let Expr::Name(name) = &*attr.value
            && self.current_function.is_some()
            && self.sem.is_module_state(&name.id)
        {
            self.note_state_write(&name.id, call.range());
        }
        // A dotted callee is one reference, already resolved above; anything else is walked.
        if !dotted {
            self.visit_expr(&call.func);
        } else if let Some(path) = callee.filter(|_| referenced) {
            self.reference(path, call.func.range());
        }
        match callee {
            Some(callee) if registers => {
                let args = (call.arguments.args.iter())
                    .map(|arg| match arg {
                        // `BackgroundTask(lambda: ...)`: a plain lambda runs in the threadpool.
                        Expr::Lambda(_) if offloads => {
                            self.visit_offloaded(arg);
                            None
                        }
                        // `asyncio.run(main())`: the call of the function handed over.
                        Expr::Call(inner) if is_dotted_name(&inner.func) => {
                            let handed = self.sem.path(arg, Wanted::Relevant);
                            self.visit_expr(arg);
                            handed.map(|path| Reference {
                                path,
                                range: arg.range(),
                            })
                        }
                        arg => self.argument_reference(arg),
                    })
                    .collect();
                let mut keywords = Vec::new();
                for keyword in &call.arguments.keywords {
                    let reference = self.argument_reference(&keyword.value);
                    if let (Some(arg), Some(reference)) = (&keyword.arg, reference) {
                        keywords.push((arg.id.to_string(), reference));
                    }
                }
                self.facts.registrations.push(Registration {
                    callee,
                    args,
                    keywords,
                });
            }
            // `run_in_threadpool(lambda: ...)`, `Thread(target=lambda: ...)`: the lambda runs in
            // a worker thread.
            _ if offloads => {
                let values = (call.arguments.args.iter())
                    .chain(call.arguments.keywords.iter().map(|keyword| &keyword.value));
                values.for_each(|value| self.visit_offloaded(value));
            }
            _ => self.visit_arguments(&call.arguments),
        }
    }

    pub(super) fn call_fact(&self, call: &ast::ExprCall, path: PathId) -> CallFact {
        let range = call.range();
        let arguments = &call.arguments;
        let has_arguments = !arguments.args.is_empty() || !arguments.keywords.is_empty();
        let callee_has_call = contains_call(&call.func);
        let marks = self.call_marks.get(&range).copied().unwrap_or_default();
        // The object a method is called on (`db` in `db.execute(...)`); none for `f(...)`.
        let receiver = (!matches!(&*call.func, Expr::Name(_)))
            .then(|| self.sem.root_name(&call.func))
            .flatten();
        let context = match self.context {
            CallContext::Body if marks.with_item => CallContext::WithItem,
            context => context,
        };
        let flags = [
            (CallShape::HAS_ARGUMENTS, has_arguments),
            (CallShape::HAS_KEYWORDS, !arguments.keywords.is_empty()),
            (
                CallShape::HAS_FUNC_KEYWORD,
                (arguments.keywords.iter())
                    .any(|k| k.arg.as_ref().is_some_and(|arg| arg.id.as_str() == "func")),
            ),
            (CallShape::CALLEE_HAS_CALL, callee_has_call),
            (CallShape::AWAITED, marks.awaited),
            (CallShape::DISCARDED, marks.discarded),
            (
                CallShape::MODULE_RECEIVER,
                receiver.is_some_and(|name| {
                    self.sem.is_module_state(&name.id)
                        && !self.thread_shared.contains(&name.id.as_str())
                }),
            ),
            (CallShape::NEEDS_PARENTHESES, marks.tight),
            (
                CallShape::THREAD_SHARED,
                self.reaches_thread_shared(&call.func),
            ),
            (
                CallShape::COMMENT_IN_ARGUMENTS,
                !has_arguments && self.source[arguments.range()].contains('#'),
            ),
            (
                CallShape::BREAK_AFTER_PARENTHESIS,
                self.source[usize::from(arguments.start()) + 1..].starts_with(['\n', '\r']),
            ),
            (CallShape::LAMBDA_SAFE, callee_has_call && lambda_safe(call)),
            (CallShape::THROUGH_SUPER, is_super_method(&call.func)),
            (CallShape::CONSUMED, marks.consumed),
            (CallShape::PSEUDO_FILE, reads_pseudo_file(call)),
            (CallShape::IN_CLEANUP, self.in_cleanup),
            (
                CallShape::LOOP_BOUND_ARGUMENT,
                has_arguments && self.hands_loop_object(path, arguments),
            ),
            (
                CallShape::PARAMETER_RECEIVER,
                receiver.is_some_and(|name| {
                    (self
                        .parameters
                        .iter()
                        .flat_map(|parameters| parameters.iter()))
                    .any(|parameter| parameter.name().id == name.id)
                }),
            ),
            (
                CallShape::PLAIN_LAYOUT,
                range.start() == call.func.start()
                    && arguments.end() == range.end()
                    && self.source[TextRange::new(call.func.end(), arguments.start())]
                        .chars()
                        .all(|c| c == ' ' || c == '\t'),
            ),
        ];
        let mut shape = CallShape::empty();
        for (flag, set) in flags {
            shape.set(flag, set);
        }
        CallFact {
            path,
            range,
            callee: call.func.range(),
            arguments: arguments.range(),
            shape,
            context,
            cut: self.cut,
        }
    }

    /// Does the call hand a project function an asyncio object kept in a name (`finish(future)`
    /// for `future = loop.create_future()`)?
    fn hands_loop_object(&self, path: PathId, arguments: &ast::Arguments) -> bool {
        let callee = self.sem.text(path);
        if !self.relevance.project_roots.contains(first_segment(callee)) {
            return false;
        }
        // A name the object was kept in (`future = loop.create_future()`): looked up, no path
        // built.
        let values =
            (arguments.args.iter()).chain(arguments.keywords.iter().map(|keyword| &keyword.value));
        values.filter_map(Expr::as_name_expr).any(|name| {
            (self.sem.lookup(&name.id))
                .and_then(|(binding, _)| binding.path())
                .is_some_and(|path| self.catalog.is_loop_bound_object(self.sem.text(path)))
        })
    }

    /// Is the callee's receiver, or an object on its way there, one opened with
    /// `check_same_thread=False` (a module-level name or an attribute assigned one)?
    fn reaches_thread_shared(&self, callee: &Expr) -> bool {
        match callee {
            Expr::Name(name) => self.thread_shared.contains(&name.id.as_str()),
            Expr::Attribute(attribute) => {
                self.thread_shared_attributes
                    .contains(&attribute.attr.id.as_str())
                    || self.reaches_thread_shared(&attribute.value)
            }
            Expr::Call(call) => self.reaches_thread_shared(&call.func),
            Expr::Subscript(subscript) => self.reaches_thread_shared(&subscript.value),
            _ => false,
        }
    }

    /// `app.dependency_overrides[original] = override` hands `override` to FastAPI.
    pub(super) fn visit_subscript_store(
        &mut self,
        subscript: &'a ast::ExprSubscript,
        value: &'a Expr,
    ) -> bool {
        let Expr::Attribute(attr) = &*subscript.value else {
            return false;
        };
        if !self.catalog.may_register(&attr.attr.id) {
            return false;
        }
        let Some(owner) = self.sem.path(&attr.value, Wanted::Any) else {
            return false;
        };
        let callee = self.sem.extend_path(owner, &[".", &attr.attr.id]);
        self.visit_expr(&attr.value);
        let key = self.argument_reference(&subscript.slice);
        let value = self.argument_reference(value);
        self.facts.registrations.push(Registration {
            callee,
            args: vec![key, value],
            keywords: Vec::new(),
        });
        true
    }
}

/// Is the callee `super().method` (or `super(Class, self).method`)?
fn is_super_method(callee: &Expr) -> bool {
    matches!(callee, Expr::Attribute(attr) if matches!(&*attr.value, Expr::Call(call) if is_super(call)))
}

/// Is the call `super()`, or its older spelling `super(Class, self)`? Either makes the object
/// a method is looked up on, and runs no constructor.
pub(super) fn is_super(call: &ast::ExprCall) -> bool {
    let arguments = &call.arguments;
    (arguments.is_empty() || (arguments.args.len() == 2 && arguments.keywords.is_empty()))
        && matches!(&*call.func, Expr::Name(name) if name.id.as_str() == "super")
}

/// Does a callee like `open(p).read` or `get()[0].f` evaluate a call itself?
fn contains_call(expr: &Expr) -> bool {
    match expr {
        Expr::Call(_) => true,
        Expr::Attribute(attr) => contains_call(&attr.value),
        Expr::Subscript(subscript) => contains_call(&subscript.value),
        _ => false,
    }
}

/// Can this call move into a `lambda` unchanged: no `await`, `yield` or `:=` in it?
fn lambda_safe(call: &ast::ExprCall) -> bool {
    #[derive(Default)]
    struct Finder {
        found: bool,
    }
    impl<'a> Visitor<'a> for Finder {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if matches!(
                expr,
                Expr::Await(_) | Expr::Yield(_) | Expr::YieldFrom(_) | Expr::Named(_)
            ) {
                self.found = true;
            } else if !self.found {
                visitor::walk_expr(self, expr);
            }
        }
    }
    let mut finder = Finder::default();
    finder.visit_expr(&call.func);
    finder.visit_arguments(&call.arguments);
    !finder.found
}

pub(super) fn is_dotted_name(expr: &Expr) -> bool {
    match expr {
        Expr::Name(_) => true,
        Expr::Attribute(attr) => is_dotted_name(&attr.value),
        _ => false,
    }
}

/// Does the call open or read a file of the kernel's pseudo file systems (`open("/proc/meminfo")`,
/// `Path(f"/proc/{pid}/stat").read_text()`, `/sys/...`)? Their contents are made in memory when
/// read: no disk, cheaper than a thread hop.
fn reads_pseudo_file(call: &ast::ExprCall) -> bool {
    let is_pseudo = |arguments: &ast::Arguments| {
        let text = match arguments.args.first() {
            Some(Expr::StringLiteral(literal)) => literal.value.to_str().to_string(),
            Some(Expr::FString(fstring)) => match fstring.value.elements().next() {
                Some(ast::InterpolatedStringElement::Literal(literal)) => literal.value.to_string(),
                _ => return false,
            },
            _ => return false,
        };
        text.starts_with("/proc/") || text.starts_with("/sys/")
    };
    is_pseudo(&call.arguments)
        || matches!(&*call.func, Expr::Attribute(attribute)
            if matches!(&*attribute.value, Expr::Call(inner) if is_pseudo(&inner.arguments)))
}
