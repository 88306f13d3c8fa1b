//! The records of a journal, as they appear on disk, and the one timestamp format they use.
//!
//! Every line is a JSON object tagged by `"type"`: the first is a `header`, the rest are
//! [`Record`]s (`intent`, `outcome`, `note`). Unknown fields are ignored when reading, so a
//! newer writer may add fields without a format bump; a new record *kind* needs a new
//! [`FORMAT_VERSION`](super::FORMAT_VERSION), because an older reader that skipped it could
//! miss a write.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::FORMAT_VERSION;

/// The first line of a journal: everything that fixes what the run sends, frozen when it
/// started, so that a resumed run renders byte-identical requests.
///
/// On disk the line also carries `"type": "header"` and `"format"`
/// ([`FORMAT_VERSION`]); the writer adds both and the reader checks the format before it
/// reads anything else, so neither is a field here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The version of the graceflow that started the run (the caller's
    /// `env!("CARGO_PKG_VERSION")`).
    pub tool_version: String,
    /// The manifest path as it was given on the command line.
    pub manifest: String,
    /// The SHA-256 of the manifest's bytes, lowercase hex.
    pub manifest_sha256: String,
    /// The manifest's `name`.
    pub name: String,
    /// The resolved API URL of the server (not the alias).
    pub server: String,
    /// The resolved, frozen variables.
    pub vars: Map<String, Value>,
    /// The frozen "now" of the run, in GPS seconds.
    pub now_gps: f64,
    /// The run's random seed.
    pub seed: u64,
    /// When the run started, UTC, as [`utc_now_string`] gives it.
    pub started: String,
}

/// The header as it is written: `type` and `format` first, then the caller's fields.
#[derive(Serialize)]
pub(crate) struct HeaderLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    format: u32,
    #[serde(flatten)]
    header: &'a Header,
}

impl<'a> HeaderLine<'a> {
    pub(crate) fn new(header: &'a Header) -> Self {
        HeaderLine {
            kind: "header",
            format: FORMAT_VERSION,
            header,
        }
    }
}

/// One line after the header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// Written (and synced) before a write request is sent.
    Intent(Intent),
    /// Written after a step or item finished, whatever happened.
    Outcome(Outcome),
    /// A free-form event worth keeping.
    Note(Note),
}

/// "About to send this write." An intent with no outcome after it is *in doubt*: the request
/// may have reached the server (see [`Journal::in_doubt`](super::Journal::in_doubt)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// The step id.
    pub step: String,
    /// The stable `for_each` key of the item, or `None` for a step without `for_each`.
    #[serde(default)]
    pub item: Option<String>,
    /// The attempt number for this (step, item), from 1.
    pub attempt: u32,
    /// When the intent was recorded, UTC, as [`utc_now_string`] gives it.
    pub at: String,
    /// A summary of the request for reconciliation and reports: method, endpoint, fields,
    /// file name, size and SHA-256. Never a credential.
    pub request: Value,
}

/// How a step or item ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The step id.
    pub step: String,
    /// The stable `for_each` key of the item, or `None` for a step without `for_each`.
    #[serde(default)]
    pub item: Option<String>,
    /// The attempt this outcome closes: the `attempt` of the intent it answers. A step that
    /// sent no write (a read, a local transform, a skipped step) has no intent, and the
    /// engine chooses the number.
    pub attempt: u32,
    /// Done, failed or skipped.
    pub status: OutcomeStatus,
    /// The step's outputs (`graceid`, `N`, …), empty if it has none or did not finish.
    #[serde(default)]
    pub outputs: Map<String, Value>,
    /// Why it failed or was skipped, for people.
    #[serde(default)]
    pub error: Option<String>,
    /// How many attempts were made for this (step, item), this one included.
    pub attempts: u32,
    /// When the step or item started, UTC, as [`utc_now_string`] gives it.
    pub started: String,
    /// When it finished, UTC, as [`utc_now_string`] gives it.
    pub finished: String,
    /// The measured duration in milliseconds (not derived from the second-resolution
    /// timestamps).
    pub duration_ms: u64,
}

/// How a step or item ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    /// It succeeded (or reconciliation found it already applied); `outputs` are final.
    Done,
    /// It failed; `error` says why.
    Failed,
    /// It was not run (a failed dependency, a false `if:`); `error` may say why.
    Skipped,
}

