//! The typed manifest, built from the spanned YAML tree by hand so that every problem is
//! reported, each at its place, rather than the first one only.

use std::sync::Arc;
use std::time::Duration;

use super::diagnostic::{Diagnostic, did_you_mean};
use super::node::{Key, Node, Value};
use super::source::{Source, Span, Spanned};
use super::steps::{KINDS, KindSpec, kind};

/// The manifest format version this graceflow reads.
pub const VERSION: i64 = 1;

/// A parsed manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Its file.
    pub source: Arc<Source>,
    /// Its name (the file stem when not given).
    pub name: String,
    /// The server it runs against, if it says.
    pub server: Option<Spanned<String>>,
    /// Whether it may write to the production server.
    pub allow_production: bool,
    /// Variables, in order.
    pub vars: Vec<Var>,
    /// Defaults for every step.
    pub defaults: Defaults,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// A variable: a literal or an expression.
#[derive(Debug, Clone)]
pub struct Var {
    /// Its name.
    pub name: Spanned<String>,
    /// Its value.
    pub value: Node,
}

/// Per-manifest defaults.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    /// Time allowed per step.
    pub timeout: Option<Spanned<Duration>>,
    /// Retry policy.
    pub retry: Option<Spanned<RetrySpec>>,
}

/// How a step is retried (applied by the engine; see the retry issue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySpec {
    /// Attempts in all, including the first.
    pub attempts: u32,
    /// The first delay before a retry.
    pub backoff: Duration,
    /// The cap on any one delay.
    pub max_delay: Duration,
    /// Give up after this long in all.
    pub deadline: Option<Duration>,
}

impl Default for RetrySpec {
    fn default() -> Self {
        Self {
            attempts: 5,
            backoff: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            deadline: None,
        }
    }
}

/// One step.
#[derive(Debug, Clone)]
pub struct Step {
    /// Its ID (`steps.<id>` in expressions).
    pub id: Spanned<String>,
    /// What it does.
    pub kind: &'static KindSpec,
    /// Where its kind key is.
    pub kind_span: Span,
    /// Its inputs: the mapping under the kind key.
    pub inputs: Node,
    /// Steps that must finish first, besides those its expressions refer to.
    pub needs: Vec<Spanned<String>>,
    /// `if:` a condition (a boolean or an expression).
    pub condition: Option<Node>,
    /// `for_each:` a list, or an expression giving one (`${{ glob("*.png") }}`).
    pub for_each: Option<Node>,
    /// A failure does not fail the run.
    pub continue_on_error: bool,
    /// Runs even when something it depends on failed (e.g. a final summary).
    pub always: bool,
    /// Time allowed.
    pub timeout: Option<Spanned<Duration>>,
    /// Retry policy.
    pub retry: Option<Spanned<RetrySpec>>,
    /// The whole step.
    pub span: Span,
}

const TOP_KEYS: &[&str] = &[
    "version",
    "name",
    "server",
    "allow_production",
    "vars",
    "defaults",
    "steps",
];
const STEP_KEYS: &[&str] = &[
    "id",
    "needs",
    "if",
    "for_each",
    "continue_on_error",
    "always",
    "timeout",
    "retry",
];

/// Whether `s` can be an identifier in expressions (`steps.<id>`, `vars.<name>`).
pub fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

struct Parser {
    out: Vec<Diagnostic>,
}

impl Parser {
    fn error(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.out.push(Diagnostic::error(code, span, message));
        self.out.last_mut().expect("just pushed")
    }

