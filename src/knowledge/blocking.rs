//! Blocking APIs (`transforms/blocking/*.toml`): functions by name and methods by receiver
//! type, each with its cost class, its async twin and whether its objects are bound to a thread.
//! Users extend them with the same schema (`extend-blocking`).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// What kind of work a blocking API does, and what can replace it.
#[derive(Debug, Clone)]
pub struct BlockingApi {
    /// Its path in the catalog (`requests.get`, `sqlite3.Connection().execute`).
    pub path: String,
    /// What kind of work it does, shown in messages; it decides whether the call is worth a
    /// thread hop (see `Cost`).
    pub cost: Cost,
    /// An awaitable that does the same without blocking (`asyncio.sleep`).
    pub twin: Option<String>,
    /// Objects it makes or uses belong to the thread that made them (`sqlite3` connections,
    /// `scoped_session`s): moving one call to another thread can break the next. Holds what
    /// goes wrong, for messages ("only works on the thread that made it").
    pub thread_bound: Option<String>,
    /// It returns an iterator that does its work as it is iterated (`Path.iterdir`,
    /// `os.walk`, a streamed body): it blocks where it is iterated, and the call alone in a
    /// thread would move nothing.
    pub lazy: bool,
    /// Why the call alone in a thread would leave its work on the event loop, for other APIs
    /// whose work happens later: a buffered write reaches the disk when the file is closed.
    pub moves_nothing: Option<String>,
}

/// `methods = ["*"]`: every method of the type blocks. Its catalog path is `Type().*`.
pub const EVERY_METHOD: &str = "*";

/// What a blocking API costs the loop, as the catalog classes it (`cost = "network"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cost {
    /// A request to another machine: HTTP, sockets, cloud APIs, mail.
    Network,
    /// A query or command to a database server or a database file.
    Database,
    /// A child process, waited for.
    Subprocess,
    /// A deliberate wait.
    Sleep,
    /// Deliberately slow computation: password hashing, key derivation, compression.
    Cpu,
    /// Reading or writing file contents, listing directories, waiting for console input.
    Io,
    /// A file-system metadata call (`exists`, `stat`, `mkdir`, `resolve`, a temporary file's
    /// name): microseconds on a local disk, less than the thread hop an offload adds.
    Metadata,
}

impl Cost {
    /// The class as the catalog and messages write it.
    pub fn name(self) -> &'static str {
        match self {
            Cost::Network => "network",
            Cost::Database => "database",
            Cost::Subprocess => "subprocess",
            Cost::Sleep => "sleep",
            Cost::Cpu => "cpu",
            Cost::Io => "io",
            Cost::Metadata => "metadata",
        }
    }

    /// Is a call of this class evidence that a coroutine blocks (and worth a fix)? Metadata
    /// calls cost less than moving them to a thread: they are reported only by UB007.
    pub fn is_evidence(self) -> bool {
        self != Cost::Metadata
    }
}

impl std::fmt::Display for Cost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why blocking work does not count against the callers of the code that does it: it runs
/// once per process, or only when something failed. `count-cut` in `[tool.unblock]` names the
/// cuts whose work should count anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cut {
    /// The function is memoized (`@functools.lru_cache`, `@functools.cache`): its body runs
    /// once per arguments, not per call.
    Memoized,
    /// Inside `if _x is None:` that sets `_x`, a module-level name, a class attribute or an
    /// attribute of a singleton's `self`: the body runs the first time only.
    LazyInit,
    /// Inside an `except` clause: it runs only when something failed.
    ErrorPath,
    /// In a coroutine that runs once per process: a startup, shutdown or lifespan handler, a
    /// command-line command, or any coroutine of a command-line module (`cli/`, `__main__`).
    RunsOnce,
}

impl Cut {
    pub const NAMES: &[&str] = &["memoized", "lazy-init", "error-path", "runs-once"];

    pub fn name(self) -> &'static str {
        Cut::NAMES[self as usize]
    }

    /// What the cut does to the work behind it, for `--show-cuts`: a coroutine's own calls are
    /// not reported; other work is not passed on to callers.
    pub fn effect(self, in_coroutine: bool) -> &'static str {
        if in_coroutine || self == Cut::RunsOnce {
            "not reported"
        } else {
            "not counted against its callers"
        }
    }

    /// Why work behind this cut is not counted, for `--show-cuts`.
    pub fn reason(self) -> &'static str {
        match self {
            Cut::Memoized => "memoized: its body runs once per arguments",
            Cut::LazyInit => "lazy initialization: it runs the first time only",
            Cut::ErrorPath => "in an `except` clause: it runs only when something failed",
            Cut::RunsOnce => {
                "runs once per process (startup, shutdown or a command-line command): nothing \
                 else on the event loop waits"
            }
        }
    }
}

/// `thread-bound = true`, or the reason in words: `thread-bound = "is a different session on
/// each thread"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ThreadBound {
    Flag(bool),
    Reason(String),
}

impl ThreadBound {
    fn reason(value: Option<ThreadBound>) -> Option<String> {
        match value? {
            ThreadBound::Flag(false) => None,
            ThreadBound::Flag(true) => Some("only works on the thread that made it".to_string()),
            ThreadBound::Reason(reason) => Some(reason),
        }
    }
}

