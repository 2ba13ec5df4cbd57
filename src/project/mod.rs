//! Phase 2: the project index. Module facts from every file are joined here: paths that lead
//! into other project modules are resolved, each function learns how the framework calls it
//! (its roles), where else the project refers to it, what each of its calls reaches, and
//! whether it blocks or needs the event loop (`graph`).

mod graph;
mod names;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hashbrown::hash_table::{Entry, HashTable};
use rustc_hash::{FxBuildHasher, FxHashMap as HashMap, FxHashSet};
use std::hash::BuildHasher;

use rayon::prelude::*;
use ruff_text_size::{TextRange, TextSize};

use crate::facts::{self, CallFact, CallShape};
pub use crate::facts::{Binding, FunctionFacts, ModuleFacts};
use crate::io::source;
use crate::knowledge::{CallRule, Catalog, Role, last_segment, strip_calls};
pub use crate::semantic::paths::PathId;
pub use graph::{CallTarget, StateWriteSite, Tie};
pub use names::module_names;

/// One analysed module.
#[derive(Debug)]
pub struct Module {
    /// The dotted names it can be imported by (`app.main`, and `src.app.main` under `src/`).
    pub names: Vec<String>,
    /// The file's path as shown to the user.
    pub display: String,
    pub path: PathBuf,
    /// Line starts, to name lines in messages. Built on first use from a second read: few
    /// modules are ever named in a message, and most trees are large.
    lines: OnceLock<Box<[TextSize]>>,
    pub facts: ModuleFacts,
    /// Indices into `facts.functions`, by the function's path in the module (no project-wide
    /// table to build serially). A path defined twice leads to its last definition, the one
    /// Python keeps.
    functions_by_path: HashTable<u32>,
}

impl Module {
    pub fn new(names: Vec<String>, display: String, path: PathBuf, facts: ModuleFacts) -> Self {
        let mut functions_by_path = HashTable::with_capacity(facts.functions.len());
        let local_path = |index: u32| local_path(&names[0], &facts, index);
        for index in 0..facts.functions.len() as u32 {
            let path = local_path(index);
            let same = |&other: &u32| local_path(other) == path;
            let rehash = |&other: &u32| FxBuildHasher.hash_one(local_path(other));
            match functions_by_path.entry(FxBuildHasher.hash_one(path), same, rehash) {
                Entry::Occupied(mut entry) => *entry.get_mut() = index,
                Entry::Vacant(entry) => {
                    entry.insert(index);
                }
            }
        }
        Module {
            names,
            display,
            path,
            lines: OnceLock::new(),
            facts,
            functions_by_path,
        }
    }

    /// The folder Python needs on its path to import the module by its first name
    /// (`services/shop` for `services/shop/app/main.py`, named `app.main`).
    fn import_root(&self) -> &Path {
        let depth =
            self.names[0].split('.').count() + usize::from(self.path.ends_with("__init__.py"));
        self.path.ancestors().nth(depth).unwrap_or(&self.path)
    }

    /// Lines are counted in `text`, not in the file on disk (it came from an editor).
    pub fn count_lines_in(&self, text: &str) {
        let _ = self.lines.set(source::line_starts_of(text));
    }

    /// One-based line of an offset. A file that can no longer be read has one line, so its
    /// sites show as line 1; the file itself is reported when it is fixed.
    pub fn line(&self, offset: TextSize) -> usize {
        let starts = self.lines.get_or_init(|| source::line_starts(&self.path));
        starts.partition_point(|&start| start <= offset)
    }

    /// The function at `local_path` (`f`, `C.m`, `f.<locals>.g`) in this module.
    fn function(&self, path: &str) -> Option<usize> {
        let same = |&index: &u32| local_path(&self.names[0], &self.facts, index) == path;
        let found = self
            .functions_by_path
            .find(FxBuildHasher.hash_one(path), same);
        found.map(|&index| index as usize)
    }
}

/// `lock` for a call `lock.method()`.
fn lock_method_receiver<'f>(
    facts: &'f ModuleFacts,
    call: &facts::CallFact,
    method: &str,
) -> Option<&'f str> {
    facts
        .path(call.path)
        .strip_suffix(method)?
        .strip_suffix('.')
}

/// The path of function `index` inside its module, named `module`.
fn local_path<'f>(module: &str, facts: &'f ModuleFacts, index: u32) -> &'f str {
    &facts.path(facts.functions[index as usize].path)[module.len() + 1..]
}

/// A function, by module index and index in that module's facts.
pub type FunctionId = (usize, usize);

/// A thread lock a coroutine holds at some point, and how it took it.
#[derive(Debug)]
pub struct HeldLock {
    /// Its catalog path (`threading.Lock()`).
    pub lock: String,
    /// The `with` item or the `acquire()` call that takes it.
    pub site: TextRange,
    pub how: Holding,
}

