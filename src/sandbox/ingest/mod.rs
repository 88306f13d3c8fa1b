//! What the server learns from an uploaded event file, per pipeline (the translator).
//!
//! CBC pipelines upload LIGO_LW coinc files, which are parsed for `gpstime`, `far`,
//! `instruments`, `likelihood`, `nevents` and the `CoincInspiral`/`SingleInspiral` attributes
//! (server reference §2.3). Other pipelines' files are stored but not parsed: their events keep
//! null values, which is what the real server gives a pipeline it has no parser for.

use serde_json::{Map, Value};

use crate::gracedb::vocabulary::{EventKind, event_kind};
use crate::ligolw;

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
        EventKind::CoincInspiral => parse_cbc(upload.pipeline, upload.search, bytes),
        _ => Ok(Parsed::default()),
    }
}

fn parse_cbc(pipeline: &str, search: Option<&str>, bytes: &[u8]) -> Result<Parsed, String> {
    let cbc = ligolw::parse_cbc(bytes).map_err(|e| format!("Could not read data ({e})"))?;
    let mut extra = Map::new();
    // Without a coinc_inspiral table the server still shows the attributes, empty.
    let ci = cbc
        .coinc_inspiral
        .clone()
        .unwrap_or_else(ligolw::empty_coinc_inspiral);
    extra.insert("CoincInspiral".into(), Value::Object(ci));
    extra.insert(
        "SingleInspiral".into(),
        Value::Array(
            cbc.single_inspirals
                .iter()
                .cloned()
                .map(Value::Object)
                .collect(),
        ),
    );
    let event_log = event_log(pipeline, search, &cbc);
    Ok(Parsed {
        gpstime: cbc.gpstime,
        far: cbc.far,
        instruments: cbc.instruments.clone(),
        likelihood: cbc.likelihood,
        nevents: cbc.nevents,
        extra_attributes: extra,
        warnings: cbc.warnings.clone(),
        side_files: vec![
            SideFile {
                name: "event.log",
                bytes: event_log.into_bytes(),
                comment: "Log File Created",
            },
            SideFile {
                name: "coinc.xml",
                bytes: bytes.to_vec(),
                comment: "Coinc Table Created",
            },
        ],
    })
}

/// The `event.log` the translator writes for CBC events.
fn event_log(pipeline: &str, search: Option<&str>, cbc: &ligolw::CbcEvent) -> String {
    let ci = cbc.coinc_inspiral.clone().unwrap_or_default();
    let f = |k: &str| ci.get(k).and_then(Value::as_f64);
    let i = |k: &str| ci.get(k).and_then(Value::as_i64).unwrap_or(0);
    let fmt = |x: Option<f64>, p: usize| x.map_or("None".to_owned(), |v| format!("{v:.p$}"));
    let far = cbc.far.map_or("None".to_owned(), |v| format!("{v:.3e}"));
    let mut out = String::new();
    for line in [
        format!("Pipeline: {pipeline}"),
        format!("Search: {}", search.unwrap_or("None")),
        format!("MChirp: {}", fmt(f("mchirp"), 3)),
        format!("MTot: {}", fmt(f("mass"), 3)),
        format!("End Time: {}.{:09}", i("end_time"), i("end_time_ns")),
        format!("SNR: {}", fmt(f("snr"), 3)),
        format!("IFOs: {}", cbc.instruments),
        format!("FAR: {far}"),
    ] {
        out.push_str(&line);
        out.push('\n');
    }
    out
}
