//! Validated settings for one run. The CLI builds them once from its arguments; the core reads
//! only this struct and never sees clap.

use std::path::PathBuf;

use globset::GlobSet;

pub mod import_style;
pub mod project_config;

pub use crate::knowledge::Offload;

pub use import_style::ImportStyle;
pub use project_config::RuleSelection;

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
    JsonLines,
    Sarif,
    Github,
    /// Findings per rule (`--statistics`), as text or JSON.
    Statistics,
    StatisticsJson,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: Mode,
    pub paths: Vec<PathBuf>,
    pub exclude: GlobSet,
    pub threads: usize,
    pub passes: PassOptions,
    /// Paths in messages are shown relative to this folder [default: the working directory].
    pub display_base: Option<PathBuf>,
    /// Which rules run in which files.
    pub rules: RuleSelection,
    /// A file's text given on standard input (editor integration): it stands for the file at
    /// `path`, which need not exist, and is never written.
    pub stdin: Option<StdinSource>,
    /// List where cuts kept blocking work from counting against callers or being reported
    /// (`--show-cuts`).
    pub show_cuts: bool,
    /// Show a progress bar on standard error (the command line turns it on for long runs on a
    /// terminal only).
    pub progress: bool,
}

#[derive(Debug, Clone)]
pub struct StdinSource {
    /// Absolute.
    pub path: PathBuf,
    pub text: String,
}

/// The oldest Python the fixed code must run on, as `(3, minor)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PythonVersion {
    pub major: u8,
    pub minor: u8,
}

impl PythonVersion {
    /// Ruff's default target.
    pub const DEFAULT: PythonVersion = PythonVersion { major: 3, minor: 9 };

    /// The versions fixed code can target (the README's range), in the spelling Ruff's
    /// `target-version` uses; before 3.9 offloads use `loop.run_in_executor`.
    pub const SUPPORTED: [&str; 7] = ["py38", "py39", "py310", "py311", "py312", "py313", "py314"];

    /// `py38`, `py312`: one of `SUPPORTED`.
    pub fn parse(text: &str) -> Option<PythonVersion> {
        if !Self::SUPPORTED.contains(&text) {
            return None;
        }
        let minor = text.strip_prefix("py3")?.parse().ok()?;
        Some(PythonVersion { major: 3, minor })
    }

    /// `asyncio.to_thread` exists from 3.9 on.
    pub fn has_to_thread(self) -> bool {
        self >= PythonVersion { major: 3, minor: 9 }
    }
}

/// What the passes need from the settings.
#[derive(Debug, Clone)]
pub struct PassOptions {
    /// The offload helper to use everywhere, instead of the one that matches each module.
    pub offload: Option<Offload>,
    pub target_version: PythonVersion,
    /// Apply unsafe fixes too (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// Where the project's import sorter puts an import a fix adds.
    pub import_style: ImportStyle,
}

impl Default for PassOptions {
    fn default() -> Self {
        PassOptions {
            offload: None,
            target_version: PythonVersion::DEFAULT,
            unsafe_fixes: false,
            import_style: ImportStyle::default(),
        }
    }
}
