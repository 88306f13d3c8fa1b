//! Values as the manifest gives them: literals, and strings carrying `${{ … }}` templates,
//! nested in lists and mappings. Built once from the YAML tree; resolved against outputs at
//! plan and run time.

use serde_json::Value as Json;

use crate::expr::{Context, EvalError, Evaluator, Template};
use crate::manifest::node::{Node, Value};
use crate::manifest::{Diagnostic, Source, Span};

/// A manifest value, with its templates parsed.
#[derive(Debug, Clone)]
pub enum Input {
    /// A value with no expression in it.
    Literal(Json),
    /// A string with at least one `${{ … }}`.
    Template(Template, Span),
    /// A list containing templates.
    List(Vec<Input>),
    /// A mapping containing templates.
    Map(Vec<(String, Input)>),
}

/// Where an offset inside a string value lies in the manifest text: the string's text and
/// the token's text differ by quotes and escapes, so expressions are matched by their
/// `${{` openings, which no escape can produce.
pub fn locate(source: &Source, node_span: Span, value: &str, offset: usize, len: usize) -> Span {
    let raw = source
        .text
        .get(node_span.offset..node_span.offset + node_span.len)
        .unwrap_or("");
    let nth = value[..offset.min(value.len())].matches("${{").count();
    let opening_in_value = value[..offset.min(value.len())].rfind("${{");
    let opening_in_raw = raw
        .match_indices("${{")
        .nth(nth.saturating_sub(1))
        .map(|(i, _)| i);
    match (opening_in_value, opening_in_raw) {
        (Some(v), Some(r)) if nth > 0 => Span::new(node_span.offset + r + (offset - v), len),
        _ => {
            // Before the first `${{`: a plain or quoted scalar on one line.
            let quote = usize::from(raw.starts_with('"') || raw.starts_with('\''));
            Span::new(node_span.offset + quote + offset, len).sub(0, len)
        }
    }
}

impl Input {
    /// Build from the YAML tree, reporting template syntax errors.
    pub fn from_node(node: &Node, source: &Source, out: &mut Vec<Diagnostic>) -> Input {
        match &node.value {
            Value::Str(s) if Template::has_expr(s) => match Template::parse(s) {
                Ok(t) => Input::Template(t, node.span),
                Err(errors) => {
                    for e in errors {
                        let span = locate(source, node.span, s, e.offset, e.len.max(1));
                        out.push(Diagnostic::error("expression", span, e.kind.to_string()));
                    }
                    Input::Literal(Json::String(s.clone()))
                }
            },
            Value::Seq(items) => {
                let items: Vec<Input> = items
                    .iter()
                    .map(|i| Input::from_node(i, source, out))
                    .collect();
                if items.iter().all(|i| matches!(i, Input::Literal(_))) {
                    Input::Literal(node.to_json())
                } else {
                    Input::List(items)
                }
            }
            Value::Map(m) => {
                let items: Vec<(String, Input)> = m
                    .iter()
                    .map(|(k, v)| (k.name.clone(), Input::from_node(v, source, out)))
                    .collect();
                if items.iter().all(|(_, i)| matches!(i, Input::Literal(_))) {
                    Input::Literal(node.to_json())
                } else {
                    Input::Map(items)
                }
            }
            _ => Input::Literal(node.to_json()),
        }
    }

    /// The value, if it has no expression.
    pub fn literal(&self) -> Option<&Json> {
        match self {
            Input::Literal(v) => Some(v),
            _ => None,
        }
    }

    /// Every template in it, with the span of the string that holds it.
    pub fn templates(&self) -> Vec<(&Template, Span)> {
        match self {
            Input::Literal(_) => vec![],
            Input::Template(t, s) => vec![(t, *s)],
            Input::List(items) => items.iter().flat_map(Input::templates).collect(),
            Input::Map(m) => m.iter().flat_map(|(_, i)| i.templates()).collect(),
        }
    }

    /// The field of a mapping input.
    pub fn field(&self, name: &str) -> Option<Input> {
        match self {
            Input::Map(m) => m.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            Input::Literal(Json::Object(o)) => o.get(name).cloned().map(Input::Literal),
            _ => None,
        }
    }

    /// Evaluate every template.
    pub fn resolve(&self, ev: &Evaluator, ctx: &Context) -> Result<Json, (EvalError, Span)> {
        Ok(match self {
            Input::Literal(v) => v.clone(),
            Input::Template(t, span) => ev.eval_template(t, ctx).map_err(|e| (e, *span))?,
            Input::List(items) => Json::Array(
                items
                    .iter()
                    .map(|i| i.resolve(ev, ctx))
                    .collect::<Result<_, _>>()?,
            ),
            Input::Map(m) => Json::Object(
                m.iter()
                    .map(|(k, v)| Ok((k.clone(), v.resolve(ev, ctx)?)))
                    .collect::<Result<_, _>>()?,
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_back_to_the_text() {
        let text = "a: \"x ${{ steps.e.graceid }}\"\nb: ${{ vars.t }}\n";
        let src = Source::new("m.yaml", text);
        let root = crate::manifest::node::parse(text).unwrap();
        let m = root.as_map().unwrap();
        for (_, node) in m {
            let s = node.as_str().unwrap();
            let at = s.find("steps").or_else(|| s.find("vars")).unwrap();
            let span = locate(&src, node.span, s, at, 5);
            assert!(text[span.offset..].starts_with(&s[at..at + 5]), "{s}");
        }
    }
}
