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
    /// How to fix it, when the message alone does not say.
    pub hint: Option<String>,
}

/// Parse YAML text into a spanned tree.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    if let Some(node) = parse_events(text) {
        return Ok(node);
    }
    match parse_raw(text) {
        Ok(node) => Ok(node),
        Err((message, span)) => Err(explain(text, message, span)),
    }
}

/// The fast path: the tree built straight from the YAML parser's events (serde-saphyr's own
/// parser), about three times faster than going through serde. It gives up (`None`) on
/// anything it leaves to serde-saphyr: syntax errors (whose messages `parse_raw` explains),
/// anchors, aliases and tags, duplicate keys, non-string keys, and plain scalars whose YAML
/// type is not obvious. A test checks that both paths build the same tree.
fn parse_events(text: &str) -> Option<Node> {
    use serde_saphyr::granit_parser::{Event, Parser, StructureStyle};

    enum Frame {
        Seq(Vec<Node>, Span),
        Map(Vec<(Key, Node)>, Span, Option<Key>),
    }
    // Comments are not needed, and collecting their text is a tenth of the parse.
    let mut options = serde_saphyr::granit_parser::Options::default();
    options.emit_comments = false;
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root = None;
    let mut documents = 0;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.ok()?;
        let start = span.start.byte_offset()?;
        let end = span.end.byte_offset()?;
        // serde-saphyr gives a flow collection the span of its opening bracket and a block
        // collection an empty one; `cover_children` widens both below.
        let opening =
            |style: StructureStyle| Span::new(start, usize::from(style == StructureStyle::Flow));
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Comment(..) => {
                continue;
            }
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return None;
                }
                continue;
            }
            Event::Scalar(v, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                let plain = style == serde_saphyr::granit_parser::ScalarStyle::Plain;
                Node {
                    value: if plain {
                        resolve_plain(&v)?
                    } else {
                        Value::Str(v.into_owned())
                    },
                    span: Span::new(start, end - start),
                }
            }
            Event::SequenceStart(style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                stack.push(Frame::Seq(Vec::new(), opening(style)));
                continue;
            }
            Event::MappingStart(style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                stack.push(Frame::Map(Vec::new(), opening(style), None));
                continue;
            }
            Event::SequenceEnd => match stack.pop()? {
                Frame::Seq(items, span) => Node {
                    value: Value::Seq(items),
                    span,
                },
                Frame::Map(..) => return None,
            },
            Event::MappingEnd => match stack.pop()? {
                Frame::Map(entries, span, None) => Node {
                    value: Value::Map(entries),
                    span,
                },
                _ => return None,
            },
            _ => return None,
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(items, _)) => items.push(node),
            Some(Frame::Map(entries, _, pending)) => match pending.take() {
                Some(key) => entries.push((key, node)),
                None => {
                    let Value::Str(name) = node.value else {
                        return None;
                    };
                    if entries.iter().any(|(k, _)| k.name == name) {
                        return None;
                    }
                    *pending = Some(Key {
                        name,
                        span: node.span,
                    });
                }
            },
        }
    }
    let mut root = root?;
    if !stack.is_empty() {
        return None;
    }
    cover_children(&mut root, text);
    Some(root)
}

/// The value of a plain scalar, when its type is obvious; `None` when serde-saphyr's full
/// YAML 1.2 rules are needed to tell (`0x1F`, `1_000`, `.inf`, `+5`, `TRUE`, `007`, …).
fn resolve_plain(s: &str) -> Option<Value> {
    match s {
        "" | "~" | "null" => return Some(Value::Null),
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    let is_int = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if is_int {
        return s.parse::<i64>().ok().map(Value::Int);
    }
    let (mantissa, exponent) = match digits.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (digits, None),
    };
    let simple_float = mantissa.split_once('.').is_some_and(|(i, f)| {
        !i.is_empty()
            && !f.is_empty()
            && i.bytes().all(|b| b.is_ascii_digit())
            && f.bytes().all(|b| b.is_ascii_digit())
            && (i == "0" || !i.starts_with('0'))
    }) && exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    if simple_float {
        return s
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::Float);
    }
    // Anything else that could be a number, a boolean or a null in some spelling is left to
    // serde-saphyr; the rest are strings.
    let lower = s.to_ascii_lowercase();
    let numeric_chars = s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() || b"xXoO._+-".contains(&b));
    let maybe_typed = numeric_chars
        || matches!(
            lower.trim_start_matches(['+', '-']),
            // YAML 1.2 spellings (the parser runs with strict booleans: `yes`, `on`, `n` are
            // strings).
            "true" | "false" | "null" | ".inf" | ".nan"
        );
    if maybe_typed {
        None
    } else {
        Some(Value::Str(s.to_owned()))
    }
}

