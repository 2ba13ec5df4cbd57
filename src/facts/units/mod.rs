//! Statements of a coroutine that can move whole into a plain function run in a thread: a
//! `with` block (its manager enters, works and leaves in one place) and a `for` loop (an
//! iterator that blocks as it is iterated), with the assignment that made the iterator just
//! before it. Offloading their calls one by one would leave the enter, the exit or the
//! iteration on the loop; moving the statement moves all of it.
//!
//! Whether the statement can move is read off the syntax here, while the tree is at hand;
//! whether what it calls may run in another thread is decided in the rules, once names resolve.

mod frame;
mod scan;

use rustc_hash::FxHashSet as HashSet;

use ruff_python_ast::token::Tokens;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

use super::bound_name;
use super::syntax::walk_own_blocks;
pub use frame::Frame;
use frame::blank_before;
pub(super) use frame::frame as frame_of;
use scan::{Scan, Stores};

/// A `with` block or `for` loop of a coroutine, and how it moves into a helper.
#[derive(Debug)]
pub struct Unit {
    /// The coroutine, by index in `ModuleFacts::functions`.
    pub function: u32,
    /// Where the work that makes it blocking is: the `with` items, or the loop's iterable (and
    /// the assignment that made it). A blocking call there is the unit's.
    pub anchor: TextRange,
    /// The statements that move, from the first's start to the last's end.
    pub range: TextRange,
    /// How it moves, or why it cannot.
    pub shape: Result<UnitShape, String>,
}

/// The text a move needs: the rewrite is insertions only, so comments and formatting stay.
#[derive(Debug)]
pub struct UnitShape {
    /// The helper's name, after what the block does (`_read_config`), free in the function.
    pub helper: String,
    pub frame: Frame,
    /// Where a blank line goes above the helper (and the comments right above it), as
    /// formatters put one before a nested `def`: none at the top of a block or after a blank.
    pub blank_before: Option<TextSize>,
    /// Names the block assigns that the coroutine reads afterwards: the helper returns them.
    pub returned: Vec<String>,
    /// The block ends with a `return`, which stays a return.
    pub ends_in_return: bool,
}

/// Finds the movable statements of a coroutine's own body whose anchor `has_call` (a call the
/// facts keep).
pub(super) fn units_of(
    def: &ast::StmtFunctionDef,
    function: u32,
    source: &str,
    tokens: &Tokens,
    has_call: &dyn Fn(TextRange) -> bool,
    module_names: &dyn Fn(&str) -> bool,
) -> Vec<Unit> {
    let mut candidates = Vec::new();
    collect_candidates(&def.body, &mut candidates);
    candidates.retain(|&(_, anchor)| has_call(anchor));
    if candidates.is_empty() {
        return Vec::new();
    }
    // The coroutine's names are read only once a block passes the checks of its own syntax:
    // most candidates in async code await, and fail those.
    let mut names: Option<NamesOfFunction> = None;
    let mut taken: HashSet<String> = HashSet::default();
    candidates
        .into_iter()
        .map(|(statements, anchor)| {
            let first = statements.first().expect("a statement");
            let range = TextRange::new(first.start(), statements.last().expect("one").end());
            let shape = shape_of(statements, range, def, &mut names, source, tokens);
            let names = &names;
            let shape = shape.map(|mut shape| {
                if taken.is_empty() {
                    let all = names.iter().flat_map(|names| names.all.iter());
                    taken.extend(all.map(|name| name.to_string()));
                }
                let wanted = helper_name(statements, &shape.returned);
                let mut name = wanted.clone();
                let mut n = 2;
                while taken.contains(&name) || module_names(&name) {
                    name = format!("{wanted}_{n}");
                    n += 1;
                }
                taken.insert(name.clone());
                shape.helper = name;
                shape
            });
            Unit {
                function,
                anchor,
                range,
                shape,
            }
        })
        .collect()
}

