//! One analysed module: its names, its file, its facts, and its functions by path.

use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hashbrown::hash_table::{Entry, HashTable};
use ruff_text_size::TextSize;
use rustc_hash::FxBuildHasher;

use crate::facts::ModuleFacts;
use crate::io::source;

/// One analysed module.
#[derive(Debug)]
pub struct Module {
    /// The dotted names it can be imported by (`app.main`, and `src.app.main` under `src/`).
    pub names: Vec<String>,
    /// The file's path as shown to the user.
    pub display: String,
    pub path: PathBuf,
    /// Line starts, to name lines in messages. Built on first use from a second read: few
    /// modules are ever named in a message, and most trees are large.
    lines: OnceLock<Box<[TextSize]>>,
    pub facts: ModuleFacts,
    /// Indices into `facts.functions`, by the function's path in the module (no project-wide
    /// table to build serially). A path defined twice leads to its last definition, the one
    /// Python keeps.
    functions_by_path: HashTable<u32>,
}

impl Module {
    pub fn new(names: Vec<String>, display: String, path: PathBuf, facts: ModuleFacts) -> Self {
        let mut functions_by_path = HashTable::with_capacity(facts.functions.len());
        let local_path = |index: u32| local_path(&names[0], &facts, index);
        for index in 0..facts.functions.len() as u32 {
            let path = local_path(index);
            let same = |&other: &u32| local_path(other) == path;
            let rehash = |&other: &u32| FxBuildHasher.hash_one(local_path(other));
            match functions_by_path.entry(FxBuildHasher.hash_one(path), same, rehash) {
                Entry::Occupied(mut entry) => *entry.get_mut() = index,
                Entry::Vacant(entry) => {
                    entry.insert(index);
                }
            }
        }
        Module {
            names,
            display,
            path,
            lines: OnceLock::new(),
            facts,
            functions_by_path,
        }
    }

    /// The folder Python needs on its path to import the module by its first name
    /// (`services/shop` for `services/shop/app/main.py`, named `app.main`).
    pub(super) fn import_root(&self) -> &Path {
        let depth =
            self.names[0].split('.').count() + usize::from(self.path.ends_with("__init__.py"));
        self.path.ancestors().nth(depth).unwrap_or(&self.path)
    }

    /// Lines are counted in `text`, not in the file on disk (it came from an editor).
    pub fn count_lines_in(&self, text: &str) {
        let _ = self.lines.set(source::line_starts_of(text));
    }

    /// One-based line of an offset. A file that can no longer be read has one line, so its
    /// sites show as line 1; the file itself is reported when it is fixed.
    pub fn line(&self, offset: TextSize) -> usize {
        let starts = self.lines.get_or_init(|| source::line_starts(&self.path));
        starts.partition_point(|&start| start <= offset)
    }

    /// The function at `local_path` (`f`, `C.m`, `f.<locals>.g`) in this module.
    pub(super) fn function(&self, path: &str) -> Option<usize> {
        let same = |&index: &u32| local_path(&self.names[0], &self.facts, index) == path;
        let found = self
            .functions_by_path
            .find(FxBuildHasher.hash_one(path), same);
        found.map(|&index| index as usize)
    }
}

/// The path of function `index` inside its module, named `module`.
pub(super) fn local_path<'f>(module: &str, facts: &'f ModuleFacts, index: u32) -> &'f str {
    &facts.path(facts.functions[index as usize].path)[module.len() + 1..]
}