fn parse_raw(text: &str) -> Result<Node, (String, Option<Span>)> {
    let mut options = serde_saphyr::Options::default();
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    options.with_snippet = false;
    options.strict_booleans = true;
    match serde_saphyr::from_str_with_options::<serde_saphyr::Spanned<Raw>>(text, options) {
        Ok(v) => {
            let mut root = Node {
                span: span_of(&v.referenced),
                value: v.value.0,
            };
            cover_children(&mut root, text);
            Ok(root)
        }
        Err(e) => {
            let located = e.location().map(|l| {
                let span = span_of(&l);
                if span == Span::default() {
                    Span::new(offset_of(text, l.line() as usize, l.column() as usize), 1)
                } else {
                    span
                }
            });
            Err((plain_message(&e.to_string()), located))
        }
    }
}

/// The parser gives a collection the span of its opening token only (`[`, `{`, or nothing for a
/// block collection); widen it to the whole collection, so that a diagnostic about a list or
/// a mapping underlines all of it and a span inside it is known to be inside.
fn cover_children(node: &mut Node, text: &str) {
    let (first, last) = match &mut node.value {
        Value::Seq(items) => {
            items.iter_mut().for_each(|i| cover_children(i, text));
            (items.first().map(|i| i.span), items.last().map(|i| i.span))
        }
        Value::Map(entries) => {
            entries
                .iter_mut()
                .for_each(|(_, v)| cover_children(v, text));
            (
                entries.first().map(|(k, _)| k.span),
                entries.last().map(|(k, v)| {
                    if v.span.offset + v.span.len >= k.span.offset + k.span.len {
                        v.span
                    } else {
                        k.span
                    }
                }),
            )
        }
        _ => return,
    };
    let open = text[node.span.offset.min(text.len())..].chars().next();
    let flow_close = match open {
        Some('[') if node.span.len == 1 => Some(']'),
        Some('{') if node.span.len == 1 => Some('}'),
        _ => None,
    };
    let start = match (flow_close, first) {
        (None, Some(f)) => f.offset.min(node.span.offset),
        _ => node.span.offset,
    };
    let mut end = last.map_or(node.span.offset + node.span.len, |l| l.offset + l.len);
    end = end.max(node.span.offset + node.span.len);
    if let Some(close) = flow_close {
        // Past the last item: spaces, commas, newlines and comments, then the bracket.
        let rest = &text[end.min(text.len())..];
        let mut in_comment = false;
        for (i, c) in rest.char_indices() {
            match c {
                '\n' => in_comment = false,
                _ if in_comment => {}
                '#' => in_comment = true,
                c if c == close => {
                    end += i + 1;
                    break;
                }
                ' ' | '\t' | '\r' | ',' => {}
                _ => break,
            }
        }
    }
    node.span = Span::new(start, end.saturating_sub(start));
}

