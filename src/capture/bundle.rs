//! The bundle: what a capture keeps, as `bundle.json` describes it, and where each piece lives
//! inside the bundle folder.
//!
//! ```text
//! DIR/
//!   bundle.json                      this model
//!   replay.yaml                      the replay manifest
//!   superevent/superevent.json       the server's answers, as received
//!   superevent/logs.json
//!   superevent/labels.json
//!   superevent/files/v0/NAME         each captured file version, under its uploaded base name
//!   events/G123/event.json
//!   events/G123/logs.json
//!   events/G123/files/v0/coinc.xml
//! ```
//!
//! Files keep their uploaded base name because GraceDB versions files by base name: a replay
//! that re-uploads `files/v1/bayestar.multiorder.fits` makes a new version of that same name.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The bundle's description file.
pub const BUNDLE_JSON: &str = "bundle.json";
/// The replay manifest's file name.
pub const REPLAY_YAML: &str = "replay.yaml";
/// The format of `bundle.json`; bumped when a reader could misread an older one.
pub const FORMAT: u32 = 1;

/// Everything `bundle.json` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// The format version ([`FORMAT`]).
    pub format: u32,
    /// The API root the capture read from.
    pub source: String,
    /// The ID given on the command line (a superevent or an event).
    pub captured_id: String,
    /// When the capture finished, UTC (`2026-05-01T12:00:00Z`).
    pub captured_at: String,
    /// `graceflow X.Y.Z`.
    pub tool: String,
    /// The superevent, when one was captured.
    pub superevent: Option<SupereventRecord>,
    /// The events, the preferred one first.
    pub events: Vec<EventRecord>,
}

/// A captured superevent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupereventRecord {
    /// Its S ID.
    pub id: String,
    /// `Production`, `Test` or `MDC`.
    pub category: String,
    /// Window start (GPS).
    pub t_start: f64,
    /// Central time (GPS).
    pub t_0: f64,
    /// Window end (GPS).
    pub t_end: f64,
    /// When it was created (`YYYY-MM-DD HH:MM:SS UTC`); empty when unknown.
    #[serde(default)]
    pub created: String,
    /// The preferred event; the first member when the server did not say (anonymous readers).
    pub preferred_event: Option<String>,
    /// Member events outside the External group.
    pub gw_events: Vec<String>,
    /// Applied labels.
    pub labels: Vec<String>,
    /// Its log history, in order.
    pub logs: Vec<LogRecord>,
    /// Its captured file versions.
    pub files: Vec<FileRecord>,
}

/// A captured event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Its ID.
    pub graceid: String,
    /// Analysis group.
    pub group: String,
    /// Pipeline.
    pub pipeline: String,
    /// Search, if any.
    pub search: Option<String>,
    /// GPS time the server parsed from its file.
    pub gpstime: Option<f64>,
    /// When it was created (`YYYY-MM-DD HH:MM:SS UTC`, as the server wrote it).
    pub created: String,
    /// Applied labels.
    pub labels: Vec<String>,
    /// Its log history, in order.
    pub logs: Vec<LogRecord>,
    /// Its captured file versions.
    pub files: Vec<FileRecord>,
}

/// One log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRecord {
    /// Its number on the object.
    #[serde(rename = "N")]
    pub n: u32,
    /// When (`YYYY-MM-DD HH:MM:SS UTC`).
    pub created: String,
    /// Who wrote it.
    pub issuer: String,
    /// The text.
    pub comment: String,
    /// Attached file's base name, `""` when none.
    pub filename: String,
    /// Attached file's version.
    pub file_version: Option<u32>,
    /// Tag names.
    pub tags: Vec<String>,
}

impl LogRecord {
    /// The file version this entry attached, if any.
    pub fn file_key(&self) -> Option<(&str, u32)> {
        match (self.filename.as_str(), self.file_version) {
            ("", _) | (_, None) => None,
            (name, Some(v)) => Some((name, v)),
        }
    }
}

/// One captured file version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Its base name on the server.
    pub name: String,
    /// Its version (0, 1, …).
    pub version: u32,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Where it is inside the bundle, `/`-separated.
    pub path: String,
}

impl Bundle {
    /// Read `DIR/bundle.json`.
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(BUNDLE_JSON);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not a capture bundle: {e}", path.display()))
    }

    /// Write `DIR/bundle.json`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let path = dir.join(BUNDLE_JSON);
        let text = serde_json::to_string_pretty(self)? + "\n";
        std::fs::write(&path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
    }

    /// The event records with the given ID.
    pub fn event(&self, graceid: &str) -> Option<&EventRecord> {
        self.events.iter().find(|e| e.graceid == graceid)
    }

    /// Every captured file, with the folder of the object it belongs to.
    pub fn all_files(&self) -> impl Iterator<Item = (String, &FileRecord)> {
        let s = self
            .superevent
            .iter()
            .flat_map(|s| s.files.iter().map(|f| (superevent_dir(), f)));
        let e = self
            .events
            .iter()
            .flat_map(|e| e.files.iter().map(|f| (event_dir(&e.graceid), f)));
        s.chain(e)
    }
}

/// The superevent's folder inside the bundle.
pub fn superevent_dir() -> String {
    "superevent".to_owned()
}

/// An event's folder inside the bundle.
pub fn event_dir(graceid: &str) -> String {
    format!("events/{graceid}")
}

/// Where a file version lives inside the bundle: `<object dir>/files/v<N>/<name>`.
pub fn file_path(object_dir: &str, name: &str, version: u32) -> String {
    format!("{object_dir}/files/v{version}/{name}")
}

/// A `/`-separated bundle path as a path under `root`.
pub fn under(root: &Path, bundle_path: &str) -> PathBuf {
    bundle_path
        .split('/')
        .fold(root.to_owned(), |p, c| p.join(c))
}

/// Whether a file name from the server is a plain base name that is safe to write under the
/// bundle (no separators, no `..`): a server is not trusted to choose paths on this machine.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && !name.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_keep_their_base_name_per_version() {
        assert_eq!(
            file_path(&event_dir("G123"), "bayestar.multiorder.fits", 2),
            "events/G123/files/v2/bayestar.multiorder.fits"
        );
        assert_eq!(
            under(Path::new("/b"), "events/G1/files/v0/x.xml"),
            Path::new("/b/events/G1/files/v0/x.xml")
        );
    }

    #[test]
    fn unsafe_names_are_refused() {
        for bad in ["", ".", "..", "../x", "a/b", "a\\b", ".hidden"] {
            assert!(!is_safe_name(bad), "{bad:?}");
        }
        assert!(is_safe_name("p_astro.json"));
    }

    #[test]
    fn a_log_names_its_file_only_with_a_version() {
        let mut l = LogRecord {
            n: 1,
            created: String::new(),
            issuer: String::new(),
            comment: String::new(),
            filename: "coinc.xml".into(),
            file_version: Some(0),
            tags: vec![],
        };
        assert_eq!(l.file_key(), Some(("coinc.xml", 0)));
        l.file_version = None;
        assert_eq!(l.file_key(), None);
    }
}
