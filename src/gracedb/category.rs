//! Superevent categories and the rules that tie events to them.

use std::fmt;

/// A superevent's category. The API takes the one-letter code and answers with the display
/// name (server reference §3.2–3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Category {
    /// Real candidates (`P`, no ID prefix).
    Production,
    /// Test superevents (`T`, IDs `TS…`), holding only `Test`-group events.
    Test,
    /// Mock data challenge superevents (`M`, IDs `MS…`), holding only `MDC`-search events.
    Mdc,
}

impl Category {
    /// All categories.
    pub const ALL: [Category; 3] = [Category::Production, Category::Test, Category::Mdc];

    /// The code sent in requests: `P`, `T` or `M`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Production => "P",
            Self::Test => "T",
            Self::Mdc => "M",
        }
    }

    /// The name the server answers with.
    pub fn display(self) -> &'static str {
        match self {
            Self::Production => "Production",
            Self::Test => "Test",
            Self::Mdc => "MDC",
        }
    }

    /// The prefix before `S` or `GW` in this category's IDs.
    pub fn id_prefix(self) -> &'static str {
        match self {
            Self::Production => "",
            Self::Test => "T",
            Self::Mdc => "M",
        }
    }

    /// Accept a code or a display name, case-insensitively, as the official client's
    /// `_getCode` does (`"test"` → `T`).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(s) || c.display().eq_ignore_ascii_case(s))
    }

    /// Only the exact code, as the server's serializer accepts it.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s)
    }

    /// The category an event belongs to: `Test` iff its group is `Test`; else `Mdc` iff its
    /// search is `MDC`; else `Production` (server reference §7, `is_test`/`is_mdc`).
    pub fn of_event(group: &str, search: Option<&str>) -> Self {
        if group == "Test" {
            Self::Test
        } else if search == Some("MDC") {
            Self::Mdc
        } else {
            Self::Production
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display())
    }
}

/// The graceid prefix the server gives a new event (`gracedb/events/models.py`, server 2.33):
/// `Test` group wins over `MDC` search, then the hardware-injection pipeline, then the
/// `Detchar` and `External` groups.
pub fn graceid_prefix(group: &str, pipeline: &str, search: Option<&str>) -> char {
    if group == "Test" {
        'T'
    } else if search == Some("MDC") {
        'M'
    } else if pipeline == "HardwareInjection" {
        'H'
    } else if group == "Detchar" {
        'D'
    } else if group == "External" {
        'E'
    } else {
        'G'
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names() {
        assert_eq!(Category::parse("test"), Some(Category::Test));
        assert_eq!(Category::parse("P"), Some(Category::Production));
        assert_eq!(Category::parse("mdc"), Some(Category::Mdc));
        assert_eq!(Category::parse("x"), None);
        assert_eq!(Category::from_code("Production"), None);
    }

    #[test]
    fn prefixes() {
        assert_eq!(graceid_prefix("Test", "gstlal", Some("MDC")), 'T');
        assert_eq!(graceid_prefix("CBC", "gstlal", Some("MDC")), 'M');
        assert_eq!(graceid_prefix("Burst", "HardwareInjection", None), 'H');
        assert_eq!(graceid_prefix("External", "Fermi", None), 'E');
        assert_eq!(graceid_prefix("CBC", "gstlal", Some("AllSky")), 'G');
    }
}
