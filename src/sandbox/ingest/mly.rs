//! Machine-learning burst uploads (`MLy`, `aframe`, `GWAK`): a JSON object, read by the
//! `['MLy', 'aframe', 'GWAK']` branch of `handle_uploaded_data` in
//! `gracedb/events/translator.py` (2.33.1 @ `414b01ce`).
//!
//! What the server does: `gpstime = float(gpstime)`, `far = float(far)`,
//! `instruments = ifos = ifos` (a missing `ifos` is a null the `NOT NULL` column rejects),
//! `channels` (a list, or a string holding a JSON list, possibly with single quotes) joined by
//! `,`, `float()` of each attribute key, and `scores.{coincidence, coherency, combined}` when
//! `scores` is an object; then one save. `nevents` and `likelihood` stay null.
//!
//! One deliberate difference: 2.33.1 assigns the `SNR` key with `setattr(event, 'SNR', …)`
//! while the model field is `snr` (the serializer's `SNR` reads `obj.snr`), so the real server
//! shows `SNR: null` whatever the upload says; the version before it assigned `event.snr`.
//! The sandbox keeps the upload's `SNR`, as that earlier version did.
//!
//! Bad input: like the server, an upload it cannot read still creates the event: 201, null
//! values, empty attributes, and the warning `Problem scanning data. No alert issued (…)`.

use serde_json::{Map, Value, json};

use super::columns::{self, INSTRUMENTS_MAX};
use super::python::{as_dict, load_json_text, n_float, scan_warning, truthy, type_name};
use super::{Parsed, Upload, extra, number};

/// The `MLyBurst` attributes in the order the DRF `MLyBurstEventSerializer` emits them
/// (`gracedb/api/v1/events/serializers.py` @ `22dfbb81`; `eventToDict` has no `MLyBurst`
/// entry in any version read). `channels` is a list (or null) and `scores` an object.
pub const MLY_BURST_ATTRIBUTES: &[&str] = &[
    "ifos",
    "central_freq",
    "bandwidth",
    "duration",
    "central_time",
    "detection_statistic",
    "SNR",
    "bbh",
    "sglf",
    "sghf",
    "background",
    "glitch",
    "freq_correlation",
    "channels",
    "scores",
];

/// The keys the translator passes through `float()`, in its order (those not shown in
/// [`MLY_BURST_ATTRIBUTES`] can still make the upload fail).
const FLOAT_KEYS: &[&str] = &[
    "central_freq",
    "central_time",
    "bandwidth",
    "duration",
    "SNR",
    "detection_statistic",
    "bbh",
    "sglf",
    "sghf",
    "background",
    "glitch",
    "freq_correlation",
    "mass1",
    "mass2",
    "mtotal",
    "mchirp",
    "spin1z",
    "spin2z",
    "end_time",
    "end_time_ns",
    "template_duration",
];

/// `scores` keys as the serializer emits them, with the upload key each comes from.
const SCORES: &[(&str, &str)] = &[
    ("coherency", "coherency"),
    ("coincidence", "coincidence"),
    ("combined", "combined"),
];

/// Parses an MLy/aframe/GWAK upload.
pub fn parse(_upload: &Upload<'_>, bytes: &[u8]) -> Result<Parsed, String> {
    Ok(read(bytes).unwrap_or_else(|message| Parsed {
        extra_attributes: extra("MLyBurst", attributes("", &Map::new(), None, None)),
        warnings: vec![scan_warning(&message)],
        ..Parsed::default()
    }))
}

fn read(bytes: &[u8]) -> Result<Parsed, String> {
    let doc = load_json_text(bytes).map_err(|e| e.message().to_owned())?;
    let d = as_dict(&doc)?;
    let gpstime = n_float(d.get("gpstime"))?;
    let far = n_float(d.get("far"))?;
    let channels = channels(d.get("channels"))?;
    let mut values = Map::new();
    for key in FLOAT_KEYS {
        values.insert((*key).to_owned(), number(n_float(d.get(*key))?));
    }
    let ifos = columns::char_field(d.get("ifos"));
    let scores = match d.get("scores") {
        Some(Value::Object(s)) => {
            let mut out = Map::new();
            for (name, key) in SCORES {
                out.insert((*name).to_owned(), number(n_float(s.get(*key))?));
            }
            Some(out)
        }
        _ => None,
    };

    // event.save()
    let gpstime = columns::gpstime(gpstime)?;
    let ifos = ifos.ok_or_else(|| columns::not_null("instruments"))?;
    columns::varchar(&ifos, INSTRUMENTS_MAX)?;

    Ok(Parsed {
        gpstime,
        far,
        instruments: ifos.clone(),
        extra_attributes: extra(
            "MLyBurst",
            attributes(&ifos, &values, channels.as_deref(), scores),
        ),
        ..Parsed::default()
    })
}

/// The `channels` field: `','.join(…)` of the list, of the JSON list in a string, or nothing.
fn channels(v: Option<&Value>) -> Result<Option<String>, String> {
    let list = match v {
        Some(Value::String(s)) => serde_json::from_str::<Value>(s)
            .or_else(|_| serde_json::from_str::<Value>(&s.replace('\'', "\"")))
            .ok(),
        Some(list @ Value::Array(_)) => Some(list.clone()),
        _ => None,
    };
    let Some(list) = list.filter(truthy) else {
        return Ok(None);
    };
    let joined = match &list {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!(
                    "sequence item {i}: expected str instance, {} found",
                    type_name(other)
                )),
            })
            .collect::<Result<Vec<_>, _>>()?
            .join(","),
        // Joining a string joins its characters; joining a dict, its keys.
        Value::String(s) => s.chars().map(String::from).collect::<Vec<_>>().join(","),
        Value::Object(o) => o.keys().cloned().collect::<Vec<_>>().join(","),
        _ => return Err("can only join an iterable".to_owned()),
    };
    Ok(Some(joined))
}

