//! Values crossing the minijinja boundary: minijinja's `Value` to JSON, and JSON to the text an
//! interpolation (`"t=${{ x }}"`) or `format()` writes.

use minijinja::value::{Value, ValueKind};

use crate::gracedb::quirks::py_float;

/// Why a minijinja value has no JSON form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotJson {
    /// The value, or something inside it, is undefined (a missing reference).
    Undefined,
    /// Anything else: a function object, bytes, a non-finite or out-of-range number.
    Invalid(String),
}

/// Convert an evaluation result to JSON, keeping integers as integers and floats as floats.
pub(crate) fn to_json(v: &Value) -> Result<serde_json::Value, NotJson> {
    Ok(match v.kind() {
        ValueKind::Undefined => return Err(NotJson::Undefined),
        ValueKind::None => serde_json::Value::Null,
        ValueKind::Bool => serde_json::Value::Bool(v.is_true()),
        ValueKind::Number => {
            let n = serde_json::to_value(v)
                .map_err(|_| NotJson::Invalid(format!("number {v} is out of range")))?;
            if !n.is_number() {
                return Err(NotJson::Invalid(format!("{v} is not a finite number")));
            }
            n
        }
        ValueKind::String => serde_json::Value::String(v.as_str().unwrap_or_default().to_owned()),
        ValueKind::Seq | ValueKind::Iterable => {
            let items = v.try_iter().map_err(|e| NotJson::Invalid(e.to_string()))?;
            serde_json::Value::Array(items.map(|x| to_json(&x)).collect::<Result<_, _>>()?)
        }
        ValueKind::Map => {
            let keys = v.try_iter().map_err(|e| NotJson::Invalid(e.to_string()))?;
            let mut map = serde_json::Map::new();
            for key in keys {
                let item = v
                    .get_item(&key)
                    .map_err(|e| NotJson::Invalid(e.to_string()))?;
                let key = match key.as_str() {
                    Some(s) => s.to_owned(),
                    None => key.to_string(),
                };
                map.insert(key, to_json(&item)?);
            }
            serde_json::Value::Object(map)
        }
        ValueKind::Bytes => return Err(NotJson::Invalid("bytes are not a value".to_owned())),
        _ => {
            return Err(NotJson::Invalid(format!(
                "`{v}` is not a value (a function must be called)"
            )));
        }
    })
}

/// The text of a value inside a larger string: strings as they are, integers plainly, floats as
/// Python's `str()` writes them (`1.5`, `2.0`, `1400123456.789013`, `1e-06`), booleans and null
/// as JSON writes them, lists and objects as compact JSON.
pub(crate) fn to_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (None, None, Some(f)) => py_float(f),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_forms() {
        assert_eq!(to_json(&Value::from(2)), Ok(json!(2)));
        assert_eq!(to_json(&Value::from(2.0)), Ok(json!(2.0)));
        assert!(to_json(&Value::from(2.0)).unwrap().is_f64());
        assert_eq!(to_json(&Value::from(())), Ok(json!(null)));
        assert_eq!(
            to_json(&Value::from_serialize(json!({"a": [1, "x", true]}))),
            Ok(json!({"a": [1, "x", true]}))
        );
        assert_eq!(to_json(&Value::UNDEFINED), Err(NotJson::Undefined));
        assert_eq!(
            to_json(&Value::from(vec![Value::from(1), Value::UNDEFINED])),
            Err(NotJson::Undefined)
        );
        assert!(matches!(
            to_json(&Value::from(f64::INFINITY)),
            Err(NotJson::Invalid(_))
        ));
    }

    #[test]
    fn text_forms() {
        assert_eq!(to_text(&json!("a")), "a");
        assert_eq!(to_text(&json!(2)), "2");
        assert_eq!(to_text(&json!(u64::MAX)), "18446744073709551615");
        assert_eq!(to_text(&json!(2.0)), "2.0");
        assert_eq!(to_text(&json!(1.5)), "1.5");
        assert_eq!(to_text(&json!(1400123456.789013)), "1400123456.789013");
        assert_eq!(to_text(&json!(0.000001)), "1e-06");
        assert_eq!(to_text(&json!(true)), "true");
        assert_eq!(to_text(&json!(null)), "null");
        assert_eq!(to_text(&json!(["a", 1])), r#"["a",1]"#);
    }
}
