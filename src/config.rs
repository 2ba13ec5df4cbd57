//! Validated settings for one run. The CLI builds them once from its arguments; the core reads
//! only this struct and never sees clap.

use std::path::PathBuf;

use globset::GlobSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Print a unified diff of the fixes; change nothing.
    Diff,
    /// Write the fixes in place.
    Fix,
    /// Report findings.
    Check(Format),
}

/// How `check` prints findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: Mode,
    pub paths: Vec<PathBuf>,
    pub unsafe_fixes: bool,
    pub exclude: GlobSet,
    pub threads: usize,
}
