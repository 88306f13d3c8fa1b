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
pub use input::{Input, Unparsed, locate};
pub use vocabulary::Vocabulary;

use crate::expr::{Reference, Root, Segment, Template, Type, infer};
use crate::manifest::diagnostic::{closest, did_you_mean};
use crate::manifest::model;
use crate::manifest::node::{Node, Value};
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

impl Analysis {
    /// The environment variables the manifest's expressions read (`env.<NAME>`): the only ones
    /// a run needs to expose to them.
    pub fn env_names(&self) -> std::collections::BTreeSet<String> {
        let vars = self.vars.iter().map(|(_, i)| i);
        let steps = self.steps.iter().flat_map(|s| {
            std::iter::once(&s.inputs)
                .chain(s.condition.as_ref())
                .chain(s.for_each.as_ref())
        });
        vars.chain(steps)
            .flat_map(Input::templates)
            .flat_map(|(t, _)| t.exprs().flat_map(|e| e.refs.iter()).collect::<Vec<_>>())
            .filter(|r| r.root == Root::Env)
            .filter_map(|r| match r.path.first() {
                Some(Segment::Field(name)) => Some(name.clone()),
                _ => None,
            })
            .collect()
    }
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
    /// Each step's outputs as expressions see them, computed once: references look them up
    /// many times.
    step_outputs: Vec<Vec<(&'static str, Type, &'static str)>>,
    opts: &'a Options,
    base_dir: PathBuf,
    ids: HashMap<String, usize>,
    /// Step ids in manifest order, so that suggestions do not depend on a hash map's order.
    order: Vec<String>,
    var_types: BTreeMap<String, Type>,
    /// The variable being analysed, when it is one.
    current_var: Option<String>,
    /// Strings whose templates did not parse: reported already, and not what the author
    /// meant, so no other check looks at them (except the references of the expressions in
    /// them that did parse).
    invalid: Vec<Unparsed>,
    /// The text of every string value by its span: expression offsets are into this text.
    strings: HashMap<Span, String>,
    out: Vec<Diagnostic>,
}

