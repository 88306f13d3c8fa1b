//! The places in a payload that hold a time, as the kind-specific readers find them, and how
//! each is rewritten for an offset. Readers only locate; this file does all the arithmetic,
//! exactly, on integer nanoseconds.

use std::ops::Range;

use super::edit::Edits;
use super::error::{Context, ShiftError};
use super::gmst::{python_float_repr, recomputed};
use super::time::{Decimal, GpsTime, NS_PER_S, Offset, Style, format_decimal, kept_places};
use super::voevent::IsoText;

/// What a reader found: the payload's reference time and every time it holds.
#[derive(Debug)]
pub(crate) struct Located {
    /// The reference time (what GraceDB reads as the event's `gpstime`).
    pub(crate) before: GpsTime,
    /// Every time to rewrite.
    pub(crate) fields: Vec<Field>,
}

/// One time-bearing piece of text and its current value.
#[derive(Debug, Clone)]
pub(crate) enum Field {
    /// A decimal number of seconds, rewritten in the same style ([`kept_places`]); `fixed`
    /// of `style`.
    Decimal {
        range: Range<usize>,
        value: Decimal,
        style: Style,
    },
    /// A LIGO_LW seconds/nanoseconds column pair (`end_time`, `end_time_ns`).
    SecondsNanos {
        seconds: Range<usize>,
        nanos: Range<usize>,
        time: GpsTime,
        /// Largest seconds value the column type holds (`int_4s`: 2³¹−1).
        max_seconds: i128,
    },
    /// Whole seconds with no nanoseconds column (`process.start_time`): moved by the offset
    /// rounded to whole seconds, halves away from zero, so that `+d` then `−d` restores it.
    WholeSeconds {
        range: Range<usize>,
        seconds: i128,
        max_seconds: i128,
    },
    /// `sngl_inspiral.end_time_gmst` of a row whose end time is `time`.
    Gmst {
        range: Range<usize>,
        old: f64,
        time: GpsTime,
    },
    /// An ISO 8601 UTC date-time (VOEvent `ISOTime`, `Who/Date`).
    Iso { range: Range<usize>, value: IsoText },
}

impl Field {
    fn start(&self) -> usize {
        match self {
            Field::Decimal { range, .. }
            | Field::WholeSeconds { range, .. }
            | Field::Gmst { range, .. }
            | Field::Iso { range, .. } => range.start,
            Field::SecondsNanos { seconds, .. } => seconds.start,
        }
    }
}

/// Rewrites every field for `offset`.
pub(crate) fn rewrite(
    fields: &[Field],
    offset: Offset,
    ctx: &Context<'_>,
) -> Result<Edits, ShiftError> {
    let mut edits = Edits::default();
    for field in fields {
        let overflow = || ctx.at(field.start(), "the shifted time does not fit its column");
        match field {
            Field::Decimal {
                range,
                value,
                style,
            } => {
                let nanos = value
                    .nanos
                    .checked_add(offset.nanos())
                    .ok_or_else(overflow)?;
                let places = kept_places(value.nanos, value.places, *style);
                edits.replace(range.clone(), format_decimal(nanos, places));
            }
            Field::SecondsNanos {
                seconds,
                nanos,
                time,
                max_seconds,
            } => {
                let t = time.checked_add(offset).ok_or_else(overflow)?;
                if t.seconds() > *max_seconds || t.seconds() < -*max_seconds - 1 {
                    return Err(overflow());
                }
                edits.replace(seconds.clone(), t.seconds().to_string());
                edits.replace(nanos.clone(), t.subsec_nanos().to_string());
            }
            Field::WholeSeconds {
                range,
                seconds,
                max_seconds,
            } => {
                let s = seconds + offset.round_seconds();
                if s > *max_seconds || s < -*max_seconds - 1 {
                    return Err(overflow());
                }
                edits.replace(range.clone(), s.to_string());
            }
            Field::Gmst { range, old, time } => {
                let t = time.checked_add(offset).ok_or_else(overflow)?;
                edits.replace(range.clone(), python_float_repr(recomputed(*old, t)));
            }
            Field::Iso { range, value } => {
                let text = value
                    .shifted(offset)
                    .map_err(|message| ctx.at(range.start, message))?;
                edits.replace(range.clone(), text);
            }
        }
    }
    Ok(edits)
}

/// Largest value of a LIGO_LW integer column type (`int_4s` unless it says 8 bytes).
pub(crate) fn max_seconds_of(ty: &str) -> i128 {
    if ty.ends_with("int_8s") {
        i128::from(i64::MAX)
    } else {
        i128::from(i32::MAX)
    }
}

/// Nanoseconds of a `seconds`, `nanoseconds` pair, for readers of integer cells.
pub(crate) fn pair(seconds: i64, nanoseconds: i64) -> GpsTime {
    GpsTime::from_nanos(i128::from(seconds) * NS_PER_S + i128::from(nanoseconds))
}
