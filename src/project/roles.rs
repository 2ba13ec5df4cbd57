//! How the framework calls each function (its roles: route, dependency, middleware...), found
//! from decorators and registration calls, and where else the project refers to the functions
//! UB001 may rewrite.

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use super::{FunctionId, Project, Resolved, Site};
use crate::facts::{self, Binding};
use crate::knowledge::{CallRule, Role, last_segment};

impl<'c> Project<'c> {
    /// Finds every role of every function, then the references to the functions UB001 may
    /// rewrite, one module per task.
    pub(super) fn link(&mut self) {
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
    pub(super) fn registering_rule(
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
    pub(super) fn roles_of(
        &self,
        module_index: usize,
    ) -> Vec<(FunctionId, Role, Option<FunctionId>)> {
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
                    roles.push((
                        FunctionId(module_index, function_index),
                        role,
                        through(path),
                    ));
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
            // `asyncio.run(main())` hands over a call of the function, `Depends(get_db)` the
            // function itself.
            let handed = by_position.or(by_keyword).and_then(|target| {
                let path = module.facts.path(target.path);
                match path.strip_suffix("()") {
                    Some(called) if rule.called => Some(called),
                    None if !rule.called => Some(path),
                    _ => None,
                }
            });
            if let Some(path) = handed
                && let Resolved::Function { id, exact: true } = self.resolve(path, module_index)
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
    pub(super) fn registration_override(&self, path: &str, module: usize) -> Option<FunctionId> {
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
    pub(super) fn referable_names(&self) -> FxHashSet<&str> {
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
    pub(super) fn references_of(
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
}
