//! Hardware injections (`HardwareInjection`): the form fields `_createEventFromForm` reads
//! (`gracedb/events/view_logic.py`) and the file, read by the `HardwareInjection` branch of
//! `handle_uploaded_data` (`gracedb/events/translator.py` 2.33.1 @ `414b01ce`): JSON first,
//! and LIGO_LW when `json.loads` raises `JSONDecodeError`.
//!
//! What the server does:
//! * before reading the file it saves the event with `instruments`, `source_channel` and
//!   `destination_channel` from the form, stored as sent (`""` stays `""`, an absent field
//!   is null). Which instruments field: the newest `view_logic.py` read (`015b7946`) takes
//!   `instrument` and falls back to `instruments`; the official client's tests say the v2 API
//!   reads only the plural, as the form the client sends. Here `instruments` is read first
//!   and `instrument` is the fallback, which agrees with both whenever one is sent;
//! * JSON: `far`, `gpstime`, `instruments` as given (they replace the form's instruments),
//!   `float()` of the real fields, `int()` of the integer fields, the text fields as given;
//! * LIGO_LW: row 0 of the one `sim_inspiral` table: `gpstime = geocent_end_time +
//!   geocent_end_time_ns / 1e9` and every `SimInspiralEvent` field that is a column there.
//!
//! Bad input:
//! * an `instruments` value longer than its column, or a channel longer than 50 characters,
//!   makes the first save fail: an error (the server answers 400 `Problem creating event`);
//! * no instruments field at all: the server's first save would store null in a `NOT NULL`
//!   column and answer 400; the sandbox stores `""` instead and creates the event (the
//!   sandbox's own tests create injections without the field, and a replacement upload, which
//!   never carries it, must not fail);
//! * a file it cannot read creates the event with the form's values, null file values, and
//!   the warning `Problem scanning data. No alert issued (…)`, as the server does.
//!
//! Known difference: in 2.33.1 the LIGO_LW fallback loads the file with
//! `GraceDBFlexibleContentHandler`, which keeps only the `coinc_inspiral`, `coinc_event` and
//! `sngl_inspiral` tables (`gracedb/core/ligolw.py`), so the real server never finds the
//! `sim_inspiral` table and answers with the warning
//! `… (document must contain exactly one sim_inspiral table)`. The sandbox reads the table,
//! as every earlier version did.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::columns::{self, INSTRUMENTS_MAX};
use super::python::{
    INDEX_ERROR, JsonFailure, as_dict, float_from_str, float_repr, int_from_str, int_of_float,
    load_json_text, n_float, n_int, scan_warning,
};
use super::{Parsed, Upload, extra, integer, number};
use crate::ligolw::{Document, Value as Cell};

/// How a `SimInspiralEvent` field is stored (`gracedb/events/models.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `FloatField`.
    Real,
    /// `IntegerField`.
    Int,
    /// `CharField(max_length=50, default="")`, read from the file.
    Text,
    /// `CharField(max_length=50, null=True)`, read from the form.
    Channel,
}

