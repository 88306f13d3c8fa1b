//! Exact GPS times and offsets, held as integer nanoseconds.
//!
//! Pipelines write times as decimal text (`1400123456.789012645`) or as a seconds/nanoseconds
//! pair; a shift must move them without the rounding a float round trip brings (an `f64`
//! holds a 2026 GPS time only to about 0.2 µs), so both types parse and print decimal text
//! directly and add as integers.

use std::fmt;
use std::ops::{Add, Neg, Sub};
use std::str::FromStr;

/// Nanoseconds in one second.
pub(crate) const NS_PER_S: i128 = 1_000_000_000;

/// A GPS time, exact to the nanosecond (nanoseconds since the GPS epoch, 1980-01-06 UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GpsTime(i128);

/// A signed time offset, exact to the nanosecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Offset(i128);

impl GpsTime {
    /// The time `nanoseconds` after the GPS epoch.
    pub const fn from_nanos(nanoseconds: i128) -> Self {
        GpsTime(nanoseconds)
    }

    /// The time `seconds` + `nanoseconds`·10⁻⁹ after the GPS epoch (a LIGO_LW
    /// `end_time`/`end_time_ns` pair).
    pub const fn from_parts(seconds: i64, nanoseconds: i64) -> Self {
        GpsTime(seconds as i128 * NS_PER_S + nanoseconds as i128)
    }

    /// Nanoseconds since the GPS epoch.
    pub const fn nanos(self) -> i128 {
        self.0
    }

    /// Whole seconds, rounded towards minus infinity (so that `seconds() + subsec_nanos()`
    /// is the time also before the epoch).
    pub const fn seconds(self) -> i128 {
        self.0.div_euclid(NS_PER_S)
    }

    /// Nanoseconds past [`GpsTime::seconds`], in `0..1_000_000_000`.
    pub const fn subsec_nanos(self) -> u32 {
        self.0.rem_euclid(NS_PER_S) as u32
    }

    /// The nearest `f64` number of seconds (for APIs that take floats; lossy by nature).
    pub fn to_f64(self) -> f64 {
        // Whole and fractional parts separately: each converts exactly or nearly so.
        self.seconds() as f64 + f64::from(self.subsec_nanos()) / 1e9
    }

    /// `self + offset`, or `None` on overflow.
    pub fn checked_add(self, offset: Offset) -> Option<GpsTime> {
        self.0.checked_add(offset.0).map(GpsTime)
    }
}

impl Offset {
    /// An offset of `nanoseconds`.
    pub const fn from_nanos(nanoseconds: i128) -> Self {
        Offset(nanoseconds)
    }

    /// An offset of whole seconds.
    pub const fn from_seconds(seconds: i64) -> Self {
        Offset(seconds as i128 * NS_PER_S)
    }

    /// The offset in nanoseconds.
    pub const fn nanos(self) -> i128 {
        self.0
    }

    /// The offset rounded to whole seconds, halves away from zero, so that rounding `-d` gives
    /// exactly minus the rounding of `d` (what keeps integer-second columns reversible).
    pub const fn round_seconds(self) -> i128 {
        let half = NS_PER_S / 2;
        if self.0 >= 0 {
            (self.0 + half) / NS_PER_S
        } else {
            -((-self.0 + half) / NS_PER_S)
        }
    }
}

impl Add<Offset> for GpsTime {
    type Output = GpsTime;
    fn add(self, rhs: Offset) -> GpsTime {
        GpsTime(self.0 + rhs.0)
    }
}

impl Sub<Offset> for GpsTime {
    type Output = GpsTime;
    fn sub(self, rhs: Offset) -> GpsTime {
        GpsTime(self.0 - rhs.0)
    }
}

impl Sub for GpsTime {
    type Output = Offset;
    fn sub(self, rhs: GpsTime) -> Offset {
        Offset(self.0 - rhs.0)
    }
}

impl Neg for Offset {
    type Output = Offset;
    fn neg(self) -> Offset {
        Offset(-self.0)
    }
}

