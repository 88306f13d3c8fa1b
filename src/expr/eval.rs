//! Evaluation: templates rendered against a [`Context`] with minijinja's expression engine.
//!
//! minijinja does the evaluating; this file builds its environment (strict undefined, the
//! built-in table, `null`), turns its results into JSON, and turns its errors into
//! [`EvalError`]s that name the missing reference or the failing call and point into the
//! template string.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use minijinja::value::{Rest, Value};
use minijinja::{Environment, ErrorKind, UndefinedBehavior};
use serde::Serialize;

use super::error::EvalError;
use super::functions::{FUNCTIONS, Runtime, invoke};
use super::template::{Expr, Part, Reference, Root, Segment, Template, syntax_span};
use super::value::{NotJson, to_json, to_text};

/// Evaluates templates. One per run: it holds the run's frozen "now" and the directory that
/// relative paths in `glob()` and `sha256()` are resolved against.
pub struct Evaluator {
    env: Environment<'static>,
    runtime: Arc<Runtime>,
}

/// What expressions can see.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// `vars.<name>`: the manifest's resolved variables.
    pub vars: serde_json::Map<String, serde_json::Value>,
    /// `steps.<id>`: each finished step's outputs object, by step id.
    pub steps: serde_json::Map<String, serde_json::Value>,
    /// `item`: the current element inside `for_each`; `None` elsewhere (then `item` is an
    /// undefined reference).
    pub item: Option<serde_json::Value>,
    /// `env.<NAME>`: only the environment variables the caller chose to expose.
    pub env: BTreeMap<String, String>,
}

/// The variables minijinja sees, borrowed from a [`Context`].
#[derive(Serialize)]
struct Scope<'a> {
    vars: &'a serde_json::Map<String, serde_json::Value>,
    steps: &'a serde_json::Map<String, serde_json::Value>,
    env: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<&'a serde_json::Value>,
}

impl fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Evaluator")
            .field("now_gps", &self.runtime.now_gps)
            .field("base_dir", &self.runtime.base_dir)
            .finish_non_exhaustive()
    }
}

impl Evaluator {
    /// An evaluator whose `gps_now()` is `now_gps` and whose relative paths start at
    /// `base_dir` (the manifest's directory).
    pub fn new(now_gps: f64, base_dir: PathBuf) -> Self {
        let runtime = Arc::new(Runtime { now_gps, base_dir });
        // `Environment::new` brings minijinja's filters and tests (`| upper`, `is defined`),
        // which may pass through. Its global functions (`range`, `dict`, …) are registered too
        // but unreachable: `Template::parse` rejects any call not in FUNCTIONS.
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_debug(true); // keeps byte ranges on runtime errors
        env.add_global("null", Value::from(()));
        for spec in FUNCTIONS {
            let rt = Arc::clone(&runtime);
            env.add_function(spec.name, move |args: Rest<Value>| invoke(spec, &rt, &args));
        }
        Evaluator { env, runtime }
    }

    /// Evaluate a template: a single expression keeps its type (a number stays a number, a list
    /// a list), a literal is its text, and a mixed template is the concatenation of its text and
    /// its values written as text (see the module documentation).
    pub fn eval_template(
        &self,
        t: &Template,
        ctx: &Context,
    ) -> Result<serde_json::Value, EvalError> {
        if let Some(text) = t.literal() {
            return Ok(serde_json::Value::String(text.to_owned()));
        }
        let scope = Value::from_serialize(Scope {
            vars: &ctx.vars,
            steps: &ctx.steps,
            env: &ctx.env,
            item: ctx.item.as_ref(),
        });
        if let Some(e) = t.single_expr() {
            return self.eval_expr(e, &scope, ctx);
        }
        let mut out = String::new();
        for part in &t.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Expr(e) => out.push_str(&to_text(&self.eval_expr(e, &scope, ctx)?)),
            }
        }
        Ok(serde_json::Value::String(out))
    }

    /// Parse and evaluate a string; a parse error becomes an [`EvalError`] (the first one, with
    /// its span).
    pub fn eval_str(&self, s: &str, ctx: &Context) -> Result<serde_json::Value, EvalError> {
        let t = Template::parse(s).map_err(|errors| {
            let first = &errors[0];
            EvalError {
                offset: first.offset,
                len: first.len,
                message: first.message_with_suggestion(),
            }
        })?;
        self.eval_template(&t, ctx)
    }

    fn eval_expr(
        &self,
        e: &Expr,
        scope: &Value,
        ctx: &Context,
    ) -> Result<serde_json::Value, EvalError> {
        let compiled = self
            .env
            .compile_expression_owned(e.source.clone())
            .map_err(|err| {
                let (start, len) = syntax_span(&e.source, err.range());
                EvalError {
                    offset: e.offset + start,
                    len,
                    message: format!("syntax error: {}", message_of(&err)),
                }
            })?;
        let value = compiled
            .eval(scope)
            .map_err(|err| runtime_error(e, ctx, &err))?;
        to_json(&value).map_err(|not| match not {
            NotJson::Undefined => missing_reference(e, ctx, None).unwrap_or_else(|| EvalError {
                offset: e.offset,
                len: e.source.len(),
                message: format!("`{}` is undefined", e.source),
            }),
            NotJson::Invalid(message) => EvalError {
                offset: e.offset,
                len: e.source.len(),
                message,
            },
        })
    }
}

