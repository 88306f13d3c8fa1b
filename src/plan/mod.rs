//! The plan: every request a run would send, in order and by parallel level, with values not
//! known before the run shown as typed placeholders. `graceflow plan` prints it; the engine
//! performs the same operations (`op.rs`) once their inputs are known. Nothing is sent.

pub mod op;
mod placeholders;

use std::path::Path;

use serde::Serialize;
use serde_json::Value as Json;

use crate::analyze::{Analysis, Input};
use crate::expr::{Context, Evaluator, Root, Segment, Template, Type};
use crate::gracedb::quirks::{content_id, hex, sha256};
use crate::gracedb::{Body, Request};
use crate::manifest::steps::{Effect, input_fields};

pub use op::{Op, SearchTarget, WaitFor};
use placeholders::{IdKind, Placeholders};

/// A dry run of a manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The manifest's name.
    pub name: String,
    /// Where it would run.
    pub server: String,
    /// The frozen "now" (GPS) the plan was made with.
    pub now_gps: f64,
    /// Resolved variables.
    pub vars: serde_json::Map<String, Json>,
    /// Steps by level; the steps of a level run in parallel.
    pub levels: Vec<Vec<PlannedStep>>,
}

/// One step of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedStep {
    /// Its ID.
    pub id: String,
    /// Its kind.
    pub kind: &'static str,
    /// Whether it writes.
    pub writes: bool,
    /// The steps it waits for.
    pub after: Vec<String>,
    /// Its condition, when it cannot be decided before the run, or why it will not run.
    pub condition: Option<String>,
    /// What it iterates over, when that is not known before the run.
    pub for_each: Option<String>,
    /// Whether it runs even after a failure.
    pub always: bool,
    /// When it may start, from `delay:` and `after:` (`1.5s after `event` finished`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub starts: Vec<String>,
    /// Time allowed per request (the step's, else the manifest's default), in seconds.
    pub timeout_s: Option<u64>,
    /// Its retry policy (the step's, else the manifest's default).
    pub retry: Option<RetryView>,
    /// One action per item (one when there is no `for_each`).
    pub actions: Vec<PlannedAction>,
}

/// A retry policy as planned.
#[derive(Debug, Clone, Serialize)]
pub struct RetryView {
    /// Attempts in all.
    pub attempts: u32,
    /// First delay, seconds.
    pub backoff_s: f64,
    /// Cap on a delay, seconds.
    pub max_delay_s: f64,
    /// Overall deadline, seconds.
    pub deadline_s: Option<f64>,
}

/// One request, or why there is none.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedAction {
    /// The `for_each` item's key.
    pub item: Option<String>,
    /// The request.
    pub request: Option<RequestView>,
    /// What a step that sends no request does (`wait_for`, `assert`, `sleep_until`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local: Option<String>,
    /// A problem that will stop this action at run time, as far as can be told now.
    pub problem: Option<String>,
}

/// A request as it will be sent.
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    /// HTTP method.
    pub method: String,
    /// Path under the API root.
    pub endpoint: String,
    /// Body encoding: none, form or multipart.
    pub encoding: &'static str,
    /// Fields, in order.
    pub fields: Vec<(String, String)>,
    /// The file part.
    pub file: Option<FileView>,
}

/// A file a request uploads.
#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    /// The multipart part name.
    pub field: String,
    /// The local path.
    pub path: String,
    /// The name the server will store it under.
    pub name: String,
    /// Its size, if it exists now.
    pub size: Option<u64>,
    /// Its SHA-256, if it exists now.
    pub sha256: Option<String>,
}

/// A problem that keeps the plan from being made (a variable that cannot be evaluated).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

/// The key that identifies a `for_each` item in the journal: stable across runs.
pub fn item_key(item: &Json) -> String {
    match item {
        Json::String(s) => s.clone(),
        Json::Object(o) => ["graceid", "superevent_id", "id", "name"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Json::as_str).map(str::to_owned))
            .unwrap_or_else(|| item.to_string()),
        other => other.to_string(),
    }
}

