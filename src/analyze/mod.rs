//! Analysis: what a manifest means. Every reference is resolved, every literal checked (types,
//! vocabulary, files), the step graph built from `needs:` and from the references expressions
//! make, and cycles reported with their whole path. All problems are found in one pass; the
//! result is plain data for `plan` and the engine, and nothing here reaches back into the YAML.

mod graph;
mod input;
mod vocabulary;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

pub use graph::Graph;
pub use input::{Input, locate};
pub use vocabulary::Vocabulary;

use crate::expr::{Reference, Root, Segment, Template, Type, infer};
use crate::manifest::diagnostic::did_you_mean;
use crate::manifest::node::Node;
use crate::manifest::steps::{InputField, input_fields};
use crate::manifest::{Diagnostic, Manifest, Span, Step};

/// What the caller adds to the manifest.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--set name=value` overrides of `vars`.
    pub overrides: Vec<(String, String)>,
    /// Names to check literal groups, pipelines, searches and labels against.
    pub vocabulary: Vocabulary,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            overrides: vec![],
            vocabulary: Vocabulary::snapshot(),
        }
    }
}

/// One analysed step.
#[derive(Debug, Clone)]
pub struct StepInfo {
    /// Its inputs (a mapping).
    pub inputs: Input,
    /// Its `if:` condition.
    pub condition: Option<Input>,
    /// Its `for_each:` list.
    pub for_each: Option<Input>,
    /// The steps whose outputs its expressions use.
    pub uses: Vec<usize>,
}

/// A manifest understood: ready to plan and run.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The manifest.
    pub manifest: Manifest,
    /// The directory relative paths are resolved against (the manifest's).
    pub base_dir: PathBuf,
    /// Variables, overrides applied, in order.
    pub vars: Vec<(String, Input)>,
    /// Per step, in manifest order.
    pub steps: Vec<StepInfo>,
    /// Dependencies.
    pub graph: Graph,
    /// Steps by parallel level.
    pub levels: Vec<Vec<usize>>,
}

/// The type of a literal value.
pub fn json_type(v: &Json) -> Type {
    match v {
        Json::Null => Type::Null,
        Json::Bool(_) => Type::Bool,
        Json::Number(n) if n.is_i64() || n.is_u64() => Type::Integer,
        Json::Number(_) => Type::Number,
        Json::String(_) => Type::String,
        Json::Array(a) => Type::List(Box::new(a.first().map_or(Type::Any, json_type))),
        Json::Object(_) => Type::Object,
    }
}

/// Input fields whose literal values name things in the server's vocabulary.
const VOCABULARY_FIELDS: &[(&str, &str, Lists)] = &[
    ("create_event", "group", Lists::Groups),
    ("create_event", "pipeline", Lists::Pipelines),
    ("create_event", "search", Lists::Searches),
    ("create_event", "labels", Lists::Labels),
    ("create_superevent", "labels", Lists::Labels),
    ("add_label", "label", Lists::Labels),
    ("remove_label", "label", Lists::Labels),
    ("write_log", "label", Lists::Labels),
];

#[derive(Debug, Clone, Copy)]
enum Lists {
    Groups,
    Pipelines,
    Searches,
    Labels,
}

struct Analyzer<'a> {
    m: &'a Manifest,
    opts: &'a Options,
    base_dir: PathBuf,
    ids: HashMap<String, usize>,
    var_types: BTreeMap<String, Type>,
    out: Vec<Diagnostic>,
}

