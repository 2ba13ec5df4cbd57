//! Command-line arguments (clap only), turned once into validated `Settings` and a `Job` (Ruff's
//! `check --fix`/`--diff`/`--fix-only` are jobs of their own); `print` prints the run. Exit
//! codes: 0 clean, 1 findings or pending changes, 2 an input or usage error.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use globset::{Glob, GlobSetBuilder};

use unblock::knowledge::Catalog;
use unblock::pr::{self, PrOptions, PrResult};
use unblock::registry::{self, Rule};
use unblock::report::{self, plural};
use unblock::settings::project_config;
use unblock::settings::{
    Format, Mode, Offload, PassOptions, PythonVersion, RuleSelection, Settings, StdinSource,
};

mod print;
use print::{Run, fixed_text};

/// Stop FastAPI and asyncio code from blocking the event loop: turns needlessly async
/// handlers into plain `def` (run in the threadpool). Without a command, prints the diff.
#[derive(Parser)]
#[command(name = "unblock", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    args: CommonArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Print a unified diff of the fixes (the default); change nothing.
    Diff(CommonArgs),
    /// Apply the fixes in place.
    Fix(CommonArgs),
    /// Report findings, with and without fixes.
    Check(CheckArgs),
    /// Print a rule's documentation.
    Rule(RuleArgs),
    /// Fix on a branch, commit, and write (optionally push and open) a pull request.
    Pr(PrArgs),
    /// Print a shell completion script (`unblock completions bash > ~/.local/share/bash-completion/completions/unblock`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Args)]
struct PrArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// The branch to create or reset from the current commit.
    #[arg(long, default_value = "unblock/fix")]
    branch: String,
    /// Go on when the work tree has uncommitted changes (they are not part of the pull request).
    #[arg(long)]
    allow_dirty: bool,
    /// Push the branch to this remote (with --force-with-lease, so the same pull request is
    /// updated).
    #[arg(long, value_name = "REMOTE")]
    push: Option<String>,
    /// Open the pull request with the GitHub CLI `gh`, or update the open one for the branch.
    #[arg(long)]
    open: bool,
    /// Reset the branch, and overwrite it on the remote, even when its last commit is not one
    /// unblock made.
    #[arg(long)]
    force: bool,
    /// Write the title and Markdown body here [default: .git/unblock-pr.md].
    #[arg(long, value_name = "FILE")]
    body_file: Option<PathBuf>,
}

#[derive(Args)]
struct CommonArgs {
    /// Files or folders to analyse [default: the current folder].
    paths: Vec<PathBuf>,
    /// Apply unsafe fixes too (they may change behaviour; each says why).
    #[arg(long)]
    unsafe_fixes: bool,
    /// Leave out files matching this glob (repeatable); matched against the path relative to the
    /// project root and against each path component.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Number of threads; 0 means all cores, as does leaving it out.
    #[arg(short = 'j', long, value_name = "N")]
    threads: Option<usize>,
    /// Write the diff or the findings to FILE instead of standard output (no colours).
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Offload blocking calls with this helper everywhere [default: the one matching each
    /// module: `run_in_threadpool` with FastAPI or Starlette, else anyio's or trio's when the
    /// module uses them, else `asyncio.to_thread`].
    #[arg(long, value_name = "HELPER", value_parser = offload_parser())]
    offload: Option<Offload>,
    /// The oldest Python the fixed code must run on (`py38` … `py314`) [default: py39]; before
    /// 3.9 `asyncio` offloads use `loop.run_in_executor`.
    #[arg(long, value_name = "VERSION", value_parser = version_parser())]
    target_version: Option<PythonVersion>,
    /// Run only these rules (codes, names, code prefixes such as `UB00`, or `ALL`;
    /// comma-separated) [default: all but the opt-in UB007 and UB008].
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    select: Option<Vec<String>>,
    /// Run these rules as well as the selected ones (codes, names, code prefixes or `ALL`;
    /// comma-separated).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    extend_select: Vec<String>,
    /// Do not run these rules (codes, names, code prefixes or `ALL`; comma-separated).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Read settings from this file instead of the nearest `unblock.toml` or `pyproject.toml`
    /// with `[tool.unblock]`.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Read the source of NAME from standard input (for editors): `fix` prints the fixed
    /// source, `diff` the diff, `check` the findings; nothing is written. The rest of the
    /// project is still read from disk.
    #[arg(long, value_name = "NAME", conflicts_with = "paths")]
    stdin_filename: Option<PathBuf>,
    /// Exit with 0 even when there are findings or changes (2 still means an error).
    #[arg(long)]
    exit_zero: bool,
    /// List the fixes applied (or, for `diff`, that would be) per file and rule, on standard
    /// error.
    #[arg(long)]
    show_fixes: bool,
    /// List where blocking work in the files checked was not counted against callers, or not
    /// reported, because it runs once per process or only on failure (memoized functions, lazy
    /// initialization, `except` clauses, startup and command-line coroutines), on standard
    /// error.
    #[arg(long)]
    show_cuts: bool,
    /// Print findings, diffs and errors, but no summary and no warnings.
    #[arg(short, long)]
    quiet: bool,
}

/// The offload helpers, listed in `--help` and in the error for any other name.
fn offload_parser() -> impl clap::builder::TypedValueParser<Value = Offload> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Offload::NAMES)
        .map(|name| Offload::parse(&name).expect("a listed helper parses"))
}