/// Evaluate the variables in order, each seeing those before it.
pub fn resolve_vars(
    a: &Analysis,
    ev: &Evaluator,
    env: &std::collections::BTreeMap<String, String>,
) -> Result<serde_json::Map<String, Json>, PlanError> {
    let mut ctx = Context {
        env: env.clone(),
        ..Context::default()
    };
    for (name, input) in &a.vars {
        let v = input.resolve(ev, &ctx).map_err(|(e, span)| {
            let (line, col) = a.manifest.source.line_col(span.offset);
            PlanError(format!(
                "{}:{line}:{col}: variable `{name}`: {}",
                a.manifest.source.path.display(),
                e.message
            ))
        })?;
        ctx.vars.insert(name.clone(), v);
    }
    Ok(ctx.vars)
}

fn template_text(t: &Template) -> String {
    t.parts
        .iter()
        .map(|p| match p {
            crate::expr::Part::Text(s) => s.clone(),
            crate::expr::Part::Expr(e) => format!("${{{{ {} }}}}", e.source),
        })
        .collect()
}

/// What a template waits for: outputs of other steps, or (with unknown items) `item`.
fn is_deferred(t: &Template, items_known: bool) -> bool {
    t.exprs().any(|e| {
        e.refs
            .iter()
            .any(|r| r.root == Root::Steps || (r.root == Root::Item && !items_known))
    })
}

/// The placeholder text of a deferred template: `<graceid of step event>` for a plain output
/// reference, the expression itself otherwise.
fn placeholder_text(t: &Template) -> String {
    if let Some(e) = t.single_expr()
        && let [r] = e.refs.as_slice()
        && r.len == e.source.len()
        && r.root == Root::Steps
        && let [Segment::Field(id), Segment::Field(output)] = r.path.as_slice()
    {
        return format!("<{output} of step {id}>");
    }
    format!("<{}>", template_text(t))
}

/// The ID kind of a deferred value: what the referenced output holds, else what the field holds.
fn id_kind(field: &str, t: Option<&Template>) -> IdKind {
    let from_output = t
        .and_then(|t| t.single_expr())
        .and_then(|e| e.refs.first())
        .and_then(|r| match r.path.as_slice() {
            [_, Segment::Field(o), ..] => match o.as_str() {
                "graceid" | "preferred_event" => Some(IdKind::Event),
                "superevent_id" | "superevent" | "gw_id" => Some(IdKind::Superevent),
                _ => None,
            },
            _ => None,
        });
    from_output.unwrap_or(match field {
        "graceid" | "preferred_event" | "event" | "events" => IdKind::Event,
        "superevent" => IdKind::Superevent,
        _ => IdKind::None,
    })
}

struct Planner<'a> {
    a: &'a Analysis,
    ev: &'a Evaluator,
    ph: Placeholders,
}

