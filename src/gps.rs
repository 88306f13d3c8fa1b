//! GPS time: conversion between GPS seconds and UTC, with leap seconds.
//!
//! GraceDB keys superevent IDs on the UTC date of `t_0` and prints `created` in UTC, while
//! pipelines speak GPS seconds; hifitime carries the leap-second table so that we do not.

use hifitime::{Epoch, TimeScale};

/// A UTC calendar date and time of day, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UtcTime {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31.
    pub day: u8,
    /// Hour, 0 to 23.
    pub hour: u8,
    /// Minute, 0 to 59.
    pub minute: u8,
    /// Second, 0 to 60 (60 only during a leap second).
    pub second: u8,
}

impl UtcTime {
    /// The `YYMMDD` form that superevent IDs use (`S190425z`).
    pub fn yymmdd(&self) -> String {
        format!(
            "{:02}{:02}{:02}",
            self.year.rem_euclid(100),
            self.month,
            self.day
        )
    }

    /// GraceDB's timestamp format, `YYYY-MM-DD HH:MM:SS UTC`.
    pub fn gracedb_format(&self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// The UTC time of a GPS time, truncated to the second.
pub fn gps_to_utc(gps_seconds: f64) -> UtcTime {
    from_epoch(Epoch::from_gpst_seconds(gps_seconds.floor()))
}

/// The UTC time of a Unix time, truncated to the second.
pub fn unix_to_utc(unix_seconds: i64) -> UtcTime {
    from_epoch(Epoch::from_unix_seconds(unix_seconds as f64))
}

/// The GPS time of a UTC calendar time (leap seconds applied).
pub fn utc_to_gps(t: UtcTime) -> f64 {
    Epoch::from_gregorian_utc_hms(t.year, t.month, t.day, t.hour, t.minute, t.second)
        .to_gpst_seconds()
}

/// Parse the UTC timestamps GraceDB and the journal write: `YYYY-MM-DD HH:MM:SS UTC`,
/// `YYYY-MM-DDTHH:MM:SSZ`, with optional fractional seconds (dropped) and `+00:00`.
pub fn parse_utc(s: &str) -> Option<UtcTime> {
    let s = s.trim();
    let s = s
        .strip_suffix(" UTC")
        .or_else(|| s.strip_suffix('Z'))
        .or_else(|| s.strip_suffix("+00:00"))
        .unwrap_or(s);
    let (date, time) = s.split_once([' ', 'T'])?;
    let mut d = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let time = time.split('.').next()?;
    let mut t = time.splitn(3, ':').map(str::parse::<u8>);
    let (hour, minute, second) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second <= 60;
    valid.then_some(UtcTime {
        year: i32::try_from(year).ok()?,
        month: month as u8,
        day: day as u8,
        hour,
        minute,
        second,
    })
}

/// The current GPS time.
pub fn gps_now() -> f64 {
    Epoch::now()
        .map(|e| e.to_gpst_seconds())
        .unwrap_or_else(|_| unix_now_f64_fallback())
}

/// The current Unix time in whole seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

// Only reached if the system clock is before 1970, where any answer is wrong anyway.
fn unix_now_f64_fallback() -> f64 {
    Epoch::from_unix_seconds(unix_now() as f64).to_gpst_seconds()
}

fn from_epoch(e: Epoch) -> UtcTime {
    let (year, month, day, hour, minute, second, _) = e.to_gregorian(TimeScale::UTC);
    UtcTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gps_epoch_is_1980_01_06() {
        let t = gps_to_utc(0.0);
        assert_eq!(t.gracedb_format(), "1980-01-06 00:00:00 UTC");
    }

    #[test]
    fn leap_seconds_are_applied() {
        // GW170817: GPS 1187008882.4 is 2017-08-17 12:41:04.4 UTC (18 leap seconds then).
        let t = gps_to_utc(1187008882.4);
        assert_eq!(t.gracedb_format(), "2017-08-17 12:41:04 UTC");
        assert_eq!(t.yymmdd(), "170817");
        let back = utc_to_gps(t);
        assert_eq!(back, 1187008882.0);
    }

    #[test]
    fn unix_conversion() {
        assert_eq!(unix_to_utc(0).gracedb_format(), "1970-01-01 00:00:00 UTC");
        assert_eq!(
            unix_to_utc(1_700_000_000).gracedb_format(),
            "2023-11-14 22:13:20 UTC"
        );
    }
    #[test]
    fn timestamps_parse_in_both_formats() {
        let a = parse_utc("2017-08-17 12:41:04 UTC").unwrap();
        assert_eq!(a.gracedb_format(), "2017-08-17 12:41:04 UTC");
        assert_eq!(parse_utc("2017-08-17T12:41:04Z"), Some(a));
        assert_eq!(parse_utc("2017-08-17T12:41:04.123456+00:00"), Some(a));
        assert_eq!(parse_utc("2017-13-17 12:41:04 UTC"), None);
        assert_eq!(parse_utc("yesterday"), None);
    }
}