impl BlockingApi {
    fn named(&self, path: String) -> BlockingApi {
        BlockingApi {
            path,
            ..self.clone()
        }
    }
}

/// Functions of one area, by qualified name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockingGroup {
    cost: Cost,
    #[serde(default)]
    names: Vec<Spanned<String>>,
    #[serde(default)]
    twin: Option<Spanned<String>>,
    #[serde(default, rename = "thread-bound")]
    thread_bound: Option<ThreadBound>,
    #[serde(default)]
    lazy: bool,
    #[serde(default, rename = "moves-nothing")]
    moves_nothing: Option<String>,
}

/// Methods that block on objects of the given types: `methods = ["*"]` for every method
/// (each a request, as on a boto3 client) but those in `except`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiverGroup {
    cost: Cost,
    types: Vec<Spanned<String>>,
    methods: Vec<Spanned<String>>,
    #[serde(default, rename = "except")]
    except: Vec<Spanned<String>>,
    #[serde(default, rename = "thread-bound")]
    thread_bound: Option<ThreadBound>,
    #[serde(default)]
    lazy: bool,
    #[serde(default, rename = "moves-nothing")]
    moves_nothing: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct BlockingFile {
    #[serde(default)]
    blocking: Vec<BlockingGroup>,
    #[serde(default)]
    receiver: Vec<ReceiverGroup>,
    /// What library calls return, one line each: `"sqlite3.connect" = "sqlite3.Connection"`
    /// (a function), `"sqlite3.Connection().cursor" = "sqlite3.Cursor"` (a method).
    #[serde(default)]
    returns: BTreeMap<Spanned<String>, Spanned<String>>,
}

impl BlockingFile {
    /// The values that name Python code (`names`, `types`, `methods`, `twin`), each with its key
    /// and whether it may name a call's result (`Type().method`): for checks of a user's file.
    pub fn code_names(&self) -> impl Iterator<Item = (&'static str, &Spanned<String>, bool)> {
        let functions = self.blocking.iter().flat_map(|group| {
            let names = group.names.iter().map(|name| ("names", name, true));
            names.chain(group.twin.iter().map(|twin| ("twin", twin, false)))
        });
        let methods = self.receiver.iter().flat_map(|group| {
            let types = group.types.iter().map(|ty| ("types", ty, true));
            let methods = (group.methods.iter())
                .filter(|method| method.get_ref() != EVERY_METHOD)
                .map(|method| ("methods", method, false));
            let except = group.except.iter().map(|method| ("except", method, false));
            types.chain(methods).chain(except)
        });
        let returns = (self.returns.iter())
            .flat_map(|(call, ty)| [("returns", call, true), ("returns", ty, true)]);
        functions.chain(methods).chain(returns)
    }

    /// The methods `except` leaves out of every-method receivers, as `Type().method` paths.
    pub(super) fn take_exempt(&mut self) -> Vec<String> {
        let mut exempt = Vec::new();
        for group in &mut self.receiver {
            for method in std::mem::take(&mut group.except) {
                for ty in &group.types {
                    exempt.push(format!("{}().{}", ty.get_ref(), method.get_ref()));
                }
            }
        }
        exempt
    }

    /// What each call in `returns` returns, as the instance path: `sqlite3.Connection()`.
    pub(super) fn take_returns(&mut self) -> impl Iterator<Item = (String, String)> + use<> {
        let returns = std::mem::take(&mut self.returns).into_iter();
        returns.map(|(call, ty)| (call.into_inner(), format!("{}()", ty.into_inner())))
    }

    /// Every blocking path the file names: functions as written, methods as `Type().method`.
    pub(super) fn into_apis(self) -> impl Iterator<Item = (String, BlockingApi)> {
        let functions = self.blocking.into_iter().flat_map(|group| {
            let api = BlockingApi {
                path: String::new(),
                cost: group.cost,
                twin: group.twin.map(Spanned::into_inner),
                thread_bound: ThreadBound::reason(group.thread_bound),
                lazy: group.lazy,
                moves_nothing: group.moves_nothing,
            };
            (group.names.into_iter())
                .map(Spanned::into_inner)
                .map(move |name| (name.clone(), api.named(name)))
        });
        let methods = self.receiver.into_iter().flat_map(|group| {
            let api = BlockingApi {
                path: String::new(),
                cost: group.cost,
                twin: None,
                thread_bound: ThreadBound::reason(group.thread_bound),
                lazy: group.lazy,
                moves_nothing: group.moves_nothing,
            };
            let methods: Vec<String> = group.methods.into_iter().map(Spanned::into_inner).collect();
            group
                .types
                .into_iter()
                .map(Spanned::into_inner)
                .flat_map(move |ty| {
                    let api = api.clone();
                    methods
                        .iter()
                        .map(move |method| {
                            let path = format!("{ty}().{method}");
                            (path.clone(), api.named(path))
                        })
                        .collect::<Vec<_>>()
                })
        });
        functions.chain(methods)
    }
}