/// Why a decimal time could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a decimal number of seconds exact to the nanosecond: {reason}")]
pub struct ParseTimeError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A decimal number read exactly: its value in nanoseconds and how many digits it shows after
/// the point (so that a rewrite can keep the writer's format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    pub(crate) nanos: i128,
    pub(crate) places: usize,
}

/// Reads `[-+]digits[.digits]` exactly. Digits past the ninth decimal must be zeros; exponents
/// are refused rather than guessed at.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, ParseTimeError> {
    let fail = |reason| ParseTimeError {
        text: text.to_owned(),
        reason,
    };
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(fail("no digits"));
    }
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return Err(fail(
            "only digits, one point and a leading sign are allowed",
        ));
    }
    if whole.len() > 20 {
        return Err(fail("too large"));
    }
    let (kept, dropped) = fraction.split_at(fraction.len().min(9));
    if dropped.bytes().any(|b| b != b'0') {
        return Err(fail("finer than a nanosecond"));
    }
    let whole_value: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| fail("too large"))?
    };
    let mut fraction_value: i128 = if kept.is_empty() {
        0
    } else {
        kept.parse().map_err(|_| fail("bad fraction"))?
    };
    for _ in kept.len()..9 {
        fraction_value *= 10;
    }
    let magnitude = whole_value * NS_PER_S + fraction_value;
    Ok(Decimal {
        nanos: if negative { -magnitude } else { magnitude },
        places: fraction.len(),
    })
}

/// How many decimals a rewritten number keeps at least, given how the old one was written.
///
/// [`Style::Fixed`] fields (LIGO_LW `Time` elements, always nine decimals) keep their width. Other
/// numbers keep it when it shows trailing zeros (a fixed-width writer, like cWB's `%.4f`);
/// otherwise they were written in their shortest form and stay so, keeping a point if they
/// had one (`1400000000.0`, as Python writes floats) unless they are ISO seconds. Either way more decimals are added
/// when the new value needs them.
pub(crate) fn kept_places(nanos: i128, written: usize, style: Style) -> usize {
    let significant = format!("{:09}", nanos.unsigned_abs() % NS_PER_S as u128)
        .trim_end_matches('0')
        .len();
    match style {
        Style::Fixed => written,
        _ if written > significant => written,
        Style::Number => written.min(1),
        Style::Seconds => 0,
    }
}

/// How a number of seconds is written, for [`kept_places`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Always the same number of decimals (LIGOTimeGPS text: nine).
    Fixed,
    /// A number that keeps its decimal point once it has one (Python floats; cWB times,
    /// which GraceDB splits at the point).
    Number,
    /// The seconds of an ISO 8601 time, whose fraction is optional.
    Seconds,
}

/// Writes `nanos` as a decimal with at least `places` digits after the point, more if the
/// value needs them (never rounding), none if `places` is 0 and the value is whole.
pub(crate) fn format_decimal(nanos: i128, places: usize) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let magnitude = nanos.unsigned_abs();
    let whole = magnitude / NS_PER_S as u128;
    let fraction = format!("{:09}", magnitude % NS_PER_S as u128);
    let needed = fraction.trim_end_matches('0').len();
    let shown = needed.max(places);
    if shown == 0 {
        return format!("{sign}{whole}");
    }
    // Beyond nine places only zeros can follow.
    let mut digits = fraction[..shown.min(9)].to_owned();
    digits.extend(std::iter::repeat_n('0', shown.saturating_sub(9)));
    format!("{sign}{whole}.{digits}")
}

impl FromStr for GpsTime {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_decimal(s.trim()).map(|d| GpsTime(d.nanos))
    }
}

impl FromStr for Offset {
    type Err = ParseTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_decimal(s.trim()).map(|d| Offset(d.nanos))
    }
}

impl fmt::Display for GpsTime {
    /// The shortest exact decimal: `1400000000`, `1400000000.5`, `-3.000000001`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_decimal(self.0, 0))
    }
}

