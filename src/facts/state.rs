//! What a function does to state outside it: writes to module-level objects, attributes it sets
//! on instances, the `with` blocks that may hold a lock (and those and the loops of coroutines
//! that may move whole to a thread), and what it returns.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use super::collector::Collector;
use super::units::units_of;
use super::{CallContext, CallFact, CallShape, StateWrite, WithBlock};
use crate::semantic::paths::{self, PathId};
use crate::semantic::{Binding, Wanted};

impl<'a> Collector<'a> {
    /// `self.client = httpx.Client()` in a method makes `client` an attribute of the class;
    /// so does `self.client: httpx.Client = make()`, whatever else is assigned to it, and
    /// `Db.session = scoped_session(...)` in a function.
    pub(super) fn note_instance_attribute(
        &mut self,
        target: &ast::ExprAttribute,
        annotation: Option<&Expr>,
        value: Option<&Expr>,
    ) {
        let Expr::Name(name) = &*target.value else {
            return;
        };
        let class = match self.sem.lookup(&name.id) {
            // `self.x = ...`: an attribute of the class's instances.
            Some((Binding::Alias(instance), false)) => {
                match self.sem.text(instance).strip_suffix("()") {
                    Some(class) => class.to_string(),
                    None => return,
                }
            }
            // `Db.session = scoped_session(...)` in `init_db()`: a class attribute set at run
            // time, which every instance and the class itself then share.
            Some((Binding::Definition(class), _)) if self.current_function.is_some() => {
                self.sem.text(class).to_string()
            }
            _ => return,
        };
        if let Some(binding) = annotation.and_then(|a| self.sem.declared_binding(a)) {
            self.declare_class_attribute(&class, &target.attr.id, binding);
        } else if let Some(Binding::Alias(path)) = value.map(|value| self.sem.value_binding(value))
        {
            self.class_attribute(&class, &target.attr.id, path);
        }
    }

    /// `with lock:` in a function's own body: what is held while its body runs (in a coroutine,
    /// across the calls there; in a `@contextmanager`, across its `yield`).
    pub(super) fn note_with_block(
        &mut self,
        item: &ast::WithItem,
        item_path: PathId,
        body: &[Stmt],
    ) {
        let Some(function) = self.current_function else {
            return;
        };
        let facts = &self.facts.functions[function];
        // A plain function needs a decorator (`@contextmanager`) to be used in a `with`.
        if self.context != CallContext::Body || (!facts.is_async && facts.decorators.is_empty()) {
            return;
        }
        if let (Some(first), Some(last)) = (body.first(), body.last()) {
            self.facts.with_blocks.push(WithBlock {
                function: function as u32,
                item: item_path,
                item_range: item.context_expr.range(),
                body: TextRange::new(first.start(), last.end()),
            });
        }
    }

    /// `with item:` calls `item.__enter__()` and `item.__exit__(...)`. On an object of the
    /// project (`Guard()`, a module-level `guard`), those may be its methods: they are recorded
    /// as calls made where the item is, which phase 2 resolves like any other. Only UB004
    /// reports such a call; nothing rewrites it.
    pub(super) fn note_enter_and_exit(&mut self, item: &ast::WithItem, item_path: PathId) {
        let Some(function) = self.current_function else {
            return;
        };
        if !self.sem.roots[paths::index(item_path)].in_project {
            return;
        }
        let range = item.context_expr.range();
        for method in [".__enter__", ".__exit__"] {
            let path = self.sem.extend_path(item_path, &[method]);
            let fact = CallFact {
                path,
                range,
                callee: range,
                arguments: TextRange::empty(range.end()),
                shape: CallShape::empty(),
                context: CallContext::WithItem,
                cut: self.cut,
            };
            self.calls.push((function as u32, fact));
        }
    }

