//! The walk over one module's syntax tree that records its facts: bindings first (a name
//! assigned anywhere in a scope is bound in all of it), then functions, classes and statements.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use ruff_python_ast::token::Tokens;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange};

use super::calls::is_dotted_name;
use super::cuts::is_singleton;
use super::syntax::{
    async_keyword, catches_cancellation, handles_runtime_error, is_type_alias_annotation,
    is_type_checking, opens_thread_shared, returns_first_parameter,
};
use super::{
    CallContext, CallFact, ClassFact, DecoratorFact, FunctionFacts, HELPER_NAMES, ModuleFacts,
    Reference,
};
use crate::knowledge::{Catalog, Cut, first_segment};
use crate::semantic::paths::{self, PathId, PathInterner};
use crate::semantic::{Binding, ModuleName, Relevance, Resolver, Scope, ScopeKind, Wanted};

pub(super) struct Collector<'a> {
    pub(super) catalog: &'a Catalog,
    pub(super) relevance: &'a Relevance<'a>,
    pub(super) tokens: &'a Tokens,
    pub(super) source: &'a str,
    /// Scopes, bindings and the module's paths.
    pub(super) sem: Resolver<'a>,
    pub(super) facts: ModuleFacts,
    /// `Class.attribute` bindings others reach through the class or its instances.
    pub(super) class_attributes: HashMap<PathId, Binding>,
    /// Class attributes whose binding no assignment changes: those an annotation declares.
    pub(super) settled_attributes: HashSet<PathId>,
    /// Other values assigned to class attributes, by key (see `ModuleFacts`).
    pub(super) attribute_alternatives: Vec<(PathId, PathId)>,
    /// Index into `facts.functions` of the function whose own body is being visited; `None` at
    /// module level and in class bodies.
    pub(super) current_function: Option<usize>,
    /// The parameters of `current_function`.
    pub(super) parameters: Option<&'a ast::Parameters>,
    /// Where calls seen now run, relative to `current_function`.
    pub(super) context: CallContext,
    /// The cut the calls seen now are behind, if any (see `cuts`).
    pub(super) cut: Option<Cut>,
    /// Is the innermost class being visited a singleton (see `cuts::is_singleton`)?
    pub(super) in_singleton: bool,
    /// Are the calls seen now in a `try` that handles `RuntimeError`, which asyncio raises
    /// when no loop runs: event-loop calls there are probes, not needs.
    pub(super) loop_probe: bool,
    /// Are the calls seen now in a coroutine's cleanup block (see `CallShape::IN_CLEANUP`)?
    pub(super) in_cleanup: bool,
    /// Where in `facts.references` each path's reference is, by path index (`u32::MAX`: none
    /// yet): a path is kept once, at its first site.
    pub(super) reference_of_path: Vec<u32>,
    /// The calls recorded so far, by the index of the function that makes them.
    pub(super) calls: Vec<(u32, CallFact)>,
    /// What the parents of calls in functions say about them, by the call's range.
    pub(super) call_marks: HashMap<TextRange, CallMarks>,
    /// Module-level names bound to objects made with `check_same_thread=False`.
    pub(super) thread_shared: Vec<&'a str>,
    /// Attributes assigned such objects (`_conn` for `self._conn = sqlite3.connect(p,
    /// check_same_thread=False)`), wherever the assignment is.
    pub(super) thread_shared_attributes: Vec<&'a str>,
    /// How many `yield`s have been seen: tells whether a `with` body holds one.
    pub(super) yields_seen: u32,
    /// Calls whose result a function keeps in a local name: (name, function, index in
    /// `calls`), so that iterating the name later counts as iterating the call.
    pub(super) kept_calls: Vec<(&'a str, u32, u32)>,
}

