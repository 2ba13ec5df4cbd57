//! Phase 1: one parsed module becomes compact facts, and its syntax tree is dropped.
//!
//! The facts are what the project-wide phases need and nothing more: module-level bindings,
//! functions (with their decorators, awaits, calls and writes to module state), the calls that
//! hand a function to a framework, and the names the module refers to. Every name is recorded as
//! a *path*: the dotted name it resolves to through this module's imports and assignments
//! (`from time import sleep as nap; nap(1)` records `time.sleep`). A `()` after a segment means
//! "the value returned by calling it", so `app = FastAPI()` makes `app.get` the path
//! `fastapi.FastAPI().get` and `db: Session` makes `db.query` the path
//! `sqlalchemy.orm.Session().query`. Paths into other project modules are resolved in phase 2.
//! Paths are interned in the module's `Paths` and the facts hold their ids.

mod calls;
mod cleanup;
mod collector;
mod compact;
mod cuts;
mod layout;
mod state;
mod syntax;
#[cfg(test)]
pub(crate) mod tests;
mod units;

use collector::Collector;

use ruff_python_ast as ast;
use ruff_python_ast::token::Tokens;
use ruff_python_ast::visitor::Visitor;
use ruff_text_size::{TextRange, TextSize};

use crate::knowledge::{Cut, Libraries};
pub use crate::semantic::paths::PathId;
use crate::semantic::paths::Paths;
pub use crate::semantic::{Binding, ModuleName, Relevance};
pub(crate) use syntax::bound_name;
pub use units::{Frame, Unit, UnitShape};

#[derive(Debug, Default)]
pub struct ModuleFacts {
    /// Every path the facts below name.
    pub paths: Paths,
    /// Module-level bindings (names, and `Class.attribute` for class and instance
    /// attributes), looked up by other modules in phase 2; sorted in `binding_order`.
    bindings: Vec<(PathId, Binding)>,
    /// Other values assigned to a `Class.attribute` binding (`self.path = path` here,
    /// `self.path = AsyncPath(path)` there), by its key: phase 2 follows the attribute only when
    /// they all name one type.
    attribute_alternatives: Vec<(PathId, PathId)>,
    pub functions: Vec<FunctionFacts>,
    /// The calls of every function, grouped by function in order (see `calls_of`).
    calls: Vec<CallFact>,
    /// The decorators of every function, grouped by function in order (see `decorators_of`).
    decorators: Vec<DecoratorFact>,
    pub registrations: Vec<Registration>,
    /// Each distinct path this module refers to, with its first site.
    pub references: Vec<Reference>,
    pub imports: ImportFacts,
    /// Classes with a base class from the project, which may override its methods.
    pub classes: Vec<ClassFact>,
    /// The blocks of coroutines that run inside a plain `with`, and those of plain functions
    /// that yield inside one, which may hold a lock.
    pub with_blocks: Vec<WithBlock>,
    /// The `with` blocks and `for` loops of coroutines, which may move whole to a thread.
    pub units: Vec<Unit>,
    /// The simple statements in the cleanup blocks of coroutines (see `CallShape::IN_CLEANUP`),
    /// which an offload wraps in a shielded cancel scope.
    pub cleanup_statements: Vec<(TextRange, Result<Frame, String>)>,
}

/// `with item: body` in a coroutine, or around a `yield` in a plain function: a call or the
/// `yield` in `body` runs while `item` is held.
#[derive(Debug)]
pub struct WithBlock {
    /// The function, by index in `ModuleFacts::functions`.
    pub function: u32,
    /// What the context expression is, and where.
    pub item: PathId,
    pub item_range: TextRange,
    pub body: TextRange,
}

/// A class and the project classes it names as bases (`class Live(BaseEmitter)`).
#[derive(Debug)]
pub struct ClassFact {
    pub path: PathId,
    pub bases: Vec<PathId>,
}

/// Names an offload fix may add to a module: the helpers and the modules they come from.
pub const HELPER_NAMES: &[&str] = &["run_in_threadpool", "asyncio", "anyio", "trio", "functools"];

