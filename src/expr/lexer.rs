//! The expression lexer, for static analysis only (minijinja evaluates; it has no public AST).
//!
//! It splits the text between `${{` and `}}` into identifiers, numbers, strings and punctuation,
//! pairs up brackets, and reports what it can see cheaply: an unterminated string, an
//! unexpected character, an unbalanced bracket. Offsets are byte offsets within the expression
//! source; the caller adds the source's offset within the template string.

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// `[A-Za-z_][A-Za-z0-9_]*`, keywords included.
    Ident,
    /// Digits (and `_`), no fraction or exponent.
    Int,
    /// A number with a fraction or an exponent.
    Float,
    /// A quoted string, quotes included in the text.
    Str,
    /// An operator or a bracket.
    Punct,
}

/// One token: its kind, its text and its byte offset within the expression source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    pub offset: usize,
}

impl Token<'_> {
    /// Byte offset just past the token.
    pub fn end(&self) -> usize {
        self.offset + self.text.len()
    }

    /// Whether this is the punctuation `p`.
    pub fn is_punct(&self, p: &str) -> bool {
        self.kind == TokenKind::Punct && self.text == p
    }

    /// Whether this is the identifier (or keyword) `name`.
    pub fn is_ident(&self, name: &str) -> bool {
        self.kind == TokenKind::Ident && self.text == name
    }

    /// The value of a string token when it has no escapes other than `\\`, `\'` and `\"`.
    pub fn simple_string(&self) -> Option<String> {
        if self.kind != TokenKind::Str || self.text.len() < 2 {
            return None;
        }
        let inner = &self.text[1..self.text.len() - 1];
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some(e @ ('\\' | '\'' | '"')) => out.push(e),
                    _ => return None,
                }
            } else {
                out.push(c);
            }
        }
        Some(out)
    }
}

/// A problem the lexer saw, as a span within the expression source and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
}

/// The tokens of an expression, with bracket pairs and the problems found.
#[derive(Debug, Clone)]
pub(crate) struct Lexed<'a> {
    pub tokens: Vec<Token<'a>>,
    /// For each token that is a bracket, the index of its partner (if balanced).
    pub partner: Vec<Option<usize>>,
    /// Sorted by offset.
    pub errors: Vec<LexError>,
}

const TWO_CHAR_PUNCT: [&str; 6] = ["**", "//", "==", "!=", "<=", ">="];
const ONE_CHAR_PUNCT: &str = "()[]{}.,:|~+-*/%<>=!";

/// Lex an expression source.
pub(crate) fn lex(src: &str) -> Lexed<'_> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut errors = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                TokenKind::Ident
            }
            b'0'..=b'9' => {
                i = digits(bytes, i);
                let mut kind = TokenKind::Int;
                if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                    i = digits(bytes, i + 1);
                    kind = TokenKind::Float;
                }
                if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
                    let mut j = i + 1;
                    if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
                        j += 1;
                    }
                    if j < bytes.len() && bytes[j].is_ascii_digit() {
                        i = digits(bytes, j);
                        kind = TokenKind::Float;
                    }
                }
                kind
            }
            b'"' | b'\'' => {
                // Quotes and backslashes are ASCII, so stepping over bytes never confuses them
                // with part of a multi-byte character; the token ends on the closing quote.
                let mut j = i + 1;
                let mut closed = false;
                while j < bytes.len() {
                    match bytes[j] {
                        b'\\' => j += 2,
                        q if q == b => {
                            j += 1;
                            closed = true;
                            break;
                        }
                        _ => j += 1,
                    }
                }
                if !closed {
                    errors.push(LexError {
                        offset: start,
                        len: src.len() - start,
                        message: "unterminated string".to_owned(),
                    });
                    break;
                }
                i = j;
                TokenKind::Str
            }
            _ => {
                if let Some(p) = TWO_CHAR_PUNCT.iter().find(|p| src[i..].starts_with(*p)) {
                    i += p.len();
                    TokenKind::Punct
                } else if ONE_CHAR_PUNCT.as_bytes().contains(&b) {
                    i += 1;
                    TokenKind::Punct
                } else {
                    let c = src[i..].chars().next().unwrap_or('\u{fffd}');
                    errors.push(LexError {
                        offset: start,
                        len: c.len_utf8(),
                        message: format!("unexpected character `{c}`"),
                    });
                    i += c.len_utf8();
                    continue;
                }
            }
        };
        tokens.push(Token {
            kind,
            text: &src[start..i],
            offset: start,
        });
    }
    let partner = pair_brackets(&tokens, &mut errors);
    errors.sort_by_key(|e| e.offset);
    Lexed {
        tokens,
        partner,
        errors,
    }
}

