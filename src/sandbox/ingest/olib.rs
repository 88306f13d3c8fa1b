//! oLIB uploads: a JSON object, read by the `oLIB` branch of `handle_uploaded_data` in
//! `gracedb/events/translator.py` (2.33.1 @ `414b01ce`; unchanged since the first Python 3
//! versions read).
//!
//! What the server does: `gpstime = float(gpstime)`, `far = float(FAR)`,
//! `instruments = instruments` (required: a missing key raises `KeyError`),
//! `nevents = int(nevents)` (1 when the key is absent), `likelihood = float(likelihood)`, and
//! the `LalInferenceBurst` attributes of [`LAL_INFERENCE_BURST_ATTRIBUTES`], each `float()` of
//! its key or null; then one save.
//!
//! Bad input: like the server, an upload it cannot read (not UTF-8, not JSON, not an object,
//! no `instruments`, a value `float()`/`int()` rejects, a value its column cannot hold)
//! still creates the event: 201, null values, null attributes, and the warning
//! `Problem scanning data. No alert issued (…)`.

use serde_json::{Map, Value};

use super::columns::{self, INSTRUMENTS_MAX};
use super::python::{as_dict, load_json_text, n_float, n_int, scan_warning};
use super::{Parsed, Upload, extra, number};

/// The `LalInferenceBurst` attributes in the order `eventToDict` emits them
/// (`gracedb/events/view_utils.py` @ `0111ef95`), each with the upload key it is read from
/// (`gracedb/events/translator.py`). All are `FloatField`s of `LalInferenceBurstEvent`.
pub const LAL_INFERENCE_BURST_ATTRIBUTES: &[(&str, &str)] = &[
    ("bci", "BCI"),
    ("bsn", "BSN"),
    ("quality_mean", "quality_posterior_mean"),
    ("quality_median", "quality_posterior_median"),
    ("omicron_snr_network", "Omicron_SNR_Network"),
    ("omicron_snr_H1", "Omicron_SNR_H1"),
    ("omicron_snr_L1", "Omicron_SNR_L1"),
    ("omicron_snr_V1", "Omicron_SNR_V1"),
    ("hrss_mean", "hrss_posterior_mean"),
    ("hrss_median", "hrss_posterior_median"),
    ("frequency_mean", "frequency_posterior_mean"),
    ("frequency_median", "frequency_posterior_median"),
];

/// The order the translator converts the attribute keys in, which decides which bad value
/// is reported first.
const TRANSLATOR_ORDER: &[&str] = &[
    "BCI",
    "quality_posterior_mean",
    "quality_posterior_median",
    "BSN",
    "Omicron_SNR_Network",
    "Omicron_SNR_H1",
    "Omicron_SNR_L1",
    "Omicron_SNR_V1",
    "hrss_posterior_mean",
    "hrss_posterior_median",
    "frequency_posterior_mean",
    "frequency_posterior_median",
];

/// Parses an oLIB upload.
pub fn parse(_upload: &Upload<'_>, bytes: &[u8]) -> Result<Parsed, String> {
    Ok(read(bytes).unwrap_or_else(|message| Parsed {
        extra_attributes: extra("LalInferenceBurst", attributes(&Map::new())),
        warnings: vec![scan_warning(&message)],
        ..Parsed::default()
    }))
}

fn read(bytes: &[u8]) -> Result<Parsed, String> {
    let doc = load_json_text(bytes).map_err(|e| e.message().to_owned())?;
    let d = as_dict(&doc)?;
    let gpstime = n_float(d.get("gpstime"))?;
    let far = n_float(d.get("FAR"))?;
    let instruments = d.get("instruments").ok_or("'instruments'")?;
    let nevents = match d.get("nevents") {
        None => Some(1),
        present => n_int(present)?,
    };
    let likelihood = n_float(d.get("likelihood"))?;
    let mut values = Map::new();
    for key in TRANSLATOR_ORDER {
        values.insert((*key).to_owned(), number(n_float(d.get(*key))?));
    }

    // event.save()
    let gpstime = columns::gpstime(gpstime)?;
    let instruments =
        columns::char_field(Some(instruments)).ok_or_else(|| columns::not_null("instruments"))?;
    columns::varchar(&instruments, INSTRUMENTS_MAX)?;
    let nevents = columns::positive_integer(nevents, "events_event", "nevents")?;

    Ok(Parsed {
        gpstime,
        far,
        instruments,
        likelihood,
        nevents,
        extra_attributes: extra("LalInferenceBurst", attributes(&values)),
        ..Parsed::default()
    })
}

