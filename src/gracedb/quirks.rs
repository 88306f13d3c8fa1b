//! GraceDB's wire quirks, as data, in one place.
//!
//! Each entry reproduces something the official Python client (`ligo-gracedb` 2.16) sends or
//! the server (the public `gracedb-server` source) answers that a reader would not guess. See
//! `shared/reference/ligo-gracedb-client.md` (§3 for encodings, §12 for the list of traps) and
//! `shared/reference/gracedb-server-api.md`.

use sha2::{Digest, Sha256};

/// Multipart part name of the event file on create and replace (client §4.1).
pub const EVENT_FILE_FIELD: &str = "eventFile";
/// Multipart part name of a log's attached file (client §4.3).
pub const LOG_FILE_FIELD: &str = "upload";

/// The MIME type Python's `mimetypes.guess_type` gives a file name, ignoring a compression
/// suffix (`.fits.gz` is `image/fits`), with `application/octet-stream` when unknown. The
/// official client labels uploads this way and the server labels downloads this way.
pub fn mime_type(file_name: &str) -> &'static str {
    let inner = file_name.strip_suffix(".gz").unwrap_or(file_name);
    if inner.ends_with(".fits") {
        return "image/fits";
    }
    mime_guess::from_path(inner)
        .first_raw()
        .unwrap_or("application/octet-stream")
}

/// Booleans go on the wire as Python's `str(bool)` (client §3.2).
pub fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// Format a float as Python's `str(float)` does (shortest round-trip digits; scientific
/// notation below 1e-4 and from 1e16), so that form bodies match the official client byte for
/// byte (client §3.2: `1e-06`, `971609248.151741`, `2.0`).
pub fn py_float(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "9.838364843405464e-7".
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let point = exp + 1; // position of the decimal point within `digits`
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.abs())
    }
}

/// The `content_id` the official client sends with every event creation: the first 16 bytes
/// of SHA-256 of the file, formatted as a UUID without setting version bits (client §3.6).
pub fn content_id(sha256: &[u8; 32]) -> String {
    let h = hex(&sha256[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// SHA-256 of a byte slice.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An answer the server gives when the requested change is already in place. A workflow
/// treats these as success: the state it asked for exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyApplied {
    /// What the answer is to.
    pub operation: &'static str,
    /// The HTTP status of the answer.
    pub status: u16,
    /// A fragment of the body that identifies it.
    pub body_contains: &'static str,
}

/// The "already applied" answers, from the server source (server reference §3.7, §6).
pub const ALREADY_APPLIED: &[AlreadyApplied] = &[
    // Event label PUT on a labelled event: 200 with a warning, not an error.
    AlreadyApplied {
        operation: "event label",
        status: 200,
        body_contains: "already labeled with",
    },
    AlreadyApplied {
        operation: "superevent label",
        status: 400,
        body_contains: "The fields superevent, label must make a unique set.",
    },
    AlreadyApplied {
        operation: "event log tag",
        status: 409,
        body_contains: "already has tag",
    },
    AlreadyApplied {
        operation: "superevent log tag",
        status: 400,
        body_contains: "Tag is already applied to this log message",
    },
    AlreadyApplied {
        operation: "confirm as GW",
        status: 400,
        body_contains: "Superevent is already confirmed as a GW",
    },
];

/// Whether a response (status and body) says the change was already in place.
pub fn is_already_applied(status: u16, body: &str) -> bool {
    ALREADY_APPLIED
        .iter()
        .any(|a| a.status == status && body.contains(a.body_contains))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_match_python_str() {
        // Expected values are what CPython 3.11 prints for str(x).
        let cases = [
            (1.5, "1.5"),
            (2.0, "2.0"),
            (1e-6, "1e-06"),
            (1.2e-8, "1.2e-08"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (971609248.151741, "971609248.151741"),
            (9.838364843405464e-07, "9.838364843405464e-07"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (-3.25, "-3.25"),
            (0.0, "0.0"),
            (1400000000.0, "1400000000.0"),
            (123.456, "123.456"),
            (f64::INFINITY, "inf"),
        ];
        for (x, want) in cases {
            assert_eq!(py_float(x), want, "{x:e}");
        }
    }

    #[test]
    fn mime_types_ignore_compression() {
        assert_eq!(mime_type("bayestar.multiorder.fits.gz"), "image/fits");
        assert_eq!(mime_type("p_astro.json"), "application/json");
        assert_eq!(mime_type("coinc.xml"), "text/xml");
        assert_eq!(mime_type("big.data"), "application/octet-stream");
    }

    #[test]
    fn content_id_matches_the_official_client() {
        // The client reference gives this pair (§3.6).
        assert_eq!(
            content_id(&sha256(b"<xml/>")),
            "6eb820e0-f976-2c61-1c2a-77189f686afe"
        );
    }

    #[test]
    fn already_applied_answers() {
        assert!(is_already_applied(
            400,
            "\"The fields superevent, label must make a unique set.\""
        ));
        assert!(is_already_applied(
            200,
            "\"{\\\"warning\\\": \\\"Event G1 already labeled with 'DQV'\\\"}\""
        ));
        assert!(!is_already_applied(400, "\"No such Label 'FOO'\""));
    }
}