impl Planner<'_> {
    /// Resolve what can be resolved now; stand in for the rest.
    fn value(
        &mut self,
        input: &Input,
        ty: &Type,
        field: &str,
        ctx: &Context,
        items_known: bool,
    ) -> Result<Json, String> {
        match input {
            Input::Literal(v) => Ok(v.clone()),
            Input::Template(t, _) if is_deferred(t, items_known) => {
                Ok(self
                    .ph
                    .stand_in(ty, id_kind(field, Some(t)), placeholder_text(t)))
            }
            Input::Template(t, _) => self.ev.eval_template(t, ctx).map_err(|e| e.message),
            Input::List(items) => {
                let item_ty = match ty {
                    Type::List(t) => (**t).clone(),
                    _ => Type::Any,
                };
                items
                    .iter()
                    .map(|i| self.value(i, &item_ty, field, ctx, items_known))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Json::Array)
            }
            Input::Map(m) => m
                .iter()
                .map(|(k, v)| Ok((k.clone(), self.value(v, &Type::Any, k, ctx, items_known)?)))
                .collect::<Result<serde_json::Map<_, _>, String>>()
                .map(Json::Object),
        }
    }

    fn view(&self, request: &Request) -> RequestView {
        let r = |s: &str| self.ph.restore(s);
        let (encoding, fields, upload) = match &request.body {
            Body::Empty => ("none", vec![], None),
            Body::Form(f) => ("form", f.0.clone(), None),
            Body::Multipart(f, u) => ("multipart", f.0.clone(), Some(u)),
        };
        let file = upload.map(|u| {
            let (size, sha) = file_facts(&u.path);
            FileView {
                field: u.field.to_owned(),
                path: r(&u.path.display().to_string()),
                name: r(&u.file_name),
                size,
                sha256: sha,
            }
        });
        RequestView {
            method: request.method.to_string(),
            endpoint: r(&request.path()),
            encoding,
            fields: fields.into_iter().map(|(k, v)| (k, r(&v))).collect(),
            file,
        }
    }

    fn action(
        &mut self,
        step: usize,
        ctx: &Context,
        items_known: bool,
        item: Option<String>,
    ) -> PlannedAction {
        let s = &self.a.manifest.steps[step];
        let fields = input_fields(s.kind);
        let Input::Map(entries) = &self.a.steps[step].inputs else {
            return PlannedAction {
                item,
                request: None,
                local: None,
                problem: Some("inputs are not a mapping".into()),
            };
        };
        let mut resolved = serde_json::Map::new();
        for (k, v) in entries {
            let ty = fields
                .iter()
                .find(|f| f.name == *k)
                .map_or(Type::Any, |f| f.ty.clone());
            match self.value(v, &ty, k, ctx, items_known) {
                Ok(j) => {
                    resolved.insert(k.clone(), j);
                }
                Err(e) => {
                    return PlannedAction {
                        item,
                        request: None,
                        local: None,
                        problem: Some(format!("`{k}`: {e}")),
                    };
                }
            }
        }
        let op = match Op::from_inputs(s.kind.name, Json::Object(resolved), &self.a.base_dir) {
            Ok(op) => op,
            Err(e) => {
                return PlannedAction {
                    item,
                    request: None,
                    local: None,
                    problem: Some(self.ph.restore(&e)),
                };
            }
        };
        let content = match &op {
            Op::CreateEvent(c) => file_facts(&c.file).1.map_or_else(
                || "<content id of the file>".to_owned(),
                |_| {
                    std::fs::read(&c.file)
                        .map(|b| content_id(&sha256(&b)))
                        .unwrap_or_default()
                },
            ),
            _ => String::new(),
        };
        let problem = op
            .upload()
            .filter(|p| !p.exists() && !self.ph.contains(&p.display().to_string()))
            .map(|p| format!("no file {}", p.display()));
        PlannedAction {
            item,
            request: op.request(&content).map(|r| self.view(&r)),
            local: op.local_description().map(|d| self.ph.restore(&d)),
            problem,
        }
    }

    fn step(
        &mut self,
        i: usize,
        vars: &serde_json::Map<String, Json>,
        env: &std::collections::BTreeMap<String, String>,
    ) -> PlannedStep {
        let s = &self.a.manifest.steps[i];
        let info = &self.a.steps[i];
        let base_ctx = Context {
            vars: vars.clone(),
            env: env.clone(),
            ..Context::default()
        };
        let mut planned = PlannedStep {
            id: s.id.value.clone(),
            kind: s.kind.name,
            writes: s.kind.effect == Effect::Write,
            starts: s
                .delay
                .iter()
                .map(|d| format!("{:?} after the run started", d.value))
                .chain(
                    s.after
                        .iter()
                        .map(|a| format!("{:?} after `{}` finished", a.delay, a.step.value)),
                )
                .collect(),
            after: self.a.graph.deps[i]
                .iter()
                .map(|&d| self.a.manifest.steps[d].id.value.clone())
                .collect(),
            condition: None,
            for_each: None,
            always: s.always,
            timeout_s: s
                .timeout
                .as_ref()
                .or(self.a.manifest.defaults.timeout.as_ref())
                .map(|t| t.value.as_secs()),
            retry: s
                .retry
                .as_ref()
                .or(self.a.manifest.defaults.retry.as_ref())
                .map(|r| RetryView {
                    attempts: r.value.attempts,
                    backoff_s: r.value.backoff.as_secs_f64(),
                    max_delay_s: r.value.max_delay.as_secs_f64(),
                    deadline_s: r.value.deadline.map(|d| d.as_secs_f64()),
                }),
            actions: vec![],
        };
        match &info.condition {
            Some(Input::Literal(Json::Bool(false))) => {
                planned.condition = Some("false: this step will not run".into());
                return planned;
            }
            Some(Input::Template(t, _)) if is_deferred(t, true) => {
                planned.condition = Some(format!("decided at run time: {}", template_text(t)));
            }
            Some(Input::Template(t, _)) => match self.ev.eval_template(t, &base_ctx) {
                Ok(v) if !truthy(&v) => {
                    planned.condition = Some(format!(
                        "{} is false now: this step will not run",
                        template_text(t)
                    ));
                    return planned;
                }
                Ok(_) => {}
                Err(e) => planned.condition = Some(format!("cannot be evaluated: {}", e.message)),
            },
            _ => {}
        }
        let items: Option<Vec<Json>> = match &info.for_each {
            None => None,
            Some(Input::Template(t, _)) if is_deferred(t, true) => {
                planned.for_each = Some(format!(
                    "each item of {} (known at run time)",
                    template_text(t)
                ));
                let action = self.action(i, &base_ctx, false, Some("<each item>".into()));
                planned.actions.push(action);
                return planned;
            }
            Some(fe) => match fe.resolve(self.ev, &base_ctx) {
                Ok(Json::Array(items)) => Some(items),
                Ok(other) => {
                    planned.actions.push(PlannedAction {
                        item: None,
                        request: None,
                        local: None,
                        problem: Some(format!("for_each gave {other}, not a list")),
                    });
                    return planned;
                }
                Err((e, _)) => {
                    planned.actions.push(PlannedAction {
                        item: None,
                        request: None,
                        local: None,
                        problem: Some(format!("for_each: {}", e.message)),
                    });
                    return planned;
                }
            },
        };
        match items {
            None => {
                let action = self.action(i, &base_ctx, true, None);
                planned.actions.push(action);
            }
            Some(items) => {
                for item in items {
                    let ctx = Context {
                        item: Some(item.clone()),
                        ..base_ctx.clone()
                    };
                    let action = self.action(i, &ctx, true, Some(item_key(&item)));
                    planned.actions.push(action);
                }
            }
        }
        planned
    }
}

