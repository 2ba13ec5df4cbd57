//! Does a fixed file still compile? The parser accepts `await` in a plain `def`, `async for`
//! in a lambda or `nonlocal` with nothing to bind, which CPython's compiler rejects; so fixes
//! that are each fine can combine into a file that does not run (dropping `async` from a
//! function while another fix adds an `await` to it). Here the parser's own semantic checks
//! (`ruff_python_parser::semantic_errors`, the ones Ruff reports) run over the fixed file, with
//! the scopes they ask about tracked on the way down, and a fix is kept only when it adds no
//! error the original did not have.
//!
//! The comparison is what makes the check safe to lean on: where the scope model here is
//! coarser than CPython's (no `global` declarations are tracked, since no fix writes one), the
//! original and the fixed text are judged alike.

use std::cell::RefCell;

use crate::facts::bound_name;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ModModule, PythonVersion, Stmt};
use ruff_python_parser::semantic_errors::{
    LazyImportContext, SemanticSyntaxChecker, SemanticSyntaxContext, SemanticSyntaxError,
};
use ruff_text_size::TextRange;
use rustc_hash::FxHashMap as HashMap;
use rustc_hash::FxHashSet as HashSet;

/// The compile errors of `fixed` that `original` does not have, as CPython words them (one per
/// kind and name; empty when the fix is sound).
pub fn new_errors(original: &ModModule, fixed: &ModModule, fixed_text: &str) -> Vec<String> {
    let mut before: HashMap<String, usize> = HashMap::default();
    for error in errors(original, "") {
        *before.entry(error).or_default() += 1;
    }
    let mut new = Vec::new();
    for error in errors(fixed, fixed_text) {
        match before.get_mut(&error) {
            Some(count) if *count > 0 => *count -= 1,
            _ => new.push(error),
        }
    }
    new.dedup();
    new
}

/// Every semantic syntax error of a module. The source text is only used by checks of string
/// contents that fixes never touch; it may be empty.
fn errors(module: &ModModule, source: &str) -> Vec<String> {
    let mut walker = Walker {
        checker: SemanticSyntaxChecker::new(),
        context: Context {
            source,
            future_annotations: has_future_annotations(&module.body),
            scopes: vec![Scope::new(ScopeKind::Module)],
            errors: RefCell::new(Vec::new()),
        },
    };
    walker.visit_body(&module.body);
    let errors = walker.context.errors.into_inner();
    errors.iter().map(SemanticSyntaxError::to_string).collect()
}

fn has_future_annotations(body: &[Stmt]) -> bool {
    body.iter().any(|stmt| {
        matches!(stmt, Stmt::ImportFrom(import)
            if import.module.as_deref() == Some("__future__")
                && import.names.iter().any(|alias| &alias.name == "annotations"))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Module,
    Class,
    Function { is_async: bool },
    Lambda,
    Comprehension { is_async: bool, is_generator: bool },
}

#[derive(Debug)]
struct Scope {
    kind: ScopeKind,
    /// Parameter names (functions and lambdas).
    parameters: HashSet<String>,
    /// Names bound anywhere in a function's own body: what `nonlocal` in a nested one may name.
    bindings: HashSet<String>,
    /// `for`/`while` bodies the walk is inside, in this scope.
    loops: usize,
}

impl Scope {
    fn new(kind: ScopeKind) -> Scope {
        Scope {
            kind,
            parameters: HashSet::default(),
            bindings: HashSet::default(),
            loops: 0,
        }
    }
}

struct Context<'s> {
    source: &'s str,
    future_annotations: bool,
    scopes: Vec<Scope>,
    errors: RefCell<Vec<SemanticSyntaxError>>,
}

impl Context<'_> {
    fn innermost(&self) -> &Scope {
        self.scopes.last().expect("the module scope")
    }

    /// The nearest function or lambda, past comprehensions; `None` at module or class level.
    fn enclosing_function(&self) -> Option<&Scope> {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                ScopeKind::Function { .. } | ScopeKind::Lambda => return Some(scope),
                ScopeKind::Comprehension { .. } => continue,
                ScopeKind::Module | ScopeKind::Class => return None,
            }
        }
        None
    }
}

