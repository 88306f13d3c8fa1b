//! What saving an event does to the values the translator assigned: Django's field
//! conversions (`get_prep_value`/`to_python` of `FloatField`, `IntegerField`, `CharField`,
//! `DecimalField`) and the PostgreSQL column limits behind them (`varchar(n)`, `integer`,
//! the `CHECK (… >= 0)` of a `PositiveIntegerField`, `NOT NULL`). A failure here is an
//! exception inside the translator, so the event keeps only what was saved before.
//!
//! Field definitions: `gracedb/events/models.py` (`Event`, `GrbEvent`, `MultiBurstEvent`,
//! `LalInferenceBurstEvent`, `MLyBurstEvent`, `SimInspiralEvent`).

use serde_json::Value;

use super::python::{float_of, repr_of, str_of};

/// Largest value of a PostgreSQL `integer` column.
const INT_MAX: i64 = 2_147_483_647;
/// Smallest value of a PostgreSQL `integer` column.
const INT_MIN: i64 = -2_147_483_648;

/// `Event.instruments`: `CharField(max_length=20, default="")`.
pub const INSTRUMENTS_MAX: usize = 20;

/// A `varchar(max)` column: longer text is a `DataError`.
pub fn varchar(text: &str, max: usize) -> Result<(), String> {
    if text.chars().count() > max {
        Err(format!("value too long for type character varying({max})"))
    } else {
        Ok(())
    }
}

/// An optional `varchar(max)` column.
pub fn varchar_opt(text: Option<&str>, max: usize) -> Result<(), String> {
    text.map_or(Ok(()), |t| varchar(t, max))
}

/// A `NOT NULL` column of `events_event` given `None`.
pub fn not_null(column: &str) -> String {
    format!(
        "null value in column \"{column}\" of relation \"events_event\" violates not-null constraint"
    )
}

/// An `IntegerField`.
pub fn integer(v: Option<i64>) -> Result<Option<i64>, String> {
    match v {
        Some(i) if !(INT_MIN..=INT_MAX).contains(&i) => Err("integer out of range".to_owned()),
        other => Ok(other),
    }
}

/// A `PositiveIntegerField` of `table`: an integer with a `CHECK (column >= 0)`.
pub fn positive_integer(v: Option<i64>, table: &str, column: &str) -> Result<Option<i64>, String> {
    match integer(v)? {
        Some(i) if i < 0 => Err(format!(
            "new row for relation \"{table}\" violates check constraint \"{table}_{column}_check\""
        )),
        other => Ok(other),
    }
}

/// `Event.gpstime`, a `DecimalField(max_digits=16, decimal_places=6)`: NaN and infinities
/// cannot be stored, nor anything of ten or more integer digits.
pub fn gpstime(x: Option<f64>) -> Result<Option<f64>, String> {
    match x {
        Some(v) if !v.is_finite() || v.abs() >= 1e10 => {
            Err("[<class 'decimal.InvalidOperation'>]".to_owned())
        }
        other => Ok(other),
    }
}

/// `Event.gpstime` assigned a raw JSON value (the hardware-injection translator does not
/// convert it): `Decimal(value)` must succeed.
pub fn gpstime_of(v: Option<&Value>) -> Result<Option<f64>, String> {
    let x = match v {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::Bool(b)) => Some(if *b { 1.0 } else { 0.0 }),
        Some(other @ Value::String(_)) => Some(
            float_of(other)
                .map_err(|_| format!("['“{}” value must be a decimal number.']", str_of(other)))?,
        ),
        Some(other) => {
            return Err(format!(
                "['“{}” value must be a decimal number.']",
                repr_of(other)
            ));
        }
    };
    gpstime(x)
}

/// A `FloatField` assigned a raw JSON value: `float(value)` at save time, with Django's
/// wording when it fails.
pub fn float_field(name: &str, v: Option<&Value>) -> Result<Option<f64>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => float_of(v)
            .map(Some)
            .map_err(|_| format!("Field '{name}' expected a number but got {}.", repr_of(v))),
    }
}

/// A `CharField` assigned a raw JSON value: non-strings are stored as `str(value)`.
pub fn char_field(v: Option<&Value>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(v) => Some(str_of(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limits() {
        assert!(varchar("H1,L1,V1", INSTRUMENTS_MAX).is_ok());
        assert_eq!(
            varchar(&"x".repeat(21), 20),
            Err("value too long for type character varying(20)".into())
        );
        assert_eq!(
            integer(Some(2_147_483_648)),
            Err("integer out of range".into())
        );
        assert!(
            positive_integer(Some(-1), "events_multiburstevent", "start_time")
                .is_err_and(|m| m.contains("events_multiburstevent_start_time_check"))
        );
        assert_eq!(
            gpstime(Some(1e10)),
            Err("[<class 'decimal.InvalidOperation'>]".into())
        );
        assert_eq!(gpstime(Some(1.5)), Ok(Some(1.5)));
    }

    #[test]
    fn raw_values() {
        assert_eq!(float_field("far", Some(&json!("1e-3"))), Ok(Some(1e-3)));
        assert_eq!(
            float_field("far", Some(&json!([1]))),
            Err("Field 'far' expected a number but got [1].".into())
        );
        assert_eq!(gpstime_of(Some(&json!("12.5"))), Ok(Some(12.5)));
        assert!(gpstime_of(Some(&json!("soon"))).is_err());
        assert_eq!(char_field(Some(&json!(["H1"]))), Some("['H1']".into()));
        assert_eq!(char_field(Some(&Value::Null)), None);
    }
}
