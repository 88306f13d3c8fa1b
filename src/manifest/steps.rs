//! The step kinds: for each, its inputs (a Rust type, from which the JSON Schema and the
//! static checks are derived), its outputs, and whether it writes to GraceDB.
//!
//! Inputs are deserialized from the resolved manifest values at run time (after expressions
//! are evaluated), so the same types serve the schema, `check`, `plan` and `run`.

use std::path::PathBuf;
use std::sync::OnceLock;

use schemars::{JsonSchema, Schema, schema_for};
use serde::Deserialize;

use crate::expr::Type;

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Changes GraceDB: journaled with an intent before and an outcome after.
    Write,
    /// Reads from GraceDB.
    Read,
    /// Does not talk to GraceDB: waits, checks, transforms local files.
    Local,
}

/// A step kind: its manifest key, documentation, inputs and outputs.
#[derive(Debug, Clone, Copy)]
pub struct KindSpec {
    /// The key in the manifest (`create_event`).
    pub name: &'static str,
    /// Read or write.
    pub effect: Effect,
    /// One line for `--help` and the schema.
    pub doc: &'static str,
    /// The JSON Schema of its inputs.
    pub inputs: fn() -> Schema,
    /// Its outputs: name, type, description.
    pub outputs: fn() -> Vec<(&'static str, Type, &'static str)>,
}

impl KindSpec {
    /// Look an output up.
    pub fn output(&self, name: &str) -> Option<Type> {
        (self.outputs)()
            .into_iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, t, _)| t)
    }
}

fn list(t: Type) -> Type {
    Type::List(Box::new(t))
}

fn event_outputs() -> Vec<(&'static str, Type, &'static str)> {
    vec![
        ("graceid", Type::String, "the event's ID, e.g. T0123"),
        ("group", Type::String, "analysis group"),
        ("pipeline", Type::String, "pipeline"),
        ("search", Type::String, "search, or null"),
        (
            "gpstime",
            Type::Number,
            "GPS time parsed from the event file",
        ),
        ("far", Type::Number, "false-alarm rate (Hz)"),
        ("instruments", Type::String, "detectors, e.g. H1,L1"),
        ("likelihood", Type::Number, "ranking statistic"),
        ("labels", list(Type::String), "labels applied"),
        (
            "superevent",
            Type::String,
            "the superevent it belongs to, or null",
        ),
        ("submitter", Type::String, "who uploaded it"),
        ("created", Type::String, "when, UTC"),
        ("url", Type::String, "its API URL"),
    ]
}

fn superevent_outputs() -> Vec<(&'static str, Type, &'static str)> {
    vec![
        (
            "superevent_id",
            Type::String,
            "the superevent's S ID, e.g. TS240519a",
        ),
        ("gw_id", Type::String, "its GW ID once confirmed, else null"),
        ("category", Type::String, "Production, Test or MDC"),
        (
            "preferred_event",
            Type::String,
            "graceid of the preferred event",
        ),
        ("t_start", Type::Number, "window start (GPS)"),
        ("t_0", Type::Number, "central time (GPS)"),
        ("t_end", Type::Number, "window end (GPS)"),
        ("far", Type::Number, "FAR of the preferred event"),
        ("gw_events", list(Type::String), "member events"),
        ("labels", list(Type::String), "labels applied"),
        ("url", Type::String, "its API URL"),
    ]
}

fn log_outputs() -> Vec<(&'static str, Type, &'static str)> {
    vec![
        ("N", Type::Integer, "the log entry's number on its object"),
        ("comment", Type::String, "its text"),
        ("filename", Type::String, "attached file name, \"\" if none"),
        (
            "file_version",
            Type::Integer,
            "attached file version, null if none",
        ),
        ("tags", list(Type::String), "its tags"),
    ]
}

fn applied_outputs() -> Vec<(&'static str, Type, &'static str)> {
    vec![("added", Type::Bool, "false when it was already there")]
}

fn no_outputs() -> Vec<(&'static str, Type, &'static str)> {
    vec![]
}

/// Inputs of `create_event`: upload a pipeline's event file.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEventInput {
    /// Analysis group (`Test` needs no upload permission).
    pub group: String,
    /// Pipeline (gstlal, pycbc, MBTA, spiir, CWB, …).
    pub pipeline: String,
    /// Search (AllSky, BBH, EarlyWarning, MDC, …).
    #[serde(default)]
    pub search: Option<String>,
    /// The event file, relative to the manifest.
    #[schemars(extend("format" = "path"))]
    pub file: PathBuf,
    /// Labels to apply at creation.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Whether the event comes from an offline analysis.
    #[serde(default)]
    pub offline: bool,
}

