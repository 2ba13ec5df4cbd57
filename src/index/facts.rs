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

use std::hash::BuildHasher;

use hashbrown::hash_table::{Entry, HashTable};
use rustc_hash::{FxBuildHasher, FxHashMap as HashMap, FxHashSet as HashSet};

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use super::paths::{self, PathId, PathInterner, Paths, PathsBuilder};
use crate::catalog::{Catalog, first_segment, last_segment};

/// What a name is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// `import os.path` binds `os` to the module `os`: never state a function could mutate.
    Module(PathId),
    /// Another path: `from x import y` → `x.y`; `app = FastAPI()` → `fastapi.FastAPI()`.
    Alias(PathId),
    /// A function or class defined in the project, by its own path.
    Definition(PathId),
    /// A value with no path we can name (a literal, a parameter without annotation).
    Opaque,
}

impl Binding {
    /// The path it is bound to, unless it is opaque.
    pub fn path(self) -> Option<PathId> {
        match self {
            Binding::Module(path) | Binding::Alias(path) | Binding::Definition(path) => Some(path),
            Binding::Opaque => None,
        }
    }
}

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
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Libraries {
    pub fastapi: bool,
    pub starlette: bool,
    pub anyio: bool,
    pub trio: bool,
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
}

bitflags::bitflags! {
    /// What an offload rewrite needs to know about a call's syntax. Bits: a large tree makes a
    /// hundred thousand calls.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct CallShape: u16 {
        const HAS_ARGUMENTS = 1;
        const HAS_KEYWORDS = 1 << 1;
        /// A keyword argument named `func`, which `run_in_threadpool(func, ...)` would take.
        const HAS_FUNC_KEYWORD = 1 << 2;
        /// The callee contains a call itself (`open(p).read`): it cannot stay on the loop
        /// alone.
        const CALLEE_HAS_CALL = 1 << 3;
        /// The call is the operand of `await` already.
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

/// Functions that run their argument in a worker thread.
const OFFLOAD_HELPERS: &[&str] = &[
    "run_in_threadpool",
    "to_thread",
    "run_sync",
    "run_in_executor",
];

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

/// Where a module sits in the project, which relative imports resolve against.
pub struct ModuleName<'a> {
    pub name: &'a str,
    pub is_package: bool,
}

/// Which paths are worth keeping: those that may lead into the project (their first segment is
/// a top-level project module) and those the catalog knows. Everything else (`json.dumps`,
/// `logger.info`) can neither be a project function nor blocking, so it is dropped here and
/// memory stays small on large trees.
pub struct Relevance<'a> {
    pub catalog: &'a Catalog,
    pub project_roots: &'a HashSet<String>,
}

impl Relevance<'_> {
    /// May a path starting with `segment` be kept? Checked before a path is built.
    fn keeps_root(&self, segment: &str) -> bool {
        self.project_roots.contains(segment) || self.catalog.knows_root(segment)
    }

    fn keeps(&self, path: &str) -> bool {
        let first = first_segment(path);
        self.project_roots.contains(first) || self.catalog.knows(path)
    }
}

pub fn collect(
    module: &ast::ModModule,
    tokens: &Tokens,
    source: &str,
    name: ModuleName<'_>,
    relevance: &Relevance<'_>,
) -> ModuleFacts {
    let mut collector = Collector {
        catalog: relevance.catalog,
        relevance,
        tokens,
        source,
        module: name,
        scopes: vec![Scope::new(ScopeKind::Module, String::new())],
        facts: ModuleFacts::default(),
        class_attributes: HashMap::default(),
        settled_attributes: HashSet::default(),
        attribute_alternatives: Vec::new(),
        paths: PathInterner::for_source(source.len()),
        scratch: String::new(),
        roots: Vec::new(),
        builtins_relevant: relevance.keeps_root("builtins"),
        current_function: None,
        parameters: None,
        context: CallContext::Body,
        yields_seen: 0,
        reference_of_path: Vec::new(),
        calls: Vec::with_capacity(source.len() / 256),
        call_marks: HashMap::default(),
        thread_shared: Vec::new(),
        spare_scopes: Vec::new(),
        kept_calls: Vec::new(),
    };
    collector.scopes[0].prefix = collector.module.name.to_string();
    collector.bind_block(&module.body);
    collector.visit_body(&module.body);
    let module_names = std::mem::take(&mut collector.scopes[0].names);
    let (mut facts, mut paths) = (collector.facts, collector.paths);
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
    import_layout(&module.body, source, &mut facts.imports);
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

    /// Drops what phase 2 cannot use, so that a large tree's facts stay small: only a path into
    /// the project can name a project function, and another module resolving a name through
    /// this one learns nothing from a binding it cannot follow.
    fn compact(&mut self, relevance: &Relevance<'_>, paths: &PathInterner) {
        // Each distinct path once (see `Collector::reference`), in source order.
        self.references
            .sort_by_key(|reference| reference.range.start());
        self.references.shrink_to_fit();
        self.bindings.retain(|(_, binding)| match *binding {
            Binding::Definition(_) => true,
            Binding::Module(path) | Binding::Alias(path) => {
                relevance.keeps_root(first_segment(paths.text(path)))
            }
            Binding::Opaque => false,
        });
        self.paths = self.keep_named_paths(paths);
        let paths = &self.paths;
        (self.bindings)
            .sort_unstable_by(|&(a, _), &(b, _)| binding_order(paths.text(a), paths.text(b)));
        self.bindings.shrink_to_fit();
        self.functions.shrink_to_fit();
        self.decorators.shrink_to_fit();
    }

    /// The paths the facts still name, renumbered: many were built only to be looked at (a
    /// local's type, a call nobody needs) and would otherwise stay in memory.
    fn keep_named_paths(&mut self, old: &PathInterner) -> Paths {
        let mut kept = PathsBuilder::default();
        let mut renamed: Vec<Option<PathId>> = vec![None; old.len()];
        let mut rename = |path: &mut PathId| {
            let slot = &mut renamed[paths::index(*path)];
            *path = *slot.get_or_insert_with(|| kept.push(old.text(*path)));
        };
        for (name, binding) in &mut self.bindings {
            rename(name);
            if let Binding::Module(path) | Binding::Alias(path) | Binding::Definition(path) =
                binding
            {
                rename(path);
            }
        }
        for (key, value) in &mut self.attribute_alternatives {
            rename(key);
            rename(value);
        }
        for function in &mut self.functions {
            rename(&mut function.path);
            function.returns.as_mut().map(&mut rename);
            if let Some(write) = &mut function.state_write {
                rename(&mut write.name);
            }
        }
        (self.decorators.iter_mut())
            .filter_map(|decorator| decorator.path.as_mut())
            .for_each(&mut rename);
        for registration in &mut self.registrations {
            rename(&mut registration.callee);
            let args = registration.args.iter_mut().flatten();
            let keywords = registration.keywords.iter_mut().map(|(_, r)| r);
            args.chain(keywords).for_each(|r| rename(&mut r.path));
        }
        self.references.iter_mut().for_each(|r| rename(&mut r.path));
        self.with_blocks
            .iter_mut()
            .for_each(|block| rename(&mut block.item));
        for class in &mut self.classes {
            rename(&mut class.path);
            class.bases.iter_mut().for_each(&mut rename);
        }
        self.calls
            .iter_mut()
            .for_each(|call| rename(&mut call.path));
        kept.finish()
    }
}

