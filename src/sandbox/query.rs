//! The search query languages, as far as the sandbox implements them.
//!
//! GraceDB's event and superevent queries (server reference §2.1, §3.4) are large; the sandbox
//! implements the part that workflows and client tests use and answers 400 "Invalid query" to
//! the rest, so that nothing is silently ignored:
//!
//! - events: graceids and graceid ranges (`G1 .. G9`), `gpstime: a .. b` (or a bare GPS
//!   range), `far < x` (`<`, `<=`, `>`, `>=`, `:`), group, pipeline and search names (bare or
//!   as `group: X`), labels combined with `&`, `|` and `~`/`-`, `submitter: "x"`,
//!   `superevent: S…`, `in_superevent: True|False`;
//! - superevents: IDs, `category: Test|MDC|Production`, `t_0:`/`gpstime:`/`t_start:`/`t_end:`
//!   values and ranges, `far`, labels, `preferred_event: G1`, `event: G1`, `is_gw: True|False`,
//!   `is_exposed: True|False`.
//!
//! Like the server, Test-group and MDC-search events are left out unless the query names
//! them (or names events by graceid), and a superevent query without a category term finds
//! Production superevents only, while an empty query finds all.

use rusqlite::types::Value as SqlValue;

use crate::gracedb::Category;
use crate::gracedb::ids::{GraceId, SupereventId};
use crate::gracedb::vocabulary::{GROUPS, LABELS, PIPELINES, SEARCHES};

/// A query compiled to an SQL condition over the `events` or `superevents` table.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlFilter {
    /// The condition; `1` when there is none.
    pub condition: String,
    /// Its parameters, in order.
    pub args: Vec<SqlValue>,
}

