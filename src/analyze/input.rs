//! Values as the manifest gives them: literals, and strings carrying `${{ … }}` templates,
//! nested in lists and mappings. Built once from the YAML tree; resolved against outputs at
//! plan and run time.

use serde_json::Value as Json;

use crate::expr::{Context, EvalError, Evaluator, Template};
use crate::manifest::node::{Node, Value};
use crate::manifest::{Diagnostic, Source, Span};

/// A string whose template has errors (reported), with the expressions of it that parsed.
#[derive(Debug, Clone)]
pub struct Unparsed {
    /// Where the string is.
    pub span: Span,
    /// Its text and the expressions that parsed, whose references are still checked.
    pub partial: Template,
}

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

/// Where an offset inside a string value lies in the manifest text. The string's text and
/// the token's text differ by quotes, escapes and (in block scalars) indentation: a quoted
/// scalar on one line is decoded alongside its value; otherwise expressions are matched by
/// their `${{` openings, which no escape can produce.
pub fn locate(source: &Source, node_span: Span, value: &str, offset: usize, len: usize) -> Span {
    let raw = source
        .text
        .get(node_span.offset..node_span.offset + node_span.len)
        .unwrap_or("");
    if let Some(start) = quoted_offset(raw, offset) {
        let end = quoted_offset(raw, offset + len).unwrap_or(start + len);
        return Span::new(node_span.offset + start, end.saturating_sub(start));
    }
    // Openings that start at or before `offset`: an error about the `${{` itself starts on it.
    let mut upto = (offset + 3).min(value.len());
    while !value.is_char_boundary(upto) {
        upto -= 1;
    }
    let upto = &value[..upto];
    let nth = upto.matches("${{").count();
    let opening_in_value = upto.rfind("${{");
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

/// The offset in a quoted scalar's text (`raw`, quotes included) of the byte at `offset` in
/// its value, decoding on the way what YAML decodes: escapes (`\\"`, `\\u00e9`, `''`) and
/// line folding (a line break and the spaces around it are one space, or a newline per blank
/// line). None for any other scalar, or past its end.
fn quoted_offset(raw: &str, offset: usize) -> Option<usize> {
    let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let mut value = 0;
    // Spaces seen but not yet counted: a line break after them drops them from the value.
    let mut spaces: Vec<usize> = Vec::new();
    let mut chars = raw.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, ' ' | '\t' | '\r') {
            spaces.push(i);
            continue;
        }
        if c == '\n' {
            spaces.clear();
        }
        for at in spaces.drain(..).chain([i]) {
            if value >= offset {
                return (value == offset).then_some(at);
            }
            if at != i {
                value += 1;
            }
        }
        value += match (quote, c) {
            (_, '\n') => {
                let mut breaks = 0;
                while let Some(&(_, n)) = chars.peek() {
                    match n {
                        ' ' | '\t' | '\r' => {}
                        '\n' => breaks += 1,
                        _ => break,
                    }
                    chars.next();
                }
                breaks.max(1)
            }
            ('\'', '\'') if chars.peek().is_some_and(|(_, n)| *n == '\'') => {
                chars.next();
                1
            }
            ('\'', '\'') | ('"', '"') => return None,
            ('"', '\\') => match chars.next()?.1 {
                e @ ('x' | 'u' | 'U') => {
                    let digits = match e {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex: String = (0..digits)
                        .map_while(|_| chars.next().map(|(_, h)| h))
                        .collect();
                    u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)?
                        .len_utf8()
                }
                'N' | '_' => 2,
                'L' | 'P' => 3,
                // An escaped line break joins the lines: nothing, and no indentation.
                '\n' => {
                    while chars.peek().is_some_and(|(_, n)| matches!(n, ' ' | '\t')) {
                        chars.next();
                    }
                    0
                }
                _ => 1,
            },
            _ => c.len_utf8(),
        };
    }
    None
}

impl Input {
    /// Build from the YAML tree, reporting template syntax errors.
    pub fn from_node(node: &Node, source: &Source, out: &mut Vec<Diagnostic>) -> Input {
        Self::from_node_noting(node, source, out, &mut Vec::new())
    }

    /// As [`Input::from_node`], adding to `invalid` every string whose template has errors.
    /// Such a string is kept as a literal, so that the other checks must know to leave it
    /// alone: its type and value are not what the author meant.
    pub fn from_node_noting(
        node: &Node,
        source: &Source,
        out: &mut Vec<Diagnostic>,
        invalid: &mut Vec<Unparsed>,
    ) -> Input {
        match &node.value {
            Value::Str(s) if Template::has_expr(s) => match Template::parse(s) {
                Ok(t) => Input::Template(t, node.span),
                Err(errors) => {
                    for e in errors {
                        let span = locate(source, node.span, s, e.offset, e.len.max(1));
                        out.push(
                            Diagnostic::error("expression", span, e.kind.to_string())
                                .with_hint(e.hint()),
                        );
                    }
                    invalid.push(Unparsed {
                        span: node.span,
                        partial: Template::parse_partial(s).0,
                    });
                    Input::Literal(Json::String(s.clone()))
                }
            },
            Value::Seq(items) => {
                let items: Vec<Input> = items
                    .iter()
                    .map(|i| Input::from_node_noting(i, source, out, invalid))
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
                    .map(|(k, v)| {
                        (
                            k.name.clone(),
                            Input::from_node_noting(v, source, out, invalid),
                        )
                    })
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

    #[test]
    fn escapes_before_a_reference_are_counted() {
        let text = concat!(
            "a: \"${{ format(\\\"{} \\u00e9\\\", steps.e.x) }}\"\n",
            "b: '${{ format(''{}'', steps.e.x) }}'\n",
            "c: \"${{ 'é' }}${{ steps.e.x }}\"\n",
            "d: \"a \\t ${{ format(\\\"x\\\",  \n    steps.e.x) }}\"\n",
            "e: 'it''s\n\n  ${{ steps.e.x }}'\n",
        );
        let src = Source::new("m.yaml", text);
        let root = crate::manifest::node::parse(text).unwrap();
        for (_, node) in root.as_map().unwrap() {
            let s = node.as_str().unwrap();
            let at = s.find("steps").unwrap();
            let span = locate(&src, node.span, s, at, 9);
            assert_eq!(
                &text[span.offset..span.offset + span.len],
                "steps.e.x",
                "{s}"
            );
        }
    }

    #[test]
    fn an_error_on_the_opening_itself_is_found_past_stripped_indentation() {
        // In a block scalar the value loses each line's indentation: offsets in the value
        // are anchored on the `${{`, including the one an "unterminated" error starts on.
        let text = "c: |\n  first line\n  FAR ${{ steps.e.far\n";
        let src = Source::new("m.yaml", text);
        let root = crate::manifest::node::parse(text).unwrap();
        let node = &root.as_map().unwrap()[0].1;
        let mut out = Vec::new();
        let _ = Input::from_node(node, &src, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        let span = out[0].span.unwrap();
        assert!(
            text[span.offset..].starts_with("${{ steps.e.far"),
            "{span:?}"
        );
    }
}
