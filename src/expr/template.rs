//! Templates: a manifest string split into literal text and `${{ … }}` expressions, each
//! expression checked statically and described by its references and calls.

use std::fmt;

use super::error::{ExprError, ExprErrorKind};
use super::lexer::lex;
use super::scan::scan;

const OPEN: &str = "${{";
const CLOSE: &str = "}}";

/// A manifest string value: literal text and `${{ … }}` expressions.
///
/// There is no escape syntax: every `${{` opens an expression. A literal `${{` can be written
/// as an expression yielding it, `${{ '${{' }}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The pieces in order. Adjacent text is merged, and empty text is left out, so a string
    /// that is exactly one expression has exactly one part.
    pub parts: Vec<Part>,
}

/// A piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text, copied as is.
    Text(String),
    /// A `${{ … }}` segment.
    Expr(Expr),
}

/// One `${{ … }}` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    /// The text between `${{` and `}}`, trimmed.
    pub source: String,
    /// Byte offset of `source` within the template string.
    pub offset: usize,
    /// The references it makes, in order of appearance.
    pub refs: Vec<Reference>,
    /// The built-in functions it calls, in order of appearance.
    pub calls: Vec<Call>,
}

impl Expr {
    /// A reference of this expression as written (`steps.event.far`).
    pub fn reference_text(&self, r: &Reference) -> &str {
        let start = r.offset.saturating_sub(self.offset);
        self.source
            .get(start..start + r.len)
            .unwrap_or(self.source.as_str())
    }
}

/// A reference chain such as `steps.event.graceid`, `steps.s.events[0]` or `item`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// What it starts from.
    pub root: Root,
    /// The fields and indexes after the root (`['key']` is a field too). The chain stops at a
    /// method call (`vars.s.upper()` is a reference to `vars.s`) and at an index that is not a
    /// literal (`vars.l[vars.i]` is two references, `vars.l` and `vars.i`).
    pub path: Vec<Segment>,
    /// Byte offset of the chain within the template string.
    pub offset: usize,
    /// Length in bytes of the chain.
    pub len: usize,
}

/// The name a reference starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Root {
    /// `vars.<name>`: the manifest's variables.
    Vars,
    /// `steps.<id>.<output>`: an earlier step's outputs.
    Steps,
    /// `item`: the current element inside `for_each`.
    Item,
    /// `env.<NAME>`: an environment variable the caller chose to expose.
    Env,
}

/// One step of a reference's path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// `.name` or `['name']`.
    Field(String),
    /// `[3]`.
    Index(usize),
}

/// A call of a built-in function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The function's name.
    pub name: String,
    /// Byte offset of the name within the template string.
    pub offset: usize,
    /// Length in bytes of the whole call, from the name to the closing `)`.
    pub len: usize,
    /// The number of top-level arguments.
    pub args: usize,
}

impl Root {
    /// Every root, in the order of the documentation.
    pub(crate) const ALL: [Root; 4] = [Root::Vars, Root::Steps, Root::Item, Root::Env];

