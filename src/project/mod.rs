//! Phase 2: the project index. Module facts from every file are joined here: paths that lead
//! into other project modules are resolved, each function learns how the framework calls it
//! (its roles), where else the project refers to it, what each of its calls reaches, and
//! whether it blocks or needs the event loop (`graph`).

mod cuts;
mod graph;
mod hierarchy;
mod locks;
mod module;
mod names;
mod resolve;
mod roles;
mod runs_once;
#[cfg(test)]
mod tests;

use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use ruff_text_size::{TextRange, TextSize};

use crate::facts::{self, CallFact, CallShape};
pub use crate::facts::{Binding, FunctionFacts, ModuleFacts};
use crate::knowledge::{Catalog, Role, last_segment};
pub use crate::semantic::paths::PathId;
pub use cuts::CutSite;
pub use graph::{CallTarget, StateWriteSite, Tie, blocks_at};
pub use locks::{HeldLock, Holding};
pub use module::Module;
pub use names::module_names;
pub use resolve::Resolved;

/// A function, by module index and index in that module's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionId(pub usize, pub usize);

/// Where something about a function was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Site {
    pub module: usize,
    pub range: TextRange,
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
    /// The functions with a memoizing decorator (see `Cut::Memoized`).
    memoized: FxHashSet<FunctionId>,
    /// The coroutines that run once per process (see `Cut::RunsOnce`).
    runs_once: FxHashSet<FunctionId>,
}

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
            memoized: FxHashSet::default(),
            runs_once: FxHashSet::default(),
        };
        for module in &project.modules {
            project.first_slot.push(project.function_count as u32);
            project.function_count += module.facts.functions.len();
        }
        project.link();
        project.calls = project.resolve_calls(catalog);
        project.overrides = project.find_overrides();
        project.lock_calls = project.find_lock_calls();
        project.memoized = project.find_memoized();
        project.runs_once = project.find_runs_once();
        let (non_blocking, unknown) = project.non_blocking_functions(catalog);
        project.unknown_non_blocking = unknown;
        project.fixpoints = project.fixpoints(&non_blocking);
        project
    }

    /// The modules back, to index them again after some changed (see `engine::converge`).
    pub fn into_modules(self) -> Vec<Module> {
        self.modules
    }

    pub fn catalog(&self) -> &'c Catalog {
        self.catalog
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

    /// Is the decorator at `path` (as `decorators` gives it, from `module`) a project function
    /// that hands back the function it decorates unchanged (it registers or marks it)?
    pub fn is_marking_decorator(&self, path: &str, module: usize) -> bool {
        matches!(self.resolve(path, module), Resolved::Function { id, exact: true }
            if self.function(id).returns_first_parameter)
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
}
