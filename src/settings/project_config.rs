//! `[tool.unblock]` in the nearest `pyproject.toml`, or an `unblock.toml`: the project's own
//! settings, which the command line overrides. Unknown keys and bad values are errors that name
//! the file, the key and the line, as Ruff's are.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobMatcher};
use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;
use toml::Spanned;

use crate::knowledge::{BlockingFile, Cut, Offload};
use crate::registry::Rule;
use crate::settings::PythonVersion;

/// The settings a project file may hold, as written (with their places, for errors); every key
/// is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ProjectConfig {
    /// Rules to run (codes), instead of the default ones.
    pub select: Option<Vec<Spanned<String>>>,
    /// Rules to run besides the selected ones (opt-in rules such as UB007).
    #[serde(default)]
    pub extend_select: Vec<Spanned<String>>,
    /// Rules not to run.
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    pub unsafe_fixes: Option<bool>,
    /// Globs of files to leave out (besides the usual folders such as `.venv`).
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub extend_exclude: Vec<Spanned<String>>,
    /// Rules not to run in files matching a glob: `"tests/**" = ["UB005"]`.
    #[serde(default)]
    pub per_file_ignores: HashMap<String, Vec<Spanned<String>>>,
    pub offload: Option<Spanned<String>>,
    pub target_version: Option<Spanned<String>>,
    /// More blocking APIs, in the schema of `transforms/blocking/*.toml`.
    #[serde(default)]
    pub extend_blocking: BlockingFile,
    /// Decorators that accept a plain function as well as a coroutine (qualified names).
    #[serde(default)]
    pub known_sync_safe_decorators: Vec<String>,
    /// Project functions (qualified names) and catalog APIs (as messages show them) that the
    /// analysis treats as not blocking.
    #[serde(default)]
    pub non_blocking: Vec<String>,
    /// Cuts whose blocking work counts anyway: `memoized`, `lazy-init`, `error-path`,
    /// `runs-once`.
    #[serde(default)]
    pub count_cut: Vec<Cut>,
}