/// A free-form event the engine wants kept ("resumed", "reconciled: found log N=7").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// The step it is about, if any.
    #[serde(default)]
    pub step: Option<String>,
    /// The item it is about, if any.
    #[serde(default)]
    pub item: Option<String>,
    /// When it was recorded, UTC, as [`utc_now_string`] gives it.
    pub at: String,
    /// The event, for people.
    pub message: String,
    /// The same, for machines, when there is more than text (a step's planned and actual
    /// start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl From<Intent> for Record {
    fn from(intent: Intent) -> Self {
        Record::Intent(intent)
    }
}

impl From<Outcome> for Record {
    fn from(outcome: Outcome) -> Self {
        Record::Outcome(outcome)
    }
}

impl From<Note> for Record {
    fn from(note: Note) -> Self {
        Record::Note(note)
    }
}

/// The current time as the journal writes it: UTC, to the second, `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now_string() -> String {
    utc_string(crate::gps::unix_now())
}

/// A Unix time as the journal writes it: UTC, to the second, `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_string(unix_seconds: i64) -> String {
    let t = crate::gps::unix_to_utc(unix_seconds);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc_seconds() {
        assert_eq!(utc_string(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_string(1_700_000_000), "2023-11-14T22:13:20Z");
        let now = utc_now_string();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
    }

    #[test]
    fn header_line_puts_type_and_format_first() {
        let header = Header {
            tool_version: "0.1.0".into(),
            manifest: "m.yaml".into(),
            manifest_sha256: "ab".into(),
            name: "n".into(),
            server: "http://127.0.0.1:8000/api/".into(),
            vars: Map::new(),
            now_gps: 1.5,
            seed: 7,
            started: "2026-01-01T00:00:00Z".into(),
        };
        let line = serde_json::to_string(&HeaderLine::new(&header)).unwrap();
        assert_eq!(
            line,
            r#"{"type":"header","format":1,"tool_version":"0.1.0","manifest":"m.yaml","manifest_sha256":"ab","name":"n","server":"http://127.0.0.1:8000/api/","vars":{},"now_gps":1.5,"seed":7,"started":"2026-01-01T00:00:00Z"}"#
        );
    }

    #[test]
    fn records_are_tagged_snake_case() {
        let note = Record::Note(Note {
            step: None,
            item: None,
            at: "2026-01-01T00:00:00Z".into(),
            message: "resumed".into(),
            data: None,
        });
        assert_eq!(
            serde_json::to_string(&note).unwrap(),
            r#"{"type":"note","step":null,"item":null,"at":"2026-01-01T00:00:00Z","message":"resumed"}"#
        );
    }
}

/// Records for the tests of this module.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use serde_json::json;

    pub(crate) fn header() -> Header {
        let mut vars = Map::new();
        vars.insert("t0".into(), json!(1400000000.25));
        vars.insert("group".into(), json!("Test"));
        Header {
            tool_version: "0.1.0".into(),
            manifest: "workflows/inject.yaml".into(),
            manifest_sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                .into(),
            name: "inject-test-event".into(),
            server: "http://127.0.0.1:8000/api/".into(),
            vars,
            now_gps: 1_400_000_000.123_456_7,
            seed: u64::MAX - 1,
            started: "2026-05-01T12:00:00Z".into(),
        }
    }

    pub(crate) fn intent(step: &str, item: Option<&str>, attempt: u32) -> Record {
        Record::Intent(Intent {
            step: step.into(),
            item: item.map(Into::into),
            attempt,
            at: "2026-05-01T12:00:01Z".into(),
            request: json!({
                "method": "POST",
                "endpoint": "superevents/S260501a/logs/",
                "fields": { "comment": "sky map", "tagname": ["sky_loc"] },
                "file": { "name": "bayestar.fits.gz", "size": 123456, "sha256": "00ff" },
            }),
        })
    }

    pub(crate) fn outcome(
        step: &str,
        item: Option<&str>,
        attempt: u32,
        status: OutcomeStatus,
    ) -> Record {
        let mut outputs = Map::new();
        if status == OutcomeStatus::Done {
            outputs.insert("N".into(), json!(attempt + 6));
        }
        Record::Outcome(Outcome {
            step: step.into(),
            item: item.map(Into::into),
            attempt,
            status,
            outputs,
            error: (status == OutcomeStatus::Failed).then(|| "502 Bad Gateway".into()),
            attempts: attempt,
            started: "2026-05-01T12:00:01Z".into(),
            finished: "2026-05-01T12:00:02Z".into(),
            duration_ms: 1234,
        })
    }

    pub(crate) fn note(step: Option<&str>, message: &str) -> Record {
        Record::Note(Note {
            step: step.map(Into::into),
            item: None,
            at: "2026-05-01T12:00:03Z".into(),
            message: message.into(),
            data: None,
        })
    }
}