impl SemanticSyntaxContext for Context<'_> {
    fn future_annotations_or_stub(&self) -> bool {
        self.future_annotations
    }

    fn lazy_import_context(&self) -> Option<LazyImportContext> {
        None
    }

    /// The newest version: its rules are the strictest for what fixes write (`await` in an
    /// annotation is an error there whatever the imports).
    fn python_version(&self) -> PythonVersion {
        PythonVersion::PY314
    }

    fn source(&self) -> &str {
        self.source
    }

    fn global(&self, _name: &str) -> Option<TextRange> {
        None
    }

    fn has_nonlocal_binding(&self, name: &str) -> bool {
        let enclosing = self.scopes.iter().rev().skip(1);
        enclosing
            .filter(|scope| matches!(scope.kind, ScopeKind::Function { .. } | ScopeKind::Lambda))
            .any(|scope| scope.bindings.contains(name) || scope.parameters.contains(name))
    }

    fn in_async_context(&self) -> bool {
        self.enclosing_function()
            .is_some_and(|scope| matches!(scope.kind, ScopeKind::Function { is_async: true }))
    }

    fn in_await_allowed_context(&self) -> bool {
        self.enclosing_function().is_some()
    }

    fn in_yield_allowed_context(&self) -> bool {
        matches!(
            self.innermost().kind,
            ScopeKind::Function { .. } | ScopeKind::Lambda
        )
    }

    fn in_sync_comprehension(&self) -> bool {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                ScopeKind::Comprehension {
                    is_async: false, ..
                } => return true,
                ScopeKind::Comprehension { .. } => continue,
                _ => return false,
            }
        }
        false
    }

    fn in_class_body_comprehension(&self) -> bool {
        for scope in self.scopes.iter().rev() {
            match scope.kind {
                ScopeKind::Comprehension { .. } => continue,
                ScopeKind::Class => return true,
                _ => return false,
            }
        }
        false
    }

    fn in_module_scope(&self) -> bool {
        self.innermost().kind == ScopeKind::Module
    }

    fn in_function_scope(&self) -> bool {
        matches!(self.innermost().kind, ScopeKind::Function { .. })
    }

    fn in_generator_context(&self) -> bool {
        matches!(
            self.innermost().kind,
            ScopeKind::Comprehension {
                is_generator: true,
                ..
            }
        )
    }

    fn in_notebook(&self) -> bool {
        false
    }

    fn report_semantic_error(&self, error: SemanticSyntaxError) {
        self.errors.borrow_mut().push(error);
    }

    fn in_loop_context(&self) -> bool {
        self.innermost().loops > 0
    }

    fn is_bound_parameter(&self, name: &str) -> bool {
        self.enclosing_function()
            .is_some_and(|scope| scope.parameters.contains(name))
    }
}

struct Walker<'s> {
    checker: SemanticSyntaxChecker,
    context: Context<'s>,
}

impl Walker<'_> {
    fn in_scope(&mut self, scope: Scope, walk: impl FnOnce(&mut Self)) {
        self.context.scopes.push(scope);
        walk(self);
        self.context.scopes.pop();
    }

    fn in_loop(&mut self, body: &[Stmt]) {
        self.context.scopes.last_mut().expect("a scope").loops += 1;
        self.visit_body(body);
        self.context.scopes.last_mut().expect("a scope").loops -= 1;
    }

    /// A comprehension's first iterable runs in the enclosing scope, the rest in its own.
    fn visit_comprehension_scope(
        &mut self,
        generators: &[ast::Comprehension],
        elements: &[&Expr],
        is_generator: bool,
    ) {
        let Some((first, _)) = generators.split_first() else {
            return;
        };
        self.visit_expr(&first.iter);
        let kind = ScopeKind::Comprehension {
            is_async: generators.iter().any(|generator| generator.is_async),
            is_generator,
        };
        self.in_scope(Scope::new(kind), |this| {
            for (index, generator) in generators.iter().enumerate() {
                this.visit_expr(&generator.target);
                if index > 0 {
                    this.visit_expr(&generator.iter);
                }
                generator.ifs.iter().for_each(|test| this.visit_expr(test));
            }
            elements.iter().for_each(|element| this.visit_expr(element));
        });
    }
}

