//! The static scan of an expression's tokens: reference chains, function calls, unknown names
//! and arity. Offsets it produces are within the template string (`base` is the offset of the
//! expression source in it).

use super::error::{ExprError, ExprErrorKind};
use super::functions::{FUNCTIONS, function};
use super::lexer::{Lexed, Token, TokenKind};
use super::suggest::suggest;
use super::template::{Call, Reference, Root, Segment};

/// Words the expression syntax owns; they are never references.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "else", "false", "if", "in", "is", "none", "not", "null", "or",
    "true",
];

/// What [`scan`] found.
pub(crate) struct Scan {
    pub refs: Vec<Reference>,
    pub calls: Vec<Call>,
    pub errors: Vec<ExprError>,
}

/// Find references and calls, and report unknown names and wrong arities.
///
/// An identifier is skipped when it follows `.` (an attribute or method), `|` (a filter), `is`
/// or `is not` (a test), when it is a keyword, or when `=` follows it (a keyword argument).
/// Otherwise it is a call if `(` follows, a reference if it is a root, and an error if not.
pub(crate) fn scan(lexed: &Lexed<'_>, source: &str, base: usize) -> Scan {
    let tokens = &lexed.tokens;
    let mut out = Scan {
        refs: Vec::new(),
        calls: Vec::new(),
        errors: Vec::new(),
    };
    for (i, t) in tokens.iter().enumerate() {
        if t.kind != TokenKind::Ident || KEYWORDS.contains(&t.text) {
            continue;
        }
        let prev = |back: usize| i.checked_sub(back).map(|j| tokens[j]);
        let is_member_filter_or_test = prev(1)
            .is_some_and(|p| p.is_punct(".") || p.is_punct("|") || p.is_ident("is"))
            || (prev(1).is_some_and(|p| p.is_ident("not"))
                && prev(2).is_some_and(|p| p.is_ident("is")));
        if is_member_filter_or_test {
            continue;
        }
        let next = tokens.get(i + 1);
        if next.is_some_and(|n| n.is_punct("=")) {
            continue; // a keyword argument's name
        }
        if next.is_some_and(|n| n.is_punct("(")) {
            expect_known_call(lexed, i, source, base, &mut out);
        } else if let Some(root) = Root::from_name(t.text) {
            out.refs.push(reference_chain(tokens, i, root, base));
        } else if function(t.text).is_some() {
            out.errors.push(ExprError::new(
                base + t.offset,
                t.text.len(),
                ExprErrorKind::Syntax(format!("`{0}` is a function: call it as `{0}(…)`", t.text)),
            ));
        } else {
            let candidates = Root::ALL
                .iter()
                .map(|r| r.as_str())
                .chain(FUNCTIONS.iter().map(|f| f.name));
            out.errors.push(ExprError::new(
                base + t.offset,
                t.text.len(),
                ExprErrorKind::UnknownRoot {
                    name: t.text.to_owned(),
                    suggestion: suggest(t.text, candidates),
                },
            ));
        }
    }
    out
}

/// `root(.ident | [int] | ['string'])*`, stopping before a method call (`.name(`).
fn reference_chain(tokens: &[Token<'_>], i: usize, root: Root, base: usize) -> Reference {
    let start = tokens[i].offset;
    let mut end = tokens[i].end();
    let mut path = Vec::new();
    let mut j = i + 1;
    loop {
        let at = |k: usize| tokens.get(j + k);
        if let (Some(dot), Some(name)) = (at(0), at(1))
            && dot.is_punct(".")
            && name.kind == TokenKind::Ident
            && !at(2).is_some_and(|t| t.is_punct("("))
        {
            path.push(Segment::Field(name.text.to_owned()));
            end = name.end();
            j += 2;
            continue;
        }
        if let (Some(open), Some(key), Some(close)) = (at(0), at(1), at(2))
            && open.is_punct("[")
            && close.is_punct("]")
        {
            let segment = match key.kind {
                TokenKind::Int => key.text.parse().ok().map(Segment::Index),
                TokenKind::Str => key.simple_string().map(Segment::Field),
                _ => None,
            };
            if let Some(segment) = segment {
                path.push(segment);
                end = close.end();
                j += 3;
                continue;
            }
        }
        break;
    }
    Reference {
        root,
        path,
        offset: base + start,
        len: end - start,
    }
}

/// A call `name(…)` at token `i`: record it if the function is known and its arity fits.
fn expect_known_call(lexed: &Lexed<'_>, i: usize, source: &str, base: usize, out: &mut Scan) {
    let tokens = &lexed.tokens;
    let name = tokens[i];
    let Some(spec) = function(name.text) else {
        out.errors.push(ExprError::new(
            base + name.offset,
            name.text.len(),
            ExprErrorKind::UnknownFunction {
                name: name.text.to_owned(),
                suggestion: suggest(name.text, FUNCTIONS.iter().map(|f| f.name)),
            },
        ));
        return;
    };
    let open = i + 1;
    let close = lexed.partner[open];
    let end = close.map_or(source.len(), |c| tokens[c].end());
    let (offset, len) = (base + name.offset, end - name.offset);
    // With unbalanced brackets the lexer has already reported the problem; counting arguments
    // would only add noise.
    let args = close.map_or(0, |c| count_args(lexed, open, c));
    let fits = args >= spec.min_args && spec.max_args.is_none_or(|max| args <= max);
    if close.is_some() && !fits {
        out.errors.push(ExprError::new(
            offset,
            len,
            ExprErrorKind::Arity {
                name: spec.name.to_owned(),
                expected: (spec.min_args, spec.max_args),
                found: args,
            },
        ));
        return;
    }
    out.calls.push(Call {
        name: spec.name.to_owned(),
        offset,
        len,
        args,
    });
}

/// Top-level arguments between the brackets at `open` and `close` (a trailing comma allowed).
fn count_args(lexed: &Lexed<'_>, open: usize, close: usize) -> usize {
    let mut commas = 0;
    let mut last_was_comma = false;
    let mut any = false;
    let mut j = open + 1;
    while j < close {
        any = true;
        last_was_comma = lexed.tokens[j].is_punct(",");
        if last_was_comma {
            commas += 1;
        }
        j = match lexed.partner[j] {
            Some(p) if p > j => p + 1,
            _ => j + 1,
        };
    }
    match (any, last_was_comma) {
        (false, _) => 0,
        (true, true) => commas,
        (true, false) => commas + 1,
    }
}