/// Inputs of `replace_event`: upload a new file for an event (only its submitter may).
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceEventInput {
    /// The event.
    pub graceid: String,
    /// The new event file.
    #[schemars(extend("format" = "path"))]
    pub file: PathBuf,
}

/// Inputs of `create_superevent`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSupereventInput {
    /// `test`, `production` or `mdc` (or the codes T, P, M); must match the events'.
    pub category: String,
    /// The preferred event.
    pub preferred_event: String,
    /// Window start (GPS).
    pub t_start: f64,
    /// Central time (GPS); its UTC date names the superevent.
    pub t_0: f64,
    /// Window end (GPS).
    pub t_end: f64,
    /// Other member events.
    #[serde(default)]
    pub events: Vec<String>,
    /// Labels to apply at creation.
    #[serde(default)]
    pub labels: Vec<String>,
}

/// Inputs of `update_superevent`: only what is given changes.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSupereventInput {
    /// The superevent.
    pub superevent: String,
    /// New window start.
    #[serde(default)]
    pub t_start: Option<f64>,
    /// New central time.
    #[serde(default)]
    pub t_0: Option<f64>,
    /// New window end.
    #[serde(default)]
    pub t_end: Option<f64>,
    /// New preferred event.
    #[serde(default)]
    pub preferred_event: Option<String>,
    /// New EM type.
    #[serde(default)]
    pub em_type: Option<String>,
    /// New time-coincidence FAR.
    #[serde(default)]
    pub time_coinc_far: Option<f64>,
    /// New space-time-coincidence FAR.
    #[serde(default)]
    pub space_coinc_far: Option<f64>,
}

/// Inputs of `add_event` and `remove_event`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipInput {
    /// The superevent.
    pub superevent: String,
    /// The event.
    pub event: String,
}

/// Inputs of `write_log`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteLogInput {
    /// The event or superevent.
    pub object: String,
    /// The text.
    pub comment: String,
    /// A file to attach; it becomes the next version of its base name.
    #[serde(default)]
    #[schemars(extend("format" = "path"))]
    pub file: Option<PathBuf>,
    /// Tags for the entry.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Display names for the tags: none, or one per tag.
    #[serde(default)]
    pub display_names: Vec<String>,
    /// A label to apply to the object afterwards.
    #[serde(default)]
    pub label: Option<String>,
}

/// Inputs of `add_label` and `remove_label`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelInput {
    /// The event or superevent.
    pub object: String,
    /// The label.
    pub label: String,
}

/// Inputs of `add_tag` and `remove_tag`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagInput {
    /// The event or superevent.
    pub object: String,
    /// The log entry's number (`steps.<id>.N`).
    #[serde(rename = "N")]
    pub n: u32,
    /// The tag.
    pub tag: String,
    /// Its display name (used only when the tag is new on the server; `add_tag` only).
    #[serde(default)]
    pub display_name: Option<String>,
}

/// Inputs of `create_signoff` and `update_signoff`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignoffInput {
    /// The superevent.
    pub superevent: String,
    /// `advocate` or `operator` (or ADV, OP).
    pub signoff_type: String,
    /// The instrument of an operator signoff (H1, L1, V1).
    #[serde(default)]
    pub instrument: String,
    /// `OK` or `NO` (required to create).
    #[serde(default)]
    pub status: Option<String>,
    /// The comment (required to create).
    #[serde(default)]
    pub comment: Option<String>,
}

/// Inputs of `expose` and `hide`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SupereventInput {
    /// The superevent.
    pub superevent: String,
}

/// Inputs of `confirm_as_gw`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    /// The superevent.
    pub superevent: String,
    /// A GW ID to use instead of the next free one.
    #[serde(default)]
    pub gw_id: Option<String>,
}

/// Inputs of `get_event`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetEventInput {
    /// The event.
    pub graceid: String,
}

/// Inputs of `search`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchInput {
    /// `events` or `superevents`.
    #[serde(default = "default_search_target")]
    pub what: String,
    /// The query, in GraceDB's query language (Test events need `Test` in the query).
    pub query: String,
    /// Stop after this many results.
    #[serde(default)]
    pub max_results: Option<u32>,
}

