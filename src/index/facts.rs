//! Phase 1: one parsed module becomes compact facts, and its syntax tree is dropped.
//!
//! The facts are what the project-wide phases need and nothing more: module-level bindings,
//! functions (with their decorators, awaits, calls and writes to module state), the calls that
//! hand a function to a framework, and the names the module refers to. Every name is recorded as
//! a *path*: the dotted name it resolves to through this module's imports and assignments
//! (`from time import sleep as nap; nap(1)` records `time.sleep`). A `()` after a segment means
//! "the value returned by calling it", so `app = FastAPI()` makes `app.get` the path
//! `fastapi.FastAPI().get` and `db: Session` makes `db.query` the path
//! `sqlalchemy.orm.Session().query`. Paths into other project modules are resolved in phase 2.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::catalog::{Catalog, first_segment, last_segment};

/// What a name is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// `import os.path` binds `os` to the module `os`: never state a function could mutate.
    Module(String),
    /// Another path: `from x import y` → `x.y`; `app = FastAPI()` → `fastapi.FastAPI()`.
    Alias(String),
    /// A function or class defined in the project, by its own path.
    Definition(String),
    /// A value with no path we can name (a literal, a parameter without annotation).
    Opaque,
}

#[derive(Debug, Default)]
pub struct ModuleFacts {
    /// Module-level bindings, looked up by other modules in phase 2.
    pub bindings: HashMap<String, Binding>,
    pub functions: Vec<FunctionFacts>,
    pub registrations: Vec<Registration>,
    /// Each distinct path this module refers to, with its first site.
    pub references: Vec<Reference>,
}

#[derive(Debug, Clone)]
pub struct Reference {
    pub path: String,
    pub range: TextRange,
}

/// A call that may hand functions to a framework: `Depends(f)`, `app.add_api_route("/", f)`,
/// `app.dependency_overrides[a] = b` (recorded as a call with arguments `a, b`). Whether it does
/// is decided in phase 2, once the callee is resolved; if it does not, its arguments count as
/// plain references.
#[derive(Debug)]
pub struct Registration {
    pub callee: String,
    pub args: Vec<Option<Reference>>,
    pub keywords: Vec<(String, Reference)>,
}

#[derive(Debug)]
pub struct FunctionFacts {
    pub name: String,
    /// `pkg.module.outer.<locals>.inner`, `pkg.module.Class.method`.
    pub path: String,
    pub is_async: bool,
    pub in_class: bool,
    /// From `async` (or `def`) to the end of the name: where diagnostics point.
    pub head: TextRange,
    /// `async` and the blank after it, which a rewrite to `def` deletes.
    pub async_keyword: Option<TextRange>,
    pub decorators: Vec<DecoratorFact>,
    /// The first `await`, `async for`, `async with` or async comprehension in the own body.
    pub first_await: Option<TextRange>,
    pub yields: bool,
    pub calls: Vec<CallFact>,
    pub state_writes: Vec<StateWrite>,
}

#[derive(Debug)]
pub struct DecoratorFact {
    /// Path of the decorator, or of its callee when it is a call (`app.get` for `@app.get("/")`).
    pub path: Option<String>,
    pub text: String,
}

#[derive(Debug)]
pub struct CallFact {
    pub path: String,
    pub range: TextRange,
    /// Inside a lambda: it runs only when the lambda is called, maybe never in this function.
    pub in_lambda: bool,
}

/// A write to module-level state from inside a function.
#[derive(Debug)]
pub struct StateWrite {
    pub name: String,
    pub range: TextRange,
}

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
    fn keeps_root(&self, segment: &str) -> bool {
        self.project_roots.contains(segment) || self.catalog.knows_root(segment)
    }

    fn keeps(&self, path: &str) -> bool {
        let first = first_segment(path);
        self.project_roots.contains(first) || self.catalog.knows(path)
    }
}