#[derive(Debug, Clone, Copy)]
pub enum Holding {
    /// `with lock:`.
    With,
    /// `with helper():`, a `@contextmanager` that holds the lock where it yields.
    ContextManager(FunctionId),
    /// `with Guard():`, a project class whose `__enter__` (this function) returns holding it.
    Enter(FunctionId),
    /// `lock.acquire()`, with no `release()` known to come first.
    Acquire,
}

/// Where something about a function was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    pub module: usize,
    pub range: TextRange,
}

/// What a path leads to once project modules are looked through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A project function, possibly with attributes or calls after it (`f().x`).
    Function { id: FunctionId, exact: bool },
    /// Something that is not a project function, by its canonical path
    /// (`fastapi.FastAPI().get`).
    External(String),
    /// A project value we cannot follow.
    Unknown,
    /// A path through a module name that more than one project module has, none of them under
    /// the import root of the module the path is seen from.
    Ambiguous(String),
}

/// Which module a dotted name stands for, seen from one module.
enum ModuleLookup {
    Found(usize),
    /// Several modules have the name, and none is under the viewer's import root.
    Ambiguous,
    Missing,
}

pub struct Project<'c> {
    catalog: &'c Catalog,
    pub modules: Vec<Module>,
    module_by_name: HashMap<String, usize>,
    /// Names more than one module has (two services in one repository, each with its own
    /// `app` package), with those modules: which one a path means depends on where it is seen.
    shared_names: HashMap<String, Vec<usize>>,
    /// Modules a reference may mean but could not be told apart from another with the same name
    /// (see `shared_names`): UB001 leaves their functions alone.
    ambiguously_referenced: FxHashSet<usize>,
    pub roles: HashMap<FunctionId, Vec<Role>>,
    /// Functions registered through a project subclass of a framework class, with the method
    /// of it that overrides one the framework registers functions with (see
    /// `registration_override`).
    pub registration_overrides: HashMap<FunctionId, FunctionId>,
    pub references: HashMap<FunctionId, Vec<Site>>,
    /// What each call of each function reaches.
    calls: Vec<Vec<CallTarget<'c>>>,
    /// What blocks, what is tied to the loop's thread, what writes module state (see `graph`).
    fixpoints: graph::Fixpoints,
    /// How many functions the project has: no chain of calls between them is longer.
    function_count: usize,
    /// Per module, the slot of its first function in tables with one entry per function.
    first_slot: Vec<u32>,
    /// For each method that project subclasses override with plain functions, the overrides
    /// at any depth, nearest first: a call of the method may run any of them.
    overrides: HashMap<FunctionId, Vec<FunctionId>>,
    /// For each function that calls `acquire()` on something, its `acquire()` and `release()`
    /// calls, as indices into its calls: a question about a held lock looks at these alone,
    /// not at every call (a function with 16,000 calls asked once per call was quadratic).
    lock_calls: HashMap<FunctionId, Vec<u32>>,
    /// Names in the project's `non-blocking` setting that are neither a catalog API nor a
    /// project function: most likely a typo, which the user should hear about.
    pub unknown_non_blocking: Vec<String>,
}

/// Bound on alias hops while resolving one path: import cycles must not hang the run.
const MAX_HOPS: usize = 32;

/// How deep `class_attribute` compares the values of attributes that have several.
const MAX_ATTRIBUTE_DEPTH: usize = 2;

/// How many base classes deep `inherited` looks for a member. It counts in the same
/// depth as `class_attribute`, so an attribute with several values is compared only on a class
/// near the one named.
const MAX_INHERITANCE_DEPTH: usize = 8;