/// The parser reports where it gave up, which is often not where the mistake is: an unclosed
/// `[` is only noticed lines later (as a misplaced `:`), and a tab is reported after it. Point
/// at the mistake instead, and add a hint a manifest author can act on.
fn explain(text: &str, message: String, span: Option<Span>) -> SyntaxError {
    if let Some(at) = span
        && let Some((bracket_message, bracket)) = unclosed_bracket_before(text, at)
    {
        let close = if bracket_message.contains('{') {
            '}'
        } else {
            ']'
        };
        return SyntaxError {
            message: bracket_message,
            span: Some(bracket),
            hint: Some(format!(
                "close it with `{close}` on the same line, or quote the value if the bracket is part of the text"
            )),
        };
    }
    if message.contains("tab") {
        let from = span.map_or(0, |s| line_start(text, s.offset));
        if let Some(tab) = indentation_tab(text, from).or_else(|| indentation_tab(text, 0)) {
            return SyntaxError {
                message: "a tab is used for indentation".into(),
                span: Some(Span::new(tab, 1)),
                hint: Some("YAML indents with spaces only: replace the tab with spaces".into()),
            };
        }
    }
    let hint = if let Some(key) = message.strip_prefix("duplicate mapping key: ") {
        let first = span.and_then(|s| earlier_key(text, s.offset, key));
        Some(match first {
            Some(line) => format!(
                "`{key}` is already given on line {line}: keep the one you mean and delete the other"
            ),
            None => format!(
                "`{key}` may appear only once here: keep the one you mean and delete the other"
            ),
        })
    } else if message.contains("unclosed quote") {
        Some("close the string with the same quote it starts with".into())
    } else if message.contains("did not find expected key")
        || message.contains("did not find expected '-'")
        || message.contains("mapping values are not allowed")
    {
        Some("check the indentation: the keys of one mapping start in the same column, and a value containing `: ` must be quoted".into())
    } else if message.contains("bracket") {
        Some("every `[` needs a `]` and every `{` a `}`".into())
    } else {
        None
    };
    SyntaxError {
        message,
        span,
        hint,
    }
}

/// An unclosed flow collection (`[` or `{`) on an earlier line than the error at `at`, found by
/// parsing the text up to the error's line again: cut there, the parser names the bracket. Only
/// when the error's line is not indented deeper than the bracket's, since a deeper line may
/// legitimately continue the collection.
fn unclosed_bracket_before(text: &str, at: Span) -> Option<(String, Span)> {
    let error_line = line_start(text, at.offset);
    if error_line == 0 {
        return None;
    }
    let (message, span) = parse_raw(&text[..error_line]).err()?;
    let span = span?;
    if !message.starts_with("unclosed bracket") {
        return None;
    }
    let indent = |offset: usize| {
        text[line_start(text, offset)..]
            .chars()
            .take_while(|c| *c == ' ')
            .count()
    };
    (indent(at.offset) <= indent(span.offset)).then_some((message, span))
}

/// The line (from 1) of the first `key:` in the block mapping holding the key at `at`: the
/// lines above it at the same indentation, up to one indented less.
fn earlier_key(text: &str, at: usize, key: &str) -> Option<usize> {
    let start = line_start(text, at);
    let indent = at - start;
    let lines: Vec<&str> = text[..start].lines().collect();
    let mut found = None;
    for (i, l) in lines.iter().enumerate().rev() {
        let content = l.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let this = l.len() - content.len();
        // `- key:` opens a mapping inside a list item, indented two more than its dash.
        let (this, content) = match content.strip_prefix("- ") {
            Some(rest) => (this + 2, rest.trim_start_matches(' ')),
            None => (this, content),
        };
        if this < indent {
            break;
        }
        if this == indent
            && content
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        {
            found = Some(i + 1);
        }
        if l.trim_start().starts_with("- ") && this == indent {
            break;
        }
    }
    found
}

