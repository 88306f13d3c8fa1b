//! CBC pipelines (`gstlal`, `spiir`, `pycbc`, `MBTA`, …): a LIGO_LW coinc file, read by
//! [`crate::ligolw::parse_cbc`] for `gpstime`, `far`, `instruments`, `likelihood`, `nevents`
//! and the `CoincInspiral`/`SingleInspiral` attributes (server reference §2.3). The server also
//! writes `event.log` and a copy of the upload as `coinc.xml`.
//!
//! Bad input: a file that is not readable LIGO_LW is an error (400 here); a readable file
//! without a `coinc_inspiral` table creates the event with a warning and null values.

use serde_json::{Map, Value};

use super::{Parsed, SideFile, Upload};
use crate::ligolw;

/// Parses a CBC coinc upload.
pub fn parse(upload: &Upload<'_>, bytes: &[u8]) -> Result<Parsed, String> {
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
    let event_log = event_log(upload.pipeline, upload.search, &cbc);
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
        logs: Vec::new(),
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
