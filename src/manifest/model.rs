//! The typed manifest, built from the spanned YAML tree by hand so that every problem is
//! reported, each at its place, rather than the first one only.

use std::sync::Arc;
use std::time::Duration;

use super::diagnostic::{Diagnostic, closest, did_you_mean};
use super::node::{Key, Node, Value};
use super::source::{Source, Span, Spanned};
use super::steps::{KINDS, KindSpec, input_fields, kind};

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
    /// The ids of steps left out of `steps` because their action could not be read. Their
    /// errors are already reported; analysis uses this list so that a reference to such a
    /// step is not reported again as a reference to a step that does not exist.
    pub rejected_ids: Vec<Spanned<String>>,
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

/// How a step is retried (applied by the engine: `engine/retry.rs`).
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
    /// `delay:` start no earlier than the run's start plus this.
    pub delay: Option<Spanned<Duration>>,
    /// `after:` start no earlier than another step's finish plus a delay.
    pub after: Option<After>,
    /// The whole step.
    pub span: Span,
}

/// `after: { step, delay }`: a step's start tied to another's finish (a replay's cadence).
#[derive(Debug, Clone)]
pub struct After {
    /// The step waited for (also a dependency, as in `needs`).
    pub step: Spanned<String>,
    /// How long after its finish.
    pub delay: Duration,
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
const RETRY_KEYS: &[&str] = &["attempts", "backoff", "max_delay", "deadline"];
const STEP_KEYS: &[&str] = &[
    "id",
    "needs",
    "if",
    "for_each",
    "continue_on_error",
    "always",
    "timeout",
    "retry",
    "delay",
    "after",
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
                )
                .hint = Some(
                    "write `true` or `false` without quotes (`yes`, `no`, `on` and `off` are strings)"
                        .into(),
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
                )
                .hint = Some(match node.value {
                    Value::Seq(_) | Value::Map(_) => "give a single value".into(),
                    _ => format!("quote it: `\"{}\"`", scalar_text(node)),
                });
                None
            }
        }
    }

    fn expect_duration(&mut self, node: &Node, what: &str) -> Option<Spanned<Duration>> {
        self.duration(node, what, false)
    }

    /// A duration that may be zero (`after.delay: 0s`: right after).
    fn expect_delay(&mut self, node: &Node, what: &str) -> Option<Spanned<Duration>> {
        self.duration(node, what, true)
    }

    fn duration(&mut self, node: &Node, what: &str, zero: bool) -> Option<Spanned<Duration>> {
        let duration = match &node.value {
            Value::Int(i) => u64::try_from(*i)
                .map(Duration::from_secs)
                .map_err(|_| format!("{i} is negative")),
            Value::Str(s) => crate::duration::parse_duration(s),
            _ => Err(format!("found {}", node.kind_name())),
        };
        match duration {
            Ok(d) if zero || !d.is_zero() => Some(Spanned::new(d, node.span)),
            Ok(_) => {
                self.error("value", node.span, format!("`{what}` must be positive"))
                    .hint = Some("give a duration of at least one second, e.g. 30s".into());
                None
            }
            Err(e) => {
                let hint = node
                    .as_str()
                    .and_then(duration_in_words)
                    .map_or_else(
                        || "write seconds (90) or a number with a unit: 90s, 15m, 2h, 1d".into(),
                        |d| format!("write `{d}`: seconds (90) or a number with one unit letter (90s, 15m, 2h, 1d)"),
                    );
                // The examples go in the hint.
                let e = e.split(" (examples").next().unwrap_or(&e);
                self.error(
                    "type",
                    node.span,
                    format!("`{what}` must be a duration: {e}"),
                )
                .hint = Some(hint);
                None
            }
        }
    }

    /// `after: { step: <id>, delay: 12.5s }` (the delay may be left out: right after).
    fn expect_after(&mut self, node: &Node) -> Option<After> {
        let hint = "write `after: { step: <id>, delay: 30s }`";
        let Some(m) = node.as_map() else {
            self.error(
                "type",
                node.span,
                format!("`after` must be a mapping, found {}", node.kind_name()),
            )
            .hint = Some(hint.into());
            return None;
        };
        let mut step = None;
        let mut delay = Some(Duration::ZERO);
        for (k, v) in m {
            match k.name.as_str() {
                "step" => step = self.expect_string(v, "after.step"),
                "delay" => delay = self.expect_delay(v, "after.delay").map(|d| d.value),
                other => {
                    self.error(
                        "unknown-field",
                        k.span,
                        format!("unknown field `after.{other}`"),
                    )
                    .hint = Some("`after` takes: step, delay".into());
                }
            }
        }
        if step.is_none() {
            self.error("missing", node.span, "`after` needs `step`")
                .hint = Some(hint.into());
        }
        Some(After {
            step: step?,
            delay: delay?,
        })
    }

    /// `retry: 3` or `retry: {attempts: 5, backoff: 2s, max_delay: 1m, deadline: 10m}`.
    fn expect_retry(&mut self, node: &Node) -> Option<Spanned<RetrySpec>> {
        const ATTEMPTS_HINT: &str =
            "attempts count the first one: 1 runs the step once, 3 allows two retries";
        let mut spec = RetrySpec::default();
        match &node.value {
            Value::Int(n) if *n >= 1 && *n <= 100 => spec.attempts = *n as u32,
            Value::Int(_) => {
                self.error(
                    "value",
                    node.span,
                    "`retry` attempts must be between 1 and 100",
                )
                .hint = Some(ATTEMPTS_HINT.into());
                return None;
            }
            Value::Map(m) => {
                let mut valid = true;
                let mut times_valid = true;
                let mut max_delay_span = None;
                for (k, v) in m {
                    match k.name.as_str() {
                        "attempts" => match v.value {
                            Value::Int(n) if (1..=100).contains(&n) => spec.attempts = n as u32,
                            _ => {
                                valid = false;
                                self.error(
                                    "value",
                                    v.span,
                                    "`retry.attempts` must be an integer between 1 and 100",
                                )
                                .hint = Some(ATTEMPTS_HINT.into());
                            }
                        },
                        // A bad value is reported and the other keys still checked.
                        "backoff" => match self.expect_duration(v, "retry.backoff") {
                            Some(d) => spec.backoff = d.value,
                            None => times_valid = false,
                        },
                        "max_delay" => match self.expect_duration(v, "retry.max_delay") {
                            Some(d) => {
                                spec.max_delay = d.value;
                                max_delay_span = Some(v.span);
                            }
                            None => times_valid = false,
                        },
                        "deadline" => match self.expect_duration(v, "retry.deadline") {
                            Some(d) => spec.deadline = Some(d.value),
                            None => times_valid = false,
                        },
                        other => {
                            valid = false;
                            let hint = did_you_mean(other, RETRY_KEYS.iter().copied());
                            self.error(
                                "unknown-field",
                                k.span,
                                format!("unknown field `retry.{other}`"),
                            )
                            .hint = hint.or_else(|| {
                                Some(format!("`retry` takes: {}", RETRY_KEYS.join(", ")))
                            });
                        }
                    }
                }
                if times_valid && spec.max_delay < spec.backoff {
                    let (b, d) = (spec.backoff.as_secs(), spec.max_delay.as_secs());
                    self.error(
                        "value",
                        max_delay_span.unwrap_or(node.span),
                        format!(
                            "`retry.max_delay` ({d}s) is shorter than `retry.backoff` ({b}s)"
                        ),
                    )
                    .hint = Some(
                        "the cap on a delay must be at least the first delay: raise `max_delay` or lower `backoff`".into(),
                    );
                }
                if !(valid && times_valid) {
                    return None;
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
                )
                .hint = Some(
                    "write `retry: 3`, or `retry: { attempts: 5, backoff: 2s, max_delay: 1m }`"
                        .into(),
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
                    .hint = hint.or_else(|| Some("`defaults` takes: timeout, retry".into()));
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

    /// A step, or None when it cannot be analysed (its problems are reported either way). The
    /// id of a step left out is added to `rejected`.
    fn step(
        &mut self,
        node: &Node,
        position: usize,
        rejected: &mut Vec<Spanned<String>>,
    ) -> Option<Step> {
        let Some(m) = node.as_map() else {
            self.error(
                "type",
                node.span,
                format!("a step must be a mapping, found {}", node.kind_name()),
            )
            .hint = Some("a step is a mapping: `- id: <name>` then its action on the next line, e.g. `add_label: { object: …, label: … }`".into());
            return None;
        };
        let mut id = None;
        let mut id_rejected = None;
        let mut kinds: Vec<(&'static KindSpec, &Key, &Node)> = Vec::new();
        // Keys that are not step fields, and whether one of them looks like a misspelt action.
        let mut strays: Vec<(&Key, Option<String>)> = Vec::new();
        let mut misspelt_action = false;
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
            delay: None,
            after: None,
            span: node.span,
        };
        for (k, v) in m {
            match k.name.as_str() {
                "id" => match &v.value {
                    Value::Str(s) if is_identifier(s) => id = Some(Spanned::new(s.clone(), v.span)),
                    Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                        let text = scalar_text(v);
                        let example = identifier_like(&text)
                            .map_or_else(String::new, |f| format!(", e.g. `{f}`"));
                        self.error("name", v.span, format!("`{text}` cannot be a step id"))
                            .hint = Some(format!(
                            "use letters, digits and underscores, starting with a letter{example} (ids are used as `steps.<id>` in expressions)"
                        ));
                        // Analysed under the name as written, so that `needs: [sky-map]`
                        // is not reported a second time.
                        id_rejected = Some(Spanned::new(text, v.span));
                    }
                    _ => {
                        self.error(
                            "type",
                            v.span,
                            format!("`id` must be a name, found {}", v.kind_name()),
                        )
                        .hint = Some("write `id: <name>`, e.g. `id: label`".into());
                    }
                },
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
                                format!(
                                    "`needs` must be a step id or a list of them, found {}",
                                    v.kind_name()
                                ),
                            )
                            .hint = Some("write `needs: [other_step]`".into());
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
                "delay" => step.delay = self.expect_duration(v, "delay"),
                "after" => {
                    step.after = self.expect_after(v);
                    if let Some(a) = &step.after {
                        // A dependency like `needs`, so that it is checked and ordered alike.
                        step.needs.push(a.step.clone());
                    }
                }
                other => match kind(other) {
                    Some(spec) => kinds.push((spec, k, v)),
                    None => {
                        let candidates = STEP_KEYS
                            .iter()
                            .copied()
                            .chain(KINDS.iter().map(|k| k.name));
                        let meant = closest(other, candidates);
                        misspelt_action |= meant.and_then(kind).is_some();
                        strays.push((k, meant.map(|c| format!("did you mean `{c}`?"))));
                    }
                },
            }
        }
        let id_key = m.iter().find(|(k, _)| k.name == "id");
        let names: Vec<&str> = strays.iter().map(|(k, _)| k.name.as_str()).collect();
        // Inputs written at the step's level with no action at all: one error says it.
        let inputs_without_action = kinds.is_empty()
            && !names.is_empty()
            && strays.iter().all(|(_, h)| h.is_none())
            && kinds_taking(&names).is_some();
        if !inputs_without_action {
            for (k, hint) in &strays {
                let hint = hint.clone().or_else(|| input_hint(&k.name, &kinds_in(m)));
                self.error("unknown-field", k.span, format!("unknown step field `{}`", k.name)).hint = hint.or_else(|| {
                    Some("a step has an `id`, one action (create_event, write_log, add_label, …) and optionally needs, if, for_each, continue_on_error, always, timeout, retry, delay, after".into())
                });
            }
        }
        match kinds.as_slice() {
            [(spec, key, inputs)] => {
                step.kind = spec;
                step.kind_span = key.span;
                if inputs.as_map().is_none() {
                    let required: Vec<String> = input_fields(spec)
                        .iter()
                        .filter(|f| f.required)
                        .map(|f| format!("{}: …", f.name))
                        .collect();
                    self.error(
                        "type",
                        inputs.span,
                        format!(
                            "the inputs of `{}` must be a mapping, found {}",
                            spec.name,
                            inputs.kind_name()
                        ),
                    )
                    .hint = Some(format!(
                        "write `{}: {{ {} }}`",
                        spec.name,
                        required.join(", ")
                    ));
                    rejected.extend(id.or(id_rejected));
                    return None;
                }
                step.inputs = (*inputs).clone();
            }
            [] => {
                if inputs_without_action {
                    let fitting = kinds_taking(&names).unwrap_or_default();
                    let example = fitting.first().copied().unwrap_or("add_label");
                    self.error(
                        "missing-action",
                        strays[0].0.span,
                        format!(
                            "this step has no action, only the inputs of one: {}",
                            quoted_list(&names)
                        ),
                    )
                    .hint = Some(format!(
                        "put {} under the action, e.g. `{example}: {{ {} }}` (taken by {})",
                        if names.len() == 1 { "it" } else { "them" },
                        names
                            .iter()
                            .map(|n| format!("{n}: …"))
                            .collect::<Vec<_>>()
                            .join(", "),
                        fitting.join(", ")
                    ));
                } else if !misspelt_action {
                    // (A misspelt action has its own error, which says more than this would.)
                    let at = id_key.map_or(node.span, |(k, _)| k.span);
                    self.error("missing-action", at, "this step has no action")
                        .hint = Some(format!(
                        "add one of: {}",
                        KINDS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
                    ));
                }
                rejected.extend(id.or(id_rejected));
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
                rejected.extend(id.or(id_rejected));
                return None;
            }
        }
        match (id, id_rejected) {
            (Some(id), _) | (None, Some(id)) => step.id = id,
            (None, None) => {
                if id_key.is_none() {
                    let at = m.first().map_or(node.span, |(k, _)| k.span);
                    self.error("missing-field", at, "this step has no `id`")
                        .hint = Some(format!(
                        "add `id: <name>` (e.g. `id: {}`); later steps refer to its outputs as steps.<name>.<output>",
                        step.kind.name.split('_').next_back().unwrap_or("step")
                    ));
                }
                // Still analysed, under a name no expression can refer to, so that the
                // problems in its inputs are reported too.
                step.id = Spanned::new(format!("#{position}"), node.span);
            }
        }
        Some(step)
    }
}

/// The action keys present in a step mapping (to tell a stray input from a stray field).
fn kinds_in(m: &[(Key, Node)]) -> Vec<&'static KindSpec> {
    m.iter().filter_map(|(k, _)| kind(&k.name)).collect()
}