fn line_start(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// The offset of the first tab in a line's indentation, from the line starting at `from`.
fn indentation_tab(text: &str, from: usize) -> Option<usize> {
    let mut line = from;
    for l in text.get(from..)?.split_inclusive('\n') {
        let indent = l.len() - l.trim_start_matches([' ', '\t']).len();
        if let Some(i) = l[..indent].find('\t') {
            return Some(line + i);
        }
        line += l.len();
    }
    None
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
            // The parser notices the open bracket only at the next `:`; the error names it.
            ("a: [1, 2\nb: 3\n", "unclosed bracket '['", 3),
            ("a:\n  b: [1, 2\n  c: 3\n", "unclosed bracket '['", 8),
            ("a:\n  - 1\n\t- 2\n", "a tab is used for indentation", 9),
            ("a: 1\na: 2\n", "duplicate mapping key: a", 5),
            (
                "s:\n  - id: x\n    id: y\n",
                "duplicate mapping key: id",
                17,
            ),
            ("x: \"unterminated\n", "unclosed quote", 3),
        ];
        for (text, message, offset) in cases {
            let e = parse(text).unwrap_err();
            if message.starts_with("duplicate") {
                assert!(
                    e.hint.as_deref().is_some_and(|h| h.contains("line ")),
                    "{e:?}"
                );
            }
            assert_eq!(e.message, message);
            assert_eq!(e.span.map(|s| s.offset), Some(offset), "{text:?}");
        }
    }

    #[test]
    fn collections_span_their_contents() {
        let text = "a:\n  b: [1, 2 ]\n  c: {x: 1}\n  d:\n    - 1\n    - [ ]\n";
        let root = parse(text).unwrap();
        let at = |n: &Node| &text[n.span.offset..n.span.offset + n.span.len];
        assert_eq!(at(&root), text.trim_end());
        let a = &root.as_map().unwrap()[0].1;
        assert_eq!(at(a), &text[5..text.len() - 1]);
        let m = a.as_map().unwrap();
        assert_eq!(at(&m[0].1), "[1, 2 ]");
        assert_eq!(at(&m[1].1), "{x: 1}");
        assert_eq!(at(&m[2].1), "- 1\n    - [ ]");
    }

    /// The fast path and serde-saphyr build the same tree for every manifest in the
    /// repository: the examples, the broken corpus (where both parse) and edge cases.
    #[test]
    fn both_paths_build_the_same_tree() {
        let mut texts: Vec<String> = vec![
            "a: 1\nb: -2\nc: 0\nd: 1.5\ne: -0.25e-3\nf: 1e5\ng: ~\nh:\ni: true\nj: x y\nk: \"q\"\nl: 'r'\n".into(),
            "a: [1, [2, {b: c}], {}]\nb: {x: [], y: {}}\n".into(),
            "- a\n- - b\n  - c\n- d: |\n    text\n    more\n  e: >\n    folded\n".into(),
            "t0: ${{ gps_now() }}\nu: \"${{ steps.e.gpstime - 1 }}\"\n".into(),
            "k: 1400123456.789013\nn: 12345678901234\n".into(),
            "N: 1\ny: yes\no: off\nn: n\n".into(),
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in ["workflows", "tests/data/broken"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap().flatten() {
                if e.path().extension().and_then(|x| x.to_str()) == Some("yaml") {
                    texts.push(std::fs::read_to_string(e.path()).unwrap());
                }
            }
        }
        let mut compared = 0;
        for t in &texts {
            let slow = parse_raw(t);
            match (parse_events(t), slow) {
                (Some(fast), Ok(slow)) => {
                    assert_eq!(fast, slow, "{t}");
                    compared += 1;
                }
                (Some(_), Err(e)) => {
                    panic!("the fast path accepted what serde-saphyr refuses ({e:?}): {t}")
                }
                (None, _) => {}
            }
        }
        assert!(compared >= 40, "{compared}");
    }

    #[test]
    fn unusual_scalars_are_left_to_serde_saphyr() {
        for s in [
            "0x1F", "1_000", ".inf", "-.INF", "+5", "TRUE", "Null", "007", "1.", ".5", "1.2.3",
        ] {
            assert_eq!(resolve_plain(s), None, "{s}");
        }
        assert_eq!(resolve_plain("-12"), Some(Value::Int(-12)));
        assert_eq!(resolve_plain("gstlal"), Some(Value::Str("gstlal".into())));
        assert_eq!(resolve_plain("-"), Some(Value::Str("-".into())));
        assert_eq!(resolve_plain("N"), Some(Value::Str("N".into())));
        assert_eq!(resolve_plain("yes"), Some(Value::Str("yes".into())));
        assert_eq!(
            resolve_plain("../data/coinc.xml"),
            Some(Value::Str("../data/coinc.xml".into()))
        );
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