impl fmt::Display for Offset {
    /// Seconds as the shortest exact decimal, with a sign when negative.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_decimal(self.0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_parses_exactly() {
        let t: GpsTime = "1400000000.123456789".parse().unwrap();
        assert_eq!(t.nanos(), 1_400_000_000_123_456_789);
        assert_eq!(
            (t.seconds(), t.subsec_nanos()),
            (1_400_000_000, 123_456_789)
        );
        assert_eq!("-3.5".parse::<GpsTime>().unwrap().nanos(), -3_500_000_000);
        assert_eq!("+2".parse::<Offset>().unwrap().nanos(), 2_000_000_000);
        assert_eq!(
            "0.5000000000".parse::<Offset>().unwrap().nanos(),
            500_000_000
        );
        assert_eq!(".25".parse::<Offset>().unwrap().nanos(), 250_000_000);
    }

    #[test]
    fn bad_text_is_refused_with_a_reason() {
        for (text, reason) in [
            ("1e9", "only digits"),
            ("", "no digits"),
            ("-", "no digits"),
            ("1.2.3", "only digits"),
            ("1.0000000001", "finer than a nanosecond"),
            ("now", "only digits"),
        ] {
            let e = text.parse::<GpsTime>().unwrap_err();
            assert!(e.to_string().contains(reason), "{text:?}: {e}");
        }
    }

    #[test]
    fn display_is_the_shortest_exact_decimal() {
        for (text, shown) in [
            ("1400000000.123456789", "1400000000.123456789"),
            ("1400000000.500", "1400000000.5"),
            ("1400000000.000", "1400000000"),
            ("-3.5", "-3.5"),
            ("-0.000000001", "-0.000000001"),
            ("0", "0"),
        ] {
            assert_eq!(text.parse::<GpsTime>().unwrap().to_string(), shown);
        }
    }

    #[test]
    fn arithmetic_is_exact_and_floors_negative_times() {
        let t: GpsTime = "1400000000.9".parse().unwrap();
        let later = t + "0.100000001".parse::<Offset>().unwrap();
        assert_eq!(later.to_string(), "1400000001.000000001");
        assert_eq!(later - t, Offset::from_nanos(100_000_001));
        assert_eq!(later - (later - t), t);
        let before_epoch = GpsTime::from_nanos(-1);
        assert_eq!(
            (before_epoch.seconds(), before_epoch.subsec_nanos()),
            (-1, 999_999_999)
        );
        assert_eq!(
            GpsTime::from_parts(1_400_123_456, 789_012_645).to_f64(),
            1_400_123_456.789_012_6
        );
    }

    #[test]
    fn rounding_to_seconds_is_odd_symmetric() {
        for ns in [0, 1, 499_999_999, 500_000_000, 1_500_000_000, 2_499_999_999] {
            let d = Offset::from_nanos(ns);
            assert_eq!((-d).round_seconds(), -d.round_seconds(), "{ns}");
        }
        assert_eq!(Offset::from_nanos(500_000_000).round_seconds(), 1);
        assert_eq!(Offset::from_nanos(1_499_999_999).round_seconds(), 1);
    }

    #[test]
    fn formatting_keeps_the_places_shown_unless_more_are_needed() {
        assert_eq!(
            format_decimal(1_400_234_567_062_500_000, 4),
            "1400234567.0625"
        );
        assert_eq!(
            format_decimal(1_400_234_567_000_000_000, 4),
            "1400234567.0000"
        );
        assert_eq!(
            format_decimal(1_400_234_567_123_456_000, 4),
            "1400234567.123456"
        );
        assert_eq!(format_decimal(1_400_234_567_000_000_000, 0), "1400234567");
        assert_eq!(format_decimal(1_000_000_000, 12), "1.000000000000");
        let d = parse_decimal("1400234567.1250").unwrap();
        assert_eq!((d.nanos, d.places), (1_400_234_567_125_000_000, 4));
        assert_eq!(kept_places(d.nanos, 4, Style::Number), 4);
        assert_eq!(kept_places(1_400_234_567_062_500_000, 4, Style::Number), 1);
        assert_eq!(kept_places(1_400_234_567_062_500_000, 4, Style::Fixed), 4);
        assert_eq!(kept_places(1_400_234_567_000_000_000, 0, Style::Number), 0);
        assert_eq!(kept_places(1_400_234_567_000_000_000, 1, Style::Number), 1);
        assert_eq!(kept_places(1_400_234_567_500_000_000, 1, Style::Seconds), 0);
    }
}
