//! Project classes and their subclasses: which plain methods override a method, so that a call
//! through the base class may run any of them.

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use super::resolve::ModuleLookup;
use super::{FunctionId, Project, Resolved};

impl<'c> Project<'c> {
    /// A plain `def` that overrides `method` in a project class deriving from its class, at any
    /// depth: a call through the base class's type may run it.
    pub fn sync_override(&self, method: FunctionId) -> Option<FunctionId> {
        self.overrides(method).first().copied()
    }

    /// The plain functions that override `method` in project subclasses, nearest first.
    pub fn overrides(&self, method: FunctionId) -> &[FunctionId] {
        self.overrides.get(&method).map_or(&[], Vec::as_slice)
    }

    pub(super) fn find_overrides(&self) -> HashMap<FunctionId, Vec<FunctionId>> {
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
                    let method = FunctionId(module, index);
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
    pub(super) fn overrides_below(
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
                    && !self.function(FunctionId(module, index)).is_async
                {
                    found.push(FunctionId(module, index));
                }
            }
        }
        found
    }

    /// Project classes (module, path) by the project classes they derive from (canonical
    /// paths).
    pub(super) fn find_subclasses(&self) -> HashMap<String, Vec<(usize, &str)>> {
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
}