    /// The name as written in expressions.
    pub fn as_str(self) -> &'static str {
        match self {
            Root::Vars => "vars",
            Root::Steps => "steps",
            Root::Item => "item",
            Root::Env => "env",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Root> {
        Root::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Field(name) if is_identifier(name) => write!(f, ".{name}"),
            Segment::Field(name) => {
                write!(f, "['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
            }
            Segment::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// Written in canonical form: `steps.s.events[0]`, `vars['a-b']`.
impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.root)?;
        self.path.iter().try_for_each(|s| write!(f, "{s}"))
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Template {
    /// Split a string into text and expressions and check every expression: brackets, strings,
    /// minijinja's syntax, root names, function names and arity. Returns every error found,
    /// sorted by offset, each with a span within `s`.
    pub fn parse(s: &str) -> Result<Template, Vec<ExprError>> {
        let (template, errors) = Template::parse_partial(s);
        if errors.is_empty() {
            Ok(template)
        } else {
            Err(errors)
        }
    }

    /// As [`Template::parse`], but also returning the template made of the expressions that
    /// did parse (a failed one is left out), so that a caller can still check what the
    /// rest of a string refers to.
    pub fn parse_partial(s: &str) -> (Template, Vec<ExprError>) {
        let mut parts = Vec::new();
        let mut errors = Vec::new();
        let mut text = String::new();
        let mut pos = 0;
        while let Some(found) = s[pos..].find(OPEN) {
            let open = pos + found;
            text.push_str(&s[pos..open]);
            let inner = open + OPEN.len();
            let Some(close) = find_close(s, inner) else {
                errors.push(ExprError::new(
                    open,
                    s.len() - open,
                    ExprErrorKind::Unterminated,
                ));
                pos = s.len();
                break;
            };
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            let raw = &s[inner..close];
            let source = raw.trim();
            let offset = inner + (raw.len() - raw.trim_start().len());
            if source.is_empty() {
                errors.push(ExprError::new(
                    open,
                    close + CLOSE.len() - open,
                    ExprErrorKind::Syntax("empty expression".to_owned()),
                ));
            } else {
                match Expr::parse(source, offset) {
                    Ok(expr) => parts.push(Part::Expr(expr)),
                    Err(e) => errors.extend(e),
                }
            }
            pos = close + CLOSE.len();
        }
        text.push_str(&s[pos..]);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        errors.sort_by_key(|e| e.offset);
        (Template { parts }, errors)
    }

    /// Whether the template has no expression.
    pub fn is_literal(&self) -> bool {
        self.exprs().next().is_none()
    }

    /// The whole text, when the template has no expression.
    pub fn literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Text(t)] => Some(t),
            _ => None,
        }
    }

    /// The expression, when the whole string is one `${{ … }}` (whitespace inside the braces
    /// allowed, none outside). Its value keeps its type.
    pub fn single_expr(&self) -> Option<&Expr> {
        match self.parts.as_slice() {
            [Part::Expr(e)] => Some(e),
            _ => None,
        }
    }

    /// The expressions, in order.
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.parts.iter().filter_map(|p| match p {
            Part::Expr(e) => Some(e),
            Part::Text(_) => None,
        })
    }

    /// Whether `s` contains `${{`: a cheap test before parsing.
    pub fn has_expr(s: &str) -> bool {
        s.contains(OPEN)
    }
}

/// The `}}` closing an expression that starts at `from`, outside string literals and braces
/// (`${{ {'a': {'b': 1}} }}`, `${{ format('}}', x) }}`). When a quote is left open the first
/// `}}` is taken, so that the lexer reports the unterminated string rather than the template
/// reporting an unterminated expression.
fn find_close(s: &str, from: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = from;
    let mut depth = 0usize;
    let mut quote = None;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(_) if c == b'\\' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'"' | b'\'' => quote = Some(c),
                b'{' => depth += 1,
                b'}' if depth > 0 => depth -= 1,
                b'}' if b.get(i + 1) == Some(&b'}') => return Some(i),
                _ => {}
            },
        }
        i += 1;
    }
    s[from..].find(CLOSE).map(|j| from + j)
}

impl Expr {
    /// Lex, scan and compile-check one expression source found at `offset`.
    fn parse(source: &str, offset: usize) -> Result<Expr, Vec<ExprError>> {
        let lexed = lex(source);
        let mut errors: Vec<ExprError> = lexed
            .errors
            .iter()
            .map(|e| {
                ExprError::new(
                    offset + e.offset,
                    e.len,
                    ExprErrorKind::Syntax(e.message.clone()),
                )
            })
            .collect();
        let found = scan(&lexed, source, offset);
        errors.extend(found.errors);
        // The lexer's messages are more precise than minijinja's for what both would see. A
        // plain reference (`steps.event.graceid`), the most common expression by far, has
        // nothing left for minijinja to find.
        let trimmed = source.trim();
        let lead = source.len() - source.trim_start().len();
        let plain_reference = matches!(found.refs.as_slice(),
            [r] if r.offset == offset + lead && r.len == trimmed.len())
            && found.calls.is_empty();
        if lexed.errors.is_empty() && !plain_reference {
            errors.extend(expect_compiles(source, offset));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Expr {
            source: source.to_owned(),
            offset,
            refs: found.refs,
            calls: found.calls,
        })
    }
}