/// The query could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid query: {0}")]
pub struct InvalidQuery(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Colon,
    Range,
    Op(&'static str),
    And,
    Or,
    Not,
}

fn tokenize(q: &str) -> Result<Vec<Token>, InvalidQuery> {
    let mut out = Vec::new();
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() || c == ',' => i += 1,
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '"')
                    .ok_or_else(|| InvalidQuery("unterminated quote".into()))?;
                out.push(Token::Quoted(chars[i + 1..i + 1 + end].iter().collect()));
                i += end + 2;
            }
            ':' => {
                out.push(Token::Colon);
                i += 1;
            }
            '&' => {
                out.push(Token::And);
                i += 1;
            }
            '|' => {
                out.push(Token::Or);
                i += 1;
            }
            '~' => {
                out.push(Token::Not);
                i += 1;
            }
            '<' | '>' | '=' => {
                let two = chars.get(i + 1) == Some(&'=');
                out.push(Token::Op(match (c, two) {
                    ('<', true) => "<=",
                    ('<', false) => "<",
                    ('>', true) => ">=",
                    ('>', false) => ">",
                    _ => "=",
                }));
                i += if two { 2 } else { 1 };
            }
            '.' if chars.get(i + 1) == Some(&'.') => {
                out.push(Token::Range);
                i += 2;
            }
            '-' if chars.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) => {
                out.push(Token::Not);
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len() {
                    let c = chars[i];
                    let range_next = c == '.' && chars.get(i + 1) == Some(&'.');
                    if c.is_whitespace() || ":&|~<>=\",".contains(c) || range_next {
                        break;
                    }
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

struct Builder {
    parts: Vec<String>,
    args: Vec<SqlValue>,
}

impl Builder {
    fn new() -> Self {
        Self {
            parts: Vec::new(),
            args: Vec::new(),
        }
    }

    fn push(&mut self, sql: String, args: impl IntoIterator<Item = SqlValue>) {
        self.parts.push(sql);
        self.args.extend(args);
    }

    fn finish(self) -> SqlFilter {
        SqlFilter {
            condition: if self.parts.is_empty() {
                "1".into()
            } else {
                self.parts.join(" AND ")
            },
            args: self.args,
        }
    }
}

/// A cursor over tokens.
struct Cursor {
    tokens: Vec<Token>,
    pos: usize,
}

impl Cursor {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn expect_value(&mut self) -> Result<String, InvalidQuery> {
        match self.next() {
            Some(Token::Word(w)) | Some(Token::Quoted(w)) => Ok(w),
            other => Err(InvalidQuery(format!("expected a value, found {other:?}"))),
        }
    }
    /// `x` or `a .. b` after a `key:`.
    fn expect_number_or_range(&mut self) -> Result<(f64, Option<f64>), InvalidQuery> {
        let a = number(&self.expect_value()?)?;
        if self.peek() == Some(&Token::Range) {
            self.next();
            let b = number(&self.expect_value()?)?;
            Ok((a, Some(b)))
        } else {
            Ok((a, None))
        }
    }
}

fn number(s: &str) -> Result<f64, InvalidQuery> {
    s.parse::<f64>()
        .map_err(|_| InvalidQuery(format!("{s:?} is not a number")))
}

fn canonical<'a>(list: &'a [&'a str], word: &str) -> Option<&'a str> {
    list.iter().copied().find(|x| x.eq_ignore_ascii_case(word))
}

fn range_sql(column: &str, (a, b): (f64, Option<f64>)) -> (String, Vec<SqlValue>) {
    match b {
        Some(b) => (
            format!("{column} BETWEEN ? AND ?"),
            vec![SqlValue::Real(a.min(b)), SqlValue::Real(a.max(b))],
        ),
        None => (format!("{column} = ?"), vec![SqlValue::Real(a)]),
    }
}

fn label_sql(kind: &str, table: &str, name: &str) -> (String, Vec<SqlValue>) {
    (
        format!(
            "EXISTS (SELECT 1 FROM labels l WHERE l.kind = '{kind}' AND l.object = {table}.id AND l.name = ?)"
        ),
        vec![SqlValue::Text(name.to_owned())],
    )
}

/// Parse a label expression starting at the cursor: `A & ~B | C`, `&` binding tighter.
fn label_expr(
    c: &mut Cursor,
    kind: &str,
    table: &str,
    first: String,
    negated: bool,
) -> Result<(String, Vec<SqlValue>), InvalidQuery> {
    let mut ors: Vec<(String, Vec<SqlValue>)> = Vec::new();
    let mut ands: Vec<(String, Vec<SqlValue>)> = Vec::new();
    let atom = |name: &str, neg: bool| -> Result<(String, Vec<SqlValue>), InvalidQuery> {
        if !LABELS.contains(&name) {
            return Err(InvalidQuery(format!("unknown label {name:?}")));
        }
        let (s, a) = label_sql(kind, table, name);
        Ok((if neg { format!("NOT {s}") } else { s }, a))
    };
    ands.push(atom(&first, negated)?);
    while let Some(Token::And | Token::Or) = c.peek() {
        let or = c.next() == Some(Token::Or);
        let neg = c.peek() == Some(&Token::Not);
        if neg {
            c.next();
        }
        let name = c.expect_value()?;
        if or {
            ors.push(join(std::mem::take(&mut ands), " AND "));
        }
        ands.push(atom(&name, neg)?);
    }
    ors.push(join(ands, " AND "));
    Ok(join(ors, " OR "))
}

fn join(parts: Vec<(String, Vec<SqlValue>)>, sep: &str) -> (String, Vec<SqlValue>) {
    if parts.len() == 1 {
        return parts.into_iter().next().unwrap_or_default();
    }
    let mut sql = Vec::new();
    let mut args = Vec::new();
    for (s, a) in parts {
        sql.push(format!("({s})"));
        args.extend(a);
    }
    (format!("({})", sql.join(sep)), args)
}

fn far_term(c: &mut Cursor, b: &mut Builder, column: &str) -> Result<(), InvalidQuery> {
    match c.next() {
        Some(Token::Op(op)) => {
            let x = number(&c.expect_value()?)?;
            let op = if op == "=" { "=" } else { op };
            b.push(format!("{column} {op} ?"), [SqlValue::Real(x)]);
        }
        Some(Token::Colon) => {
            let r = c.expect_number_or_range()?;
            let (s, a) = range_sql(column, r);
            b.push(s, a);
        }
        other => {
            return Err(InvalidQuery(format!(
                "expected <, > or : after far, found {other:?}"
            )));
        }
    }
    Ok(())
}

fn boolean(s: &str) -> Result<bool, InvalidQuery> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(InvalidQuery(format!("{s:?} is not True or False"))),
    }
}

/// Compile an event query.
pub fn events(q: &str) -> Result<SqlFilter, InvalidQuery> {
    let mut c = Cursor {
        tokens: tokenize(q)?,
        pos: 0,
    };
    let mut b = Builder::new();
    let mut names_test = false;
    let mut names_mdc = false;
    let mut names_ids = false;
    while let Some(tok) = c.next() {
        let (word, negated) = match tok {
            Token::Word(w) => (w, false),
            Token::Not => match c.next() {
                Some(Token::Word(w)) => (w, true),
                other => return Err(InvalidQuery(format!("unexpected {other:?} after ~"))),
            },
            Token::Quoted(s) => {
                b.push("submitter = ?".into(), [SqlValue::Text(s)]);
                continue;
            }
            other => return Err(InvalidQuery(format!("unexpected {other:?}"))),
        };
        let lower = word.to_ascii_lowercase();
        let keyed = c.peek() == Some(&Token::Colon);
        if keyed {
            c.next();
        }
        match (lower.as_str(), keyed) {
            ("far", _) => {
                if keyed {
                    c.pos -= 1;
                }
                far_term(&mut c, &mut b, "far")?;
            }
            ("gpstime", true) => {
                let (s, a) = range_sql("gpstime", c.expect_number_or_range()?);
                b.push(s, a);
            }
            ("group", true) | ("pipeline", true) | ("search", true) => {
                let v = c.expect_value()?;
                let (list, column) = match lower.as_str() {
                    "group" => (GROUPS, "grp"),
                    "pipeline" => (PIPELINES, "pipeline"),
                    _ => (SEARCHES, "search"),
                };
                let name = canonical(list, &v)
                    .ok_or_else(|| InvalidQuery(format!("unknown {lower} {v:?}")))?;
                names_test |= column == "grp" && name == "Test";
                names_mdc |= column == "search" && name == "MDC";
                b.push(format!("{column} = ?"), [SqlValue::Text(name.into())]);
            }
            ("label", true) => {
                let v = c.expect_value()?;
                let (s, a) = label_expr(&mut c, "E", "events", v, negated)?;
                b.push(s, a);
            }
            ("submitter", true) => {
                let v = c.expect_value()?;
                b.push("submitter = ?".into(), [SqlValue::Text(v)]);
            }
            ("superevent", true) => {
                let v = c.expect_value()?;
                b.push(
                    "superevent IN (SELECT id FROM superevents WHERE superevent_id = ? OR gw_id = ?)"
                        .into(),
                    [SqlValue::Text(v.clone()), SqlValue::Text(v)],
                );
                names_test = true;
                names_mdc = true;
            }
            ("in_superevent", true) => {
                let yes = boolean(&c.expect_value()?)?;
                b.push(
                    format!("superevent IS {}NULL", if yes { "NOT " } else { "" }),
                    [],
                );
            }
            (_, true) => return Err(InvalidQuery(format!("unknown keyword {word:?}"))),
            (_, false) => {
                if GraceId::parse(&word).is_ok() && word.len() > 1 {
                    names_ids = true;
                    if c.peek() == Some(&Token::Range) {
                        c.next();
                        let hi = c.expect_value()?;
                        let n = |s: &str| {
                            s[1..]
                                .parse::<i64>()
                                .map_err(|_| InvalidQuery(format!("bad graceid {s:?}")))
                        };
                        let (a, z) = (n(&word)?, n(&hi)?);
                        b.push(
                            "id BETWEEN ? AND ?".into(),
                            [SqlValue::Integer(a.min(z)), SqlValue::Integer(a.max(z))],
                        );
                    } else {
                        b.push("graceid = ?".into(), [SqlValue::Text(word)]);
                    }
                } else if let Ok(x) = word.parse::<f64>() {
                    let hi = if c.peek() == Some(&Token::Range) {
                        c.next();
                        Some(number(&c.expect_value()?)?)
                    } else {
                        None
                    };
                    let (s, a) = range_sql("gpstime", (x, hi));
                    b.push(s, a);
                } else if let Some(g) = canonical(GROUPS, &word) {
                    names_test |= g == "Test";
                    b.push("grp = ?".into(), [SqlValue::Text(g.into())]);
                } else if let Some(p) = canonical(PIPELINES, &word) {
                    b.push("pipeline = ?".into(), [SqlValue::Text(p.into())]);
                } else if let Some(s) = canonical(SEARCHES, &word) {
                    names_mdc |= s == "MDC";
                    b.push("search = ?".into(), [SqlValue::Text(s.into())]);
                } else if LABELS.contains(&word.as_str()) {
                    let (s, a) = label_expr(&mut c, "E", "events", word, negated)?;
                    b.push(s, a);
                } else {
                    return Err(InvalidQuery(format!("unknown term {word:?}")));
                }
            }
        }
    }
    if !names_ids {
        if !names_test {
            b.push("grp != 'Test'".into(), []);
        }
        if !names_mdc {
            b.push(
                "(search IS NULL OR search != 'MDC' OR grp = 'Test')".into(),
                [],
            );
        }
    }
    Ok(b.finish())
}

/// Compile a superevent query.
pub fn superevents(q: &str) -> Result<SqlFilter, InvalidQuery> {
    let mut c = Cursor {
        tokens: tokenize(q)?,
        pos: 0,
    };
    let empty = c.tokens.is_empty();
    let mut b = Builder::new();
    let mut names_category = false;
    while let Some(tok) = c.next() {
        let (word, negated) = match tok {
            Token::Word(w) => (w, false),
            Token::Not => match c.next() {
                Some(Token::Word(w)) => (w, true),
                other => return Err(InvalidQuery(format!("unexpected {other:?} after ~"))),
            },
            other => return Err(InvalidQuery(format!("unexpected {other:?}"))),
        };
        let lower = word.to_ascii_lowercase();
        let keyed = c.peek() == Some(&Token::Colon);
        if keyed {
            c.next();
        }
        match (lower.as_str(), keyed) {
            ("far", _) => {
                if keyed {
                    c.pos -= 1;
                }
                far_term(
                    &mut c,
                    &mut b,
                    "(SELECT far FROM events e WHERE e.id = superevents.preferred_event)",
                )?;
            }
            ("category", true) => {
                let v = c.expect_value()?;
                let cat = Category::parse(&v)
                    .ok_or_else(|| InvalidQuery(format!("unknown category {v:?}")))?;
                names_category = true;
                b.push("category = ?".into(), [SqlValue::Text(cat.code().into())]);
            }
            ("t_0", true) | ("gpstime", true) | ("t_start", true) | ("t_end", true) => {
                let column = if lower == "gpstime" {
                    "t_0"
                } else {
                    lower.as_str()
                };
                let (s, a) = range_sql(column, c.expect_number_or_range()?);
                b.push(s, a);
            }
            ("preferred_event", true) => {
                let v = c.expect_value()?;
                b.push(
                    "preferred_event = (SELECT id FROM events WHERE graceid = ?)".into(),
                    [SqlValue::Text(v)],
                );
            }
            ("event", true) => {
                let v = c.expect_value()?;
                b.push(
                    "id = (SELECT superevent FROM events WHERE graceid = ?)".into(),
                    [SqlValue::Text(v)],
                );
            }
            ("is_gw", true) => {
                let yes = boolean(&c.expect_value()?)?;
                b.push(
                    format!("gw_id IS {}NULL", if yes { "NOT " } else { "" }),
                    [],
                );
            }
            ("is_exposed", true) | ("is_public", true) => {
                let yes = boolean(&c.expect_value()?)?;
                b.push("is_exposed = ?".into(), [SqlValue::Integer(yes.into())]);
            }
            ("label", true) => {
                let v = c.expect_value()?;
                let (s, a) = label_expr(&mut c, "S", "superevents", v, negated)?;
                b.push(s, a);
            }
            (_, true) => return Err(InvalidQuery(format!("unknown keyword {word:?}"))),
            (_, false) => {
                if SupereventId::parse(&word).is_ok() {
                    names_category = true;
                    b.push(
                        "(superevent_id = ? OR gw_id = ?)".into(),
                        [SqlValue::Text(word.clone()), SqlValue::Text(word)],
                    );
                } else if LABELS.contains(&word.as_str()) {
                    let (s, a) = label_expr(&mut c, "S", "superevents", word, negated)?;
                    b.push(s, a);
                } else if let Ok(x) = word.parse::<f64>() {
                    let hi = if c.peek() == Some(&Token::Range) {
                        c.next();
                        Some(number(&c.expect_value()?)?)
                    } else {
                        None
                    };
                    let (s, a) = range_sql("t_0", (x, hi));
                    b.push(s, a);
                } else {
                    return Err(InvalidQuery(format!("unknown term {word:?}")));
                }
            }
        }
    }
    if !empty && !names_category {
        b.push("category = 'P'".into(), []);
    }
    Ok(b.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(f: Result<SqlFilter, InvalidQuery>) -> String {
        f.unwrap().condition
    }

    #[test]
    fn event_queries_compile() {
        assert_eq!(
            cond(events("")),
            "grp != 'Test' AND (search IS NULL OR search != 'MDC' OR grp = 'Test')"
        );
        let f = events("gpstime: 1400000000 .. 1400000100 group: Test").unwrap();
        assert_eq!(
            f.condition,
            "gpstime BETWEEN ? AND ? AND grp = ? AND (search IS NULL OR search != 'MDC' OR grp = 'Test')"
        );
        assert_eq!(f.args.len(), 3);
        assert_eq!(cond(events("T0140")), "graceid = ?");
        assert!(
            cond(events("far < 1e-7 test gstlal"))
                .starts_with("far < ? AND grp = ? AND pipeline = ?")
        );
        let f = events("Test EM_READY & ~DQV | INJ").unwrap();
        assert!(f.condition.contains("OR"), "{}", f.condition);
        assert_eq!(f.args.len(), 4);
    }

    #[test]
    fn bad_event_queries_are_rejected() {
        for q in [
            "nonsense",
            "far ~",
            "gpstime: x",
            "label: NOPE",
            "\"open",
            "colour: red",
        ] {
            assert!(events(q).is_err(), "{q}");
        }
    }

    #[test]
    fn superevent_queries_compile() {
        assert_eq!(cond(superevents("")), "1");
        assert_eq!(
            cond(superevents("t_0: 1 .. 2")),
            "t_0 BETWEEN ? AND ? AND category = 'P'"
        );
        assert_eq!(cond(superevents("category: test")), "category = ?");
        assert_eq!(
            cond(superevents("TS230101a")),
            "(superevent_id = ? OR gw_id = ?)"
        );
        assert!(superevents("is_gw: maybe").is_err());
    }
}