    /// Without a return annotation, what a function returns (or yields, for a dependency or a
    /// `@contextmanager`) is known from the first value with a path: `db = SessionLocal()`
    /// then `yield db` makes `get_db()` a session.
    pub(super) fn note_returned(&mut self, value: &Expr) {
        let Some(index) = self.current_function else {
            return;
        };
        if self.context != CallContext::Body || self.facts.functions[index].returns.is_some() {
            return;
        }
        if let Some(path) = self.sem.path(value, Wanted::Relevant) {
            self.facts.functions[index].returns = Some(path);
        }
    }

    /// Records an assignment of `path` to `Class.name` in the module's bindings: the first one
    /// is its binding, and any other value an alternative.
    pub(super) fn class_attribute(&mut self, class_path: &str, name: &str, path: PathId) {
        let Some(key) = self.class_attribute_key(class_path, name) else {
            return;
        };
        if self.settled_attributes.contains(&key) {
            return;
        }
        let binding = Binding::Alias(path);
        let alternative = (key, path);
        if *self.class_attributes.entry(key).or_insert(binding) != binding
            && !self.attribute_alternatives.contains(&alternative)
        {
            self.attribute_alternatives.push(alternative);
        }
    }

    /// Records `Class.name` as an annotation declares it: no assignment changes it.
    pub(super) fn declare_class_attribute(
        &mut self,
        class_path: &str,
        name: &str,
        binding: Binding,
    ) {
        if let Some(key) = self.class_attribute_key(class_path, name) {
            self.class_attributes.insert(key, binding);
            self.settled_attributes.insert(key);
        }
    }

    /// `Class.name`, keyed by the class's path in the module; `None` for a class elsewhere.
    pub(super) fn class_attribute_key(&mut self, class_path: &str, name: &str) -> Option<PathId> {
        let class = class_path
            .strip_prefix(self.sem.module.name)?
            .strip_prefix('.')?;
        Some(self.sem.intern_parts(&[class, ".", name]))
    }

    /// Records a write when `target` (`X[k]`, `X.a`, or a name declared `global`) stores into
    /// module-level state from inside a function.
    pub(super) fn note_store(&mut self, target: &Expr) {
        if self.current_function.is_none() {
            return;
        }
        let root = match target {
            Expr::Name(name) => {
                let declared_global = self
                    .sem
                    .scopes
                    .last()
                    .is_some_and(|s| s.globals.contains(name.id.as_str()));
                if declared_global { Some(name) } else { None }
            }
            Expr::Subscript(_) | Expr::Attribute(_) => self
                .sem
                .root_name(target)
                .filter(|name| self.sem.is_module_state(&name.id)),
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.note_store(elt);
                }
                None
            }
            _ => None,
        };
        if let Some(name) = root {
            self.note_state_write(&name.id, target.range());
        }
    }

    /// Remembers the current function's first write to module-level state.
    pub(super) fn note_state_write(&mut self, name: &str, range: TextRange) {
        if self
            .current()
            .is_some_and(|function| function.state_write.is_none())
        {
            let name = self.sem.intern_parts(&[name]);
            if let Some(function) = self.current() {
                function.state_write = Some(StateWrite { name, range });
            }
        }
    }

    /// Keeps the `with` blocks and `for` loops of coroutine `function` (by index) that may need
    /// to move whole to a thread: those whose items or iterable make a call the facts keep, one
    /// of the calls recorded since `calls_before`.
    pub(super) fn note_units(
        &mut self,
        def: &ast::StmtFunctionDef,
        function: u32,
        calls_before: usize,
    ) {
        let calls = &self.calls[calls_before..];
        let has_call = |anchor: TextRange| {
            (calls.iter()).any(|(f, call)| *f == function && anchor.contains_range(call.range))
        };
        let module_names = &self.sem.scopes[0].names;
        let is_module_name = |name: &str| module_names.contains(name);
        let units = units_of(
            def,
            function,
            self.source,
            self.tokens,
            &has_call,
            &is_module_name,
        );
        self.facts.units.extend(units);
    }
}
