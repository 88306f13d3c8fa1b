//! Manifest expressions: the `${{ … }}` language inside manifest string values.
//!
//! This module owns the language and nothing around it: splitting a string into a [`Template`]
//! of text and expressions, the static checks on each expression ([`ExprError`]), the
//! references and calls it makes (for the analyzer's dependency and field checks), best-effort
//! type inference ([`infer`]), the one table of built-in functions ([`FUNCTIONS`]), and
//! evaluation against a [`Context`] ([`Evaluator`]). It knows nothing of manifests, steps or
//! GraceDB; callers give it strings, types of references, and values.
//!
//! # The language
//!
//! - A string value is a template: literal text with zero or more `${{ expr }}` segments. A
//!   string that is exactly one segment evaluates to the expression's typed value; otherwise
//!   the values are written as text and concatenated: strings as they are, integers plainly,
//!   floats as Python's `str()` does (`1.5`, `2.0`, `1400123456.789013`, `1e-06`), `true`,
//!   `false` and `null` as in JSON, lists and objects as compact JSON.
//! - There is no escape syntax: every `${{` opens an expression. Write a literal `${{` as
//!   `${{ '${{' }}`. A `}}` inside a string literal or closing a `{…}` map does not end the
//!   expression.
//! - References: `vars.<name>`, `steps.<id>.<output>` (nested fields, literal indexes such as
//!   `steps.s.events[0]`, and `['odd-key']`), `item` and `item.<field>` inside `for_each`, and
//!   `env.<NAME>`. Any other bare name is an error with a did-you-mean hint.
//! - Literals (numbers, `'single'` or `"double"` quoted strings, `true`, `false`, `null`, lists),
//!   arithmetic (`+ - * /`), comparison (`== != < <= > >=`), `and`, `or`, `not`, parentheses,
//!   and calls of the built-ins in [`FUNCTIONS`]. minijinja's own extras (filters such as
//!   `| upper`, tests such as `is defined`, `~`, `//`, `if … else …`) pass through.
//!
//! # Evaluation
//!
//! minijinja's expression engine evaluates, with strict undefined behaviour: a missing
//! reference is an [`EvalError`] naming it (`steps.event.graceid is not defined`), except as the
//! first argument of `default()` when only its last segment is missing (`default(steps.a.x, 0)`
//! needs `steps.a` to exist). Integers stay integers (`1 + 1` is `2`, `1.5 + 1` is `2.5`, `/`
//! always gives a float as in Python), and floats are f64 throughout, so a GPS time such as
//! `1400123456.789013` survives evaluation exactly.
//!
//! ```
//! use graceflow::expr::{Context, Evaluator, Template};
//!
//! let t = Template::parse("${{ steps.e.gpstime - 1 }}").unwrap();
//! assert_eq!(t.single_expr().unwrap().refs[0].to_string(), "steps.e.gpstime");
//!
//! let mut ctx = Context::default();
//! ctx.steps.insert("e".into(), serde_json::json!({ "gpstime": 1400123456.789013 }));
//! let eval = Evaluator::new(1400000000.0, std::path::PathBuf::from("."));
//! assert_eq!(eval.eval_template(&t, &ctx).unwrap(), serde_json::json!(1400123455.789013));
//! assert_eq!(eval.eval_str("t=${{ 1.5 }} n=${{ 2 }}", &ctx).unwrap(), "t=1.5 n=2");
//! ```

mod error;
mod eval;
mod functions;
mod lexer;
mod scan;
mod suggest;
mod template;
mod types;
mod value;

pub use error::{EvalError, ExprError, ExprErrorKind, TypeMismatch};
pub use eval::{Context, Evaluator};
pub use functions::{FUNCTIONS, FunctionSpec, function};
pub use template::{Call, Expr, Part, Reference, Root, Segment, Template};
pub use types::{Type, infer};