impl Analyzer<'_> {
    fn err(&mut self, code: &'static str, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.out.push(Diagnostic::error(code, span, msg));
        self.out.last_mut().expect("just pushed")
    }

    fn input(&mut self, node: &Node) -> Input {
        Input::from_node(node, &self.m.source, &mut self.out)
    }

    /// The span of a reference inside the string at `span`.
    fn ref_span(&self, span: Span, t_text: &str, r: &Reference) -> Span {
        locate(&self.m.source, span, t_text, r.offset, r.len)
    }

    fn output_type(&self, step: usize, path: &[Segment]) -> Result<Type, (String, Option<String>)> {
        let s = &self.m.steps[step];
        let Some(Segment::Field(name)) = path.first() else {
            return Ok(Type::Object);
        };
        let outputs = (s.kind.outputs)();
        let Some((_, ty, _)) = outputs.iter().find(|(n, _, _)| n == name) else {
            let hint = did_you_mean(name, outputs.iter().map(|(n, _, _)| *n)).or_else(|| {
                Some(format!(
                    "`{}` ({}) has: {}",
                    s.id.value,
                    s.kind.name,
                    outputs
                        .iter()
                        .map(|(n, _, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            });
            return Err((
                format!("step `{}` has no output `{name}`", s.id.value),
                hint,
            ));
        };
        let ty = if path.len() > 1 {
            Type::Any
        } else {
            ty.clone()
        };
        Ok(if s.for_each.is_some() {
            Type::List(Box::new(ty))
        } else {
            ty
        })
    }

    /// Check the references of a template used by step `at` (None for vars), returning the
    /// steps it uses.
    fn references(&mut self, at: Option<usize>, t: &Template, span: Span) -> Vec<usize> {
        let value = template_text(t);
        let mut used = Vec::new();
        for e in t.exprs() {
            for r in &e.refs {
                let rs = self.ref_span(span, &value, r);
                match r.root {
                    Root::Steps => {
                        let Some(Segment::Field(id)) = r.path.first() else {
                            self.err(
                                "reference",
                                rs,
                                "`steps` needs a step id: steps.<id>.<output>",
                            );
                            continue;
                        };
                        let Some(&target) = self.ids.get(id) else {
                            let hint = did_you_mean(id, self.ids.keys().map(String::as_str));
                            self.err("unknown-step", rs, format!("no step has the id `{id}`"))
                                .hint = hint;
                            continue;
                        };
                        match at {
                            None => {
                                self.err("reference", rs, "variables cannot use step outputs")
                                    .hint = Some("vars are resolved before any step runs; use the expression in the step instead".into());
                            }
                            Some(s) if s == target => {
                                self.err(
                                    "reference",
                                    rs,
                                    format!("step `{id}` refers to its own output"),
                                );
                            }
                            Some(_) => {
                                if let Err((msg, hint)) = self.output_type(target, &r.path[1..]) {
                                    self.err("unknown-output", rs, msg).hint = hint;
                                }
                                used.push(target);
                            }
                        }
                    }
                    Root::Vars => {
                        let Some(Segment::Field(name)) = r.path.first() else {
                            self.err("reference", rs, "`vars` needs a name: vars.<name>");
                            continue;
                        };
                        if !self.var_types.contains_key(name) {
                            let hint =
                                did_you_mean(name, self.var_types.keys().map(String::as_str));
                            self.err("unknown-var", rs, format!("no variable `{name}`")).hint =
                                hint.or_else(|| Some("declare it under `vars:` (earlier variables only, for variables)".into()));
                        }
                    }
                    Root::Item => {
                        if at.is_none_or(|s| self.m.steps[s].for_each.is_none()) {
                            self.err(
                                "reference",
                                rs,
                                "`item` is only defined in a step with `for_each`",
                            );
                        }
                    }
                    Root::Env => {}
                }
            }
        }
        used.sort_unstable();
        used.dedup();
        used
    }

    fn ref_type(&self, step: Option<usize>, r: &Reference) -> Type {
        match r.root {
            Root::Steps => match r.path.first() {
                Some(Segment::Field(id)) => self
                    .ids
                    .get(id)
                    .filter(|t| Some(**t) != step)
                    .and_then(|t| self.output_type(*t, &r.path[1..]).ok())
                    .unwrap_or(Type::Any),
                _ => Type::Any,
            },
            Root::Vars => match r.path.as_slice() {
                [Segment::Field(n)] => self.var_types.get(n).cloned().unwrap_or(Type::Any),
                _ => Type::Any,
            },
            Root::Env => Type::String,
            Root::Item => Type::Any,
        }
    }

    /// The type a template yields: its expression's, or a string when text is mixed in.
    fn template_type(&mut self, step: Option<usize>, t: &Template, span: Span) -> Type {
        let Some(e) = t.single_expr() else {
            return Type::String;
        };
        match infer(e, &|r| self.ref_type(step, r)) {
            Ok(ty) => ty,
            Err(m) => {
                let at = locate(&self.m.source, span, &template_text(t), m.offset, m.len);
                self.err("type", at, m.message);
                Type::Any
            }
        }
    }

    fn check_type(&mut self, step: usize, field: &InputField, value: &Input, span: Span) {
        let found = match value {
            Input::Literal(v) => json_type(v),
            Input::Template(t, s) => self.template_type(Some(step), t, *s),
            Input::List(_) => Type::List(Box::new(Type::Any)),
            Input::Map(_) => Type::Object,
        };
        let ok = field.ty.accepts(&found)
            || found == Type::Null && !field.required
            // A single item where a list is expected is a common slip worth a clearer message.
            || matches!(found, Type::Any);
        if !ok {
            let msg = format!(
                "`{}` must be {}, found {}",
                field.name,
                field.ty.name(),
                found.name()
            );
            let hint = match (&field.ty, &found) {
                (Type::List(_), Type::String) => Some(format!(
                    "write a list: {}: [{}]",
                    field.name,
                    value.literal().map_or(String::new(), |v| v.to_string())
                )),
                (Type::Number | Type::Integer, Type::String) => {
                    Some("numbers are written without quotes".into())
                }
                _ => None,
            };
            self.err("type", span, msg).hint = hint;
        }
    }

    fn check_vocabulary(&mut self, step: &Step, field: &str, value: &Input, span: Span) {
        let Some((_, _, lists)) = VOCABULARY_FIELDS
            .iter()
            .find(|(k, f, _)| *k == step.kind.name && *f == field)
        else {
            return;
        };
        let v = &self.opts.vocabulary;
        let (list, what) = match lists {
            Lists::Groups => (&v.groups, "group"),
            Lists::Pipelines => (&v.pipelines, "pipeline"),
            Lists::Searches => (&v.searches, "search"),
            Lists::Labels => (&v.labels, "label"),
        };
        let names: Vec<String> = match value.literal() {
            Some(Json::String(s)) => vec![s.clone()],
            Some(Json::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            _ => return,
        };
        for n in names.iter().filter(|n| !list.contains(n)) {
            let hint = did_you_mean(n, list.iter().map(String::as_str)).or_else(|| {
                list.iter()
                    .find(|x| x.eq_ignore_ascii_case(n))
                    .map(|x| format!("names are case-sensitive: `{x}`"))
            });
            let origin = v.origin.clone();
            self.err(
                "vocabulary",
                span,
                format!("`{n}` is not a {what} in {origin}"),
            )
            .hint = hint;
        }
    }

    fn check_file(&mut self, field: &InputField, value: &Input, span: Span) {
        if field.ty != Type::Path {
            return;
        }
        let Some(Json::String(p)) = value.literal() else {
            return;
        };
        let path = self.base_dir.join(p);
        if !path.is_file() {
            self.err("missing-file", span, format!("no file `{p}`"))
                .hint = Some(format!(
                "paths are relative to the manifest's directory ({})",
                self.base_dir.display()
            ));
        }
    }

    fn check_for_each(&mut self, step: usize, fe: &Input, node: &Node) {
        match fe {
            Input::Literal(Json::Array(_)) | Input::List(_) => {}
            Input::Literal(other) => {
                self.err(
                    "type",
                    node.span,
                    format!(
                        "`for_each` must be a list or an expression giving one, found {}",
                        json_type(other).name()
                    ),
                );
            }
            Input::Template(t, span) => {
                let ty = self.template_type(Some(step), t, *span);
                if !matches!(ty, Type::List(_) | Type::Any) {
                    self.err(
                        "type",
                        *span,
                        format!("`for_each` must give a list, this gives {}", ty.name()),
                    );
                }
                // A glob over a literal pattern can be tried now.
                if let Some(e) = t.single_expr()
                    && e.refs.is_empty()
                    && e.calls.iter().any(|c| c.name == "glob")
                {
                    let ev = crate::expr::Evaluator::new(0.0, self.base_dir.clone());
                    if let Ok(Json::Array(found)) =
                        ev.eval_template(t, &crate::expr::Context::default())
                        && found.is_empty()
                    {
                        self.out.push(
                            Diagnostic::warning(
                                "empty-glob",
                                *span,
                                "this glob matches no file; the step will do nothing",
                            )
                            .with_hint(format!(
                                "patterns are relative to {}",
                                self.base_dir.display()
                            )),
                        );
                    }
                }
            }
            Input::Map(_) => {
                self.err(
                    "type",
                    node.span,
                    "`for_each` must be a list, found a mapping",
                );
            }
        }
    }

    fn step(&mut self, i: usize, graph: &mut Graph) -> StepInfo {
        let step = &self.m.steps[i];
        let fields = input_fields(step.kind);
        let mut inputs = Vec::new();
        let entries = step.inputs.as_map().unwrap_or_default();
        for (k, v) in entries {
            let value = self.input(v);
            match fields.iter().find(|f| f.name == k.name) {
                None => {
                    let hint = did_you_mean(&k.name, fields.iter().map(|f| f.name.as_str()))
                        .or_else(|| {
                            Some(format!(
                                "`{}` takes: {}",
                                step.kind.name,
                                fields
                                    .iter()
                                    .map(|f| f.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                        });
                    self.err(
                        "unknown-field",
                        k.span,
                        format!("`{}` has no input `{}`", step.kind.name, k.name),
                    )
                    .hint = hint;
                }
                Some(f) => {
                    self.check_type(i, f, &value, v.span);
                    self.check_vocabulary(step, &f.name, &value, v.span);
                    self.check_file(f, &value, v.span);
                }
            }
            inputs.push((k.name.clone(), value));
        }
        for f in fields.iter().filter(|f| f.required) {
            if !entries.iter().any(|(k, _)| k.name == f.name) {
                self.err(
                    "missing-field",
                    step.kind_span,
                    format!("`{}` needs `{}`", step.kind.name, f.name),
                )
                .hint = Some(format!("add `{}: …` ({})", f.name, f.ty.name()));
            }
        }
        for n in &step.needs {
            match self.ids.get(&n.value) {
                Some(&d) if d == i => {
                    self.err("cycle", n.span, format!("step `{}` needs itself", n.value));
                }
                Some(&d) => graph.add(i, d),
                None => {
                    let hint = did_you_mean(&n.value, self.ids.keys().map(String::as_str));
                    self.err(
                        "unknown-step",
                        n.span,
                        format!("no step has the id `{}`", n.value),
                    )
                    .hint = hint;
                }
            }
        }
        let condition = step.condition.as_ref().map(|c| {
            let input = self.input(c);
            match &input {
                Input::Literal(Json::Bool(_)) => {}
                Input::Template(t, span) => {
                    let ty = self.template_type(Some(i), t, *span);
                    if !matches!(ty, Type::Bool | Type::Any) {
                        self.out.push(Diagnostic::warning(
                            "type",
                            *span,
                            format!("`if` gives {}; it is tested for truth", ty.name()),
                        ));
                    }
                }
                _ => {
                    self.err(
                        "type",
                        c.span,
                        format!(
                            "`if` must be true, false or an expression, found {}",
                            c.kind_name()
                        ),
                    );
                }
            }
            input
        });
        let for_each = step.for_each.as_ref().map(|fe| {
            let input = self.input(fe);
            self.check_for_each(i, &input, fe);
            input
        });
        let input = Input::Map(inputs);
        let mut uses = Vec::new();
        let all: Vec<(Template, Span)> = input
            .templates()
            .into_iter()
            .chain(condition.iter().flat_map(Input::templates))
            .chain(for_each.iter().flat_map(Input::templates))
            .map(|(t, s)| (t.clone(), s))
            .collect();
        for (t, span) in &all {
            uses.extend(self.references(Some(i), t, *span));
        }
        uses.sort_unstable();
        uses.dedup();
        for &u in &uses {
            graph.add(i, u);
        }
        StepInfo {
            inputs: input,
            condition,
            for_each,
            uses,
        }
    }
}

/// The text a template was parsed from.
fn template_text(t: &Template) -> String {
    t.parts
        .iter()
        .map(|p| match p {
            crate::expr::Part::Text(s) => s.clone(),
            crate::expr::Part::Expr(e) => format!("${{{{ {} }}}}", e.source),
        })
        .collect()
}

/// Analyse a parsed manifest.
pub fn analyze(manifest: Manifest, opts: &Options) -> (Option<Analysis>, Vec<Diagnostic>) {
    let base_dir = manifest
        .source
        .path
        .parent()
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    let mut a = Analyzer {
        m: &manifest,
        opts,
        base_dir: base_dir.clone(),
        ids: HashMap::new(),
        var_types: BTreeMap::new(),
        out: vec![],
    };
    for (i, s) in manifest.steps.iter().enumerate() {
        if let Some(&first) = a.ids.get(&s.id.value) {
            let (line, _) = manifest
                .source
                .line_col(manifest.steps[first].id.span.offset);
            a.err(
                "duplicate-id",
                s.id.span,
                format!("two steps have the id `{}`", s.id.value),
            )
            .hint = Some(format!("the first is on line {line}; ids must be unique"));
        } else {
            a.ids.insert(s.id.value.clone(), i);
        }
    }
    // Variables: earlier ones only, no step outputs; overrides replace values.
    let mut vars = Vec::new();
    for v in &manifest.vars {
        let node = match a
            .opts
            .overrides
            .iter()
            .rev()
            .find(|(k, _)| *k == v.name.value)
        {
            Some((_, text)) => override_node(text, v.value.span),
            None => v.value.clone(),
        };
        let input = a.input(&node);
        for (t, span) in input.templates() {
            a.references(None, t, span);
        }
        let ty = match &input {
            Input::Literal(j) => json_type(j),
            Input::Template(t, s) => a.template_type(None, t, *s),
            _ => Type::Any,
        };
        a.var_types.insert(v.name.value.clone(), ty);
        vars.push((v.name.value.clone(), input));
    }
    for (k, value) in &opts.overrides {
        if !manifest.vars.iter().any(|v| v.name.value == *k) {
            let hint = did_you_mean(k, manifest.vars.iter().map(|v| v.name.value.as_str()));
            a.out.push(
                Diagnostic::error(
                    "unknown-var",
                    None,
                    format!("--set {k}={value}: the manifest has no variable `{k}`"),
                )
                .with_hint_opt(hint.or_else(|| Some("declare it under `vars:` first".into()))),
            );
        }
    }
    let mut graph = Graph::new(manifest.steps.len());
    let steps: Vec<StepInfo> = (0..manifest.steps.len())
        .map(|i| a.step(i, &mut graph))
        .collect();
    if let Some(cycle) = graph.cycle() {
        let path: Vec<&str> = cycle
            .iter()
            .map(|&i| manifest.steps[i].id.value.as_str())
            .collect();
        let at = manifest.steps[cycle[0]].id.span;
        a.err(
            "cycle",
            at,
            format!(
                "the steps depend on each other in a cycle: {}",
                path.join(" -> ")
            ),
        )
        .hint = Some(
            "remove one of these dependencies (a `needs:` entry or a `steps.<id>` reference)"
                .into(),
        );
    }
    let out = a.out;
    let has_errors = out
        .iter()
        .any(|d| d.severity == crate::manifest::Severity::Error);
    if has_errors {
        return (None, out);
    }
    let levels = graph.levels();
    (
        Some(Analysis {
            manifest,
            base_dir,
            vars,
            steps,
            graph,
            levels,
        }),
        out,
    )
}

/// An override's text as a value: YAML scalar rules (`5` is a number, `true` a boolean).
fn override_node(text: &str, span: Span) -> Node {
    let value = crate::manifest::node::parse(text)
        .ok()
        .filter(|n| {
            !matches!(
                n.value,
                crate::manifest::node::Value::Map(_) | crate::manifest::node::Value::Seq(_)
            )
        })
        .map_or(crate::manifest::node::Value::Str(text.to_owned()), |n| {
            n.value
        });
    Node { value, span }
}
