//! The Python behaviour the server's translator leans on, reproduced so the sandbox reads a
//! file the way `gracedb/events/translator.py` does and words its failures the same way:
//! `float(…)`/`int(…)` on strings and JSON values, `str(…)`/`repr(…)`, reading a file in text
//! mode (UTF-8, universal newlines), `json.loads`, and the warning the view adds when the
//! translator raises (`gracedb/events/view_logic.py`, `_createEventFromForm`).
//!
//! The messages quote CPython 3.11's wording; JSON syntax errors are the one place where
//! serde_json's wording is used instead of Python's.

use serde_json::Value;

/// The warning the create view adds when the translator raises: the event is created anyway,
/// with whatever the translator had saved before the exception.
pub fn scan_warning(message: &str) -> String {
    format!("Problem scanning data. No alert issued ({message})")
}

/// `str(IndexError)` for a list index past the end.
pub const INDEX_ERROR: &str = "list index out of range";

/// Decodes a file read in text mode (`open(name, 'r').read()`, UTF-8): invalid bytes are a
/// `UnicodeDecodeError`, worded as Python words it.
pub fn decode_utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let byte = bytes.get(at).copied().unwrap_or(0);
        let reason = match e.error_len() {
            None => "unexpected end of data",
            Some(_) if (0x80..0xc2).contains(&byte) || byte >= 0xf5 => "invalid start byte",
            Some(_) => "invalid continuation byte",
        };
        format!("'utf-8' codec can't decode byte 0x{byte:02x} in position {at}: {reason}")
    })
}

/// The lines of a text-mode file as `readlines()` gives them: `\r\n` and `\r` become `\n`,
/// and each line keeps its `\n` (the last one may have none).
pub fn read_lines(text: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    text.split_inclusive('\n').map(str::to_owned).collect()
}

/// Why `json.loads` failed.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonFailure {
    /// A `JSONDecodeError`: the text is not JSON.
    Decode(String),
    /// Any other exception on the way (the bytes are not UTF-8).
    Other(String),
}

impl JsonFailure {
    /// The exception's message.
    pub fn message(&self) -> &str {
        match self {
            JsonFailure::Decode(m) | JsonFailure::Other(m) => m,
        }
    }
}

/// `json.loads(open(name, 'r').read())`: text mode, so a UTF-8 byte-order mark is part of the
/// text and `json` rejects it.
pub fn load_json_text(bytes: &[u8]) -> Result<Value, JsonFailure> {
    let text = decode_utf8(bytes).map_err(JsonFailure::Other)?;
    if text.starts_with('\u{feff}') {
        return Err(JsonFailure::Decode(
            "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)".to_owned(),
        ));
    }
    parse_json(text)
}

/// `json.load(open(name, 'rb'))`: bytes, so a byte-order mark is skipped.
pub fn load_json_bytes(bytes: &[u8]) -> Result<Value, JsonFailure> {
    let text = decode_utf8(bytes).map_err(JsonFailure::Other)?;
    parse_json(text.strip_prefix('\u{feff}').unwrap_or(text))
}

fn parse_json(text: &str) -> Result<Value, JsonFailure> {
    serde_json::from_str(text).map_err(|e| JsonFailure::Decode(e.to_string()))
}

/// `d.get(key)` on the decoded JSON document, which must be an object: anything else raises
/// `AttributeError` at the first `.get`.
pub fn as_dict(v: &Value) -> Result<&serde_json::Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| format!("'{}' object has no attribute 'get'", type_name(v)))
}

/// Python's name for the type a JSON value decodes to.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Python truthiness of a JSON value.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// `float(s)` for a string: surrounding whitespace allowed, `_` between digits allowed,
/// `inf`/`infinity`/`nan` in any case.
pub fn float_from_str(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let cleaned = strip_digit_underscores(t);
    let parsed = cleaned.as_deref().and_then(|c| {
        // Rust also accepts these spellings, but not all of Python's; keep to what both take.
        let ok = !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'));
        if ok { c.parse::<f64>().ok() } else { None }
    });
    parsed.ok_or_else(|| format!("could not convert string to float: {}", str_repr(s)))
}

/// `int(s)` for a string in base 10: surrounding whitespace, a sign, `_` between digits.
/// Values beyond `i64` saturate; every column they could go to rejects them anyway.
pub fn int_from_str(s: &str) -> Result<i64, String> {
    let error = || format!("invalid literal for int() with base 10: {}", str_repr(s));
    let t = s.trim();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = strip_digit_underscores(digits).ok_or_else(error)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error());
    }
    let magnitude = digits.bytes().fold(0i128, |acc, b| {
        (acc * 10 + i128::from(b - b'0')).min(i128::MAX / 20)
    });
    let value = if negative { -magnitude } else { magnitude };
    Ok(i64::try_from(value).unwrap_or(if negative { i64::MIN } else { i64::MAX }))
}

/// Removes `_` that sit between two digits (PEP 515); `None` if any other `_` is present.
fn strip_digit_underscores(s: &str) -> Option<String> {
    if !s.contains('_') {
        return Some(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        if c == '_' {
            let before = i.checked_sub(1).and_then(|j| bytes.get(j));
            let after = bytes.get(i + 1);
            if !(before.is_some_and(u8::is_ascii_digit) && after.is_some_and(u8::is_ascii_digit)) {
                return None;
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// `float(v)` for a decoded JSON value (numbers, booleans and numeric strings convert).
pub fn float_of(v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(n) => Ok(n.as_f64().unwrap_or(f64::NAN)),
        Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => float_from_str(s),
        other => Err(format!(
            "float() argument must be a string or a real number, not '{}'",
            type_name(other)
        )),
    }
}

/// The translator's `n_float`: `None` stays `None`, anything else goes through `float()`.
pub fn n_float(v: Option<&Value>) -> Result<Option<f64>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => float_of(v).map(Some),
    }
}

/// `int(v)` for a decoded JSON value: floats are truncated, strings must be integers.
pub fn int_of(v: &Value) -> Result<i64, String> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(i)
            } else if n.is_u64() {
                Ok(i64::MAX)
            } else {
                int_of_float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::String(s) => int_from_str(s),
        other => Err(format!(
            "int() argument must be a string, a bytes-like object or a real number, not '{}'",
            type_name(other)
        )),
    }
}

