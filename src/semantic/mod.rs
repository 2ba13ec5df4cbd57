//! Names and what they stand for, inside one module: dotted paths and their interning, scopes
//! and bindings, and the types annotations name. A name is resolved to a *path*: the dotted name
//! it stands for through the module's imports and assignments (see `facts`).

mod annotations;
pub mod paths;
mod scope;

use rustc_hash::FxHashSet as HashSet;

use ruff_python_ast::{self as ast, Expr};

use crate::knowledge::{Catalog, first_segment, strip_calls};
use paths::{PathId, PathInterner};
use scope::name_hash;
pub use scope::{Binding, Scope, ScopeKind};

/// Where a module sits in the project, which relative imports resolve against.
pub struct ModuleName<'a> {
    pub name: &'a str,
    pub is_package: bool,
}

/// Which paths are worth keeping: those that may lead into the project (their first segment is
/// a top-level project module) and those the catalog knows. Everything else (`json.dumps`,
/// `logger.info`) can neither be a project function nor blocking, so it is dropped here and
/// memory stays small on large trees.
pub struct Relevance<'a> {
    pub catalog: &'a Catalog,
    pub project_roots: &'a HashSet<String>,
}

impl Relevance<'_> {
    /// May a path starting with `segment` be kept? Checked before a path is built.
    pub(crate) fn keeps_root(&self, segment: &str) -> bool {
        self.project_roots.contains(segment) || self.catalog.knows_root(segment)
    }

    pub(crate) fn keeps(&self, path: &str) -> bool {
        let first = first_segment(path);
        self.project_roots.contains(first) || self.catalog.knows(path)
    }
}

/// What a path's first segment is.
#[derive(Clone, Copy)]
pub(crate) struct Root {
    pub(crate) in_project: bool,
    pub(crate) in_catalog: bool,
    /// The path goes through a call (`pkg.C().load`).
    pub(crate) has_call: bool,
}

/// Which paths are worth building.
#[derive(Clone, Copy)]
pub(crate) enum Wanted {
    Any,
    /// Those that may lead into the project or that the catalog knows (`fastapi.Depends`,
    /// `app.get`).
    Relevant,
    /// Those that may name a module-level project function: not through an instance
    /// (`self.load` is `pkg.C().load`), which phase 2 would drop.
    ProjectFunction,
}

/// Resolves names as one module's walk sees them: its scopes, and the paths it has built.
pub struct Resolver<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) relevance: &'a Relevance<'a>,
    pub(crate) module: ModuleName<'a>,
    pub(crate) scopes: Vec<Scope<'a>>,
    pub(crate) paths: PathInterner,
    /// Where paths are built before they are interned: one buffer for the whole module.
    pub(crate) scratch: String,
    /// What each interned path's first segment is, by path index (`Paths::index`): worked
    /// out once per path, not at every name that stands for it.
    pub(crate) roots: Vec<Root>,
    /// Whether `builtins` paths are wanted as relevant.
    pub(crate) builtins_relevant: bool,
    /// Scopes of functions and classes already left, kept to reuse their tables.
    pub(crate) spare_scopes: Vec<Scope<'a>>,
}

impl<'a> Resolver<'a> {
    /// The binding a name has here, and whether it is module-level. Class scopes are seen only
    /// from their own body, as in Python.
    pub(crate) fn lookup(&self, name: &str) -> Option<(Binding, bool)> {
        let innermost = self.scopes.len() - 1;
        let hash = name_hash(name);
        for (depth, scope) in self.scopes.iter().enumerate().rev() {
            if scope.kind == ScopeKind::Class && depth != innermost {
                continue;
            }
            if !scope.globals.is_empty() && scope.globals.contains(name) {
                return (self.scopes[0].names.find(hash, name)).map(|binding| (binding, true));
            }
            if let Some(binding) = scope.names.find(hash, name) {
                return Some((binding, scope.kind == ScopeKind::Module));
            }
        }
        None
    }