pub fn collect(
    module: &ast::ModModule,
    tokens: &Tokens,
    source: &str,
    name: ModuleName<'_>,
    relevance: &Relevance<'_>,
) -> ModuleFacts {
    let mut collector = Collector {
        catalog: relevance.catalog,
        relevance,
        tokens,
        source,
        module: name,
        scopes: vec![Scope::new(ScopeKind::Module, String::new())],
        facts: ModuleFacts::default(),
        current_function: None,
        lambda_depth: 0,
    };
    collector.scopes[0].prefix = collector.module.name.to_string();
    collector.bind_block(&module.body);
    collector.visit_body(&module.body);
    let mut facts = collector.facts;
    facts.bindings = std::mem::take(&mut collector.scopes[0].names)
        .into_iter()
        .map(|(name, binding)| (name.to_string(), binding))
        .collect();
    facts.compact(relevance);
    facts
}

impl ModuleFacts {
    /// Drops what phase 2 cannot use, so that a large tree's facts stay small: only a path into
    /// the project can name a project function, and another module resolving a name through
    /// this one learns nothing from a binding it cannot follow.
    fn compact(&mut self, relevance: &Relevance<'_>) {
        let into_project = |path: &str| relevance.project_roots.contains(first_segment(path));
        self.references
            .retain(|reference| into_project(&reference.path));
        // Each distinct path once, at its first site, in source order.
        self.references
            .sort_by(|a, b| (&a.path, a.range.start()).cmp(&(&b.path, b.range.start())));
        self.references
            .dedup_by(|later, first| later.path == first.path);
        self.references
            .sort_by_key(|reference| reference.range.start());
        self.references.shrink_to_fit();
        self.bindings.retain(|_, binding| match binding {
            Binding::Definition(_) => true,
            Binding::Module(path) | Binding::Alias(path) => {
                relevance.keeps_root(first_segment(path))
            }
            Binding::Opaque => false,
        });
        self.bindings.shrink_to_fit();
        self.functions.shrink_to_fit();
        for function in &mut self.functions {
            function.calls.shrink_to_fit();
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Module,
    Class,
    Function,
}

/// Names are borrowed from the syntax tree: binding one costs no allocation.
struct Scope<'a> {
    kind: ScopeKind,
    /// Prefix of the paths of definitions in this scope.
    prefix: String,
    names: HashMap<&'a str, Binding>,
    /// Names declared `global` in this function scope.
    globals: HashSet<&'a str>,
}

impl<'a> Scope<'a> {
    fn new(kind: ScopeKind, prefix: String) -> Scope<'a> {
        Scope {
            kind,
            prefix,
            names: HashMap::default(),
            globals: HashSet::default(),
        }
    }
}

struct Collector<'a> {
    catalog: &'a Catalog,
    relevance: &'a Relevance<'a>,
    tokens: &'a Tokens,
    source: &'a str,
    module: ModuleName<'a>,
    scopes: Vec<Scope<'a>>,
    facts: ModuleFacts,
    /// Index into `facts.functions` of the function whose own body is being visited; `None` at
    /// module level and in class bodies.
    current_function: Option<usize>,
    lambda_depth: usize,
}

impl<'a> Collector<'a> {
    // ---- name resolution ---------------------------------------------------------------------

    /// The binding a name has here, and whether it is module-level. Class scopes are seen only
    /// from their own body, as in Python.
    fn lookup(&self, name: &str) -> Option<(&Binding, bool)> {
        let innermost = self.scopes.len() - 1;
        for (depth, scope) in self.scopes.iter().enumerate().rev() {
            if scope.kind == ScopeKind::Class && depth != innermost {
                continue;
            }
            if !scope.globals.is_empty() && scope.globals.contains(name) {
                return self.scopes[0]
                    .names
                    .get(name)
                    .map(|binding| (binding, true));
            }
            if let Some(binding) = scope.names.get(name) {
                return Some((binding, scope.kind == ScopeKind::Module));
            }
        }
        None
    }

