//! External triggers as GCN Kafka JSON notices, read by `populateGrbEventFromKafkaFile` in
//! `gracedb/events/translator.py` (2.33.1 @ `414b01ce`, the first version that has it): for
//! the external pipelines the translator tries this first and reads a VOEvent
//! ([`super::voevent`]) only when the upload is not JSON.
//!
//! What the server does: `gpstime` from `trigger_time` (ISO 8601, UTC) or else `jd` (a
//! Julian date); `ra`, `dec`; `error_radius` from the first of `dec_uncertainty`,
//! `ra_uncertainty`, `ra_dec_error` present (the first item of a list);
//! `how_description = "<pipeline> Satellite[, <instrument> Instrument]"`; `ivorn` as given or
//! `ivo://nasa.gsfc.gcn/<pipeline>[/<instrument>]`; `author_shortname = <pipeline>`;
//! `author_ivorn = ivo://nasa.gsfc.tan/gcn`; `how_reference_url = data_archive_page`;
//! `trigger_duration` from the first of `rate_duration`, `image_duration` present (kept if
//! truthy); `trigger_id` from the last of `id`, `objectId` present (a list joined by `_`);
//! `far`; and the fixed `observatory_location_id = GEOLUN`, `coord_system = UTC-FK5-GEO`.
//!
//! Not verifiable from the mirror: `isoToGpsFloat` and `jdToGpsFloat` of the 2.33.1
//! `core/time_utils.py` (the older `isoToGpsFloat` read would reject the `Z` GCN notices
//! end their times with). The sandbox reads `trigger_time` as ISO 8601 with an optional zone
//! and `jd` as a UTC Julian date.
//!
//! Bad input: like the server, a notice it cannot read still creates the event: 201, null
//! values, null `GRB` attributes, and the warning `Problem scanning data. No alert issued (…)`.

use serde_json::Value;

use super::columns;
use super::python::{INDEX_ERROR, as_dict, load_json_bytes, n_float, str_of, truthy, type_name};
use super::voevent::{External, Grb, TimeScale, iso_to_gps, parse_iso8601, unreadable};
use super::{Parsed, Upload};
use crate::gps::{unix_to_utc, utc_to_gps};

/// Keys holding the position error, in the translator's order.
pub const ERROR_KEYS: &[&str] = &["dec_uncertainty", "ra_uncertainty", "ra_dec_error"];
/// Keys holding the trigger duration, in the translator's order.
pub const DURATION_KEYS: &[&str] = &["rate_duration", "image_duration"];
/// Keys holding the trigger id; the last one present wins.
pub const ID_KEYS: &[&str] = &["id", "objectId"];

/// Julian date of the Unix epoch.
const JD_UNIX_EPOCH: f64 = 2_440_587.5;

/// Parses a GCN Kafka JSON notice.
pub fn parse(upload: &Upload<'_>, bytes: &[u8]) -> Result<Parsed, String> {
    Ok(read(upload.pipeline, bytes)
        .and_then(External::into_parsed)
        .unwrap_or_else(|message| unreadable(&message)))
}

fn read(pipeline: &str, bytes: &[u8]) -> Result<External, String> {
    let doc = load_json_bytes(bytes).map_err(|e| e.message().to_owned())?;
    let v = as_dict(&doc)?;
    let gpstime = match (v.get("trigger_time"), v.get("jd")) {
        (Some(t), _) if !t.is_null() => iso_time(t)?,
        (_, Some(jd)) if !jd.is_null() => Some(julian_date(jd)?),
        _ => {
            return Err(
                "cannot access local variable 'gpstime' where it is not associated with a value"
                    .to_owned(),
            );
        }
    };
    let error = match ERROR_KEYS.iter().find_map(|k| v.get(*k)) {
        Some(Value::Array(items)) => Some(items.first().ok_or(INDEX_ERROR)?),
        other => other,
    };
    let instrument = v.get("instrument").filter(|i| !i.is_null());
    let mut how_description = format!("{pipeline} Satellite");
    if let Some(i) = instrument.filter(|i| truthy(i)) {
        how_description.push_str(&format!(", {} Instrument", str_of(i)));
    }
    let ivorn = match v.get("ivorn").filter(|i| !i.is_null()) {
        Some(i) => str_of(i),
        None => match instrument {
            Some(i) => format!("ivo://nasa.gsfc.gcn/{pipeline}/{}", str_of(i)),
            None => format!("ivo://nasa.gsfc.gcn/{pipeline}"),
        },
    };
    let duration = DURATION_KEYS
        .iter()
        .find_map(|k| v.get(*k))
        .filter(|d| truthy(d));
    let trigger_id = match ID_KEYS.iter().filter_map(|k| v.get(*k)).next_back() {
        Some(Value::Array(items)) => Some(items.iter().map(str_of).collect::<Vec<_>>().join("_")),
        other => columns::char_field(other),
    };
    // event.save()
    Ok(External {
        gpstime,
        far: columns::float_field("far", v.get("far"))?,
        grb: Grb {
            ivorn: Some(ivorn),
            author_ivorn: Some("ivo://nasa.gsfc.tan/gcn".to_owned()),
            author_shortname: Some(pipeline.to_owned()),
            observatory_location_id: Some("GEOLUN".to_owned()),
            coord_system: Some("UTC-FK5-GEO".to_owned()),
            ra: columns::float_field("ra", v.get("ra"))?,
            dec: columns::float_field("dec", v.get("dec"))?,
            error_radius: columns::float_field("error_radius", error)?,
            how_description: Some(how_description),
            how_reference_url: columns::char_field(v.get("data_archive_page")),
            trigger_duration: columns::float_field("trigger_duration", duration)?,
            trigger_id,
            ..Grb::default()
        },
    })
}