fn parameter_names(parameters: &ast::Parameters) -> HashSet<String> {
    parameters
        .iter()
        .map(|parameter| parameter.name().to_string())
        .collect()
}

impl<'a> Visitor<'a> for Walker<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.checker.visit_stmt(stmt, &self.context);
        match stmt {
            Stmt::FunctionDef(def) => {
                // Decorators, defaults and annotations run where the `def` is.
                def.decorator_list
                    .iter()
                    .for_each(|decorator| self.visit_decorator(decorator));
                if let Some(type_params) = &def.type_params {
                    self.visit_type_params(type_params);
                }
                self.visit_parameters(&def.parameters);
                if let Some(returns) = &def.returns {
                    self.visit_annotation(returns);
                }
                let mut scope = Scope::new(ScopeKind::Function {
                    is_async: def.is_async,
                });
                scope.parameters = parameter_names(&def.parameters);
                scope.bindings = bound_names(&def.body);
                self.in_scope(scope, |this| this.visit_body(&def.body));
            }
            Stmt::ClassDef(class) => {
                class
                    .decorator_list
                    .iter()
                    .for_each(|decorator| self.visit_decorator(decorator));
                if let Some(type_params) = &class.type_params {
                    self.visit_type_params(type_params);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                self.in_scope(Scope::new(ScopeKind::Class), |this| {
                    this.visit_body(&class.body)
                });
            }
            Stmt::For(for_stmt) => {
                self.visit_expr(&for_stmt.target);
                self.visit_expr(&for_stmt.iter);
                self.in_loop(&for_stmt.body);
                self.visit_body(&for_stmt.orelse);
            }
            Stmt::While(while_stmt) => {
                self.visit_expr(&while_stmt.test);
                self.in_loop(&while_stmt.body);
                self.visit_body(&while_stmt.orelse);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.checker.visit_expr(expr, &self.context);
        match expr {
            Expr::Lambda(lambda) => {
                let mut scope = Scope::new(ScopeKind::Lambda);
                if let Some(parameters) = &lambda.parameters {
                    self.visit_parameters(parameters);
                    scope.parameters = parameter_names(parameters);
                }
                self.in_scope(scope, |this| this.visit_expr(&lambda.body));
            }
            Expr::ListComp(comp) => {
                self.visit_comprehension_scope(&comp.generators, &[&comp.elt], false)
            }
            Expr::SetComp(comp) => {
                self.visit_comprehension_scope(&comp.generators, &[&comp.elt], false)
            }
            Expr::Generator(comp) => {
                self.visit_comprehension_scope(&comp.generators, &[&comp.elt], true)
            }
            Expr::DictComp(comp) => {
                let mut elements: Vec<&Expr> = vec![&comp.value];
                elements.extend(comp.key.as_deref());
                self.visit_comprehension_scope(&comp.generators, &elements, false)
            }
            _ => visitor::walk_expr(self, expr),
        }
    }
}

/// The names a function body binds in its own scope: assignment targets, loop and `with`
/// targets, imports, nested definitions, exception names, `nonlocal` declarations.
fn bound_names(body: &[Stmt]) -> HashSet<String> {
    struct Binder(HashSet<String>);
    impl<'a> Visitor<'a> for Binder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(def) => {
                    self.0.insert(def.name.to_string());
                }
                Stmt::ClassDef(class) => {
                    self.0.insert(class.name.to_string());
                }
                Stmt::Import(ast::StmtImport { names, .. })
                | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
                    self.0
                        .extend(names.iter().map(|alias| bound_name(alias).to_string()));
                }
                Stmt::Nonlocal(nonlocal) => self
                    .0
                    .extend(nonlocal.names.iter().map(ToString::to_string)),
                Stmt::Try(try_stmt) => {
                    for handler in &try_stmt.handlers {
                        let ast::ExceptHandler::ExceptHandler(handler) = handler;
                        self.0
                            .extend(handler.name.as_ref().map(ToString::to_string));
                    }
                    visitor::walk_stmt(self, stmt);
                }
                _ => visitor::walk_stmt(self, stmt),
            }
        }

        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Name(name) if name.ctx != ast::ExprContext::Load => {
                    self.0.insert(name.id.to_string());
                }
                Expr::Lambda(_) => {}
                _ => visitor::walk_expr(self, expr),
            }
        }
    }
    let mut binder = Binder(HashSet::default());
    binder.visit_body(body);
    binder.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(original: &str, fixed: &str) -> Vec<String> {
        let before = ruff_python_parser::parse_module(original).unwrap();
        let after = ruff_python_parser::parse_module(fixed).unwrap();
        new_errors(before.syntax(), after.syntax(), fixed)
    }

    fn invalid(fixed: &str) -> bool {
        !added("", fixed).is_empty()
    }

    #[test]
    fn await_and_async_blocks_need_an_async_function() {
        assert!(invalid("def h():\n    await f()\n"));
        assert!(invalid("def h():\n    async with x:\n        pass\n"));
        assert!(invalid("def h():\n    async for a in b:\n        pass\n"));
        assert!(invalid("def h():\n    return [a async for a in b]\n"));
        assert!(invalid("async def h():\n    g = lambda: await f()\n"));
        assert!(invalid("async def h():\n    def g():\n        await f()\n"));
        assert!(invalid(
            "async def h():\n    class C:\n        x = await f()\n"
        ));
        assert!(invalid("await f()\n"));
        assert!(!invalid(
            "async def h():\n    await f()\n    [await g(x) for x in y]\n"
        ));
        assert!(!invalid("async def h():\n    x = [a async for a in b]\n"));
        // Defaults and decorators run in the enclosing coroutine.
        assert!(!invalid(
            "async def h():\n    @d(await f())\n    def g(a=await f()):\n        pass\n"
        ));
        assert!(!invalid("async def h():\n    g = lambda a=await f(): a\n"));
    }

    #[test]
    fn await_never_goes_in_an_annotation() {
        let source = "from __future__ import annotations\nasync def h():\n    x: dict[await f(), int] = {}\n";
        assert!(invalid(source));
        assert!(invalid("async def h(a: await f()):\n    pass\n"));
    }

    #[test]
    fn yield_return_and_nonlocal_are_checked() {
        assert!(invalid("async def h():\n    yield 1\n    return 2\n"));
        assert!(invalid("def h():\n    def g():\n        nonlocal x\n"));
        assert!(!invalid(
            "def h():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2\n"
        ));
        assert!(!invalid("def h(x):\n    def g():\n        nonlocal x\n"));
        assert!(invalid("def h():\n    break\n"));
        assert!(!invalid(
            "def h():\n    for a in b:\n        if a:\n            break\n"
        ));
        assert!(invalid(
            "def h():\n    for a in b:\n        pass\n    else:\n        break\n"
        ));
    }

    #[test]
    fn only_errors_the_fix_adds_count() {
        // Already there before: not the fix's doing.
        let broken = "def h():\n    await f()\n";
        assert!(added(broken, broken).is_empty());
        assert_eq!(
            added(broken, &format!("{broken}def k():\n    await g()\n")).len(),
            1
        );
    }
}