    fn expect_map<'a>(&mut self, node: &'a Node, what: &str) -> Option<&'a [(Key, Node)]> {
        let m = node.as_map();
        if m.is_none() {
            self.error(
                "type",
                node.span,
                format!("{what} must be a mapping, found {}", node.kind_name()),
            );
        }
        m
    }

    fn expect_bool(&mut self, node: &Node, what: &str) -> bool {
        match node.value {
            Value::Bool(b) => b,
            _ => {
                self.error(
                    "type",
                    node.span,
                    format!("`{what}` must be true or false, found {}", node.kind_name()),
                );
                false
            }
        }
    }

    fn expect_string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match &node.value {
            Value::Str(s) => Some(Spanned::new(s.clone(), node.span)),
            _ => {
                self.error(
                    "type",
                    node.span,
                    format!("`{what}` must be a string, found {}", node.kind_name()),
                );
                None
            }
        }
    }

    fn expect_duration(&mut self, node: &Node, what: &str) -> Option<Spanned<Duration>> {
        let seconds = match &node.value {
            Value::Int(i) => Ok(*i),
            Value::Str(s) => crate::duration::parse_seconds(s),
            _ => Err(format!("found {}", node.kind_name())),
        };
        match seconds {
            Ok(s) if s > 0 => Some(Spanned::new(Duration::from_secs(s as u64), node.span)),
            Ok(_) => {
                self.error("value", node.span, format!("`{what}` must be positive"));
                None
            }
            Err(e) => {
                self.error(
                    "type",
                    node.span,
                    format!("`{what}` must be a duration: {e}"),
                )
                .hint = Some("write seconds (90) or a number with a unit: 90s, 15m, 2h".into());
                None
            }
        }
    }

    /// `retry: 3` or `retry: {attempts: 5, backoff: 2s, max_delay: 1m, deadline: 10m}`.
    fn expect_retry(&mut self, node: &Node) -> Option<Spanned<RetrySpec>> {
        let mut spec = RetrySpec::default();
        match &node.value {
            Value::Int(n) if *n >= 1 && *n <= 100 => spec.attempts = *n as u32,
            Value::Int(_) => {
                self.error(
                    "value",
                    node.span,
                    "`retry` attempts must be between 1 and 100",
                );
                return None;
            }
            Value::Map(m) => {
                for (k, v) in m {
                    match k.name.as_str() {
                        "attempts" => match v.value {
                            Value::Int(n) if (1..=100).contains(&n) => spec.attempts = n as u32,
                            _ => {
                                self.error(
                                    "value",
                                    v.span,
                                    "`retry.attempts` must be an integer between 1 and 100",
                                );
                            }
                        },
                        "backoff" => spec.backoff = self.expect_duration(v, "retry.backoff")?.value,
                        "max_delay" => {
                            spec.max_delay = self.expect_duration(v, "retry.max_delay")?.value
                        }
                        "deadline" => {
                            spec.deadline = Some(self.expect_duration(v, "retry.deadline")?.value)
                        }
                        other => {
                            let hint = did_you_mean(
                                other,
                                ["attempts", "backoff", "max_delay", "deadline"],
                            );
                            self.error(
                                "unknown-field",
                                k.span,
                                format!("unknown field `retry.{other}`"),
                            )
                            .hint = hint;
                        }
                    }
                }
                if spec.max_delay < spec.backoff {
                    self.error(
                        "value",
                        node.span,
                        "`retry.max_delay` is shorter than `retry.backoff`",
                    )
                    .hint = Some("the cap on a delay must be at least the first delay".into());
                }
            }
            _ => {
                self.error(
                    "type",
                    node.span,
                    format!(
                        "`retry` must be a number of attempts or a mapping, found {}",
                        node.kind_name()
                    ),
                );
                return None;
            }
        }
        Some(Spanned::new(spec, node.span))
    }

    fn defaults(&mut self, node: &Node) -> Defaults {
        let mut d = Defaults::default();
        let Some(m) = self.expect_map(node, "`defaults`") else {
            return d;
        };
        for (k, v) in m {
            match k.name.as_str() {
                "timeout" => d.timeout = self.expect_duration(v, "defaults.timeout"),
                "retry" => d.retry = self.expect_retry(v),
                other => {
                    let hint = did_you_mean(other, ["timeout", "retry"]);
                    self.error(
                        "unknown-field",
                        k.span,
                        format!("unknown field `defaults.{other}`"),
                    )
                    .hint = hint;
                }
            }
        }
        d
    }

    fn vars(&mut self, node: &Node) -> Vec<Var> {
        let Some(m) = self.expect_map(node, "`vars`") else {
            return vec![];
        };
        m.iter()
            .filter_map(|(k, v)| {
                if !is_identifier(&k.name) {
                    self.error(
                        "name",
                        k.span,
                        format!("`{}` cannot be a variable name", k.name),
                    )
                    .hint =
                        Some("use letters, digits and underscores, starting with a letter".into());
                    return None;
                }
                Some(Var {
                    name: Spanned::new(k.name.clone(), k.span),
                    value: v.clone(),
                })
            })
            .collect()
    }

    fn step(&mut self, node: &Node) -> Option<Step> {
        let m = self.expect_map(node, "a step")?;
        let mut id = None;
        let mut kinds: Vec<(&'static KindSpec, &Key, &Node)> = Vec::new();
        let mut step = Step {
            id: Spanned::new(String::new(), node.span),
            kind: &KINDS[0],
            kind_span: node.span,
            inputs: node.clone(),
            needs: vec![],
            condition: None,
            for_each: None,
            continue_on_error: false,
            always: false,
            timeout: None,
            retry: None,
            span: node.span,
        };
        for (k, v) in m {
            match k.name.as_str() {
                "id" => {
                    if let Some(s) = self.expect_string(v, "id") {
                        if is_identifier(&s.value) {
                            id = Some(s);
                        } else {
                            self.error("name", v.span, format!("`{}` cannot be a step id", s.value))
                                .hint = Some("use letters, digits and underscores, starting with a letter (ids are used as `steps.<id>` in expressions)".into());
                        }
                    }
                }
                "needs" => {
                    step.needs = match &v.value {
                        Value::Str(s) => vec![Spanned::new(s.clone(), v.span)],
                        Value::Seq(items) => items
                            .iter()
                            .filter_map(|i| self.expect_string(i, "needs"))
                            .collect(),
                        _ => {
                            self.error(
                                "type",
                                v.span,
                                "`needs` must be a step id or a list of them",
                            );
                            vec![]
                        }
                    }
                }
                "if" => step.condition = Some(v.clone()),
                "for_each" => step.for_each = Some(v.clone()),
                "continue_on_error" => {
                    step.continue_on_error = self.expect_bool(v, "continue_on_error")
                }
                "always" => step.always = self.expect_bool(v, "always"),
                "timeout" => step.timeout = self.expect_duration(v, "timeout"),
                "retry" => step.retry = self.expect_retry(v),
                other => match kind(other) {
                    Some(spec) => kinds.push((spec, k, v)),
                    None => {
                        let candidates = STEP_KEYS
                            .iter()
                            .copied()
                            .chain(KINDS.iter().map(|k| k.name));
                        let hint = did_you_mean(other, candidates);
                        self.error("unknown-field", k.span, format!("unknown step field `{other}`")).hint = hint.or_else(|| {
                            Some("a step has an `id`, one action (create_event, write_log, add_label, …) and optionally needs, if, for_each, continue_on_error, always, timeout, retry".into())
                        });
                    }
                },
            }
        }
        match kinds.as_slice() {
            [(spec, key, inputs)] => {
                step.kind = spec;
                step.kind_span = key.span;
                if inputs.as_map().is_none() {
                    self.error(
                        "type",
                        inputs.span,
                        format!(
                            "the inputs of `{}` must be a mapping, found {}",
                            spec.name,
                            inputs.kind_name()
                        ),
                    );
                    return None;
                }
                step.inputs = (*inputs).clone();
            }
            [] => {
                self.error("missing-action", node.span, "this step has no action")
                    .hint = Some(format!(
                    "add one of: {}",
                    KINDS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
                ));
                return None;
            }
            [_, (second, key, _), ..] => {
                self.error(
                    "two-actions",
                    key.span,
                    format!(
                        "a step does one thing; `{}` is a second action",
                        second.name
                    ),
                )
                .hint = Some("split it into two steps".into());
                return None;
            }
        }
        match id {
            Some(id) => step.id = id,
            None => {
                if !m.iter().any(|(k, _)| k.name == "id") {
                    self.error("missing-field", node.span, "this step has no `id`")
                        .hint = Some("add `id: <name>`; later steps refer to its outputs as steps.<name>.<output>".into());
                }
                return None;
            }
        }
        Some(step)
    }
}

