//! Durations as typed on the command line: `90`, `90s`, `15m`, `3h`, `2d`, and negative values
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

#[cfg(test)]
mod tests {
    use super::parse_seconds;

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