/// The actions that take every one of `names` as inputs, if any does.
fn kinds_taking(names: &[&str]) -> Option<Vec<&'static str>> {
    let fitting: Vec<&str> = KINDS
        .iter()
        .filter(|k| {
            let fields = input_fields(k);
            names.iter().all(|n| fields.iter().any(|f| f.name == *n))
        })
        .map(|k| k.name)
        .collect();
    (!fitting.is_empty()).then_some(fitting)
}

/// A hint for a step key that is an action's input put at the step's level.
fn input_hint(name: &str, present: &[&'static KindSpec]) -> Option<String> {
    if let Some(spec) = present
        .iter()
        .find(|k| input_fields(k).iter().any(|f| f.name == name))
    {
        return Some(format!(
            "`{name}` is an input of `{}`: indent it under `{}:`",
            spec.name, spec.name
        ));
    }
    let fitting = kinds_taking(&[name])?;
    Some(format!(
        "`{name}` is an input, not a step field: put it under the action ({})",
        fitting.join(", ")
    ))
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A scalar as it was written, for hints.
fn scalar_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => s.clone(),
        _ => node.to_json().to_string(),
    }
}

/// The nearest valid identifier to an invalid one (`sky-map` → `sky_map`, `7` → `step_7`),
/// if there is one worth showing.
fn identifier_like(s: &str) -> Option<String> {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.chars().any(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert_str(0, "step_");
    }
    Some(out)
}