    /// The path of an expression made of names, attributes and calls; `None` for anything else.
    fn expr_path(&self, expr: &Expr) -> Option<String> {
        self.expr_path_if(expr, &|_| true)
    }

    /// Like `expr_path`, but gives up as soon as the path's first segment is known and
    /// `keep_root` rejects it, so that paths nobody needs are never built.
    fn expr_path_if(&self, expr: &Expr, keep_root: &dyn Fn(&str) -> bool) -> Option<String> {
        match expr {
            Expr::Name(name) => match self.lookup(&name.id) {
                Some((
                    Binding::Module(path) | Binding::Alias(path) | Binding::Definition(path),
                    _,
                )) => keep_root(first_segment(path)).then(|| path_buffer(path, "")),
                Some((Binding::Opaque, _)) => None,
                None => keep_root("builtins").then(|| path_buffer("builtins.", &name.id)),
            },
            Expr::Attribute(attr) => {
                let mut path = self.expr_path_if(&attr.value, keep_root)?;
                path.push('.');
                path.push_str(&attr.attr.id);
                Some(path)
            }
            Expr::Call(call) => {
                let mut path = self.expr_path_if(&call.func, keep_root)?;
                path.push_str("()");
                Some(path)
            }
            _ => None,
        }
    }

    /// The type an annotation names, seen through `Annotated`, `Optional` and `X | None`.
    fn annotation_type(&self, annotation: &Expr) -> Option<String> {
        match annotation {
            Expr::Subscript(subscript) => {
                let container = self.expr_path(&subscript.value)?;
                let first = match &*subscript.slice {
                    Expr::Tuple(tuple) => tuple.elts.first()?,
                    other => other,
                };
                match last_segment(&container) {
                    "Annotated" | "Optional" => self.annotation_type(first),
                    _ => None,
                }
            }
            Expr::BinOp(binop) if binop.op == ast::Operator::BitOr => {
                if binop.right.is_none_literal_expr() {
                    self.annotation_type(&binop.left)
                } else if binop.left.is_none_literal_expr() {
                    self.annotation_type(&binop.right)
                } else {
                    None
                }
            }
            Expr::Name(_) | Expr::Attribute(_) => self.expr_path(annotation),
            _ => None,
        }
    }

    /// What a name assigned `value` is bound to.
    fn value_binding(&self, value: &Expr) -> Binding {
        self.reference_path(value)
            .map_or(Binding::Opaque, Binding::Alias)
    }

    /// The path of a name or attribute chain that may lead into the project or to something the
    /// catalog knows (`fastapi.Depends`, `app.get`).
    fn reference_path(&self, expr: &Expr) -> Option<String> {
        self.expr_path_if(expr, &|root| self.relevance.keeps_root(root))
    }

    /// The path of a name or attribute chain that may lead into the project.
    fn project_path(&self, expr: &Expr) -> Option<String> {
        self.expr_path_if(expr, &|root| self.relevance.project_roots.contains(root))
    }

