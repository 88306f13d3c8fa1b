//! Rounding a float the way GraceDB stores `Event.gpstime`.
//!
//! The column is a Django `DecimalField(max_digits=16, decimal_places=6)`
//! (gracedb/events/models.py). Saving a Python float converts it with a decimal context of
//! 16 significant digits (round-half-even on the float's exact binary value), then quantizes
//! to 6 decimal places; the JSON view turns the stored decimal back into a float. Doing the
//! same two steps here, on exact decimal digits, makes the sandbox report the same number.

/// Largest scaled value (units of 1e-6) that fits 16 digits with 6 decimals.
const MAX_SCALED: u128 = 10_000_000_000_000_000;

/// Rounds `x` as the gpstime column stores it; `None` when the server could not store it
/// (not finite, or 10^10 and beyond, which overflows `max_digits`).
pub(crate) fn round_like_gpstime_column(x: f64) -> Option<f64> {
    if !x.is_finite() {
        return None;
    }
    // Step 1: 16 significant digits. Rust's `{:e}` formatting rounds the exact binary value
    // half-to-even, as Python's decimal context does.
    let scientific = format!("{:.15e}", x.abs());
    let (mantissa, exponent) = scientific.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let digits: u128 = mantissa.replace('.', "").parse().ok()?;
    // The 16 digits are an integer scaled by 10^(exponent - 15); express it in units of 1e-6.
    let shift = exponent - 15 + 6;
    // Step 2: quantize to 6 decimals, half-to-even on the decimal digits.
    let scaled = if shift >= 0 {
        digits.checked_mul(10u128.checked_pow(u32::try_from(shift).ok()?)?)?
    } else {
        let drop = u32::try_from(-shift).ok()?;
        if drop > 30 {
            0
        } else {
            round_half_even_div(digits, 10u128.pow(drop))
        }
    };
    if scaled >= MAX_SCALED {
        return None;
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let text = format!("{sign}{}.{:06}", scaled / 1_000_000, scaled % 1_000_000);
    text.parse().ok()
}

fn round_half_even_div(numerator: u128, divisor: u128) -> u128 {
    let quotient = numerator / divisor;
    let twice_remainder = 2 * (numerator % divisor);
    if twice_remainder > divisor || (twice_remainder == divisor && quotient % 2 == 1) {
        quotient + 1
    } else {
        quotient
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gps(seconds: i64, nanoseconds: i64) -> f64 {
        seconds as f64 + nanoseconds as f64 / 1e9
    }

    #[test]
    fn o4_times_round_to_microseconds() {
        assert_eq!(
            round_like_gpstime_column(gps(1_400_123_456, 789_012_645)),
            Some(1_400_123_456.789_013)
        );
        assert_eq!(
            round_like_gpstime_column(gps(1_400_123_456, 789_012_345)),
            Some(1_400_123_456.789_012)
        );
        assert_eq!(
            round_like_gpstime_column(1_400_000_000.0),
            Some(1_400_000_000.0)
        );
    }

    #[test]
    fn exact_ties_go_to_even_like_python_decimal() {
        // 7812500 ns is exactly 1/128 s, so the float sits exactly on a rounding tie.
        assert_eq!(
            round_like_gpstime_column(gps(1_400_000_000, 7_812_500)),
            Some(1_400_000_000.007_812)
        );
        assert_eq!(
            round_like_gpstime_column(gps(1_400_000_000, 23_437_500)),
            Some(1_400_000_000.023_438)
        );
    }

    #[test]
    fn small_times_round_twice() {
        // 16 significant digits first (7 decimals here), then 6 decimals.
        assert_eq!(round_like_gpstime_column(123.456_789_45), Some(123.456_789));
        assert_eq!(round_like_gpstime_column(0.0), Some(0.0));
        assert_eq!(round_like_gpstime_column(1e-9), Some(0.0));
        assert_eq!(round_like_gpstime_column(-2.5e-7), Some(-0.0));
    }

    #[test]
    fn unstorable_values_are_none() {
        assert_eq!(round_like_gpstime_column(f64::NAN), None);
        assert_eq!(round_like_gpstime_column(f64::INFINITY), None);
        assert_eq!(round_like_gpstime_column(1e10), None);
        assert_eq!(round_like_gpstime_column(9_999_999_999.999_999_9), None);
        assert_eq!(
            round_like_gpstime_column(9_999_999_999.999_998),
            Some(9_999_999_999.999_998)
        );
    }
}