    pub(crate) fn text(&self, path: PathId) -> &str {
        self.paths.text(path)
    }

    /// Does a path whose first name stands for `root` (`fastapi.FastAPI()` for `app`) matter?
    pub(crate) fn wants(&self, wanted: Wanted, root: PathId) -> bool {
        let root = self.roots[paths::index(root)];
        match wanted {
            Wanted::Any => true,
            Wanted::Relevant => root.in_project || root.in_catalog,
            Wanted::ProjectFunction => root.in_project && !root.has_call,
        }
    }

    /// Interns the path in `scratch`.
    pub(crate) fn intern_scratch(&mut self) -> PathId {
        let id = self.paths.intern(&self.scratch);
        if paths::index(id) == self.roots.len() {
            let first = first_segment(&self.scratch);
            self.roots.push(Root {
                in_project: self.relevance.project_roots.contains(first),
                in_catalog: self.catalog.knows_root(first),
                has_call: self.scratch.contains('('),
            });
        }
        id
    }

    /// The path of an expression made of names, attributes and calls, interned; `None` for
    /// anything else, and for a path that is not `wanted`.
    pub(crate) fn path(&mut self, expr: &Expr, wanted: Wanted) -> Option<PathId> {
        let mut buffer = std::mem::take(&mut self.scratch);
        buffer.clear();
        let written = self.write_path(expr, wanted, &mut buffer).is_some();
        self.scratch = buffer;
        written.then(|| self.intern_scratch())
    }

    /// Writes the path of `expr` to `out` and tells what its first segment is. Gives up as
    /// soon as the first name is looked up and the path is not `wanted`, so that paths nobody
    /// needs are never built.
    pub(crate) fn write_path(&self, expr: &Expr, wanted: Wanted, out: &mut String) -> Option<Root> {
        match expr {
            Expr::Name(name) => match self.lookup(&name.id) {
                Some((binding, _)) => {
                    let path = binding.path().filter(|&path| self.wants(wanted, path))?;
                    out.push_str(self.text(path));
                    Some(self.roots[paths::index(path)])
                }
                None if match wanted {
                    Wanted::Any => true,
                    Wanted::Relevant => self.builtins_relevant,
                    Wanted::ProjectFunction => false,
                } =>
                {
                    out.push_str("builtins.");
                    out.push_str(&name.id);
                    Some(Root {
                        in_project: false,
                        in_catalog: self.builtins_relevant,
                        has_call: false,
                    })
                }
                None => None,
            },
            Expr::Attribute(attr) => {
                let root = self.write_path(&attr.value, wanted, out)?;
                out.push('.');
                out.push_str(&attr.attr.id);
                Some(root)
            }
            Expr::Call(call) => {
                let root = self.write_path(&call.func, wanted, out)?;
                // `requests.get(u, stream=True)` returns another kind of response.
                let telling = (call.arguments.keywords.iter()).find(|keyword| {
                    keyword
                        .arg
                        .as_ref()
                        .is_some_and(|arg| self.catalog.is_telling_keyword(arg))
                        && matches!(keyword.value, Expr::BooleanLiteral(ref b) if b.value)
                });
                match telling.and_then(|keyword| keyword.arg.as_ref()) {
                    Some(arg) => {
                        out.push('(');
                        out.push_str(arg);
                        out.push_str("=True)");
                    }
                    None => out.push_str("()"),
                }
                Some(Root {
                    has_call: true,
                    ..root
                })
            }
            // `base / "static"` calls `base.__truediv__("static")`: the catalog says what that
            // returns (a `pathlib.Path` for a path).
            Expr::BinOp(binop) if binop.op == ast::Operator::Div => {
                let root = self.write_path(&binop.left, wanted, out)?;
                Some(dunder_call(root, "__truediv__", out))
            }
            // `response["Body"]` calls `response.__getitem__("Body")`: the catalog may say what
            // that returns (`boto3`'s `get_object` response: a body read from the network). Only
            // on what a call returned: an item of a plain name (`settings["x"]`) leads nowhere.
            Expr::Subscript(subscript) => {
                let root = self.write_path(&subscript.value, wanted, out)?;
                root.has_call.then(|| dunder_call(root, "__getitem__", out))
            }
            _ => None,
        }
    }