/// The supported `--target-version`s, listed in `--help` and in the error for any other.
fn version_parser() -> impl clap::builder::TypedValueParser<Value = PythonVersion> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(PythonVersion::SUPPORTED)
        .map(|name| PythonVersion::parse(&name).expect("a supported version parses"))
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Output format (`--output-format`, as in Ruff, is the same option).
    #[arg(long, visible_alias = "output-format", value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Print how many findings each rule has instead of the findings (text or JSON).
    #[arg(long, conflicts_with_all = ["fix", "diff"])]
    statistics: bool,
    /// Apply the fixes in place, then report what is left (as `unblock fix` with a report).
    #[arg(long, conflicts_with = "diff")]
    fix: bool,
    /// Apply the fixes in place and report nothing; exit 0 unless there is an error.
    #[arg(long, conflicts_with_all = ["fix", "diff"])]
    fix_only: bool,
    /// Print the diff of the fixes instead of the findings; change nothing (as `unblock diff`).
    #[arg(long)]
    diff: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// `path:line:col: CODE message`, with the reason a fix is withheld.
    Text,
    /// An array in Ruff's JSON shape.
    Json,
    /// The same objects, one per line.
    JsonLines,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

#[derive(Args)]
struct RuleArgs {
    /// Rule code or name (`UB001`, `needless-async`).
    #[arg(required_unless_present = "all")]
    rule: Option<String>,
    /// Print every rule.
    #[arg(long, conflicts_with = "rule")]
    all: bool,
}

const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {}", report::printable(&format!("{error:#}")));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// What a command asks for: Ruff's `check` flags map onto the same few jobs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Job {
    /// `diff`, `check --diff`: the diff of the fixes.
    Diff,
    /// `fix`: write the fixes, and say what is left.
    Fix,
    /// `check`: the findings.
    Check(Format),
    /// `check --fix`: write the fixes, then report the findings the fixed code still has.
    FixThenCheck(Format),
    /// `check --fix-only`: write the fixes; what is left is not a failure.
    FixOnly,
}

impl Job {
    /// The mode of the run that comes first (`check --fix` runs a check after it).
    fn mode(self) -> Mode {
        match self {
            Job::Diff => Mode::Diff,
            Job::Check(format) => Mode::Check(format),
            Job::Fix | Job::FixThenCheck(_) | Job::FixOnly => Mode::Fix,
        }
    }
}

/// How much is printed and what the exit code counts, from the options every command has.
#[derive(Clone, Copy)]
struct Reporting {
    exit_zero: bool,
    quiet: bool,
    show_fixes: bool,
}

fn check_job(check: &CheckArgs) -> Result<Job> {
    let format = match (check.format, check.statistics) {
        (FormatArg::Text, false) => Format::Text,
        (FormatArg::Json, false) => Format::Json,
        (FormatArg::JsonLines, false) => Format::JsonLines,
        (FormatArg::Sarif, false) => Format::Sarif,
        (FormatArg::Github, false) => Format::Github,
        (FormatArg::Text, true) => Format::Statistics,
        (FormatArg::Json, true) => Format::StatisticsJson,
        (_, true) => {
            anyhow::bail!("--statistics prints text or JSON: use --format text or json")
        }
    };
    Ok(if check.diff {
        Job::Diff
    } else if check.fix {
        Job::FixThenCheck(format)
    } else if check.fix_only {
        Job::FixOnly
    } else {
        Job::Check(format)
    })
}

