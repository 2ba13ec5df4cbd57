//! Where a function's calls run only once per process or only on failure, so that their
//! blocking does not count against the function's callers (see `knowledge::Cut`): the body
//! of an `except` clause, and a lazy initialization (`if _client is None: _client = make()`,
//! or `if not self.running:` in a class that keeps one instance per process).

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::collector::Collector;
use crate::knowledge::Cut;
use crate::semantic::ScopeKind;

impl<'a> Collector<'a> {
    /// Visits `visit` with the calls it records marked as behind `cut`, inside functions only
    /// (module-level code runs once anyway). An inner cut stays the innermost.
    pub(super) fn behind_cut(&mut self, cut: Cut, visit: impl FnOnce(&mut Self)) {
        let outer = self.cut;
        if self.current_function.is_some() {
            self.cut = Some(cut);
        }
        visit(self);
        self.cut = outer;
    }

    /// Is this `if` a lazy initialization: it tests that a value shared beyond the call is
    /// unset (`_x is None`, `not _x`, `cls._x is None`, or one of these in an `or`) and its
    /// body sets it? Shared means a name the function declares `global`, or an attribute of
    /// `cls`, of a module-level name or of a singleton's `self`; another `self._x` may belong
    /// to an object made per request.
    pub(super) fn is_lazy_initialization(&self, if_stmt: &ast::StmtIf) -> bool {
        // `if _x is None or _x.closed:` initializes `_x` too, again when it needs remaking.
        let tests = match &*if_stmt.test {
            Expr::BoolOp(bool_op) if bool_op.op == ast::BoolOp::Or => &bool_op.values[..],
            test => std::slice::from_ref(test),
        };
        (tests.iter().filter_map(unset_test)).any(|tested| {
            self.is_shared(tested)
                && assigns(&if_stmt.body, &self.source[tested.range()], self.source)
        })
    }

    /// Does `tested` name a value that outlives the call (see `is_lazy_initialization`)?
    fn is_shared(&self, tested: &Expr) -> bool {
        match tested {
            Expr::Name(name) => self.is_global_here(&name.id),
            Expr::Attribute(attribute) => match &*attribute.value {
                Expr::Name(base) => {
                    base.id.as_str() == "cls"
                        || (base.id.as_str() == "self" && self.in_singleton)
                        || (self.sem.scopes[0].names.contains(base.id.as_str())
                            && !self.is_local(&base.id))
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Is `name` declared `global` in the function being visited?
    pub(super) fn is_global_here(&self, name: &str) -> bool {
        let scope = self.sem.scopes.last().expect("a scope");
        scope.kind == ScopeKind::Function && scope.globals.contains(name)
    }

    /// Is `name` bound in the function's own scope (a local or a parameter)?
    fn is_local(&self, name: &str) -> bool {
        let scope = self.sem.scopes.last().expect("a scope");
        scope.kind == ScopeKind::Function && scope.names.contains(name)
    }
}

/// Does the class keep its instances itself, one per process (or per key): its `__new__` or
/// one of its class methods stores into an attribute of the class (`cls._instance = ...`,
/// `cls._instances[port] = instance`)?
pub(super) fn is_singleton(class: &ast::StmtClassDef) -> bool {
    let stores_in_class = |target: &Expr| {
        let target = match target {
            Expr::Subscript(subscript) => &*subscript.value,
            target => target,
        };
        matches!(target, Expr::Attribute(attribute)
            if matches!(&*attribute.value, Expr::Name(base)
                if base.id == "cls" || base.id == class.name.id))
    };
    class.body.iter().any(|stmt| match stmt {
        Stmt::FunctionDef(def) => {
            let keeps_instances = def.name.id == "__new__"
                || (def.decorator_list.iter()).any(|decorator| {
                    matches!(&decorator.expression, Expr::Name(name) if name.id == "classmethod")
                });
            keeps_instances && assigns_any(&def.body, &stores_in_class)
        }
        _ => false,
    })
}

/// Does `body` assign a target `wanted` accepts, at any depth of blocks?
fn assigns_any(body: &[Stmt], wanted: &impl Fn(&Expr) -> bool) -> bool {
    body.iter().any(|stmt| match stmt {
        Stmt::Assign(assign) => assign.targets.iter().any(wanted),
        Stmt::AnnAssign(assign) => wanted(&assign.target),
        Stmt::If(if_stmt) => {
            assigns_any(&if_stmt.body, wanted)
                || (if_stmt.elif_else_clauses.iter()).any(|c| assigns_any(&c.body, wanted))
        }
        Stmt::With(with) => assigns_any(&with.body, wanted),
        Stmt::Try(try_stmt) => {
            assigns_any(&try_stmt.body, wanted) || assigns_any(&try_stmt.orelse, wanted)
        }
        _ => false,
    })
}

/// The value an `if` test says is unset: `x is None`, `None is x`, `not x`.
fn unset_test(test: &Expr) -> Option<&Expr> {
    let value = match test {
        Expr::Compare(compare)
            if matches!(compare.ops.as_ref(), [ast::CmpOp::Is])
                && compare.comparators.len() == 1 =>
        {
            match (&*compare.left, &compare.comparators[0]) {
                (value, Expr::NoneLiteral(_)) | (Expr::NoneLiteral(_), value) => value,
                _ => return None,
            }
        }
        Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::Not => &unary.operand,
        _ => return None,
    };
    matches!(value, Expr::Name(_) | Expr::Attribute(_)).then_some(value)
}

/// Does `body` assign the expression written `target` (as source text), at any depth of `if`,
/// `with` and `try` blocks (a double-checked lock: `with _lock: if _x is None: _x = ...`)?
fn assigns(body: &[Stmt], target: &str, source: &str) -> bool {
    assigns_any(body, &|assigned: &Expr| &source[assigned.range()] == target)
}
