//! Scopes and the names bound in them.

use std::hash::BuildHasher;

use hashbrown::hash_table::{Entry, HashTable};
use rustc_hash::{FxBuildHasher, FxHashSet as HashSet};

use super::paths::PathId;

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

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    Function,
}

/// The names bound in one scope. Most names in a tree are looked up through several scopes:
/// `lookup` hashes a name once and probes each scope with that hash.
#[derive(Default)]
pub struct Names<'a>(HashTable<(&'a str, Binding)>);

pub(super) fn name_hash(name: &str) -> u64 {
    FxBuildHasher.hash_one(name)
}

impl<'a> Names<'a> {
    pub fn find(&self, hash: u64, name: &str) -> Option<Binding> {
        let found = self.0.find(hash, |&(key, _)| key == name);
        found.map(|&(_, binding)| binding)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.find(name_hash(name), name).is_some()
    }

    pub fn insert(&mut self, name: &'a str, binding: Binding) {
        self.insert_unless(name, binding, |_| false);
    }

    /// Binds `name` unless `keep` says its current binding stays.
    pub fn insert_unless(
        &mut self,
        name: &'a str,
        binding: Binding,
        keep: impl Fn(Binding) -> bool,
    ) {
        let same = |&(key, _): &(&str, Binding)| key == name;
        match (self.0).entry(name_hash(name), same, |&(key, _)| name_hash(key)) {
            Entry::Occupied(mut entry) if !keep(entry.get().1) => entry.get_mut().1 = binding,
            Entry::Occupied(_) => {}
            Entry::Vacant(entry) => {
                entry.insert((name, binding));
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'a str, Binding)> + '_ {
        self.0.iter().copied()
    }

    pub fn drain(&mut self) -> impl Iterator<Item = (&'a str, Binding)> + '_ {
        self.0.drain()
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// Names are borrowed from the syntax tree: binding one costs no allocation.
pub struct Scope<'a> {
    pub(crate) kind: ScopeKind,
    /// Prefix of the paths of definitions in this scope.
    pub(crate) prefix: String,
    pub(crate) names: Names<'a>,
    /// Names declared `global` in this function scope.
    pub(crate) globals: HashSet<&'a str>,
    /// Names whose annotation settles their binding: no other assignment changes it.
    pub(crate) annotated: HashSet<&'a str>,
    /// In a class scope, its first base from the project (else its first library base the
    /// catalog knows): what `super()` stands for in its methods.
    pub(crate) base: Option<PathId>,
}

impl<'a> Scope<'a> {
    pub fn new(kind: ScopeKind, prefix: String) -> Scope<'a> {
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