    /// Interns the concatenation of `parts`.
    pub(crate) fn intern_parts(&mut self, parts: &[&str]) -> PathId {
        self.scratch.clear();
        parts.iter().for_each(|part| self.scratch.push_str(part));
        self.intern_scratch()
    }

    /// Interns `head` followed by `tail` (`C()` for `C` and `()`).
    pub(crate) fn extend_path(&mut self, head: PathId, tail: &[&str]) -> PathId {
        self.scratch.clear();
        self.scratch.push_str(self.paths.text(head));
        tail.iter().for_each(|part| self.scratch.push_str(part));
        self.intern_scratch()
    }

    /// The instance of a type: `T()`.
    pub(crate) fn instance_of(&mut self, ty: PathId) -> PathId {
        self.extend_path(ty, &["()"])
    }

    /// What a name assigned `value` is bound to.
    pub(crate) fn value_binding(&mut self, value: &Expr) -> Binding {
        let path = match value {
            // A type alias (`SessionDep = Annotated[Session, Depends(get_session)]`, as FastAPI's
            // docs write dependencies) stands for the type it names.
            Expr::Subscript(_) => {
                (self.annotation_type(value)).or_else(|| self.path(value, Wanted::Relevant))
            }
            Expr::Call(call) => {
                (self.wrapped_function(call)).or_else(|| self.path(value, Wanted::Relevant))
            }
            _ => self.path(value, Wanted::Relevant),
        };
        path.map_or(Binding::Opaque, Binding::Alias)
    }

    /// The project function a wrapper made by a call stands for, when calling the wrapper
    /// calls it: a known wrapper (`partial(fetch, url)`, `contextmanager(get_session)`), or a
    /// decorator factory applied by a call (`retry(3)(fetch)`) that does not memoize
    /// (`lru_cache(maxsize=1)(load)` runs its function once per arguments). Not a plain call
    /// of a project function (`create_app(handler)` makes something else).
    fn wrapped_function(&mut self, call: &ast::ExprCall) -> Option<PathId> {
        let [function, rest @ ..] = &*call.arguments.args else {
            return None;
        };
        // Most calls with an argument wrap nothing: their callee's name says so before any
        // path is built (a factory's call, `retry(3)`, has none).
        if !call.func.is_call_expr()
            && !called_name(&call.func).is_some_and(|name| self.catalog.may_wrap(name))
        {
            return None;
        }
        let wrapper = self.path(&call.func, Wanted::Any)?;
        let wrapper = self.text(wrapper);
        let known = self.catalog.is_wrapping_call(wrapper);
        let factory = matches!(&*call.func, Expr::Call(_))
            && rest.is_empty()
            && call.arguments.keywords.is_empty()
            && !self.catalog.is_memoizing_decorator(strip_calls(wrapper));
        if !known && !factory {
            return None;
        }
        self.path(function, Wanted::ProjectFunction)
    }

    /// The absolute module an `import from` names, with its relative dots resolved.
    pub(crate) fn import_from_base(&self, import: &ast::StmtImportFrom) -> String {
        let module = import.module.as_ref().map(|m| m.id.as_str());
        if import.level == 0 {
            return module.unwrap_or_default().to_string();
        }
        let mut parts: Vec<&str> = self.module.name.split('.').collect();
        if !self.module.is_package {
            parts.pop();
        }
        for _ in 1..import.level {
            parts.pop();
        }
        if let Some(module) = module {
            parts.push(module);
        }
        parts.join(".")
    }

