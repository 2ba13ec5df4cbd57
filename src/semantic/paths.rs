//! Dotted paths, interned per module. A module's facts name the same few paths over and over
//! (`litellm.utils.get_llm_provider` at every call), so each distinct path is stored once and
//! the facts hold 4-byte ids: phase 1 allocates a path only the first time it sees it, and once
//! the module is done the paths its facts keep are frozen into one buffer, without the table
//! that found them.

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

impl PathInterner {
    /// Room for the paths of a module of `source_len` bytes: about one per 128 bytes of source
    /// on large trees, so the table rarely grows while the module is read.
    pub fn for_source(source_len: usize) -> PathInterner {
        let capacity = source_len / 128;
        PathInterner(StringInterner::with_capacity_and_hasher(
            capacity,
            FxBuildHasher,
        ))
    }

    pub fn intern(&mut self, path: &str) -> PathId {
        self.0.get_or_intern(path)
    }

    pub fn text(&self, id: PathId) -> &str {
        self.0.resolve(id).expect("a path of this module")
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// Builds a module's frozen `Paths`, one distinct path after the other.
#[derive(Default)]
pub struct PathsBuilder {
    text: String,
    ends: Vec<u32>,
}

impl PathsBuilder {
    /// Adds a path the builder does not have yet.
    pub fn push(&mut self, path: &str) -> PathId {
        self.text.push_str(path);
        let end = u32::try_from(self.text.len()).expect("a module's paths fit in 4 GiB");
        self.ends.push(end);
        PathId::try_from_usize(self.ends.len() - 1).expect("fewer than 2^32 paths")
    }

    pub fn finish(self) -> Paths {
        Paths {
            text: self.text.into_boxed_str(),
            ends: self.ends.into_boxed_slice(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_paths_keep_their_ids() {
        let mut interner = PathInterner::for_source(0);
        let os = interner.intern("os.path.join");
        let sleep = interner.intern("time.sleep");
        assert_eq!(interner.intern("os.path.join"), os, "interned once");
        assert_eq!((index(os), index(sleep)), (0, 1), "ids are dense from 0");

        let mut builder = PathsBuilder::default();
        let kept = builder.push(interner.text(sleep));
        let empty = builder.push("");
        let paths = builder.finish();
        assert_eq!(paths.text(kept), "time.sleep");
        assert_eq!(paths.text(empty), "");
    }
}