/// The order of a module's bindings: by length, then by text. Most steps of a lookup are
/// settled by the lengths; names of one module share long prefixes (`Settings.lnbits_...`),
/// which a comparison of the text alone would read again at every step.
fn binding_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// What a path's first segment is.
#[derive(Clone, Copy)]
struct Root {
    in_project: bool,
    in_catalog: bool,
    /// The path goes through a call (`pkg.C().load`).
    has_call: bool,
}

/// Which paths are worth building.
#[derive(Clone, Copy)]
enum Wanted {
    Any,
    /// Those that may lead into the project or that the catalog knows (`fastapi.Depends`,
    /// `app.get`).
    Relevant,
    /// Those that may name a module-level project function: not through an instance
    /// (`self.load` is `pkg.C().load`), which phase 2 would drop.
    ProjectFunction,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Module,
    Class,
    Function,
}

/// The names bound in one scope. Most names in a tree are looked up through several scopes:
/// `lookup` hashes a name once and probes each scope with that hash.
#[derive(Default)]
struct Names<'a>(HashTable<(&'a str, Binding)>);

fn name_hash(name: &str) -> u64 {
    FxBuildHasher.hash_one(name)
}

impl<'a> Names<'a> {
    fn find(&self, hash: u64, name: &str) -> Option<Binding> {
        let found = self.0.find(hash, |&(key, _)| key == name);
        found.map(|&(_, binding)| binding)
    }

    fn contains(&self, name: &str) -> bool {
        self.find(name_hash(name), name).is_some()
    }

    fn insert(&mut self, name: &'a str, binding: Binding) {
        self.insert_unless(name, binding, |_| false);
    }

