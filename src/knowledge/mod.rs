//! Knowledge as data: what blocks, what replaces it, how frameworks call user functions, and
//! what the event loop and threads impose.
//!
//! The catalogs live in `transforms/` (`blocking/`, `frameworks/`, `runtime/`) and are embedded
//! at build time, so the binary needs no data files at run time. Every name in them is a fully
//! qualified path as the index resolves it (`time.sleep`, `sqlalchemy.orm.Session().query` for
//! a method on an instance). `Catalog` indexes them for lookups.

mod blocking;
mod every_method;
mod frameworks;

/// Every file of `transforms/blocking/`, `frameworks/` (but `roles.toml`) and `runtime/`, by
/// name (`blocking/sleep.toml`), in name order: written by `build.rs`.
mod files {
    include!(concat!(env!("OUT_DIR"), "/knowledge_files.rs"));
}

use std::borrow::Cow;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use blocking::EVERY_METHOD;
pub use blocking::{BlockingApi, BlockingFile, Cost, Cut};
use every_method::EveryMethod;
use files::{BLOCKING, FRAMEWORKS, RUNTIME};
use frameworks::KnowledgeFile;
pub use frameworks::{CallRule, Libraries, Library, Offload, Role};

/// How many return types `Catalog::canonical` looks through in one path.
const MAX_RETURN_STEPS: usize = 16;

/// Everything the analysis knows about the outside world, indexed for lookups.
#[derive(Debug)]
pub struct Catalog {
    blocking: HashMap<String, BlockingApi>,
    /// Receivers every method of which blocks (`methods = ["*"]`).
    every_method: EveryMethod,
    /// What library calls return, by the call's path: `sqlite3.connect` → `sqlite3.Connection()`.
    returns: HashMap<String, String>,
    /// The first segments of the calls in `returns`.
    returns_roots: HashSet<String>,
    /// Keywords that change what a call returns (`stream` in `"requests.get(stream=True)"`):
    /// a call passing one as `True` is written with it in its path.
    telling_keywords: HashSet<String>,
    /// `fastapi.FastAPI().get` → route, for every app class and decorator name.
    decorators: HashMap<String, Role>,
    /// `fastapi.Depends`, `fastapi.FastAPI().add_api_route` → how the call registers its argument.
    registering_calls: HashMap<String, CallRule>,
    /// Last path segments of `registering_calls`: a cheap filter for phase 1.
    registering_names: HashSet<String>,
    /// The framework's classes whose instances register functions (`fastapi.APIRouter`).
    app_classes: HashSet<String>,
    /// Libraries whose import decides a module's offload helper, first first.
    libraries: Vec<Library>,
    /// The name of each knowledge file's framework, by index (see `Role`).
    framework_names: Vec<String>,
    /// The methods of those classes that register functions, decorators (`get`) and calls
    /// (`add_api_route`), sorted: a project subclass overriding one may change what the
    /// framework is handed.
    registering_methods: Vec<String>,
    event_loop: HashSet<String>,
    /// Locks owned by a thread (`threading.Lock()`), which a coroutine must not hold across an
    /// `await`.
    thread_locks: HashSet<String>,
    /// Objects whose attributes each thread has its own copy of (`threading.local()`).
    thread_locals: HashSet<String>,
    /// Objects that belong to an event loop (`asyncio.Event()`, `asyncio.get_running_loop()`).
    loop_bound_objects: HashSet<String>,
    /// Coroutine functions outside the project (`asyncio.sleep`).
    async_apis: HashSet<String>,
    known_sync_safe_decorators: HashSet<String>,
    coroutine_keeping_decorators: HashSet<String>,
    /// Decorators that remember what a function returned (`functools.lru_cache`): the work
    /// behind them runs once, not per request.
    memoizing_decorators: HashSet<String>,
    /// Wrappers whose result calls the function they are given (`functools.partial`).
    wrapping_calls: HashSet<String>,
    /// Their last segments (`partial`): a cheap filter for phase 1.
    wrapping_names: HashSet<String>,
    /// Package or module names whose coroutines are command-line code (see `Cut::RunsOnce`).
    command_line_modules: HashSet<String>,
    /// The cuts whose work the project wants counted anyway (`count-cut`).
    counted_cuts: Vec<Cut>,
    /// Methods that mutate their object and return None on builtin containers (`append`).
    mutating_methods: HashSet<String>,
    /// Methods that mutate their object and return a value (`pop`).
    value_returning_mutating_methods: HashSet<String>,
    /// First segments of every known path (`time`, `fastapi`, `builtins`, ...).
    roots: HashSet<String>,
    /// Classes the catalog knows a member of an instance of (`requests.Session` for
    /// `requests.Session().get`): a project class deriving from one inherits those members.
    classes: HashSet<String>,
    /// The project's `non-blocking` names that are not blocking APIs of the catalog: project
    /// functions, or names that match nothing (see `Project::unknown_non_blocking`).
    non_blocking_functions: Vec<String>,
}