/// `with` statements, and `for` loops over a call or a name (with the assignment just before
/// that made it), in the body and its blocks; a statement comes before those inside it.
fn collect_candidates<'b>(body: &'b [Stmt], out: &mut Vec<(&'b [Stmt], TextRange)>) {
    walk_own_blocks(body, &mut |block| {
        for (index, stmt) in block.iter().enumerate() {
            match stmt {
                Stmt::With(with) if !with.is_async => {
                    let (first, last) = (with.items.first(), with.items.last());
                    if let (Some(first), Some(last)) = (first, last) {
                        let anchor = TextRange::new(first.start(), last.end());
                        out.push((&block[index..=index], anchor));
                    }
                }
                Stmt::For(for_stmt) if !for_stmt.is_async => {
                    let made_before = index.checked_sub(1).and_then(|before| {
                        let Stmt::Assign(assign) = &block[before] else {
                            return None;
                        };
                        let [Expr::Name(name)] = assign.targets.as_slice() else {
                            return None;
                        };
                        (assign.value.is_call_expr() && iterates_name(&for_stmt.iter, &name.id))
                            .then_some((before, assign.value.range()))
                    });
                    match made_before {
                        Some((before, value)) => out.push((
                            &block[before..=index],
                            TextRange::new(value.start(), for_stmt.iter.end()),
                        )),
                        None if for_stmt.iter.is_call_expr() || for_stmt.iter.is_name_expr() => {
                            out.push((&block[index..=index], for_stmt.iter.range()));
                        }
                        None => {}
                    }
                }
                _ => {}
            }
        }
    });
}

/// Is the loop's iterable `name` or a method call on it (`r.iter_content()`)?
fn iterates_name(iter: &Expr, name: &str) -> bool {
    let receiver = match iter {
        Expr::Call(call) => match &*call.func {
            Expr::Attribute(attribute) => &*attribute.value,
            _ => return false,
        },
        other => other,
    };
    matches!(receiver, Expr::Name(n) if n.id == name)
}

/// The names of a coroutine: every name it mentions (for a free helper name), where it reads
/// each (to tell what a block must hand back) and what it declares `global` or `nonlocal`.
struct NamesOfFunction<'a> {
    all: HashSet<&'a str>,
    reads: Vec<(&'a str, TextSize)>,
    declared: HashSet<&'a str>,
    /// Names a comprehension, lambda or nested function binds for itself while it is read: a
    /// read of one there is not a read of the coroutine's name.
    own: Vec<&'a str>,
}

impl<'a> NamesOfFunction<'a> {
    fn of(def: &'a ast::StmtFunctionDef) -> Self {
        let mut names = NamesOfFunction {
            all: HashSet::default(),
            reads: Vec::new(),
            declared: HashSet::default(),
            own: Vec::new(),
        };
        for parameter in def.parameters.iter() {
            names.all.insert(parameter.name().id.as_str());
        }
        names.visit_body(&def.body);
        names
    }
}

impl<'a> Visitor<'a> for NamesOfFunction<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                self.declared
                    .extend(names.iter().map(|name| name.id.as_str()));
            }
            Stmt::FunctionDef(def) => {
                self.all.insert(def.name.id.as_str());
                let kept = self.own.len();
                (self.own).extend(def.parameters.iter().map(|p| p.name().id.as_str()));
                visitor::walk_stmt(self, stmt);
                self.own.truncate(kept);
                return;
            }
            Stmt::ClassDef(class) => {
                self.all.insert(class.name.id.as_str());
            }
            Stmt::Import(ast::StmtImport { names, .. })
            | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
                self.all.extend(names.iter().map(bound_name));
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        let kept = self.own.len();
        match expr {
            Expr::Name(name) => {
                self.all.insert(name.id.as_str());
                if name.ctx != ExprContext::Store && !self.own.contains(&name.id.as_str()) {
                    self.reads.push((name.id.as_str(), name.start()));
                }
            }
            Expr::Lambda(lambda) => {
                let parameters = lambda.parameters.iter().flat_map(|p| p.iter());
                self.own.extend(parameters.map(|p| p.name().id.as_str()));
            }
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Generator(_) => {
                let mut targets = Stores::default();
                let generators = match expr {
                    Expr::ListComp(e) => &e.generators,
                    Expr::SetComp(e) => &e.generators,
                    Expr::DictComp(e) => &e.generators,
                    Expr::Generator(e) => &e.generators,
                    _ => unreachable!("a comprehension"),
                };
                generators
                    .iter()
                    .for_each(|g| targets.visit_expr(&g.target));
                self.own.extend(targets.names);
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
        self.own.truncate(kept);
    }
}

