//! Locating the times of a VOEvent (external triggers: Fermi, Swift, SVOM, …): the packet
//! date `Who/Date` and every `ISOTime` under `WhereWhen`, all UTC date-times.
//!
//! The text is converted to GPS with hifitime, which knows the leap seconds, shifted there in
//! integer nanoseconds, and converted back; the shifted text keeps the original's separator,
//! time-zone suffix and decimal places (more places only when the new time needs them). The
//! reference time is the first `ISOTime` of an `AstroCoords`, which the GraceDB server reads
//! as `gpstime`.

use std::ops::Range;

use hifitime::{Duration, Epoch};
use quick_xml::Reader;
use quick_xml::events::Event;

use super::error::{Context, ShiftError};
use super::field::{Field, Located};
use super::time::{GpsTime, Offset, Style, kept_places};

/// A UTC date-time as written: its instant in GPS time and how it was spelt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IsoText {
    time: GpsTime,
    /// `T` or a space, between date and time.
    separator: char,
    /// Digits shown after the seconds' point.
    places: usize,
    /// `""`, `Z`, `+00:00`, …: kept as written.
    zone: String,
}

impl IsoText {
    /// Reads `YYYY-MM-DD(T| )hh:mm:ss[.f…][Z|±00:00]`; only UTC is accepted, since a local
    /// offset or another time scale would need a different conversion.
    pub(crate) fn parse(text: &str) -> Result<IsoText, String> {
        let bad = |why: &str| format!("date-time {text:?} {why}");
        let b = text.as_bytes();
        if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
            return Err(bad("is not YYYY-MM-DDThh:mm:ss"));
        }
        let separator = match b[10] {
            b'T' => 'T',
            b' ' => ' ',
            _ => return Err(bad("has no T between date and time")),
        };
        let number = |r: Range<usize>| -> Result<u32, String> {
            let part = &text[r];
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
                .ok_or_else(|| bad("has a non-numeric field"))
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        let rest = &text[19..];
        let (fraction, zone) = match rest.strip_prefix('.') {
            Some(f) => {
                let digits = f.bytes().take_while(u8::is_ascii_digit).count();
                (&f[..digits], &f[digits..])
            }
            None => ("", rest),
        };
        if !matches!(zone, "" | "Z" | "+00:00" | "-00:00" | "+0000" | "+00") {
            return Err(bad(
                "is not in UTC (only a Z or +00:00 zone, or none, is accepted)",
            ));
        }
        let (kept, dropped) = fraction.split_at(fraction.len().min(9));
        if dropped.bytes().any(|c| c != b'0') {
            return Err(bad("is finer than a nanosecond"));
        }
        let nanos = if kept.is_empty() {
            0
        } else {
            number(20..20 + kept.len())? * 10u32.pow(9 - kept.len() as u32)
        };
        let epoch = Epoch::maybe_from_gregorian_utc(
            year as i32,
            month as u8,
            day as u8,
            hour as u8,
            minute as u8,
            second as u8,
            nanos,
        )
        .map_err(|e| bad(&format!("is not a valid UTC time ({e})")))?;
        Ok(IsoText {
            time: GpsTime::from_nanos(epoch.to_gpst_duration().total_nanoseconds()),
            separator,
            places: fraction.len(),
            zone: zone.to_owned(),
        })
    }

    /// The instant, in GPS time.
    pub(crate) fn gps(&self) -> GpsTime {
        self.time
    }

    /// The text of this date-time moved by `offset`, spelt as the original was.
    pub(crate) fn shifted(&self, offset: Offset) -> Result<String, String> {
        let t = self
            .time
            .checked_add(offset)
            .ok_or("the shifted time overflows")?;
        let epoch = Epoch::from_gpst_duration(Duration::from_total_nanoseconds(t.nanos()));
        let (y, mo, d, h, mi, s, ns) = epoch.to_gregorian_utc();
        if !(0..=9999).contains(&y) {
            return Err(format!("the shifted time falls in year {y}"));
        }
        let digits = format!("{ns:09}");
        let kept = kept_places(self.time.nanos(), self.places, Style::Seconds);
        let shown = digits.trim_end_matches('0').len().max(kept);
        let mut fraction = String::new();
        if shown > 0 {
            fraction.push('.');
            fraction.push_str(&digits[..shown.min(9)]);
            fraction.extend(std::iter::repeat_n('0', shown.saturating_sub(9)));
        }
        Ok(format!(
            "{y:04}-{mo:02}-{d:02}{}{h:02}:{mi:02}:{s:02}{fraction}{}",
            self.separator, self.zone
        ))
    }
}