/// The serializer's view of the fields.
fn attributes(
    ifos: &str,
    values: &Map<String, Value>,
    channels: Option<&str>,
    scores: Option<Map<String, Value>>,
) -> Map<String, Value> {
    let scores = scores.unwrap_or_else(|| {
        SCORES
            .iter()
            .map(|(name, _)| ((*name).to_owned(), Value::Null))
            .collect()
    });
    MLY_BURST_ATTRIBUTES
        .iter()
        .map(|key| {
            let v = match *key {
                "ifos" => json!(ifos),
                "channels" => channels
                    .filter(|c| !c.is_empty())
                    .map_or(Value::Null, |c| json!(c.split(',').collect::<Vec<_>>())),
                "scores" => Value::Object(scores.clone()),
                other => values.get(other).cloned().unwrap_or(Value::Null),
            };
            ((*key).to_owned(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../../../tests/data/events/mly.json");

    fn parse_bytes(bytes: &[u8]) -> Parsed {
        let upload = Upload {
            pipeline: "aframe",
            search: None,
            fields: &[],
        };
        parse(&upload, bytes).unwrap()
    }

    #[test]
    fn fixture() {
        let p = parse_bytes(FIXTURE);
        assert_eq!(p.warnings, Vec::<String>::new());
        assert_eq!(p.gpstime, Some(1_402_345_678.812_5));
        assert_eq!(p.far, Some(7.5e-10));
        assert_eq!(p.instruments, "H1,L1");
        assert_eq!((p.nevents, p.likelihood), (None, None));
        let a = p.extra_attributes["MLyBurst"].as_object().unwrap();
        let keys: Vec<&str> = a.keys().map(String::as_str).collect();
        assert_eq!(keys, MLY_BURST_ATTRIBUTES);
        assert_eq!(a["ifos"], "H1,L1");
        assert_eq!(a["central_freq"], 140.25);
        assert_eq!(a["bandwidth"], 60.0);
        assert_eq!(a["duration"], 0.5);
        assert_eq!(a["central_time"], 1_402_345_678.8);
        assert_eq!(a["detection_statistic"], 17.5);
        assert_eq!(a["SNR"], 11.5);
        assert_eq!(a["bbh"], 0.875);
        assert_eq!(a["sglf"], Value::Null);
        assert_eq!(
            a["channels"],
            json!(["H1:GDS-CALIB_STRAIN", "L1:GDS-CALIB_STRAIN"])
        );
        assert_eq!(
            a["scores"],
            json!({"coherency": 0.75, "coincidence": 0.5, "combined": 0.625})
        );
    }

    #[test]
    fn channels_in_all_their_forms() {
        let ch = |v: Value| channels(Some(&v));
        assert_eq!(ch(json!(["A:x", "B:y"])), Ok(Some("A:x,B:y".into())));
        assert_eq!(ch(json!("[\"A:x\", \"B:y\"]")), Ok(Some("A:x,B:y".into())));
        assert_eq!(ch(json!("['A:x', 'B:y']")), Ok(Some("A:x,B:y".into())));
        assert_eq!(ch(json!("not a list")), Ok(None));
        assert_eq!(ch(json!([])), Ok(None));
        assert_eq!(ch(json!("\"ab\"")), Ok(Some("a,b".into())));
        assert_eq!(
            ch(json!(["A", 1])),
            Err("sequence item 1: expected str instance, int found".into())
        );
        assert_eq!(ch(json!("5")), Err("can only join an iterable".into()));
    }

    #[test]
    fn unreadable_uploads_create_the_event_with_a_warning() {
        for (bytes, message) in [
            (&br#"{"gpstime": 5}"#[..], "violates not-null constraint"),
            (br#"{"ifos": "H1", "mchirp": "heavy"}"#, "'heavy'"),
            (br#"{"ifos": "H1", "scores": {"combined": "x"}}"#, "'x'"),
            (br#"{"ifos": "H1", "channels": [1]}"#, "sequence item 0"),
            (b"{}", "not-null"),
            (b"\"text\"", "'str' object has no attribute 'get'"),
        ] {
            let p = parse_bytes(bytes);
            assert_eq!(p.warnings.len(), 1);
            assert!(
                p.warnings[0].contains(message),
                "{bytes:?}: {:?}",
                p.warnings
            );
            assert_eq!((p.gpstime, p.far), (None, None));
            let a = p.extra_attributes["MLyBurst"].as_object().unwrap();
            assert_eq!(a["ifos"], "");
            assert_eq!(a["channels"], Value::Null);
            assert_eq!(
                a["scores"],
                json!({"coherency": null, "coincidence": null, "combined": null})
            );
        }
    }

    #[test]
    fn scores_that_are_not_an_object_are_ignored() {
        let p = parse_bytes(br#"{"ifos": "V1", "scores": [1, 2]}"#);
        assert!(p.warnings.is_empty());
        let a = p.extra_attributes["MLyBurst"].as_object().unwrap();
        assert_eq!(a["scores"]["combined"], Value::Null);
    }
}