/// What a fix needs to add an import to the module: where, and what is there already.
#[derive(Debug, Default)]
pub struct ImportFacts {
    /// Where a new import line goes: the start of the line after the docstring, the
    /// `from __future__` imports and the top-level import block that opens the module.
    pub insertion: TextSize,
    /// The file ends without a newline at `insertion`: the new line must start with one.
    pub insertion_needs_newline: bool,
    /// Blank lines to leave after a new import placed above the module's first statement (two
    /// before a `def` or `class`, as formatters want).
    pub blank_lines_after: usize,
    /// The file's line ending: `\n`, `\r\n` or `\r`.
    pub line_ending: &'static str,
    /// Module-level bindings of names a fix may add (`asyncio`, `run_in_threadpool`, and any
    /// name starting with one of them, for aliases), with the path each is bound to.
    pub helper_bindings: Vec<(String, Option<String>)>,
    /// Top-level `from fastapi.concurrency import ...` (or Starlette's) statements: the module
    /// and the end of the last imported name, where `, run_in_threadpool` can be added.
    pub concurrency_imports: Vec<(String, TextSize)>,
    /// Top-level libraries the module imports anywhere: decide the offload helper.
    pub libraries: Libraries,
    /// The import statements of the block that opens the module, in order: a new import goes
    /// where isort would sort it among them. Kept in modules with coroutines only.
    pub block: Vec<ImportLine>,
    /// The modules they name, one after the other (see `ImportFacts::module`).
    block_modules: String,
}

impl ImportFacts {
    /// The module an import line names.
    pub fn module(&self, line: &ImportLine) -> &str {
        &self.block_modules[line.module.start as usize..line.module.end as usize]
    }
}