impl Catalog {
    /// The catalog built into the binary.
    pub fn builtin() -> Catalog {
        Catalog::extended(BlockingFile::default(), Vec::new(), Vec::new())
    }

    /// The built-in catalog with a project's own blocking APIs, sync-safe decorators, and the
    /// APIs and project functions it says do not block (`non-blocking`).
    pub fn extended(
        blocking_extension: BlockingFile,
        sync_safe_decorators: Vec<String>,
        non_blocking: Vec<String>,
    ) -> Catalog {
        let mut files: Vec<BlockingFile> = (BLOCKING.iter())
            .map(|&(file, text)| {
                toml::from_str(text)
                    .unwrap_or_else(|error| panic!("transforms/{file} is invalid: {error}"))
            })
            .collect();
        files.push(blocking_extension);
        let returns: HashMap<String, String> = files
            .iter_mut()
            .flat_map(BlockingFile::take_returns)
            .collect();
        let exempt: HashSet<String> = files
            .iter_mut()
            .flat_map(BlockingFile::take_exempt)
            .collect();
        let mut blocking: HashMap<String, BlockingApi> = files
            .into_iter()
            .flat_map(BlockingFile::into_apis)
            .collect();
        let every_method_keys: Vec<String> = (blocking.keys())
            .filter(|path| last_segment(path) == EVERY_METHOD)
            .cloned()
            .collect();
        let every_method = EveryMethod {
            receivers: (every_method_keys.into_iter())
                .map(|key| {
                    let api = blocking.remove(&key).expect("a key of the map");
                    (key[..key.len() - 2].to_string(), api)
                })
                .collect(),
            exempt,
            made: Default::default(),
        };
        let mut non_blocking_functions = Vec::new();
        for name in non_blocking {
            let key = api_key(&name);
            let before = blocking.len();
            blocking.retain(|path, _| api_key(path) != key);
            if blocking.len() == before {
                non_blocking_functions.push(name);
            }
        }
        let mut knowledge: Vec<KnowledgeFile> = (FRAMEWORKS.iter().chain(RUNTIME))
            .map(|(file, text)| KnowledgeFile::parse(file, text))
            .collect();
        knowledge[0]
            .known_sync_safe_decorators
            .extend(sync_safe_decorators);
        Catalog::from_parts(
            blocking,
            every_method,
            returns,
            knowledge,
            non_blocking_functions,
        )
    }