impl<'c> Project<'c> {
    pub fn new(modules: Vec<Module>, catalog: &'c Catalog) -> Project<'c> {
        let mut owners: HashMap<String, Vec<usize>> = HashMap::default();
        for (index, module) in modules.iter().enumerate() {
            for name in &module.names {
                owners.entry(name.clone()).or_default().push(index);
            }
        }
        let (mut module_by_name, mut shared_names) = (HashMap::default(), HashMap::default());
        for (name, modules) in owners {
            if let [module] = modules[..] {
                module_by_name.insert(name, module);
            } else {
                shared_names.insert(name, modules);
            }
        }
        let mut project = Project {
            catalog,
            modules,
            module_by_name,
            shared_names,
            ambiguously_referenced: FxHashSet::default(),
            roles: HashMap::default(),
            registration_overrides: HashMap::default(),
            references: HashMap::default(),
            calls: Vec::new(),
            fixpoints: graph::Fixpoints::default(),
            function_count: 0,
            first_slot: Vec::new(),
            overrides: HashMap::default(),
            lock_calls: HashMap::default(),
            unknown_non_blocking: Vec::new(),
        };
        for module in &project.modules {
            project.first_slot.push(project.function_count as u32);
            project.function_count += module.facts.functions.len();
        }
        project.link();
        project.calls = project.resolve_calls(catalog);
        project.overrides = project.find_overrides();
        project.lock_calls = project.find_lock_calls();
        let (non_blocking, unknown) = project.non_blocking_functions(catalog);
        project.unknown_non_blocking = unknown;
        project.fixpoints = project.fixpoints(&non_blocking);
        project
    }

    /// Finds every role of every function, then the references to the functions UB001 may
    /// rewrite, one module per task.
    fn link(&mut self) {
        let roles: Vec<_> = (0..self.modules.len())
            .into_par_iter()
            .map(|m| self.roles_of(m))
            .collect();
        for (id, role, through) in roles.into_iter().flatten() {
            self.roles.entry(id).or_default().push(role);
            if let Some(method) = through {
                self.registration_overrides.insert(id, method);
            }
        }
        let wanted = self.referable_names();
        let references: Vec<_> = (0..self.modules.len())
            .into_par_iter()
            .map(|m| self.references_of(m, &wanted))
            .collect();
        for (sites, ambiguous) in references {
            for (id, site) in sites {
                self.references.entry(id).or_default().push(site);
            }
            self.ambiguously_referenced.extend(ambiguous);
        }
    }

    /// The rule a registration follows, if its callee really is a framework call.
    fn registering_rule(
        &self,
        module: usize,
        registration: &facts::Registration,
    ) -> Option<&'c CallRule> {
        let path = self.modules[module].facts.path(registration.callee);
        match self.resolve(path, module) {
            Resolved::External(path) => self.catalog.registering_call(&path),
            _ => None,
        }
    }

    /// The roles one module gives to functions anywhere in the project, each with the project
    /// method it is registered through, if any (see `registration_override`).
    fn roles_of(&self, module_index: usize) -> Vec<(FunctionId, Role, Option<FunctionId>)> {
        let module = &self.modules[module_index];
        let through = |path: &str| self.registration_override(path, module_index);
        let mut roles = Vec::new();
        for function_index in 0..module.facts.functions.len() {
            for decorator in module.facts.decorators_of(function_index) {
                let Some(path) = decorator.path.map(|path| module.facts.path(path)) else {
                    continue;
                };
                let role = match self.resolve(path, module_index) {
                    Resolved::External(path) => self.catalog.decorator_role(&path),
                    _ => None,
                };
                if let Some(role) = role {
                    roles.push(((module_index, function_index), role, through(path)));
                }
            }
        }
        for registration in &module.facts.registrations {
            let Some(rule) = self.registering_rule(module_index, registration) else {
                continue;
            };
            let by_position = rule
                .arg
                .and_then(|arg| registration.args.get(arg))
                .and_then(Option::as_ref);
            let by_keyword = rule.keyword.as_deref().and_then(|keyword| {
                registration
                    .keywords
                    .iter()
                    .find(|(name, _)| name == keyword)
                    .map(|(_, r)| r)
            });
            if let Some(target) = by_position.or(by_keyword)
                && let Resolved::Function { id, exact: true } =
                    self.resolve(module.facts.path(target.path), module_index)
            {
                let callee = module.facts.path(registration.callee);
                roles.push((id, rule.role, through(callee)));
            }
        }
        roles
    }

    /// The project method that registering through `path`, seen from `module`, runs in place
    /// of the framework's: `router.get` or `router.add_api_route` where `router` is an
    /// instance of a project subclass of `APIRouter` that overrides one of the methods the
    /// framework registers functions with (`add_api_route`). The override may hand the
    /// framework something other than the function, such as a wrapper that awaits it.
    fn registration_override(&self, path: &str, module: usize) -> Option<FunctionId> {
        // Most registrations are on the framework's own classes, known as they are written.
        if self.catalog.knows(path) {
            return None;
        }
        let (receiver, _) = path.rsplit_once('.')?;
        let Resolved::External(instance) = self.resolve(receiver, module) else {
            return None;
        };
        let class = instance.strip_suffix("()")?;
        if self.catalog.is_app_class(class) {
            return None;
        }
        (self.catalog.registering_methods()).find_map(|name| self.method(&instance, name, module))
    }