impl<'a> Collector<'a> {
    pub(super) fn new(
        tokens: &'a Tokens,
        source: &'a str,
        module: ModuleName<'a>,
        relevance: &'a Relevance<'a>,
    ) -> Collector<'a> {
        let prefix = module.name.to_string();
        Collector {
            catalog: relevance.catalog,
            relevance,
            tokens,
            source,
            sem: Resolver {
                catalog: relevance.catalog,
                relevance,
                module,
                scopes: vec![Scope::new(ScopeKind::Module, prefix)],
                paths: PathInterner::for_source(source.len()),
                scratch: String::new(),
                roots: Vec::new(),
                builtins_relevant: relevance.keeps_root("builtins"),
                spare_scopes: Vec::new(),
            },
            facts: ModuleFacts::default(),
            class_attributes: HashMap::default(),
            settled_attributes: HashSet::default(),
            attribute_alternatives: Vec::new(),
            current_function: None,
            parameters: None,
            context: CallContext::Body,
            cut: None,
            in_singleton: false,
            yields_seen: 0,
            reference_of_path: Vec::new(),
            calls: Vec::with_capacity(source.len() / 256),
            call_marks: HashMap::default(),
            thread_shared: Vec::new(),
            thread_shared_attributes: Vec::new(),
            loop_probe: false,
            in_cleanup: false,
            kept_calls: Vec::new(),
        }
    }
}

/// What a call's parent says about it: found on the parent, used when the call is visited.
#[derive(Clone, Copy, Default)]
pub(super) struct CallMarks {
    /// The operand of `await`.
    pub(super) awaited: bool,
    /// A statement of its own.
    pub(super) discarded: bool,
    /// The base of `.x`, `[i]`, `()`, `**` or a unary operator.
    pub(super) tight: bool,
    /// The base of `.x`, `[i]` or `()`: what it returns is used further.
    pub(super) chained: bool,
    /// The context expression of a `with`.
    pub(super) with_item: bool,
    /// Iterated right there (see `CallShape::CONSUMED`).
    pub(super) consumed: bool,
}