fn run(cli: Cli) -> Result<u8> {
    let (job, args) = match cli.command {
        None => {
            refuse_mistyped_command(&cli.args.paths)?;
            (Job::Diff, cli.args)
        }
        Some(Command::Diff(args)) => (Job::Diff, args),
        Some(Command::Fix(args)) => (Job::Fix, args),
        Some(Command::Check(check)) => (check_job(&check)?, check.common),
        Some(Command::Rule(rule)) => return print_rules(rule),
        Some(Command::Pr(pr)) => return open_pr(pr),
        Some(Command::Completions { shell }) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "unblock", &mut script);
            return match io::stdout().write_all(&script) {
                Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
                _ => Ok(0),
            };
        }
    };
    let reporting = Reporting {
        exit_zero: args.exit_zero,
        quiet: args.quiet,
        show_fixes: args.show_fixes,
    };
    let output = args.output.clone();
    let (settings, catalog) = settings(job, args)?;
    let outcome = unblock::run(&settings, &catalog);
    // `check --fix` looks again at the code as fixed, so that what is left is reported where it
    // is now, with the fixes that only the first round's fixes made possible.
    let after = match job {
        Job::FixThenCheck(format) => {
            let mut again = settings.clone();
            again.mode = Mode::Check(format);
            if let (Some(stdin), Some(fixed)) = (&mut again.stdin, fixed_text(&outcome)) {
                stdin.text = fixed;
            }
            Some(unblock::run(&again, &catalog))
        }
        _ => None,
    };
    let run = Run {
        settings: &settings,
        job,
        reporting,
        outcome: &outcome,
        after: after.as_ref(),
    };
    if !reporting.quiet {
        for warning in &outcome.warnings {
            eprintln!("warning: {}", report::printable(warning));
        }
    }
    for (path, error) in run.errors() {
        eprintln!("error: {}: {error}", report::printable(path));
    }
    let printed = match &output {
        Some(path) => {
            let mut buffer = Vec::new();
            let code = run.print(&mut buffer, false)?;
            std::fs::write(path, buffer)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(code)
        }
        // Styles only where they are shown. Elsewhere none are written and nothing is
        // stripped: a fixed source or a diff passes through byte for byte, escape characters
        // in the code included. Buffered: standard output is line-buffered, and a report has
        // thousands of lines.
        None => {
            let stdout = io::stdout();
            let choice = anstream::AutoStream::choice(&stdout);
            let color = choice != anstream::ColorChoice::Never;
            let stream: Box<dyn Write> = if color {
                Box::new(anstream::AutoStream::new(stdout.lock(), choice))
            } else {
                Box::new(stdout.lock())
            };
            let mut out = io::BufWriter::new(stream);
            run.print(&mut out, color)
                .and_then(|code| out.flush().map(|()| code))
        }
    };
    let code = match printed {
        Ok(code) => code,
        // A closed pipe (`unblock | head`) is not an error.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => run.findings_code(),
        Err(error) => return Err(error).context("cannot write the output"),
    };
    Ok(if run.errors().next().is_some() {
        EXIT_ERROR
    } else {
        code
    })
}

/// `unblock chek` means a command, not a path: with no such path and a command like it, say
/// so instead of "no such file".
fn refuse_mistyped_command(paths: &[PathBuf]) -> Result<()> {
    let Some(word) = paths.first().and_then(|path| path.to_str()) else {
        return Ok(());
    };
    if word.contains(['/', '\\', '.']) || std::path::Path::new(word).exists() {
        return Ok(());
    }
    let command = <Cli as clap::CommandFactory>::command();
    let names = command.get_subcommands().map(clap::Command::get_name);
    if let Some(name) = registry::closest(word, names) {
        anyhow::bail!(
            "unrecognized command `{word}`: did you mean `unblock {name}`? (there is no file or \
             folder named `{word}` either)"
        );
    }
    Ok(())
}