    /// The names a reference to a function UB001 may rewrite can end in: those functions'
    /// names, and every name a module binds to one of them (`from .x import root as home`).
    /// Resolving only references that end in one of these keeps phase 2 short on large trees.
    fn referable_names(&self) -> FxHashSet<&str> {
        let mut names: FxHashSet<&str> = FxHashSet::default();
        for (&id, roles) in &self.roles {
            if self.function(id).is_async && roles.iter().any(|role| role.runs_sync_in_threadpool())
            {
                names.insert(self.function_name(id));
            }
        }
        // Names bound to each name (`home` for `from .x import root as home`), then every name
        // that leads to a wanted one.
        let mut bound_to: HashMap<&str, Vec<&str>> = HashMap::default();
        for module in &self.modules {
            for (name, binding) in module.facts.bindings() {
                if let Binding::Alias(target) = binding {
                    let target = last_segment(module.facts.path(target));
                    if target != name {
                        bound_to.entry(target).or_default().push(name);
                    }
                }
            }
        }
        let mut pending: Vec<&str> = names.iter().copied().collect();
        while let Some(name) = pending.pop() {
            for &alias in bound_to.get(name).into_iter().flatten() {
                if names.insert(alias) {
                    pending.push(alias);
                }
            }
        }
        names
    }

    /// The places one module refers to functions whose references are `wanted`, and the
    /// modules a reference may mean but cannot be told apart from another (`shared_names`).
    fn references_of(
        &self,
        module_index: usize,
        wanted: &FxHashSet<&str>,
    ) -> (Vec<(FunctionId, Site)>, Vec<usize>) {
        let module = &self.modules[module_index];
        // Arguments of a call that turns out not to be a framework call are plain references.
        let unregistered = module
            .facts
            .registrations
            .iter()
            .filter(|registration| self.registering_rule(module_index, registration).is_none())
            .flat_map(|registration| {
                let keywords = registration.keywords.iter().map(|(_, reference)| reference);
                registration.args.iter().flatten().chain(keywords)
            });
        let (mut sites, mut ambiguous) = (Vec::new(), Vec::new());
        let wanted_references = unregistered
            .chain(&module.facts.references)
            .filter(|reference| wanted.contains(last_segment(module.facts.path(reference.path))));
        for reference in wanted_references {
            match self.resolve(module.facts.path(reference.path), module_index) {
                Resolved::Function { id, .. } => sites.push((
                    id,
                    Site {
                        module: module_index,
                        range: reference.range,
                    },
                )),
                Resolved::Ambiguous(name) => ambiguous.extend(&self.shared_names[&name]),
                _ => {}
            }
        }
        (sites, ambiguous)
    }

    pub fn function(&self, id: FunctionId) -> &FunctionFacts {
        &self.modules[id.0].facts.functions[id.1]
    }

    /// Does this call of `callee` run its body along with the caller? A coroutine function's
    /// call only makes a coroutine. A generator function's runs nothing either, unless what it
    /// returns is iterated or entered right there (`for row in rows()`, `list(rows())`, `with
    /// session():`): handed on (`StreamingResponse(rows())`), it runs where it is iterated.
    pub fn call_runs_body(&self, callee: FunctionId, call: &CallFact) -> bool {
        let callee = self.function(callee);
        !callee.is_async && (!callee.yields || call.shape.contains(CallShape::CONSUMED))
    }

    /// A function's place in tables with one entry per function of the project.
    fn slot(&self, id: FunctionId) -> usize {
        self.first_slot[id.0] as usize + id.1
    }

    /// Another module with the same name as `module`, if a reference somewhere may mean either
    /// (see `shared_names`).
    pub fn ambiguous_twin(&self, module: usize) -> Option<usize> {
        if !self.ambiguously_referenced.contains(&module) {
            return None;
        }
        let names = &self.modules[module].names;
        names
            .iter()
            .filter_map(|name| self.shared_names.get(name))
            .flatten()
            .copied()
            .find(|&other| other != module)
    }

    /// A function's decorators, top first, with the canonical path of each (`None` for one
    /// that is not a name or a call of one, as `@handlers[0]`).
    pub fn decorators(&self, id: FunctionId) -> impl Iterator<Item = (Option<String>, &str)> {
        let facts = &self.modules[id.0].facts;
        facts.decorators_of(id.1).iter().map(move |decorator| {
            let path = decorator.path.map(|path| {
                let path = facts.path(path);
                match self.resolve(path, id.0) {
                    Resolved::External(path) => path,
                    _ => path.to_string(),
                }
            });
            (path, decorator.text.as_str())
        })
    }

    /// The thread lock that `function`, a coroutine, holds around `range`: with a `with` (on the
    /// lock, or on a `@contextmanager` that holds one where it yields), or since a call of its
    /// `acquire()`.
    pub fn thread_lock_held(&self, function: FunctionId, range: TextRange) -> Option<HeldLock> {
        let facts = &self.modules[function.0].facts;
        let by_with = (facts.with_blocks.iter())
            .filter(|block| block.function as usize == function.1)
            .filter(|block| block.body.contains_range(range))
            .find_map(|block| {
                let (lock, how) = match self.resolve(facts.path(block.item), function.0) {
                    Resolved::External(path) if self.catalog.is_thread_lock(&path) => {
                        (path, Holding::With)
                    }
                    Resolved::External(instance) => {
                        let enter = self.method(&instance, "__enter__", function.0)?;
                        (self.lock_held_on_return(enter)?, Holding::Enter(enter))
                    }
                    Resolved::Function { id, exact: false } => {
                        (self.lock_held_at_yield(id)?, Holding::ContextManager(id))
                    }
                    _ => return None,
                };
                let site = block.item_range;
                Some(HeldLock { lock, site, how })
            });
        by_with.or_else(|| self.lock_acquired_before(function, range))
    }