/// The `SimInspiral` extra attributes in the order `eventToDict` emits them
/// (`gracedb/events/view_utils.py` @ `0111ef95`), with their field kinds. The DRF serializer
/// (`gracedb/api/v1/events/serializers.py` @ `22dfbb81`) adds `amplitude`, `tau`, `phi` and
/// `freq` in another order; the sandbox renders events as `eventToDict` does.
pub const SIM_INSPIRAL_ATTRIBUTES: &[(&str, FieldKind)] = &[
    ("source_channel", FieldKind::Channel),
    ("destination_channel", FieldKind::Channel),
    ("mass1", FieldKind::Real),
    ("mass2", FieldKind::Real),
    ("eta", FieldKind::Real),
    ("mchirp", FieldKind::Real),
    ("amp_order", FieldKind::Int),
    ("coa_phase", FieldKind::Real),
    ("spin1y", FieldKind::Real),
    ("spin1x", FieldKind::Real),
    ("spin1z", FieldKind::Real),
    ("spin2x", FieldKind::Real),
    ("spin2y", FieldKind::Real),
    ("spin2z", FieldKind::Real),
    ("geocent_end_time", FieldKind::Int),
    ("geocent_end_time_ns", FieldKind::Int),
    ("end_time_gmst", FieldKind::Real),
    ("f_lower", FieldKind::Real),
    ("f_final", FieldKind::Real),
    ("distance", FieldKind::Real),
    ("latitude", FieldKind::Real),
    ("longitude", FieldKind::Real),
    ("polarization", FieldKind::Real),
    ("inclination", FieldKind::Real),
    ("theta0", FieldKind::Real),
    ("phi0", FieldKind::Real),
    ("waveform", FieldKind::Text),
    ("numrel_mode_min", FieldKind::Int),
    ("numrel_mode_max", FieldKind::Int),
    ("numrel_data", FieldKind::Text),
    ("source", FieldKind::Text),
    ("taper", FieldKind::Text),
    ("bandpass", FieldKind::Int),
    ("alpha", FieldKind::Real),
    ("beta", FieldKind::Real),
    ("psi0", FieldKind::Real),
    ("psi3", FieldKind::Real),
    ("alpha1", FieldKind::Real),
    ("alpha2", FieldKind::Real),
    ("alpha3", FieldKind::Real),
    ("alpha4", FieldKind::Real),
    ("alpha5", FieldKind::Real),
    ("alpha6", FieldKind::Real),
    ("g_end_time", FieldKind::Int),
    ("g_end_time_ns", FieldKind::Int),
    ("h_end_time", FieldKind::Int),
    ("h_end_time_ns", FieldKind::Int),
    ("l_end_time", FieldKind::Int),
    ("l_end_time_ns", FieldKind::Int),
    ("t_end_time", FieldKind::Int),
    ("t_end_time_ns", FieldKind::Int),
    ("v_end_time", FieldKind::Int),
    ("v_end_time_ns", FieldKind::Int),
    ("eff_dist_g", FieldKind::Real),
    ("eff_dist_h", FieldKind::Real),
    ("eff_dist_l", FieldKind::Real),
    ("eff_dist_t", FieldKind::Real),
    ("eff_dist_v", FieldKind::Real),
];

/// Length of the `CharField`s of `SimInspiralEvent`.
const TEXT_MAX: usize = 50;

/// A field's stored value.
#[derive(Debug, Clone, PartialEq)]
enum Stored {
    Real(Option<f64>),
    Int(Option<i64>),
    Text(Option<String>),
}

impl Stored {
    fn to_json(&self) -> Value {
        match self {
            Stored::Real(x) => number(*x),
            Stored::Int(i) => integer(*i),
            Stored::Text(t) => t.as_deref().map_or(Value::Null, Value::from),
        }
    }
}

/// The fields read from the file, by name.
type Fields = HashMap<&'static str, Stored>;

/// What the form gives before the file is read.
struct Form<'a> {
    instruments: Option<&'a str>,
    source_channel: Option<&'a str>,
    destination_channel: Option<&'a str>,
}

/// Parses a hardware-injection upload with its form fields.
pub fn parse(upload: &Upload<'_>, bytes: &[u8]) -> Result<Parsed, String> {
    let form = Form {
        instruments: upload
            .field("instruments")
            .or_else(|| upload.field("instrument")),
        source_channel: upload.field("source_channel"),
        destination_channel: upload.field("destination_channel"),
    };
    // The first save, before the file is read.
    columns::varchar_opt(form.instruments, INSTRUMENTS_MAX)?;
    columns::varchar_opt(form.source_channel, TEXT_MAX)?;
    columns::varchar_opt(form.destination_channel, TEXT_MAX)?;
    let saved = Parsed {
        instruments: form.instruments.unwrap_or_default().to_owned(),
        extra_attributes: extra("SimInspiral", attributes(&form, &Fields::new())),
        ..Parsed::default()
    };
    Ok(match read(bytes) {
        Ok(file) => Parsed {
            gpstime: file.gpstime,
            far: file.far,
            instruments: file.instruments.unwrap_or(saved.instruments),
            extra_attributes: extra("SimInspiral", attributes(&form, &file.fields)),
            ..Parsed::default()
        },
        Err(message) => Parsed {
            warnings: vec![scan_warning(&message)],
            ..saved
        },
    })
}

/// What the file sets.
struct FromFile {
    gpstime: Option<f64>,
    far: Option<f64>,
    /// Set by JSON uploads only.
    instruments: Option<String>,
    fields: Fields,
}

