//! What the GraceDB server extracts from a CBC pipeline's coinc upload, reproduced.
//!
//! Sources (public GraceDB server mirror `dwysocki/gracedb-server`):
//! * `gracedb/events/translator.py`, `handle_uploaded_data` (newest version read, the one with
//!   `PyGRB` and `unzip_or_open`): which tables are read, in which order, and the warnings;
//! * `gracedb/core/ligolw.py`, `GraceDBFlexibleContentHandler`: only the `coinc_inspiral`,
//!   `coinc_event` and `sngl_inspiral` tables are parsed;
//! * `gracedb/events/models.py`: `Event` (`gpstime` is a 16-digit, 6-decimal `DecimalField`),
//!   `CoincInspiralEvent` and `SingleInspiral` (field names and types);
//! * `gracedb/events/view_utils.py`, `eventToDict` and `singleInspiralToDict`: the JSON keys,
//!   their order, and that `SingleInspiral` items omit null fields.
//!
//! Non-finite reals become null here: the server would store them but could not render them
//! as JSON, and the one place it deliberately nulls them (`snr`, `eff_distance`) agrees.
//!
//! Deliberately more lenient than the server: it rejects the whole upload when one of its
//! three tables is named without the `:table` suffix or has a column python-ligo-lw does not
//! know (or of another type), and it stores nothing when `end_time`/`end_time_ns` is null;
//! here such files are read (with `gpstime` null in the last case).

use serde_json::{Map, Value as Json};

use super::decimal::round_like_gpstime_column;
use super::document::{Document, Table};
use super::error::LigoLwError;
use super::value::{Value, parse_c_integer};

/// How a GraceDB model field turns a cell into JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A nullable `CharField`.
    Text,
    /// A `CharField` that is never null: a missing or empty cell becomes `""`.
    TextOrEmpty,
    /// An `IntegerField` / `PositiveIntegerField`.
    Int,
    /// A `FloatField`; non-finite values become null.
    Real,
}

/// The `CoincInspiral` extra attributes, in the order `eventToDict` emits them
/// (gracedb/events/view_utils.py), with the field types of `CoincInspiralEvent`
/// (gracedb/events/models.py). Each is read from the `coinc_inspiral` column of that name.
pub const COINC_INSPIRAL_ATTRIBUTES: &[(&str, FieldKind)] = &[
    ("ifos", FieldKind::TextOrEmpty),
    ("end_time", FieldKind::Int),
    ("end_time_ns", FieldKind::Int),
    ("mass", FieldKind::Real),
    ("mchirp", FieldKind::Real),
    ("minimum_duration", FieldKind::Real),
    ("snr", FieldKind::Real),
    ("false_alarm_rate", FieldKind::Real),
    ("combined_far", FieldKind::Real),
];

/// The `SingleInspiral` fields: the `SingleInspiral` model fields (gracedb/events/models.py)
/// that are also `sngl_inspiral` columns in python-ligo-lw's `SnglInspiralTable.validcolumns`
/// (`SingleInspiral.field_names()`; all of them are). The server iterates a Python `set`, so
/// its key order is arbitrary and varies between server processes; model declaration order is
/// used here.
pub const SINGLE_INSPIRAL_COLUMNS: &[(&str, FieldKind)] = &[
    ("ifo", FieldKind::Text),
    ("search", FieldKind::Text),
    ("channel", FieldKind::TextOrEmpty),
    ("end_time", FieldKind::Int),
    ("end_time_ns", FieldKind::Int),
    ("end_time_gmst", FieldKind::Real),
    ("impulse_time", FieldKind::Int),
    ("impulse_time_ns", FieldKind::Int),
    ("template_duration", FieldKind::Real),
    ("event_duration", FieldKind::Real),
    ("amplitude", FieldKind::Real),
    ("eff_distance", FieldKind::Real),
    ("coa_phase", FieldKind::Real),
    ("mass1", FieldKind::Real),
    ("mass2", FieldKind::Real),
    ("mchirp", FieldKind::Real),
    ("mtotal", FieldKind::Real),
    ("eta", FieldKind::Real),
    ("kappa", FieldKind::Real),
    ("chi", FieldKind::Real),
    ("tau0", FieldKind::Real),
    ("tau2", FieldKind::Real),
    ("tau3", FieldKind::Real),
    ("tau4", FieldKind::Real),
    ("tau5", FieldKind::Real),
    ("ttotal", FieldKind::Real),
    ("psi0", FieldKind::Real),
    ("psi3", FieldKind::Real),
    ("alpha", FieldKind::Real),
    ("alpha1", FieldKind::Real),
    ("alpha2", FieldKind::Real),
    ("alpha3", FieldKind::Real),
    ("alpha4", FieldKind::Real),
    ("alpha5", FieldKind::Real),
    ("alpha6", FieldKind::Real),
    ("beta", FieldKind::Real),
    ("f_final", FieldKind::Real),
    ("snr", FieldKind::Real),
    ("chisq", FieldKind::Real),
    ("chisq_dof", FieldKind::Int),
    ("bank_chisq", FieldKind::Real),
    ("bank_chisq_dof", FieldKind::Int),
    ("cont_chisq", FieldKind::Real),
    ("cont_chisq_dof", FieldKind::Int),
    ("sigmasq", FieldKind::Real),
    ("rsqveto_duration", FieldKind::Real),
    ("Gamma0", FieldKind::Real),
    ("Gamma1", FieldKind::Real),
    ("Gamma2", FieldKind::Real),
    ("Gamma3", FieldKind::Real),
    ("Gamma4", FieldKind::Real),
    ("Gamma5", FieldKind::Real),
    ("Gamma6", FieldKind::Real),
    ("Gamma7", FieldKind::Real),
    ("Gamma8", FieldKind::Real),
    ("Gamma9", FieldKind::Real),
    ("spin1x", FieldKind::Real),
    ("spin1y", FieldKind::Real),
    ("spin1z", FieldKind::Real),
    ("spin2x", FieldKind::Real),
    ("spin2y", FieldKind::Real),
    ("spin2z", FieldKind::Real),
];

