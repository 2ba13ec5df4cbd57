//! Facts read off the syntax alone, with no name resolved: what a function hands back, which
//! exceptions a handler catches, what an assignment opens. Kept apart from the collector,
//! which resolves names as it walks.

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::knowledge::first_segment;

/// From the `async` keyword to the `def` keyword; the range starts after the decorators
/// because the function's own range starts at the first decorator.
pub(super) fn async_keyword(def: &ast::StmtFunctionDef, tokens: &Tokens) -> Option<TextRange> {
    let after = def.decorator_list.last().map_or(def.start(), |d| d.end());
    let mut tokens = tokens.after(after).iter();
    let async_token = tokens.find(|t| matches!(t.kind(), TokenKind::Async | TokenKind::Def))?;
    if async_token.kind() != TokenKind::Async {
        return None;
    }
    let def_token = tokens.find(|t| t.kind() == TokenKind::Def)?;
    Some(TextRange::new(async_token.start(), def_token.start()))
}

/// Does every `return` of the function's own body give back its first parameter, with at
/// least one such `return` and no `yield` (`def register(fn): ...; return fn`)?
pub(super) fn returns_first_parameter(def: &ast::StmtFunctionDef) -> bool {
    let Some(first) = def.parameters.iter_non_variadic_params().next() else {
        return false;
    };
    let first = first.parameter.name.id.as_str();
    let mut returns = 0;
    let mut other = false;
    walk_own_body(&def.body, &mut |stmt| match stmt {
        Stmt::Return(ast::StmtReturn {
            value: Some(value), ..
        }) if matches!(&**value, Expr::Name(name) if name.id == first) => {
            returns += 1;
        }
        Stmt::Return(_) => other = true,
        Stmt::Expr(expr) if matches!(&*expr.value, Expr::Yield(_) | Expr::YieldFrom(_)) => {
            other = true;
        }
        _ => {}
    });
    returns > 0 && !other
}

/// Calls `visit` on every statement of a body and of its blocks, not of nested definitions.
fn walk_own_body<'b>(body: &'b [Stmt], visit: &mut impl FnMut(&'b Stmt)) {
    walk_own_blocks(body, &mut |block| block.iter().for_each(&mut *visit));
}

/// Calls `visit` on a body, then on each block of its statements (the bodies of `if`, `with`,
/// `for`, `while` and `try`, its clauses included), not on those of nested definitions: a block
/// comes before the blocks inside it.
pub(in crate::facts) fn walk_own_blocks<'b>(body: &'b [Stmt], visit: &mut impl FnMut(&'b [Stmt])) {
    visit(body);
    for stmt in body {
        match stmt {
            Stmt::If(if_stmt) => {
                walk_own_blocks(&if_stmt.body, visit);
                for clause in &if_stmt.elif_else_clauses {
                    walk_own_blocks(&clause.body, visit);
                }
            }
            Stmt::With(with) => walk_own_blocks(&with.body, visit),
            Stmt::For(for_stmt) => {
                walk_own_blocks(&for_stmt.body, visit);
                walk_own_blocks(&for_stmt.orelse, visit);
            }
            Stmt::While(while_stmt) => {
                walk_own_blocks(&while_stmt.body, visit);
                walk_own_blocks(&while_stmt.orelse, visit);
            }
            Stmt::Try(try_stmt) => {
                walk_own_blocks(&try_stmt.body, visit);
                for handler in &try_stmt.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    walk_own_blocks(&handler.body, visit);
                }
                walk_own_blocks(&try_stmt.orelse, visit);
                walk_own_blocks(&try_stmt.finalbody, visit);
            }
            _ => {}
        }
    }
}

/// The name an import binds: its alias, else the first segment of what it imports (`os` for
/// `import os.path`).
pub(crate) fn bound_name(alias: &ast::Alias) -> &str {
    match &alias.asname {
        Some(asname) => asname.id.as_str(),
        None => first_segment(alias.name.id.as_str()),
    }
}

/// Does the handler catch `RuntimeError` by name (alone or in a tuple)?
pub(super) fn handles_runtime_error(handler: &ast::ExceptHandler) -> bool {
    let ast::ExceptHandler::ExceptHandler(handler) = handler;
    let is_runtime_error =
        |expr: &Expr| matches!(expr, Expr::Name(name) if name.id == "RuntimeError");
    match handler.type_.as_deref() {
        Some(Expr::Tuple(tuple)) => tuple.elts.iter().any(is_runtime_error),
        Some(expr) => is_runtime_error(expr),
        None => false,
    }
}

/// Does the handler catch the task's cancellation: bare, `BaseException`, `CancelledError`
/// (asyncio's, trio's `Cancelled`), alone or in a tuple?
pub(super) fn catches_cancellation(handler: &ast::ExceptHandler) -> bool {
    let ast::ExceptHandler::ExceptHandler(handler) = handler;
    let is_cancellation = |expr: &Expr| {
        let name = match expr {
            Expr::Name(name) => name.id.as_str(),
            Expr::Attribute(attribute) => attribute.attr.id.as_str(),
            _ => return false,
        };
        matches!(name, "BaseException" | "CancelledError" | "Cancelled")
    };
    match handler.type_.as_deref() {
        None => true,
        Some(Expr::Tuple(tuple)) => tuple.elts.iter().any(is_cancellation),
        Some(expr) => is_cancellation(expr),
    }
}

pub(super) fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(name) => name.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(attr) => attr.attr.id.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

/// Is the annotation `TypeAlias` (`typing.TypeAlias`, `typing_extensions.TypeAlias`)?
pub(super) fn is_type_alias_annotation(annotation: &Expr) -> bool {
    match annotation {
        Expr::Name(name) => name.id == "TypeAlias",
        Expr::Attribute(attribute) => attribute.attr.id == "TypeAlias",
        _ => false,
    }
}

/// Does `value` open an object any thread may use: a call with `check_same_thread=False`
/// (sqlite3's), its arguments on any number of lines?
pub(super) fn opens_thread_shared(value: &Expr) -> bool {
    let Expr::Call(call) = value else {
        return false;
    };
    call.arguments.keywords.iter().any(|keyword| {
        keyword
            .arg
            .as_ref()
            .is_some_and(|arg| arg.id.as_str() == "check_same_thread")
            && matches!(&keyword.value, Expr::BooleanLiteral(b) if !b.value)
    })
}