/// minijinja's explanation without its location suffix.
fn message_of(err: &minijinja::Error) -> String {
    err.detail()
        .map_or_else(|| err.kind().to_string(), str::to_owned)
}

fn runtime_error(e: &Expr, ctx: &Context, err: &minijinja::Error) -> EvalError {
    let range = err
        .range()
        .filter(|r| r.start < r.end && r.end <= e.source.len())
        .map(|r| e.offset + r.start..e.offset + r.end);
    // "undefined value", or an operator refusing an undefined operand: name the reference.
    let about_undefined = err.kind() == ErrorKind::UndefinedError
        || err.detail().is_some_and(|d| d.contains("undefined"));
    if about_undefined && let Some(missing) = missing_reference(e, ctx, range.clone()) {
        return missing;
    }
    let (offset, len) = range.map_or((e.offset, e.source.len()), |r| (r.start, r.len()));
    EvalError {
        offset,
        len,
        message: message_of(err),
    }
}

/// The reference that does not resolve in `ctx`: the one overlapping `near` if any, else the
/// first. Its message names the shortest missing prefix (`steps.event is not defined` when the
/// step has no outputs at all, `steps.event.graceid is not defined` when only the output is
/// missing).
fn missing_reference(e: &Expr, ctx: &Context, near: Option<Range<usize>>) -> Option<EvalError> {
    let overlaps = |r: &Reference| {
        near.as_ref()
            .is_some_and(|n| r.offset < n.end && n.start < r.offset + r.len)
    };
    let missing: Vec<(&Reference, String)> = e
        .refs
        .iter()
        .filter_map(|r| describe_missing(r, ctx).map(|m| (r, m)))
        .collect();
    let (r, message) = missing
        .iter()
        .find(|(r, _)| overlaps(r))
        .or_else(|| missing.first())?;
    Some(EvalError {
        offset: r.offset,
        len: r.len,
        message: message.clone(),
    })
}