const COINC_INSPIRAL: &str = "coinc_inspiral";
const COINC_EVENT: &str = "coinc_event";
const SNGL_INSPIRAL: &str = "sngl_inspiral";

const NO_COINC_INSPIRAL: &str = "Could not extract coinc inspiral table.";
const NO_COINC_EVENT: &str = "Could not extract coinc event table.";
/// The server does not catch this one: its view reports the exception with this prefix.
const NO_SNGL_INSPIRAL: &str = "Problem scanning data. No alert issued \
     (document must contain exactly one sngl_inspiral table)";

/// The event fields GraceDB fills from a CBC coinc upload.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CbcEvent {
    /// `coinc_inspiral.end_time + end_time_ns / 1e9`, rounded as the 6-decimal database
    /// column stores it; `None` without a usable `coinc_inspiral` / `coinc_event` table.
    pub gpstime: Option<f64>,
    /// `coinc_inspiral.combined_far`.
    pub far: Option<f64>,
    /// `coinc_inspiral.ifos` verbatim (e.g. `"H1,L1"`); `""` when unknown, as on the server.
    pub instruments: String,
    /// `coinc_event.likelihood` as read, possibly ±infinity: the server replaces an infinite
    /// likelihood with `SELECT MAX(likelihood) FROM events_event`, which only the store can
    /// answer; see [`CbcEvent::likelihood_for_storage`]. NaN is `None`.
    pub likelihood: Option<f64>,
    /// `coinc_event.nevents`.
    pub nevents: Option<i64>,
    /// The `CoincInspiral` extra attributes (keys of [`COINC_INSPIRAL_ATTRIBUTES`], in that
    /// order, absent or non-finite values null). `None` when the server leaves the
    /// `CoincInspiralEvent` fields at their defaults; it still shows the dict then, as
    /// [`empty_coinc_inspiral`] builds it.
    pub coinc_inspiral: Option<Map<String, Json>>,
    /// One `SingleInspiral` per `sngl_inspiral` row, in table order, with only the non-null
    /// fields of [`SINGLE_INSPIRAL_COLUMNS`], in that order.
    pub single_inspirals: Vec<Map<String, Json>>,
    /// The server's warnings for this upload, verbatim: `Could not extract coinc inspiral
    /// table.`, `Could not extract coinc event table.`, or `Problem scanning data. No alert
    /// issued (…)`; after the last one the server issues no alert and applies no labels.
    pub warnings: Vec<String>,
}

impl CbcEvent {
    /// The likelihood the server stores: an infinite one is replaced by the largest
    /// likelihood already stored (`column_max`, `None` when no event has one).
    pub fn likelihood_for_storage(&self, column_max: Option<f64>) -> Option<f64> {
        match self.likelihood {
            Some(l) if l.is_infinite() => column_max,
            other => other,
        }
    }
}