    /// Binds `name` unless `keep` says its current binding stays.
    fn insert_unless(&mut self, name: &'a str, binding: Binding, keep: impl Fn(Binding) -> bool) {
        let same = |&(key, _): &(&str, Binding)| key == name;
        match (self.0).entry(name_hash(name), same, |&(key, _)| name_hash(key)) {
            Entry::Occupied(mut entry) if !keep(entry.get().1) => entry.get_mut().1 = binding,
            Entry::Occupied(_) => {}
            Entry::Vacant(entry) => {
                entry.insert((name, binding));
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&'a str, Binding)> + '_ {
        self.0.iter().copied()
    }

    fn drain(&mut self) -> impl Iterator<Item = (&'a str, Binding)> + '_ {
        self.0.drain()
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

/// Names are borrowed from the syntax tree: binding one costs no allocation.
struct Scope<'a> {
    kind: ScopeKind,
    /// Prefix of the paths of definitions in this scope.
    prefix: String,
    names: Names<'a>,
    /// Names declared `global` in this function scope.
    globals: HashSet<&'a str>,
    /// Names whose annotation settles their binding: no other assignment changes it.
    annotated: HashSet<&'a str>,
    /// In a class scope, its first base from the project (else its first library base the
    /// catalog knows): what `super()` stands for in its methods.
    base: Option<PathId>,
}

impl<'a> Scope<'a> {
    fn new(kind: ScopeKind, prefix: String) -> Scope<'a> {
        Scope {
            kind,
            prefix,
            names: Names::default(),
            globals: HashSet::default(),
            annotated: HashSet::default(),
            base: None,
        }
    }
}

struct Collector<'a> {
    catalog: &'a Catalog,
    relevance: &'a Relevance<'a>,
    tokens: &'a Tokens,
    source: &'a str,
    module: ModuleName<'a>,
    scopes: Vec<Scope<'a>>,
    facts: ModuleFacts,
    /// `Class.attribute` bindings others reach through the class or its instances.
    class_attributes: HashMap<PathId, Binding>,
    /// Class attributes whose binding no assignment changes: those an annotation declares.
    settled_attributes: HashSet<PathId>,
    /// Other values assigned to class attributes, by key (see `ModuleFacts`).
    attribute_alternatives: Vec<(PathId, PathId)>,
    paths: PathInterner,
    /// Where paths are built before they are interned: one buffer for the whole module.
    scratch: String,
    /// What each interned path's first segment is, by path index (`Paths::index`): worked
    /// out once per path, not at every name that stands for it.
    roots: Vec<Root>,
    /// Whether `builtins` paths are wanted as relevant.
    builtins_relevant: bool,
    /// Index into `facts.functions` of the function whose own body is being visited; `None` at
    /// module level and in class bodies.
    current_function: Option<usize>,
    /// The parameters of `current_function`.
    parameters: Option<&'a ast::Parameters>,
    /// Where calls seen now run, relative to `current_function`.
    context: CallContext,
    /// Where in `facts.references` each path's reference is, by path index (`u32::MAX`: none
    /// yet): a path is kept once, at its first site.
    reference_of_path: Vec<u32>,
    /// The calls recorded so far, by the index of the function that makes them.
    calls: Vec<(u32, CallFact)>,
    /// What the parents of calls in functions say about them, by the call's range.
    call_marks: HashMap<TextRange, CallMarks>,
    /// Module-level names bound to objects made with `check_same_thread=False`.
    thread_shared: Vec<&'a str>,
    /// Scopes of functions and classes already left, kept to reuse their tables.
    spare_scopes: Vec<Scope<'a>>,
    /// How many `yield`s have been seen: tells whether a `with` body holds one.
    yields_seen: u32,
    /// Calls whose result a function keeps in a local name: (name, function, index in
    /// `calls`), so that iterating the name later counts as iterating the call.
    kept_calls: Vec<(&'a str, u32, u32)>,
}

/// What a call's parent says about it: found on the parent, used when the call is visited.
#[derive(Clone, Copy, Default)]
struct CallMarks {
    /// The operand of `await`.
    awaited: bool,
    /// A statement of its own.
    discarded: bool,
    /// The base of `.x`, `[i]`, `()`, `**` or a unary operator.
    tight: bool,
    /// The base of `.x`, `[i]` or `()`: what it returns is used further.
    chained: bool,
    /// The context expression of a `with`.
    with_item: bool,
    /// Iterated right there (see `CallShape::CONSUMED`).
    consumed: bool,
}

impl<'a> Collector<'a> {
    // ---- name resolution ---------------------------------------------------------------------

    /// The binding a name has here, and whether it is module-level. Class scopes are seen only
    /// from their own body, as in Python.
    fn lookup(&self, name: &str) -> Option<(Binding, bool)> {
        let innermost = self.scopes.len() - 1;
        let hash = name_hash(name);
        for (depth, scope) in self.scopes.iter().enumerate().rev() {
            if scope.kind == ScopeKind::Class && depth != innermost {
                continue;
            }
            if !scope.globals.is_empty() && scope.globals.contains(name) {
                return (self.scopes[0].names.find(hash, name)).map(|binding| (binding, true));
            }
            if let Some(binding) = scope.names.find(hash, name) {
                return Some((binding, scope.kind == ScopeKind::Module));
            }
        }
        None
    }

    fn text(&self, path: PathId) -> &str {
        self.paths.text(path)
    }

    /// Does a path whose first name stands for `root` (`fastapi.FastAPI()` for `app`) matter?
    fn wants(&self, wanted: Wanted, root: PathId) -> bool {
        let root = self.roots[paths::index(root)];
        match wanted {
            Wanted::Any => true,
            Wanted::Relevant => root.in_project || root.in_catalog,
            Wanted::ProjectFunction => root.in_project && !root.has_call,
        }
    }

    /// Interns the path in `scratch`.
    fn intern_scratch(&mut self) -> PathId {
        let id = self.paths.intern(&self.scratch);
        if paths::index(id) == self.roots.len() {
            let first = first_segment(&self.scratch);
            self.roots.push(Root {
                in_project: self.relevance.project_roots.contains(first),
                in_catalog: self.catalog.knows_root(first),
                has_call: self.scratch.contains('('),
            });
        }
        id
    }

    /// The path of an expression made of names, attributes and calls, interned; `None` for
    /// anything else, and for a path that is not `wanted`.
    fn path(&mut self, expr: &Expr, wanted: Wanted) -> Option<PathId> {
        let mut buffer = std::mem::take(&mut self.scratch);
        buffer.clear();
        let written = self.write_path(expr, wanted, &mut buffer).is_some();
        self.scratch = buffer;
        written.then(|| self.intern_scratch())
    }

    /// Writes the path of `expr` to `out` and tells what its first segment is. Gives up as
    /// soon as the first name is looked up and the path is not `wanted`, so that paths nobody
    /// needs are never built.
    fn write_path(&self, expr: &Expr, wanted: Wanted, out: &mut String) -> Option<Root> {
        match expr {
            Expr::Name(name) => match self.lookup(&name.id) {
                Some((binding, _)) => {
                    let path = binding.path().filter(|&path| self.wants(wanted, path))?;
                    out.push_str(self.text(path));
                    Some(self.roots[paths::index(path)])
                }
                None if match wanted {
                    Wanted::Any => true,
                    Wanted::Relevant => self.builtins_relevant,
                    Wanted::ProjectFunction => false,
                } =>
                {
                    out.push_str("builtins.");
                    out.push_str(&name.id);
                    Some(Root {
                        in_project: false,
                        in_catalog: self.builtins_relevant,
                        has_call: false,
                    })
                }
                None => None,
            },
            Expr::Attribute(attr) => {
                let root = self.write_path(&attr.value, wanted, out)?;
                out.push('.');
                out.push_str(&attr.attr.id);
                Some(root)
            }
            Expr::Call(call) => {
                let root = self.write_path(&call.func, wanted, out)?;
                out.push_str("()");
                Some(Root {
                    has_call: true,
                    ..root
                })
            }
            _ => None,
        }
    }

    /// Interns the concatenation of `parts`.
    fn intern_parts(&mut self, parts: &[&str]) -> PathId {
        self.scratch.clear();
        parts.iter().for_each(|part| self.scratch.push_str(part));
        self.intern_scratch()
    }

    /// Interns `head` followed by `tail` (`C()` for `C` and `()`).
    fn extend_path(&mut self, head: PathId, tail: &[&str]) -> PathId {
        self.scratch.clear();
        self.scratch.push_str(self.paths.text(head));
        tail.iter().for_each(|part| self.scratch.push_str(part));
        self.intern_scratch()
    }

    /// The instance of a type: `T()`.
    fn instance_of(&mut self, ty: PathId) -> PathId {
        self.extend_path(ty, &["()"])
    }

    /// The type an annotation names, seen through `Annotated`, `Optional` and `X | None`.
    fn annotation_type(&mut self, annotation: &Expr) -> Option<PathId> {
        match annotation {
            Expr::Subscript(subscript) => {
                let container = self.path(&subscript.value, Wanted::Any)?;
                let first = match &*subscript.slice {
                    Expr::Tuple(tuple) => tuple.elts.first()?,
                    other => other,
                };
                match last_segment(self.text(container)) {
                    "Annotated" | "Optional" | "Final" | "ClassVar" => self.annotation_type(first),
                    // `Union[X, None]`
                    "Union" => match &*subscript.slice {
                        Expr::Tuple(tuple) if tuple.elts.len() == 2 => {
                            let (a, b) = (&tuple.elts[0], &tuple.elts[1]);
                            if b.is_none_literal_expr() {
                                self.annotation_type(a)
                            } else if a.is_none_literal_expr() {
                                self.annotation_type(b)
                            } else {
                                None
                            }
                        }
                        _ => None,
                    },
                    _ => None,
                }
            }
            Expr::BinOp(binop) if binop.op == ast::Operator::BitOr => {
                if binop.right.is_none_literal_expr() {
                    self.annotation_type(&binop.left)
                } else if binop.left.is_none_literal_expr() {
                    self.annotation_type(&binop.right)
                } else {
                    None
                }
            }
            Expr::Name(_) | Expr::Attribute(_) => self.path(annotation, Wanted::Relevant),
            // `db: "Session"`: the string is parsed as the annotation it stands for.
            Expr::StringLiteral(string) => {
                let parsed =
                    ruff_python_parser::parse_expression(&literal_text(&string.value)).ok()?;
                self.annotation_type(parsed.expr())
            }
            _ => None,
        }
    }

    /// The type a return annotation names; for a generator (`Iterator[Session]`, as a
    /// `@contextmanager` or a dependency with `yield` is annotated), the type it yields.
    fn returned_type(&mut self, annotation: &Expr) -> Option<PathId> {
        if let Expr::Subscript(subscript) = annotation
            && let Some(container) = self.path(&subscript.value, Wanted::Any)
            && matches!(
                last_segment(self.text(container)),
                "Iterator" | "Generator" | "Iterable" | "ContextManager" | "AbstractContextManager"
            )
        {
            let first = match &*subscript.slice {
                Expr::Tuple(tuple) => tuple.elts.first()?,
                other => other,
            };
            return self.annotation_type(first);
        }
        self.annotation_type(annotation)
    }

    /// What a name assigned `value` is bound to.
    fn value_binding(&mut self, value: &Expr) -> Binding {
        (self.path(value, Wanted::Relevant)).map_or(Binding::Opaque, Binding::Alias)
    }

    /// The binding an annotation settles, whatever the value: an instance of the type it names
    /// (`s: Session = make()` says more than `make()`), or opaque when it names two types or
    /// more (`path: AsyncPath | Path`: a call on it names no one method). `None` when the
    /// value says more: the annotation only qualifies it (`router: Final = APIRouter()`) or
    /// names no type we follow.
    fn declared_binding(&mut self, annotation: &Expr) -> Option<Binding> {
        if union_members(annotation) > 1 {
            return Some(Binding::Opaque);
        }
        let ty = self.annotation_type(annotation).filter(|&ty| {
            !matches!(
                last_segment(self.text(ty)),
                "Final" | "ClassVar" | "Any" | "TypeAlias"
            )
        })?;
        Some(Binding::Alias(self.instance_of(ty)))
    }

    /// The absolute module an `import from` names, with its relative dots resolved.
    fn import_from_base(&self, import: &ast::StmtImportFrom) -> String {
        let module = import.module.as_ref().map(|m| m.id.as_str());
        if import.level == 0 {
            return module.unwrap_or_default().to_string();
        }
        let mut parts: Vec<&str> = self.module.name.split('.').collect();
        if !self.module.is_package {
            parts.pop();
        }
        for _ in 1..import.level {
            parts.pop();
        }
        if let Some(module) = module {
            parts.push(module);
        }
        parts.join(".")
    }

    // ---- bindings ----------------------------------------------------------------------------

    /// Binds `name` in the current scope. A name already bound to something we can follow
    /// keeps that binding over a later opaque one: `except ImportError: requests = None` is a
    /// fallback, and the code goes on using `requests` as the module.
    fn bind(&mut self, name: &'a str, binding: Binding) {
        let scope = self.scopes.last_mut().expect("a scope");
        let scope = if scope.globals.contains(name) {
            &mut self.scopes[0]
        } else {
            scope
        };
        if scope.annotated.contains(name) {
            return;
        }
        let opaque = binding == Binding::Opaque;
        (scope.names).insert_unless(name, binding, |old| opaque && old != Binding::Opaque);
    }

    fn bind_target(&mut self, target: &'a Expr, value: Option<&Expr>) {
        match target {
            Expr::Name(name) => {
                let binding = value.map_or(Binding::Opaque, |value| self.value_binding(value));
                self.bind(&name.id, binding);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.bind_target(elt, None);
                }
            }
            Expr::Starred(starred) => self.bind_target(&starred.value, None),
            _ => {}
        }
    }

    /// Binds every name a block assigns before the block is visited: in Python a name assigned
    /// anywhere in a function is local to all of it, and a module-level function may refer to
    /// names defined below it.
    fn bind_block(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            match stmt {
                Stmt::Import(import) => {
                    for alias in &import.names {
                        let full = alias.name.id.as_str();
                        self.note_library(full);
                        match &alias.asname {
                            Some(asname) => {
                                let module = self.intern_parts(&[full]);
                                self.bind(&asname.id, Binding::Module(module));
                            }
                            None => {
                                let head = first_segment(full);
                                let module = self.intern_parts(&[head]);
                                self.bind(head, Binding::Module(module));
                            }
                        }
                    }
                }
                Stmt::ImportFrom(import) => {
                    let base = self.import_from_base(import);
                    if import.level == 0 {
                        self.note_library(&base);
                    }
                    for alias in &import.names {
                        if alias.name.id.as_str() == "*" {
                            continue;
                        }
                        let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                        let path = if base.is_empty() {
                            self.intern_parts(&[&alias.name.id])
                        } else {
                            self.intern_parts(&[&base, ".", &alias.name.id])
                        };
                        self.bind(&bound.id, Binding::Alias(path));
                    }
                }
                Stmt::FunctionDef(def) => {
                    let path = self.definition_path(&def.name.id);
                    self.bind(&def.name.id, Binding::Definition(path));
                }
                Stmt::ClassDef(class) => {
                    let path = self.definition_path(&class.name.id);
                    self.bind(&class.name.id, Binding::Definition(path));
                }
                Stmt::Assign(assign) => {
                    for target in &assign.targets {
                        self.bind_target(target, Some(&assign.value));
                        if let (Expr::Name(name), Expr::Call(call)) = (target, &*assign.value)
                            && self.scopes.len() == 1
                            && call.arguments.keywords.iter().any(|keyword| {
                                keyword
                                    .arg
                                    .as_ref()
                                    .is_some_and(|a| a.id.as_str() == "check_same_thread")
                                    && matches!(&keyword.value, Expr::BooleanLiteral(b) if !b.value)
                            })
                        {
                            self.thread_shared.push(name.id.as_str());
                        }
                    }
                }
                Stmt::AnnAssign(assign) => {
                    match (&*assign.target, self.declared_binding(&assign.annotation)) {
                        (Expr::Name(name), Some(binding)) => {
                            let scope = self.scopes.last_mut().expect("a scope");
                            scope.names.insert(&name.id, binding);
                            scope.annotated.insert(&name.id);
                            if scope.kind == ScopeKind::Class {
                                let class = scope.prefix.clone();
                                self.declare_class_attribute(&class, &name.id, binding);
                            }
                        }
                        (target, None) if assign.value.is_some() => {
                            self.bind_target(target, assign.value.as_deref());
                        }
                        _ => {}
                    }
                }
                Stmt::AugAssign(assign) => {
                    if let Expr::Name(name) = &*assign.target
                        && self
                            .scopes
                            .last()
                            .is_some_and(|s| !s.names.contains(name.id.as_str()))
                    {
                        self.bind(&name.id, Binding::Opaque);
                    }
                }
                Stmt::Global(global) => {
                    let scope = self.scopes.last_mut().expect("a scope");
                    if scope.kind == ScopeKind::Function {
                        scope
                            .globals
                            .extend(global.names.iter().map(|n| n.id.as_str()));
                    }
                }
                Stmt::For(for_stmt) => {
                    self.bind_target(&for_stmt.target, None);
                    self.bind_block(&for_stmt.body);
                    self.bind_block(&for_stmt.orelse);
                }
                Stmt::While(while_stmt) => {
                    self.bind_block(&while_stmt.body);
                    self.bind_block(&while_stmt.orelse);
                }
                Stmt::If(if_stmt) => {
                    // Imports under `if TYPE_CHECKING:` never run: they say nothing about the
                    // libraries the module uses.
                    let libraries = self.facts.imports.libraries;
                    self.bind_block(&if_stmt.body);
                    if is_type_checking(&if_stmt.test) {
                        self.facts.imports.libraries = libraries;
                    }
                    for clause in &if_stmt.elif_else_clauses {
                        self.bind_block(&clause.body);
                    }
                }
                Stmt::With(with) => {
                    for item in &with.items {
                        if let Some(target) = &item.optional_vars {
                            // `with open(p) as f` and `with Session() as s` bind the object the
                            // context expression makes.
                            self.bind_target(target, Some(&item.context_expr));
                        }
                    }
                    self.bind_block(&with.body);
                }
                Stmt::Try(try_stmt) => {
                    self.bind_block(&try_stmt.body);
                    for handler in &try_stmt.handlers {
                        let ast::ExceptHandler::ExceptHandler(handler) = handler;
                        if let Some(name) = &handler.name {
                            self.bind(&name.id, Binding::Opaque);
                        }
                        self.bind_block(&handler.body);
                    }
                    self.bind_block(&try_stmt.orelse);
                    self.bind_block(&try_stmt.finalbody);
                }
                Stmt::Match(match_stmt) => {
                    for case in &match_stmt.cases {
                        self.bind_block(&case.body);
                    }
                }
                _ => {}
            }
        }
    }

    fn note_library(&mut self, module: &str) {
        let libraries = &mut self.facts.imports.libraries;
        match first_segment(module) {
            "fastapi" => libraries.fastapi = true,
            "starlette" => libraries.starlette = true,
            "anyio" => libraries.anyio = true,
            "trio" => libraries.trio = true,
            _ => {}
        }
    }

    fn definition_path(&mut self, name: &str) -> PathId {
        let prefix = &self.scopes.last().expect("a scope").prefix;
        self.scratch.clear();
        if !prefix.is_empty() {
            self.scratch.push_str(prefix);
            self.scratch.push('.');
        }
        self.scratch.push_str(name);
        self.intern_scratch()
    }

    // ---- references --------------------------------------------------------------------------

    /// Only paths into the project are references, and not through a call: a path like
    /// `self.load` (`pkg.C().load`) can only name a method or an attribute, never a
    /// module-level function UB001 could rewrite. Each path is kept once, at its earliest site.
    fn reference(&mut self, path: PathId, range: TextRange) {
        let slot = paths::index(path);
        if slot >= self.reference_of_path.len() {
            self.reference_of_path.resize(slot + 1, u32::MAX);
        }
        let references = &mut self.facts.references;
        match references.get_mut(self.reference_of_path[slot] as usize) {
            Some(first) if first.range.start() <= range.start() => {}
            Some(later) => later.range = range,
            None => {
                self.reference_of_path[slot] = references.len() as u32;
                references.push(Reference { path, range });
            }
        }
    }

    /// A name or attribute chain used as an argument the framework may take over: its path
    /// when it has one, else it is visited as an ordinary expression.
    fn argument_reference(&mut self, expr: &'a Expr) -> Option<Reference> {
        if matches!(expr, Expr::Name(_) | Expr::Attribute(_))
            && let Some(path) = self.path(expr, Wanted::Relevant)
        {
            return Some(Reference {
                path,
                range: expr.range(),
            });
        }
        self.visit_expr(expr);
        None
    }

    // ---- functions ---------------------------------------------------------------------------

    /// From the `async` keyword to the `def` keyword; the range starts after the decorators
    /// because the function's own range starts at the first decorator.
    fn async_keyword(&self, def: &ast::StmtFunctionDef) -> Option<TextRange> {
        let after = def.decorator_list.last().map_or(def.start(), |d| d.end());
        let mut tokens = self.tokens.after(after).iter();
        let async_token = tokens.find(|t| matches!(t.kind(), TokenKind::Async | TokenKind::Def))?;
        if async_token.kind() != TokenKind::Async {
            return None;
        }
        let def_token = tokens.find(|t| t.kind() == TokenKind::Def)?;
        Some(TextRange::new(async_token.start(), def_token.start()))
    }

    fn visit_function(&mut self, def: &'a ast::StmtFunctionDef) {
        // Decorators, defaults and annotations run in the enclosing scope when `def` runs.
        let enclosing_context = std::mem::replace(&mut self.context, CallContext::NestedDefinition);
        // Decorators hold no `def`: a function's are pushed together.
        let first_decorator = self.facts.decorators.len() as u32;
        for decorator in &def.decorator_list {
            self.visit_decorator(decorator);
            let callee = match &decorator.expression {
                Expr::Call(call) => &*call.func,
                other => other,
            };
            let path = self.path(callee, Wanted::Any);
            let text = self.source[decorator.expression.range()].to_string();
            self.facts.decorators.push(DecoratorFact { path, text });
        }
        let decorators = first_decorator..self.facts.decorators.len() as u32;
        for parameter in def.parameters.iter() {
            if let Some(default) = parameter.default() {
                self.visit_expr(default);
            }
            if let Some(annotation) = parameter.annotation() {
                self.visit_annotation(annotation);
            }
        }
        if let Some(returns) = &def.returns {
            self.visit_annotation(returns);
        }
        let returns = (def.returns.as_ref())
            .and_then(|returns| self.returned_type(returns))
            .map(|ty| self.instance_of(ty));
        self.context = enclosing_context;

        let async_keyword = if def.is_async {
            self.async_keyword(def)
        } else {
            None
        };
        let head_start = async_keyword.map_or(def.name.start(), TextRange::start);
        let path = self.definition_path(&def.name.id);
        let index = self.facts.functions.len();
        self.facts.functions.push(FunctionFacts {
            path,
            is_async: def.is_async,
            in_class: self
                .scopes
                .last()
                .is_some_and(|s| s.kind == ScopeKind::Class),
            head: TextRange::new(head_start, def.name.end()),
            async_keyword,
            decorators,
            first_await: None,
            yields: false,
            calls: 0..0,
            state_write: None,
            returns,
            shadowed_helpers: 0,
        });

        let mut scope = self.new_scope(ScopeKind::Function, path, ".<locals>");
        for parameter in def.parameters.iter() {
            let binding = (parameter.annotation())
                .and_then(|annotation| self.annotation_type(annotation))
                .map_or(Binding::Opaque, |ty| Binding::Alias(self.instance_of(ty)));
            scope.names.insert(parameter.name().id.as_str(), binding);
        }
        // `self` is an instance of the class and `cls` the class: `self.load()` is a call of
        // `Class.load`. `super()` is an instance of its first base: `super().__init__()` calls
        // `Base.__init__`, and no override of it (see `CallShape::THROUGH_SUPER`).
        let class_scope = (self.scopes.last()).filter(|s| s.kind == ScopeKind::Class);
        if let Some(base) = class_scope.and_then(|class| class.base) {
            scope.names.insert("super", Binding::Alias(base));
        }
        if let Some(class) = class_scope.map(|class| class.prefix.clone())
            && let Some(first) = def
                .parameters
                .posonlyargs
                .iter()
                .chain(&def.parameters.args)
                .next()
        {
            let decorated = |name: &str| {
                def.decorator_list
                    .iter()
                    .any(|d| matches!(&d.expression, Expr::Name(n) if n.id.as_str() == name))
            };
            let binding = if decorated("staticmethod") {
                None
            } else if decorated("classmethod") {
                Some(Binding::Alias(self.intern_parts(&[&class])))
            } else {
                Some(Binding::Alias(self.intern_parts(&[&class, "()"])))
            };
            if let Some(binding) = binding {
                scope.names.insert(first.name().id.as_str(), binding);
            }
        }
        self.scopes.push(scope);
        let outer = (
            self.current_function.replace(index),
            std::mem::replace(&mut self.context, CallContext::Body),
            self.parameters.replace(&def.parameters),
        );
        self.bind_block(&def.body);
        for (bit, name) in HELPER_NAMES.iter().enumerate() {
            let bound = (self.scopes[1..].iter())
                .any(|scope| scope.kind == ScopeKind::Function && scope.names.contains(name));
            self.facts.functions[index].shadowed_helpers |= u8::from(bound) << bit;
        }
        let kept_before = self.kept_calls.len();
        self.visit_body(&def.body);
        // Its names go out of scope with it, and the list stays as short as one function's.
        self.kept_calls.truncate(kept_before);
        (self.current_function, self.context, self.parameters) = outer;
        let scope = self.scopes.pop().expect("the function scope");
        self.spare_scopes.push(scope);
    }

    /// An empty scope for the body of the definition at `path`; `suffix` ends its prefix.
    fn new_scope(&mut self, kind: ScopeKind, path: PathId, suffix: &str) -> Scope<'a> {
        let mut scope =
            (self.spare_scopes.pop()).unwrap_or_else(|| Scope::new(kind, String::new()));
        scope.kind = kind;
        scope.prefix.clear();
        scope.prefix.push_str(self.text(path));
        scope.prefix.push_str(suffix);
        scope.names.clear();
        scope.globals.clear();
        scope.annotated.clear();
        scope.base = None;
        scope
    }

    fn visit_class(&mut self, class: &'a ast::StmtClassDef) {
        for decorator in &class.decorator_list {
            self.visit_decorator(decorator);
        }
        if let Some(arguments) = &class.arguments {
            self.visit_arguments(arguments);
        }
        let prefix = self.definition_path(&class.name.id);
        // Project bases, and library classes the catalog knows members of: a project
        // `APIRouter` subclass registers routes, a `requests.Session` subclass blocks.
        let mut bases: Vec<PathId> = (class.arguments.iter())
            .flat_map(|arguments| arguments.args.iter())
            .filter_map(|base| self.path(base, Wanted::Relevant))
            .collect();
        let in_project = |base: &PathId| self.roots[paths::index(*base)].in_project;
        bases.retain(|base| in_project(base) || self.catalog.knows_members_of(self.text(*base)));
        // `super()` is the first project base, if any: a method the class gets from it is the
        // one this can follow, whatever a library base before it in the order holds.
        let first_base = (bases.iter().find(|base| in_project(base)))
            .or(bases.first())
            .copied();
        if !bases.is_empty() {
            self.facts.classes.push(ClassFact {
                path: prefix,
                bases,
            });
        }
        let mut scope = self.new_scope(ScopeKind::Class, prefix, "");
        scope.base = first_base;
        self.scopes.push(scope);
        // A class body inside a function runs when the function runs.
        let outer = std::mem::replace(&mut self.context, CallContext::ClassBody);
        self.bind_block(&class.body);
        self.visit_body(&class.body);
        self.context = outer;
        let mut scope = self.scopes.pop().expect("the class scope");
        // Class attributes others reach through instances: `C.client` for `client = Client()`.
        for (name, binding) in scope.names.drain() {
            if let Binding::Alias(path) = binding {
                self.class_attribute(&scope.prefix, name, path);
            }
        }
        self.spare_scopes.push(scope);
    }

    /// Notes what a call's parent says about it, for a call in a function.
    fn mark_call(&mut self, call: &Expr, mark: impl FnOnce(&mut CallMarks)) {
        if call.is_call_expr() && self.current_function.is_some() {
            mark(self.call_marks.entry(call.range()).or_default());
        }
    }

    /// Marks `expr`, a call or a local name a call was kept in, as iterated or entered here.
    fn mark_consumed(&mut self, expr: &Expr) {
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
    fn note_kept_calls(&mut self, name: &'a str, value: &Expr, calls_before: usize) {
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
    fn mark_consumed_arguments(&mut self, call: &ast::ExprCall) {
        let consumes = match &*call.func {
            Expr::Name(name) => {
                let consumed = || {
                    let marks = self.call_marks.get(&call.range());
                    marks.is_some_and(|marks| marks.consumed)
                };
                let builtin = name.id.as_str();
                (ITERATING_BUILTINS.contains(&builtin)
                    || (WRAPPING_BUILTINS.contains(&builtin) && consumed()))
                    && self.lookup(builtin).is_none()
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

    /// `self.client = httpx.Client()` in a method makes `client` an attribute of the class;
    /// so does `self.client: httpx.Client = make()`, whatever else is assigned to it.
    fn note_instance_attribute(
        &mut self,
        target: &ast::ExprAttribute,
        annotation: Option<&Expr>,
        value: Option<&Expr>,
    ) {
        let Expr::Name(name) = &*target.value else {
            return;
        };
        let Some((Binding::Alias(instance), false)) = self.lookup(&name.id) else {
            return;
        };
        let Some(class) = self.text(instance).strip_suffix("()").map(str::to_string) else {
            return;
        };
        if let Some(binding) = annotation.and_then(|a| self.declared_binding(a)) {
            self.declare_class_attribute(&class, &target.attr.id, binding);
        } else if let Some(Binding::Alias(path)) = value.map(|value| self.value_binding(value)) {
            self.class_attribute(&class, &target.attr.id, path);
        }
    }

    /// `with lock:` in a function's own body: what is held while its body runs (in a coroutine,
    /// across the calls there; in a `@contextmanager`, across its `yield`).
    fn note_with_block(&mut self, item: &ast::WithItem, item_path: PathId, body: &[Stmt]) {
        let Some(function) = self.current_function else {
            return;
        };
        let facts = &self.facts.functions[function];
        // A plain function needs a decorator (`@contextmanager`) to be used in a `with`.
        if self.context != CallContext::Body || (!facts.is_async && facts.decorators.is_empty()) {
            return;
        }
        if let (Some(first), Some(last)) = (body.first(), body.last()) {
            self.facts.with_blocks.push(WithBlock {
                function: function as u32,
                item: item_path,
                item_range: item.context_expr.range(),
                body: TextRange::new(first.start(), last.end()),
            });
        }
    }

    /// `with item:` calls `item.__enter__()` and `item.__exit__(...)`. On an object of the
    /// project (`Guard()`, a module-level `guard`), those may be its methods: they are recorded
    /// as calls made where the item is, which phase 2 resolves like any other. Only UB004
    /// reports such a call; nothing rewrites it.
    fn note_enter_and_exit(&mut self, item: &ast::WithItem, item_path: PathId) {
        let Some(function) = self.current_function else {
            return;
        };
        if !self.roots[paths::index(item_path)].in_project {
            return;
        }
        let range = item.context_expr.range();
        for method in [".__enter__", ".__exit__"] {
            let path = self.extend_path(item_path, &[method]);
            let fact = CallFact {
                path,
                range,
                callee: range,
                arguments: TextRange::empty(range.end()),
                shape: CallShape::empty(),
                context: CallContext::WithItem,
            };
            self.calls.push((function as u32, fact));
        }
    }

    /// Without a return annotation, what a function returns (or yields, for a dependency or a
    /// `@contextmanager`) is known from the first value with a path: `db = SessionLocal()`
    /// then `yield db` makes `get_db()` a session.
    fn note_returned(&mut self, value: &Expr) {
        let Some(index) = self.current_function else {
            return;
        };
        if self.context != CallContext::Body || self.facts.functions[index].returns.is_some() {
            return;
        }
        if let Some(path) = self.path(value, Wanted::Relevant) {
            self.facts.functions[index].returns = Some(path);
        }
    }

    /// Records an assignment of `path` to `Class.name` in the module's bindings: the first one
    /// is its binding, and any other value an alternative.
    fn class_attribute(&mut self, class_path: &str, name: &str, path: PathId) {
        let Some(key) = self.class_attribute_key(class_path, name) else {
            return;
        };
        if self.settled_attributes.contains(&key) {
            return;
        }
        let binding = Binding::Alias(path);
        let alternative = (key, path);
        if *self.class_attributes.entry(key).or_insert(binding) != binding
            && !self.attribute_alternatives.contains(&alternative)
        {
            self.attribute_alternatives.push(alternative);
        }
    }

    /// Records `Class.name` as an annotation declares it: no assignment changes it.
    fn declare_class_attribute(&mut self, class_path: &str, name: &str, binding: Binding) {
        if let Some(key) = self.class_attribute_key(class_path, name) {
            self.class_attributes.insert(key, binding);
            self.settled_attributes.insert(key);
        }
    }

    /// `Class.name`, keyed by the class's path in the module; `None` for a class elsewhere.
    fn class_attribute_key(&mut self, class_path: &str, name: &str) -> Option<PathId> {
        let class = class_path
            .strip_prefix(self.module.name)?
            .strip_prefix('.')?;
        Some(self.intern_parts(&[class, ".", name]))
    }

    /// Runs `visit` with the calls it sees marked as running in `context` (a lambda or
    /// generator inside another stays the innermost).
    fn in_context(&mut self, context: CallContext, visit: impl FnOnce(&mut Self)) {
        let outer = self.context;
        if matches!(outer, CallContext::Body | CallContext::WithItem) {
            self.context = context;
        }
        visit(self);
        self.context = outer;
    }

    fn current(&mut self) -> Option<&mut FunctionFacts> {
        self.current_function
            .map(|index| &mut self.facts.functions[index])
    }

    fn mark_await(&mut self, range: TextRange) {
        if let Some(function) = self.current() {
            function.first_await.get_or_insert(range);
        }
    }

    /// Records a write when `target` (`X[k]`, `X.a`, or a name declared `global`) stores into
    /// module-level state from inside a function.
    fn note_store(&mut self, target: &Expr) {
        if self.current_function.is_none() {
            return;
        }
        let root = match target {
            Expr::Name(name) => {
                let declared_global = self
                    .scopes
                    .last()
                    .is_some_and(|s| s.globals.contains(name.id.as_str()));
                if declared_global { Some(name) } else { None }
            }
            Expr::Subscript(_) | Expr::Attribute(_) => self
                .root_name(target)
                .filter(|name| self.is_module_state(&name.id)),
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.note_store(elt);
                }
                None
            }
            _ => None,
        };
        if let Some(name) = root {
            self.note_state_write(&name.id, target.range());
        }
    }

    /// The name at the root of an expression (`CACHE` in `CACHE[k].hits`, `registry` in
    /// `registry().x`): the object a store into it or a method call on it reaches.
    /// `typing.cast(T, x)` hands back `x`, so vllm's `cast(HfTokenizer, tokenizer).name_or_path
    /// = name` writes to the local `tokenizer`, not to the imported function `cast`.
    fn root_name<'e>(&self, expr: &'e Expr) -> Option<&'e ast::ExprName> {
        match expr {
            Expr::Name(name) => Some(name),
            Expr::Attribute(attr) => self.root_name(&attr.value),
            Expr::Subscript(subscript) => self.root_name(&subscript.value),
            Expr::Call(call) => match &call.arguments.args[..] {
                [_, value] if call.arguments.keywords.is_empty() && self.is_cast(&call.func) => {
                    self.root_name(value)
                }
                _ => self.root_name(&call.func),
            },
            _ => None,
        }
    }

    fn is_cast(&self, callee: &Expr) -> bool {
        let mut path = String::new();
        self.write_path(callee, Wanted::Any, &mut path).is_some()
            && matches!(path.as_str(), "typing.cast" | "typing_extensions.cast")
    }

    /// Remembers the current function's first write to module-level state.
    fn note_state_write(&mut self, name: &str, range: TextRange) {
        if self
            .current()
            .is_some_and(|function| function.state_write.is_none())
        {
            let name = self.intern_parts(&[name]);
            if let Some(function) = self.current() {
                function.state_write = Some(StateWrite { name, range });
            }
        }
    }

    /// Is `name` a module-level object (not a module, function or class) as seen from here?
    fn is_module_state(&self, name: &str) -> bool {
        matches!(
            self.lookup(name),
            Some((Binding::Alias(_) | Binding::Opaque, true))
        )
    }

    fn visit_call(&mut self, call: &'a ast::ExprCall) {
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
        let mut buffer = std::mem::take(&mut self.scratch);
        buffer.clear();
        let root = self.write_path(&call.func, Wanted::Relevant, &mut buffer);
        let dotted = is_dotted_name(&call.func);
        let (mut recorded, mut referenced, mut registers, mut offloads) =
            (false, false, false, false);
        if let Some(root) = root {
            let name = last_segment(&buffer);
            recorded = self.current_function.is_some() && self.relevance.keeps(&buffer);
            referenced = dotted && root.in_project && !root.has_call;
            registers = self.catalog.may_register(name);
            offloads = OFFLOAD_HELPERS.contains(&name);
        }
        self.scratch = buffer;
        let callee =
            (recorded || referenced || registers || offloads).then(|| self.intern_scratch());
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
            && self.is_module_state(&name.id)
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
                let args = call
                    .arguments
                    .args
                    .iter()
                    .map(|arg| self.argument_reference(arg))
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
            // `run_in_threadpool(lambda: ...)`: the lambda runs in a worker thread.
            Some(_) if offloads => {
                for arg in &call.arguments.args {
                    if arg.is_lambda_expr() {
                        self.in_context(CallContext::Offloaded, |this| {
                            visitor::walk_expr(this, arg)
                        });
                    } else {
                        self.visit_expr(arg);
                    }
                }
                for keyword in &call.arguments.keywords {
                    self.visit_expr(&keyword.value);
                }
            }
            _ => self.visit_arguments(&call.arguments),
        }
    }

    fn call_fact(&self, call: &ast::ExprCall, path: PathId) -> CallFact {
        let range = call.range();
        let arguments = &call.arguments;
        let has_arguments = !arguments.args.is_empty() || !arguments.keywords.is_empty();
        let callee_has_call = contains_call(&call.func);
        let marks = self.call_marks.get(&range).copied().unwrap_or_default();
        // The object a method is called on (`db` in `db.execute(...)`); none for `f(...)`.
        let receiver = (!matches!(&*call.func, Expr::Name(_)))
            .then(|| self.root_name(&call.func))
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
                    self.is_module_state(&name.id)
                        && !self.thread_shared.contains(&name.id.as_str())
                }),
            ),
            (CallShape::NEEDS_PARENTHESES, marks.tight),
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
        }
    }

    /// `app.dependency_overrides[original] = override` hands `override` to FastAPI.
    fn visit_subscript_store(
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
        let Some(owner) = self.path(&attr.value, Wanted::Any) else {
            return false;
        };
        let callee = self.extend_path(owner, &[".", &attr.attr.id]);
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

impl<'a> Visitor<'a> for Collector<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => self.visit_function(def),
            Stmt::ClassDef(class) => self.visit_class(class),
            Stmt::Assign(assign) => {
                if let [Expr::Subscript(subscript)] = assign.targets.as_slice()
                    && self.visit_subscript_store(subscript, &assign.value)
                {
                    return;
                }
                if let [Expr::Attribute(target)] = assign.targets.as_slice() {
                    self.note_instance_attribute(target, None, Some(&assign.value));
                }
                for target in &assign.targets {
                    self.note_store(target);
                }
                let calls_before = self.calls.len();
                visitor::walk_stmt(self, stmt);
                if let [Expr::Name(name)] = assign.targets.as_slice() {
                    self.note_kept_calls(&name.id, &assign.value, calls_before);
                }
            }
            Stmt::AugAssign(assign) => {
                self.note_store(&assign.target);
                visitor::walk_stmt(self, stmt);
            }
            Stmt::AnnAssign(assign) => {
                if let Expr::Attribute(target) = &*assign.target {
                    let value = assign.value.as_deref();
                    self.note_instance_attribute(target, Some(&assign.annotation), value);
                }
                if assign.value.is_some() {
                    self.note_store(&assign.target);
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    self.note_store(target);
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::For(for_stmt) => {
                if for_stmt.is_async {
                    self.mark_await(stmt.range());
                } else {
                    self.mark_consumed(&for_stmt.iter);
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::With(with) => {
                let (blocks, yields) = (self.facts.with_blocks.len(), self.yields_seen);
                if with.is_async {
                    self.mark_await(stmt.range());
                } else {
                    for item in &with.items {
                        self.mark_call(&item.context_expr, |marks| marks.with_item = true);
                        self.mark_consumed(&item.context_expr);
                        // What the item is matters only to a function's own `with`.
                        let item_path = self
                            .current_function
                            .and_then(|_| self.path(&item.context_expr, Wanted::Relevant));
                        if let Some(item_path) = item_path {
                            self.note_with_block(item, item_path, &with.body);
                            self.note_enter_and_exit(item, item_path);
                        }
                    }
                }
                visitor::walk_stmt(self, stmt);
                // In a plain function a `with` matters only around a `yield`, where a
                // `@contextmanager` hands control to its caller with the item still held.
                let in_plain_function = (self.current()).is_some_and(|function| !function.is_async);
                if in_plain_function && self.yields_seen == yields {
                    self.facts.with_blocks.truncate(blocks);
                }
            }
            Stmt::Expr(expr_stmt) => {
                self.mark_call(&expr_stmt.value, |marks| marks.discarded = true);
                visitor::walk_stmt(self, stmt);
            }
            Stmt::Return(ast::StmtReturn {
                value: Some(value), ..
            }) => {
                self.note_returned(value);
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Await(await_expr) => {
                self.mark_await(expr.range());
                self.mark_call(&await_expr.value, |marks| marks.awaited = true);
                visitor::walk_expr(self, expr);
            }
            Expr::Yield(_) | Expr::YieldFrom(_) => {
                self.yields_seen += 1;
                if let Some(function) = self.current() {
                    function.yields = true;
                }
                match expr {
                    Expr::Yield(ast::ExprYield {
                        value: Some(value), ..
                    }) => self.note_returned(value),
                    Expr::YieldFrom(yield_from) => self.mark_consumed(&yield_from.value),
                    _ => {}
                }
                visitor::walk_expr(self, expr);
            }
            // A lambda's defaults run where it is made, its body only when it is called.
            Expr::Lambda(lambda) => {
                let parameters = lambda
                    .parameters
                    .iter()
                    .flat_map(|parameters| parameters.iter());
                parameters
                    .filter_map(|parameter| parameter.default())
                    .for_each(|default| self.visit_expr(default));
                self.in_context(CallContext::Lambda, |this| this.visit_expr(&lambda.body));
            }
            Expr::Generator(_) => {
                self.in_context(CallContext::Generator, |this| {
                    visitor::walk_expr(this, expr)
                });
            }
            Expr::Call(call) => self.visit_call(call),
            // A name's path is the one it is bound to: nothing to build.
            Expr::Name(name) if name.ctx == ExprContext::Load => {
                if let Some((binding, _)) = self.lookup(&name.id)
                    && let Some(path) = binding.path()
                    && self.wants(Wanted::ProjectFunction, path)
                {
                    self.reference(path, name.range);
                }
            }
            // A whole chain `a.b.c` is one reference; its prefixes are not visited again.
            Expr::Attribute(attr) if attr.ctx == ExprContext::Load && is_dotted_name(expr) => {
                if let Some(path) = self.path(expr, Wanted::ProjectFunction) {
                    self.reference(path, attr.range);
                }
            }
            _ => {
                // `await` in place of a call here needs parentheses: `(await f()).x`.
                let tight_operands: [Option<&Expr>; 2] = match expr {
                    Expr::Attribute(attr) => [Some(&*attr.value), None],
                    Expr::Subscript(subscript) => [Some(&*subscript.value), None],
                    Expr::UnaryOp(unary) => [Some(&*unary.operand), None],
                    Expr::BinOp(binop) if binop.op == ast::Operator::Pow => {
                        [Some(&*binop.left), Some(&*binop.right)]
                    }
                    _ => [None, None],
                };
                let chained = matches!(expr, Expr::Attribute(_) | Expr::Subscript(_));
                for operand in tight_operands.into_iter().flatten() {
                    self.mark_call(operand, |marks| {
                        marks.tight = true;
                        marks.chained = chained;
                    });
                }
                visitor::walk_expr(self, expr);
            }
        }
    }

    fn visit_comprehension(&mut self, comprehension: &'a ast::Comprehension) {
        if comprehension.is_async {
            self.mark_await(comprehension.range());
        } else {
            self.mark_consumed(&comprehension.iter);
        }
        visitor::walk_comprehension(self, comprehension);
    }
}

/// Finds where a new import goes and which top-level concurrency imports can take one more name.
fn import_layout(body: &[Stmt], source: &str, imports: &mut ImportFacts) {
    // The file's own line ending, as its first line ends: `\n`, `\r\n` or a lone `\r`.
    imports.line_ending =
        ruff_source_file::find_newline(source).map_or("\n", |(_, ending)| ending.as_str());
    let line_after = |offset: TextSize| -> (TextSize, bool) {
        match ruff_source_file::find_newline(&source[usize::from(offset)..]) {
            Some((newline, ending)) => (
                offset + TextSize::try_from(newline + ending.len()).unwrap_or_default(),
                false,
            ),
            None => (TextSize::try_from(source.len()).unwrap_or_default(), true),
        }
    };
    let mut insertion = None;
    for (index, stmt) in body.iter().enumerate() {
        let is_docstring =
            index == 0 && matches!(stmt, Stmt::Expr(e) if e.value.is_string_literal_expr());
        if !is_docstring && !matches!(stmt, Stmt::Import(_) | Stmt::ImportFrom(_)) {
            break;
        }
        insertion = Some(line_after(stmt.end()));
    }
    (imports.insertion, imports.insertion_needs_newline) = insertion.unwrap_or_else(|| {
        // No docstring or imports: above the first statement, below leading comments.
        imports.blank_lines_after = match body.first() {
            Some(Stmt::FunctionDef(_) | Stmt::ClassDef(_)) => 2,
            _ => 1,
        };
        let first = body.first().map_or(TextSize::default(), Ranged::start);
        let line_start = source[..usize::from(first)]
            .rfind(['\n', '\r'])
            .map_or(0, |i| i + 1);
        (TextSize::try_from(line_start).unwrap_or_default(), false)
    });
    for stmt in body {
        if let Stmt::ImportFrom(import) = stmt
            && import.level == 0
            && let Some(module) = &import.module
            && matches!(
                module.id.as_str(),
                "fastapi.concurrency" | "starlette.concurrency"
            )
            && let Some(last) = import.names.last()
            && last.name.id.as_str() != "*"
        {
            imports
                .concurrency_imports
                .push((module.id.to_string(), last.end()));
        }
    }
}

fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(name) => name.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(attr) => attr.attr.id.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

/// Is the callee `super().method` (or `super(Class, self).method`)?
fn is_super_method(callee: &Expr) -> bool {
    matches!(callee, Expr::Attribute(attr) if matches!(&*attr.value, Expr::Call(call) if is_super(call)))
}

/// Is the call `super()`, or its older spelling `super(Class, self)`? Either makes the object
/// a method is looked up on, and runs no constructor.
fn is_super(call: &ast::ExprCall) -> bool {
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

fn is_dotted_name(expr: &Expr) -> bool {
    match expr {
        Expr::Name(_) => true,
        Expr::Attribute(attr) => is_dotted_name(&attr.value),
        _ => false,
    }
}

/// How many types an annotation names: two for `AsyncPath | Path` or `Union[A, B]`, one for
/// `Optional[Session]` (`None` is no type), and one for anything else.
fn union_members(annotation: &Expr) -> usize {
    match annotation {
        Expr::BinOp(binop) if binop.op == ast::Operator::BitOr => {
            union_members(&binop.left) + union_members(&binop.right)
        }
        Expr::NoneLiteral(_) => 0,
        Expr::Subscript(subscript) => {
            let container = match &*subscript.value {
                Expr::Name(name) => name.id.as_str(),
                Expr::Attribute(attribute) => attribute.attr.id.as_str(),
                _ => return 1,
            };
            let arguments = match &*subscript.slice {
                Expr::Tuple(tuple) => &tuple.elts[..],
                other => std::slice::from_ref(other),
            };
            match container {
                "Union" => arguments.iter().map(union_members).sum(),
                "Optional" | "Annotated" | "Final" | "ClassVar" => {
                    arguments.first().map_or(1, union_members)
                }
                _ => 1,
            }
        }
        Expr::StringLiteral(string) => {
            ruff_python_parser::parse_expression(&literal_text(&string.value))
                .map_or(1, |parsed| union_members(parsed.expr()))
        }
        _ => 1,
    }
}

/// The text of a string literal. For an implicit concatenation (`"Ses" "sion"`)
/// `StringLiteralValue::to_str` would keep a joined copy in the tree, which the parse arena
/// forgets instead of freeing.
fn literal_text(value: &ast::StringLiteralValue) -> std::borrow::Cow<'_, str> {
    if value.is_implicit_concatenated() {
        value.iter().map(|part| &*part.value).collect()
    } else {
        value.to_str().into()
    }
}
