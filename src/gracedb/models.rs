//! What the server answers with, as typed values. Fields the server may omit or null are
//! optional; fields graceflow does not use are ignored rather than rejected, so that a newer
//! server does not break an older client.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ids::{GraceId, SupereventId};

/// An event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Its ID.
    pub graceid: GraceId,
    /// Analysis group (`CBC`, `Burst`, `Test`, …).
    pub group: String,
    /// Pipeline.
    pub pipeline: String,
    /// Search, if any.
    #[serde(default)]
    pub search: Option<String>,
    /// GPS time parsed from the event file.
    #[serde(default)]
    pub gpstime: Option<f64>,
    /// False-alarm rate (Hz).
    #[serde(default)]
    pub far: Option<f64>,
    /// Detectors, e.g. `H1,L1`.
    #[serde(default)]
    pub instruments: String,
    /// Ranking statistic.
    #[serde(default)]
    pub likelihood: Option<f64>,
    /// Number of single-detector triggers.
    #[serde(default)]
    pub nevents: Option<i64>,
    /// Whether it came from an offline analysis.
    #[serde(default)]
    pub offline: bool,
    /// Applied labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// The superevent it belongs to (its GW ID once confirmed).
    #[serde(default)]
    pub superevent: Option<String>,
    /// Who uploaded it.
    #[serde(default)]
    pub submitter: String,
    /// When (`YYYY-MM-DD HH:MM:SS UTC`).
    #[serde(default)]
    pub created: String,
    /// Pipeline-specific attributes (`CoincInspiral`, `SingleInspiral`, …).
    #[serde(default)]
    pub extra_attributes: Value,
    /// Warnings the server gave on creation.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Links to its sub-resources.
    #[serde(default)]
    pub links: BTreeMap<String, String>,
}

/// A superevent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Superevent {
    /// Its S ID (kept after confirmation).
    pub superevent_id: SupereventId,
    /// Its GW ID, once confirmed.
    #[serde(default)]
    pub gw_id: Option<String>,
    /// Category display name: `Production`, `Test` or `MDC`.
    pub category: String,
    /// The preferred event (absent for anonymous callers).
    #[serde(default)]
    pub preferred_event: Option<GraceId>,
    /// Window start (GPS).
    pub t_start: f64,
    /// Central time (GPS).
    pub t_0: f64,
    /// Window end (GPS).
    pub t_end: f64,
    /// Member events outside the External group.
    #[serde(default)]
    pub gw_events: Vec<String>,
    /// Member events in the External group.
    #[serde(default)]
    pub em_events: Vec<String>,
    /// The preferred event's FAR.
    #[serde(default)]
    pub far: Option<f64>,
    /// Applied labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Who created it.
    #[serde(default)]
    pub submitter: String,
    /// When.
    #[serde(default)]
    pub created: String,
    /// Links to its sub-resources.
    #[serde(default)]
    pub links: BTreeMap<String, String>,
}

/// A log entry (annotation) on an event or a superevent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Per-object number, assigned by the server.
    #[serde(rename = "N")]
    pub n: u32,
    /// The text.
    pub comment: String,
    /// Who wrote it.
    #[serde(default)]
    pub issuer: String,
    /// When.
    #[serde(default)]
    pub created: String,
    /// Attached file name, `""` if none.
    #[serde(default)]
    pub filename: String,
    /// Attached file version.
    #[serde(default)]
    pub file_version: Option<u32>,
    /// Tag names.
    #[serde(default)]
    pub tag_names: Vec<String>,
    /// URL of the attached file version.
    #[serde(default)]
    pub file: Option<String>,
}

/// A label as listed on an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// Its name.
    pub name: String,
    /// Who applied it.
    #[serde(default)]
    pub creator: Option<String>,
    /// When.
    #[serde(default)]
    pub created: Option<String>,
}

/// A tag on a log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// Its name.
    pub name: String,
    /// Its display name.
    #[serde(default, rename = "displayName")]
    pub display_name: Option<String>,
}

/// A signoff on a superevent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signoff {
    /// `OP` (operator) or `ADV` (advocate).
    pub signoff_type: String,
    /// Instrument code for operator signoffs, `""` for advocates.
    #[serde(default)]
    pub instrument: String,
    /// `OK` or `NO`.
    pub status: String,
    /// The comment.
    #[serde(default)]
    pub comment: String,
    /// Who signed off.
    #[serde(default)]
    pub submitter: String,
}

/// A group permission on a superevent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Permission {
    /// The group.
    pub group: String,
    /// The permission codename.
    pub permission: String,
}

/// Who the server thinks the caller is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    /// `AnonymousUser` when the server did not accept a credential.
    pub username: String,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the user is an LVK member.
    #[serde(default)]
    pub is_internal_user: Option<bool>,
    /// Pipelines the user may upload events for outside the Test group.
    #[serde(default)]
    pub upload_to_pipeline: Vec<String>,
}

impl UserInfo {
    /// Whether the server treated the caller as anonymous.
    pub fn is_anonymous(&self) -> bool {
        self.username == "AnonymousUser"
    }
}

/// Whether a label or tag request changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Applied {
    /// It was added.
    Added,
    /// It was already there; the server's "already applied" answer.
    AlreadyPresent,
}

/// A file saved by a download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// Where it was written.
    pub path: std::path::PathBuf,
    /// Its size in bytes (after any `Content-Encoding` was decoded).
    pub size: u64,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
}