/// `5 minutes` → `5m`: the units people write in words, as the one letter a duration takes.
fn duration_in_words(s: &str) -> Option<String> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = s.split_at(digits);
    if number.is_empty() {
        return None;
    }
    let unit = unit.trim().to_ascii_lowercase();
    let letter = match unit.as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 's',
        "m" | "min" | "mins" | "minute" | "minutes" => 'm',
        "h" | "hr" | "hrs" | "hour" | "hours" => 'h',
        "d" | "day" | "days" => 'd',
        _ => return None,
    };
    Some(format!("{number}{letter}"))
}

/// Parse a manifest's text. Returns the manifest if it is well formed enough to analyse,
/// and every problem found either way.
pub fn parse(source: Arc<Source>) -> (Option<Manifest>, Vec<Diagnostic>) {
    let root = match super::node::parse(&source.text) {
        Ok(r) => r,
        Err(e) => {
            let d = Diagnostic::error("yaml", e.span, format!("invalid YAML: {}", e.message))
                .with_hint_opt(e.hint);
            return (None, vec![d]);
        }
    };
    let mut p = Parser { out: vec![] };
    let Some(top) = root.as_map() else {
        p.error(
            "type",
            root.span,
            format!("a manifest must be a mapping, found {}", root.kind_name()),
        )
        .hint = Some(format!(
            "a manifest starts with `version: {VERSION}` and has a `steps:` list"
        ));
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
        rejected_ids: vec![],
    };
    let mut version_seen = false;
    let mut steps_seen = false;
    // Required keys that a misspelt key probably meant: its error says so already.
    let mut meant: Vec<&str> = Vec::new();
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
                        let mut rejected = Vec::new();
                        m.steps = items
                            .iter()
                            .enumerate()
                            .filter_map(|(i, s)| p.step(s, i + 1, &mut rejected))
                            .collect();
                        m.rejected_ids = rejected;
                    }
                    Value::Seq(_) => {
                        p.error("empty", v.span, "`steps` is empty").hint = Some(
                            "add at least one step: `- id: <name>` and an action such as `add_label: { … }`"
                                .into(),
                        );
                    }
                    _ => {
                        p.error(
                            "type",
                            v.span,
                            format!("`steps` must be a list of steps, found {}", v.kind_name()),
                        )
                        .hint = Some(
                            "write each step as a list item starting with `- id: <name>`".into(),
                        );
                    }
                }
            }
            other => {
                let suggestion = closest(other, TOP_KEYS.iter().copied());
                meant.extend(suggestion);
                p.error("unknown-field", k.span, format!("unknown field `{other}`"))
                    .hint = Some(suggestion.map_or_else(
                    || format!("a manifest has: {}", TOP_KEYS.join(", ")),
                    |c| format!("did you mean `{c}`?"),
                ));
            }
        }
    }
    // A missing key has no place of its own: point at the start of the mapping, where it
    // would go (not at a leading comment).
    let start = top
        .first()
        .map_or(root.span, |(k, _)| Span::new(k.span.offset, 0));
    if !version_seen && !meant.contains(&"version") {
        p.error("missing-field", start, "the manifest has no `version`")
            .hint = Some(format!("start it with `version: {VERSION}`"));
    }
    if !steps_seen && !meant.contains(&"steps") {
        p.error("missing-field", start, "the manifest has no `steps`")
            .hint =
            Some("add `steps:` with a list of steps, each `- id: <name>` and one action".into());
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
            // A misspelt key is one problem: no second error for the action or the
            // `version` it stands for.
            [
                "unknown-field",
                "name",
                "unknown-field",
                "two-actions",
                "type",
                "value",
                "unknown-field",
            ],
            "{d:#?}"
        );
        assert_eq!(d[0].hint.as_deref(), Some("did you mean `version`?"));
        assert_eq!(d[2].hint.as_deref(), Some("did you mean `create_event`?"));
    }
}