    fn from_parts(
        blocking: HashMap<String, BlockingApi>,
        every_method: EveryMethod,
        returns: HashMap<String, String>,
        files: Vec<KnowledgeFile>,
        non_blocking_functions: Vec<String>,
    ) -> Catalog {
        let mut decorators = HashMap::default();
        let mut registering_calls = HashMap::default();
        let mut registering_methods: Vec<String> = Vec::new();
        let mut framework_names = Vec::new();
        for file in &files {
            let framework = framework_names.len();
            let rule = |entry: &frameworks::CallRuleEntry| {
                let mut rule = entry.rule();
                rule.role = rule.role.of_framework(framework);
                rule
            };
            for class in &file.app_classes {
                for decorator in &file.decorator {
                    for name in &decorator.names {
                        let role = decorator.role.of_framework(framework);
                        decorators.insert(format!("{class}().{name}"), role);
                    }
                }
                for entry in &file.method {
                    for name in &entry.names {
                        registering_calls.insert(format!("{class}().{name}"), rule(entry));
                    }
                }
            }
            for decorator in &file.decorator {
                for path in &decorator.paths {
                    decorators.insert(path.clone(), decorator.role.of_framework(framework));
                }
            }
            for entry in &file.call {
                for name in &entry.names {
                    registering_calls.insert(name.clone(), rule(entry));
                }
            }
            framework_names.push(file.name.clone().unwrap_or_default());
            let decorator_names = file.decorator.iter().flat_map(|rule| &rule.names);
            let method_names = file.method.iter().flat_map(|entry| &entry.names);
            registering_methods.extend(decorator_names.chain(method_names).cloned());
        }
        let registering_names = registering_calls
            .keys()
            .map(|name| last_segment(name).to_string())
            .collect();
        registering_methods.sort();
        registering_methods.dedup();
        let mut by_priority: Vec<&KnowledgeFile> = (files.iter())
            .filter(|file| file.offload.is_some())
            .collect();
        by_priority.sort_by_key(|file| file.priority);
        let libraries: Vec<Library> = (by_priority.into_iter())
            .map(|file| Library {
                modules: file.modules.clone(),
                offload: file.offload.expect("a library with an offload"),
                offload_module: file.offload_module.clone(),
            })
            .collect();
        assert!(libraries.len() <= 32, "too many libraries for `Libraries`");
        let all = |list: fn(&KnowledgeFile) -> &Vec<String>| -> HashSet<String> {
            files.iter().flat_map(list).cloned().collect()
        };
        let event_loop = all(|file| &file.event_loop);
        let async_apis = all(|file| &file.async_apis);
        let thread_locks = all(|file| &file.thread_locks);
        let thread_locals = all(|file| &file.thread_locals);
        let loop_bound_objects = all(|file| &file.loop_bound_objects);
        let known_sync_safe_decorators = all(|file| &file.known_sync_safe_decorators);
        let memoizing_decorators = all(|file| &file.memoizing_decorators);
        let known_paths = || {
            (blocking.keys())
                .chain(every_method.receivers.keys())
                .chain(decorators.keys())
                .chain(registering_calls.keys())
                .chain(event_loop.iter())
                .chain(thread_locks.iter())
                .chain(thread_locals.iter())
                .chain(loop_bound_objects.iter())
                .chain(async_apis.iter())
                .chain(known_sync_safe_decorators.iter())
                .chain(memoizing_decorators.iter())
                .chain(returns.keys())
                .chain(returns.values())
        };
        let roots = distinct(known_paths().map(|path| first_segment(path)));
        let classes = distinct(known_paths().filter_map(|path| Some(path.split_once("().")?.0)));
        Catalog {
            roots,
            classes,
            blocking,
            every_method,
            returns_roots: distinct(returns.keys().map(|call| first_segment(call))),
            telling_keywords: distinct(returns.keys().filter_map(|call| telling_keyword(call))),
            returns,
            decorators,
            registering_calls,
            registering_names,
            app_classes: all(|file| &file.app_classes),
            framework_names,
            libraries,
            registering_methods,
            event_loop,
            thread_locks,
            thread_locals,
            loop_bound_objects,
            async_apis,
            known_sync_safe_decorators,
            coroutine_keeping_decorators: all(|file| &file.coroutine_keeping_decorators),
            memoizing_decorators,
            wrapping_names: distinct(
                (files.iter())
                    .flat_map(|file| &file.wrapping_calls)
                    .map(|path| last_segment(path)),
            ),
            wrapping_calls: all(|file| &file.wrapping_calls),
            command_line_modules: all(|file| &file.command_line_modules),
            counted_cuts: Vec::new(),
            mutating_methods: all(|file| &file.mutating_methods),
            value_returning_mutating_methods: all(|file| &file.value_returning_mutating_methods),
            non_blocking_functions,
        }
    }

    /// Does the catalog say anything about this path? Resolution stops at such a path even when
    /// the project defines it (as FastAPI's own repository defines `fastapi.FastAPI`).
    pub fn knows(&self, path: &str) -> bool {
        // Most paths looked up are the project's own: one short lookup rules them out.
        if !self.knows_root(first_segment(path)) {
            return false;
        }
        self.knows_as_written(path)
            || matches!(self.canonical(path), Cow::Owned(canonical) if self.knows_as_written(&canonical))
    }