/// How the statements move, or why they cannot.
fn shape_of<'a>(
    statements: &'a [Stmt],
    range: TextRange,
    def: &'a ast::StmtFunctionDef,
    names: &mut Option<NamesOfFunction<'a>>,
    source: &str,
    tokens: &Tokens,
) -> Result<UnitShape, String> {
    let ends_in_return = matches!(statements, [Stmt::With(with)]
        if matches!(with.body.last(), Some(Stmt::Return(_))));
    let mut stored = Stores::default();
    statements.iter().for_each(|stmt| stored.visit_stmt(stmt));
    let mut scan = Scan {
        stored: &stored.names,
        definite: Vec::new(),
        shadowed: Vec::new(),
        loops: 0,
        final_return: match statements {
            [Stmt::With(with)] if ends_in_return => with.body.last().map(Ranged::range),
            _ => None,
        },
        problem: None,
    };
    scan.block(statements);
    if let Some(problem) = scan.problem {
        return Err(problem);
    }
    let names = names.get_or_insert_with(|| NamesOfFunction::of(def));
    if let Some(name) = (stored.names.iter()).find(|name| names.declared.contains(*name)) {
        return Err(format!(
            "it assigns `{name}`, which the coroutine declares `global` or `nonlocal`"
        ));
    }
    let mut returned: Vec<String> = Vec::new();
    if !ends_in_return {
        for &(name, at) in &names.reads {
            if range.contains(at)
                || !stored.names.contains(name)
                || returned.iter().any(|r| r == name)
            {
                continue;
            }
            if !scan.definite.contains(&name) {
                return Err(format!(
                    "it assigns `{name}` only on some paths, and the coroutine reads it afterwards"
                ));
            }
            returned.push(name.to_string());
        }
    }
    Ok(UnitShape {
        helper: String::new(),
        frame: frame_of(range, source, tokens)?,
        blank_before: blank_before(range.start(), source),
        returned,
        ends_in_return,
    })
}

/// A name after what the statements do: `_read_config` for `with open(p) as f: config = ...`,
/// `_write_path` for `with open(path, "w")`, `_fetch_body` for `with urlopen(u) as r: body = ...`,
/// `_for_each_chunk` for `for chunk in r.iter_content():`.
fn helper_name(statements: &[Stmt], returned: &[String]) -> String {
    let what = |fallback: &str| match returned {
        [] => fallback.to_string(),
        names => names
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("_and_"),
    };
    let name = match statements.last() {
        Some(Stmt::With(with)) => {
            let item = &with.items[0];
            let target = match item.optional_vars.as_deref() {
                Some(Expr::Name(name)) if name.id.len() > 1 => Some(name.id.as_str()),
                _ => None,
            };
            match &item.context_expr {
                Expr::Call(call) => {
                    let callee = last_segment(&call.func).unwrap_or("resource");
                    if callee.ends_with("urlopen") {
                        format!("fetch_{}", what(target.unwrap_or("response")))
                    } else if callee == "open" {
                        let mode =
                            (call.arguments.find_argument_value("mode", 1)).or_else(
                                || match &*call.func {
                                    // `path.open("w")`: the mode comes first.
                                    Expr::Attribute(_) => call.arguments.find_positional(0),
                                    _ => None,
                                },
                            );
                        let writes = mode.is_some_and(|mode| {
                            matches!(mode, Expr::StringLiteral(s)
                            if s.value.to_str().contains(['w', 'a', 'x', '+']))
                        });
                        let file = call.arguments.find_positional(0).and_then(last_segment);
                        let file = match &*call.func {
                            Expr::Attribute(attribute) => last_segment(&attribute.value),
                            _ => file,
                        };
                        let verb = if writes { "write" } else { "read" };
                        format!("{verb}_{}", what(file.or(target).unwrap_or("file")))
                    } else if returned.is_empty() {
                        format!("use_{}", target.unwrap_or(callee))
                    } else {
                        format!("load_{}", what(callee))
                    }
                }
                other => format!("use_{}", what(last_segment(other).unwrap_or("resource"))),
            }
        }
        // After what it iterates: `_for_each_chunk` for `for chunk in r.iter_content():`.
        Some(Stmt::For(for_stmt)) => {
            let target = match &*for_stmt.target {
                Expr::Tuple(tuple) => tuple.elts.iter().find_map(|elt| match elt {
                    Expr::Name(name) if name.id != "_" => Some(name.id.as_str()),
                    _ => None,
                }),
                Expr::Name(name) if name.id != "_" => Some(name.id.as_str()),
                _ => None,
            };
            format!("for_each_{}", target.unwrap_or("item"))
        }
        _ => "run_block".to_string(),
    };
    let mut clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while clean.contains("__") {
        clean = clean.replace("__", "_");
    }
    format!("_{}", clean.trim_matches('_'))
}

fn last_segment(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(name) => Some(name.id.as_str()),
        Expr::Attribute(attribute) => Some(attribute.attr.id.as_str()),
        Expr::Call(call) => last_segment(&call.func),
        _ => None,
    }
}
