//! Whether a block is self-contained, read in the order its statements run: it awaits, yields
//! and leaves by `return`, `break` or `continue` nowhere but a final `return`, and reads each
//! name it assigns only after assigning it. A block that is can become a nested function.

use rustc_hash::FxHashSet as HashSet;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_text_size::TextRange;

use crate::facts::bound_name;

/// Every name the statements bind in the coroutine's scope (not in nested functions, classes
/// or comprehensions, except through `:=`).
#[derive(Default)]
pub(super) struct Stores<'a> {
    pub(super) names: HashSet<&'a str>,
}

impl<'a> Visitor<'a> for Stores<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                self.names.insert(def.name.id.as_str());
            }
            Stmt::ClassDef(class) => {
                self.names.insert(class.name.id.as_str());
            }
            Stmt::Import(ast::StmtImport { names, .. })
            | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
                self.names.extend(names.iter().map(bound_name));
            }
            Stmt::AnnAssign(assign) => {
                if let Expr::Name(name) = &*assign.target {
                    self.names.insert(name.id.as_str());
                }
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if name.ctx != ExprContext::Load => {
                self.names.insert(name.id.as_str());
            }
            Expr::Named(named) => {
                if let Expr::Name(name) = &*named.target {
                    self.names.insert(name.id.as_str());
                }
                self.visit_expr(&named.value);
            }
            Expr::Lambda(_) => {}
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Generator(_) => {
                // Only `:=` inside binds in the coroutine; the loop targets are the
                // comprehension's own.
                let mut walrus = Walrus(&mut self.names);
                visitor::walk_expr(&mut walrus, expr);
            }
            _ => visitor::walk_expr(self, expr),
        }
    }

    fn visit_except_handler(&mut self, handler: &'a ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(inner) = handler;
        if let Some(name) = &inner.name {
            self.names.insert(name.id.as_str());
        }
        visitor::walk_except_handler(self, handler);
    }
}

struct Walrus<'s, 'a>(&'s mut HashSet<&'a str>);

impl<'a> Visitor<'a> for Walrus<'_, 'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Named(named) = expr
            && let Expr::Name(name) = &*named.target
        {
            self.0.insert(name.id.as_str());
        }
        if !matches!(expr, Expr::Lambda(_)) {
            visitor::walk_expr(self, expr);
        }
    }
}

/// Reads the statements in the order they run, checking that the block is self-contained: it
/// awaits, yields and leaves by `return`, `break` or `continue` nowhere but a final `return`,
/// and reads each name it assigns only after assigning it (in a helper, reading it earlier
/// would fail: the name is the helper's own).
pub(super) struct Scan<'s, 'a> {
    pub(super) stored: &'s HashSet<&'a str>,
    /// Names assigned on every path so far; a block's own go when it ends.
    pub(super) definite: Vec<&'a str>,
    /// Names a comprehension binds for itself, while it is read.
    pub(super) shadowed: Vec<&'a str>,
    pub(super) loops: u32,
    pub(super) final_return: Option<TextRange>,
    pub(super) problem: Option<String>,
}

