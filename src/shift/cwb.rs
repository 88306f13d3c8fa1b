//! Locating the times of a cWB trigger file: `key: value value …` lines, one value per
//! detector. The `start:`, `time:`, `stop:`, `event_time:` and `segment:` lines hold GPS
//! times; every number on them is shifted with its decimal places kept.
//!
//! The reference time is what the GraceDB server reads as `gpstime`: the first value of the
//! last `event_time:` line, or of the last `time:` line in files that predate `event_time`.

use super::error::{Context, ShiftError};
use super::field::Field;
use super::field::Located;
use super::time::{GpsTime, Style, parse_decimal};

/// The keys whose values are GPS times.
pub(crate) const TIME_KEYS: &[&str] = &["start", "time", "stop", "event_time", "segment"];

/// The key of a `key: values` line and the byte offset where its values start.
pub(crate) fn key_of(line: &[u8]) -> Option<(&str, usize)> {
    let colon = line.iter().position(|&b| b == b':')?;
    let key = std::str::from_utf8(&line[..colon])
        .ok()?
        .split_whitespace()
        .next()?;
    Some((key, colon + 1))
}

/// Finds every time in a cWB trigger file.
pub(crate) fn locate(text: &[u8], ctx: &Context<'_>) -> Result<Located, ShiftError> {
    let mut fields = Vec::new();
    let mut event_time = None;
    let mut peak_time = None;
    let mut line_start = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let here = line_start;
        line_start += line.len();
        let Some((key, values_at)) = key_of(line) else {
            continue;
        };
        if !TIME_KEYS.contains(&key) {
            continue;
        }
        let mut first = None;
        let mut i = values_at;
        while i < line.len() {
            if line[i].is_ascii_whitespace() {
                i += 1;
                continue;
            }
            let start = i;
            while i < line.len() && !line[i].is_ascii_whitespace() {
                i += 1;
            }
            let word = String::from_utf8_lossy(&line[start..i]);
            let value = parse_decimal(&word)
                .map_err(|e| ctx.at(here, format!("`{key}:` value {word:?}: {e}")))?;
            first.get_or_insert(GpsTime::from_nanos(value.nanos));
            fields.push(Field::Decimal {
                range: here + start..here + i,
                value,
                style: Style::Number,
            });
        }
        let Some(first) = first else {
            return Err(ctx.at(here, format!("`{key}:` line has no value")));
        };
        match key {
            "event_time" => event_time = Some(first),
            "time" => peak_time = Some(first),
            _ => {}
        }
    }
    let before = event_time
        .or(peak_time)
        .ok_or_else(|| ctx.whole("no `event_time:` or `time:` line: not a cWB trigger file"))?;
    Ok(Located { before, fields })
}