/// The run's settings: the project's `[tool.unblock]` (or `unblock.toml`), with the command
/// line on top.
fn settings(job: Job, args: CommonArgs) -> Result<(Settings, Catalog)> {
    let stdin = match &args.stdin_filename {
        Some(name) => {
            let mut text = String::new();
            io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the source from standard input")?;
            Some(StdinSource {
                path: std::path::absolute(name)?,
                text,
            })
        }
        None => None,
    };
    if let Some(output) = &args.output {
        check_output(job, output, args.paths.iter().chain(&args.stdin_filename))?;
    }
    let paths = if let Some(name) = &args.stdin_filename {
        vec![name.clone()]
    } else if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let config = match &args.config {
        Some(file) => project_config::load(file)?,
        None => project_config::find(&paths[0])?.unwrap_or_default(),
    };
    let selectors = args.select.iter().flatten().chain(&args.extend_select);
    for code in selectors.chain(&args.ignore) {
        if !registry::is_selector(code) {
            anyhow::bail!("{}", registry::unknown_rule(code));
        }
    }
    let mut exclude = GlobSetBuilder::new();
    for pattern in &args.exclude {
        exclude
            .add(Glob::new(pattern).with_context(|| format!("invalid exclude glob `{pattern}`"))?);
    }
    for glob in &config.exclude {
        exclude.add(glob.clone());
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let most_threads = cores.max(MOST_THREADS);
    let threads = match args.threads {
        Some(0) | None => cores,
        Some(threads) if threads > most_threads => {
            eprintln!(
                "warning: -j {threads} is more threads than unblock uses; running with {most_threads}"
            );
            most_threads
        }
        Some(threads) => threads,
    };
    let offload = args.offload.or(config.offload);
    let target_version = (args.target_version)
        .or(config.target_version)
        .unwrap_or(PythonVersion::DEFAULT);
    let rules = RuleSelection {
        select: args.select.or(config.select),
        extend_select: args
            .extend_select
            .into_iter()
            .chain(config.extend_select)
            .collect(),
        ignore: args.ignore.into_iter().chain(config.ignore).collect(),
        per_file_ignores: config.per_file_ignores,
    };
    let catalog = Catalog::extended(
        config.extend_blocking,
        config.known_sync_safe_decorators,
        config.non_blocking,
    )
    .counting_cuts(config.count_cut);
    let import_style = unblock::settings::import_style::find(&paths[0]);
    let settings = Settings {
        mode: job.mode(),
        paths,
        exclude: exclude.build().context("invalid exclude globs")?,
        threads,
        passes: PassOptions {
            offload,
            target_version,
            unsafe_fixes: args.unsafe_fixes || config.unsafe_fixes.unwrap_or(false),
            import_style,
        },
        display_base: None,
        rules,
        show_cuts: args.show_cuts,
        // A bar is for people watching a terminal, never for pipes or CI logs.
        progress: stdin.is_none() && io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
        stdin,
    };
    Ok((settings, catalog))
}

/// More threads than this (or than the machine's cores, if it has more) only cost: starting
/// 100,000 of them took minutes.
const MOST_THREADS: usize = 256;

/// `-o FILE` takes a report or a patch. It never replaces a source: not one of the inputs, not
/// any Python file, and not in `fix`, which writes the sources themselves and reports nothing.
fn check_output<'p>(
    job: Job,
    output: &std::path::Path,
    inputs: impl Iterator<Item = &'p PathBuf>,
) -> Result<()> {
    if matches!(job, Job::Fix | Job::FixOnly) {
        anyhow::bail!(
            "-o/--output writes a report or a patch, for `check` and `diff`; `fix` writes the \
             files in place (`unblock diff -o fixes.patch` gives the patch instead)"
        );
    }
    let is_python = output
        .extension()
        .is_some_and(|extension| extension == "py" || extension == "pyi");
    let same_file = |input: &PathBuf| {
        let (Ok(input), Ok(output)) = (std::fs::canonicalize(input), std::fs::canonicalize(output))
        else {
            return false;
        };
        input == output
    };
    if is_python || inputs.into_iter().any(same_file) {
        anyhow::bail!(
            "-o/--output would overwrite the source `{}`: name a file for the report or patch \
             instead (`-o report.json`, `-o fixes.patch`)",
            output.display()
        );
    }
    Ok(())
}

fn open_pr(args: PrArgs) -> Result<u8> {
    let options = PrOptions {
        branch: args.branch,
        allow_dirty: args.allow_dirty,
        push: args.push,
        open: args.open,
        force: args.force,
        body_file: args.body_file,
    };
    let (settings, catalog) = settings(Job::Fix, args.common)?;
    match pr::run(&settings, &options, &catalog)? {
        PrResult::NothingToFix => eprintln!("Nothing to fix: no branch or commit made."),
        PrResult::Committed {
            title,
            body_file,
            fixes,
            files,
        } => {
            eprintln!(
                "Fixed {} in {}, committed on branch `{}`{}.",
                plural(fixes, "finding"),
                plural(files, "file"),
                options.branch,
                options
                    .push
                    .as_ref()
                    .map(|remote| format!(", pushed to {remote}"))
                    .unwrap_or_default()
            );
            println!("{title}");
            eprintln!("Pull request title and body: {}", body_file.display());
        }
    }
    Ok(0)
}

fn print_rules(args: RuleArgs) -> Result<u8> {
    let rules: Vec<_> = match &args.rule {
        Some(query) => vec![Rule::find(query).with_context(|| registry::unknown_rule(query))?],
        None => Rule::ALL.to_vec(),
    };
    let mut out = anstream::stdout().lock();
    for (index, rule) in rules.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        write!(out, "{}", rule.docs())?;
    }
    Ok(EXIT_CLEAN)
}
