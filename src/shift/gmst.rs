//! Greenwich mean sidereal time, as LAL computes it for `sngl_inspiral.end_time_gmst`.
//!
//! This follows `XLALGreenwichSiderealTime` (lalsuite `lal/lib/date/XLALSiderealTime.c`, with
//! the equation of equinoxes 0 as `XLALGreenwichMeanSiderealTime` passes): the IAU 1982
//! expression of GMST in UT1 (Aoki et al. 1982, A&A 105, 359), with UTC standing in for UT1
//! and the Julian day of the whole UTC second from `XLALConvertCivilTimeToJD`
//! (`XLALCivilTime.c`); the nanoseconds are added separately to keep precision. Like LAL, the
//! result is not reduced to one turn.

use std::f64::consts::{PI, TAU};

use hifitime::{Duration, Epoch};

use super::time::{GpsTime, NS_PER_S};

/// Julian day of J2000.0 (2000-01-01 12:00 TT, used by LAL as a UTC day count).
const J2000_JD: f64 = 2_451_545.0;

/// GMST in radians at `t`, unreduced (LAL's `XLALGreenwichMeanSiderealTime`).
pub fn greenwich_mean_sidereal_time(t: GpsTime) -> f64 {
    let whole = Epoch::from_gpst_duration(Duration::from_total_nanoseconds(t.seconds() * NS_PER_S));
    let (year, month, day, hour, minute, second, _) = whole.to_gregorian_utc();
    let julian_day = civil_time_to_jd(year, month, day, hour, minute, second);
    let t_hi = (julian_day - J2000_JD) / 36525.0;
    let t_lo = f64::from(t.subsec_nanos()) / (1e9 * 36525.0 * 86400.0);
    let t = t_hi + t_lo;
    // Sidereal seconds; the terms are summed in LAL's order so that results agree to the bit.
    let mut sidereal = (-6.2e-6 * t + 0.093104) * t * t + 67310.54841;
    sidereal += 8640184.812866 * t_lo;
    sidereal += 3155760000.0 * t_lo;
    sidereal += 8640184.812866 * t_hi;
    sidereal += 3155760000.0 * t_hi;
    sidereal * PI / 43200.0
}

/// `XLALConvertCivilTimeToJD`: the short Fliegel–Van Flandern formula (valid after 1900
/// March), in C integer arithmetic, plus the second of the day.
fn civil_time_to_jd(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> f64 {
    let (y, m, d) = (i64::from(year), i64::from(month), i64::from(day));
    let day_number = 367 * y - 7 * (y + (m + 9) / 12) / 4 + 275 * m / 9 + d + 1_721_014;
    let seconds = i64::from(second) + 60 * (i64::from(minute) + 60 * i64::from(hour));
    day_number as f64 + seconds as f64 / 86400.0 - 0.5
}

/// The `end_time_gmst` to write for a row moved to `t`, in the convention of the value it
/// replaces: pipelines that store it reduced to `[0, 2π)` get a reduced value, the others
/// LAL's unreduced one.
pub(crate) fn recomputed(old: f64, t: GpsTime) -> f64 {
    let gmst = greenwich_mean_sidereal_time(t);
    if (0.0..TAU).contains(&old) {
        gmst.rem_euclid(TAU)
    } else {
        gmst
    }
}

/// A `real_8` written as Python's `repr` writes it (what python-ligo-lw puts in a stream):
/// the shortest text that reads back as the same double, with `.0` on whole numbers and an
/// exponent (at least two digits) below 1e-4 or from 1e16 up.
pub(crate) fn python_float_repr(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let magnitude = x.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        let text = format!("{x:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exponent),
        };
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    let text = format!("{x}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gps_of_utc(y: i32, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> GpsTime {
        let e = Epoch::from_gregorian_utc(y, mo, d, h, mi, s, 0);
        GpsTime::from_nanos(e.to_gpst_duration().total_nanoseconds())
    }

    fn hms(h: f64, m: f64, s: f64) -> f64 {
        (h + m / 60.0 + s / 3600.0) * TAU / 24.0
    }

    #[test]
    fn meeus_examples() {
        // Reference values: J. Meeus, "Astronomical Algorithms" (2nd ed., 1998), chapter 12,
        // which uses the same IAU 1982 expression. UTC stands in for UT1 as in LAL.
        // Example 12.a: 1987 April 10, 0h UT: 13h 10m 46.3668s.
        let a = greenwich_mean_sidereal_time(gps_of_utc(1987, 4, 10, 0, 0, 0)).rem_euclid(TAU);
        assert!((a - hms(13.0, 10.0, 46.3668)).abs() < 1e-8, "{a}");
        // Example 12.b: 1987 April 10, 19h 21m 0s UT: 8h 34m 57.0896s.
        let b = greenwich_mean_sidereal_time(gps_of_utc(1987, 4, 10, 19, 21, 0)).rem_euclid(TAU);
        assert!((b - hms(8.0, 34.0, 57.0896)).abs() < 1e-8, "{b}");
    }

    #[test]
    fn j2000_is_the_constant_term() {
        // At 2000-01-01 12:00:00 UTC (GPS 630763213) the IAU 1982 expression reduces to its
        // constant, 67310.54841 s = 18h 41m 50.54841s.
        let t = gps_of_utc(2000, 1, 1, 12, 0, 0);
        assert_eq!(t, GpsTime::from_parts(630_763_213, 0));
        let g = greenwich_mean_sidereal_time(t);
        assert!((g - 67310.54841 * PI / 43200.0).abs() < 1e-12, "{g}");
    }

    #[test]
    fn nanoseconds_advance_at_the_sidereal_rate() {
        let t = GpsTime::from_parts(1_400_123_456, 0);
        let later = GpsTime::from_parts(1_400_123_456, 500_000_000);
        let rate = (greenwich_mean_sidereal_time(later) - greenwich_mean_sidereal_time(t)) / 0.5;
        // 2π per sidereal day of 86164.0905 s.
        assert!((rate - TAU / 86164.0905).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn the_stored_convention_is_kept() {
        let t = GpsTime::from_parts(1_400_123_456, 789_012_645);
        let raw = greenwich_mean_sidereal_time(t);
        assert!(raw > TAU);
        assert_eq!(recomputed(1.0, t), raw.rem_euclid(TAU));
        assert_eq!(recomputed(50_000.0, t), raw);
    }

    #[test]
    fn floats_print_like_python_repr() {
        for (x, text) in [
            (4.172635092113722, "4.172635092113722"),
            (5.0, "5.0"),
            (0.0, "0.0"),
            (1e-5, "1e-05"),
            (1.5e16, "1.5e+16"),
            (48123.25, "48123.25"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(python_float_repr(x), text);
        }
    }
}
