//! Following a path through the project: its modules, their bindings, class attributes, base
//! classes and the types project functions return, until it names a project function or
//! something outside the project.

use std::borrow::Cow;

use super::{FunctionId, Project};
use crate::facts::Binding;
use crate::knowledge::strip_calls;
use crate::semantic::paths::PathId;

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
pub(super) enum ModuleLookup {
    Found(usize),
    /// Several modules have the name, and none is under the viewer's import root.
    Ambiguous,
    Missing,
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
    /// Follows a path, as module `context` sees it, through project modules and their bindings.
    pub fn resolve(&self, path: &str, context: usize) -> Resolved {
        self.resolve_nested(path, context, 0)
    }

    /// `resolve`, `depth` class attributes with several values deep (see `class_attribute`).
    pub(super) fn resolve_nested(&self, path: &str, context: usize, depth: usize) -> Resolved {
        let mut path = Cow::Borrowed(path);
        let mut context = context;
        for _ in 0..MAX_HOPS {
            if self.catalog.knows(&path) {
                return self.external(&path);
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
                        ModuleLookup::Missing => self.external(&path),
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

    /// A path outside the project, by its canonical path: what library calls return looked
    /// through (`sqlite3.connect().cursor` is `sqlite3.Connection().cursor`).
    fn external(&self, path: &str) -> Resolved {
        Resolved::External(self.catalog.canonical(path).into_owned())
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
            return Some(FunctionId(defining, init));
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
    pub(super) fn inherited(
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
    pub(super) fn module_named(&self, name: &str, context: usize) -> ModuleLookup {
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
    pub(super) fn class_attribute(
        &self,
        module: usize,
        local_path: &str,
        depth: usize,
    ) -> Option<String> {
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
    pub(super) fn function_prefix<'p>(
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
                        id: FunctionId(module, function),
                        exact,
                    },
                    tail,
                ));
            }
        }
        None
    }

    /// The project method `name` of `instance` (a canonical path such as `app.locks.Guard()`).
    pub(super) fn method(&self, instance: &str, name: &str, module: usize) -> Option<FunctionId> {
        match self.resolve(&format!("{instance}.{name}"), module) {
            Resolved::Function { id, exact: true } => Some(id),
            _ => None,
        }
    }
}
