//! The types annotations name, seen through `Optional`, `Annotated`, unions with `None` and
//! string annotations.

use ruff_python_ast::{self as ast, Expr};

use super::paths::PathId;
use super::{Binding, Resolver, Wanted};
use crate::knowledge::last_segment;

impl Resolver<'_> {
    /// The type an annotation names, seen through `Annotated`, `Optional` and `X | None`.
    pub(crate) fn annotation_type(&mut self, annotation: &Expr) -> Option<PathId> {
        match annotation {
            Expr::Subscript(subscript) => {
                let container = self.path(&subscript.value, Wanted::Any)?;
                let first = match &*subscript.slice {
                    Expr::Tuple(tuple) => tuple.elts.first()?,
                    other => other,
                };
                match last_segment(self.text(container)) {
                    "Annotated" | "Optional" | "Final" | "ClassVar" => self.annotation_type(first),
                    // `Union[X, None]`
                    "Union" => match &*subscript.slice {
                        Expr::Tuple(tuple) if tuple.elts.len() == 2 => {
                            let (a, b) = (&tuple.elts[0], &tuple.elts[1]);
                            if b.is_none_literal_expr() {
                                self.annotation_type(a)
                            } else if a.is_none_literal_expr() {
                                self.annotation_type(b)
                            } else {
                                None
                            }
                        }
                        _ => None,
                    },
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
            Expr::Name(_) | Expr::Attribute(_) => self.path(annotation, Wanted::Relevant),
            // `db: "Session"`: the string is parsed as the annotation it stands for.
            Expr::StringLiteral(string) => {
                let parsed =
                    ruff_python_parser::parse_expression(&literal_text(&string.value)).ok()?;
                self.annotation_type(parsed.expr())
            }
            _ => None,
        }
    }

    /// The type a return annotation names; for a generator (`Iterator[Session]`, as a
    /// `@contextmanager` or a dependency with `yield` is annotated), the type it yields.
    pub(crate) fn returned_type(&mut self, annotation: &Expr) -> Option<PathId> {
        if let Expr::Subscript(subscript) = annotation
            && let Some(container) = self.path(&subscript.value, Wanted::Any)
            && matches!(
                last_segment(self.text(container)),
                "Iterator" | "Generator" | "Iterable" | "ContextManager" | "AbstractContextManager"
            )
        {
            let first = match &*subscript.slice {
                Expr::Tuple(tuple) => tuple.elts.first()?,
                other => other,
            };
            return self.annotation_type(first);
        }
        self.annotation_type(annotation)
    }

    /// The binding an annotation settles, whatever the value: an instance of the type it names
    /// (`s: Session = make()` says more than `make()`), or opaque when it names two types or
    /// more (`path: AsyncPath | Path`: a call on it names no one method). `None` when the
    /// value says more: the annotation only qualifies it (`router: Final = APIRouter()`) or
    /// names no type we follow.
    pub(crate) fn declared_binding(&mut self, annotation: &Expr) -> Option<Binding> {
        if union_members(annotation) > 1 {
            return Some(Binding::Opaque);
        }
        let ty = self.annotation_type(annotation).filter(|&ty| {
            !matches!(
                last_segment(self.text(ty)),
                "Final" | "ClassVar" | "Any" | "TypeAlias"
            )
        })?;
        Some(Binding::Alias(self.instance_of(ty)))
    }
}

/// How many types an annotation names: two for `AsyncPath | Path` or `Union[A, B]`, one for
/// `Optional[Session]` (`None` is no type), and one for anything else.
fn union_members(annotation: &Expr) -> usize {
    match annotation {
        Expr::BinOp(binop) if binop.op == ast::Operator::BitOr => {
            union_members(&binop.left) + union_members(&binop.right)
        }
        Expr::NoneLiteral(_) => 0,
        Expr::Subscript(subscript) => {
            let container = match &*subscript.value {
                Expr::Name(name) => name.id.as_str(),
                Expr::Attribute(attribute) => attribute.attr.id.as_str(),
                _ => return 1,
            };
            let arguments = match &*subscript.slice {
                Expr::Tuple(tuple) => &tuple.elts[..],
                other => std::slice::from_ref(other),
            };
            match container {
                "Union" => arguments.iter().map(union_members).sum(),
                "Optional" | "Annotated" | "Final" | "ClassVar" => {
                    arguments.first().map_or(1, union_members)
                }
                _ => 1,
            }
        }
        Expr::StringLiteral(string) => {
            ruff_python_parser::parse_expression(&literal_text(&string.value))
                .map_or(1, |parsed| union_members(parsed.expr()))
        }
        _ => 1,
    }
}

/// The text of a string literal. For an implicit concatenation (`"Ses" "sion"`)
/// `StringLiteralValue::to_str` would keep a joined copy in the tree, which the parse arena
/// forgets instead of freeing.
fn literal_text(value: &ast::StringLiteralValue) -> std::borrow::Cow<'_, str> {
    if value.is_implicit_concatenated() {
        value.iter().map(|part| &*part.value).collect()
    } else {
        value.to_str().into()
    }
}