fn digits(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
        i += 1;
    }
    i
}

fn closer_of(open: &str) -> Option<&'static str> {
    match open {
        "(" => Some(")"),
        "[" => Some("]"),
        "{" => Some("}"),
        _ => None,
    }
}

fn pair_brackets(tokens: &[Token<'_>], errors: &mut Vec<LexError>) -> Vec<Option<usize>> {
    let mut partner = vec![None; tokens.len()];
    let mut open: Vec<usize> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.kind != TokenKind::Punct {
            continue;
        }
        if closer_of(t.text).is_some() {
            open.push(i);
        } else if matches!(t.text, ")" | "]" | "}") {
            match open.last() {
                None => errors.push(LexError {
                    offset: t.offset,
                    len: 1,
                    message: format!("unmatched `{}`", t.text),
                }),
                Some(&o) => {
                    let expected = closer_of(tokens[o].text).unwrap_or(")");
                    if expected == t.text {
                        partner[o] = Some(i);
                        partner[i] = Some(o);
                    } else {
                        errors.push(LexError {
                            offset: t.offset,
                            len: 1,
                            message: format!(
                                "`{}` does not close `{}` (expected `{expected}`)",
                                t.text, tokens[o].text
                            ),
                        });
                    }
                    open.pop();
                }
            }
        }
    }
    for o in open {
        errors.push(LexError {
            offset: tokens[o].offset,
            len: 1,
            message: format!("unclosed `{}`", tokens[o].text),
        });
    }
    partner
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        lex(src).tokens.iter().map(|t| (t.kind, t.text)).collect()
    }

    #[test]
    fn tokens() {
        use TokenKind::*;
        assert_eq!(
            kinds("steps.e.gpstime - 1.5e3 >= 'a\\'b' // 2"),
            vec![
                (Ident, "steps"),
                (Punct, "."),
                (Ident, "e"),
                (Punct, "."),
                (Ident, "gpstime"),
                (Punct, "-"),
                (Float, "1.5e3"),
                (Punct, ">="),
                (Str, "'a\\'b'"),
                (Punct, "//"),
                (Int, "2"),
            ]
        );
        assert_eq!(
            kinds("x[0].y"),
            vec![
                (Ident, "x"),
                (Punct, "["),
                (Int, "0"),
                (Punct, "]"),
                (Punct, "."),
                (Ident, "y")
            ]
        );
    }

    #[test]
    fn simple_string() {
        let l = lex(r#"'a\'b' "c\nd" "é""#);
        assert_eq!(l.tokens[0].simple_string().as_deref(), Some("a'b"));
        assert_eq!(l.tokens[1].simple_string(), None);
        assert_eq!(l.tokens[2].simple_string().as_deref(), Some("é"));
    }

    #[test]
    fn brackets() {
        let l = lex("f((a)[1], {'k': 2})");
        assert!(l.errors.is_empty());
        assert_eq!(l.partner[1], Some(l.tokens.len() - 1));
        let msgs = |src| {
            lex(src)
                .errors
                .into_iter()
                .map(|e| (e.offset, e.len, e.message))
                .collect::<Vec<_>>()
        };
        assert_eq!(msgs("(()"), vec![(0, 1, "unclosed `(`".to_owned())]);
        assert_eq!(msgs("a)"), vec![(1, 1, "unmatched `)`".to_owned())]);
        assert_eq!(
            msgs("(]"),
            vec![(1, 1, "`]` does not close `(` (expected `)`)".to_owned())]
        );
    }

    #[test]
    fn lexer_errors() {
        let l = lex("'abc");
        assert_eq!(
            l.errors,
            vec![LexError {
                offset: 0,
                len: 4,
                message: "unterminated string".into()
            }]
        );
        let l = lex("a $ é");
        assert_eq!(l.errors.len(), 2);
        assert_eq!((l.errors[1].offset, l.errors[1].len), (4, 2));
        assert_eq!(l.errors[1].message, "unexpected character `é`");
        // A trailing backslash inside an unterminated string must not overrun.
        assert_eq!(lex("'\\").errors.len(), 1);
    }
}