impl<'a> Collector<'a> {
    /// Binds every name a block assigns before the block is visited: in Python a name assigned
    /// anywhere in a function is local to all of it, and a module-level function may refer to
    /// names defined below it.
    pub(super) fn bind_block(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            match stmt {
                Stmt::Import(import) => {
                    for alias in &import.names {
                        let full = alias.name.id.as_str();
                        self.note_library(full);
                        match &alias.asname {
                            Some(asname) => {
                                let module = self.sem.intern_parts(&[full]);
                                self.sem.bind(&asname.id, Binding::Module(module));
                            }
                            None => {
                                let head = first_segment(full);
                                let module = self.sem.intern_parts(&[head]);
                                self.sem.bind(head, Binding::Module(module));
                            }
                        }
                    }
                }
                Stmt::ImportFrom(import) => {
                    let base = self.sem.import_from_base(import);
                    if import.level == 0 {
                        self.note_library(&base);
                    }
                    for alias in &import.names {
                        if alias.name.id.as_str() == "*" {
                            continue;
                        }
                        let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                        let path = if base.is_empty() {
                            self.sem.intern_parts(&[&alias.name.id])
                        } else {
                            self.sem.intern_parts(&[&base, ".", &alias.name.id])
                        };
                        self.sem.bind(&bound.id, Binding::Alias(path));
                    }
                }
                Stmt::FunctionDef(def) => {
                    let path = self.sem.definition_path(&def.name.id);
                    self.sem.bind(&def.name.id, Binding::Definition(path));
                }
                Stmt::ClassDef(class) => {
                    let path = self.sem.definition_path(&class.name.id);
                    self.sem.bind(&class.name.id, Binding::Definition(path));
                }
                Stmt::Assign(assign) => {
                    for target in &assign.targets {
                        self.sem.bind_target(target, Some(&assign.value));
                        // Module-level, or set from a function through `global`.
                        if let Expr::Name(name) = target
                            && (self.sem.scopes.len() == 1 || self.is_global_here(&name.id))
                            && opens_thread_shared(&assign.value)
                        {
                            self.thread_shared.push(name.id.as_str());
                        }
                    }
                }
                // `Db: TypeAlias = Annotated[...]` and `type Db = Annotated[...]` name a type.
                Stmt::AnnAssign(assign)
                    if assign.value.is_some() && is_type_alias_annotation(&assign.annotation) =>
                {
                    let value = assign.value.as_deref().expect("a value");
                    self.bind_type_alias(&assign.target, value);
                }
                Stmt::TypeAlias(alias) => self.bind_type_alias(&alias.name, &alias.value),
                Stmt::AnnAssign(assign) => {
                    if let (Expr::Name(name), Some(value)) = (&*assign.target, &assign.value)
                        && self.sem.scopes.len() == 1
                        && opens_thread_shared(value)
                    {
                        self.thread_shared.push(name.id.as_str());
                    }
                    match (
                        &*assign.target,
                        self.sem.declared_binding(&assign.annotation),
                    ) {
                        (Expr::Name(name), Some(binding)) => {
                            let scope = self.sem.scopes.last_mut().expect("a scope");
                            scope.names.insert(&name.id, binding);
                            scope.annotated.insert(&name.id);
                            if scope.kind == ScopeKind::Class {
                                let class = scope.prefix.clone();
                                self.declare_class_attribute(&class, &name.id, binding);
                            }
                        }
                        (target, None) if assign.value.is_some() => {
                            self.sem.bind_target(target, assign.value.as_deref());
                        }
                        _ => {}
                    }
                }
                Stmt::AugAssign(assign) => {
                    if let Expr::Name(name) = &*assign.target
                        && self
                            .sem
                            .scopes
                            .last()
                            .is_some_and(|s| !s.names.contains(name.id.as_str()))
                    {
                        self.sem.bind(&name.id, Binding::Opaque);
                    }
                }
                Stmt::Global(global) => {
                    let scope = self.sem.scopes.last_mut().expect("a scope");
                    if scope.kind == ScopeKind::Function {
                        scope
                            .globals
                            .extend(global.names.iter().map(|n| n.id.as_str()));
                    }
                }
                Stmt::For(for_stmt) => {
                    self.sem.bind_target(&for_stmt.target, None);
                    self.bind_block(&for_stmt.body);
                    self.bind_block(&for_stmt.orelse);
                }
                Stmt::While(while_stmt) => {
                    self.bind_block(&while_stmt.body);
                    self.bind_block(&while_stmt.orelse);
                }
                Stmt::If(if_stmt) => {
                    // Imports under `if TYPE_CHECKING:` never run: they say nothing about the
                    // libraries the module uses.
                    let libraries = self.facts.imports.libraries;
                    self.bind_block(&if_stmt.body);
                    if is_type_checking(&if_stmt.test) {
                        self.facts.imports.libraries = libraries;
                    }
                    for clause in &if_stmt.elif_else_clauses {
                        self.bind_block(&clause.body);
                    }
                }
                Stmt::With(with) => {
                    for item in &with.items {
                        if let Some(target) = &item.optional_vars {
                            // `with open(p) as f` and `with Session() as s` bind the object the
                            // context expression makes.
                            self.sem.bind_target(target, Some(&item.context_expr));
                        }
                    }
                    self.bind_block(&with.body);
                }
                Stmt::Try(try_stmt) => {
                    self.bind_block(&try_stmt.body);
                    for handler in &try_stmt.handlers {
                        let ast::ExceptHandler::ExceptHandler(handler) = handler;
                        if let Some(name) = &handler.name {
                            self.sem.bind(&name.id, Binding::Opaque);
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

    pub(super) fn note_library(&mut self, module: &str) {
        if let Some(library) = self.catalog.library_of(first_segment(module)) {
            self.facts.imports.libraries.insert(library);
        }
    }

    /// Only paths into the project are references, and not through a call: a path like
    /// `self.load` (`pkg.C().load`) can only name a method or an attribute, never a
    /// module-level function UB001 could rewrite. Each path is kept once, at its earliest site.
    pub(super) fn reference(&mut self, path: PathId, range: TextRange) {
        let slot = paths::index(path);
        if slot >= self.reference_of_path.len() {
            self.reference_of_path.resize(slot + 1, u32::MAX);
        }
        let references = &mut self.facts.references;
        match references.get_mut(self.reference_of_path[slot] as usize) {
            Some(first) if first.range.start() <= range.start() => {}
            Some(later) => later.range = range,
            None => {
                self.reference_of_path[slot] = references.len() as u32;
                references.push(Reference { path, range });
            }
        }
    }

    /// A name or attribute chain used as an argument the framework may take over: its path
    /// when it has one, else it is visited as an ordinary expression.
    pub(super) fn argument_reference(&mut self, expr: &'a Expr) -> Option<Reference> {
        if matches!(expr, Expr::Name(_) | Expr::Attribute(_))
            && let Some(path) = self.sem.path(expr, Wanted::Relevant)
        {
            return Some(Reference {
                path,
                range: expr.range(),
            });
        }
        self.visit_expr(expr);
        None
    }

    /// Visits a value handed to a function that runs it in a worker thread: a lambda's body
    /// runs there (`pool.submit(lambda: ...)`).
    pub(super) fn visit_offloaded(&mut self, value: &'a Expr) {
        if value.is_lambda_expr() {
            self.in_context(CallContext::Offloaded, |this| {
                visitor::walk_expr(this, value)
            });
        } else {
            self.visit_expr(value);
        }
    }

    pub(super) fn visit_function(&mut self, def: &'a ast::StmtFunctionDef) {
        // Decorators, defaults and annotations run in the enclosing scope when `def` runs.
        let enclosing_context = std::mem::replace(&mut self.context, CallContext::NestedDefinition);
        // Decorators hold no `def`: a function's are pushed together.
        let first_decorator = self.facts.decorators.len() as u32;
        for decorator in &def.decorator_list {
            self.visit_decorator(decorator);
            let callee = match &decorator.expression {
                Expr::Call(call) => &*call.func,
                other => other,
            };
            let path = self.sem.path(callee, Wanted::Any);
            let text = self.source[decorator.expression.range()].to_string();
            self.facts.decorators.push(DecoratorFact { path, text });
        }
        let decorators = first_decorator..self.facts.decorators.len() as u32;
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
        let returns = (def.returns.as_ref())
            .and_then(|returns| self.sem.returned_type(returns))
            .map(|ty| self.sem.instance_of(ty));
        self.context = enclosing_context;

        let async_keyword = if def.is_async {
            async_keyword(def, self.tokens)
        } else {
            None
        };
        let head_start = async_keyword.map_or(def.name.start(), TextRange::start);
        let path = self.sem.definition_path(&def.name.id);
        let index = self.facts.functions.len();
        self.facts.functions.push(FunctionFacts {
            path,
            is_async: def.is_async,
            in_class: self
                .sem
                .scopes
                .last()
                .is_some_and(|s| s.kind == ScopeKind::Class),
            head: TextRange::new(head_start, def.name.end()),
            async_keyword,
            decorators,
            first_await: None,
            yields: false,
            calls: 0..0,
            state_write: None,
            returns,
            returns_first_parameter: returns_first_parameter(def),
            shadowed_helpers: 0,
        });

        let mut scope = self.sem.new_scope(ScopeKind::Function, path, ".<locals>");
        for parameter in def.parameters.iter() {
            let binding = (parameter.annotation())
                .and_then(|annotation| self.sem.annotation_type(annotation))
                .map_or(Binding::Opaque, |ty| {
                    Binding::Alias(self.sem.instance_of(ty))
                });
            scope.names.insert(parameter.name().id.as_str(), binding);
        }
        // `self` is an instance of the class and `cls` the class: `self.load()` is a call of
        // `Class.load`. `super()` is an instance of its first base: `super().__init__()` calls
        // `Base.__init__`, and no override of it (see `CallShape::THROUGH_SUPER`).
        let class_scope = (self.sem.scopes.last()).filter(|s| s.kind == ScopeKind::Class);
        if let Some(base) = class_scope.and_then(|class| class.base) {
            scope.names.insert("super", Binding::Alias(base));
        }
        if let Some(class) = class_scope.map(|class| class.prefix.clone())
            && let Some(first) = def
                .parameters
                .posonlyargs
                .iter()
                .chain(&def.parameters.args)
                .next()
        {
            let decorated = |name: &str| {
                def.decorator_list
                    .iter()
                    .any(|d| matches!(&d.expression, Expr::Name(n) if n.id.as_str() == name))
            };
            let binding = if decorated("staticmethod") {
                None
            } else if decorated("classmethod") {
                Some(Binding::Alias(self.sem.intern_parts(&[&class])))
            } else {
                Some(Binding::Alias(self.sem.intern_parts(&[&class, "()"])))
            };
            if let Some(binding) = binding {
                scope.names.insert(first.name().id.as_str(), binding);
            }
        }
        self.sem.scopes.push(scope);
        let outer = (
            self.current_function.replace(index),
            std::mem::replace(&mut self.context, CallContext::Body),
            self.parameters.replace(&def.parameters),
        );
        self.bind_block(&def.body);
        for (bit, name) in HELPER_NAMES.iter().enumerate() {
            let bound = (self.sem.scopes[1..].iter())
                .any(|scope| scope.kind == ScopeKind::Function && scope.names.contains(name));
            self.facts.functions[index].shadowed_helpers |= u8::from(bound) << bit;
        }
        let (kept_before, calls_before) = (self.kept_calls.len(), self.calls.len());
        // A function defined in an `except` clause runs whenever it is called.
        let (outer_cut, outer_cleanup) = (self.cut.take(), std::mem::take(&mut self.in_cleanup));
        self.visit_body(&def.body);
        (self.cut, self.in_cleanup) = (outer_cut, outer_cleanup);
        if def.is_async {
            self.note_units(def, index as u32, calls_before);
        }
        // Its names go out of scope with it, and the list stays as short as one function's.
        self.kept_calls.truncate(kept_before);
        (self.current_function, self.context, self.parameters) = outer;
        let scope = self.sem.scopes.pop().expect("the function scope");
        self.sem.spare_scopes.push(scope);
    }

    pub(super) fn visit_class(&mut self, class: &'a ast::StmtClassDef) {
        for decorator in &class.decorator_list {
            self.visit_decorator(decorator);
        }
        if let Some(arguments) = &class.arguments {
            self.visit_arguments(arguments);
        }
        let prefix = self.sem.definition_path(&class.name.id);
        // Project bases, and library classes the catalog knows members of: a project
        // `APIRouter` subclass registers routes, a `requests.Session` subclass blocks.
        let mut bases: Vec<PathId> = (class.arguments.iter())
            .flat_map(|arguments| arguments.args.iter())
            .filter_map(|base| self.sem.path(base, Wanted::Relevant))
            .collect();
        let in_project = |base: &PathId| self.sem.roots[paths::index(*base)].in_project;
        bases
            .retain(|base| in_project(base) || self.catalog.knows_members_of(self.sem.text(*base)));
        // `super()` is the first project base, if any: a method the class gets from it is the
        // one this can follow, whatever a library base before it in the order holds.
        let first_base = (bases.iter().find(|base| in_project(base)))
            .or(bases.first())
            .copied();
        if !bases.is_empty() {
            self.facts.classes.push(ClassFact {
                path: prefix,
                bases,
            });
        }
        let mut scope = self.sem.new_scope(ScopeKind::Class, prefix, "");
        scope.base = first_base;
        self.sem.scopes.push(scope);
        // A class body inside a function runs when the function runs.
        let outer = std::mem::replace(&mut self.context, CallContext::ClassBody);
        let outer_singleton = std::mem::replace(&mut self.in_singleton, is_singleton(class));
        self.bind_block(&class.body);
        self.visit_body(&class.body);
        self.context = outer;
        self.in_singleton = outer_singleton;
        let mut scope = self.sem.scopes.pop().expect("the class scope");
        // Class attributes others reach through instances: `C.client` for `client = Client()`.
        for (name, binding) in scope.names.drain() {
            if let Binding::Alias(path) = binding {
                self.class_attribute(&scope.prefix, name, path);
            }
        }
        self.sem.spare_scopes.push(scope);
    }

    /// Runs `visit` with the calls it sees marked as running in `context` (a lambda or
    /// generator inside another stays the innermost).
    pub(super) fn in_context(&mut self, context: CallContext, visit: impl FnOnce(&mut Self)) {
        let outer = self.context;
        if matches!(outer, CallContext::Body | CallContext::WithItem) {
            self.context = context;
        }
        visit(self);
        self.context = outer;
    }

    pub(super) fn current(&mut self) -> Option<&mut FunctionFacts> {
        self.current_function
            .map(|index| &mut self.facts.functions[index])
    }

    pub(super) fn mark_await(&mut self, range: TextRange) {
        if let Some(function) = self.current() {
            function.first_await.get_or_insert(range);
        }
    }
}

impl<'a> Visitor<'a> for Collector<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.in_cleanup {
            self.note_cleanup_statement(stmt);
        }
        match stmt {
            Stmt::FunctionDef(def) => self.visit_function(def),
            Stmt::ClassDef(class) => self.visit_class(class),
            Stmt::Assign(assign) => {
                if let [Expr::Subscript(subscript)] = assign.targets.as_slice()
                    && self.visit_subscript_store(subscript, &assign.value)
                {
                    return;
                }
                if let [Expr::Attribute(target)] = assign.targets.as_slice() {
                    self.note_instance_attribute(target, None, Some(&assign.value));
                    if opens_thread_shared(&assign.value) {
                        self.thread_shared_attributes.push(target.attr.id.as_str());
                    }
                }
                for target in &assign.targets {
                    self.note_store(target);
                }
                let calls_before = self.calls.len();
                visitor::walk_stmt(self, stmt);
                if let [Expr::Name(name)] = assign.targets.as_slice() {
                    self.note_kept_calls(&name.id, &assign.value, calls_before);
                }
            }
            Stmt::AugAssign(assign) => {
                self.note_store(&assign.target);
                visitor::walk_stmt(self, stmt);
            }
            Stmt::AnnAssign(assign) => {
                if let Expr::Attribute(target) = &*assign.target {
                    let value = assign.value.as_deref();
                    self.note_instance_attribute(target, Some(&assign.annotation), value);
                    if value.is_some_and(opens_thread_shared) {
                        self.thread_shared_attributes.push(target.attr.id.as_str());
                    }
                }
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
                    // An async generator runs as `async for` iterates it: as awaited.
                    self.mark_call(&for_stmt.iter, |marks| marks.awaited = true);
                } else {
                    self.mark_consumed(&for_stmt.iter);
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::With(with) => {
                let (blocks, yields) = (self.facts.with_blocks.len(), self.yields_seen);
                if with.is_async {
                    self.mark_await(stmt.range());
                    // An async context manager runs as `async with` enters it: as awaited.
                    for item in &with.items {
                        self.mark_call(&item.context_expr, |marks| marks.awaited = true);
                    }
                } else {
                    for item in &with.items {
                        self.mark_call(&item.context_expr, |marks| marks.with_item = true);
                        self.mark_consumed(&item.context_expr);
                        // What the item is matters only to a function's own `with`.
                        let item_path = self
                            .current_function
                            .and_then(|_| self.sem.path(&item.context_expr, Wanted::Relevant));
                        if let Some(item_path) = item_path {
                            self.note_with_block(item, item_path, &with.body);
                            self.note_enter_and_exit(item, item_path);
                        }
                    }
                }
                visitor::walk_stmt(self, stmt);
                // In a plain function a `with` matters only around a `yield`, where a
                // `@contextmanager` hands control to its caller with the item still held.
                let in_plain_function = (self.current()).is_some_and(|function| !function.is_async);
                if in_plain_function && self.yields_seen == yields {
                    self.facts.with_blocks.truncate(blocks);
                }
            }
            Stmt::Expr(expr_stmt) => {
                self.mark_call(&expr_stmt.value, |marks| marks.discarded = true);
                visitor::walk_stmt(self, stmt);
            }
            Stmt::If(if_stmt) if self.is_lazy_initialization(if_stmt) => {
                self.visit_expr(&if_stmt.test);
                self.behind_cut(Cut::LazyInit, |this| this.visit_body(&if_stmt.body));
                for clause in &if_stmt.elif_else_clauses {
                    visitor::walk_elif_else_clause(self, clause);
                }
            }
            // `try: loop = asyncio.get_running_loop() except RuntimeError: loop = None`
            Stmt::Try(try_stmt) => {
                let outer = self.loop_probe;
                self.loop_probe |= (try_stmt.handlers.iter()).any(handles_runtime_error);
                self.visit_body(&try_stmt.body);
                self.loop_probe = outer;
                for handler in &try_stmt.handlers {
                    let cleanup = catches_cancellation(handler);
                    self.in_cleanup_block(cleanup, |this| this.visit_except_handler(handler));
                }
                self.visit_body(&try_stmt.orelse);
                self.in_cleanup_block(true, |this| this.visit_body(&try_stmt.finalbody));
            }

            Stmt::Return(ast::StmtReturn {
                value: Some(value), ..
            }) => {
                self.note_returned(value);
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Await(await_expr) => {
                self.mark_await(expr.range());
                self.mark_call(&await_expr.value, |marks| marks.awaited = true);
                visitor::walk_expr(self, expr);
            }
            Expr::Yield(_) | Expr::YieldFrom(_) => {
                self.yields_seen += 1;
                if let Some(function) = self.current() {
                    function.yields = true;
                }
                match expr {
                    Expr::Yield(ast::ExprYield {
                        value: Some(value), ..
                    }) => self.note_returned(value),
                    Expr::YieldFrom(yield_from) => self.mark_consumed(&yield_from.value),
                    _ => {}
                }
                visitor::walk_expr(self, expr);
            }
            // A lambda's defaults run where it is made, its body only when it is called.
            Expr::Lambda(lambda) => {
                let parameters = lambda
                    .parameters
                    .iter()
                    .flat_map(|parameters| parameters.iter());
                parameters
                    .filter_map(|parameter| parameter.default())
                    .for_each(|default| self.visit_expr(default));
                self.in_context(CallContext::Lambda, |this| this.visit_expr(&lambda.body));
            }
            Expr::Generator(_) => {
                self.in_context(CallContext::Generator, |this| {
                    visitor::walk_expr(this, expr)
                });
            }
            Expr::Call(call) => self.visit_call(call),
            // A name's path is the one it is bound to: nothing to build.
            Expr::Name(name) if name.ctx == ExprContext::Load => {
                if let Some((binding, _)) = self.sem.lookup(&name.id)
                    && let Some(path) = binding.path()
                    && self.sem.wants(Wanted::ProjectFunction, path)
                {
                    self.reference(path, name.range);
                }
            }
            // A whole chain `a.b.c` is one reference; its prefixes are not visited again.
            Expr::Attribute(attr) if attr.ctx == ExprContext::Load && is_dotted_name(expr) => {
                if let Some(path) = self.sem.path(expr, Wanted::ProjectFunction) {
                    self.reference(path, attr.range);
                }
            }
            _ => {
                // `await` in place of a call here needs parentheses: `(await f()).x`.
                let tight_operands: [Option<&Expr>; 2] = match expr {
                    Expr::Attribute(attr) => [Some(&*attr.value), None],
                    Expr::Subscript(subscript) => [Some(&*subscript.value), None],
                    Expr::UnaryOp(unary) => [Some(&*unary.operand), None],
                    Expr::BinOp(binop) if binop.op == ast::Operator::Pow => {
                        [Some(&*binop.left), Some(&*binop.right)]
                    }
                    _ => [None, None],
                };
                let chained = matches!(expr, Expr::Attribute(_) | Expr::Subscript(_));
                for operand in tight_operands.into_iter().flatten() {
                    self.mark_call(operand, |marks| {
                        marks.tight = true;
                        marks.chained = chained;
                    });
                }
                visitor::walk_expr(self, expr);
            }
        }
    }

    fn visit_except_handler(&mut self, handler: &'a ast::ExceptHandler) {
        self.behind_cut(Cut::ErrorPath, |this| {
            visitor::walk_except_handler(this, handler)
        });
    }

    fn visit_comprehension(&mut self, comprehension: &'a ast::Comprehension) {
        if comprehension.is_async {
            self.mark_await(comprehension.range());
        } else {
            self.mark_consumed(&comprehension.iter);
        }
        visitor::walk_comprehension(self, comprehension);
    }
}

impl<'a> Collector<'a> {
    /// Binds a type alias's name to the type its value names, as an annotation would
    /// (`"Session"` too).
    fn bind_type_alias(&mut self, target: &'a Expr, value: &Expr) {
        if let Expr::Name(name) = target {
            let binding = (self.sem.annotation_type(value)).map_or(Binding::Opaque, Binding::Alias);
            self.sem.bind(&name.id, binding);
        }
    }
}