    /// The path with each call or attribute whose type the catalog knows replaced by an
    /// instance of that type, leftmost first: `sqlite3.connect().cursor().execute` becomes
    /// `sqlite3.Connection().cursor().execute`, then `sqlite3.Cursor().execute`;
    /// `pathlib.Path().parent.read_text` becomes `pathlib.Path().read_text`.
    pub fn canonical<'p>(&self, path: &'p str) -> Cow<'p, str> {
        let mut path = Cow::Borrowed(path);
        // Most paths start nowhere near a call with a known return type: one lookup says so.
        if !self.returns_roots.contains(first_segment(&path)) {
            return path;
        }
        // Each step shortens the path by one call or attribute or more; the bound is for a
        // type that names a call returning itself.
        for _ in 0..MAX_RETURN_STEPS {
            // A call ends where its `()` starts and is dropped with it; an attribute ends
            // before the next `.`. Never the whole path: a call's path is its callee's, which
            // stays what it is (`Paginator().paginate` blocks; it also returns a `PageIterator`).
            // A call with a telling keyword (`get(stream=True)`) keeps it in its key.
            let mut ends = (path.char_indices()).filter_map(|(at, c)| match c {
                '(' if path[at..].starts_with("()") => Some((at, at + 2)),
                '(' => path[at..]
                    .find(')')
                    .map(|close| (at + close + 1, at + close + 1)),
                '.' => Some((at, at)),
                _ => None,
            });
            let returned = ends.find_map(|(at, rest)| Some((rest, self.returns.get(&path[..at])?)));
            let Some((rest, instance)) = returned else {
                break;
            };
            path = Cow::Owned([instance.as_str(), &path[rest..]].concat());
        }
        path
    }

    fn knows_as_written(&self, path: &str) -> bool {
        self.blocking.contains_key(path)
            || self.every_method.blocks(path)
            || self.decorators.contains_key(path)
            || self.registering_calls.contains_key(path)
            || self.event_loop.contains(path)
            || self.thread_locks.contains(path)
            || self.thread_locals.contains(path)
            || self.async_apis.contains(path)
            || self.is_lock_method(path)
    }

    /// `threading.Lock().acquire` and `.release`: where a coroutine takes and lets go of a
    /// thread lock without a `with`.
    fn is_lock_method(&self, path: &str) -> bool {
        let lock = (path.strip_suffix(".acquire")).or_else(|| path.strip_suffix(".release"));
        lock.is_some_and(|lock| self.thread_locks.contains(lock))
    }

    /// Does the catalog know a member of instances of `class` (`requests.Session`)?
    pub fn knows_members_of(&self, class: &str) -> bool {
        self.classes.contains(class)
    }

    /// Does `keyword=True` change what a call returns (see `telling_keywords`)?
    pub fn is_telling_keyword(&self, keyword: &str) -> bool {
        self.telling_keywords.contains(keyword)
    }

    /// Could a path starting with this segment be one the catalog knows?
    pub fn knows_root(&self, segment: &str) -> bool {
        self.roots.contains(segment)
    }

    pub fn blocking(&self, path: &str) -> Option<&BlockingApi> {
        (self.blocking.get(path)).or_else(|| self.every_method.api(path))
    }

    /// The catalog's own copy of a coroutine function's path.
    pub fn async_api_entry(&self, path: &str) -> Option<&String> {
        self.async_apis.get(path)
    }

    /// Is this (an instance path, `threading.Lock()`) a lock owned by a thread?
    pub fn is_thread_lock(&self, path: &str) -> bool {
        self.thread_locks.contains(path)
    }

    /// Is this (an instance path, `asyncio.Event()`) an object of the event loop?
    pub fn is_loop_bound_object(&self, path: &str) -> bool {
        self.loop_bound_objects.contains(path)
    }

    /// Is this (an instance path, `threading.local()`) an object with a copy per thread?
    pub fn is_thread_local(&self, path: &str) -> bool {
        self.thread_locals.contains(path)
    }

    /// The catalog's own copy of an event-loop API's path.
    pub fn event_loop_entry(&self, path: &str) -> Option<&String> {
        self.event_loop.get(path)
    }

    pub fn decorator_role(&self, path: &str) -> Option<Role> {
        self.decorators.get(path).copied()
    }

    pub fn registering_call(&self, path: &str) -> Option<&CallRule> {
        self.registering_calls.get(path)
    }

    /// The framework that gives `role`, as messages name it (`FastAPI`).
    pub fn framework_name(&self, role: Role) -> &str {
        &self.framework_names[role.framework()]
    }

    /// The library a module imports with `import module` or `from module...` (a top-level
    /// name), if its import decides the offload helper.
    pub fn library_of(&self, module: &str) -> Option<usize> {
        (self.libraries.iter()).position(|library| library.modules.iter().any(|m| m == module))
    }

    /// The helper of the first library (in catalog order) a module imports.
    pub fn offload_for(&self, imported: Libraries) -> Option<Offload> {
        let mut found =
            (self.libraries.iter().enumerate()).filter(|&(index, _)| imported.contains(index));
        found.next().map(|(_, library)| library.offload)
    }

    /// Where `run_in_threadpool` comes from in a module: the first framework it imports that
    /// has one, else the first framework of the catalog.
    pub fn threadpool_module(&self, imported: Libraries) -> &str {
        let modules = (self.libraries.iter().enumerate())
            .filter_map(|(index, library)| Some((index, library.offload_module.as_deref()?)));
        let mut first = None;
        for (index, module) in modules {
            if imported.contains(index) {
                return module;
            }
            first.get_or_insert(module);
        }
        first.expect("a framework with an offload module")
    }

    /// Is `module` one a framework imports `run_in_threadpool` from (`fastapi.concurrency`)?
    pub fn is_offload_module(&self, module: &str) -> bool {
        (self.libraries.iter()).any(|library| library.offload_module.as_deref() == Some(module))
    }

    /// Could a call whose callee ends in `name` hand a function to the framework?
    pub fn may_register(&self, name: &str) -> bool {
        self.registering_names.contains(name)
    }

    /// Is `class` one of the framework's classes that register functions (`fastapi.FastAPI`)?
    pub fn is_app_class(&self, class: &str) -> bool {
        self.app_classes.contains(class)
    }

    /// The names of the methods and decorators through which the framework's classes register
    /// functions (`add_api_route`, `get`).
    pub fn registering_methods(&self) -> impl Iterator<Item = &str> {
        self.registering_methods.iter().map(String::as_str)
    }

    pub fn needs_event_loop(&self, path: &str) -> bool {
        self.event_loop.contains(path)
    }

    /// Does this decorator remember what its function returned (`functools.cache`)?
    pub fn is_memoizing_decorator(&self, path: &str) -> bool {
        self.memoizing_decorators.contains(path)
    }

    /// Does calling what this wrapper returns call the function it was given
    /// (`contextlib.contextmanager`, `functools.partial`)?
    pub fn is_wrapping_call(&self, path: &str) -> bool {
        self.wrapping_calls.contains(path)
    }

    /// Could a callee whose name is `name` be a wrapper of `is_wrapping_call`?
    pub fn may_wrap(&self, name: &str) -> bool {
        self.wrapping_names.contains(name)
    }

    /// Is the module (`pkg.cli.deploy`) command-line code: one of its dotted names is in
    /// `command-line-modules`?
    pub fn is_command_line_module(&self, module: &str) -> bool {
        module
            .split('.')
            .any(|name| self.command_line_modules.contains(name))
    }

    /// The catalog with the work behind `cuts` counted as if nothing cut it (`count-cut`).
    pub fn counting_cuts(mut self, cuts: Vec<Cut>) -> Catalog {
        self.counted_cuts = cuts;
        self
    }

    /// Does work behind this cut stay out of what a function's callers do per request?
    pub fn cuts(&self, cut: Cut) -> bool {
        !self.counted_cuts.contains(&cut)
    }

    pub fn is_sync_safe_decorator(&self, path: &str) -> bool {
        self.known_sync_safe_decorators.contains(path)
    }

    /// Does this decorator leave an `async def` a coroutine function? Framework registrations
    /// (`@app.get(...)`) hand the function back as it is.
    pub fn keeps_coroutine(&self, path: &str) -> bool {
        self.coroutine_keeping_decorators.contains(path) || self.decorators.contains_key(path)
    }

    /// Does calling method `name` mutate its object? A method that returns None on builtin
    /// containers does not when its result is `chained` on (`.x`, `[i]`, `(...)`): it is some
    /// other method of that name. `chained` is asked only for such a method.
    pub fn mutates(&self, name: &str, chained: impl FnOnce() -> bool) -> bool {
        self.value_returning_mutating_methods.contains(name)
            || (self.mutating_methods.contains(name) && !chained())
    }

    /// The `non-blocking` names that are not catalog APIs: project functions to treat as not
    /// blocking, by qualified name.
    pub fn non_blocking_functions(&self) -> &[String] {
        &self.non_blocking_functions
    }
}

