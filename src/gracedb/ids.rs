//! Typed GraceDB identifiers: event graceids, superevent IDs, and the rule that routes an ID to
//! the event or the superevent endpoints.

use std::fmt;
use std::str::FromStr;

/// Why a string is not a GraceDB identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {what}: {expected}")]
pub struct InvalidId {
    /// The rejected input.
    pub value: String,
    /// What was being parsed ("graceid", "superevent ID", …).
    pub what: &'static str,
    /// The accepted form.
    pub expected: &'static str,
}

/// An event ID such as `G194533` or `T0140`: a group/search prefix and the event's number.
///
/// The official client also routes a content-id UUID to the event endpoints; that form is
/// accepted here too.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct GraceId(String);

/// A superevent ID: `S190425z`, `TS230101a`, `MS240607bc`, or once confirmed `GW190425A`,
/// `TGW230101B`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct SupereventId(String);

/// Either kind of object that annotations (logs, files, labels, tags) hang off.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectId {
    /// An event.
    Event(GraceId),
    /// A superevent.
    Superevent(SupereventId),
}

/// The event prefixes: the official client's (`ligo/gracedb/utils.py` `event_or_superevent`,
/// `G E H M T`, a prefix match) plus `D`, which newer servers give `Detchar` events and which
/// no superevent ID starts with.
const EVENT_PREFIXES: &[u8] = b"GEHMTD";

impl GraceId {
    /// Parse a graceid: one of `G E H M T D` followed by a digit, or a content-id UUID.
    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        if is_event_id(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidId {
                value: s.to_owned(),
                what: "graceid",
                expected: "one of G, E, H, M, T, D followed by digits (e.g. G194533, T0140)",
            })
        }
    }

    /// The ID as sent in URLs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl SupereventId {
    /// Parse a superevent ID, following the server's `Superevent.ID_REGEX`:
    /// `(T|M)?S\d{6}[a-z]+` or `(T|M)?GW\d{6}[A-Z]+`.
    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        if is_superevent_id(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidId {
                value: s.to_owned(),
                what: "superevent ID",
                expected: "S, TS or MS + YYMMDD + lower-case letters, or GW, TGW or MGW + YYMMDD + upper-case letters (e.g. S190425z, TGW230101B)",
            })
        }
    }

    /// The ID as sent in URLs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl ObjectId {
    /// Route an ID the way the official client does: an event ID if it looks like one, else a
    /// superevent ID (which must then be well formed).
    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        if is_event_id(s) {
            return Ok(Self::Event(GraceId(s.to_owned())));
        }
        SupereventId::parse(s)
            .map(Self::Superevent)
            .map_err(|_| InvalidId {
                value: s.to_owned(),
                what: "event or superevent ID",
                expected: "a graceid (G194533, T0140) or a superevent ID (S190425z, TS230101a, GW190425A)",
            })
    }

    /// The ID as sent in URLs.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Event(g) => g.as_str(),
            Self::Superevent(s) => s.as_str(),
        }
    }
}

fn is_event_id(s: &str) -> bool {
    let b = s.as_bytes();
    let prefixed = b.len() >= 2 && EVENT_PREFIXES.contains(&b[0]) && b[1].is_ascii_digit();
    prefixed || is_uuid(s)
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|c| c.is_ascii_hexdigit()))
}

fn is_superevent_id(s: &str) -> bool {
    let rest = s
        .strip_prefix('T')
        .or_else(|| s.strip_prefix('M'))
        .unwrap_or(s);
    let (rest, upper) = if let Some(r) = rest.strip_prefix("GW") {
        (r, true)
    } else if let Some(r) = rest.strip_prefix('S') {
        (r, false)
    } else {
        return false;
    };
    let (date, suffix) = rest.split_at(rest.len().min(6));
    date.len() == 6
        && date.bytes().all(|c| c.is_ascii_digit())
        && !suffix.is_empty()
        && suffix.bytes().all(|c| {
            if upper {
                c.is_ascii_uppercase()
            } else {
                c.is_ascii_lowercase()
            }
        })
}

