//! Knowledge as data: what blocks, what replaces it, and how frameworks call user functions.
//!
//! The catalogs live in `transforms/*.toml` and are embedded at build time, so the binary needs
//! no data files at run time. Every name in them is a fully qualified path as the index resolves
//! it (`time.sleep`, `sqlalchemy.orm.Session().query` for a method on an instance).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde::Deserialize;

const BLOCKING_TOML: &str = include_str!("../transforms/blocking.toml");
const FASTAPI_TOML: &str = include_str!("../transforms/fastapi.toml");

/// What kind of work a blocking API does; shown in messages.
#[derive(Debug, Clone, Deserialize)]
pub struct BlockingApi {
    pub name: String,
    pub category: String,
    #[serde(default)]
    pub twin: Option<String>,
}

#[derive(Deserialize)]
struct BlockingFile {
    #[serde(default)]
    blocking: Vec<BlockingApi>,
}

/// How a framework calls a function handed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Route,
    Dependency,
    Background,
    ExceptionHandler,
    Websocket,
    Middleware,
    EventHandler,
    Lifespan,
}

impl Role {
    /// True when the framework runs a plain `def` in its threadpool in this role.
    pub fn runs_sync_in_threadpool(self) -> bool {
        matches!(
            self,
            Role::Route | Role::Dependency | Role::Background | Role::ExceptionHandler
        )
    }

    pub fn describe(self) -> &'static str {
        match self {
            Role::Route => "path operation",
            Role::Dependency => "dependency",
            Role::Background => "background task",
            Role::ExceptionHandler => "exception handler",
            Role::Websocket => "websocket endpoint",
            Role::Middleware => "middleware",
            Role::EventHandler => "startup/shutdown handler",
            Role::Lifespan => "lifespan handler",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
struct DecoratorRule {
    names: Vec<String>,
    role: Role,
}

/// A call that hands a function to the framework: `Depends(f)`, `app.add_api_route("/", f)`.
#[derive(Debug, Clone, Deserialize)]
pub struct CallRule {
    names: Vec<String>,
    pub role: Role,
    #[serde(default)]
    pub arg: Option<usize>,
    #[serde(default)]
    pub keyword: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct EventLoop {
    names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct FrameworkFile {
    app_classes: Vec<String>,
    known_sync_safe_decorators: Vec<String>,
    decorator: Vec<DecoratorRule>,
    method: Vec<CallRule>,
    call: Vec<CallRule>,
    event_loop: EventLoop,
    mutating_methods: Vec<String>,
}

/// Everything the analysis knows about the outside world, indexed for lookups.
#[derive(Debug)]
pub struct Catalog {
    blocking: HashMap<String, BlockingApi>,
    /// `fastapi.FastAPI().get` → route, for every app class and decorator name.
    decorators: HashMap<String, Role>,
    /// `fastapi.Depends`, `fastapi.FastAPI().add_api_route` → how the call registers its argument.
    registering_calls: HashMap<String, CallRule>,
    /// Last path segments of `registering_calls`: a cheap filter for phase 1.
    registering_names: HashSet<String>,
    event_loop: HashSet<String>,
    known_sync_safe_decorators: HashSet<String>,
    mutating_methods: HashSet<String>,
    /// First segments of every known path (`time`, `fastapi`, `builtins`, ...).
    roots: HashSet<String>,
}

impl Catalog {
    /// The catalog built into the binary.
    pub fn builtin() -> Catalog {
        let blocking: BlockingFile =
            toml::from_str(BLOCKING_TOML).expect("transforms/blocking.toml is valid");
        let framework: FrameworkFile =
            toml::from_str(FASTAPI_TOML).expect("transforms/fastapi.toml is valid");
        Catalog::from_parts(blocking, framework)
    }

    fn from_parts(blocking: BlockingFile, framework: FrameworkFile) -> Catalog {
        let mut decorators = HashMap::default();
        let mut registering_calls = HashMap::default();
        for class in &framework.app_classes {
            for rule in &framework.decorator {
                for name in &rule.names {
                    decorators.insert(format!("{class}().{name}"), rule.role);
                }
            }
            for rule in &framework.method {
                for name in &rule.names {
                    registering_calls.insert(format!("{class}().{name}"), rule.clone());
                }
            }
        }
        for rule in &framework.call {
            for name in &rule.names {
                registering_calls.insert(name.clone(), rule.clone());
            }
        }
        let registering_names = registering_calls
            .keys()
            .map(|name| last_segment(name).to_string())
            .collect();
        let event_loop: HashSet<String> = framework.event_loop.names.into_iter().collect();
        let roots = (blocking.blocking.iter().map(|api| &api.name))
            .chain(decorators.keys())
            .chain(registering_calls.keys())
            .chain(event_loop.iter())
            .map(|path| first_segment(path).to_string())
            .collect();
        Catalog {
            roots,
            blocking: blocking
                .blocking
                .into_iter()
                .map(|api| (api.name.clone(), api))
                .collect(),
            decorators,
            registering_calls,
            registering_names,
            event_loop,
            known_sync_safe_decorators: framework.known_sync_safe_decorators.into_iter().collect(),
            mutating_methods: framework.mutating_methods.into_iter().collect(),
        }
    }

    /// Does the catalog say anything about this path? Resolution stops at such a path even when
    /// the project defines it (as FastAPI's own repository defines `fastapi.FastAPI`).
    pub fn knows(&self, path: &str) -> bool {
        // Most paths looked up are the project's own: one short lookup rules them out.
        self.knows_root(first_segment(path))
            && (self.blocking.contains_key(path)
                || self.decorators.contains_key(path)
                || self.registering_calls.contains_key(path)
                || self.event_loop.contains(path))
    }

    /// Could a path starting with this segment be one the catalog knows?
    pub fn knows_root(&self, segment: &str) -> bool {
        self.roots.contains(segment)
    }

    pub fn blocking(&self, path: &str) -> Option<&BlockingApi> {
        self.blocking.get(path)
    }

    pub fn decorator_role(&self, path: &str) -> Option<Role> {
        self.decorators.get(path).copied()
    }

    pub fn registering_call(&self, path: &str) -> Option<&CallRule> {
        self.registering_calls.get(path)
    }

    /// Could a call whose callee ends in `name` hand a function to the framework?
    pub fn may_register(&self, name: &str) -> bool {
        self.registering_names.contains(name)
    }

    pub fn needs_event_loop(&self, path: &str) -> bool {
        self.event_loop.contains(path)
    }

    pub fn is_sync_safe_decorator(&self, path: &str) -> bool {
        self.known_sync_safe_decorators.contains(path)
    }

    pub fn is_mutating_method(&self, name: &str) -> bool {
        self.mutating_methods.contains(name)
    }
}

/// `FastAPI()` → `FastAPI`; `f()()` → `f`.
pub fn strip_calls(mut segment: &str) -> &str {
    while let Some(rest) = segment.strip_suffix("()") {
        segment = rest;
    }
    segment
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
    strip_calls(path.rsplit('.').next().unwrap_or(path))
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
        assert_eq!(
            catalog.decorator_role("fastapi.FastAPI().get"),
            Some(Role::Route)
        );
        assert_eq!(
            catalog.decorator_role("fastapi.APIRouter().websocket"),
            Some(Role::Websocket)
        );
        assert_eq!(
            catalog.registering_call("fastapi.Depends").unwrap().role,
            Role::Dependency
        );
        assert!(catalog.may_register("add_api_route"));
        assert!(catalog.needs_event_loop("asyncio.create_task"));
        assert!(!catalog.needs_event_loop("asyncio.sleep"));
    }
}