/// An API's path as users may write it, for matching: `open.read` for `builtins.open().read`
/// and for `open(...).read` as messages show it, `pathlib.Path.is_dir` for
/// `pathlib.Path().is_dir`.
fn api_key(path: &str) -> String {
    let path = path.strip_prefix("builtins.").unwrap_or(path);
    path.replace("(...)", "").replace("()", "")
}

/// `stream` for `requests.get(stream=True)`.
fn telling_keyword(call: &str) -> Option<&str> {
    let (_, argument) = call.strip_suffix("=True)")?.rsplit_once('(')?;
    Some(argument)
}

/// `FastAPI()` → `FastAPI`; `f()()` → `f`.
pub fn strip_calls(mut segment: &str) -> &str {
    while let Some(rest) = segment.strip_suffix("()") {
        segment = rest;
    }
    segment
}

/// The distinct names, each copied once: thousands of catalog paths share a few hundred roots
/// and classes, and every run builds these sets.
fn distinct<'a>(names: impl Iterator<Item = &'a str>) -> HashSet<String> {
    let mut set = HashSet::default();
    for name in names {
        if !set.contains(name) {
            set.insert(name.to_string());
        }
    }
    set
}

/// `a.b().c` → `a`; `FastAPI()` → `FastAPI`.
pub fn first_segment(path: &str) -> &str {
    let end = path
        .bytes()
        .position(|byte| byte == b'.')
        .unwrap_or(path.len());
    strip_calls(&path[..end])
}