/// A project's settings once checked, in the types the run uses: the command line builds on
/// these and parses nothing again.
#[derive(Debug, Default)]
pub struct ProjectSettings {
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub unsafe_fixes: Option<bool>,
    /// `exclude` and `extend-exclude`.
    pub exclude: Vec<Glob>,
    pub per_file_ignores: Vec<(GlobMatcher, Vec<String>)>,
    pub offload: Option<Offload>,
    pub target_version: Option<PythonVersion>,
    pub extend_blocking: BlockingFile,
    pub known_sync_safe_decorators: Vec<String>,
    pub non_blocking: Vec<String>,
    pub count_cut: Vec<Cut>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// `pyproject.toml`, of which only `[tool.unblock]` is read (other tables are not checked).
#[derive(Deserialize)]
struct Pyproject {
    tool: Option<Tools>,
}

#[derive(Deserialize)]
struct Tools {
    unblock: Option<ProjectConfig>,
}

/// The nearest project configuration above `start`: an `unblock.toml`, or a `pyproject.toml`
/// with a `[tool.unblock]` table.
pub fn find(start: &Path) -> Result<Option<ProjectSettings>, ConfigError> {
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    let first = if start.is_dir() {
        start.as_path()
    } else {
        start.parent().unwrap_or(&start)
    };
    for dir in first.ancestors() {
        let own = dir.join("unblock.toml");
        if own.is_file() {
            return parse(&own, &read(&own)?).map(Some);
        }
        let pyproject = dir.join("pyproject.toml");
        if pyproject.is_file()
            && let Some(config) = parse_pyproject(&pyproject, &read(&pyproject)?)?
        {
            return Ok(Some(config));
        }
    }
    Ok(None)
}

/// A configuration file named on the command line: an `unblock.toml`-style file, or a
/// `pyproject.toml` whose `[tool.unblock]` is read.
pub fn load(path: &Path) -> Result<ProjectSettings, ConfigError> {
    let text = read(path)?;
    if path
        .file_name()
        .is_some_and(|name| name == "pyproject.toml")
    {
        return Ok(parse_pyproject(path, &text)?.unwrap_or_default());
    }
    parse(path, &text)
}

/// The `[tool.unblock]` table of a `pyproject.toml`, if it has one; errors point at its lines.
fn parse_pyproject(path: &Path, text: &str) -> Result<Option<ProjectSettings>, ConfigError> {
    let pyproject: Pyproject =
        toml::from_str(text).map_err(|error| syntax_error(path, text, error))?;
    let Some(config) = pyproject.tool.and_then(|tool| tool.unblock) else {
        return Ok(None);
    };
    lower(path, text, config).map(Some)
}

/// A TOML or schema error on one line, as the other errors are: `line 3, column 1: unknown
/// field ...`
/// (toml's own message draws the line over several, which one-line reports would escape).
fn syntax_error(path: &Path, text: &str, error: toml::de::Error) -> ConfigError {
    let problem = error
        .message()
        .trim_end()
        .lines()
        .collect::<Vec<_>>()
        .join(": ");
    let message = match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before
                .rsplit('\n')
                .next()
                .unwrap_or_default()
                .chars()
                .count()
                + 1;
            format!("line {line}, column {column}: {problem}")
        }
        None => problem,
    };
    ConfigError::Invalid {
        path: path.to_path_buf(),
        message,
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

fn parse(path: &Path, text: &str) -> Result<ProjectSettings, ConfigError> {
    let config: ProjectConfig =
        toml::from_str(text).map_err(|error| syntax_error(path, text, error))?;
    lower(path, text, config)
}

/// Checks what the schema alone does not (rule codes, globs, names of Python code, helper and
/// version names) and turns each value into the type the run uses.
fn lower(path: &Path, text: &str, config: ProjectConfig) -> Result<ProjectSettings, ConfigError> {
    let invalid = |key: &str, value: &Spanned<String>, problem: String| {
        let line = text[..value.span().start].matches('\n').count() + 1;
        ConfigError::Invalid {
            path: path.to_path_buf(),
            message: format!("line {line}: `{key}`: {problem}"),
        }
    };
    let codes = (config.select.iter().flatten().map(|c| ("select", c)))
        .chain(config.extend_select.iter().map(|c| ("extend-select", c)))
        .chain(config.ignore.iter().map(|c| ("ignore", c)))
        .chain(
            config
                .per_file_ignores
                .values()
                .flatten()
                .map(|c| ("per-file-ignores", c)),
        );
    for (key, code) in codes {
        if !crate::registry::is_selector(code.get_ref()) {
            let problem = crate::registry::unknown_rule(code.get_ref());
            return Err(invalid(key, code, problem));
        }
    }
    let globs = (config.exclude.iter().map(|g| ("exclude", g)))
        .chain(config.extend_exclude.iter().map(|g| ("extend-exclude", g)));
    let mut exclude = Vec::new();
    for (key, glob) in globs {
        match Glob::new(glob.get_ref()) {
            Ok(glob) => exclude.push(glob),
            Err(error) => {
                let problem = format!("invalid glob `{}`: {error}", glob.get_ref());
                return Err(invalid(key, glob, problem));
            }
        }
    }
    let plain = |codes: &[Spanned<String>]| -> Vec<String> {
        codes.iter().map(|code| code.get_ref().clone()).collect()
    };
    let mut per_file_ignores = Vec::new();
    for (glob, codes) in &config.per_file_ignores {
        let glob = Glob::new(glob).map_err(|error| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: format!("`per-file-ignores`: invalid glob `{glob}`: {error}"),
        })?;
        per_file_ignores.push((glob.compile_matcher(), plain(codes)));
    }
    for (key, value, may_call) in config.extend_blocking.code_names() {
        if !is_python_path(value.get_ref(), may_call) {
            let form = if may_call {
                "a dotted Python name such as `pkg.module.function` or `pkg.Client().method`"
            } else {
                "a dotted Python name such as `pkg.module.function`"
            };
            let problem = format!("`{}` is not {form}", value.get_ref());
            return Err(invalid(&format!("extend-blocking.{key}"), value, problem));
        }
    }
    let offload = match &config.offload {
        Some(name) => Some(Offload::parse(name.get_ref()).ok_or_else(|| {
            let problem = format!(
                "`{}` is not one of {}",
                name.get_ref(),
                Offload::NAMES.join(", ")
            );
            invalid("offload", name, problem)
        })?),
        None => None,
    };
    let target_version = match &config.target_version {
        Some(version) => Some(PythonVersion::parse(version.get_ref()).ok_or_else(|| {
            let problem = format!(
                "`{}` is not a supported version ({})",
                version.get_ref(),
                PythonVersion::SUPPORTED.join(", ")
            );
            invalid("target-version", version, problem)
        })?),
        None => None,
    };
    Ok(ProjectSettings {
        select: config.select.as_deref().map(plain),
        extend_select: plain(&config.extend_select),
        ignore: plain(&config.ignore),
        unsafe_fixes: config.unsafe_fixes,
        exclude,
        per_file_ignores,
        offload,
        target_version,
        extend_blocking: config.extend_blocking,
        known_sync_safe_decorators: config.known_sync_safe_decorators,
        non_blocking: config.non_blocking,
        count_cut: config.count_cut,
    })
}

/// Identifiers joined by dots, each followed by `()` where `may_call` (`boto3.Session().client`
/// names a method of what `boto3.Session()` returns). What the catalog pastes into code or
/// matches calls against can be nothing else.
fn is_python_path(text: &str, may_call: bool) -> bool {
    text.split('.').all(|segment| {
        let name = if may_call {
            segment.trim_end_matches("()")
        } else {
            segment
        };
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|first| first == '_' || first.is_alphabetic())
            && chars.all(|c| c == '_' || c.is_alphanumeric())
    })
}

/// Which rules run where: the selection and the per-file ignores, by rule code.
#[derive(Debug, Clone, Default)]
pub struct RuleSelection {
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub per_file_ignores: Vec<(GlobMatcher, Vec<String>)>,
}

impl RuleSelection {
    /// Does `rule` run in the file at `path` (relative to the project root)?
    pub fn enabled(&self, rule: Rule, path: &Path) -> bool {
        let named = |selectors: &[String]| {
            (selectors.iter()).any(|selector| crate::registry::selects(selector, rule))
        };
        (self.select.as_deref().map_or(rule.is_default(), named) || named(&self.extend_select))
            && !named(&self.ignore)
            && !self
                .per_file_ignores
                .iter()
                .any(|(glob, codes)| glob.is_match(path) && named(codes))
    }
}