/// Compile with minijinja once to catch what our lexer does not check (operator placement,
/// missing operands), mapping minijinja's byte range to the template string.
fn expect_compiles(source: &str, offset: usize) -> Option<ExprError> {
    let env = minijinja::Environment::empty();
    let err = env.compile_expression(source).err()?;
    let (start, len) = syntax_span(source, err.range());
    Some(ExprError::new(
        offset + start,
        len,
        ExprErrorKind::Syntax(err.detail().unwrap_or("invalid expression").to_owned()),
    ))
}

/// A minijinja byte range clamped to `source` (at least one byte when possible); the whole
/// source when minijinja gives no range.
pub(crate) fn syntax_span(source: &str, range: Option<std::ops::Range<usize>>) -> (usize, usize) {
    match range {
        Some(r) if r.start < source.len() => {
            let end = r.end.clamp(r.start + 1, source.len());
            (r.start, end - r.start)
        }
        Some(_) if !source.is_empty() => {
            // Past the end ("unexpected end of input"): point at the last character.
            let last = source.char_indices().last().map_or(0, |(i, _)| i);
            (last, source.len() - last)
        }
        _ => (0, source.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(s: &str) -> Segment {
        Segment::Field(s.to_owned())
    }

    fn errors(s: &str) -> Vec<ExprError> {
        Template::parse(s).expect_err(s)
    }

    fn one_error(s: &str) -> ExprError {
        let mut e = errors(s);
        assert_eq!(e.len(), 1, "{s}: {e:?}");
        e.remove(0)
    }

    fn at<'a>(s: &'a str, e: &ExprError) -> &'a str {
        &s[e.offset..e.offset + e.len]
    }

    #[test]
    fn literal_text() {
        for s in ["", "plain", "$ {{ x }}", "${ x }", "}} {{", "$$"] {
            let t = Template::parse(s).unwrap();
            assert!(t.is_literal());
            assert_eq!(t.literal(), Some(s));
            assert!(t.single_expr().is_none());
            assert!(!Template::has_expr(s));
        }
    }

    #[test]
    fn single_expression() {
        let s = "${{  steps.event.gpstime - 1 }}";
        let t = Template::parse(s).unwrap();
        assert!(Template::has_expr(s));
        assert!(!t.is_literal());
        assert_eq!(t.literal(), None);
        let e = t.single_expr().unwrap();
        assert_eq!(e.source, "steps.event.gpstime - 1");
        assert_eq!(e.offset, 5);
        assert_eq!(&s[e.offset..e.offset + e.source.len()], e.source);
        assert_eq!(
            e.refs,
            vec![Reference {
                root: Root::Steps,
                path: vec![field("event"), field("gpstime")],
                offset: 5,
                len: 19,
            }]
        );
        // No spaces needed; whitespace outside the braces makes it a mixed string.
        assert!(
            Template::parse("${{item}}")
                .unwrap()
                .single_expr()
                .is_some()
        );
        assert!(
            Template::parse(" ${{ item }}")
                .unwrap()
                .single_expr()
                .is_none()
        );
    }

    #[test]
    fn mixed() {
        let s = "t=${{ vars.t0 }} n=${{ 2 }}!";
        let t = Template::parse(s).unwrap();
        assert_eq!(t.parts.len(), 5);
        assert!(t.single_expr().is_none());
        assert_eq!(t.parts[0], Part::Text("t=".into()));
        assert_eq!(t.parts[2], Part::Text(" n=".into()));
        assert_eq!(t.parts[4], Part::Text("!".into()));
        let exprs: Vec<_> = t.exprs().map(|e| (e.source.as_str(), e.offset)).collect();
        assert_eq!(exprs, vec![("vars.t0", 6), ("2", 23)]);
        assert_eq!(t.exprs().next().unwrap().refs[0].offset, 6);
        // Adjacent expressions; `$${{` is a `$` then an expression (no escape syntax).
        let t = Template::parse("$${{ item }}${{ item }}").unwrap();
        assert_eq!(t.parts[0], Part::Text("$".into()));
        assert_eq!(t.exprs().count(), 2);
    }

    #[test]
    fn closing_braces_inside_strings_and_maps() {
        let t = Template::parse("${{ format('{{}}{}', 1) }}").unwrap();
        assert_eq!(t.single_expr().unwrap().source, "format('{{}}{}', 1)");
        let t = Template::parse("${{ {'a': {'b': 1}} }}").unwrap();
        assert_eq!(t.single_expr().unwrap().source, "{'a': {'b': 1}}");
        // The documented way to write a literal `${{`.
        let t = Template::parse("a ${{ '${{' }} b").unwrap();
        assert_eq!(t.exprs().next().unwrap().source, "'${{'");
        let t = Template::parse("${{ 'a' }}}").unwrap();
        assert_eq!(t.parts[1], Part::Text("}".into()));
    }

    #[test]
    fn references() {
        let s = "${{ steps.s.events[0].graceid + vars['odd-name'] + item + env.HOME }}";
        let t = Template::parse(s).unwrap();
        let refs = &t.single_expr().unwrap().refs;
        let shown: Vec<(String, &str)> = refs
            .iter()
            .map(|r| (r.to_string(), &s[r.offset..r.offset + r.len]))
            .collect();
        assert_eq!(
            shown,
            vec![
                (
                    "steps.s.events[0].graceid".into(),
                    "steps.s.events[0].graceid"
                ),
                ("vars['odd-name']".into(), "vars['odd-name']"),
                ("item".into(), "item"),
                ("env.HOME".into(), "env.HOME"),
            ]
        );
        assert_eq!(
            refs[0].path,
            vec![
                field("s"),
                field("events"),
                Segment::Index(0),
                field("graceid")
            ]
        );
        assert_eq!(refs[2].path, vec![]);
        assert_eq!(refs[2].root, Root::Item);
        assert_eq!(refs[3].root, Root::Env);
    }

    #[test]
    fn reference_chains_stop_at_methods_and_dynamic_indexes() {
        let s = "${{ vars.l[vars.i].x | join(', ') ~ vars.s.upper() ~ item.name }}";
        let t = Template::parse(s).unwrap();
        let refs: Vec<String> = t
            .exprs()
            .next()
            .unwrap()
            .refs
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(refs, vec!["vars.l", "vars.i", "vars.s", "item.name"]);
    }

    #[test]
    fn not_references() {
        // Keywords, filters, tests, keyword arguments and attribute names.
        let s = "${{ (vars.a is not none and vars.b is defined) or not true \
                 or vars.c | default(1) in [null, None, False] or vars.d.e if vars.f else 1 }}";
        let t = Template::parse(s).unwrap();
        let refs: Vec<String> = t
            .exprs()
            .next()
            .unwrap()
            .refs
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(
            refs,
            vec!["vars.a", "vars.b", "vars.c", "vars.d.e", "vars.f"]
        );
    }

    #[test]
    fn calls() {
        let s = "x ${{ format('{} {}', basename(item), glob('*.xml')[0]) }}";
        let t = Template::parse(s).unwrap();
        let e = t.exprs().next().unwrap();
        let calls: Vec<(&str, &str, usize)> = e
            .calls
            .iter()
            .map(|c| (c.name.as_str(), &s[c.offset..c.offset + c.len], c.args))
            .collect();
        assert_eq!(
            calls,
            vec![
                (
                    "format",
                    "format('{} {}', basename(item), glob('*.xml')[0])",
                    3
                ),
                ("basename", "basename(item)", 1),
                ("glob", "glob('*.xml')", 1),
            ]
        );
        let t = Template::parse("${{ gps_now() }}").unwrap();
        assert_eq!(t.single_expr().unwrap().calls[0].args, 0);
        let t = Template::parse("${{ default(vars.x, [1, 2],) }}").unwrap();
        assert_eq!(t.single_expr().unwrap().calls[0].args, 2);
    }

    #[test]
    fn unterminated() {
        let s = "a ${{ vars.x";
        let e = one_error(s);
        assert_eq!(e.kind, ExprErrorKind::Unterminated);
        assert_eq!((e.offset, e.len), (2, 10));
        let e = one_error("${{ 'a' }} and ${{");
        assert_eq!((e.offset, e.len), (15, 3));
    }

    #[test]
    fn syntax_errors() {
        let s = "${{ }}";
        let e = one_error(s);
        assert_eq!(e.kind, ExprErrorKind::Syntax("empty expression".into()));
        assert_eq!(at(s, &e), "${{ }}");

        let s = "x ${{ \"unterminated }}";
        let e = one_error(s);
        assert_eq!(e.kind, ExprErrorKind::Syntax("unterminated string".into()));
        assert_eq!(at(s, &e), "\"unterminated");

        let s = "${{ (vars.a + 1 }}";
        let e = one_error(s);
        assert_eq!(e.kind, ExprErrorKind::Syntax("unclosed `(`".into()));
        assert_eq!(e.offset, 4);

        let s = "${{ vars.a] }}";
        let e = one_error(s);
        assert_eq!(e.kind, ExprErrorKind::Syntax("unmatched `]`".into()));
        assert_eq!(e.offset, 10);

        let s = "${{ vars.a $ 1 }}";
        let e = one_error(s);
        assert_eq!(
            e.kind,
            ExprErrorKind::Syntax("unexpected character `$`".into())
        );
        assert_eq!(at(s, &e), "$");

        // minijinja's own syntax errors, mapped to the template string.
        let s = "id: ${{ vars.a vars.b }}";
        let e = one_error(s);
        assert_eq!(
            e.kind,
            ExprErrorKind::Syntax("unexpected input after expression".into())
        );
        assert_eq!(at(s, &e), "vars");
        assert_eq!(e.offset, 15);

        let s = "${{ vars.a + }}";
        let e = one_error(s);
        assert_eq!(
            e.kind,
            ExprErrorKind::Syntax("unexpected end of input, expected expression".into())
        );
        assert_eq!(at(s, &e), "+");

        let s = "${{ gps_now }}";
        let e = one_error(s);
        assert_eq!(
            e.kind,
            ExprErrorKind::Syntax("`gps_now` is a function: call it as `gps_now(…)`".into())
        );
    }

    #[test]
    fn unknown_roots() {
        let s = "${{ step.x.graceid }}";
        let e = one_error(s);
        assert_eq!(
            e.kind,
            ExprErrorKind::UnknownRoot {
                name: "step".into(),
                suggestion: Some("steps".into())
            }
        );
        assert_eq!((e.offset, e.len), (4, 4));
        let e = one_error("${{ event.graceid }}");
        assert_eq!(
            e.kind,
            ExprErrorKind::UnknownRoot {
                name: "event".into(),
                suggestion: None
            }
        );
        let e = one_error("${{ var.t0 }}");
        assert!(
            matches!(e.kind, ExprErrorKind::UnknownRoot { suggestion: Some(s), .. } if s == "vars")
        );
        let e = one_error("${{ glbo }}");
        assert!(
            matches!(e.kind, ExprErrorKind::UnknownRoot { suggestion: Some(s), .. } if s == "glob")
        );
    }

    #[test]
    fn unknown_functions() {
        let s = "n=${{ gps_nwo() }}";
        let e = one_error(s);
        assert_eq!(
            e.kind,
            ExprErrorKind::UnknownFunction {
                name: "gps_nwo".into(),
                suggestion: Some("gps_now".into())
            }
        );
        assert_eq!(at(s, &e), "gps_nwo");
        let e = one_error("${{ range(3) }}");
        assert_eq!(
            e.kind,
            ExprErrorKind::UnknownFunction {
                name: "range".into(),
                suggestion: None
            }
        );
    }

    #[test]
    fn arity() {
        let s = "${{ 1 + gps_now(1) }}";
        let e = one_error(s);
        assert_eq!(
            e.kind,
            ExprErrorKind::Arity {
                name: "gps_now".into(),
                expected: (0, Some(0)),
                found: 1
            }
        );
        assert_eq!(at(s, &e), "gps_now(1)");
        let e = one_error("${{ default(vars.x) }}");
        assert_eq!(
            e.kind,
            ExprErrorKind::Arity {
                name: "default".into(),
                expected: (2, Some(2)),
                found: 1
            }
        );
        let e = one_error("${{ format() }}");
        assert_eq!(
            e.kind,
            ExprErrorKind::Arity {
                name: "format".into(),
                expected: (1, None),
                found: 0
            }
        );
        assert!(Template::parse("${{ format('{}{}{}', 1, 2, 3) }}").is_ok());
    }

    #[test]
    fn all_errors_are_reported() {
        let s = "${{ step.a }} and ${{ gps_nwo() }} and ${{ vars.a + }} and ${{ x";
        let kinds: Vec<_> = errors(s).into_iter().map(|e| (e.offset, e.kind)).collect();
        assert_eq!(kinds.len(), 4, "{kinds:?}");
        assert!(matches!(kinds[0], (4, ExprErrorKind::UnknownRoot { .. })));
        assert!(matches!(
            kinds[1],
            (22, ExprErrorKind::UnknownFunction { .. })
        ));
        assert!(matches!(kinds[2], (_, ExprErrorKind::Syntax(_))));
        assert!(matches!(kinds[3], (_, ExprErrorKind::Unterminated)));
    }

    #[test]
    fn the_expressions_that_parse_are_kept() {
        let s = "${{ steps.a.x }} ${{ gps_nwo() }} ${{ vars.b";
        let (t, errors) = Template::parse_partial(s);
        assert_eq!(errors.len(), 2);
        let refs: Vec<String> = t
            .exprs()
            .flat_map(|e| e.refs.iter().map(|r| r.to_string()))
            .collect();
        assert_eq!(refs, vec!["steps.a.x"]);
    }

    #[test]
    fn garbage_never_panics() {
        let inputs = [
            "${{",
            "${{ }}",
            "${{}}",
            "${{ ((( }}",
            "${{ ))) }}",
            "${{ \"unterminated }}",
            "${{ 'a\\ }}",
            "${{ '\\",
            "${{ é }}",
            "${{ vars.é }}",
            "é ${{ 'é' }} é",
            "${{ 日本 }}",
            "${{ vars.x[ }}",
            "${{ vars.x[0 }}",
            "${{ vars.x[99999999999999999999999] }}",
            "${{ steps. }}",
            "${{ steps..x }}",
            "${{ .x }}",
            "${{ gps( }}",
            "${{ gps()) }}",
            "${{ format('{', ) }}",
            "${{ {{ }} }}",
            "${{ } }}",
            "${{ ${{ vars.x }} }}",
            "${{ | }}",
            "${{ vars.x | }}",
            "${{ vars.x is }}",
            "${{ 1e }}",
            "${{ 1.2.3 }}",
            "${{ 0x10 }}",
            "${{ a=1 }}",
            "${{ ===== }}",
            "${{ ****** }}",
            "${{ ~~ }}",
            "${{ \u{0} }}",
            "${{ \u{202e} }}",
            "}}${{",
            "$",
            "${",
            "${{{",
            "${{{{{{{{",
            "${{ ${{",
            &format!("${{{{ {}vars.x{} }}}}", "(".repeat(500), ")".repeat(500)),
            &format!("${{{{ {} }}}}", "[".repeat(500)),
            &"${{ 1 }}".repeat(200),
        ];
        for s in inputs {
            match Template::parse(s) {
                Ok(t) => {
                    let _ = t.literal();
                }
                Err(errors) => {
                    assert!(!errors.is_empty());
                    for e in errors {
                        assert!(e.offset + e.len <= s.len(), "{s:?}: {e:?}");
                        assert!(s.is_char_boundary(e.offset), "{s:?}: {e:?}");
                        assert!(s.is_char_boundary(e.offset + e.len), "{s:?}: {e:?}");
                        let _ = e.to_string();
                    }
                }
            }
        }
    }
}