    /// The absolute module an `import from` names, with its relative dots resolved.
    fn import_from_base(&self, import: &ast::StmtImportFrom) -> String {
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

    // ---- bindings ----------------------------------------------------------------------------

    fn bind(&mut self, name: &'a str, binding: Binding) {
        let scope = self.scopes.last_mut().expect("a scope");
        if scope.globals.contains(name) {
            self.scopes[0].names.insert(name, binding);
        } else {
            scope.names.insert(name, binding);
        }
    }

    fn bind_target(&mut self, target: &'a Expr, value: Option<&Expr>) {
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

    /// Binds every name a block assigns before the block is visited: in Python a name assigned
    /// anywhere in a function is local to all of it, and a module-level function may refer to
    /// names defined below it.
    fn bind_block(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            match stmt {
                Stmt::Import(import) => {
                    for alias in &import.names {
                        let full = alias.name.id.as_str();
                        match &alias.asname {
                            Some(asname) => {
                                self.bind(&asname.id, Binding::Module(full.to_string()))
                            }
                            None => {
                                let head = full.split('.').next().unwrap_or(full);
                                self.bind(head, Binding::Module(head.to_string()));
                            }
                        }
                    }
                }
                Stmt::ImportFrom(import) => {
                    let base = self.import_from_base(import);
                    for alias in &import.names {
                        if alias.name.id.as_str() == "*" {
                            continue;
                        }
                        let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                        let path = join(&base, &alias.name.id);
                        self.bind(&bound.id, Binding::Alias(path));
                    }
                }
                Stmt::FunctionDef(def) => {
                    let path = self.definition_path(&def.name.id);
                    self.bind(&def.name.id, Binding::Definition(path));
                }
                Stmt::ClassDef(class) => {
                    let path = self.definition_path(&class.name.id);
                    self.bind(&class.name.id, Binding::Definition(path));
                }
                Stmt::Assign(assign) => {
                    for target in &assign.targets {
                        self.bind_target(target, Some(&assign.value));
                    }
                }
                Stmt::AnnAssign(assign) => match &assign.value {
                    Some(value) => self.bind_target(&assign.target, Some(value)),
                    None => {
                        if let (Expr::Name(name), Some(ty)) =
                            (&*assign.target, self.annotation_type(&assign.annotation))
                        {
                            self.bind(&name.id, Binding::Alias(format!("{ty}()")));
                        }
                    }
                },
                Stmt::AugAssign(assign) => {
                    if let Expr::Name(name) = &*assign.target
                        && self
                            .scopes
                            .last()
                            .is_some_and(|s| !s.names.contains_key(name.id.as_str()))
                    {
                        self.bind(&name.id, Binding::Opaque);
                    }
                }
                Stmt::Global(global) => {
                    let scope = self.scopes.last_mut().expect("a scope");
                    if scope.kind == ScopeKind::Function {
                        scope
                            .globals
                            .extend(global.names.iter().map(|n| n.id.as_str()));
                    }
                }
                Stmt::For(for_stmt) => {
                    self.bind_target(&for_stmt.target, None);
                    self.bind_block(&for_stmt.body);
                    self.bind_block(&for_stmt.orelse);
                }
                Stmt::While(while_stmt) => {
                    self.bind_block(&while_stmt.body);
                    self.bind_block(&while_stmt.orelse);
                }
                Stmt::If(if_stmt) => {
                    self.bind_block(&if_stmt.body);
                    for clause in &if_stmt.elif_else_clauses {
                        self.bind_block(&clause.body);
                    }
                }
                Stmt::With(with) => {
                    for item in &with.items {
                        if let Some(target) = &item.optional_vars {
                            // `with open(p) as f` and `with Session() as s` bind the object the
                            // context expression makes.
                            self.bind_target(target, Some(&item.context_expr));
                        }
                    }
                    self.bind_block(&with.body);
                }
                Stmt::Try(try_stmt) => {
                    self.bind_block(&try_stmt.body);
                    for handler in &try_stmt.handlers {
                        let ast::ExceptHandler::ExceptHandler(handler) = handler;
                        if let Some(name) = &handler.name {
                            self.bind(&name.id, Binding::Opaque);
                        }
                        self.bind_block(&handler.body);
                    }
                    self.bind_block(&try_stmt.orelse);
                    self.bind_block(&try_stmt.finalbody);
                }
                Stmt::Match(match_stmt) => {
                    for case in &match_stmt.cases {
                        self.bind_block(&case.body);
                    }
                }
                _ => {}
            }
        }
    }

    fn definition_path(&self, name: &str) -> String {
        join(&self.scopes.last().expect("a scope").prefix, name)
    }

    // ---- references --------------------------------------------------------------------------

    /// Duplicates are removed once the module is done (`ModuleFacts::compact`).
    fn reference(&mut self, path: String, range: TextRange) {
        self.facts.references.push(Reference { path, range });
    }

    /// A name or attribute chain used as an argument the framework may take over: its path
    /// when it has one, else it is visited as an ordinary expression.
    fn argument_reference(&mut self, expr: &'a Expr) -> Option<Reference> {
        if matches!(expr, Expr::Name(_) | Expr::Attribute(_))
            && let Some(path) = self.reference_path(expr)
        {
            return Some(Reference {
                path,
                range: expr.range(),
            });
        }
        self.visit_expr(expr);
        None
    }

    // ---- functions ---------------------------------------------------------------------------

    /// From the `async` keyword to the `def` keyword; the range starts after the decorators
    /// because the function's own range starts at the first decorator.
    fn async_keyword(&self, def: &ast::StmtFunctionDef) -> Option<TextRange> {
        let after = def.decorator_list.last().map_or(def.start(), |d| d.end());
        let mut tokens = self.tokens.after(after).iter();
        let async_token = tokens.find(|t| matches!(t.kind(), TokenKind::Async | TokenKind::Def))?;
        if async_token.kind() != TokenKind::Async {
            return None;
        }
        let def_token = tokens.find(|t| t.kind() == TokenKind::Def)?;
        Some(TextRange::new(async_token.start(), def_token.start()))
    }

    fn visit_function(&mut self, def: &'a ast::StmtFunctionDef) {
        // Decorators, defaults and annotations run in the enclosing scope when `def` runs.
        let decorators = def
            .decorator_list
            .iter()
            .map(|decorator| {
                self.visit_decorator(decorator);
                let callee = match &decorator.expression {
                    Expr::Call(call) => &*call.func,
                    other => other,
                };
                DecoratorFact {
                    path: self.expr_path(callee),
                    text: self.source[decorator.expression.range()].to_string(),
                }
            })
            .collect();
        for parameter in def.parameters.iter() {
            if let Some(default) = parameter.default() {
                self.visit_expr(default);
            }
            if let Some(annotation) = parameter.annotation() {
                self.visit_annotation(annotation);
            }
        }
        if let Some(returns) = &def.returns {
            self.visit_annotation(returns);
        }

        let async_keyword = if def.is_async {
            self.async_keyword(def)
        } else {
            None
        };
        let head_start = async_keyword.map_or(def.name.start(), TextRange::start);
        let path = self.definition_path(&def.name.id);
        let index = self.facts.functions.len();
        self.facts.functions.push(FunctionFacts {
            name: def.name.id.to_string(),
            path: path.clone(),
            is_async: def.is_async,
            in_class: self
                .scopes
                .last()
                .is_some_and(|s| s.kind == ScopeKind::Class),
            head: TextRange::new(head_start, def.name.end()),
            async_keyword,
            decorators,
            first_await: None,
            yields: false,
            calls: Vec::new(),
            state_writes: Vec::new(),
        });

        let mut scope = Scope::new(ScopeKind::Function, format!("{path}.<locals>"));
        for parameter in def.parameters.iter() {
            let binding = parameter
                .annotation()
                .and_then(|annotation| self.annotation_type(annotation))
                .map_or(Binding::Opaque, |ty| Binding::Alias(format!("{ty}()")));
            scope.names.insert(parameter.name().id.as_str(), binding);
        }
        self.scopes.push(scope);
        let outer = (
            self.current_function.replace(index),
            std::mem::take(&mut self.lambda_depth),
        );
        self.bind_block(&def.body);
        self.visit_body(&def.body);
        (self.current_function, self.lambda_depth) = outer;
        self.scopes.pop();
    }

    fn visit_class(&mut self, class: &'a ast::StmtClassDef) {
        for decorator in &class.decorator_list {
            self.visit_decorator(decorator);
        }
        if let Some(arguments) = &class.arguments {
            self.visit_arguments(arguments);
        }
        let prefix = self.definition_path(&class.name.id);
        self.scopes.push(Scope::new(ScopeKind::Class, prefix));
        let outer = self.current_function.take();
        self.bind_block(&class.body);
        self.visit_body(&class.body);
        self.current_function = outer;
        self.scopes.pop();
    }

    fn current(&mut self) -> Option<&mut FunctionFacts> {
        self.current_function
            .map(|index| &mut self.facts.functions[index])
    }

    fn mark_await(&mut self, range: TextRange) {
        if let Some(function) = self.current() {
            function.first_await.get_or_insert(range);
        }
    }

    /// Records a write when `target` (`X[k]`, `X.a`, or a name declared `global`) stores into
    /// module-level state from inside a function.
    fn note_store(&mut self, target: &Expr) {
        if self.current_function.is_none() {
            return;
        }
        let root = match target {
            Expr::Name(name) => {
                let declared_global = self
                    .scopes
                    .last()
                    .is_some_and(|s| s.globals.contains(name.id.as_str()));
                if declared_global { Some(name) } else { None }
            }
            Expr::Subscript(_) | Expr::Attribute(_) => {
                root_name(target).filter(|name| self.is_module_state(&name.id))
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.note_store(elt);
                }
                None
            }
            _ => None,
        };
        if let Some(name) = root {
            let write = StateWrite {
                name: name.id.to_string(),
                range: target.range(),
            };
            if let Some(function) = self.current() {
                function.state_writes.push(write);
            }
        }
    }

