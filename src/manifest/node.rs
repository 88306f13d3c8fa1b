//! The YAML document as a tree in which every value keeps its place in the text.
//!
//! serde-saphyr parses (safely: alias-expansion budgets, duplicate keys refused); each value is
//! read through its `Spanned` wrapper, so that every later diagnostic can point at the exact
//! key or value. The typed manifest is built from this tree by hand (`model.rs`), which lets
//! one pass report every problem rather than stopping at the first.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::source::Span;

/// A YAML value with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it is.
    pub span: Span,
}

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string (quoted or plain).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order; keys are strings.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key text.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

impl Node {
    /// What kind of value this is, for messages ("a string", "a list", …).
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Convert to JSON (spans dropped).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
            }
            Value::Str(s) => s.clone().into(),
            Value::Seq(s) => s.iter().map(Node::to_json).collect(),
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| (k.name.clone(), v.to_json()))
                .collect(),
        }
    }
}

fn span_of(loc: &serde_saphyr::Location) -> Span {
    let s = loc.span();
    match (s.byte_offset(), s.byte_len()) {
        (Some(o), Some(l)) => Span::new(o as usize, l as usize),
        _ => Span::default(),
    }
}

/// A value read through serde-saphyr's span wrapper.
struct Raw(Value);

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw(Value::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw(
            i64::try_from(v).map_or(Value::Float(v as f64), Value::Int)
        ))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw(Value::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw(Value::Str(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw(Value::Str(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<serde_saphyr::Spanned<Raw>>()? {
            out.push(Node {
                span: span_of(&v.referenced),
                value: v.value.0,
            });
        }
        Ok(Raw(Value::Seq(out)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<serde_saphyr::Spanned<KeyText>>()? {
            let v = map.next_value::<serde_saphyr::Spanned<Raw>>()?;
            out.push((
                Key {
                    name: k.value.0,
                    span: span_of(&k.referenced),
                },
                Node {
                    span: span_of(&v.referenced),
                    value: v.value.0,
                },
            ));
        }
        Ok(Raw(Value::Map(out)))
    }
}

/// A mapping key: any scalar, as text (`1: x` has key "1").
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Raw::deserialize(d)?.0 {
            Value::Str(s) => Ok(KeyText(s)),
            Value::Int(i) => Ok(KeyText(i.to_string())),
            Value::Float(f) => Ok(KeyText(f.to_string())),
            Value::Bool(b) => Ok(KeyText(b.to_string())),
            Value::Null => Ok(KeyText("null".into())),
            _ => Err(de::Error::custom("mapping keys must be scalars")),
        }
    }
}

/// A YAML syntax problem, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// What is wrong.
    pub message: String,
    /// Where, if the parser said.
    pub span: Option<Span>,
}

/// Parse YAML text into a spanned tree.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut options = serde_saphyr::Options::default();
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    options.with_snippet = false;
    options.strict_booleans = true;
    match serde_saphyr::from_str_with_options::<serde_saphyr::Spanned<Raw>>(text, options) {
        Ok(v) => Ok(Node {
            span: span_of(&v.referenced),
            value: v.value.0,
        }),
        Err(e) => {
            let located = e.location().map(|l| {
                let span = span_of(&l);
                if span == Span::default() {
                    Span::new(offset_of(text, l.line() as usize, l.column() as usize), 1)
                } else {
                    span
                }
            });
            Err(SyntaxError {
                span: located,
                message: plain_message(&e.to_string()),
            })
        }
    }
}

/// The byte offset of a 1-based line and (character) column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = &text[start.min(text.len())..];
    start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

/// serde-saphyr's message without the position (diagnostics show it) or advice meant for
/// programmers rather than manifest authors.
fn plain_message(m: &str) -> String {
    let mut m = m.trim().strip_prefix("error: ").unwrap_or(m.trim());
    if let Some((head, rest)) = m.split_once(": ")
        && head.starts_with("line ")
    {
        m = rest;
    }
    if let Some(i) = m.rfind(" at line ") {
        m = &m[..i];
    }
    let m = m.replace(", set DuplicateKeyPolicy in Options if acceptable", "");
    m.lines().next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_keeps_its_place() {
        let text = "version: 1\nsteps:\n  - id: a\n    x: [1, 2.5, \"s\", true, ~]\n";
        let root = parse(text).unwrap();
        let m = root.as_map().unwrap();
        assert_eq!(m[0].0.name, "version");
        assert_eq!(&text[m[0].0.span.offset..][..7], "version");
        assert_eq!(m[0].1.value, Value::Int(1));
        assert_eq!(&text[m[0].1.span.offset..][..1], "1");
        let Value::Seq(steps) = &m[1].1.value else {
            panic!()
        };
        let step = steps[0].as_map().unwrap();
        assert_eq!(&text[step[1].0.span.offset..][..1], "x");
        let Value::Seq(xs) = &step[1].1.value else {
            panic!()
        };
        assert_eq!(xs[1].value, Value::Float(2.5));
        assert_eq!(&text[xs[2].span.offset..][..3], "\"s\"");
        assert_eq!(xs[4].value, Value::Null);
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let cases = [
            ("a: [1, 2\nb: 3\n", "illegal placement of ':' indicator", 10),
            ("a: 1\na: 2\n", "duplicate mapping key: a", 5),
            ("x: \"unterminated\n", "unclosed quote", 3),
        ];
        for (text, message, offset) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(e.message, message);
            assert_eq!(e.span.map(|s| s.offset), Some(offset), "{text:?}");
        }
    }

    #[test]
    fn expressions_stay_strings() {
        let root = parse("t0: ${{ gps_now() }}\n").unwrap();
        assert_eq!(
            root.as_map().unwrap()[0].1.as_str(),
            Some("${{ gps_now() }}")
        );
    }
}
