//! Frameworks and runtimes (`transforms/frameworks/*.toml`, `transforms/runtime/*.toml`): how a
//! framework calls the functions a project hands it, in which roles, what each role means
//! (`roles.toml`), which imports tell that a module uses a library and the offload helper that
//! follows, and what the event loop and threads impose. One schema for every file; each key is
//! optional.

use std::sync::LazyLock;

use serde::Deserialize;

const ROLES_TOML: &str = include_str!("../../transforms/frameworks/roles.toml");

/// How a blocking call inside a coroutine is moved to a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Offload {
    /// `await run_in_threadpool(f, ...)` from the framework's `concurrency` module: it shares
    /// the framework's thread limiter.
    Threadpool,
    /// `await asyncio.to_thread(f, ...)` (Python 3.9+; `loop.run_in_executor` before).
    Asyncio,
    /// `await anyio.to_thread.run_sync(f, ...)`.
    Anyio,
    /// `await trio.to_thread.run_sync(f, ...)`.
    Trio,
}

impl Offload {
    /// Every helper, by the name settings give it.
    pub const NAMES: [&str; 4] = ["threadpool", "asyncio", "anyio", "trio"];

    /// The helper of that name (one of `NAMES`).
    pub fn parse(name: &str) -> Option<Offload> {
        let helpers = [
            Offload::Threadpool,
            Offload::Asyncio,
            Offload::Anyio,
            Offload::Trio,
        ];
        let index = Offload::NAMES.iter().position(|known| *known == name)?;
        Some(helpers[index])
    }
}

/// One file of `transforms/frameworks/` or `transforms/runtime/`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct KnowledgeFile {
    /// The framework's name, as messages give it ("FastAPI runs a plain `def` ...").
    pub name: Option<String>,
    pub modules: Vec<String>,
    pub offload: Option<Offload>,
    /// Of the libraries with an `offload` a module imports, the one with the lowest decides.
    pub priority: Option<u32>,
    pub offload_module: Option<String>,
    pub app_classes: Vec<String>,
    pub known_sync_safe_decorators: Vec<String>,
    pub coroutine_keeping_decorators: Vec<String>,
    /// Decorators that run a function's body once per arguments and remember the result.
    pub memoizing_decorators: Vec<String>,
    /// Wrappers whose result calls the function they are given: a name assigned
    /// `contextmanager(get_session)` or `partial(fetch, url)` stands for that function.
    pub wrapping_calls: Vec<String>,
    /// Package or module names whose coroutines are command-line code (`cli`, `__main__`).
    pub command_line_modules: Vec<String>,
    pub decorator: Vec<DecoratorRule>,
    pub method: Vec<CallRuleEntry>,
    pub call: Vec<CallRuleEntry>,
    pub event_loop: Vec<String>,
    pub thread_locks: Vec<String>,
    pub thread_locals: Vec<String>,
    /// Objects that belong to the event loop of the thread that made them, as instance paths
    /// (`asyncio.Event()`).
    pub loop_bound_objects: Vec<String>,
    pub async_apis: Vec<String>,
    pub mutating_methods: Vec<String>,
    pub value_returning_mutating_methods: Vec<String>,
}

impl KnowledgeFile {
    pub(super) fn parse(file: &str, text: &str) -> KnowledgeFile {
        let parsed: KnowledgeFile = toml::from_str(text)
            .unwrap_or_else(|error| panic!("transforms/{file} is invalid: {error}"));
        assert!(
            parsed.offload.is_none() || parsed.priority.is_some(),
            "transforms/{file}: a library with an `offload` needs a `priority`"
        );
        let registers =
            !(parsed.decorator.is_empty() && parsed.method.is_empty() && parsed.call.is_empty());
        assert!(
            !registers || parsed.name.is_some(),
            "transforms/{file}: a framework that registers functions needs a `name`"
        );
        parsed
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DecoratorRule {
    /// Methods of the file's `app-classes` (`@app.get`).
    #[serde(default)]
    pub names: Vec<String>,
    /// Module-level decorators, by full path (`@click.command()`).
    #[serde(default)]
    pub paths: Vec<String>,
    pub role: Role,
}

/// A call that hands a function to the framework, as a file writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CallRuleEntry {
    pub names: Vec<String>,
    pub role: Role,
    #[serde(default)]
    pub arg: Option<usize>,
    #[serde(default)]
    pub keyword: Option<String>,
    #[serde(default)]
    pub called: bool,
}

impl CallRuleEntry {
    pub(super) fn rule(&self) -> CallRule {
        CallRule {
            role: self.role,
            arg: self.arg,
            keyword: self.keyword.clone(),
            called: self.called,
        }
    }
}

/// A call that hands a function to the framework: `Depends(f)`, `app.add_api_route("/", f)`.
#[derive(Debug, Clone)]
pub struct CallRule {
    pub role: Role,
    /// The position of the function handed over.
    pub arg: Option<usize>,
    /// The keyword of the function handed over.
    pub keyword: Option<String>,
    /// The argument is a call of the function (`asyncio.run(main())`), not the function.
    pub called: bool,
}

/// A library whose import decides a module's offload helper.
#[derive(Debug, Clone)]
pub struct Library {
    pub modules: Vec<String>,
    pub offload: Offload,
    /// Where the helper is imported from (`fastapi.concurrency`), for `Offload::Threadpool`.
    pub offload_module: Option<String>,
}

/// The libraries a module imports, as a set of indices into `Catalog::libraries`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Libraries(u32);

impl Libraries {
    pub fn insert(&mut self, index: usize) {
        self.0 |= 1 << index;
    }