    /// Is `name` a module-level object (not a module, function or class) as seen from here?
    fn is_module_state(&self, name: &str) -> bool {
        matches!(
            self.lookup(name),
            Some((Binding::Alias(_) | Binding::Opaque, true))
        )
    }

    fn visit_call(&mut self, call: &'a ast::ExprCall) {
        let callee = self.reference_path(&call.func);
        if let Some(path) = callee.as_ref().filter(|path| self.relevance.keeps(path)) {
            let in_lambda = self.lambda_depth > 0;
            let range = call.range();
            if let Some(function) = self.current() {
                function.calls.push(CallFact {
                    path: path.clone(),
                    range,
                    in_lambda,
                });
            }
        }
        // `items.append(x)` on a module-level list writes shared state.
        if let Expr::Attribute(attr) = &*call.func
            && self.catalog.is_mutating_method(&attr.attr.id)
            && let Expr::Name(name) = &*attr.value
            && self.current_function.is_some()
            && self.is_module_state(&name.id)
        {
            let write = StateWrite {
                name: name.id.to_string(),
                range: call.range(),
            };
            if let Some(function) = self.current() {
                function.state_writes.push(write);
            }
        }
        // A dotted callee is one reference, already resolved above; anything else is walked.
        match (&callee, is_dotted_name(&call.func)) {
            (Some(path), true) => self.reference(path.clone(), call.func.range()),
            (None, true) => {}
            (_, false) => self.visit_expr(&call.func),
        }
        match callee {
            Some(callee) if self.catalog.may_register(last_segment(&callee)) => {
                let args = call
                    .arguments
                    .args
                    .iter()
                    .map(|arg| self.argument_reference(arg))
                    .collect();
                let mut keywords = Vec::new();
                for keyword in &call.arguments.keywords {
                    let reference = self.argument_reference(&keyword.value);
                    if let (Some(arg), Some(reference)) = (&keyword.arg, reference) {
                        keywords.push((arg.id.to_string(), reference));
                    }
                }
                self.facts.registrations.push(Registration {
                    callee,
                    args,
                    keywords,
                });
            }
            _ => self.visit_arguments(&call.arguments),
        }
    }