fn read(bytes: &[u8]) -> Result<FromFile, String> {
    match load_json_text(bytes) {
        Ok(doc) => read_json(&doc),
        Err(JsonFailure::Decode(_)) => read_ligolw(bytes),
        Err(JsonFailure::Other(message)) => Err(message),
    }
}

fn read_json(doc: &Value) -> Result<FromFile, String> {
    let d = as_dict(doc)?;
    let mut fields = Fields::new();
    // The translator converts reals, then integers, then takes the text fields as given.
    for wanted in [FieldKind::Real, FieldKind::Int, FieldKind::Text] {
        for (name, kind) in SIM_INSPIRAL_ATTRIBUTES.iter().filter(|(_, k)| *k == wanted) {
            let v = d.get(*name);
            let stored = match kind {
                FieldKind::Real => Stored::Real(n_float(v)?),
                FieldKind::Int => Stored::Int(n_int(v)?),
                _ => Stored::Text(columns::char_field(v)),
            };
            fields.insert(*name, stored);
        }
    }
    // event.save()
    let far = columns::float_field("far", d.get("far"))?;
    let gpstime = columns::gpstime_of(d.get("gpstime"))?;
    let instruments = columns::char_field(d.get("instruments"))
        .ok_or_else(|| columns::not_null("instruments"))?;
    columns::varchar(&instruments, INSTRUMENTS_MAX)?;
    check_fields(&fields)?;
    Ok(FromFile {
        gpstime,
        far,
        instruments: Some(instruments),
        fields,
    })
}

fn read_ligolw(bytes: &[u8]) -> Result<FromFile, String> {
    let doc = Document::parse_only(bytes, &["sim_inspiral"]).map_err(|e| e.to_string())?;
    let mut tables = doc.tables_named("sim_inspiral");
    let (Some(table), None) = (tables.next(), tables.next()) else {
        return Err("document must contain exactly one sim_inspiral table".to_owned());
    };
    if table.rows.is_empty() {
        return Err(INDEX_ERROR.to_owned());
    }
    let cell = |column: &str| {
        table
            .value(0, column)
            .ok_or_else(|| format!("'SimInspiral' object has no attribute '{column}'"))
    };
    let (seconds, nanoseconds) = (cell("geocent_end_time")?, cell("geocent_end_time_ns")?);
    let nanoseconds = match nanoseconds {
        Cell::Int(i) => *i as f64,
        Cell::Real(r) => *r,
        Cell::Text(t) => float_from_str(t)?,
        Cell::Null => {
            return Err(
                "float() argument must be a string or a real number, not 'NoneType'".to_owned(),
            );
        }
    };
    let seconds = seconds
        .as_f64()
        .ok_or_else(|| "unsupported operand type(s) for +: 'NoneType' and 'float'".to_owned())?;
    let gpstime = seconds + nanoseconds / 1e9;

    let mut fields = Fields::new();
    for (name, kind) in SIM_INSPIRAL_ATTRIBUTES {
        if *kind == FieldKind::Channel {
            continue;
        }
        if let Some(cell) = table.value(0, name) {
            fields.insert(*name, stored_cell(name, *kind, cell)?);
        }
    }
    // event.save()
    let gpstime = columns::gpstime(Some(gpstime))?;
    check_fields(&fields)?;
    Ok(FromFile {
        gpstime,
        far: None,
        instruments: None,
        fields,
    })
}

/// A LIGO_LW cell stored in a field of `kind` (Django converts at save time).
fn stored_cell(name: &str, kind: FieldKind, cell: &Cell) -> Result<Stored, String> {
    let bad = |shown: String| format!("Field '{name}' expected a number but got {shown}.");
    Ok(match (kind, cell) {
        (_, Cell::Null) if kind == FieldKind::Text => Stored::Text(None),
        (_, Cell::Null) if kind == FieldKind::Int => Stored::Int(None),
        (_, Cell::Null) => Stored::Real(None),
        (FieldKind::Real, Cell::Int(i)) => Stored::Real(Some(*i as f64)),
        (FieldKind::Real, Cell::Real(r)) => Stored::Real(Some(*r)),
        (FieldKind::Real, Cell::Text(t)) => Stored::Real(Some(
            float_from_str(t).map_err(|_| bad(super::python::str_repr(t)))?,
        )),
        (FieldKind::Int, Cell::Int(i)) => Stored::Int(Some(*i)),
        (FieldKind::Int, Cell::Real(r)) => {
            Stored::Int(Some(int_of_float(*r).map_err(|_| bad(float_repr(*r)))?))
        }
        (FieldKind::Int, Cell::Text(t)) => Stored::Int(Some(
            int_from_str(t).map_err(|_| bad(super::python::str_repr(t)))?,
        )),
        (_, Cell::Text(t)) => Stored::Text(Some(t.clone())),
        (_, Cell::Int(i)) => Stored::Text(Some(i.to_string())),
        (_, Cell::Real(r)) => Stored::Text(Some(float_repr(*r))),
    })
}