/// Parse a manifest's text. Returns the manifest if it is well formed enough to analyse,
/// and every problem found either way.
pub fn parse(source: Arc<Source>) -> (Option<Manifest>, Vec<Diagnostic>) {
    let root = match super::node::parse(&source.text) {
        Ok(r) => r,
        Err(e) => {
            let d = Diagnostic::error("yaml", e.span, format!("invalid YAML: {}", e.message));
            return (None, vec![d]);
        }
    };
    let mut p = Parser { out: vec![] };
    let Some(top) = p.expect_map(&root, "a manifest") else {
        return (None, p.out);
    };
    let stem = source.path.file_stem().map_or_else(
        || "manifest".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );
    let mut m = Manifest {
        source: source.clone(),
        name: stem,
        server: None,
        allow_production: false,
        vars: vec![],
        defaults: Defaults::default(),
        steps: vec![],
    };
    let mut version_seen = false;
    let mut steps_seen = false;
    for (k, v) in top {
        match k.name.as_str() {
            "version" => {
                version_seen = true;
                if v.value != Value::Int(VERSION) {
                    p.error(
                        "version",
                        v.span,
                        format!("unsupported manifest version {}", v.to_json()),
                    )
                    .hint = Some(format!(
                        "this graceflow reads `version: {VERSION}` manifests"
                    ));
                }
            }
            "name" => {
                if let Some(s) = p.expect_string(v, "name") {
                    m.name = s.value;
                }
            }
            "server" => m.server = p.expect_string(v, "server"),
            "allow_production" => m.allow_production = p.expect_bool(v, "allow_production"),
            "vars" => m.vars = p.vars(v),
            "defaults" => m.defaults = p.defaults(v),
            "steps" => {
                steps_seen = true;
                match &v.value {
                    Value::Seq(items) if !items.is_empty() => {
                        m.steps = items.iter().filter_map(|s| p.step(s)).collect()
                    }
                    Value::Seq(_) => {
                        p.error("empty", v.span, "`steps` is empty");
                    }
                    _ => {
                        p.error(
                            "type",
                            v.span,
                            format!("`steps` must be a list of steps, found {}", v.kind_name()),
                        );
                    }
                }
            }
            other => {
                let hint = did_you_mean(other, TOP_KEYS.iter().copied());
                p.error("unknown-field", k.span, format!("unknown field `{other}`"))
                    .hint =
                    hint.or_else(|| Some(format!("a manifest has: {}", TOP_KEYS.join(", "))));
            }
        }
    }
    if !version_seen {
        p.error(
            "missing-field",
            Span::new(0, 0),
            "the manifest has no `version`",
        )
        .hint = Some(format!("start it with `version: {VERSION}`"));
    }
    if !steps_seen {
        p.error(
            "missing-field",
            Span::new(0, 0),
            "the manifest has no `steps`",
        );
    }
    (Some(m), p.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> (Option<Manifest>, Vec<Diagnostic>) {
        parse(Source::new("m.yaml", text))
    }

    #[test]
    fn a_good_manifest() {
        let (m, d) = parse_text(
            "version: 1\nname: x\nvars:\n  t0: 5\nsteps:\n  - id: e\n    retry: 3\n    timeout: 30s\n    create_event: { group: Test, pipeline: gstlal, file: c.xml }\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let m = m.unwrap();
        assert_eq!(m.steps[0].kind.name, "create_event");
        assert_eq!(m.steps[0].retry.as_ref().unwrap().value.attempts, 3);
        assert_eq!(
            m.steps[0].timeout.as_ref().unwrap().value,
            Duration::from_secs(30)
        );
        assert_eq!(m.vars[0].name.value, "t0");
    }

    #[test]
    fn every_problem_is_reported() {
        let (_, d) = parse_text(
            "versoin: 1\nsteps:\n  - id: a-b\n    create_evnt: {}\n  - id: c\n    add_label: {}\n    remove_label: {}\n  - create_event: 5\n  - id: d\n    retry: {attempts: 0, jitter: 1}\n    add_label: {}\n",
        );
        let codes: Vec<&str> = d.iter().map(|x| x.code).collect();
        assert_eq!(
            codes,
            [
                "unknown-field",
                "name",
                "unknown-field",
                "missing-action",
                "two-actions",
                "type",
                "value",
                "unknown-field",
                "missing-field"
            ],
            "{d:#?}"
        );
        assert_eq!(d[0].hint.as_deref(), Some("did you mean `version`?"));
        assert_eq!(d[2].hint.as_deref(), Some("did you mean `create_event`?"));
    }
}