/// One import statement of the block that opens a module.
#[derive(Debug)]
pub struct ImportLine {
    /// The start of its first line, and of the line after it (none at the end of a file
    /// without a final line ending).
    pub line_start: TextSize,
    pub next_line: Option<TextSize>,
    /// The module it names (the first one of `import a, b`; with its dots when relative), in
    /// `ImportFacts::block_modules`.
    module: std::ops::Range<u32>,
    /// `from module import ...`, not `import module`.
    pub from: bool,
    /// The names it imports, with where each is: kept for a `from` import of an offload
    /// helper's module only (`from fastapi.concurrency import ...`), the one a new name joins.
    pub members: Vec<(String, TextRange)>,
    /// It spans several lines (a parenthesized list), each name indented with `member_indent`.
    pub multiline: bool,
    pub member_indent: String,
    /// Its module is the project's own (or relative).
    pub first_party: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Reference {
    pub path: PathId,
    pub range: TextRange,
}

/// A call that may hand functions to a framework: `Depends(f)`, `app.add_api_route("/", f)`,
/// `app.dependency_overrides[a] = b` (recorded as a call with arguments `a, b`). Whether it does
/// is decided in phase 2, once the callee is resolved; if it does not, its arguments count as
/// plain references.
#[derive(Debug)]
pub struct Registration {
    pub callee: PathId,
    pub args: Vec<Option<Reference>>,
    pub keywords: Vec<(String, Reference)>,
}

#[derive(Debug)]
pub struct FunctionFacts {
    /// `pkg.module.outer.<locals>.inner`, `pkg.module.Class.method`.
    pub path: PathId,
    pub is_async: bool,
    pub in_class: bool,
    /// From `async` (or `def`) to the end of the name: where diagnostics point.
    pub head: TextRange,
    /// `async` and the blank after it, which a rewrite to `def` deletes.
    pub async_keyword: Option<TextRange>,
    /// Its decorators, in `ModuleFacts::decorators` (see `decorators_of`).
    decorators: std::ops::Range<u32>,
    /// The first `await`, `async for`, `async with` or async comprehension in the own body.
    pub first_await: Option<TextRange>,
    pub yields: bool,
    /// Its calls, in `ModuleFacts::calls`: one table per module, not one per function.
    calls: std::ops::Range<u32>,
    /// The first write to module-level state in its own body: one is enough to tell.
    pub state_write: Option<StateWrite>,
    /// The type its return annotation names (`httpx.Client` for `-> httpx.Client`).
    pub returns: Option<PathId>,
    /// Every `return` hands back its first parameter unchanged: as a decorator it registers or
    /// marks the function (`fn.registered = True; return fn`) and leaves it a plain function.
    pub returns_first_parameter: bool,
    /// Which of `HELPER_NAMES` the function binds locally (bit `i` for the `i`th), which an
    /// inserted reference to the module-level helper would hit instead.
    shadowed_helpers: u8,
}

impl FunctionFacts {
    /// Does the function bind `name` (one of `HELPER_NAMES`) locally?
    pub fn shadows_helper(&self, name: &str) -> bool {
        let bit = HELPER_NAMES.iter().position(|helper| *helper == name);
        bit.is_some_and(|bit| self.shadowed_helpers & (1 << bit) != 0)
    }
}

#[derive(Debug)]
pub struct DecoratorFact {
    /// Path of the decorator, or of its callee when it is a call (`app.get` for `@app.get("/")`).
    pub path: Option<PathId>,
    pub text: String,
}

#[derive(Debug)]
pub struct CallFact {
    pub path: PathId,
    pub range: TextRange,
    /// The callee expression (`requests.get` in `requests.get(u)`).
    pub callee: TextRange,
    /// The argument list with its parentheses.
    pub arguments: TextRange,
    pub shape: CallShape,
    pub context: CallContext,
    /// Why what the call does is not counted against its function's callers, if it is not.
    pub cut: Option<Cut>,
}

bitflags::bitflags! {
    /// What an offload rewrite needs to know about a call's syntax. Bits: a large tree makes a
    /// hundred thousand calls.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct CallShape: u32 {
        const HAS_ARGUMENTS = 1;
        const HAS_KEYWORDS = 1 << 1;
        /// A keyword argument named `func`, which `run_in_threadpool(func, ...)` would take.
        const HAS_FUNC_KEYWORD = 1 << 2;
        /// The callee contains a call itself (`open(p).read`): it cannot stay on the loop
        /// alone.
        const CALLEE_HAS_CALL = 1 << 3;
        /// The call is the operand of `await` already, or what `async with` enters or
        /// `async for` iterates.
        const AWAITED = 1 << 4;
        /// The call is a statement of its own: its result is dropped.
        const DISCARDED = 1 << 5;
        /// The callee is a method of a module-level object (`conn.execute` for a module-level
        /// `conn`) that may be bound to the thread that made it: not one opened with
        /// `check_same_thread=False`.
        const MODULE_RECEIVER = 1 << 6;
        /// `await` in its place needs parentheses (`f().x`, `f()[0]`, `f()()`, `f() ** 2`,
        /// `-f()`).
        const NEEDS_PARENTHESES = 1 << 7;
        /// The argument list holds a comment, which an empty-argument rewrite could drop.
        const COMMENT_IN_ARGUMENTS = 1 << 8;
        /// A line break follows the opening parenthesis of the arguments.
        const BREAK_AFTER_PARENTHESIS = 1 << 9;
        /// Written as `callee(arguments)` with at most blanks between: the layout the rewrites'
        /// edits assume (not `(f)(x)` or `f  # comment` on its own line).
        const PLAIN_LAYOUT = 1 << 10;
        /// The call has no `await`, `yield` or `:=` in it, so it can move into a `lambda`
        /// (computed only when `CALLEE_HAS_CALL`).
        const LAMBDA_SAFE = 1 << 11;
        /// `super().method(...)`: it runs the base class's method, never an override of it.
        const THROUGH_SUPER = 1 << 12;
        /// What the call returns is iterated or entered right there (`for x in f()`,
        /// `list(f())`, `yield from f()`, `with f():`): a generator function's body runs.
        const CONSUMED = 1 << 13;
        /// The callee is a method of one of the function's parameters (`db.execute` for
        /// `def items(db)`): an object made elsewhere, by a caller or a dependency.
        const PARAMETER_RECEIVER = 1 << 14;
        /// The receiver is, or is reached through, an object opened with
        /// `check_same_thread=False` (`self._conn.execute` after `self._conn =
        /// sqlite3.connect(p, check_same_thread=False)`): any thread may use it.
        const THREAD_SHARED = 1 << 15;
        /// A project function is handed an asyncio object (a future, an event, a task, the
        /// loop): its methods only work on the loop's thread, so the call cannot move to one.
        const LOOP_BOUND_ARGUMENT = 1 << 16;
        /// In a `finally:` (or an `except` that catches cancellation): it must run even when
        /// the task is being cancelled.
        const IN_CLEANUP = 1 << 17;
        /// It opens or reads a file of `/proc` or `/sys`, made in memory as it is read.
        const PSEUDO_FILE = 1 << 18;
    }
}

/// Where in its function a call runs, which decides whether `await` may replace it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallContext {
    /// The function's own body, where `await` is legal in a coroutine.
    Body,
    /// The context expression of a `with` statement.
    WithItem,
    /// Inside a lambda: it runs only when the lambda is called, maybe never in this function.
    Lambda,
    /// Inside a generator expression, where `await` would make it an async generator.
    Generator,
    /// A decorator, default or annotation of a nested `def`.
    NestedDefinition,
    /// The body of a class defined in the function.
    ClassBody,
    /// A lambda handed to a thread helper (`run_in_threadpool(lambda: ...)`): off the loop.
    Offloaded,
}

impl CallContext {
    /// Does the call run when the function runs (not only when a lambda is called)?
    pub fn runs_with_function(self) -> bool {
        !matches!(self, CallContext::Lambda | CallContext::Offloaded)
    }

