//! Recognising a payload's kind from its content, for `--kind auto`: gzip or an XML root
//! `LIGO_LW` is LIGO_LW, an XML root `VOEvent` is a VOEvent, a JSON object is JSON, and text
//! with a cWB time line (`event_time:` or `time:`) is cWB. Anything else is refused.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::PayloadKind;
use super::cwb::key_of;
use super::gzip::is_gzip;

/// The kind of `bytes`, or what they look like instead.
pub(crate) fn detect(bytes: &[u8]) -> Result<PayloadKind, String> {
    if is_gzip(bytes) {
        return Ok(PayloadKind::Ligolw);
    }
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| body[i]) {
        None => Err("the file is empty".into()),
        Some(b'<') => match xml_root(body)? {
            name if name == "LIGO_LW" => Ok(PayloadKind::Ligolw),
            name if name == "VOEvent" => Ok(PayloadKind::Voevent),
            name => Err(format!("an XML document whose root is <{name}>")),
        },
        Some(b'{') => Ok(PayloadKind::Json),
        Some(b'[') => Err("a JSON array, not an object with a gpstime".into()),
        Some(_) => {
            let cwb = body
                .split(|&b| b == b'\n')
                .filter_map(key_of)
                .any(|(key, _)| key == "event_time" || key == "time");
            if cwb {
                Ok(PayloadKind::Cwb)
            } else if std::str::from_utf8(body).is_err() {
                Err("binary data".into())
            } else {
                Err("text without a cWB `time:` or `event_time:` line".into())
            }
        }
    }
}

/// The local name of the root element of an XML document.
fn xml_root(xml: &[u8]) -> Result<String, String> {
    let mut reader = Reader::from_reader(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                return Ok(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
            }
            Ok(Event::Eof) => return Err("XML without a root element".into()),
            Ok(_) => {}
            Err(e) => return Err(format!("malformed XML before the root element: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_apart_by_content() {
        let cases: &[(&[u8], PayloadKind)] = &[
            (
                b"<?xml version='1.0'?>\n<!DOCTYPE LIGO_LW SYSTEM \"x\">\n<LIGO_LW/>",
                PayloadKind::Ligolw,
            ),
            (b"\x1f\x8b\x08\x00", PayloadKind::Ligolw),
            (b"<voe:VOEvent xmlns:voe='urn:x'/>", PayloadKind::Voevent),
            (b"\n {\"gpstime\": 1}", PayloadKind::Json),
            (b"ifo: H1 L1\ntime: 1.5 1.5\n", PayloadKind::Cwb),
        ];
        for (bytes, kind) in cases {
            assert_eq!(
                detect(bytes),
                Ok(*kind),
                "{}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn unknown_content_says_what_it_looks_like() {
        for (bytes, says) in [
            (&b""[..], "empty"),
            (b"<html><body/></html>", "root is <html>"),
            (b"[1, 2]", "JSON array"),
            (b"hello: world\n", "without a cWB"),
            (b"\x00\xff\xfe", "binary"),
            (b"<!-- unterminated", "malformed XML"),
        ] {
            let e = detect(bytes).unwrap_err();
            assert!(e.contains(says), "{e}");
        }
    }
}