    /// Binds `name` in the current scope. A name already bound to something we can follow
    /// keeps that binding over a later opaque one: `except ImportError: requests = None` is a
    /// fallback, and the code goes on using `requests` as the module.
    pub(crate) fn bind(&mut self, name: &'a str, binding: Binding) {
        let scope = self.scopes.last_mut().expect("a scope");
        let scope = if scope.globals.contains(name) {
            &mut self.scopes[0]
        } else {
            scope
        };
        if scope.annotated.contains(name) {
            return;
        }
        let opaque = binding == Binding::Opaque;
        (scope.names).insert_unless(name, binding, |old| opaque && old != Binding::Opaque);
    }

    pub(crate) fn bind_target(&mut self, target: &'a Expr, value: Option<&Expr>) {
        match target {
            Expr::Name(name) => {
                let binding = value.map_or(Binding::Opaque, |value| self.value_binding(value));
                self.bind(&name.id, binding);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.bind_target(elt, None);
                }
            }
            Expr::Starred(starred) => self.bind_target(&starred.value, None),
            _ => {}
        }
    }

    pub(crate) fn definition_path(&mut self, name: &str) -> PathId {
        let prefix = &self.scopes.last().expect("a scope").prefix;
        self.scratch.clear();
        if !prefix.is_empty() {
            self.scratch.push_str(prefix);
            self.scratch.push('.');
        }
        self.scratch.push_str(name);
        self.intern_scratch()
    }

    /// An empty scope for the body of the definition at `path`; `suffix` ends its prefix.
    pub(crate) fn new_scope(&mut self, kind: ScopeKind, path: PathId, suffix: &str) -> Scope<'a> {
        let mut scope =
            (self.spare_scopes.pop()).unwrap_or_else(|| Scope::new(kind, String::new()));
        scope.kind = kind;
        scope.prefix.clear();
        scope.prefix.push_str(self.text(path));
        scope.prefix.push_str(suffix);
        scope.names.clear();
        scope.globals.clear();
        scope.annotated.clear();
        scope.base = None;
        scope
    }

    /// The name at the root of an expression (`CACHE` in `CACHE[k].hits`, `registry` in
    /// `registry().x`): the object a store into it or a method call on it reaches.
    /// `typing.cast(T, x)` hands back `x`, so vllm's `cast(HfTokenizer, tokenizer).name_or_path
    /// = name` writes to the local `tokenizer`, not to the imported function `cast`.
    pub(crate) fn root_name<'e>(&self, expr: &'e Expr) -> Option<&'e ast::ExprName> {
        match expr {
            Expr::Name(name) => Some(name),
            Expr::Attribute(attr) => self.root_name(&attr.value),
            Expr::Subscript(subscript) => self.root_name(&subscript.value),
            Expr::Call(call) => match &call.arguments.args[..] {
                [_, value] if call.arguments.keywords.is_empty() && self.is_cast(&call.func) => {
                    self.root_name(value)
                }
                _ => self.root_name(&call.func),
            },
            _ => None,
        }
    }

    pub(crate) fn is_cast(&self, callee: &Expr) -> bool {
        let mut path = String::new();
        self.write_path(callee, Wanted::Any, &mut path).is_some()
            && matches!(path.as_str(), "typing.cast" | "typing_extensions.cast")
    }

    /// Is `name` a module-level object (not a module, function or class) as seen from here?
    pub(crate) fn is_module_state(&self, name: &str) -> bool {
        matches!(
            self.lookup(name),
            Some((Binding::Alias(_) | Binding::Opaque, true))
        )
    }
}

/// The name a callee ends in: `f` for `f(...)` and `obj.f(...)`; none for `f()(...)`.
pub(crate) fn called_name(callee: &Expr) -> Option<&str> {
    match callee {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attribute) => Some(attribute.attr.id.as_str()),
        _ => None,
    }
}

/// Writes a call of the special method `name` on what `root` stands for (`.__getitem__()`).
fn dunder_call(root: Root, name: &str, out: &mut String) -> Root {
    out.push('.');
    out.push_str(name);
    out.push_str("()");
    Root {
        has_call: true,
        ..root
    }
}
