//! What the server learns from an uploaded event file, per pipeline (the translator,
//! `gracedb/events/translator.py` `handle_uploaded_data`, and the event subclass chosen in
//! `gracedb/events/view_logic.py`; server reference §2.3).
//!
//! One file per upload format, each a pure `parse(upload, bytes)`:
//! * [`cbc`]: LIGO_LW coinc files of the CBC pipelines;
//! * [`cwb`]: cWB trigger text (`CWB`, `CWB2G`);
//! * [`olib`] and [`mly`]: the JSON of oLIB and of MLy/aframe/GWAK;
//! * [`injection`]: hardware injections (JSON, or a LIGO_LW `sim_inspiral` table);
//! * [`gcn_json`] and [`voevent`]: external triggers, as a GCN Kafka JSON notice or a VOEvent.
//!
//! Pipelines without a parser give a plain event: null values and no extra attributes.
//!
//! Errors: [`parse`] returns `Err` only where the real server answers 400 (an unreadable CBC
//! file; a hardware-injection form field too long for its column). Everywhere else the real
//! server creates the event even when the file cannot be read, keeping only what it saved
//! before the exception, and answers 201 with the warning
//! `Problem scanning data. No alert issued (…)`; the parsers do the same, returning null values
//! and the warning in [`Parsed::warnings`].

pub mod cbc;
mod columns;
pub mod cwb;
pub mod gcn_json;
pub mod injection;
pub mod mly;
pub mod olib;
mod python;
pub mod voevent;

use serde_json::{Map, Value};

use crate::gracedb::vocabulary::{EventKind, event_kind};

/// The values extracted from an event file, and the files the server writes beside it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Parsed {
    /// GPS time of the event.
    pub gpstime: Option<f64>,
    /// False-alarm rate (Hz).
    pub far: Option<f64>,
    /// Detectors, e.g. `H1,L1`; `""` if unknown.
    pub instruments: String,
    /// Ranking statistic.
    pub likelihood: Option<f64>,
    /// Number of single-detector triggers.
    pub nevents: Option<i64>,
    /// `extra_attributes` of the event JSON.
    pub extra_attributes: Map<String, Value>,
    /// Warnings the create answer carries.
    pub warnings: Vec<String>,
    /// Files the server writes itself, with the comment of the log entry that records each.
    pub side_files: Vec<SideFile>,
    /// Log entries without a file that the server writes after the side files, in order
    /// (cWB: links to the coherent event display and to the FITS sky map).
    pub logs: Vec<String>,
}

/// A file the server derives from the upload (`event.log`, `coinc.xml`).
#[derive(Debug, Clone, PartialEq)]
pub struct SideFile {
    /// File name.
    pub name: &'static str,
    /// Contents.
    pub bytes: Vec<u8>,
    /// Comment of the log entry that records it.
    pub comment: &'static str,
}

/// What the server knows about an upload besides its bytes.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    /// The pipeline, which decides the parser.
    pub pipeline: &'a str,
    /// The search, if given.
    pub search: Option<&'a str>,
    /// The other form fields of the request (hardware injections take `instruments` there).
    pub fields: &'a [(String, String)],
}

impl Upload<'_> {
    /// The last value of a form field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parse an upload according to its pipeline. An error is a message for the 400 answer.
pub fn parse(upload: &Upload<'_>, bytes: &[u8]) -> Result<Parsed, String> {
    match event_kind(upload.pipeline) {
        EventKind::CoincInspiral => cbc::parse(upload, bytes),
        EventKind::MultiBurst => cwb::parse(upload, bytes),
        EventKind::Grb => parse_external(upload, bytes),
        EventKind::SimInspiral => injection::parse(upload, bytes),
        EventKind::LalInferenceBurst => olib::parse(upload, bytes),
        EventKind::MlyBurst => mly::parse(upload, bytes),
        EventKind::Plain => Ok(Parsed::default()),
    }
}

/// External triggers: the newest translator (2.33.1) reads the file as a GCN Kafka JSON
/// notice and falls back to VOEvent XML only when `json.load` raises `JSONDecodeError`.
fn parse_external(upload: &Upload<'_>, bytes: &[u8]) -> Result<Parsed, String> {
    match python::load_json_bytes(bytes) {
        Err(python::JsonFailure::Decode(_)) => voevent::parse(upload, bytes),
        _ => gcn_json::parse(upload, bytes),
    }
}

/// A JSON number, or null for NaN and infinities (which JSON cannot carry).
fn number(x: Option<f64>) -> Value {
    x.filter(|v| v.is_finite()).map_or(Value::Null, Value::from)
}

/// A JSON integer or null.
fn integer(x: Option<i64>) -> Value {
    x.map_or(Value::Null, Value::from)
}

/// A JSON string or null.
fn text(x: Option<&str>) -> Value {
    x.map_or(Value::Null, Value::from)
}

/// `extra_attributes` holding one subclass's attributes.
fn extra(key: &str, attributes: Map<String, Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(key.to_owned(), Value::Object(attributes));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(pipeline: &str) -> Upload<'_> {
        Upload {
            pipeline,
            search: None,
            fields: &[],
        }
    }

    #[test]
    fn plain_pipelines_are_not_parsed() {
        let p = parse(&upload("Omega"), b"anything at all").unwrap();
        assert_eq!(p, Parsed::default());
    }

    #[test]
    fn external_uploads_pick_json_or_voevent() {
        // Not JSON: read as a VOEvent, which this is not either.
        let p = parse(&upload("Fermi"), b"<a/>").unwrap();
        assert!(p.warnings[0].contains("'version'"), "{:?}", p.warnings);
        // JSON: read as a Kafka notice.
        let p = parse(
            &upload("Fermi"),
            br#"{"trigger_time": "2024-01-02T03:04:05.5"}"#,
        )
        .unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert!(p.gpstime.is_some());
    }

    #[test]
    fn no_parser_panics_on_arbitrary_bytes() {
        let inputs: Vec<Vec<u8>> = vec![
            vec![],
            b"\xff\xfe\x00".to_vec(),
            b"{".to_vec(),
            b"[]".to_vec(),
            b"null".to_vec(),
            b"<VOEvent version='2.0'><What/></VOEvent>".to_vec(),
            b"a: b\n:\n".to_vec(),
            b"start: 1.2.3\n".to_vec(),
            b"\x1f\x8b\x08\x00".to_vec(),
            (0u8..=255).collect(),
        ];
        for pipeline in [
            "gstlal",
            "CWB",
            "Fermi",
            "HardwareInjection",
            "oLIB",
            "MLy",
            "X1",
        ] {
            for bytes in &inputs {
                let _ = parse(&upload(pipeline), bytes);
            }
        }
    }
}