impl Analyzer<'_> {
    fn err(&mut self, code: &'static str, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.out.push(Diagnostic::error(code, span, msg));
        self.out.last_mut().expect("just pushed")
    }

    fn input(&mut self, node: &Node) -> Input {
        fn strings(node: &Node, out: &mut HashMap<Span, String>) {
            match &node.value {
                Value::Str(s) => {
                    out.insert(node.span, s.clone());
                }
                Value::Seq(items) => items.iter().for_each(|i| strings(i, out)),
                Value::Map(m) => m.iter().for_each(|(_, v)| strings(v, out)),
                _ => {}
            }
        }
        strings(node, &mut self.strings);
        Input::from_node_noting(node, &self.m.source, &mut self.out, &mut self.invalid)
    }

    /// Whether the value at `span` holds a string whose template did not parse.
    fn is_invalid(&self, span: Span) -> bool {
        self.invalid.iter().any(|i| {
            i.span.offset >= span.offset && i.span.offset + i.span.len <= span.offset + span.len
        })
    }

    /// The string a template was parsed from: its offsets are into this text.
    fn template_source(&self, t: &Template, span: Span) -> String {
        self.strings
            .get(&span)
            .cloned()
            .unwrap_or_else(|| template_text(t))
    }

    /// The text of a value as written in the manifest, for hints.
    fn text(&self, span: Span) -> &str {
        self.m
            .source
            .text
            .get(span.offset..span.offset + span.len)
            .unwrap_or("")
    }

    /// The span of a reference inside the string at `span`.
    fn ref_span(&self, span: Span, t_text: &str, r: &Reference) -> Span {
        locate(&self.m.source, span, t_text, r.offset, r.len)
    }

    fn is_rejected(&self, id: &str) -> bool {
        self.m.rejected_ids.iter().any(|r| r.value == id)
    }

    /// "did you mean" among the step ids, else the list of them.
    fn step_hint(&self, id: &str) -> String {
        did_you_mean(id, self.order.iter().map(String::as_str)).unwrap_or_else(|| {
            format!(
                "the steps are: {}",
                self.order
                    .iter()
                    .filter(|s| model::is_identifier(s))
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }

    /// The outputs of a step as expressions see them. A `for_each` step runs once per item:
    /// each output is the list of the runs' values, beside `items` (every run's outputs) and
    /// `count`, as the engine aggregates them.
    fn outputs(&self, step: usize) -> &[(&'static str, Type, &'static str)] {
        &self.step_outputs[step]
    }

    fn output_type(&self, step: usize, path: &[Segment]) -> Result<Type, (String, Option<String>)> {
        let s = &self.m.steps[step];
        let Some(Segment::Field(name)) = path.first() else {
            return Ok(Type::Object);
        };
        let outputs = self.outputs(step);
        let Some((_, ty, _)) = outputs.iter().find(|(n, _, _)| n == name) else {
            let names = || outputs.iter().map(|(n, _, _)| *n);
            let hint = names()
                .find(|n| n.eq_ignore_ascii_case(name))
                .map(|n| format!("output names are case-sensitive: `{n}`"))
                .or_else(|| did_you_mean(name, names()))
                .or_else(|| {
                    Some(if outputs.is_empty() {
                        format!("`{}` has no outputs", s.kind.name)
                    } else {
                        format!(
                            "`{}` ({}) has: {}",
                            s.id.value,
                            s.kind.name,
                            names().collect::<Vec<_>>().join(", ")
                        )
                    })
                });
            return Err((
                format!("step `{}` has no output `{name}`", s.id.value),
                hint,
            ));
        };
        // Indexes into a list output are followed; anything else is beyond the static types.
        let mut ty = ty.clone();
        for segment in &path[1..] {
            ty = match (ty, segment) {
                (Type::List(item), Segment::Index(_)) => *item,
                _ => Type::Any,
            };
        }
        Ok(ty)
    }

    /// Check the references of a template used by step `at` (None for vars), returning the
    /// steps it uses.
    fn references(&mut self, at: Option<usize>, t: &Template, span: Span) -> Vec<usize> {
        let value = self.template_source(t, span);
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
                            )
                            .hint = Some(format!(
                                "e.g. `steps.{}.<output>`",
                                self.order.first().map_or("event", String::as_str)
                            ));
                            continue;
                        };
                        if at.is_none() {
                            self.err("reference", rs, "variables cannot use step outputs")
                                .hint = Some("vars are resolved before any step runs; use the expression in the step instead".into());
                            continue;
                        }
                        let Some(&target) = self.ids.get(id) else {
                            // Its own error says what is wrong with that step.
                            if !self.is_rejected(id) {
                                let hint = self.step_hint(id);
                                self.err(
                                    "unknown-step",
                                    rs,
                                    format!("no step has the id `{id}`"),
                                )
                                .hint = Some(hint);
                            }
                            continue;
                        };
                        match at {
                            Some(s) if s == target => {
                                self.err(
                                    "reference",
                                    rs,
                                    format!("step `{id}` refers to its own output"),
                                )
                                .hint = Some("a step's outputs exist only once it has run: use another step's output, or a variable".into());
                            }
                            _ => {
                                if let Err((msg, hint)) = self.output_type(target, &r.path[1..]) {
                                    self.err("unknown-output", rs, msg).hint = hint;
                                }
                                used.push(target);
                            }
                        }
                    }
                    Root::Vars => {
                        let Some(Segment::Field(name)) = r.path.first() else {
                            self.err("reference", rs, "`vars` needs a name: vars.<name>")
                                .hint = Some(self.vars_hint());
                            continue;
                        };
                        if !self.var_types.contains_key(name) {
                            self.unknown_var(name, rs);
                        }
                    }
                    Root::Item => {
                        if at.is_none_or(|s| self.m.steps[s].for_each.is_none()) {
                            self.err(
                                "reference",
                                rs,
                                "`item` is only defined in a step with `for_each`",
                            )
                            .hint = Some(if at.is_none() {
                                "variables are resolved once, before any step; use `item` in a step that has `for_each`".into()
                            } else {
                                "add `for_each:` with a list (or `${{ glob(\"…\") }}`) to run the step once per item".into()
                            });
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

    fn vars_hint(&self) -> String {
        if self.m.vars.is_empty() {
            "declare it under `vars:` at the top of the manifest".into()
        } else {
            format!(
                "the variables are: {}",
                self.m
                    .vars
                    .iter()
                    .map(|v| v.name.value.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }

    fn unknown_var(&mut self, name: &str, at: Span) {
        let declared = self.m.vars.iter().position(|v| v.name.value == name);
        let current = self.current_var.clone();
        match (declared, current) {
            (Some(_), Some(me)) if me == name => {
                self.err(
                    "reference",
                    at,
                    format!("variable `{name}` refers to itself"),
                )
                .hint = Some("give it a value that does not depend on itself".into());
            }
            (Some(_), Some(me)) => {
                self.err(
                    "unknown-var",
                    at,
                    format!("variable `{name}` is declared after `{me}`"),
                )
                .hint = Some(format!(
                    "a variable can use only the ones above it: move `{name}` before `{me}`"
                ));
            }
            _ => {
                let hint = did_you_mean(name, self.var_types.keys().map(String::as_str))
                    .unwrap_or_else(|| self.vars_hint());
                self.err("unknown-var", at, format!("no variable `{name}`"))
                    .hint = Some(hint);
            }
        }
    }

    fn ref_type(&self, step: Option<usize>, r: &Reference) -> Type {
        match r.root {
            Root::Steps => match r.path.first() {
                Some(Segment::Field(id)) => self
                    .ids
                    .get(id)
                    .filter(|t| Some(**t) != step && step.is_some())
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
                let at = locate(
                    &self.m.source,
                    span,
                    &self.template_source(t, span),
                    m.offset,
                    m.len,
                );
                let operand = e
                    .refs
                    .iter()
                    .find(|r| r.offset == m.offset && r.len == m.len);
                let hint = operand.map_or_else(
                    || {
                        "`-`, `*` and `/` need numbers; `+` also joins two strings or two lists"
                            .into()
                    },
                    |r| self.operand_hint(step, r),
                );
                self.err("type", at, m.message).hint = Some(hint);
                Type::Any
            }
        }
    }

    /// What a reference used in arithmetic is, and which references would be numbers.
    fn operand_hint(&self, step: Option<usize>, r: &Reference) -> String {
        match (r.root, r.path.as_slice()) {
            (Root::Steps, [Segment::Field(id), Segment::Field(output)]) => {
                let Some(&target) = self.ids.get(id) else {
                    return String::new();
                };
                let outputs = self.outputs(target);
                let what = outputs
                    .iter()
                    .find(|(n, _, _)| n == output)
                    .map_or_else(String::new, |(_, ty, doc)| {
                        format!("`{output}` is {doc} ({}); ", ty.with_article())
                    });
                let numbers: Vec<&str> = outputs
                    .iter()
                    .filter(|(_, ty, _)| ty.is_numeric())
                    .map(|(n, _, _)| *n)
                    .collect();
                if numbers.is_empty() || Some(target) == step {
                    format!("{what}`{id}` has no number outputs")
                } else {
                    format!(
                        "{what}the number outputs of `{id}` are: {}",
                        numbers.join(", ")
                    )
                }
            }
            (Root::Vars, [Segment::Field(name)]) => format!(
                "`vars.{name}` is {}: a variable written in quotes is a string",
                self.var_types
                    .get(name)
                    .map_or_else(|| "not a number".to_owned(), Type::with_article)
            ),
            _ => "`-`, `*` and `/` need numbers; `+` also joins two strings or two lists".into(),
        }
    }

    /// The type of a value: a literal's own, an expression's as inferred.
    fn value_type(&mut self, step: usize, value: &Input, span: Span) -> Type {
        if self.is_invalid(span) {
            return Type::Any;
        }
        match value {
            Input::Literal(v) => json_type(v),
            Input::Template(t, s) => self.template_type(Some(step), t, *s),
            Input::List(items) => Type::List(Box::new(
                items
                    .iter()
                    .map(|i| match i {
                        Input::Literal(v) => json_type(v),
                        _ => Type::Any,
                    })
                    .reduce(|a, b| if a == b { a } else { Type::Any })
                    .unwrap_or(Type::Any),
            )),
            Input::Map(_) => Type::Object,
        }
    }

    fn check_type(&mut self, step: usize, field: &InputField, value: &Input, node: &Node) {
        // A list is checked item by item, so that the error points at the wrong item.
        if let (Type::List(item_ty), Value::Seq(items)) = (&field.ty, &node.value) {
            let item_inputs: Vec<Input> = match value {
                Input::List(v) => v.clone(),
                Input::Literal(Json::Array(v)) => v.iter().cloned().map(Input::Literal).collect(),
                _ => vec![],
            };
            for (item, input) in items.iter().zip(&item_inputs) {
                let found = self.value_type(step, input, item.span);
                if !(item_ty.accepts(&found) || found == Type::Null && !field.required) {
                    let hint = match (&**item_ty, &found) {
                        (Type::String | Type::Path, Type::Integer | Type::Number | Type::Bool) => {
                            format!("quote it: `\"{}\"`", self.text(item.span))
                        }
                        _ => format!(
                            "every item of `{}` must be {}",
                            field.name,
                            item_ty.with_article()
                        ),
                    };
                    self.err(
                        "type",
                        item.span,
                        format!(
                            "`{}` is a list of {}, but this item is {}",
                            field.name,
                            item_ty.plural(),
                            found.with_article()
                        ),
                    )
                    .hint = Some(hint);
                }
            }
            return;
        }
        let found = self.value_type(step, value, node.span);
        let ok = field.ty.accepts(&found) || found == Type::Null && !field.required;
        if ok {
            return;
        }
        let text = self.text(node.span).to_owned();
        let mixed_template = matches!(value, Input::Template(t, _) if t.single_expr().is_none());
        let hint = match (&field.ty, &found) {
            _ if mixed_template => {
                "text around `${{ … }}` makes the value a string: leave only the expression".into()
            }
            (Type::List(_), found) if !matches!(found, Type::List(_)) => {
                format!("write a list: `{}: [{}]`", field.name, text)
            }
            (Type::Number | Type::Integer, Type::String) => match value.literal() {
                Some(Json::String(s)) if s.trim().parse::<f64>().is_ok() => {
                    format!(
                        "numbers are written without quotes: `{}: {}`",
                        field.name,
                        s.trim()
                    )
                }
                _ => format!(
                    "give {}, or an expression giving one",
                    field.ty.with_article()
                ),
            },
            (Type::Integer, Type::Number) => format!("`{}` is a whole number", field.name),
            (Type::String | Type::Path, Type::List(_)) => format!(
                "`{}` takes one value; to do the step once for each, write `for_each: {}` and `{}: ${{{{ item }}}}`",
                field.name, text, field.name
            ),
            (Type::String | Type::Path, Type::Integer | Type::Number | Type::Bool)
                if matches!(value, Input::Template(..)) =>
            {
                "`${{ … }}` alone keeps its value's type: to make text of it, write text around it or use `format('{}', …)`".into()
            }
            (Type::String | Type::Path, Type::Integer | Type::Number | Type::Bool) => {
                format!("quote it: `{}: \"{}\"`", field.name, text)
            }
            (Type::Bool, _) => "write `true` or `false`, without quotes".into(),
            _ => format!("give {}", field.ty.with_article()),
        };
        self.err(
            "type",
            node.span,
            format!(
                "`{}` must be {}, found {}",
                field.name,
                field.ty.with_article(),
                found.with_article()
            ),
        )
        .hint = Some(hint);
    }

    fn check_vocabulary(&mut self, step: &Step, field: &str, value: &Input, node: &Node) {
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
        // Each name with its own place: a list's items are pointed at one by one.
        let names: Vec<(String, Span)> = match (value.literal(), &node.value) {
            (Some(Json::String(s)), _) => vec![(s.clone(), node.span)],
            (Some(Json::Array(_)), Value::Seq(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(|s| (s.to_owned(), i.span)))
                .collect(),
            _ => return,
        };
        let origin = v.origin.clone();
        for (n, span) in names.iter().filter(|(n, _)| !list.contains(n)) {
            if self.is_invalid(*span) {
                continue;
            }
            // A case slip is the likeliest mistake, and jaro-winkler is case-sensitive.
            let hint = list
                .iter()
                .find(|x| x.eq_ignore_ascii_case(n))
                .map(|x| format!("names are case-sensitive: `{x}`"))
                .or_else(|| did_you_mean(n, list.iter().map(String::as_str)))
                .unwrap_or_else(|| {
                    format!(
                        "the {what}s are listed by `graceflow schema`, or on the server's API root"
                    )
                });
            self.err(
                "vocabulary",
                *span,
                format!("`{n}` is not a {what} in {origin}"),
            )
            .hint = Some(hint);
        }
    }

    fn check_file(&mut self, field: &InputField, value: &Input, span: Span) {
        if !field.existing_file || self.is_invalid(span) {
            return;
        }
        let Some(Json::String(p)) = value.literal() else {
            return;
        };
        let path = self.base_dir.join(p);
        if !path.is_file() {
            let what = if path.is_dir() {
                "is a directory, not a file"
            } else {
                "does not exist"
            };
            self.err("missing-file", span, format!("`{p}` {what}")).hint = Some(format!(
                "paths are relative to the manifest's directory ({})",
                self.base_dir.display()
            ));
        }
    }

    fn check_for_each(&mut self, step: usize, fe: &Input, node: &Node) {
        if self.is_invalid(node.span) {
            return;
        }
        match fe {
            Input::Literal(Json::Array(_)) | Input::List(_) => {}
            Input::Literal(other) => {
                let hint = match other {
                    Json::String(s) if s.contains(['*', '?', '[']) => format!(
                        "to loop over the files matching a pattern, write `for_each: ${{{{ glob(\"{s}\") }}}}`"
                    ),
                    _ => format!("write a list: `for_each: [{}]`", self.text(node.span)),
                };
                self.err(
                    "type",
                    node.span,
                    format!(
                        "`for_each` must be a list or an expression giving one, found {}",
                        json_type(other).with_article()
                    ),
                )
                .hint = Some(hint);
            }
            Input::Template(t, span) => {
                let ty = self.template_type(Some(step), t, *span);
                if !matches!(ty, Type::List(_) | Type::Any) {
                    self.err(
                        "type",
                        *span,
                        format!("`for_each` must give a list, this gives {}", ty.with_article()),
                    )
                    .hint = Some("`glob(\"pattern\")` gives a list of files; a literal list is written `[a, b]`".into());
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
                                "patterns are relative to the manifest's directory ({})",
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
                )
                .hint =
                    Some("write a list: `for_each: [a, b]`, or an expression giving one".into());
            }
        }
    }

    fn step(&mut self, i: usize, graph: &mut Graph) -> StepInfo {
        let step = &self.m.steps[i];
        let fields = input_fields(step.kind);
        let mut inputs = Vec::new();
        let invalid_before = self.invalid.len();
        let entries = step.inputs.as_map().unwrap_or_default();
        // Required inputs that a misspelt key stands for: its error says so already.
        let mut meant: Vec<&str> = Vec::new();
        for (k, v) in entries {
            let value = self.input(v);
            match fields.iter().find(|f| f.name == k.name) {
                None => {
                    let names = || fields.iter().map(|f| f.name.as_str());
                    let suggestion = names()
                        .find(|n| n.eq_ignore_ascii_case(&k.name))
                        .or_else(|| closest(&k.name, names()));
                    meant.extend(suggestion);
                    let hint = suggestion.map_or_else(
                        || {
                            format!(
                                "`{}` takes: {}",
                                step.kind.name,
                                names().collect::<Vec<_>>().join(", ")
                            )
                        },
                        |c| format!("did you mean `{c}`?"),
                    );
                    self.err(
                        "unknown-field",
                        k.span,
                        format!("`{}` has no input `{}`", step.kind.name, k.name),
                    )
                    .hint = Some(hint);
                }
                Some(f) => {
                    self.check_type(i, f, &value, v);
                    self.check_vocabulary(step, &f.name, &value, v);
                    self.check_file(f, &value, v.span);
                }
            }
            inputs.push((k.name.clone(), value));
        }
        for f in fields.iter().filter(|f| f.required) {
            if !entries.iter().any(|(k, _)| k.name == f.name) && !meant.contains(&f.name.as_str()) {
                self.err(
                    "missing-field",
                    step.kind_span,
                    format!("`{}` needs `{}`", step.kind.name, f.name),
                )
                .hint = Some(format!("add `{}: …` ({})", f.name, f.ty.with_article()));
            }
        }
        for n in &step.needs {
            match self.ids.get(&n.value) {
                Some(&d) if d == i => {
                    self.err("cycle", n.span, format!("step `{}` needs itself", n.value))
                        .hint = Some("remove it from its own `needs`".into());
                }
                Some(&d) => graph.add(i, d),
                None if self.is_rejected(&n.value) => {}
                None => {
                    let hint = self.step_hint(&n.value);
                    self.err(
                        "unknown-step",
                        n.span,
                        format!("no step has the id `{}`", n.value),
                    )
                    .hint = Some(hint);
                }
            }
        }
        let condition = step.condition.as_ref().map(|c| {
            let input = self.input(c);
            match &input {
                Input::Literal(Json::Bool(_)) => {}
                _ if self.is_invalid(c.span) => {}
                Input::Template(t, span) => {
                    let ty = self.template_type(Some(i), t, *span);
                    if !matches!(ty, Type::Bool | Type::Any) {
                        self.out.push(
                            Diagnostic::warning(
                                "type",
                                *span,
                                format!("`if` gives {}; it is tested for truth", ty.with_article()),
                            )
                            .with_hint(
                                "compare to say what is meant, e.g. `${{ steps.<id>.far < 1e-6 }}`",
                            ),
                        );
                    }
                }
                Input::Literal(Json::String(s)) => {
                    self.err(
                        "type",
                        c.span,
                        "`if` must be true, false or an expression, found a string",
                    )
                    .hint = Some(format!(
                        "a condition is an expression: `if: ${{{{ {} }}}}`",
                        s.trim()
                    ));
                }
                _ => {
                    self.err(
                        "type",
                        c.span,
                        format!(
                            "`if` must be true, false or an expression, found {}",
                            c.kind_name()
                        ),
                    )
                    .hint = Some("write `true`, `false` or `${{ … }}` giving a boolean".into());
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
            .chain(
                self.invalid[invalid_before..]
                    .iter()
                    .map(|u| (u.partial.clone(), u.span)),
            )
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

    /// A cycle as an error: the whole path, and why each step depends on the next.
    fn cycle(&mut self, cycle: &[usize], steps: &[StepInfo]) {
        let id = |i: usize| self.m.steps[i].id.value.as_str();
        let path: Vec<&str> = cycle.iter().map(|&i| id(i)).collect();
        let why: Vec<String> = cycle
            .windows(2)
            .map(|w| {
                let (from, to) = (w[0], w[1]);
                if self.m.steps[from].needs.iter().any(|n| n.value == id(to)) {
                    format!("`{}` needs `{}`", id(from), id(to))
                } else if steps[from].uses.contains(&to) {
                    format!("`{}` uses `steps.{}`", id(from), id(to))
                } else {
                    format!("`{}` depends on `{}`", id(from), id(to))
                }
            })
            .collect();
        let message = format!(
            "the steps depend on each other in a cycle: {}",
            path.join(" -> ")
        );
        let hint = format!("{}: remove one of these dependencies", why.join(", "));
        let at = self.m.steps[cycle[0]].id.span;
        self.err("cycle", at, message).hint = Some(hint);
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

/// The outputs of a step as expressions see them (see `Analyzer::outputs`).
fn step_outputs(s: &Step) -> Vec<(&'static str, Type, &'static str)> {
    let outputs = (s.kind.outputs)();
    if s.for_each.is_none() {
        return outputs;
    }
    let mut outputs: Vec<_> = outputs
        .into_iter()
        .filter(|(n, _, _)| !matches!(*n, "items" | "count"))
        .map(|(n, t, d)| (n, Type::List(Box::new(t)), d))
        .collect();
    outputs.push((
        "items",
        Type::List(Box::new(Type::Object)),
        "every run's outputs",
    ));
    outputs.push(("count", Type::Integer, "how many items ran"));
    outputs
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
        step_outputs: manifest.steps.iter().map(step_outputs).collect(),
        opts,
        base_dir: base_dir.clone(),
        ids: HashMap::new(),
        order: manifest.steps.iter().map(|s| s.id.value.clone()).collect(),
        var_types: BTreeMap::new(),
        current_var: None,
        invalid: vec![],
        strings: HashMap::new(),
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
            .hint = Some(format!(
                "the first is on line {line}; ids must be unique: rename this one"
            ));
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
        a.current_var = Some(v.name.value.clone());
        let invalid_before = a.invalid.len();
        let input = a.input(&node);
        let partial: Vec<(Template, Span)> = a.invalid[invalid_before..]
            .iter()
            .map(|u| (u.partial.clone(), u.span))
            .collect();
        for (t, span) in input
            .templates()
            .into_iter()
            .chain(partial.iter().map(|(t, s)| (t, *s)))
        {
            a.references(None, t, span);
        }
        let ty = match &input {
            _ if a.is_invalid(node.span) => Type::Any,
            Input::Literal(j) => json_type(j),
            Input::Template(t, s) => a.template_type(None, t, *s),
            _ => Type::Any,
        };
        a.var_types.insert(v.name.value.clone(), ty);
        vars.push((v.name.value.clone(), input));
    }
    a.current_var = None;
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
    for cycle in graph.cycles() {
        a.cycle(&cycle, &steps);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Source;

    /// The diagnostics of a manifest written in a temporary directory (for the file checks),
    /// as `(code, text at the span)`.
    fn diagnostics(text: &str) -> Vec<(&'static str, String, Option<String>)> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("coinc.xml"), "<LIGO_LW/>").unwrap();
        let path = dir.path().join("m.yaml");
        let source = Source::new(&path, text);
        let (m, mut out) = crate::manifest::model::parse(source);
        let (_, more) = analyze(m.unwrap(), &Options::default());
        out.extend(more);
        out.into_iter()
            .map(|d| {
                let at = d.span.map_or(String::new(), |s| {
                    text[s.offset..s.offset + s.len].to_owned()
                });
                (d.code, at, d.hint)
            })
            .collect()
    }

    #[test]
    fn for_each_outputs_are_lists_with_a_count() {
        let d = diagnostics(
            "version: 1\nsteps:\n  - id: logs\n    for_each: [a, b]\n    write_log: { object: S1, comment: x }\n  - id: tag\n    add_tag: { object: S1, N: \"${{ steps.logs.N[0] }}\", tag: t }\n  - id: sum\n    write_log: { object: S1, comment: \"n=${{ steps.logs.count + 1 }}\" }\n  - id: bad\n    add_tag: { object: S1, N: \"${{ steps.logs.N }}\", tag: t }\n",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (d[0].0, d[0].1.as_str()),
            ("type", "\"${{ steps.logs.N }}\"")
        );
    }

    #[test]
    fn a_broken_expression_is_reported_once() {
        // The unparsed string is neither a string for the type check nor a missing file nor
        // an unknown label, and a variable holding it does not make its users wrong.
        let d = diagnostics(
            "version: 1\nvars:\n  t: ${{ gps_nwo() }}\nsteps:\n  - id: s\n    create_superevent: { category: test, preferred_event: T1, t_start: \"${{ vars.t - 1 }}\", t_0: \"${{ vars.t\", t_end: 3, labels: [\"${{ x\"] }\n  - id: e\n    create_event: { group: Test, pipeline: gstlal, file: \"${{ vars.t\" }\n",
        );
        let codes: Vec<&str> = d.iter().map(|x| x.0).collect();
        assert_eq!(codes, ["expression"; 4], "{d:?}");
    }

    #[test]
    fn the_parsed_part_of_a_broken_string_is_still_checked() {
        let d = diagnostics(
            "version: 1\nsteps:\n  - id: e\n    get_event: { graceid: T1 }\n  - id: n\n    write_log: { object: S1, comment: \"${{ steps.ee.graceid }} ${{ steps.e.far\" }\n",
        );
        let found: Vec<(&str, &str)> = d.iter().map(|x| (x.0, x.1.as_str())).collect();
        assert_eq!(
            found,
            [
                ("expression", "${{ steps.e.far"),
                ("unknown-step", "steps.ee.graceid"),
            ]
        );
    }

    #[test]
    fn a_misspelt_input_is_not_also_missing() {
        let d = diagnostics(
            "version: 1\nsteps:\n  - id: n\n    write_log: { object: S1, coment: x }\n",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].2.as_deref(), Some("did you mean `comment`?"));
    }

    #[test]
    fn a_rejected_step_is_not_unknown_to_the_others() {
        let d = diagnostics(
            "version: 1\nsteps:\n  - id: e\n    create_evnt: { group: Test }\n  - id: l\n    needs: [e]\n    add_label: { object: \"${{ steps.e.graceid }}\", label: EM_READY }\n",
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].0, "unknown-field");
    }

    #[test]
    fn case_slips_get_the_case_hint() {
        let d = diagnostics(
            "version: 1\nsteps:\n  - id: e\n    create_event: { group: test, pipeline: gstlal, file: coinc.xml, labels: [MOCK, em_ready] }\n",
        );
        let found: Vec<(&str, Option<&str>)> =
            d.iter().map(|x| (x.1.as_str(), x.2.as_deref())).collect();
        assert_eq!(
            found,
            [
                ("test", Some("names are case-sensitive: `Test`")),
                ("em_ready", Some("names are case-sensitive: `EM_READY`")),
            ]
        );
    }

    #[test]
    fn a_file_to_write_need_not_exist() {
        let d = diagnostics(
            "version: 1\nsteps:\n  - id: d\n    download: { object: S1, file: a.fits, to: out/a.fits }\n  - id: w\n    write_log: { object: S1, comment: x, file: nothere.fits }\n",
        );
        let found: Vec<(&str, &str)> = d.iter().map(|x| (x.0, x.1.as_str())).collect();
        assert_eq!(found, [("missing-file", "nothere.fits")]);
    }

    #[test]
    fn every_cycle_is_explained() {
        let d = diagnostics(
            "version: 1\nsteps:\n  - id: a\n    needs: b\n    get_event: { graceid: T1 }\n  - id: b\n    get_event: { graceid: \"${{ steps.a.graceid }}\" }\n  - id: c\n    needs: d\n    get_event: { graceid: T1 }\n  - id: d\n    needs: c\n    get_event: { graceid: T1 }\n",
        );
        let hints: Vec<&str> = d.iter().filter_map(|x| x.2.as_deref()).collect();
        assert_eq!(
            hints,
            [
                "`a` needs `b`, `b` uses `steps.a`: remove one of these dependencies",
                "`c` needs `d`, `d` needs `c`: remove one of these dependencies",
            ]
        );
    }
}