/// The `CoincInspiral` dict of an event whose upload yielded nothing: `ifos` `""`, the rest
/// null.
pub fn empty_coinc_inspiral() -> Map<String, Json> {
    COINC_INSPIRAL_ATTRIBUTES
        .iter()
        .map(|&(name, kind)| (name.to_owned(), field_json(kind, None)))
        .collect()
}

/// Reads a coinc upload (plain or gzipped LIGO_LW XML) as the GraceDB server does for the
/// `gstlal`, `spiir`, `pycbc`, `MBTA`, `MBTAOnline` and `PyGRB` pipelines.
///
/// An `Err` is a document the server cannot read at all (it logs `Could not read data (…)`);
/// missing tables are not errors but warnings in the result, as on the server.
pub fn parse_cbc(bytes: &[u8]) -> Result<CbcEvent, LigoLwError> {
    let doc = Document::parse_only(bytes, &[COINC_INSPIRAL, COINC_EVENT, SNGL_INSPIRAL])?;
    let mut event = CbcEvent::default();

    // The server reads coinc_inspiral, then coinc_event, and saves nothing until both exist.
    let Some(coinc) = first_row_of_only_table(&doc, COINC_INSPIRAL) else {
        event.warnings.push(NO_COINC_INSPIRAL.to_owned());
        return Ok(event);
    };
    let Some(coinc_event) = first_row_of_only_table(&doc, COINC_EVENT) else {
        event.warnings.push(NO_COINC_EVENT.to_owned());
        return Ok(event);
    };

    let end_time = coinc.get("end_time").and_then(Value::as_f64);
    let end_time_ns = coinc.get("end_time_ns").and_then(Value::as_f64);
    event.gpstime = end_time
        .zip(end_time_ns)
        .and_then(|(s, ns)| round_like_gpstime_column(s + ns / 1e9));
    event.far = finite(coinc.get("combined_far").and_then(Value::as_f64));
    event.instruments = text_or_empty(coinc.get("ifos"));
    event.nevents = coinc_event.get("nevents").and_then(Value::as_i64);
    event.likelihood = coinc_event
        .get("likelihood")
        .and_then(Value::as_f64)
        .filter(|l| !l.is_nan());
    event.coinc_inspiral = Some(
        COINC_INSPIRAL_ATTRIBUTES
            .iter()
            .map(|&(name, kind)| (name.to_owned(), field_json(kind, coinc.get(name))))
            .collect(),
    );

    let mut sngl = doc.tables_named(SNGL_INSPIRAL);
    match (sngl.next(), sngl.next()) {
        (Some(table), None) => {
            event.single_inspirals = (0..table.rows.len())
                .map(|row| single_inspiral(&RowView { table, row }))
                .collect();
        }
        _ => event.warnings.push(NO_SNGL_INSPIRAL.to_owned()),
    }
    Ok(event)
}

/// One row of a table, addressed by column name.
struct RowView<'d> {
    table: &'d Table,
    row: usize,
}

impl RowView<'_> {
    fn get(&self, column: &str) -> Option<&Value> {
        self.table.value(self.row, column)
    }
}

/// Row 0 of the table, when the document has exactly one table of that name and it has a
/// row (python-ligo-lw's `get_table(...)[0]`).
fn first_row_of_only_table<'d>(doc: &'d Document, name: &'d str) -> Option<RowView<'d>> {
    let mut tables = doc.tables_named(name);
    match (tables.next(), tables.next()) {
        (Some(table), None) if !table.rows.is_empty() => Some(RowView { table, row: 0 }),
        _ => None,
    }
}

fn single_inspiral(row: &RowView<'_>) -> Map<String, Json> {
    SINGLE_INSPIRAL_COLUMNS
        .iter()
        .map(|&(name, kind)| (name.to_owned(), field_json(kind, row.get(name))))
        .filter(|(_, value)| !value.is_null())
        .collect()
}

/// Converts a cell (`None` when the column is absent) as the model field would store it.
fn field_json(kind: FieldKind, cell: Option<&Value>) -> Json {
    match kind {
        FieldKind::TextOrEmpty => Json::String(text_or_empty(cell)),
        FieldKind::Text => cell.and_then(text).map_or(Json::Null, Json::String),
        FieldKind::Int => cell.and_then(integer).map_or(Json::Null, Json::from),
        FieldKind::Real => finite(cell.and_then(real)).map_or(Json::Null, Json::from),
    }
}

fn text_or_empty(cell: Option<&Value>) -> String {
    cell.and_then(text).unwrap_or_default()
}