/// Why `r` does not resolve in `ctx`, or `None` when it does.
fn describe_missing(r: &Reference, ctx: &Context) -> Option<String> {
    let mut shown = Reference {
        root: r.root,
        path: Vec::new(),
        offset: r.offset,
        len: r.len,
    };
    let not_defined = |shown: &Reference| format!("{shown} is not defined");
    let mut segments = r.path.iter();
    let mut current = match r.root {
        Root::Item => match &ctx.item {
            Some(v) => v,
            None => {
                return Some("item is not defined: `item` exists only inside `for_each`".into());
            }
        },
        Root::Vars | Root::Steps => {
            let map = if r.root == Root::Vars {
                &ctx.vars
            } else {
                &ctx.steps
            };
            let first = segments.next()?;
            shown.path.push(first.clone());
            match first {
                Segment::Field(name) => match map.get(name) {
                    Some(v) => v,
                    None => return Some(not_defined(&shown)),
                },
                Segment::Index(_) => return Some(not_defined(&shown)),
            }
        }
        Root::Env => {
            let first = segments.next()?;
            shown.path.push(first.clone());
            if !matches!(first, Segment::Field(name) if ctx.env.contains_key(name)) {
                return Some(format!(
                    "{shown} is not defined (only the environment variables the run exposes \
                     are visible)"
                ));
            }
            // An environment variable is a string: it has no fields.
            let next = segments.next()?;
            shown.path.push(next.clone());
            return Some(not_defined(&shown));
        }
    };
    for segment in segments {
        shown.path.push(segment.clone());
        current = match (segment, current) {
            (Segment::Field(name), serde_json::Value::Object(map)) => match map.get(name) {
                Some(v) => v,
                None => return Some(not_defined(&shown)),
            },
            (Segment::Index(i), serde_json::Value::Array(items)) => match items.get(*i) {
                Some(v) => v,
                None => {
                    return Some(format!(
                        "{shown} is not defined (the list has {} item{})",
                        items.len(),
                        if items.len() == 1 { "" } else { "s" }
                    ));
                }
            },
            // minijinja indexes strings by character.
            (Segment::Index(i), serde_json::Value::String(text)) => {
                let chars = text.chars().count();
                if *i < chars {
                    return None;
                }
                return Some(format!(
                    "{shown} is not defined (the string has {chars} character{})",
                    if chars == 1 { "" } else { "s" }
                ));
            }
            _ => return Some(not_defined(&shown)),
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: f64 = 1400000000.25;

    fn ctx() -> Context {
        let mut ctx = Context::default();
        ctx.vars.insert("n".into(), json!(3));
        ctx.vars.insert("name".into(), json!("S250101a"));
        ctx.vars.insert("none".into(), json!(null));
        ctx.steps.insert(
            "e".into(),
            json!({
                "graceid": "G123",
                "gpstime": 1400123456.789013,
                "labels": ["EM_READY", "PE_READY"],
                "events": [{ "graceid": "G1" }, { "graceid": "G2" }],
            }),
        );
        ctx.env.insert("USER".into(), "albert".into());
        ctx
    }

    fn eval(s: &str) -> Result<serde_json::Value, EvalError> {
        eval_in(s, &ctx(), Path::new("."))
    }

    fn eval_in(s: &str, ctx: &Context, base: &Path) -> Result<serde_json::Value, EvalError> {
        Evaluator::new(NOW, base.to_path_buf()).eval_str(s, ctx)
    }

    fn eval_err(s: &str) -> (String, String) {
        let e = eval(s).expect_err(s);
        assert!(e.offset + e.len <= s.len(), "{s}: {e:?}");
        (e.message, s[e.offset..e.offset + e.len].to_owned())
    }

    use std::path::Path;

    #[test]
    fn typed_results() {
        assert_eq!(eval("${{ vars.n }}"), Ok(json!(3)));
        assert!(eval("${{ vars.n }}").unwrap().is_i64());
        assert_eq!(eval("${{ 1 + 1 }}"), Ok(json!(2)));
        assert!(eval("${{ 1 + 1 }}").unwrap().is_i64());
        assert_eq!(eval("${{ 1.5 + 1 }}"), Ok(json!(2.5)));
        assert_eq!(eval("${{ 4 / 2 }}"), Ok(json!(2.0)));
        assert!(eval("${{ 4 / 2 }}").unwrap().is_f64());
        assert_eq!(eval("${{ 7 // 2 }}"), Ok(json!(3)));
        assert_eq!(
            eval("${{ steps.e.labels }}"),
            Ok(json!(["EM_READY", "PE_READY"]))
        );
        assert_eq!(eval("${{ steps.e.events[1].graceid }}"), Ok(json!("G2")));
        assert_eq!(
            eval("${{ steps.e.events[0] }}"),
            Ok(json!({ "graceid": "G1" }))
        );
        assert_eq!(
            eval("${{ vars.n > 2 and 'EM_READY' in steps.e.labels }}"),
            Ok(json!(true))
        );
        assert_eq!(eval("${{ not (vars.n == 3) }}"), Ok(json!(false)));
        assert_eq!(eval("${{ null }}"), Ok(json!(null)));
        assert_eq!(eval("${{ vars.none }}"), Ok(json!(null)));
        assert_eq!(
            eval("${{ [1, 'a', true, null, [2.5]] }}"),
            Ok(json!([1, "a", true, null, [2.5]]))
        );
        assert_eq!(
            eval("${{ \"double\" ~ 'single' }}"),
            Ok(json!("doublesingle"))
        );
        assert_eq!(eval("${{ env.USER }}"), Ok(json!("albert")));
        // minijinja's filters pass through.
        assert_eq!(eval("${{ vars.name | lower }}"), Ok(json!("s250101a")));
        assert_eq!(eval("${{ steps.e.labels | length }}"), Ok(json!(2)));
    }

    #[test]
    fn shareable_across_tasks() {
        fn check<T: Send + Sync>() {}
        check::<Evaluator>();
        check::<Template>();
        check::<Context>();
    }

    #[test]
    fn literals_stay_strings() {
        assert_eq!(eval("plain"), Ok(json!("plain")));
        assert_eq!(eval("42"), Ok(json!("42")));
        assert_eq!(eval(""), Ok(json!("")));
    }

    #[test]
    fn gps_times_are_exact() {
        assert_eq!(eval("${{ steps.e.gpstime }}"), Ok(json!(1400123456.789013)));
        assert_eq!(
            eval("${{ steps.e.gpstime - 1 }}"),
            Ok(json!(1400123455.789013))
        );
        assert_eq!(
            eval("${{ steps.e.gpstime + 1 }}"),
            Ok(json!(1400123457.789013))
        );
        let v = eval("${{ steps.e.gpstime - 1 }}").unwrap();
        assert_eq!(v.as_f64(), Some(1400123455.789013));
        assert_eq!(
            eval("t_0=${{ steps.e.gpstime }} t_end=${{ steps.e.gpstime + 1 }}"),
            Ok(json!("t_0=1400123456.789013 t_end=1400123457.789013"))
        );
    }

    #[test]
    fn interpolation() {
        assert_eq!(eval("t=${{ 1.5 }} n=${{ 2 }}"), Ok(json!("t=1.5 n=2")));
        assert_eq!(eval("${{ 4 / 2 }} s"), Ok(json!("2.0 s")));
        assert_eq!(eval("far=${{ 0.000001 }}"), Ok(json!("far=1e-06")));
        assert_eq!(
            eval("big=${{ 10000000000000000.0 }}"),
            Ok(json!("big=1e+16"))
        );
        assert_eq!(eval("id ${{ vars.name }}!"), Ok(json!("id S250101a!")));
        assert_eq!(eval("${{ true }}/${{ null }}"), Ok(json!("true/null")));
        assert_eq!(
            eval("l=${{ steps.e.labels }}"),
            Ok(json!(r#"l=["EM_READY","PE_READY"]"#))
        );
        assert_eq!(eval("now ${{ gps_now() }}"), Ok(json!("now 1400000000.25")));
        assert_eq!(eval("a ${{ '${{' }} b"), Ok(json!("a ${{ b")));
    }

    #[test]
    fn undefined_references_are_named() {
        assert_eq!(
            eval_err("${{ steps.e.superevent }}"),
            (
                "steps.e.superevent is not defined".into(),
                "steps.e.superevent".into()
            )
        );
        assert_eq!(
            eval_err("x ${{ steps.event.graceid }}"),
            (
                "steps.event is not defined".into(),
                "steps.event.graceid".into()
            )
        );
        assert_eq!(
            eval_err("${{ vars.n + vars.missing + 1 }}"),
            ("vars.missing is not defined".into(), "vars.missing".into())
        );
        assert_eq!(
            eval_err("${{ vars.missing == 1 }}"),
            ("vars.missing is not defined".into(), "vars.missing".into())
        );
        assert_eq!(
            eval_err("${{ [vars.missing] }}"),
            ("vars.missing is not defined".into(), "vars.missing".into())
        );
        assert_eq!(
            eval_err("${{ basename(vars.missing) }}"),
            ("vars.missing is not defined".into(), "vars.missing".into())
        );
        assert_eq!(
            eval_err("${{ steps.e.events[2].graceid }}"),
            (
                "steps.e.events[2] is not defined (the list has 2 items)".into(),
                "steps.e.events[2].graceid".into()
            )
        );
        assert_eq!(
            eval_err("${{ item.path }}"),
            (
                "item is not defined: `item` exists only inside `for_each`".into(),
                "item.path".into()
            )
        );
        assert_eq!(
            eval_err("${{ env.HOME }}"),
            (
                "env.HOME is not defined (only the environment variables the run exposes are \
                 visible)"
                    .into(),
                "env.HOME".into()
            )
        );
        assert_eq!(
            eval_err("${{ 1 if vars.missing else 2 }}").0,
            "vars.missing is not defined"
        );
    }

    #[test]
    fn item_inside_for_each() {
        let mut c = ctx();
        c.item = Some(json!({ "path": "data/a.fits.gz", "n": 2 }));
        assert_eq!(
            eval_in("${{ item.n * 2 }}", &c, Path::new(".")),
            Ok(json!(4))
        );
        assert_eq!(
            eval_in("${{ basename(item.path) }}", &c, Path::new(".")),
            Ok(json!("a.fits.gz"))
        );
        c.item = Some(json!(null));
        assert_eq!(eval_in("${{ item }}", &c, Path::new(".")), Ok(json!(null)));
    }

    #[test]
    fn default_function() {
        assert_eq!(eval("${{ default(vars.missing, 5) }}"), Ok(json!(5)));
        assert_eq!(eval("${{ default(vars.none, 'x') }}"), Ok(json!("x")));
        assert_eq!(eval("${{ default(vars.n, 5) }}"), Ok(json!(3)));
        assert_eq!(eval("${{ default(steps.e.far, 1.5) }}"), Ok(json!(1.5)));
        assert_eq!(eval("${{ default(steps.e.events[5], 0) }}"), Ok(json!(0)));
        // A missing intermediate object is still an error under strict undefined.
        assert_eq!(
            eval_err("${{ default(steps.nope.x, 1) }}").0,
            "steps.nope is not defined"
        );
    }

    #[test]
    fn format_function() {
        assert_eq!(
            eval("${{ format('{}-{}', vars.name, 2) }}"),
            Ok(json!("S250101a-2"))
        );
        assert_eq!(
            eval("${{ format('t={} {{x}}', 1.5) }}"),
            Ok(json!("t=1.5 {x}"))
        );
        assert_eq!(
            eval("${{ format('{}', steps.e.gpstime) }}"),
            Ok(json!("1400123456.789013"))
        );
        assert_eq!(eval("${{ format('none') }}"), Ok(json!("none")));
        assert_eq!(
            eval_err("${{ format('{} {}', 1) }}").0,
            "format(\"{} {}\", 1): more `{}` placeholders than the 1 value given"
        );
        assert_eq!(
            eval_err("${{ format('{}', 1, 2) }}").0,
            "format(\"{}\", 1, 2): 2 values given but only 1 `{}` placeholder"
        );
        assert_eq!(
            eval_err("${{ format('{0}', 1) }}").0,
            "format(\"{0}\", 1): unsupported placeholder `{0}`: only `{}` is supported"
        );
        assert_eq!(
            eval_err("${{ format('a}', 1) }}").0,
            "format(\"a}\", 1): a single `}` must be written `}}`"
        );
        assert_eq!(
            eval_err("${{ format(1) }}").0,
            "format(1): argument 1 must be a string, not number"
        );
        assert_eq!(
            eval_err("${{ format('{}', vars.missing) }}").0,
            "vars.missing is not defined"
        );
    }

    #[test]
    fn gps_functions() {
        assert_eq!(eval("${{ gps_now() }}"), Ok(json!(NOW)));
        assert_eq!(eval("${{ gps_now() + 60 }}"), Ok(json!(NOW + 60.0)));
        assert_eq!(
            eval("${{ gps('2017-08-17T12:41:04.4Z') }}"),
            Ok(json!(1187008882.4))
        );
        assert_eq!(
            eval("${{ gps(\"2026-01-01T00:00:00+00:00\") }}"),
            Ok(json!(1451260818.0))
        );
        let (message, span) = eval_err("x ${{ gps('yesterday') }}");
        assert_eq!(
            message,
            "gps(\"yesterday\"): expected an ISO-8601 UTC time such as 2026-01-01T00:00:00Z, \
             not \"yesterday\""
        );
        assert_eq!(span, "gps('yesterday')");
    }

    #[test]
    fn file_functions() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::create_dir(base.join("data")).unwrap();
        for name in ["b.fits.gz", "a.fits.gz", "c.xml", ".hidden.fits.gz"] {
            std::fs::write(base.join("data").join(name), "hello\n").unwrap();
        }
        let c = ctx();
        assert_eq!(
            eval_in("${{ glob('data/*.fits.gz') }}", &c, base),
            Ok(json!(["data/a.fits.gz", "data/b.fits.gz"]))
        );
        assert_eq!(
            eval_in("${{ glob('data/*.txt') }}", &c, base),
            Ok(json!([]))
        );
        assert_eq!(eval_in("${{ glob('nowhere/*') }}", &c, base), Ok(json!([])));
        assert_eq!(
            eval_in("${{ glob('**/c.*') }}", &c, base),
            Ok(json!(["data/c.xml"]))
        );
        let absolute = format!("{}/data/c.xml", base.display());
        assert_eq!(
            eval_in(&format!("${{{{ glob('{absolute}') }}}}"), &c, base),
            Ok(json!([absolute]))
        );
        assert_eq!(
            eval_in("${{ glob('') }}", &c, base).unwrap_err().message,
            "glob(\"\"): the pattern is empty"
        );
        let e = eval_in("${{ glob('x[') }}", &c, base).unwrap_err();
        assert!(
            e.message.starts_with("glob(\"x[\"): invalid pattern: "),
            "{}",
            e.message
        );
        assert_eq!(
            eval_in("${{ basename(glob('data/*.xml')[0]) }}", &c, base),
            Ok(json!("c.xml"))
        );
        assert_eq!(eval("${{ basename('a/b/c.txt') }}"), Ok(json!("c.txt")));
        assert_eq!(eval("${{ basename('c.txt') }}"), Ok(json!("c.txt")));
        assert_eq!(eval("${{ basename('') }}"), Ok(json!("")));
        let hello = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
        assert_eq!(
            eval_in("${{ sha256('data/c.xml') }}", &c, base),
            Ok(json!(hello))
        );
        assert_eq!(
            eval_in(&format!("${{{{ sha256('{absolute}') }}}}"), &c, base),
            Ok(json!(hello))
        );
        let e = eval_in("${{ sha256('data/missing') }}", &c, base).unwrap_err();
        assert!(
            e.message
                .starts_with("sha256(\"data/missing\"): cannot read the file: "),
            "{}",
            e.message
        );
        // The base directory is literal even when it looks like a pattern.
        let odd = base.join("odd[1]");
        std::fs::create_dir(&odd).unwrap();
        std::fs::write(odd.join("f.txt"), "").unwrap();
        assert_eq!(
            eval_in("${{ glob('*.txt') }}", &c, &odd),
            Ok(json!(["f.txt"]))
        );
    }

    #[test]
    fn other_runtime_errors() {
        let (message, span) = eval_err("${{ vars.name - 1 }}");
        assert_eq!(
            message,
            "tried to use - operator on unsupported types string and number"
        );
        assert_eq!(span, "vars.name - 1");
        assert_eq!(eval_err("${{ 1 / 0 }}").0, "inf is not a finite number");
        assert_eq!(
            eval_err("${{ vars.name | nofilter }}").0,
            "filter nofilter is unknown"
        );
    }

    #[test]
    fn parse_errors_from_eval_str() {
        let e = eval("a ${{ gps_nwo() }}").unwrap_err();
        assert_eq!((e.offset, e.len), (6, 7));
        assert_eq!(
            e.message,
            "unknown function `gps_nwo` (did you mean `gps_now`?)"
        );
    }

    #[test]
    fn eval_never_panics() {
        let mut c = ctx();
        c.item = Some(json!("é"));
        for s in [
            "${{ item[0] }}",
            "${{ item[5] }}",
            "${{ vars.name[0] }}",
            "${{ vars.name.x }}",
            "${{ steps.e.labels.x }}",
            "${{ steps.e.gpstime.x }}",
            "${{ steps.e.labels[vars.n] }}",
            "${{ vars['n'] }}",
            "${{ vars[0] }}",
            "${{ 2 ** 200 }}",
            "${{ 2 ** 64 }}",
            "${{ -(2 ** 63) - 1 }}",
            "${{ 9223372036854775807 + 1 }}",
            "${{ 1 // 0 }}",
            "${{ 1 % 0 }}",
            "${{ 'a' * 1000 }}",
            "${{ vars.name | upper | lower }}",
            "${{ vars.n.upper() }}",
            "${{ {'a': vars.missing} }}",
            "${{ {1: 2} }}",
            "${{ gps('') }}",
            "${{ gps(1) }}",
            "${{ glob('') }}",
            "${{ glob('/') }}",
            "${{ glob(vars.n) }}",
            "${{ sha256('.') }}",
            "${{ sha256('') }}",
            "${{ basename(1) }}",
            "${{ format('{', 1) }}",
            "${{ format('{}', {'a': 1}) }}",
            "${{ format('{}', gps_now) }}",
            "${{ default(1, vars.missing) }}",
            "${{ default(vars.missing, vars.missing) }}",
            "${{ format('é{}é', 'ü') }}",
            "${{ garbage",
            "${{ ((( }}",
        ] {
            let _ = Evaluator::new(NOW, PathBuf::from(".")).eval_str(s, &c);
        }
        assert_eq!(
            eval("${{ default(vars.missing, vars.missing) }}")
                .unwrap_err()
                .message,
            "vars.missing is not defined"
        );
    }
}