/// Finds `Who/Date` and every `ISOTime` under `WhereWhen`.
pub(crate) fn locate(xml: &[u8], ctx: &Context<'_>) -> Result<Located, ShiftError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = true;
    let mut path: Vec<String> = Vec::new();
    let mut text_start: Option<usize> = None;
    let mut fields = Vec::new();
    let mut before = None;
    // The coord_system_id of the open AstroCoords, if any.
    let mut system: Option<String> = None;
    let mut root_seen = false;
    loop {
        let position = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            ctx.at(
                reader.error_position() as usize,
                format!("malformed XML: {e}"),
            )
        })?;
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.is_empty() && name != "VOEvent" {
                    return Err(ctx.at(
                        position,
                        format!("the root element is <{name}>, not <VOEvent>"),
                    ));
                }
                root_seen = true;
                if name == "AstroCoords" {
                    system = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == b"coord_system_id")
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
                }
                path.push(name);
                text_start = Some(after);
            }
            Event::Empty(e) if path.is_empty() => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                return Err(ctx.at(position, format!("<{name}/> is empty: not a VOEvent")));
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let is_date = name == "Date" && path.len() == 2 && path[1] == "Who";
                let is_iso = name == "ISOTime" && path.iter().any(|p| p == "WhereWhen");
                if let Some(start) = text_start.take().filter(|_| is_date || is_iso) {
                    let range = trim(xml, start..position);
                    let text = String::from_utf8_lossy(&xml[range.clone()]);
                    let what = if is_date { "Who/Date" } else { "ISOTime" };
                    if is_iso && let Some(s) = system.as_deref().filter(|s| !s.starts_with("UTC")) {
                        return Err(ctx.at(
                            range.start,
                            format!("{what} is in the {s} system; only UTC times are shifted"),
                        ));
                    }
                    let value = IsoText::parse(&text)
                        .map_err(|m| ctx.at(range.start, format!("{what}: {m}")))?;
                    if is_iso && before.is_none() && path.iter().any(|p| p == "AstroCoords") {
                        before = Some(value.gps());
                    }
                    fields.push(Field::Iso { range, value });
                }
                if name == "AstroCoords" {
                    system = None;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !root_seen {
        return Err(ctx.whole("the document has no root element"));
    }
    let before = before.ok_or_else(|| {
        ctx.whole("no WhereWhen/…/AstroCoords/Time/TimeInstant/ISOTime: the VOEvent carries no event time")
    })?;
    Ok(Located { before, fields })
}

fn trim(xml: &[u8], range: Range<usize>) -> Range<usize> {
    let (mut start, mut end) = (range.start, range.end);
    while start < end && xml[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && xml[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_convert_with_leap_seconds_and_keep_their_spelling() {
        // The sandbox fixture's time: 18 leap seconds in 2023.
        let t = IsoText::parse("2023-05-06T07:08:09.25").unwrap();
        assert_eq!(t.gps().to_string(), "1367392107.25");
        assert_eq!(
            t.shifted(Offset::from_nanos(0)).unwrap(),
            "2023-05-06T07:08:09.25"
        );
        assert_eq!(
            t.shifted(Offset::from_seconds(60)).unwrap(),
            "2023-05-06T07:09:09.25"
        );
        assert_eq!(
            t.shifted(Offset::from_nanos(-250_000_000)).unwrap(),
            "2023-05-06T07:08:09"
        );
        assert_eq!(
            t.shifted(Offset::from_nanos(1_000_001)).unwrap(),
            "2023-05-06T07:08:09.251000001"
        );
        let z = IsoText::parse("2016-12-31 23:59:59Z").unwrap();
        // Across the leap second at the end of 2016: two GPS seconds later is 00:00:00 (23:59:60 between).
        assert_eq!(
            z.shifted(Offset::from_seconds(2)).unwrap(),
            "2017-01-01 00:00:00Z"
        );
    }

    #[test]
    fn non_utc_and_malformed_times_are_refused() {
        for (text, why) in [
            ("2023-05-06T07:08:09+02:00", "not in UTC"),
            ("2023-05-06", "is not YYYY"),
            ("2023-13-06T07:08:09", "not a valid UTC time"),
            ("2023-05-06X07:08:09", "no T"),
            ("2023-05-06T07:08:0x", "non-numeric"),
        ] {
            let e = IsoText::parse(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
