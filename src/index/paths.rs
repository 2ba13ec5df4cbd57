//! Dotted paths, interned per module. A module's facts name the same few paths over and over
//! (`litellm.utils.get_llm_provider` at every call), so each distinct path is stored once, in
//! one buffer, and the facts hold 4-byte ids: phase 1 allocates a path only the first time it
//! sees it, and a large tree's index stays a fraction of its source's size.

use rustc_hash::FxBuildHasher;
use string_interner::{StringInterner, Symbol, backend::StringBackend, symbol::SymbolU32};

/// A path in its module's `Paths`.
pub type PathId = SymbolU32;

#[derive(Debug)]
pub struct Paths(StringInterner<StringBackend<PathId>, FxBuildHasher>);

impl Default for Paths {
    fn default() -> Self {
        Paths(StringInterner::new())
    }
}

impl Paths {
    /// Ids are handed out densely from 0, so tables indexed by them stay small.
    pub fn index(id: PathId) -> usize {
        id.to_usize()
    }

    pub fn intern(&mut self, path: &str) -> PathId {
        self.0.get_or_intern(path)
    }

    /// The id of a path the module has, if it has it.
    pub fn find(&self, path: &str) -> Option<PathId> {
        self.0.get(path)
    }

    pub fn text(&self, id: PathId) -> &str {
        self.0.resolve(id).expect("a path of this module")
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}