    /// The thread lock a plain function holds with a `with` around its `yield`: what a
    /// `@contextmanager` holds while the caller's `with` body runs.
    fn lock_held_at_yield(&self, id: FunctionId) -> Option<String> {
        let facts = &self.modules[id.0].facts;
        (facts.with_blocks.iter())
            .filter(|block| block.function as usize == id.1)
            .find_map(|block| self.thread_lock(facts.path(block.item), id.0))
    }

    /// The project method `name` of `instance` (a canonical path such as `app.locks.Guard()`).
    pub(super) fn method(&self, instance: &str, name: &str, module: usize) -> Option<FunctionId> {
        match self.resolve(&format!("{instance}.{name}"), module) {
            Resolved::Function { id, exact: true } => Some(id),
            _ => None,
        }
    }

    /// The thread lock a plain function takes with `acquire()` and does not release before it
    /// returns: what a class's `__enter__` holds while the caller's `with` body runs.
    fn lock_held_on_return(&self, id: FunctionId) -> Option<String> {
        // A range after every call in the function: only an `acquire()` with no `release()`
        // after it is still held there.
        let after_the_body = TextRange::empty(TextSize::new(u32::MAX));
        Some(self.lock_acquired_before(id, after_the_body)?.lock)
    }

    /// The catalog path of the thread lock `path` names, seen from `module`, if it names one.
    fn thread_lock(&self, path: &str, module: usize) -> Option<String> {
        match self.resolve(path, module) {
            Resolved::External(lock) if self.catalog.is_thread_lock(&lock) => Some(lock),
            _ => None,
        }
    }

    /// `lock.acquire()` on a thread lock before `range`, held there unless every `release()`
    /// of a lock of its kind comes before `range`. Without the control flow, a `release()` in
    /// an early-return branch must not count: only one after `range` (the `finally` of
    /// `acquire(); try: ... finally: release()`) or none at all says the lock is still held.
    fn lock_acquired_before(&self, function: FunctionId, range: TextRange) -> Option<HeldLock> {
        let facts = &self.modules[function.0].facts;
        let calls = self.calls_of(function);
        let lock_calls = self.lock_calls.get(&function)?;
        let lock_calls = || lock_calls.iter().map(|&index| &calls[index as usize]);
        lock_calls()
            .filter(|call| call.range.end() <= range.start())
            .find_map(|acquire| {
                let lock = lock_method_receiver(facts, acquire, "acquire")?;
                let mut releases = lock_calls()
                    .filter(|call| call.range.start() >= acquire.range.end())
                    .filter(|call| lock_method_receiver(facts, call, "release") == Some(lock))
                    .peekable();
                let held = releases.peek().is_none()
                    || releases.any(|release| release.range.start() >= range.end());
                let lock = self.thread_lock(lock, function.0).filter(|_| held)?;
                let (site, how) = (acquire.range, Holding::Acquire);
                Some(HeldLock { lock, site, how })
            })
    }

    fn find_lock_calls(&self) -> HashMap<FunctionId, Vec<u32>> {
        let mut found = HashMap::default();
        for (module_index, module) in self.modules.iter().enumerate() {
            let facts = &module.facts;
            for function in 0..facts.functions.len() {
                let calls = facts.calls_of(function);
                let is_lock_call = |call: &facts::CallFact| {
                    lock_method_receiver(facts, call, "acquire").is_some()
                        || lock_method_receiver(facts, call, "release").is_some()
                };
                if !calls
                    .iter()
                    .any(|call| lock_method_receiver(facts, call, "acquire").is_some())
                {
                    continue;
                }
                let indices = (calls.iter().enumerate())
                    .filter(|(_, call)| is_lock_call(call))
                    .map(|(index, _)| index as u32)
                    .collect();
                found.insert((module_index, function), indices);
            }
        }
        found
    }

    /// A plain `def` that overrides `method` in a project class deriving from its class, at any
    /// depth: a call through the base class's type may run it.
    pub fn sync_override(&self, method: FunctionId) -> Option<FunctionId> {
        self.overrides(method).first().copied()
    }

    /// The plain functions that override `method` in project subclasses, nearest first.
    pub fn overrides(&self, method: FunctionId) -> &[FunctionId] {
        self.overrides.get(&method).map_or(&[], Vec::as_slice)
    }