/// `isoToGpsFloat(trigger_time)`: a falsy value gives no time.
fn iso_time(t: &Value) -> Result<Option<f64>, String> {
    if !truthy(t) {
        return Ok(None);
    }
    let Value::String(s) = t else {
        return Err(format!(
            "'{}' object has no attribute 'strip'",
            type_name(t)
        ));
    };
    iso_to_gps(&parse_iso8601(s.trim())?, TimeScale::Utc).map(Some)
}

/// `jdToGpsFloat(jd)`: a Julian date in UTC.
fn julian_date(jd: &Value) -> Result<f64, String> {
    let jd = n_float(Some(jd))?.unwrap_or(f64::NAN);
    let unix = (jd - JD_UNIX_EPOCH) * 86_400.0;
    // Years 1 to 9999, as Python's datetime allows.
    if !(-62_135_596_800.0..253_402_300_800.0).contains(&unix) {
        return Err("date value out of range".to_owned());
    }
    let seconds = unix.floor();
    Ok(utc_to_gps(unix_to_utc(seconds as i64)) + (unix - seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    const FIXTURE: &[u8] = include_bytes!("../../../tests/data/events/gcn-notice.json");

    fn parse_bytes(pipeline: &str, bytes: &[u8]) -> Parsed {
        let upload = Upload {
            pipeline,
            search: None,
            fields: &[],
        };
        parse(&upload, bytes).unwrap()
    }

    fn grb(p: &Parsed) -> &Map<String, Value> {
        p.extra_attributes["GRB"].as_object().unwrap()
    }

    #[test]
    fn fixture() {
        let p = parse_bytes("SVOM", FIXTURE);
        assert_eq!(p.warnings, Vec::<String>::new());
        // 2024-04-18T02:38:50.5Z, 18 leap seconds.
        assert_eq!(p.gpstime, Some(1_397_443_148.5));
        assert_eq!(p.far, Some(1e-6));
        let g = grb(&p);
        assert_eq!(g["ivorn"], "ivo://nasa.gsfc.gcn/SVOM/ECLAIRs");
        assert_eq!(g["author_ivorn"], "ivo://nasa.gsfc.tan/gcn");
        assert_eq!(g["author_shortname"], "SVOM");
        assert_eq!(g["observatory_location_id"], "GEOLUN");
        assert_eq!(g["coord_system"], "UTC-FK5-GEO");
        assert_eq!(g["ra"], 210.25);
        assert_eq!(g["dec"], 33.5);
        assert_eq!(g["error_radius"], 0.125);
        assert_eq!(g["how_description"], "SVOM Satellite, ECLAIRs Instrument");
        assert_eq!(g["how_reference_url"], "https://example.org/archive/1");
        assert_eq!(g["trigger_duration"], 4.0);
        assert_eq!(g["trigger_id"], "sb24041801_7");
    }

    #[test]
    fn julian_dates_and_defaults() {
        let p = parse_bytes("Fermi", br#"{"jd": 2451545.0}"#);
        // 2000-01-01T12:00:00 UTC: 13 leap seconds.
        assert_eq!(p.gpstime, Some(630_763_213.0));
        let g = grb(&p);
        assert_eq!(g["ivorn"], "ivo://nasa.gsfc.gcn/Fermi");
        assert_eq!(g["how_description"], "Fermi Satellite");
        assert_eq!(g["trigger_duration"], Value::Null);
        assert_eq!(g["error_radius"], Value::Null);
        // An empty trigger_time is no time at all.
        assert_eq!(
            parse_bytes("Fermi", br#"{"trigger_time": ""}"#).gpstime,
            None
        );
    }

    #[test]
    fn unreadable_notices_create_the_event_with_a_warning() {
        for (bytes, message) in [
            (
                &br#"{"ra": 1}"#[..],
                "cannot access local variable 'gpstime'",
            ),
            (
                br#"{"trigger_time": 5}"#,
                "'int' object has no attribute 'strip'",
            ),
            (
                br#"{"trigger_time": "soon"}"#,
                "Unable to parse date string",
            ),
            (
                br#"{"jd": 2451545, "ra": "east"}"#,
                "Field 'ra' expected a number but got 'east'.",
            ),
            (
                br#"{"jd": 2451545, "ra_dec_error": []}"#,
                "list index out of range",
            ),
            (
                br#"{"jd": 2451545, "id": "x123456789012345678901234567"}"#,
                "character varying(25)",
            ),
            (b"[]", "'list' object has no attribute 'get'"),
            (b"\xff", "codec can't decode"),
        ] {
            let p = parse_bytes("Swift", bytes);
            assert_eq!(p.warnings.len(), 1);
            assert!(
                p.warnings[0].contains(message),
                "{bytes:?}: {:?}",
                p.warnings
            );
            assert_eq!((p.gpstime, p.far), (None, None));
            assert!(grb(&p).values().all(Value::is_null));
        }
    }
}