macro_rules! string_id_impls {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl FromStr for $t {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
        impl TryFrom<String> for $t {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$t> for String {
            fn from(id: $t) -> String {
                id.0
            }
        }
    };
}
string_id_impls!(GraceId);
string_id_impls!(SupereventId);

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ObjectId {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<GraceId> for ObjectId {
    fn from(g: GraceId) -> Self {
        Self::Event(g)
    }
}

impl From<SupereventId> for ObjectId {
    fn from(s: SupereventId) -> Self {
        Self::Superevent(s)
    }
}

/// A file attached to an object: a name, and optionally a version (`name,N`). Without a
/// version the server serves the latest one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileRef {
    /// The file name as uploaded (a base name, without a comma).
    pub name: String,
    /// The version, counted from 0; `None` means the latest.
    pub version: Option<u32>,
}

impl FileRef {
    /// Parse `name` or `name,N`.
    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        let bad = |expected| InvalidId {
            value: s.to_owned(),
            what: "file name",
            expected,
        };
        match s.split_once(',') {
            None if !s.is_empty() => Ok(Self {
                name: s.to_owned(),
                version: None,
            }),
            None => Err(bad("a non-empty file name")),
            Some((name, v)) => {
                let version = v
                    .parse()
                    .map_err(|_| bad("name or name,N with N a version number (0, 1, …)"))?;
                if name.is_empty() {
                    return Err(bad("a non-empty file name before the comma"));
                }
                Ok(Self {
                    name: name.to_owned(),
                    version: Some(version),
                })
            }
        }
    }
}

impl fmt::Display for FileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            Some(v) => write!(f, "{},{v}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// Bijective base 26: 1 → a, 26 → z, 27 → aa (`gracedb/core/utils.py` `int_to_letters`):
/// the suffix of superevent IDs, lower case for `S…`, upper case for `GW…`.
pub fn int_to_letters(mut n: u64) -> String {
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_follows_the_official_client() {
        let cases = [
            ("G194533", Some(true)),
            ("T0140", Some(true)),
            ("E1", Some(true)),
            ("H12", Some(true)),
            ("M7", Some(true)),
            ("D5", Some(true)),
            ("6eb820e0-f976-2c61-1c2a-77189f686afe", Some(true)),
            ("S190425z", Some(false)),
            ("TS230101a", Some(false)),
            ("MS240607bc", Some(false)),
            ("GW190425A", Some(false)),
            ("TGW230101B", Some(false)),
            // C is in the server's regex but not the client's: neither parses here.
            ("C123", None),
            ("S19042z", None),
            ("S190425Z", None),
            ("GW190425a", None),
            ("", None),
            ("T", None),
        ];
        for (s, expected) in cases {
            let got = ObjectId::parse(s)
                .ok()
                .map(|o| matches!(o, ObjectId::Event(_)));
            assert_eq!(got, expected, "{s}");
        }
    }

    #[test]
    fn letters_are_bijective_base_26() {
        let cases = [
            (1, "a"),
            (26, "z"),
            (27, "aa"),
            (28, "ab"),
            (52, "az"),
            (53, "ba"),
            (702, "zz"),
            (703, "aaa"),
        ];
        for (n, s) in cases {
            assert_eq!(int_to_letters(n), s, "{n}");
        }
    }

    #[test]
    fn file_refs() {
        assert_eq!(FileRef::parse("a.xml").unwrap().to_string(), "a.xml");
        let v = FileRef::parse("skymap.fits.gz,1").unwrap();
        assert_eq!((v.name.as_str(), v.version), ("skymap.fits.gz", Some(1)));
        assert!(FileRef::parse("x,abc").is_err());
        assert!(FileRef::parse(",1").is_err());
        assert!(FileRef::parse("").is_err());
    }

    #[test]
    fn ids_round_trip_through_serde() {
        let g: GraceId = serde_json::from_str("\"G1\"").unwrap();
        assert_eq!(serde_json::to_string(&g).unwrap(), "\"G1\"");
        assert!(serde_json::from_str::<SupereventId>("\"G1\"").is_err());
    }
}