/// `int(x)` for a float: truncation; NaN and infinities raise.
pub fn int_of_float(x: f64) -> Result<i64, String> {
    if x.is_nan() {
        Err("cannot convert float NaN to integer".to_owned())
    } else if x.is_infinite() {
        Err("cannot convert float infinity to integer".to_owned())
    } else {
        // Saturating: beyond i64 no column accepts the value anyway.
        Ok(x.trunc() as i64)
    }
}

/// The translator's `n_int`.
pub fn n_int(v: Option<&Value>) -> Result<Option<i64>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => int_of(v).map(Some),
    }
}

/// `repr(x)` for a float: the shortest text that reads back to `x`, in Python's layout
/// (`1e-05`, `0.0001`, `1e+16`, `5.0`).
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else {
            let point = point as usize;
            if digits.len() <= point {
                format!("{digits}{}.0", "0".repeat(point - digits.len()))
            } else {
                format!("{}.{}", &digits[..point], &digits[point..])
            }
        };
        format!("{sign}{body}")
    } else {
        let (head, tail) = digits.split_at(1.min(digits.len()));
        let mantissa = if tail.is_empty() {
            head.to_owned()
        } else {
            format!("{head}.{tail}")
        };
        let esign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{esign}{:02}", exponent.unsigned_abs())
    }
}

/// `repr(s)` for a string: single quotes unless the text holds a single quote and no double.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `str(v)` for a decoded JSON value, as Django's `CharField` stores a non-string.
pub fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => repr_of(other),
    }
}

/// `repr(v)` for a decoded JSON value.
pub fn repr_of(v: &Value) -> String {
    match v {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(u)) => u.to_string(),
            _ => float_repr(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => str_repr(s),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(repr_of).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", str_repr(k), repr_of(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn float_repr_matches_python() {
        for (x, text) in [
            (0.00019265, "0.00019265"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (5.0, "5.0"),
            (-0.0, "-0.0"),
            (1042312876.509, "1042312876.509"),
            (2.5e-23, "2.5e-23"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(float_repr(x), text, "{x}");
        }
    }

    #[test]
    fn float_and_int_parse_like_python() {
        assert_eq!(float_from_str(" 1.5\n"), Ok(1.5));
        assert_eq!(float_from_str("1_000.5"), Ok(1000.5));
        assert_eq!(float_from_str("-Infinity"), Ok(f64::NEG_INFINITY));
        assert!(float_from_str("nan").is_ok_and(f64::is_nan));
        assert_eq!(
            float_from_str("abc"),
            Err("could not convert string to float: 'abc'".into())
        );
        assert!(float_from_str("1_").is_err());
        assert!(float_from_str("0x10").is_err());
        assert!(float_from_str("").is_err());
        assert_eq!(int_from_str(" -007 "), Ok(-7));
        assert_eq!(
            int_from_str("3.5"),
            Err("invalid literal for int() with base 10: '3.5'".into())
        );
        assert_eq!(int_of(&json!(2.9)), Ok(2));
        assert_eq!(int_of(&json!(true)), Ok(1));
        assert!(int_of(&json!([1])).is_err());
        assert_eq!(n_float(Some(&json!("2e3"))), Ok(Some(2000.0)));
        assert_eq!(n_float(Some(&Value::Null)), Ok(None));
        assert_eq!(
            n_float(Some(&json!({"a": 1}))),
            Err("float() argument must be a string or a real number, not 'dict'".into())
        );
    }

    #[test]
    fn reprs_match_python() {
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("a\nb"), "'a\\nb'");
        assert_eq!(
            repr_of(&json!(["H1", 2, 1.5, null, true, {"k": "v"}])),
            "['H1', 2, 1.5, None, True, {'k': 'v'}]"
        );
        assert_eq!(str_of(&json!("H1,L1")), "H1,L1");
        assert_eq!(str_of(&json!(3)), "3");
    }

    #[test]
    fn text_mode_reading() {
        assert_eq!(read_lines("a\r\nb\rc"), ["a\n", "b\n", "c"]);
        assert_eq!(
            decode_utf8(b"ab\xffcd"),
            Err("'utf-8' codec can't decode byte 0xff in position 2: invalid start byte".into())
        );
        assert!(decode_utf8(b"ab\xe2\x82").is_err());
        assert!(matches!(
            load_json_text(b"\xef\xbb\xbf{}"),
            Err(JsonFailure::Decode(_))
        ));
        assert_eq!(load_json_bytes(b"\xef\xbb\xbf{}"), Ok(json!({})));
        assert!(matches!(
            load_json_text(b"<xml/>"),
            Err(JsonFailure::Decode(_))
        ));
        assert!(matches!(
            load_json_text(b"\xff"),
            Err(JsonFailure::Other(_))
        ));
        assert_eq!(
            as_dict(&json!([1])).err(),
            Some("'list' object has no attribute 'get'".into())
        );
    }
}
