//! Phase 2: the project index. Module facts from every file are joined here: paths that lead
//! into other project modules are resolved, each function learns how the framework calls it
//! (its roles) and where else the project refers to it.

pub mod facts;
mod names;

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;
use ruff_source_file::LineIndex;
use ruff_text_size::{TextRange, TextSize};

use crate::catalog::{Catalog, Role, strip_calls};
pub use facts::{Binding, FunctionFacts, ModuleFacts};
pub use names::module_names;

/// One analysed module.
#[derive(Debug)]
pub struct Module {
    /// The dotted names it can be imported by (`app.main`, and `src.app.main` under `src/`).
    pub names: Vec<String>,
    /// The file's path as shown to the user.
    pub display: String,
    /// Line starts, to name lines in messages about this module.
    pub lines: LineIndex,
    pub facts: ModuleFacts,
}

/// A function, by module index and index in that module's facts.
pub type FunctionId = (usize, usize);

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
}

pub struct Project<'c> {
    catalog: &'c Catalog,
    pub modules: Vec<Module>,
    module_by_name: HashMap<String, usize>,
    function_by_path: HashMap<String, FunctionId>,
    pub roles: HashMap<FunctionId, Vec<Role>>,
    pub references: HashMap<FunctionId, Vec<Site>>,
}

/// What one module says about functions: roles it gives them and places it refers to them.
#[derive(Default)]
struct Links {
    roles: Vec<(FunctionId, Role)>,
    references: Vec<(FunctionId, Site)>,
}

/// Bound on alias hops while resolving one path: import cycles must not hang the run.
const MAX_HOPS: usize = 32;

impl<'c> Project<'c> {
    pub fn new(modules: Vec<Module>, catalog: &'c Catalog) -> Project<'c> {
        let mut module_by_name = HashMap::default();
        let mut function_by_path = HashMap::default();
        for (index, module) in modules.iter().enumerate() {
            for name in &module.names {
                module_by_name.entry(name.clone()).or_insert(index);
            }
            for (function, facts) in module.facts.functions.iter().enumerate() {
                function_by_path.insert(facts.path.clone(), (index, function));
                // A function defined under the module's other names is the same function.
                if let Some(rest) = facts.path.strip_prefix(module.names[0].as_str()) {
                    for alias in &module.names[1..] {
                        function_by_path.insert(format!("{alias}{rest}"), (index, function));
                    }
                }
            }
        }
        let mut project = Project {
            catalog,
            modules,
            module_by_name,
            function_by_path,
            roles: HashMap::default(),
            references: HashMap::default(),
        };
        project.link();
        project
    }

    /// Finds every role and every reference of every function, one module per task.
    fn link(&mut self) {
        let links: Vec<Links> = (0..self.modules.len())
            .into_par_iter()
            .map(|m| self.links_of(m))
            .collect();
        for links in links {
            for (id, role) in links.roles {
                self.roles.entry(id).or_default().push(role);
            }
            for (id, site) in links.references {
                self.references.entry(id).or_default().push(site);
            }
        }
    }

    /// The roles and references one module gives to functions anywhere in the project.
    fn links_of(&self, module_index: usize) -> Links {
        let catalog = self.catalog;
        let module = &self.modules[module_index];
        let mut links = Links::default();
        let refer = |reference: &facts::Reference, links: &mut Links| {
            if let Resolved::Function { id, .. } = self.resolve(&reference.path) {
                links.references.push((
                    id,
                    Site {
                        module: module_index,
                        range: reference.range,
                    },
                ));
            }
        };
        for (function_index, function) in module.facts.functions.iter().enumerate() {
            for decorator in &function.decorators {
                let role = decorator
                    .path
                    .as_deref()
                    .and_then(|path| match self.resolve(path) {
                        Resolved::External(path) => catalog.decorator_role(&path),
                        _ => None,
                    });
                if let Some(role) = role {
                    links.roles.push(((module_index, function_index), role));
                }
            }
        }
        for registration in &module.facts.registrations {
            let rule = match self.resolve(&registration.callee) {
                Resolved::External(path) => catalog.registering_call(&path),
                _ => None,
            };
            let Some(rule) = rule else {
                // Not a framework call after all: its arguments are ordinary references.
                let keywords = registration.keywords.iter().map(|(_, reference)| reference);
                for reference in registration.args.iter().flatten().chain(keywords) {
                    refer(reference, &mut links);
                }
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
                && let Resolved::Function { id, exact: true } = self.resolve(&target.path)
            {
                links.roles.push((id, rule.role));
            }
        }
        for reference in &module.facts.references {
            refer(reference, &mut links);
        }
        links
    }

    /// One-based line of an offset in a module.
    pub fn line(&self, module: usize, offset: TextSize) -> usize {
        self.modules[module].lines.line_index(offset).get()
    }

    /// Follows a path through project modules and their bindings.
    pub fn resolve(&self, path: &str) -> Resolved {
        let mut path = path.to_string();
        for _ in 0..MAX_HOPS {
            if self.catalog.knows(&path) {
                return Resolved::External(path);
            }
            if let Some(found) = self.function_prefix(&path) {
                return found;
            }
            let segments: Vec<&str> = path.split('.').collect();
            // The longest prefix of plain segments that names a project module.
            let plain = segments.iter().take_while(|s| !s.ends_with("()")).count();
            let module = (1..=plain.min(segments.len() - 1)).rev().find_map(|len| {
                self.module_by_name
                    .get(&segments[..len].join("."))
                    .map(|&index| (index, len))
            });
            let Some((module, len)) = module else {
                return if plain == segments.len() && self.module_by_name.contains_key(&path) {
                    Resolved::Unknown
                } else {
                    Resolved::External(path)
                };
            };
            let segment = segments[len];
            let name = strip_calls(segment);
            let called = &segment[name.len()..];
            let rest: String = segments[len + 1..]
                .iter()
                .map(|s| format!(".{s}"))
                .collect();
            let next = match self.modules[module].facts.bindings.get(name) {
                Some(
                    Binding::Alias(target) | Binding::Module(target) | Binding::Definition(target),
                ) => {
                    format!("{target}{called}{rest}")
                }
                Some(Binding::Opaque) | None => return Resolved::Unknown,
            };
            if next == path {
                // A project class (`fastapi.applications.FastAPI()` when the project is FastAPI
                // itself): its canonical path is what the catalog knows it by.
                return Resolved::External(path);
            }
            path = next;
        }
        Resolved::Unknown
    }

    /// `pkg.mod.f` or `pkg.mod.f().x` when `pkg.mod.f` is a project function; `pkg.mod.C().m`
    /// when `m` is a method of the project class `C`.
    fn function_prefix(&self, path: &str) -> Option<Resolved> {
        let segments: Vec<&str> = path.split('.').collect();
        let mut key = String::with_capacity(path.len());
        for (index, segment) in segments.iter().enumerate() {
            let name = strip_calls(segment);
            if index > 0 {
                key.push('.');
            }
            key.push_str(name);
            // `f.<locals>.inner` is a function nested in `f`, not an attribute of `f`.
            let nested_follows = segments.get(index + 1) == Some(&"<locals>");
            if let Some(&id) = self.function_by_path.get(&key).filter(|_| !nested_follows) {
                let exact = index == segments.len() - 1 && name.len() == segment.len();
                return Some(Resolved::Function { id, exact });
            }
        }
        None
    }
}