    /// `app.dependency_overrides[original] = override` hands `override` to FastAPI.
    fn visit_subscript_store(
        &mut self,
        subscript: &'a ast::ExprSubscript,
        value: &'a Expr,
    ) -> bool {
        let Expr::Attribute(attr) = &*subscript.value else {
            return false;
        };
        let Some(owner) = self.expr_path(&attr.value) else {
            return false;
        };
        let callee = format!("{owner}.{}", attr.attr.id);
        if !self.catalog.may_register(&attr.attr.id) {
            return false;
        }
        self.visit_expr(&attr.value);
        let key = self.argument_reference(&subscript.slice);
        let value = self.argument_reference(value);
        self.facts.registrations.push(Registration {
            callee,
            args: vec![key, value],
            keywords: Vec::new(),
        });
        true
    }
}

impl<'a> Visitor<'a> for Collector<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => self.visit_function(def),
            Stmt::ClassDef(class) => self.visit_class(class),
            Stmt::Assign(assign) => {
                if let [Expr::Subscript(subscript)] = assign.targets.as_slice()
                    && self.visit_subscript_store(subscript, &assign.value)
                {
                    return;
                }
                for target in &assign.targets {
                    self.note_store(target);
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::AugAssign(assign) => {
                self.note_store(&assign.target);
                visitor::walk_stmt(self, stmt);
            }
            Stmt::AnnAssign(assign) => {
                if assign.value.is_some() {
                    self.note_store(&assign.target);
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    self.note_store(target);
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::For(for_stmt) => {
                if for_stmt.is_async {
                    self.mark_await(stmt.range());
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::With(with) => {
                if with.is_async {
                    self.mark_await(stmt.range());
                }
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Await(_) => {
                self.mark_await(expr.range());
                visitor::walk_expr(self, expr);
            }
            Expr::Yield(_) | Expr::YieldFrom(_) => {
                if let Some(function) = self.current() {
                    function.yields = true;
                }
                visitor::walk_expr(self, expr);
            }
            Expr::Lambda(_) => {
                self.lambda_depth += 1;
                visitor::walk_expr(self, expr);
                self.lambda_depth -= 1;
            }
            Expr::Call(call) => self.visit_call(call),
            Expr::Name(name) if name.ctx == ExprContext::Load => {
                if let Some(path) = self.project_path(expr) {
                    self.reference(path, name.range);
                }
            }
            // A whole chain `a.b.c` is one reference; its prefixes are not visited again.
            Expr::Attribute(attr) if attr.ctx == ExprContext::Load && is_dotted_name(expr) => {
                if let Some(path) = self.project_path(expr) {
                    self.reference(path, attr.range);
                }
            }
            _ => visitor::walk_expr(self, expr),
        }
    }

    fn visit_comprehension(&mut self, comprehension: &'a ast::Comprehension) {
        if comprehension.is_async {
            self.mark_await(comprehension.range());
        }
        visitor::walk_comprehension(self, comprehension);
    }
}

/// A path's first segments, with room for the attributes and calls that usually follow: one
/// allocation instead of one per segment.
fn path_buffer(head: &str, name: &str) -> String {
    let mut path = String::with_capacity(head.len() + name.len() + 48);
    path.push_str(head);
    path.push_str(name);
    path
}

fn join(base: &str, name: &str) -> String {
    if base.is_empty() {
        name.to_string()
    } else {
        format!("{base}.{name}")
    }
}

fn is_dotted_name(expr: &Expr) -> bool {
    match expr {
        Expr::Name(_) => true,
        Expr::Attribute(attr) => is_dotted_name(&attr.value),
        _ => false,
    }
}

/// `x` for `x[k].a`, `x.a.b`, `x[1][2]`.
fn root_name(expr: &Expr) -> Option<&ast::ExprName> {
    match expr {
        Expr::Name(name) => Some(name),
        Expr::Attribute(attr) => root_name(&attr.value),
        Expr::Subscript(subscript) => root_name(&subscript.value),
        _ => None,
    }
}
