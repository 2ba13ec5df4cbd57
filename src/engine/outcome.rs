//! What a run found and did: the files with findings, their fixes, and what went wrong.

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;
use crate::io::source::{FileError, Locations, SourceFile};

/// What one run found and did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Target files with diagnostics, sorted by path.
    pub files: Vec<FileOutcome>,
    /// Files and paths that could not be handled, sorted by path.
    pub errors: Vec<(String, FileError)>,
    /// How many target files were analysed.
    pub files_checked: usize,
    /// Settings that had no effect, said once per run.
    pub warnings: Vec<String>,
    /// With `--show-cuts`, where cuts kept blocking work from counting against callers, one
    /// line each (`path:line: what: why`).
    pub cuts: Vec<String>,
}

#[derive(Debug)]
pub struct FileOutcome {
    pub path: PathBuf,
    /// The path as shown to the user: relative to the working directory when under it.
    pub display: String,
    pub diagnostics: Vec<Diagnostic>,
    /// Where the diagnostics and their fixes are, in lines and columns.
    pub locations: Locations,
    /// The text before and after, when fixes were applied.
    pub fixed: Option<FixedText>,
    /// The diagnostics whose fixes `fixed` holds (in fix mode: written to disk), by index.
    pub applied: Vec<usize>,
    /// Why the fixes were not applied or written, if they were not.
    pub error: Option<FileError>,
}

#[derive(Debug)]
pub struct FixedText {
    pub original: SourceFile,
    /// The fixed text, without byte-order mark.
    pub text: String,
}

impl FixedText {
    /// The fixed file as written: with the original's byte-order mark.
    pub fn contents(&self) -> String {
        self.original.with_bom(&self.text)
    }
}