/// Text as a Django `CharField` would hold it (numbers in a text field become their digits).
fn text(cell: &Value) -> Option<String> {
    match cell {
        Value::Text(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Real(r) => Some(r.to_string()),
        Value::Null => None,
    }
}

fn integer(cell: &Value) -> Option<i64> {
    match cell {
        Value::Text(s) => parse_c_integer(s.trim()),
        other => other.as_i64(),
    }
}

fn real(cell: &Value) -> Option<f64> {
    match cell {
        Value::Text(s) => s.trim().parse().ok(),
        other => other.as_f64(),
    }
}

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;
    use serde_json::json;

    use super::*;

    const COINC: &[u8] = include_bytes!("../../workflows/data/coinc.xml");
    const PREFIXED: &[u8] = include_bytes!("../../tests/data/ligolw/coinc_prefixed.xml");
    const UNPREFIXED: &[u8] = include_bytes!("../../tests/data/ligolw/coinc_unprefixed.xml");
    const NO_COINC: &[u8] = include_bytes!("../../tests/data/ligolw/no_coinc_inspiral.xml");
    const TRUNCATED: &[u8] = include_bytes!("../../tests/data/ligolw/truncated.xml");

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// The fixture with one piece of text replaced (which must occur exactly once).
    fn edited(from: &str, to: &str) -> Vec<u8> {
        let text = std::str::from_utf8(COINC).unwrap();
        assert_eq!(text.matches(from).count(), 1, "{from:?}");
        text.replace(from, to).into_bytes()
    }

    fn keys(map: &Map<String, Json>) -> Vec<&str> {
        map.keys().map(String::as_str).collect()
    }

    #[test]
    fn fixture_event_fields() {
        let event = parse_cbc(COINC).unwrap();
        // 1400123456 + 789012645e-9, stored with 6 decimals (…7890126 rounds up).
        assert_eq!(event.gpstime, Some(1_400_123_456.789_013));
        assert_eq!(event.far, Some(1.208_763_542_987_455_3e-8));
        assert_eq!(event.instruments, "H1,L1");
        assert_eq!(event.likelihood, Some(21.394_728_119_264_53));
        assert_eq!(event.nevents, Some(2));
        assert!(event.warnings.is_empty(), "{:?}", event.warnings);
    }

    #[test]
    fn fixture_coinc_inspiral_matches_event_to_dict() {
        let event = parse_cbc(COINC).unwrap();
        let coinc = event.coinc_inspiral.unwrap();
        assert_eq!(
            keys(&coinc),
            [
                "ifos",
                "end_time",
                "end_time_ns",
                "mass",
                "mchirp",
                "minimum_duration",
                "snr",
                "false_alarm_rate",
                "combined_far"
            ]
        );
        assert_eq!(
            serde_json::to_string(&coinc).unwrap(),
            concat!(
                r#"{"ifos":"H1,L1","end_time":1400123456,"end_time_ns":789012645,"#,
                r#""mass":2.7532751,"mchirp":1.194913707627935,"minimum_duration":null,"#,
                r#""snr":14.584365515825953,"false_alarm_rate":3.357416814391745e-6,"#,
                r#""combined_far":1.2087635429874553e-8}"#
            )
        );
    }

    #[test]
    fn fixture_single_inspirals_keep_non_null_model_fields() {
        let event = parse_cbc(COINC).unwrap();
        let [h1, l1] = event.single_inspirals.as_slice() else {
            panic!("expected two rows: {:?}", event.single_inspirals);
        };
        assert_eq!(
            keys(h1),
            [
                "ifo",
                "channel",
                "end_time",
                "end_time_ns",
                "end_time_gmst",
                "template_duration",
                "eff_distance",
                "coa_phase",
                "mass1",
                "mass2",
                "mchirp",
                "mtotal",
                "eta",
                "f_final",
                "snr",
                "chisq",
                "chisq_dof",
                "sigmasq",
                "Gamma0",
                "Gamma1",
                "spin1x",
                "spin1y",
                "spin1z",
                "spin2x",
                "spin2y",
                "spin2z"
            ]
        );
        assert_eq!(h1["ifo"], json!("H1"));
        assert_eq!(h1["channel"], json!("GDS-CALIB_STRAIN_CLEAN"));
        assert_eq!(h1["end_time"], json!(1_400_123_456));
        assert_eq!(h1["end_time_ns"], json!(789_012_645));
        assert_eq!(h1["eff_distance"], json!(97.638214));
        assert_eq!(h1["snr"], json!(11.304571));
        assert_eq!(h1["chisq_dof"], json!(1));
        assert_eq!(h1["sigmasq"], json!(8_761_934.471_302_51));
        assert_eq!(h1["Gamma0"], json!(2_873_104.0));
        assert_eq!(h1["spin1x"], json!(0.0));
        assert_eq!(h1["spin2z"], json!(-0.0087431632));
        // NaN eff_distance is nulled, and null fields are left out.
        assert!(!l1.contains_key("eff_distance"));
        assert_eq!(l1.len(), h1.len() - 1);
        assert_eq!(l1["ifo"], json!("L1"));
        assert_eq!(l1["end_time_ns"], json!(791_534_201));
        assert_eq!(l1["snr"], json!(9.2146835));
        for absent in [
            "search",
            "bank_chisq",
            "bank_chisq_dof",
            "impulse_time",
            "event_id",
        ] {
            assert!(!h1.contains_key(absent), "{absent}");
        }
    }

    #[test]
    fn gzip_and_both_column_styles_read_the_same() {
        let plain = parse_cbc(COINC).unwrap();
        assert_eq!(parse_cbc(&gzip(COINC)).unwrap(), plain);
        assert_eq!(parse_cbc(PREFIXED).unwrap(), plain);
        assert_eq!(parse_cbc(&gzip(PREFIXED)).unwrap(), plain);
        assert_eq!(parse_cbc(UNPREFIXED).unwrap(), plain);
    }

    #[test]
    fn nan_values_become_null() {
        let bytes = edited(",,14.584365515825953", ",,nan");
        let event = parse_cbc(&bytes).unwrap();
        let coinc = event.coinc_inspiral.unwrap();
        assert_eq!(coinc["snr"], Json::Null);
        let bytes = edited("0,1.2087635429874553e-08,", "0,NaN,");
        let event = parse_cbc(&bytes).unwrap();
        assert_eq!(event.far, None);
        assert_eq!(event.coinc_inspiral.unwrap()["combined_far"], Json::Null);
    }

    #[test]
    fn infinite_likelihood_is_left_to_the_store() {
        let bytes = edited("21.394728119264532", "inf");
        let event = parse_cbc(&bytes).unwrap();
        assert_eq!(event.likelihood, Some(f64::INFINITY));
        assert_eq!(event.likelihood_for_storage(Some(42.5)), Some(42.5));
        assert_eq!(event.likelihood_for_storage(None), None);
        let event = parse_cbc(&edited("21.394728119264532", "-inf")).unwrap();
        assert_eq!(event.likelihood_for_storage(Some(42.5)), Some(42.5));
        let event = parse_cbc(COINC).unwrap();
        assert_eq!(
            event.likelihood_for_storage(Some(42.5)),
            Some(21.394_728_119_264_53)
        );
        let event = parse_cbc(&edited("21.394728119264532", "nan")).unwrap();
        assert_eq!(event.likelihood, None);
    }

    #[test]
    fn missing_coinc_inspiral_is_a_warning() {
        let event = parse_cbc(NO_COINC).unwrap();
        assert_eq!(
            event,
            CbcEvent {
                warnings: vec!["Could not extract coinc inspiral table.".to_owned()],
                ..CbcEvent::default()
            }
        );
        // An empty or repeated coinc_inspiral table is just as unusable to the server.
        let empty = edited(
            "0,1.2087635429874553e-08,1400123456,789012645,3.3574168143917452e-06,\"H1,L1\",2.7532751,1.194913707627935,,14.584365515825953",
            "",
        );
        assert_eq!(
            parse_cbc(&empty).unwrap().warnings,
            ["Could not extract coinc inspiral table."]
        );
        let text = std::str::from_utf8(COINC).unwrap();
        let start = text
            .find("\t<Table Name=\"coinc_inspiral:table\">")
            .unwrap();
        let end = text[start..].find("</Table>").unwrap() + start + "</Table>\n".len();
        let doubled = format!("{}{}", &text[..end], &text[start..]);
        assert_eq!(
            parse_cbc(doubled.as_bytes()).unwrap().warnings,
            ["Could not extract coinc inspiral table."]
        );
        assert_eq!(
            empty_coinc_inspiral(),
            json!({"ifos": "", "end_time": null, "end_time_ns": null, "mass": null, "mchirp": null,
                   "minimum_duration": null, "snr": null, "false_alarm_rate": null, "combined_far": null})
                .as_object()
                .cloned()
                .unwrap()
        );
    }

    #[test]
    fn missing_coinc_event_saves_nothing() {
        let bytes = edited(
            "<Table Name=\"coinc_event:table\">",
            "<Table Name=\"renamed_coinc_event:table\">",
        );
        let bytes = String::from_utf8(bytes)
            .unwrap()
            .replace("renamed_coinc_event", "not_coinc_event");
        let event = parse_cbc(bytes.as_bytes()).unwrap();
        assert_eq!(
            event,
            CbcEvent {
                warnings: vec!["Could not extract coinc event table.".to_owned()],
                ..CbcEvent::default()
            }
        );
    }

    #[test]
    fn missing_sngl_inspiral_keeps_the_event_fields() {
        let bytes = edited(
            "<Table Name=\"sngl_inspiral:table\">",
            "<Table Name=\"sngl_burst:table\">",
        );
        let event = parse_cbc(&bytes).unwrap();
        assert_eq!(event.gpstime, Some(1_400_123_456.789_013));
        assert!(event.coinc_inspiral.is_some());
        assert!(event.single_inspirals.is_empty());
        assert_eq!(
            event.warnings,
            [
                "Problem scanning data. No alert issued (document must contain exactly one sngl_inspiral table)"
            ]
        );
    }

    #[test]
    fn channel_is_never_null() {
        let bytes = edited("0,\"H1\",,\"GDS-CALIB_STRAIN_CLEAN\",", "0,\"H1\",,,");
        let event = parse_cbc(&bytes).unwrap();
        assert_eq!(event.single_inspirals[0]["channel"], json!(""));
        assert_eq!(
            event.single_inspirals[1]["channel"],
            json!("GDS-CALIB_STRAIN_CLEAN")
        );
    }

    #[test]
    fn malformed_uploads_name_the_fault() {
        assert_eq!(
            parse_cbc(TRUNCATED),
            Err(LigoLwError::Truncated {
                position: 5150,
                element: "Stream".into()
            })
        );
        let bad_number = edited(",9.2146835,", ",9.21.46835,");
        assert!(matches!(
            parse_cbc(&bad_number),
            Err(LigoLwError::BadNumber { ref table, row: 1, ref column, ref text, .. })
                if table == "sngl_inspiral" && column == "snr" && text == "9.21.46835"
        ));
        let unterminated = edited("\"H1,L1\",2.7532751", "\"H1,L1,2.7532751");
        assert!(matches!(
            parse_cbc(&unterminated),
            Err(LigoLwError::UnterminatedString { ref table, row: 0, ref column, .. })
                if table == "coinc_inspiral" && column == "ifos"
        ));
        let junk = edited("\"H1,L1\",2.7532751", "\"H1,L1\"x,2.7532751");
        assert!(matches!(
            parse_cbc(&junk),
            Err(LigoLwError::UnexpectedCharacter { ref table, row: 0, ref column, found: 'x', .. })
                if table == "coinc_inspiral" && column == "ifos"
        ));
        let unterminated = edited(",0,0,-0.0087431632,1\n", ",0,0,-0.0087431632,\"1\n");
        assert!(matches!(
            parse_cbc(&unterminated),
            Err(LigoLwError::UnterminatedString { ref table, row: 1, ref column, .. })
                if table == "sngl_inspiral" && column == "event_id"
        ));
        let short_row = edited(",-0.0087431632,1\n", ",-0.0087431632\n");
        assert!(matches!(
            parse_cbc(&short_row),
            Err(LigoLwError::IncompleteRow { ref table, row: 1, ref column, cells: 30, columns: 31 })
                if table == "sngl_inspiral" && column == "event_id"
        ));
        // Like the server, tables it does not read cannot spoil the upload.
        let odd_process = edited(",481532,", ",not-a-pid,");
        assert_eq!(parse_cbc(&odd_process), parse_cbc(COINC));
        assert!(Document::parse(&odd_process).is_err());
    }

    #[test]
    fn any_truncation_is_an_error_or_a_result_never_a_panic() {
        for end in 0..COINC.len() {
            let _ = parse_cbc(&COINC[..end]);
        }
        let zipped = gzip(COINC);
        for end in (0..zipped.len()).step_by(97) {
            let _ = parse_cbc(&zipped[..end]);
        }
        // Flipped bytes, too.
        for at in (0..COINC.len()).step_by(97) {
            let mut bytes = COINC.to_vec();
            bytes[at] ^= 0x5a;
            let _ = parse_cbc(&bytes);
        }
    }
}