fn default_search_target() -> String {
    "events".into()
}

/// Inputs of `download`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DownloadInput {
    /// The event or superevent.
    pub object: String,
    /// The file: `name` for the latest version, `name,N` for version N.
    pub file: String,
    /// Where to write it, relative to the manifest (created or replaced).
    #[schemars(extend("format" = "output-path"))]
    pub to: PathBuf,
}

/// Inputs of `wait_for`: poll an event or superevent until every given condition holds.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitForInput {
    /// The event or superevent.
    pub object: String,
    /// A label that must be present.
    #[serde(default)]
    pub label: Option<String>,
    /// Labels that must all be present.
    #[serde(default)]
    pub labels: Vec<String>,
    /// A file name that must be present (any version).
    #[serde(default)]
    pub file: Option<String>,
    /// An event the superevent must contain.
    #[serde(default)]
    pub event: Option<String>,
    /// Text that some log entry's comment must contain.
    #[serde(default)]
    pub log_contains: Option<String>,
    /// An expression over the object as the server returns it, written without `${{ }}`:
    /// `item` is the object (`item.far < 1e-6`, `'GCN_PRELIM_SENT' in item.labels`).
    #[serde(default)]
    pub until: Option<String>,
    /// How long to wait at most (default 10m): then the step fails.
    #[serde(default)]
    pub timeout: Option<String>,
    /// Time between polls (default 5s).
    #[serde(default)]
    pub interval: Option<String>,
    /// A GPS time to measure the latency from (default: when the step started).
    #[serde(default)]
    pub since: Option<f64>,
}

/// Inputs of `assert`: conditions that must hold, reported with their values when not.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssertInput {
    /// The conditions: `${{ … }}` expressions that must be true.
    pub that: Vec<serde_json::Value>,
    /// What it means when they do not hold.
    #[serde(default)]
    pub message: Option<String>,
}

/// Inputs of `sleep_until`: wait for a GPS time (a replay's cadence).
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SleepUntilInput {
    /// The GPS time to wait for; a time already past returns at once.
    pub gps: f64,
}

/// Inputs of `shift_time`: a time-shifted copy of an event payload, written into the run's
/// work folder.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftTimeInput {
    /// The payload: LIGO_LW XML (plain or gzip), cWB trigger text, JSON with `gpstime`, or a
    /// VOEvent.
    #[schemars(extend("format" = "path"))]
    pub file: PathBuf,
    /// The GPS time its reference time moves to (a number, or a decimal string for
    /// nanosecond exactness).
    #[serde(default)]
    pub to: Option<serde_json::Value>,
    /// Or the offset to move it by, in seconds.
    #[serde(default)]
    pub by: Option<serde_json::Value>,
    /// `auto` (default), `ligolw`, `cwb`, `json` or `voevent`.
    #[serde(default)]
    pub kind: Option<String>,
    /// LIGO_LW: also move `process`, `search_summary` and PSD times.
    #[serde(default)]
    pub all_times: bool,
}

macro_rules! spec {
    ($name:literal, $effect:ident, $input:ty, $outputs:expr, $doc:literal) => {
        KindSpec {
            name: $name,
            effect: Effect::$effect,
            doc: $doc,
            inputs: || schema_for!($input),
            outputs: $outputs,
        }
    };
}