/// Whether a value counts as true in an `if:` (as in the expression language).
pub fn truthy(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64() != Some(0.0),
        Json::String(s) => !s.is_empty(),
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
    }
}

fn file_facts(path: &Path) -> (Option<u64>, Option<String>) {
    match std::fs::read(path) {
        Ok(bytes) => (Some(bytes.len() as u64), Some(hex(&sha256(&bytes)))),
        Err(_) => (None, None),
    }
}

/// Make the plan of an analysed manifest.
pub fn plan(
    a: &Analysis,
    server: &str,
    now_gps: f64,
    env: &std::collections::BTreeMap<String, String>,
) -> Result<Plan, PlanError> {
    let ev = Evaluator::new(now_gps, a.base_dir.clone());
    let vars = resolve_vars(a, &ev, env)?;
    let mut p = Planner {
        a,
        ev: &ev,
        ph: Placeholders::default(),
    };
    let levels = a
        .levels
        .iter()
        .map(|level| level.iter().map(|&i| p.step(i, &vars, env)).collect())
        .collect();
    Ok(Plan {
        name: a.manifest.name.clone(),
        server: server.to_owned(),
        now_gps,
        vars,
        levels,
    })
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let requests: usize = self
            .levels
            .iter()
            .flatten()
            .map(|s| s.actions.iter().filter(|a| a.request.is_some()).count())
            .sum();
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        writeln!(
            f,
            "plan for {} on {}: {} in {} (nothing is sent)",
            self.name,
            self.server,
            plural(requests, "request"),
            plural(self.levels.len(), "level")
        )?;
        for (n, level) in self.levels.iter().enumerate() {
            writeln!(
                f,
                "\nlevel {} ({} step{} in parallel)",
                n + 1,
                level.len(),
                if level.len() == 1 { "" } else { "s" }
            )?;
            for s in level {
                let after = if s.after.is_empty() {
                    String::new()
                } else {
                    format!("  after {}", s.after.join(", "))
                };
                writeln!(
                    f,
                    "  {} [{}]{after}{}",
                    s.id,
                    s.kind,
                    if s.always { "  (always)" } else { "" }
                )?;
                if let Some(c) = &s.condition {
                    writeln!(f, "    if: {c}")?;
                }
                if !s.starts.is_empty() {
                    writeln!(f, "    starts no earlier than {}", s.starts.join(" and "))?;
                }
                if let Some(t) = s.timeout_s {
                    writeln!(f, "    timeout: {t}s")?;
                }
                if let Some(r) = &s.retry {
                    let deadline = r
                        .deadline_s
                        .map(|d| format!(", deadline {d}s"))
                        .unwrap_or_default();
                    writeln!(
                        f,
                        "    retry: {} attempts, backoff {}s, at most {}s between{deadline}",
                        r.attempts, r.backoff_s, r.max_delay_s
                    )?;
                }
                if let Some(fe) = &s.for_each {
                    writeln!(f, "    for_each: {fe}")?;
                }
                for a in &s.actions {
                    let indent = if let Some(item) = &a.item {
                        writeln!(f, "    item {item}:")?;
                        "      "
                    } else {
                        "    "
                    };
                    if let Some(l) = &a.local {
                        writeln!(f, "{indent}{l}")?;
                    }
                    if let Some(r) = &a.request {
                        writeln!(f, "{indent}{} {}", r.method, r.endpoint)?;
                        for (k, v) in &r.fields {
                            writeln!(f, "{indent}  {k} = {v}")?;
                        }
                        if let Some(file) = &r.file {
                            let facts = match (&file.size, &file.sha256) {
                                (Some(size), Some(sha)) => format!("{size} bytes, sha256 {sha}"),
                                _ => "not there yet".into(),
                            };
                            writeln!(f, "{indent}  {} = file {} ({facts})", file.field, file.name)?;
                        }
                    }
                    if let Some(p) = &a.problem {
                        writeln!(f, "{indent}problem: {p}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// What a write will send, for the journal's intent record: method, endpoint, fields, and the
/// file's name, size and SHA-256 (read off the async runtime). Never a credential.
pub async fn describe(op: &Op) -> Json {
    let file = op.upload().map(Path::to_path_buf);
    let facts = match file.clone() {
        Some(p) => tokio::task::spawn_blocking(move || file_facts(&p))
            .await
            .unwrap_or((None, None)),
        None => (None, None),
    };
    let content = match (op, &facts.1) {
        (Op::CreateEvent(c), Some(_)) => std::fs::read(&c.file)
            .map(|b| content_id(&sha256(&b)))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let Some(request) = op.request(&content) else {
        return serde_json::json!({ "local": op.local_description() });
    };
    let (fields, upload) = match &request.body {
        Body::Empty => (vec![], None),
        Body::Form(f) => (f.0.clone(), None),
        Body::Multipart(f, u) => (f.0.clone(), Some(u)),
    };
    serde_json::json!({
        "method": request.method.as_str(),
        "endpoint": request.path(),
        "fields": fields,
        "file": upload.map(|u| serde_json::json!({
            "field": u.field,
            "name": u.file_name,
            "size": facts.0,
            "sha256": facts.1,
        })),
    })
}