/// The attributes in `eventToDict` order from the converted values, keyed by upload key.
fn attributes(values: &Map<String, Value>) -> Map<String, Value> {
    LAL_INFERENCE_BURST_ATTRIBUTES
        .iter()
        .map(|(name, key)| {
            let v = values.get(*key).cloned().unwrap_or(Value::Null);
            ((*name).to_owned(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../../../tests/data/events/olib.json");

    fn parse_bytes(bytes: &[u8]) -> Parsed {
        let upload = Upload {
            pipeline: "oLIB",
            search: None,
            fields: &[],
        };
        parse(&upload, bytes).unwrap()
    }

    #[test]
    fn fixture() {
        let p = parse_bytes(FIXTURE);
        assert_eq!(p.warnings, Vec::<String>::new());
        assert_eq!(p.gpstime, Some(1_401_234_567.437_5));
        assert_eq!(p.far, Some(2.5e-8));
        assert_eq!(p.instruments, "H1,L1");
        assert_eq!(p.nevents, Some(1));
        assert_eq!(p.likelihood, Some(12.75));
        let a = p.extra_attributes["LalInferenceBurst"].as_object().unwrap();
        let keys: Vec<&str> = a.keys().map(String::as_str).collect();
        let expected: Vec<&str> = LAL_INFERENCE_BURST_ATTRIBUTES
            .iter()
            .map(|(n, _)| *n)
            .collect();
        assert_eq!(keys, expected);
        assert_eq!(a["bci"], 3.5);
        assert_eq!(a["bsn"], 21.25);
        assert_eq!(a["quality_mean"], 9.5);
        assert_eq!(a["quality_median"], 9.0);
        assert_eq!(a["omicron_snr_network"], 8.75);
        assert_eq!(a["omicron_snr_H1"], 6.0);
        assert_eq!(a["omicron_snr_L1"], 6.25);
        // Absent from the upload.
        assert_eq!(a["omicron_snr_V1"], Value::Null);
        // Numeric strings are converted, as float() does.
        assert_eq!(a["hrss_mean"], 1.5e-22);
        assert_eq!(a["hrss_median"], 3e-22);
        assert_eq!(a["frequency_mean"], 180.5);
        assert_eq!(a["frequency_median"], 175.0);
        assert!(p.side_files.is_empty() && p.logs.is_empty());
    }

    #[test]
    fn nevents_and_nulls() {
        let p = parse_bytes(br#"{"instruments": "V1", "nevents": 3, "gpstime": null}"#);
        assert_eq!((p.nevents, p.gpstime, p.far), (Some(3), None, None));
        let p = parse_bytes(br#"{"instruments": "V1", "nevents": null}"#);
        assert_eq!(p.nevents, None);
        // Non-string instruments are stored as Python's str() of them.
        let p = parse_bytes(br#"{"instruments": ["H1"]}"#);
        assert_eq!(p.instruments, "['H1']");
    }

    #[test]
    fn unreadable_uploads_create_the_event_with_a_warning() {
        for (bytes, message) in [
            (&br#"{"gpstime": 1}"#[..], "('instruments')"),
            (br#"{"instruments": null}"#, "violates not-null constraint"),
            (
                br#"{"instruments": "H1", "FAR": "often"}"#,
                "could not convert string to float: 'often'",
            ),
            (
                br#"{"instruments": "H1", "nevents": "2.5"}"#,
                "invalid literal for int()",
            ),
            (
                br#"{"instruments": "H1", "nevents": -1}"#,
                "check constraint",
            ),
            (br#"{"instruments": "H1", "BSN": [1]}"#, "not 'list'"),
            (
                br#"{"instruments": "H1,L1,V1,K1,G1,H2,L2,A1"}"#,
                "character varying(20)",
            ),
            (
                br#"{"instruments": "H1", "gpstime": 1e12}"#,
                "InvalidOperation",
            ),
            (b"[1, 2]", "'list' object has no attribute 'get'"),
            (b"not json", "expected"),
            (b"\xff", "codec can't decode"),
        ] {
            let p = parse_bytes(bytes);
            assert_eq!(p.warnings.len(), 1);
            assert!(
                p.warnings[0].contains(message),
                "{bytes:?}: {:?}",
                p.warnings
            );
            assert_eq!((p.gpstime, p.far, p.nevents), (None, None, None));
            assert_eq!(p.instruments, "");
            let a = p.extra_attributes["LalInferenceBurst"].as_object().unwrap();
            assert!(a.values().all(Value::is_null));
        }
    }
}