/// Every step kind, sorted by name (a test keeps it so).
pub const KINDS: &[KindSpec] = &[
    spec!(
        "add_event",
        Write,
        MembershipInput,
        no_outputs,
        "Add an event to a superevent."
    ),
    spec!(
        "add_label",
        Write,
        LabelInput,
        applied_outputs,
        "Apply a label to an event or superevent."
    ),
    spec!(
        "add_tag",
        Write,
        TagInput,
        applied_outputs,
        "Tag a log entry."
    ),
    spec!(
        "assert",
        Local,
        AssertInput,
        assert_outputs,
        "Check conditions over earlier outputs; the step fails, showing the values, when one does not hold."
    ),
    spec!(
        "confirm_as_gw",
        Write,
        ConfirmInput,
        superevent_outputs,
        "Confirm a superevent as a gravitational wave (it gets a GW ID)."
    ),
    spec!(
        "create_event",
        Write,
        CreateEventInput,
        event_outputs,
        "Create an event by uploading a pipeline's event file."
    ),
    spec!(
        "create_signoff",
        Write,
        SignoffInput,
        signoff_outputs,
        "Sign off on a superevent (needs its request label: ADVREQ, H1OPS, …)."
    ),
    spec!(
        "create_superevent",
        Write,
        CreateSupereventInput,
        superevent_outputs,
        "Create a superevent around a preferred event."
    ),
    spec!(
        "download",
        Read,
        DownloadInput,
        download_outputs,
        "Download a file (a version, or the latest) of an event or superevent."
    ),
    spec!(
        "expose",
        Write,
        SupereventInput,
        no_outputs,
        "Make a superevent public."
    ),
    spec!(
        "get_event",
        Read,
        GetEventInput,
        event_outputs,
        "Read an event."
    ),
    spec!(
        "get_superevent",
        Read,
        SupereventInput,
        superevent_outputs,
        "Read a superevent."
    ),
    spec!(
        "hide",
        Write,
        SupereventInput,
        no_outputs,
        "Make a superevent internal again."
    ),
    spec!(
        "remove_event",
        Write,
        MembershipInput,
        no_outputs,
        "Remove an event from a superevent."
    ),
    spec!(
        "remove_label",
        Write,
        LabelInput,
        no_outputs,
        "Remove a label."
    ),
    spec!(
        "remove_tag",
        Write,
        TagInput,
        no_outputs,
        "Remove a tag from a log entry."
    ),
    spec!(
        "replace_event",
        Write,
        ReplaceEventInput,
        event_outputs,
        "Replace an event's file; the server parses it again."
    ),
    spec!(
        "search",
        Read,
        SearchInput,
        search_outputs,
        "Search events or superevents."
    ),
    spec!(
        "shift_time",
        Local,
        ShiftTimeInput,
        shift_outputs,
        "Write a copy of an event payload moved in time (to a GPS time, or by an offset)."
    ),
    spec!(
        "sleep_until",
        Local,
        SleepUntilInput,
        sleep_outputs,
        "Wait until a GPS time."
    ),
    spec!(
        "update_signoff",
        Write,
        SignoffInput,
        signoff_outputs,
        "Change a signoff's status or comment."
    ),
    spec!(
        "update_superevent",
        Write,
        UpdateSupereventInput,
        superevent_outputs,
        "Change a superevent's times, preferred event or EM fields."
    ),
    spec!(
        "wait_for",
        Read,
        WaitForInput,
        wait_outputs,
        "Poll an event or superevent until a label, file, member event, log comment or condition appears; fail at the timeout."
    ),
    spec!(
        "write_log",
        Write,
        WriteLogInput,
        log_outputs,
        "Write a log entry, with a file, tags and a label if given."
    ),
];

fn assert_outputs() -> Vec<(&'static str, Type, &'static str)> {
    vec![("checked", Type::Integer, "how many conditions held")]
}

fn shift_outputs() -> Vec<(&'static str, Type, &'static str)> {
    vec![
        (
            "path",
            Type::Path,
            "the shifted copy, in the run's work folder",
        ),
        ("sha256", Type::String, "its SHA-256, hex"),
        (
            "gpstime_before",
            Type::Number,
            "the payload's reference time before",
        ),
        ("gpstime_after", Type::Number, "and after"),
        ("kind", Type::String, "the payload kind it was read as"),
    ]
}

fn sleep_outputs() -> Vec<(&'static str, Type, &'static str)> {
    vec![
        ("planned", Type::Number, "the GPS time waited for"),
        ("actual", Type::Number, "the GPS time the wait ended"),
        (
            "late_s",
            Type::Number,
            "how late it ended, seconds (0 or more)",
        ),
    ]
}

fn wait_outputs() -> Vec<(&'static str, Type, &'static str)> {
    vec![
        (
            "satisfied_gps",
            Type::Number,
            "the GPS time at which the conditions were seen to hold",
        ),
        ("satisfied_at", Type::String, "the same, UTC"),
        (
            "latency_s",
            Type::Number,
            "seconds from `since` (or the step's start) until then",
        ),
        ("polls", Type::Integer, "how many times the object was read"),
    ]
}

fn signoff_outputs() -> Vec<(&'static str, Type, &'static str)> {
    vec![
        ("signoff_type", Type::String, "OP or ADV"),
        (
            "instrument",
            Type::String,
            "the instrument, \"\" for advocates",
        ),
        ("status", Type::String, "OK or NO"),
    ]
}