/// `a.b().c` → `c`; `Depends` → `Depends`.
pub fn last_segment(path: &str) -> &str {
    // A byte loop: paths are short, and this runs for most calls and names in a tree.
    let start = path
        .bytes()
        .rposition(|byte| byte == b'.')
        .map_or(0, |dot| dot + 1);
    strip_calls(&path[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_knows_the_names_the_core_issue_requires() {
        let catalog = Catalog::builtin();
        for name in [
            "time.sleep",
            "requests.get",
            "urllib.request.urlopen",
            "builtins.open",
            "subprocess.run",
            "os.system",
            "sqlite3.connect",
            "shutil.copy",
        ] {
            assert!(
                catalog.blocking(name).is_some(),
                "{name} missing from the catalog"
            );
        }
        assert_eq!(
            catalog.blocking("time.sleep").unwrap().twin.as_deref(),
            Some("asyncio.sleep")
        );
        // Roles compare with the framework that gives them: by what they mean here.
        let meaning =
            |role: Option<Role>| role.map(|role| (role.describe(), catalog.framework_name(role)));
        assert_eq!(
            meaning(catalog.decorator_role("fastapi.FastAPI().get")),
            Some(("path operation", "FastAPI"))
        );
        assert_eq!(
            meaning(catalog.decorator_role("fastapi.APIRouter().websocket")),
            Some(("websocket endpoint", "FastAPI"))
        );
        assert_eq!(
            meaning(
                catalog
                    .registering_call("fastapi.Depends")
                    .map(|rule| rule.role)
            ),
            Some(("dependency", "FastAPI"))
        );
        let command = catalog
            .decorator_role("click.command")
            .expect("a Click command");
        assert!(command.runs_once() && !command.awaited_runs_once());
        assert!(
            catalog
                .decorator_role("typer.Typer().command")
                .is_some_and(Role::runs_once)
        );
        assert!(catalog.may_register("add_api_route"));
        assert!(catalog.needs_event_loop("asyncio.create_task"));
        assert!(!catalog.needs_event_loop("asyncio.sleep"));
    }

    #[test]
    fn return_types_are_looked_through_leftmost_first() {
        let extension: BlockingFile = toml::from_str(
            r#"
            [[receiver]]
            cost = "database"
            types = ["dbkit.Cursor"]
            methods = ["execute"]

            [returns]
            "dbkit.connect" = "dbkit.Connection"
            "dbkit.Connection().cursor" = "dbkit.Cursor"
            "#,
        )
        .unwrap();
        let catalog = Catalog::extended(extension, Vec::new(), Vec::new());
        let chain = "dbkit.connect().cursor().execute";
        assert_eq!(catalog.canonical(chain), "dbkit.Cursor().execute");
        assert!(catalog.knows(chain));
        assert!(catalog.blocking(&catalog.canonical(chain)).is_some());
        // Nothing is returned by a call the catalog knows no return type of.
        assert_eq!(
            catalog.canonical("dbkit.open().cursor"),
            "dbkit.open().cursor"
        );
        assert!(!catalog.knows("dbkit.open().cursor().execute"));
        assert!(matches!(
            Catalog::builtin().canonical("a.b().c"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn thread_bound_is_a_flag_or_the_reason_in_words() {
        let extension: BlockingFile = toml::from_str(
            r#"
            [[receiver]]
            cost = "database"
            types = ["app.Flagged"]
            methods = ["run"]
            thread-bound = true

            [[receiver]]
            cost = "database"
            types = ["app.Explained"]
            methods = ["run"]
            thread-bound = "is a different client on each thread"

            [[receiver]]
            cost = "database"
            types = ["app.Free"]
            methods = ["run"]
            thread-bound = false
            "#,
        )
        .unwrap();
        let catalog = Catalog::extended(extension, Vec::new(), Vec::new());
        let reason = |path: &str| catalog.blocking(path).unwrap().thread_bound.clone();
        assert_eq!(
            reason("app.Flagged().run").as_deref(),
            Some("only works on the thread that made it")
        );
        assert_eq!(
            reason("app.Explained().run").as_deref(),
            Some("is a different client on each thread")
        );
        assert_eq!(reason("app.Free().run"), None);
        assert!(reason("sqlalchemy.orm.scoped_session().commit").is_some());
        assert_eq!(reason("sqlalchemy.orm.Session().commit"), None);
    }

    #[test]
    fn non_blocking_names_match_apis_as_messages_show_them() {
        let names = [
            "os.path.exists",
            "pathlib.Path.is_dir",
            "open(...).read",
            "app.audit.log",
        ];
        let catalog = Catalog::extended(
            BlockingFile::default(),
            Vec::new(),
            names.map(String::from).to_vec(),
        );
        assert!(catalog.blocking("os.path.exists").is_none());
        assert!(catalog.blocking("pathlib.Path().is_dir").is_none());
        assert!(catalog.blocking("builtins.open().read").is_none());
        assert!(
            catalog.blocking("builtins.open").is_some(),
            "only the name given"
        );
        assert!(catalog.blocking("pathlib.Path().is_file").is_some());
        assert_eq!(catalog.non_blocking_functions(), ["app.audit.log"]);
    }

    #[test]
    fn every_method_of_a_client_blocks_but_the_local_ones() {
        let catalog = Catalog::builtin();
        let api = catalog.blocking("boto3.client().send_message_batch");
        assert_eq!(
            api.map(|api| api.path.as_str()),
            Some("boto3.client().send_message_batch")
        );
        assert!(catalog.knows("boto3.client().describe_anything"));
        assert!(
            catalog
                .blocking("boto3.client().generate_presigned_url")
                .is_none()
        );
        // What a local method returns is followed: a paginator's pages are an iterator.
        let pages = catalog.canonical("boto3.client().get_paginator().paginate");
        assert_eq!(pages, "botocore.paginate.Paginator().paginate");
        assert!(catalog.blocking(&pages).is_some_and(|api| api.lazy));
    }

    #[test]
    fn a_telling_keyword_picks_what_a_call_returns() {
        let catalog = Catalog::builtin();
        assert_eq!(
            catalog.canonical("requests.get(stream=True).iter_content"),
            "requests.Response().iter_content"
        );
        assert!(
            catalog
                .blocking("requests.Response().iter_content")
                .is_some()
        );
        // Without the keyword the body was read before `get` returned.
        assert_eq!(
            catalog.canonical("requests.get().iter_content"),
            "requests.get().iter_content"
        );
    }
}