/// The column limits of the `SimInspiralEvent` fields.
fn check_fields(fields: &Fields) -> Result<(), String> {
    for (name, _) in SIM_INSPIRAL_ATTRIBUTES {
        match fields.get(name) {
            Some(Stored::Int(i)) => {
                columns::integer(*i)?;
            }
            Some(Stored::Text(t)) => columns::varchar_opt(t.as_deref(), TEXT_MAX)?,
            _ => {}
        }
    }
    Ok(())
}

/// The attributes in `eventToDict` order: the form's channels, the file's fields, and the
/// model defaults (`""` for text, null otherwise) for the rest.
fn attributes(form: &Form<'_>, fields: &Fields) -> Map<String, Value> {
    SIM_INSPIRAL_ATTRIBUTES
        .iter()
        .map(|(name, kind)| {
            let v = match (kind, *name) {
                (FieldKind::Channel, "source_channel") => form.source_channel.into(),
                (FieldKind::Channel, _) => form.destination_channel.into(),
                _ => match fields.get(name) {
                    Some(stored) => stored.to_json(),
                    None if *kind == FieldKind::Text => Value::from(""),
                    None => Value::Null,
                },
            };
            ((*name).to_owned(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const XML: &[u8] = include_bytes!("../../../tests/data/events/sim-inspiral.xml");
    const JSON: &[u8] = include_bytes!("../../../tests/data/events/hardware-injection.json");

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn parse_with(form: &[(String, String)], bytes: &[u8]) -> Result<Parsed, String> {
        let upload = Upload {
            pipeline: "HardwareInjection",
            search: None,
            fields: form,
        };
        parse(&upload, bytes)
    }

    fn sim(p: &Parsed) -> &Map<String, Value> {
        p.extra_attributes["SimInspiral"].as_object().unwrap()
    }

    #[test]
    fn ligolw_row_zero_and_form_fields() {
        let form = fields(&[
            ("instruments", "L1"),
            ("source_channel", "L1:CAL-PINJX_TRANSIENT_OUT"),
            ("destination_channel", ""),
        ]);
        let p = parse_with(&form, XML).unwrap();
        assert_eq!(p.warnings, Vec::<String>::new());
        assert_eq!(p.instruments, "L1");
        assert_eq!(p.gpstime, Some(1_403_456_789.0 + 0.25));
        assert_eq!(p.far, None);
        let a = sim(&p);
        let keys: Vec<&str> = a.keys().map(String::as_str).collect();
        let expected: Vec<&str> = SIM_INSPIRAL_ATTRIBUTES.iter().map(|(n, _)| *n).collect();
        assert_eq!(keys, expected);
        assert_eq!(a["source_channel"], "L1:CAL-PINJX_TRANSIENT_OUT");
        assert_eq!(a["destination_channel"], "");
        assert_eq!(a["mass1"], 1.5);
        assert_eq!(a["mass2"], 1.25);
        assert_eq!(a["geocent_end_time"], 1_403_456_789);
        assert_eq!(a["geocent_end_time_ns"], 250_000_000);
        assert_eq!(a["distance"], 42.5);
        assert_eq!(a["waveform"], "IMRPhenomPv2pseudoFourPN");
        assert_eq!(a["amp_order"], -1);
        // An int_4s column read into a FloatField, a real_8 into an IntegerField.
        assert_eq!(a["f_lower"], 20.0);
        assert_eq!(a["bandpass"], 3);
        // Columns the file does not have keep the model defaults.
        assert_eq!(a["eff_dist_v"], Value::Null);
        assert_eq!(a["taper"], "");
    }

    #[test]
    fn json_upload() {
        let form = fields(&[("instrument", "H1")]);
        let p = parse_with(&form, JSON).unwrap();
        assert_eq!(p.warnings, Vec::<String>::new());
        // The file's instruments replace the form's.
        assert_eq!(p.instruments, "H1,L1");
        assert_eq!(p.gpstime, Some(1_404_567_890.5));
        assert_eq!(p.far, Some(1e-3));
        let a = sim(&p);
        assert_eq!(a["mass1"], 30.0);
        assert_eq!(a["mass2"], 25.5);
        assert_eq!(a["spin1z"], 0.25);
        assert_eq!(a["geocent_end_time"], 1_404_567_890);
        assert_eq!(a["numrel_mode_min"], 2);
        assert_eq!(a["waveform"], "SEOBNRv4");
        // Absent from the JSON: null, even for text fields.
        assert_eq!(a["taper"], Value::Null);
        assert_eq!(a["source_channel"], Value::Null);
    }

    #[test]
    fn instruments_field_spellings() {
        let xml = |form: &[(&str, &str)]| parse_with(&fields(form), XML).unwrap().instruments;
        assert_eq!(xml(&[("instruments", "H1")]), "H1");
        assert_eq!(xml(&[("instrument", "V1")]), "V1");
        assert_eq!(xml(&[("instrument", "V1"), ("instruments", "H1")]), "H1");
        assert_eq!(xml(&[]), "");
        assert!(parse_with(&fields(&[("instruments", &"H1,".repeat(8))]), XML).is_err());
        assert_eq!(
            parse_with(&fields(&[("source_channel", &"x".repeat(51))]), XML),
            Err("value too long for type character varying(50)".into())
        );
    }

    #[test]
    fn unreadable_files_keep_the_form_values() {
        let form = fields(&[("instruments", "H1"), ("source_channel", "src")]);
        for (bytes, message) in [
            (&b"<LIGO_LW/>"[..], "document must contain exactly one sim_inspiral table"),
            (b"<LIGO_LW><Table Name=\"sim_inspiral:table\"><Column Name=\"geocent_end_time\" Type=\"int_4s\"/><Stream Name=\"sim_inspiral:table\" Type=\"Local\" Delimiter=\",\"></Stream></Table></LIGO_LW>", "list index out of range"),
            (b"<LIGO_LW><Table Name=\"sim_inspiral:table\"><Column Name=\"geocent_end_time\" Type=\"int_4s\"/><Stream Name=\"sim_inspiral:table\" Type=\"Local\" Delimiter=\",\">5</Stream></Table></LIGO_LW>", "no attribute 'geocent_end_time_ns'"),
            (b"not xml, not json", ""),
            (b"\x1f\x8b\x08\x00", "codec can't decode"),
            (br#"{"gpstime": 5}"#, "violates not-null constraint"),
            (br#"{"instruments": "H1", "mass1": "heavy"}"#, "'heavy'"),
            (br#"{"instruments": "H1", "far": "x"}"#, "Field 'far' expected a number but got 'x'."),
            (br#"{"instruments": "H1", "gpstime": "soon"}"#, "value must be a decimal number"),
            (br#"{"instruments": "H1", "bandpass": 3000000000}"#, "integer out of range"),
            (br#"[]"#, "'list' object has no attribute 'get'"),
        ] {
            let p = parse_with(&form, bytes).unwrap();
            assert_eq!(p.warnings.len(), 1, "{bytes:?}");
            assert!(p.warnings[0].contains(message), "{bytes:?}: {:?}", p.warnings);
            assert_eq!(p.instruments, "H1");
            assert_eq!((p.gpstime, p.far), (None, None));
            let a = sim(&p);
            assert_eq!(a["source_channel"], "src");
            assert_eq!(a["destination_channel"], Value::Null);
            assert_eq!(a["mass1"], Value::Null);
            assert_eq!(a["waveform"], "");
        }
    }

    #[test]
    fn json_fields_convert_like_python() {
        let p = parse_with(
            &[],
            br#"{"instruments": "V1", "gpstime": "1000.25", "far": "2e-3", "amp_order": 2.9, "mass1": "7"}"#,
        )
        .unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!((p.gpstime, p.far), (Some(1000.25), Some(2e-3)));
        assert_eq!(sim(&p)["amp_order"], 2);
        assert_eq!(sim(&p)["mass1"], json!(7.0));
    }
}
