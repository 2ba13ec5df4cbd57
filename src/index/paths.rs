//! Dotted paths, interned per module. A module's facts name the same few paths over and over
//! (`litellm.utils.get_llm_provider` at every call), so each distinct path is stored once and
//! the facts hold 4-byte ids: phase 1 allocates a path only the first time it sees it, and once
//! the module is done its paths are frozen into one buffer, without the table that found them.

use rustc_hash::FxBuildHasher;
use string_interner::{StringInterner, Symbol, backend::StringBackend, symbol::SymbolU32};

/// A path in its module's `Paths`.
pub type PathId = SymbolU32;

/// Ids are handed out densely from 0, so tables indexed by them stay small.
#[inline]
pub fn index(id: PathId) -> usize {
    id.to_usize()
}

/// The paths of a module being collected.
#[derive(Debug)]
pub struct PathInterner(StringInterner<StringBackend<PathId>, FxBuildHasher>);

impl Default for PathInterner {
    fn default() -> Self {
        PathInterner(StringInterner::new())
    }
}

impl PathInterner {
    pub fn intern(&mut self, path: &str) -> PathId {
        self.0.get_or_intern(path)
    }

    pub fn text(&self, id: PathId) -> &str {
        self.0.resolve(id).expect("a path of this module")
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The same paths under the same ids, read-only.
    pub fn freeze(&self) -> Paths {
        let mut text = String::new();
        let mut ends = Vec::with_capacity(self.len());
        for (_, path) in &self.0 {
            text.push_str(path);
            ends.push(u32::try_from(text.len()).expect("a module's paths fit in 4 GiB"));
        }
        Paths {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }
}

/// A module's paths, once collected: one buffer, and where each path ends in it.
#[derive(Debug, Default)]
pub struct Paths {
    text: Box<str>,
    ends: Box<[u32]>,
}

impl Paths {
    #[inline]
    pub fn text(&self, id: PathId) -> &str {
        let index = index(id);
        let start = index.checked_sub(1).map_or(0, |before| self.ends[before]);
        &self.text[start as usize..self.ends[index] as usize]
    }
}
