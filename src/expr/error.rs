//! The errors of the expression language: what `Template::parse` finds ([`ExprError`]), what
//! evaluation finds ([`EvalError`]) and what type inference finds ([`TypeMismatch`]).
//!
//! Every error carries a byte span (`offset`, `len`) within the manifest string it is about, so
//! that the manifest layer can point a caret at it. All the wording is here.

/// A problem `Template::parse` found in a manifest string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ExprError {
    /// Byte offset of the problem within the template string.
    pub offset: usize,
    /// Length in bytes of the offending text (at least 1 unless the string is empty).
    pub len: usize,
    /// What is wrong.
    pub kind: ExprErrorKind,
}

impl ExprError {
    pub(crate) fn new(offset: usize, len: usize, kind: ExprErrorKind) -> Self {
        ExprError { offset, len, kind }
    }

    /// The message with the suggestion in it, for callers that have no separate place for a
    /// hint (errors found while evaluating).
    pub fn message_with_suggestion(&self) -> String {
        match &self.kind {
            ExprErrorKind::UnknownRoot {
                suggestion: Some(s),
                ..
            }
            | ExprErrorKind::UnknownFunction {
                suggestion: Some(s),
                ..
            } => format!("{self} (did you mean `{s}`?)"),
            _ => self.to_string(),
        }
    }

    /// How to fix it: the closest name when one is close, else what is allowed there.
    pub fn hint(&self) -> String {
        match &self.kind {
            ExprErrorKind::Unterminated => {
                "end the expression with `}}`, as in `${{ steps.<id>.<output> }}`".to_owned()
            }
            ExprErrorKind::Syntax(m) if m == "unterminated string" => {
                "close the string with the quote it starts with".to_owned()
            }
            ExprErrorKind::Syntax(m) if m == "empty expression" => {
                "put an expression between `${{` and `}}`, or remove them".to_owned()
            }
            ExprErrorKind::Syntax(m) if m.contains("is a function") => {
                "functions take their arguments in brackets; `gps_now()` takes none".to_owned()
            }
            ExprErrorKind::Syntax(_) => {
                "an expression has references (vars.<name>, steps.<id>.<output>, item, env.<NAME>), \
                 literals ('text', 1.5, true, [..]), + - * /, comparisons, and/or/not, and calls"
                    .to_owned()
            }
            ExprErrorKind::UnknownRoot {
                suggestion: Some(s),
                ..
            }
            | ExprErrorKind::UnknownFunction {
                suggestion: Some(s),
                ..
            } => format!("did you mean `{s}`?"),
            ExprErrorKind::UnknownRoot {
                suggestion: None, ..
            } => "text inside an expression is quoted: 'like this'".to_owned(),
            ExprErrorKind::UnknownFunction {
                suggestion: None, ..
            } => format!(
                "the functions are {}",
                super::FUNCTIONS
                    .iter()
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExprErrorKind::Arity { name, .. } => super::function(name)
                .map_or_else(String::new, |f| format!("{name}: {}", f.doc)),
        }
    }
}

/// The facts of an [`ExprError`]; `Display` holds the wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprErrorKind {
    /// A `${{` with no closing `}}`.
    #[error("unterminated expression: `${{{{` has no closing `}}}}`")]
    Unterminated,
    /// The expression text is not valid (unbalanced brackets, unterminated string, unexpected
    /// character, or a syntax error reported by minijinja).
    #[error("syntax error: {0}")]
    Syntax(String),
    /// A bare name that is not one of the roots `vars`, `steps`, `item`, `env`.
    #[error("unknown name `{name}`: a reference starts with `vars.`, `steps.`, `item` or `env.`")]
    UnknownRoot {
        /// The name as written.
        name: String,
        /// The closest root or function name, if one is close.
        suggestion: Option<String>,
    },
    /// A call to a function that is not in [`FUNCTIONS`](super::FUNCTIONS).
    #[error("unknown function `{name}`")]
    UnknownFunction {
        /// The name as written.
        name: String,
        /// The closest function name, if one is close.
        suggestion: Option<String>,
    },
    /// A known function called with the wrong number of arguments.
    #[error("{}", arity(.name, *.expected, *.found))]
    Arity {
        /// The function's name.
        name: String,
        /// The accepted number of arguments: minimum and maximum (`None`: no maximum).
        expected: (usize, Option<usize>),
        /// The number of arguments given.
        found: usize,
    },
}

fn arguments(n: usize) -> String {
    match n {
        0 => "no arguments".to_owned(),
        1 => "1 argument".to_owned(),
        n => format!("{n} arguments"),
    }
}

fn arity(name: &str, expected: (usize, Option<usize>), found: usize) -> String {
    let takes = match expected {
        (min, Some(max)) if min == max => arguments(min),
        (min, Some(max)) => format!("{min} to {max} arguments"),
        (min, None) => format!("at least {}", arguments(min)),
    };
    let given = match found {
        0 => "none was given".to_owned(),
        1 => "1 was given".to_owned(),
        n => format!("{n} were given"),
    };
    format!("`{name}` takes {takes} but {given}")
}

/// A failure while evaluating an expression: a reference that is not defined, a function that
/// failed, or an operation minijinja refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EvalError {
    /// Byte offset of the failing part within the template string.
    pub offset: usize,
    /// Length in bytes of the failing part.
    pub len: usize,
    /// What went wrong, naming the reference or the function call
    /// (`steps.event.graceid is not defined`, `glob("x["): invalid pattern …`).
    pub message: String,
}

/// An operation whose operand is known to have the wrong type (`${{ steps.e.graceid - 1 }}`
/// where `graceid` is a string).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TypeMismatch {
    /// Byte offset of the offending operand within the template string.
    pub offset: usize,
    /// Length in bytes of the offending operand.
    pub len: usize,
    /// What is wrong, naming the operator and the operand's type.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        let kind = |k| ExprError::new(0, 1, k).to_string();
        assert_eq!(
            kind(ExprErrorKind::Unterminated),
            "unterminated expression: `${{` has no closing `}}`"
        );
        assert_eq!(
            kind(ExprErrorKind::UnknownRoot {
                name: "step".into(),
                suggestion: Some("steps".into())
            }),
            "unknown name `step`: a reference starts with `vars.`, `steps.`, `item` or `env.`"
        );
        let e = ExprError::new(
            0,
            1,
            ExprErrorKind::UnknownRoot {
                name: "step".into(),
                suggestion: Some("steps".into()),
            },
        );
        assert_eq!(e.hint(), "did you mean `steps`?");
        assert_eq!(
            kind(ExprErrorKind::UnknownFunction {
                name: "now".into(),
                suggestion: None
            }),
            "unknown function `now`"
        );
        let arity_of = |expected, found| {
            kind(ExprErrorKind::Arity {
                name: "f".into(),
                expected,
                found,
            })
        };
        assert_eq!(
            arity_of((0, Some(0)), 1),
            "`f` takes no arguments but 1 was given"
        );
        assert_eq!(
            arity_of((2, Some(2)), 3),
            "`f` takes 2 arguments but 3 were given"
        );
        assert_eq!(
            arity_of((1, None), 0),
            "`f` takes at least 1 argument but none was given"
        );
        assert_eq!(
            arity_of((1, Some(3)), 0),
            "`f` takes 1 to 3 arguments but none was given"
        );
    }
}
