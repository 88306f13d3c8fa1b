//! Typed table cells: the [`Value`] enum and the conversion of cell text by column `Type`.
//!
//! Numbers are read the way python-ligo-lw's C tokenizer reads them (`wcstoll` with base 0
//! for integers, `wcstod` for reals), because that is what the GraceDB server runs; the few
//! places where this reader is stricter are noted on the functions.

/// One cell of a LIGO_LW table, typed by its column's `Type` attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An integer column (`int_2s`, `int_4s`, `int_8s`, the unsigned ones, `int`).
    Int(i64),
    /// A real column (`real_4`, `real_8`, `float`, `double`); may be NaN or infinite.
    Real(f64),
    /// Any other column (`lstring`, `ilwd:char`, `char_s`, …), with escapes resolved.
    Text(String),
    /// An empty cell: nothing but whitespace between two delimiters.
    Null,
}

impl Value {
    /// The value as an integer: integers as they are, reals truncated towards zero (as a
    /// Django `IntegerField` stores them); `None` for null, text and non-finite reals.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            // Saturating `as` is fine here: out-of-range values are rejected by the server's
            // database anyway, so the exact result does not matter.
            Value::Real(r) if r.is_finite() => Some(r.trunc() as i64),
            _ => None,
        }
    }

    /// The value as a real: reals as they are (NaN and infinities included), integers
    /// converted; `None` for null and text.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Real(r) => Some(*r),
            _ => None,
        }
    }

    /// The value as text; `None` unless it is [`Value::Text`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the cell was empty.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// How the cells of a column are converted, derived from the column's `Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellKind {
    Int,
    Real,
    Text,
}

impl CellKind {
    /// Classifies a LIGO_LW type name. Types the reader does not interpret (blobs, complex
    /// numbers, time types, unknown names) are kept as text rather than rejected, so that a
    /// table the caller never looks at cannot make a document unreadable.
    pub(crate) fn of(ty: &str) -> CellKind {
        match ty {
            "int_2s" | "int_2u" | "int_4s" | "int_4u" | "int_8s" | "int_8u" | "int" => {
                CellKind::Int
            }
            "real_4" | "real_8" | "float" | "double" => CellKind::Real,
            _ => CellKind::Text,
        }
    }

    /// Converts the text of a non-empty cell, handing the text back when it is not a number
    /// of this kind (the caller quotes it in the error).
    pub(crate) fn convert(self, text: String) -> Result<Value, String> {
        match self {
            CellKind::Int => parse_c_integer(&text).map(Value::Int).ok_or(text),
            CellKind::Real => parse_c_real(&text).map(Value::Real).ok_or(text),
            CellKind::Text => Ok(Value::Text(text)),
        }
    }
}

/// Parses an integer like C `strtoll(s, &end, 0)` requiring the whole text to be consumed:
/// optional sign, then `0x` hexadecimal, a leading `0` for octal, or decimal. Stricter than
/// C in one way: values outside `i64` are rejected instead of clamped.
pub(crate) fn parse_c_integer(text: &str) -> Option<i64> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(hex) = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
        .filter(|h| !h.is_empty())
    {
        (16, hex)
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        (8, &unsigned[1..])
    } else {
        (10, unsigned)
    };
    // from_str_radix would accept a sign here; C would not, so check the digits ourselves.
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    let value = if negative { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// Parses a real like C `strtod`, requiring the whole text to be consumed: decimal notation
/// with optional exponent, `inf`/`infinity`/`nan` in any case, and `nan(…)`. Hexadecimal
/// floats, which `strtod` also accepts and no LIGO_LW writer produces, are rejected.
pub(crate) fn parse_c_real(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let lower = unsigned.to_ascii_lowercase();
    if let Some(payload) = lower.strip_prefix("nan(").and_then(|p| p.strip_suffix(')')) {
        if payload
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Some(f64::NAN);
        }
        return None;
    }
    // Rust's grammar is C's minus hex floats and nan(...), handled above; the explicit
    // guard keeps forms like "0x1p3" from being half-read.
    if lower.starts_with("0x") {
        return None;
    }
    text.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_follow_c_base_zero_rules() {
        assert_eq!(parse_c_integer("1400123456"), Some(1_400_123_456));
        assert_eq!(parse_c_integer("-17"), Some(-17));
        assert_eq!(parse_c_integer("+5"), Some(5));
        assert_eq!(parse_c_integer("0"), Some(0));
        assert_eq!(parse_c_integer("0x1F"), Some(31));
        assert_eq!(parse_c_integer("010"), Some(8));
        assert_eq!(parse_c_integer("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_c_integer("-9223372036854775808"), Some(i64::MIN));
        for bad in [
            "",
            "-",
            "08",
            "0x",
            "0x+5",
            "1.5",
            "1e3",
            "12a",
            "9223372036854775808",
            " 1",
            "1_0",
        ] {
            assert_eq!(parse_c_integer(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn reals_follow_c_strtod_rules() {
        assert_eq!(parse_c_real("1.2e-08"), Some(1.2e-08));
        assert_eq!(parse_c_real("-.5"), Some(-0.5));
        assert_eq!(parse_c_real("5."), Some(5.0));
        assert_eq!(parse_c_real("inf"), Some(f64::INFINITY));
        assert_eq!(parse_c_real("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(parse_c_real("nan").is_some_and(f64::is_nan));
        assert!(parse_c_real("-NaN(0x7ff)").is_some_and(f64::is_nan));
        for bad in ["", "abc", "1e", "1.5x", "0x1p3", "nan(", "1_0", "--1"] {
            assert_eq!(parse_c_real(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn kinds_come_from_type_names() {
        assert_eq!(CellKind::of("int_4s"), CellKind::Int);
        assert_eq!(CellKind::of("int_8u"), CellKind::Int);
        assert_eq!(CellKind::of("real_4"), CellKind::Real);
        assert_eq!(CellKind::of("double"), CellKind::Real);
        assert_eq!(CellKind::of("lstring"), CellKind::Text);
        assert_eq!(CellKind::of("ilwd:char"), CellKind::Text);
        assert_eq!(CellKind::of("complex_16"), CellKind::Text);
    }

    #[test]
    fn accessors_convert_like_django_fields() {
        assert_eq!(Value::Real(1400123456.9).as_i64(), Some(1_400_123_456));
        assert_eq!(Value::Real(f64::NAN).as_i64(), None);
        assert_eq!(Value::Int(3).as_f64(), Some(3.0));
        assert_eq!(Value::Text("H1".into()).as_str(), Some("H1"));
        assert_eq!(Value::Null.as_f64(), None);
        assert!(Value::Null.is_null());
    }
}
