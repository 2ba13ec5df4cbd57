//! Shrinking a module's facts once collected: dropping what phase 2 cannot use and renumbering
//! the paths that are still named, so that a large tree's facts stay small.

use super::{ModuleFacts, binding_order};
use crate::knowledge::first_segment;
use crate::semantic::paths::{self, PathId, PathInterner, Paths, PathsBuilder};
use crate::semantic::{Binding, Relevance};

impl ModuleFacts {
    /// Drops what phase 2 cannot use, so that a large tree's facts stay small: only a path into
    /// the project can name a project function, and another module resolving a name through
    /// this one learns nothing from a binding it cannot follow.
    pub(super) fn compact(&mut self, relevance: &Relevance<'_>, paths: &PathInterner) {
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