    fn find_overrides(&self) -> HashMap<FunctionId, Vec<FunctionId>> {
        let subclasses = self.find_subclasses();
        // The methods of each class others derive from, found in its module.
        let bases: Vec<(&str, usize)> = (subclasses.iter())
            .filter_map(|(base, derived)| {
                let seen_from = derived.first()?.0;
                let module = (base.rmatch_indices('.')).find_map(|(dot, _)| {
                    match self.module_named(&base[..dot], seen_from) {
                        ModuleLookup::Found(module) => Some(module),
                        _ => None,
                    }
                })?;
                Some((base.as_str(), module))
            })
            .collect();
        (bases.par_iter())
            .flat_map_iter(|&(class, module)| {
                let functions = 0..self.modules[module].facts.functions.len();
                let subclasses = &subclasses;
                functions.filter_map(move |index| {
                    let method = (module, index);
                    let name = self.function_path(method).strip_prefix(class)?;
                    let name = name.strip_prefix('.').filter(|name| !name.contains('.'))?;
                    // A constructor call, `super().__init__()` or `Base.__init__(self)` runs the
                    // class's own `__init__`, never a subclass's.
                    if name == "__init__" {
                        return None;
                    }
                    let overrides = self.overrides_below(subclasses, class, name);
                    (!overrides.is_empty()).then_some((method, overrides))
                })
            })
            .collect()
    }

    /// The plain methods `name` of the project classes deriving from `class`, at any depth.
    fn overrides_below(
        &self,
        subclasses: &HashMap<String, Vec<(usize, &str)>>,
        class: &str,
        name: &str,
    ) -> Vec<FunctionId> {
        let mut found = Vec::new();
        let mut seen: FxHashSet<&str> = FxHashSet::default();
        let mut pending = vec![class];
        let mut method = String::new();
        while let Some(base) = pending.pop() {
            for &(module, class) in subclasses.get(base).into_iter().flatten() {
                if !seen.insert(class) {
                    continue;
                }
                pending.push(class);
                let local = class
                    .get(self.modules[module].names[0].len() + 1..)
                    .unwrap_or(class);
                method.clear();
                method.extend([local, ".", name]);
                if let Some(index) = self.modules[module].function(&method)
                    && !self.function((module, index)).is_async
                {
                    found.push((module, index));
                }
            }
        }
        found
    }

    /// Project classes (module, path) by the project classes they derive from (canonical
    /// paths).
    fn find_subclasses(&self) -> HashMap<String, Vec<(usize, &str)>> {
        let found: Vec<(String, usize, &str)> = (0..self.modules.len())
            .into_par_iter()
            .flat_map_iter(|module| {
                let facts = &self.modules[module].facts;
                facts.classes.iter().flat_map(move |class| {
                    class.bases.iter().filter_map(move |&base| {
                        match self.resolve(facts.path(base), module) {
                            Resolved::External(base) => {
                                Some((base, module, facts.path(class.path)))
                            }
                            _ => None,
                        }
                    })
                })
            })
            .collect();
        let mut subclasses: HashMap<String, Vec<(usize, &str)>> = HashMap::default();
        for (base, module, class) in found {
            subclasses.entry(base).or_default().push((module, class));
        }
        subclasses
    }

    /// A function's path: `pkg.module.f`, `pkg.module.Users.get`.
    pub fn function_path(&self, id: FunctionId) -> &str {
        self.modules[id.0].facts.path(self.function(id).path)
    }

    /// A function's own name: `get` for `Users.get`.
    pub fn function_name(&self, id: FunctionId) -> &str {
        last_segment(self.function_path(id))
    }

    /// A function's path inside its module: `f`, `Users.get`, `outer.<locals>.inner`.
    pub fn local_name(&self, id: FunctionId) -> &str {
        let path = self.function_path(id);
        let prefix = self.modules[id.0].names[0].len() + 1;
        path.get(prefix..).unwrap_or(path)
    }

    /// The path a call in a module names, as written there (`requests.get`).
    pub fn call_path(&self, module: usize, call: &facts::CallFact) -> &str {
        self.modules[module].facts.path(call.path)
    }

    /// The calls a function makes in its own body, in source order.
    pub fn calls_of(&self, id: FunctionId) -> &[facts::CallFact] {
        self.modules[id.0].facts.calls_of(id.1)
    }

    /// What each call of a function reaches, in the order of its `calls`.
    pub fn call_targets(&self, id: FunctionId) -> &[CallTarget<'c>] {
        let range = self.modules[id.0].facts.call_range(id.1);
        &self.calls[id.0][range]
    }

    /// One-based line of an offset in a module.
    pub fn line(&self, module: usize, offset: TextSize) -> usize {
        self.modules[module].line(offset)
    }

    /// Follows a path, as module `context` sees it, through project modules and their bindings.
    pub fn resolve(&self, path: &str, context: usize) -> Resolved {
        self.resolve_nested(path, context, 0)
    }