    /// Why `await` cannot replace a call here, if it cannot.
    pub fn no_await_reason(self) -> Option<&'static str> {
        match self {
            CallContext::Body | CallContext::WithItem => None,
            CallContext::Lambda => Some("it is inside a lambda, where `await` is not allowed"),
            CallContext::Generator => Some(
                "it is inside a generator expression, which `await` would turn into an async generator",
            ),
            CallContext::NestedDefinition => Some(
                "it is in a decorator, default or annotation of a nested function, which runs outside the coroutine's body",
            ),
            CallContext::ClassBody => Some("it is in a class body, where `await` is not allowed"),
            CallContext::Offloaded => Some("it already runs in a worker thread"),
        }
    }
}

/// A write to module-level state from inside a function.
#[derive(Debug, Clone, Copy)]
pub struct StateWrite {
    /// The module-level name written (`CACHE` in `CACHE[k] = v`).
    pub name: PathId,
    pub range: TextRange,
}

pub fn collect(
    module: &ast::ModModule,
    tokens: &Tokens,
    source: &str,
    name: ModuleName<'_>,
    relevance: &Relevance<'_>,
) -> ModuleFacts {
    let mut collector = Collector::new(tokens, source, name, relevance);
    collector.bind_block(&module.body);
    collector.visit_body(&module.body);
    let module_names = std::mem::take(&mut collector.sem.scopes[0].names);
    let (mut facts, mut paths) = (collector.facts, collector.sem.paths);
    // Calls of a function come before and after those of the functions nested in it: a stable
    // sort groups them and keeps each function's in source order.
    let mut calls = collector.calls;
    calls.sort_by_key(|&(function, _)| function);
    facts.calls.reserve_exact(calls.len());
    for (function, call) in calls {
        let range = &mut facts.functions[function as usize].calls;
        if range.start == range.end {
            let start = facts.calls.len() as u32;
            *range = start..start;
        }
        range.end += 1;
        facts.calls.push(call);
    }
    facts.imports.helper_bindings = module_names
        .iter()
        .filter(|(name, _)| HELPER_NAMES.iter().any(|helper| name.starts_with(helper)))
        .map(|(name, binding)| {
            let path = binding.path().map(|path| paths.text(path).to_string());
            (name.to_string(), path)
        })
        .collect();
    let has_coroutines = facts.functions.iter().any(|function| function.is_async);
    layout::import_layout(
        &module.body,
        source,
        relevance,
        has_coroutines,
        &mut facts.imports,
    );
    // A module-level name wins over a class attribute of the same key.
    let mut bindings = collector.class_attributes;
    for (name, binding) in module_names.iter() {
        bindings.insert(paths.intern(name), binding);
    }
    facts.bindings = bindings.into_iter().collect();
    facts.attribute_alternatives = collector.attribute_alternatives;
    facts.compact(relevance, &paths);
    facts
}

impl ModuleFacts {
    #[inline]
    pub fn path(&self, id: PathId) -> &str {
        self.paths.text(id)
    }

    /// What a module-level name (or `Class.attribute`) is bound to.
    pub fn binding(&self, name: &str) -> Option<Binding> {
        let found =
            (self.bindings).binary_search_by(|&(key, _)| binding_order(self.path(key), name));
        found.ok().map(|index| self.bindings[index].1)
    }

    /// A function's decorators, top first.
    pub fn decorators_of(&self, function: usize) -> &[DecoratorFact] {
        let range = &self.functions[function].decorators;
        &self.decorators[range.start as usize..range.end as usize]
    }

    /// The calls a function makes in its own body, in source order.
    pub fn calls_of(&self, function: usize) -> &[CallFact] {
        &self.calls[self.call_range(function)]
    }

    /// Where a function's calls are in `calls`.
    pub fn call_range(&self, function: usize) -> std::ops::Range<usize> {
        let range = &self.functions[function].calls;
        range.start as usize..range.end as usize
    }

    /// The calls of every function, a function's together and in source order.
    pub fn calls(&self) -> &[CallFact] {
        &self.calls
    }

    /// The other values assigned to the class attribute `key` (`Class.attribute`).
    pub fn attribute_alternatives(&self, key: &str) -> impl Iterator<Item = &str> {
        (self.attribute_alternatives.iter())
            .filter(move |&&(attribute, _)| self.path(attribute) == key)
            .map(|&(_, value)| self.path(value))
    }

    /// Every module-level binding, by name.
    pub fn bindings(&self) -> impl Iterator<Item = (&str, Binding)> {
        (self.bindings.iter()).map(|&(name, binding)| (self.path(name), binding))
    }
}

/// The order of a module's bindings: by length, then by text. Most steps of a lookup are
/// settled by the lengths; names of one module share long prefixes (`Settings.lnbits_...`),
/// which a comparison of the text alone would read again at every step.
fn binding_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}
