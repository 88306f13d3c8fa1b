//! Durations as typed on the command line and in manifests: `90`, `90s`, `15m`, `3h`, `2d`,
//! `250ms` where a manifest takes it, and negative values
//! where a command accepts them (`-60` mints an already-expired token for tests).

/// Parse a duration in seconds.
pub fn parse_seconds(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (num, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c),
        _ => (s, 's'),
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (examples: 600, 90s, 15m, 3h, 2d)"))?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86400,
        _ => return Err(format!("unknown unit {unit:?} in {s:?}: use s, m, h or d")),
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// Parse a non-negative duration as manifests write them: what [`parse_seconds`] takes, or
/// milliseconds (`250ms`) and fractional seconds (`12.5s`), which retry backoffs against a
/// local server and replayed delays want.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    if let Some(ms) = t.strip_suffix("ms") {
        return ms
            .parse::<u64>()
            .map(std::time::Duration::from_millis)
            .map_err(|_| format!("{s:?} is not a duration (examples: 250ms, 90s, 15m, 3h)"));
    }
    // Fractional seconds, as replays of recorded delays write them: `12.5s`, `0.25`.
    if let Some((whole, frac)) = t.trim_end_matches('s').split_once('.') {
        let bad = || format!("{s:?} is not a duration (examples: 12.5s, 250ms, 90s, 15m)");
        if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let secs: u64 = whole.parse().map_err(|_| bad())?;
        let nanos: u32 = format!("{frac:0<9}").parse().map_err(|_| bad())?;
        return Ok(std::time::Duration::new(secs, nanos));
    }
    let secs = parse_seconds(t)?;
    u64::try_from(secs)
        .map(std::time::Duration::from_secs)
        .map_err(|_| format!("{s:?} is negative"))
}

/// A span of seconds as people read it: `42s`, `5m03s`, `2h59m`, `3d04h`. The sign is dropped;
/// callers say "ago" or "left".
pub fn humanize(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let (d, h, m, s) = (s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m{s:02}s"),
        (0, _, _) => format!("{h}h{m:02}m"),
        _ => format!("{d}d{h:02}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::{humanize, parse_duration, parse_seconds};
    use std::time::Duration;

    #[test]
    fn durations_take_milliseconds_too() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("-1").is_err());
        assert!(parse_duration("1.5ms").is_err());
        assert_eq!(parse_duration("12.5s"), Ok(Duration::from_millis(12_500)));
        assert_eq!(parse_duration("0.25"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("1.5m").is_err());
        assert!(parse_duration("-1.5s").is_err());
    }

    #[test]
    fn humanized() {
        assert_eq!(humanize(0), "0s");
        assert_eq!(humanize(42), "42s");
        assert_eq!(humanize(-303), "5m03s");
        assert_eq!(humanize(2 * 3600 + 59 * 60 + 59), "2h59m");
        assert_eq!(humanize(3 * 86400 + 4 * 3600), "3d04h");
    }

    #[test]
    fn units() {
        assert_eq!(parse_seconds("600"), Ok(600));
        assert_eq!(parse_seconds("90s"), Ok(90));
        assert_eq!(parse_seconds("15m"), Ok(900));
        assert_eq!(parse_seconds("3h"), Ok(10800));
        assert_eq!(parse_seconds("-60"), Ok(-60));
        assert!(parse_seconds("3x").is_err());
        assert!(parse_seconds("h").is_err());
    }
}
