//! Locating the time of a JSON payload with a top-level `gpstime` (oLIB, MLy, aframe, GWAK).
//!
//! The document is checked with serde_json, then scanned once more, by hand, for the byte
//! range of each top-level `gpstime` value, so that only that number's text changes and the
//! rest (key order, spacing, number spellings) stays byte for byte.

use std::ops::Range;

use serde_json::Value;

use super::error::{Context, ShiftError};
use super::field::Field;
use super::field::Located;
use super::time::{GpsTime, Style, parse_decimal};

/// The key that holds the event time.
const KEY: &str = "gpstime";

/// Finds the `gpstime` of a JSON object.
pub(crate) fn locate(text: &[u8], ctx: &Context<'_>) -> Result<Located, ShiftError> {
    let document: Value = serde_json::from_slice(text).map_err(|e| ShiftError::Invalid {
        file: ctx.file.to_owned(),
        kind: ctx.kind,
        line: Some(e.line()),
        message: format!("not valid JSON: {e}"),
    })?;
    if !document.is_object() {
        return Err(ctx.whole("the document is not a JSON object"));
    }
    let mut fields = Vec::new();
    let mut before = None;
    for (key, range) in top_level_members(text) {
        if key != KEY {
            continue;
        }
        // A time written as a string ("1400000000.5") is edited inside its quotes.
        let range = if text[range.start] == b'"' {
            range.start + 1..range.end - 1
        } else {
            range
        };
        let word = String::from_utf8_lossy(&text[range.clone()]);
        let value = parse_decimal(&word)
            .map_err(|e| ctx.at(range.start, format!("`{KEY}` {word}: {e}")))?;
        // Duplicate keys: the last one is what a JSON reader keeps.
        before = Some(GpsTime::from_nanos(value.nanos));
        fields.push(Field::Decimal {
            range,
            value,
            style: Style::Number,
        });
    }
    let before = before.ok_or_else(|| ctx.whole(format!("the object has no top-level `{KEY}`")))?;
    Ok(Located { before, fields })
}

/// The decoded keys and value byte ranges of the members of the top-level object of `text`,
/// which must already be known to be valid JSON.
fn top_level_members(text: &[u8]) -> Vec<(String, Range<usize>)> {
    let mut members = Vec::new();
    let mut i = skip_space(text, 0);
    if text.get(i) != Some(&b'{') {
        return members;
    }
    i += 1;
    loop {
        i = skip_space(text, i);
        if text.get(i) != Some(&b'"') {
            break;
        }
        let key_end = skip_value(text, i);
        let key: String = serde_json::from_slice(&text[i..key_end]).unwrap_or_default();
        i = skip_space(text, key_end) + 1; // the colon
        let start = skip_space(text, i);
        let end = skip_value(text, start);
        members.push((key, start..end));
        i = skip_space(text, end);
        if text.get(i) != Some(&b',') {
            break;
        }
        i += 1;
    }
    members
}

fn skip_space(text: &[u8], mut i: usize) -> usize {
    while i < text.len() && matches!(text[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The end of the value starting at `i` (a string, a container or a scalar).
fn skip_value(text: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < text.len() {
        match text[i] {
            b'"' => {
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                if depth == 0 {
                    return i;
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    i
}