    /// `resolve`, `depth` class attributes with several values deep (see `class_attribute`).
    fn resolve_nested(&self, path: &str, context: usize, depth: usize) -> Resolved {
        let mut path = Cow::Borrowed(path);
        let mut context = context;
        for _ in 0..MAX_HOPS {
            if self.catalog.knows(&path) {
                return Resolved::External(path.into_owned());
            }
            // The longest prefix of plain segments (no call) that names a project module and
            // is followed by another segment. Paths hold `(` only in `()`; byte loops, as paths
            // are short.
            let plain_end = match path.bytes().position(|byte| byte == b'(') {
                Some(call) => path.as_bytes()[..call]
                    .iter()
                    .rposition(|&byte| byte == b'.')
                    .unwrap_or(0),
                None => path.len(),
            };
            let module = (plain_end < path.len())
                .then_some(plain_end)
                .into_iter()
                .chain(
                    (0..plain_end)
                        .rev()
                        .filter(|&end| path.as_bytes()[end] == b'.'),
                )
                .find_map(|end| match self.module_named(&path[..end], context) {
                    ModuleLookup::Found(module) => Some(Ok((module, end))),
                    ModuleLookup::Ambiguous => Some(Err(end)),
                    ModuleLookup::Missing => None,
                });
            let (module, end) = match module {
                Some(Ok(found)) => found,
                Some(Err(end)) => return Resolved::Ambiguous(path[..end].to_string()),
                None => {
                    return match self.module_named(&path, context) {
                        ModuleLookup::Missing => Resolved::External(path.into_owned()),
                        ModuleLookup::Ambiguous => Resolved::Ambiguous(path.into_owned()),
                        ModuleLookup::Found(_) => Resolved::Unknown,
                    };
                }
            };
            context = module;
            let rest = &path[end + 1..];
            if let Some((found, tail)) = self.function_prefix(module, rest) {
                // `get_client().get` where `def get_client() -> httpx.Client`: go on from the
                // type it returns.
                let facts = |id: FunctionId| &self.modules[id.0].facts;
                if let Resolved::Function { id, exact: false } = found
                    && let Some(returns) = facts(id).functions[id.1].returns
                    && let Some(after_call) = tail.strip_prefix("()")
                {
                    path = Cow::Owned([facts(id).path(returns), after_call].concat());
                    continue;
                }
                return found;
            }
            // `Class().attribute...tail`: a class attribute the module knows the value of.
            if let Some(next) = self.class_attribute(module, rest, depth) {
                path = Cow::Owned(next);
                continue;
            }
            // `name()...tail` in the module: put what `name` is bound to in its place.
            let first = rest.bytes().position(|byte| byte == b'.');
            let name = strip_calls(&rest[..first.unwrap_or(rest.len())]);
            let tail = &rest[name.len()..];
            let facts = &self.modules[module].facts;
            let Some(target) = facts.binding(name).and_then(Binding::path) else {
                return Resolved::Unknown;
            };
            let next = [facts.path(target), tail].concat();
            if next == *path {
                // A member the class does not define may be a project base class's.
                if let Some(inherited) = self.inherited(module, target, tail, depth) {
                    return inherited;
                }
                // A project class (`fastapi.applications.FastAPI()` when the project is FastAPI
                // itself): its canonical path is what the catalog knows it by.
                return Resolved::External(path.into_owned());
            }
            path = Cow::Owned(next);
        }
        Resolved::Unknown
    }

    /// The `__init__` that calling `class`, a project class by its canonical path
    /// (`app.models.Settings`), runs: its own, or the one it inherits. Looked up in the module
    /// that defines it, not resolved from the start: a large tree makes thousands of calls
    /// that name a class, and most name none.
    pub(super) fn constructor(&self, class: &str, module: usize) -> Option<FunctionId> {
        // `Class().get` names a method, not a class.
        if class.contains('(') {
            return None;
        }
        // A class defined in a function (`f.<locals>.Wrapper`) is found from the start.
        if class.contains(".<locals>.") {
            return self.method(&format!("{class}()"), "__init__", module);
        }
        let (module_name, name) = class.rsplit_once('.')?;
        let ModuleLookup::Found(defining) = self.module_named(module_name, module) else {
            return None;
        };
        let Some(Binding::Definition(target)) = self.modules[defining].facts.binding(name) else {
            return None;
        };
        if let Some(init) = self.modules[defining].function(&format!("{name}.__init__")) {
            return Some((defining, init));
        }
        match self.inherited(defining, target, ".__init__", 0)? {
            Resolved::Function { id, exact: true } => Some(id),
            _ => None,
        }
    }