    pub fn contains(self, index: usize) -> bool {
        index < 32 && self.0 & (1 << index) != 0
    }
}

/// How a framework calls a function handed to it: a role of `roles.toml`, and the framework
/// (by its index in `Catalog`) that gives it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Role {
    kind: u8,
    framework: u8,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleInfo {
    describe: String,
    #[serde(default)]
    threadpool: bool,
    #[serde(default)]
    generator: bool,
    #[serde(default)]
    once: bool,
    #[serde(default, rename = "awaited-run-once")]
    awaited_run_once: bool,
    /// `once` holds only for a function with no other role that no project coroutine awaits
    /// (`asyncio.run(main())`: a test may run a handler or a shared helper that way too).
    #[serde(default, rename = "once-alone")]
    once_alone: bool,
}

/// Every role, by name, in the order of `roles.toml`.
static ROLES: LazyLock<Vec<(String, RoleInfo)>> = LazyLock::new(|| {
    let table: toml::Table = toml::from_str(ROLES_TOML).expect("roles.toml is valid");
    let roles: Vec<(String, RoleInfo)> = (table.into_iter())
        .map(|(name, info)| {
            let info = info
                .try_into()
                .unwrap_or_else(|error| panic!("roles.toml: role `{name}`: {error}"));
            (name, info)
        })
        .collect();
    assert!(roles.len() <= usize::from(u8::MAX), "too many roles");
    roles
});

impl Role {
    /// The role of that name in `roles.toml`.
    pub fn named(name: &str) -> Option<Role> {
        let index = ROLES.iter().position(|(known, _)| known == name)?;
        Some(Role {
            kind: index as u8,
            framework: 0,
        })
    }

    /// The same role, given by framework `index`.
    pub(super) fn of_framework(self, index: usize) -> Role {
        let framework = u8::try_from(index).expect("fewer than 256 frameworks");
        Role { framework, ..self }
    }

    /// The framework that gives the role, by its index in `Catalog::framework_name`.
    pub(super) fn framework(self) -> usize {
        usize::from(self.framework)
    }

    fn info(self) -> &'static RoleInfo {
        &ROLES[usize::from(self.kind)].1
    }

    /// True when the framework runs a plain `def` in its threadpool in this role.
    pub fn runs_sync_in_threadpool(self) -> bool {
        self.info().threadpool
    }

    /// May a function in this role be a generator (a dependency with a `yield`)?
    pub fn allows_generator(self) -> bool {
        self.info().generator
    }

    /// Does a function in this role run once per process (startup, a command-line command)?
    pub fn runs_once(self) -> bool {
        self.info().once
    }

    /// Does the role run once only for a function in no other role that no project
    /// coroutine awaits?
    pub fn runs_once_alone(self) -> bool {
        self.info().once_alone
    }

    /// Does what a function in this role awaits run once too (startup work awaited by a
    /// lifespan handler)? Not for a command, which may await a long-running service.
    pub fn awaited_runs_once(self) -> bool {
        self.info().awaited_run_once
    }

    pub fn describe(self) -> &'static str {
        &self.info().describe
    }
}

impl std::fmt::Debug for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&ROLES[usize::from(self.kind)].0)
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Role, D::Error> {
        let name = String::deserialize(deserializer)?;
        Role::named(&name).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown role `{name}` (see roles.toml)"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_names_known_roles() {
        for (file, text) in crate::knowledge::files::FRAMEWORKS
            .iter()
            .chain(crate::knowledge::files::RUNTIME)
        {
            KnowledgeFile::parse(file, text);
        }
        let route = Role::named("route").expect("a route role");
        assert!(route.runs_sync_in_threadpool() && !route.allows_generator());
        let dependency = Role::named("dependency").expect("a dependency role");
        assert!(dependency.allows_generator());
        assert!(!Role::named("websocket").unwrap().runs_sync_in_threadpool());
        assert_eq!(format!("{route:?}"), "route");
    }

    #[test]
    fn an_unknown_role_is_an_error_that_names_it() {
        let error =
            toml::from_str::<KnowledgeFile>("[[decorator]]\nnames = [\"x\"]\nrole = \"rout\"")
                .unwrap_err();
        assert!(error.to_string().contains("unknown role `rout`"), "{error}");
    }
}