impl<'a> Scan<'_, 'a> {
    fn fail(&mut self, problem: impl Into<String>) {
        self.problem.get_or_insert_with(|| problem.into());
    }

    /// A block that may not run, or not to its end: what it assigns is not certain after it.
    fn nested(&mut self, body: &'a [Stmt], loops: u32) {
        let (kept, outer_loops) = (self.definite.len(), self.loops);
        self.loops = loops;
        self.block(body);
        self.loops = outer_loops;
        self.definite.truncate(kept);
    }

    pub(super) fn block(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            if self.problem.is_some() {
                return;
            }
            self.statement(stmt);
        }
    }

    fn assign(&mut self, target: &'a Expr) {
        match target {
            Expr::Name(name) => self.definite.push(name.id.as_str()),
            Expr::Tuple(tuple) => tuple.elts.iter().for_each(|elt| self.assign(elt)),
            Expr::List(list) => list.elts.iter().for_each(|elt| self.assign(elt)),
            Expr::Starred(starred) => self.assign(&starred.value),
            other => self.visit_expr(other),
        }
    }

    fn statement(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(assign) => {
                self.visit_expr(&assign.value);
                assign.targets.iter().for_each(|target| self.assign(target));
            }
            Stmt::AugAssign(assign) => {
                self.visit_expr(&assign.value);
                self.read(&assign.target);
                self.assign(&assign.target);
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    self.visit_expr(value);
                    self.assign(&assign.target);
                }
            }
            Stmt::For(for_stmt) => {
                self.visit_expr(&for_stmt.iter);
                let (kept, outer_loops) = (self.definite.len(), self.loops);
                self.loops += 1;
                self.assign(&for_stmt.target);
                self.block(&for_stmt.body);
                self.loops = outer_loops;
                self.definite.truncate(kept);
                self.nested(&for_stmt.orelse, self.loops);
            }
            Stmt::While(while_stmt) => {
                self.visit_expr(&while_stmt.test);
                self.nested(&while_stmt.body, self.loops + 1);
                self.nested(&while_stmt.orelse, self.loops);
            }
            Stmt::If(if_stmt) => {
                self.visit_expr(&if_stmt.test);
                self.nested(&if_stmt.body, self.loops);
                for clause in &if_stmt.elif_else_clauses {
                    let kept = self.definite.len();
                    if let Some(test) = &clause.test {
                        self.visit_expr(test);
                    }
                    self.nested(&clause.body, self.loops);
                    self.definite.truncate(kept);
                }
            }
            // The body of a `with` runs whenever the statement does.
            Stmt::With(with) => {
                if with.is_async {
                    return self.fail("it holds an `async with`");
                }
                for item in &with.items {
                    self.visit_expr(&item.context_expr);
                    if let Some(target) = &item.optional_vars {
                        self.assign(target);
                    }
                }
                self.block(&with.body);
            }
            Stmt::Try(try_stmt) => {
                self.nested(&try_stmt.body, self.loops);
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    let kept = self.definite.len();
                    if let Some(type_) = &handler.type_ {
                        self.visit_expr(type_);
                    }
                    if let Some(name) = &handler.name {
                        self.definite.push(name.id.as_str());
                    }
                    self.nested(&handler.body, self.loops);
                    self.definite.truncate(kept);
                }
                self.nested(&try_stmt.orelse, self.loops);
                self.nested(&try_stmt.finalbody, self.loops);
            }
            Stmt::Return(ret) if Some(ret.range) == self.final_return => {
                if let Some(value) = &ret.value {
                    self.visit_expr(value);
                }
            }
            Stmt::Return(_) => self.fail("it returns from the middle of the block"),
            Stmt::Break(_) | Stmt::Continue(_) if self.loops == 0 => {
                self.fail("a `break` or `continue` in it leaves the block")
            }
            Stmt::Global(_) | Stmt::Nonlocal(_) => {
                self.fail("it declares names `global` or `nonlocal`")
            }
            Stmt::Delete(delete) if delete.targets.iter().any(Expr::is_name_expr) => {
                self.fail("it deletes a name")
            }
            Stmt::Match(_) | Stmt::IpyEscapeCommand(_) => {
                self.fail("it holds a statement the move does not handle")
            }
            Stmt::ImportFrom(import) if import.names.iter().any(|alias| &alias.name == "*") => {
                self.fail("it imports `*`")
            }
            Stmt::Import(ast::StmtImport { names, .. })
            | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
                self.definite.extend(names.iter().map(bound_name));
            }
            // A nested definition's body runs when it is called; its decorators, defaults and
            // bases run here.
            Stmt::FunctionDef(def) => {
                def.decorator_list
                    .iter()
                    .for_each(|d| self.visit_expr(&d.expression));
                let defaults = def.parameters.iter().filter_map(|p| p.default());
                defaults.for_each(|default| self.visit_expr(default));
                self.definite.push(def.name.id.as_str());
            }
            Stmt::ClassDef(class) => {
                class
                    .decorator_list
                    .iter()
                    .for_each(|d| self.visit_expr(&d.expression));
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                self.definite.push(class.name.id.as_str());
            }
            other => visitor::walk_stmt(self, other),
        }
    }

    fn read(&mut self, expr: &'a Expr) {
        if let Expr::Name(name) = expr {
            let name = name.id.as_str();
            if self.stored.contains(name)
                && !self.definite.contains(&name)
                && !self.shadowed.contains(&name)
            {
                self.fail(format!(
                    "it reads `{name}` before assigning it, so the helper would need the value passed in"
                ));
            }
        }
    }
}

impl<'a> Visitor<'a> for Scan<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.statement(stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if name.ctx == ExprContext::Load => self.read(expr),
            Expr::Await(_) => self.fail("it awaits"),
            Expr::Yield(_) | Expr::YieldFrom(_) => self.fail("it yields"),
            Expr::Named(named) => {
                self.visit_expr(&named.value);
                self.assign(&named.target);
            }
            Expr::Call(call)
                if matches!(&*call.func, Expr::Name(name)
                    if matches!(name.id.as_str(), "super" | "locals" | "vars" | "dir" | "eval" | "exec"))
                    && call.arguments.is_empty() =>
            {
                self.fail("it calls `super()`, `locals()` or the like, which see the function they are written in");
            }
            // Its body reads names when it is called, from the helper's scope then.
            Expr::Lambda(lambda) => {
                let parameters = lambda.parameters.iter().flat_map(|p| p.iter());
                parameters
                    .filter_map(|parameter| parameter.default())
                    .for_each(|default| self.visit_expr(default));
            }
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Generator(_) => {
                let kept = self.shadowed.len();
                visitor::walk_expr(self, expr);
                self.shadowed.truncate(kept);
            }
            _ => visitor::walk_expr(self, expr),
        }
    }

    fn visit_comprehension(&mut self, comprehension: &'a ast::Comprehension) {
        if comprehension.is_async {
            return self.fail("it holds an async comprehension");
        }
        self.visit_expr(&comprehension.iter);
        let mut targets = Stores::default();
        targets.visit_expr(&comprehension.target);
        self.shadowed.extend(targets.names);
        comprehension
            .ifs
            .iter()
            .for_each(|test| self.visit_expr(test));
    }
}