fn download_outputs() -> Vec<(&'static str, Type, &'static str)> {
    vec![
        ("path", Type::Path, "where the file was written"),
        ("size", Type::Integer, "its size in bytes"),
        ("sha256", Type::String, "its SHA-256, hex"),
    ]
}

fn search_outputs() -> Vec<(&'static str, Type, &'static str)> {
    vec![
        (
            "results",
            list(Type::Object),
            "the events or superevents found, as the server gives them",
        ),
        (
            "ids",
            list(Type::String),
            "their graceids or superevent IDs",
        ),
        ("count", Type::Integer, "how many were found"),
    ]
}

/// Look a step kind up by its manifest key.
pub fn kind(name: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|k| k.name == name)
}

/// An input field of a kind, from its schema: name, type, whether required, description.
#[derive(Debug, Clone, PartialEq)]
pub struct InputField {
    /// The key.
    pub name: String,
    /// The resolved type.
    pub ty: Type,
    /// Whether it must be given.
    pub required: bool,
    /// Whether it names a local file that must exist (an upload), as opposed to one that
    /// will be written.
    pub existing_file: bool,
}

/// The input fields of a kind, derived from its schema once and kept: building a schema
/// is much slower than checking a step against it.
pub fn input_fields(spec: &KindSpec) -> &'static [InputField] {
    static FIELDS: OnceLock<Vec<Vec<InputField>>> = OnceLock::new();
    let all = FIELDS.get_or_init(|| KINDS.iter().map(fields_of).collect());
    let i = KINDS.iter().position(|k| k.name == spec.name).unwrap_or(0);
    &all[i]
}

fn fields_of(spec: &KindSpec) -> Vec<InputField> {
    let schema = (spec.inputs)();
    let required: Vec<String> = schema
        .get("required")
        .and_then(|r| r.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(|p| p.as_object()) else {
        return vec![];
    };
    props
        .iter()
        .map(|(name, s)| InputField {
            name: name.clone(),
            ty: schema_type(s),
            required: required.contains(name),
            existing_file: s.get("format").and_then(|f| f.as_str()) == Some("path"),
        })
        .collect()
}

/// The type a JSON Schema describes, as far as static checks care.
pub fn schema_type(s: &serde_json::Value) -> Type {
    let types: Vec<&str> = match s.get("type") {
        Some(serde_json::Value::String(t)) => vec![t.as_str()],
        Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
        _ => vec![],
    };
    let main = types.iter().find(|t| **t != "null").copied();
    match main {
        Some("string")
            if matches!(
                s.get("format").and_then(|f| f.as_str()),
                Some("path" | "output-path")
            ) =>
        {
            Type::Path
        }
        Some("string") => Type::String,
        Some("number") => Type::Number,
        Some("integer") => Type::Integer,
        Some("boolean") => Type::Bool,
        Some("array") => list(s.get("items").map_or(Type::Any, schema_type)),
        Some("object") => Type::Object,
        _ => Type::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_sorted_and_unique() {
        let names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn the_issue_lists_every_kind() {
        for name in [
            "create_event",
            "replace_event",
            "create_superevent",
            "update_superevent",
            "add_event",
            "remove_event",
            "write_log",
            "add_label",
            "remove_label",
            "add_tag",
            "remove_tag",
            "create_signoff",
            "update_signoff",
            "expose",
            "hide",
            "confirm_as_gw",
            "get_event",
            "get_superevent",
            "search",
            "download",
        ] {
            assert!(kind(name).is_some(), "{name}");
        }
    }

    #[test]
    fn fields_come_from_the_schema() {
        let f = input_fields(kind("create_event").unwrap());
        let get = |n: &str| f.iter().find(|x| x.name == n).unwrap().clone();
        assert_eq!((get("file").ty, get("file").required), (Type::Path, true));
        assert_eq!(
            (get("search").ty, get("search").required),
            (Type::String, false)
        );
        assert_eq!(get("labels").ty, Type::List(Box::new(Type::String)));
        assert_eq!(get("offline").ty, Type::Bool);
        let t = input_fields(kind("add_tag").unwrap());
        assert!(
            t.iter()
                .any(|x| x.name == "N" && x.ty == Type::Integer && x.required)
        );
        assert_eq!(kind("write_log").unwrap().output("N"), Some(Type::Integer));
    }
}