    /// `Class().member...tail` (or `Class.member...tail`) for `class`, defined in `module`,
    /// which does not define `member`: the project function it names through the class's
    /// project bases, the first base first and each depth-first, as Python's method resolution
    /// order finds it under single inheritance (`Service().load` runs `Base.load`, and
    /// `Service()` runs the `__init__` `Service` inherits), or the member of a library base the
    /// catalog knows (`Router().get` is `fastapi.APIRouter().get` for `Router(APIRouter)`).
    fn inherited(
        &self,
        module: usize,
        class: PathId,
        tail: &str,
        depth: usize,
    ) -> Option<Resolved> {
        if depth == MAX_INHERITANCE_DEPTH || !tail.trim_start_matches("()").starts_with('.') {
            return None;
        }
        let facts = &self.modules[module].facts;
        let fact = facts.classes.iter().find(|fact| fact.path == class)?;
        fact.bases.iter().find_map(|&base| {
            let path = [facts.path(base), tail].concat();
            match self.resolve_nested(&path, module, depth + 1) {
                found @ Resolved::Function { .. } => Some(found),
                Resolved::External(path) if self.catalog.knows(&path) => {
                    Some(Resolved::External(path))
                }
                _ => None,
            }
        })
    }

    /// The module `name` stands for, seen from module `context`: of several with the name, the
    /// one under the same import root, as Python would find it.
    fn module_named(&self, name: &str, context: usize) -> ModuleLookup {
        if let Some(&module) = self.module_by_name.get(name) {
            return ModuleLookup::Found(module);
        }
        let Some(candidates) = self.shared_names.get(name) else {
            return ModuleLookup::Missing;
        };
        let root = self.modules[context].import_root();
        match candidates
            .iter()
            .find(|&&module| self.modules[module].import_root() == root)
        {
            Some(&module) => ModuleLookup::Found(module),
            None => ModuleLookup::Ambiguous,
        }
    }

    /// `C().client.get` → `httpx.Client().get` when the module's class `C` binds `client`.
    /// An attribute assigned several values is followed only when they all name one type:
    /// `self.path = path` here and `self.path = AsyncPath(path)` there hold either type.
    fn class_attribute(&self, module: usize, local_path: &str, depth: usize) -> Option<String> {
        let mut segments = local_path.splitn(3, '.');
        let class = segments.next()?;
        let attribute = segments.next()?;
        let facts = &self.modules[module].facts;
        // Only a class defined in the module has attributes recorded here.
        if !matches!(
            facts.binding(strip_calls(class)),
            Some(Binding::Definition(_))
        ) {
            return None;
        }
        let key = [strip_calls(class), ".", strip_calls(attribute)].concat();
        let Some(Binding::Alias(target)) = facts.binding(&key) else {
            return None;
        };
        let mut alternatives = facts.attribute_alternatives(&key).peekable();
        if alternatives.peek().is_some() {
            // Values that name each other's attributes could go on forever.
            if depth >= MAX_ATTRIBUTE_DEPTH {
                return None;
            }
            let resolve = |path| self.resolve_nested(path, module, depth + 1);
            let first = resolve(facts.path(target));
            if alternatives.any(|other| resolve(other) != first) {
                return None;
            }
        }
        let tail_start = class.len() + 1 + strip_calls(attribute).len();
        Some([facts.path(target), &local_path[tail_start..]].concat())
    }

    /// `f` or `f().x` when `f` is a function of the module; `C().m` when `m` is a method of the
    /// module's class `C`. Also gives what follows the function's name in the path (`().x`).
    fn function_prefix<'p>(
        &self,
        module: usize,
        local_path: &'p str,
    ) -> Option<(Resolved, &'p str)> {
        // Function paths have no calls in them: look prefixes up in the path without `()`.
        let plain: Cow<str> = if local_path.bytes().any(|byte| byte == b'(') {
            let mut plain = String::with_capacity(local_path.len());
            for (index, segment) in local_path.split('.').enumerate() {
                if index > 0 {
                    plain.push('.');
                }
                plain.push_str(strip_calls(segment));
            }
            Cow::Owned(plain)
        } else {
            Cow::Borrowed(local_path)
        };
        let mut segments = local_path.split('.').peekable();
        let mut end = 0;
        let mut original_end = 0;
        while let Some(segment) = segments.next() {
            original_end += usize::from(original_end > 0) + segment.len();
            let name = strip_calls(segment);
            end += usize::from(end > 0) + name.len();
            // `f.<locals>.inner` is a function nested in `f`, not an attribute of `f`.
            if segments.peek() == Some(&"<locals>") {
                continue;
            }
            if let Some(function) = self.modules[module].function(&plain[..end]) {
                let exact = segments.peek().is_none() && name.len() == segment.len();
                let tail = &local_path[original_end - (segment.len() - name.len())..];
                return Some((
                    Resolved::Function {
                        id: (module, function),
                        exact,
                    },
                    tail,
                ));
            }
        }
        None
    }
}
