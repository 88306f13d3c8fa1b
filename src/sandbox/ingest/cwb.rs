//! cWB trigger files (`CWB`, `CWB2G`): `key: value value …` lines, read by `CwbData.readData`
//! and `CwbData.populateEvent` in `gracedb/events/translator.py` (newest version read,
//! 2.33.1 @ `414b01ce`, unchanged in this part since the May 2023 rewrite).
//!
//! What the server does:
//! * every line holding a `:` is a key (first word before the colon) and its values (the
//!   words after it); a later line with the same key replaces the earlier one;
//! * when the file lacks an `event_time` or a `far` key (every format before May 2023),
//!   `event_time` becomes `time[0]`, `mchirp` becomes `chirp[1]`, the CED and FITS links are
//!   the last lines starting with `http` (with `.fits` in them for the sky map), and `far` is
//!   the second number on the line after `#significance based on the last week` (1.0 if that
//!   line is unreadable), or, when that gives 0, the one after
//!   `#significance based on the last day` if that is positive;
//! * `gpstime = event_time[0]`, `likelihood`, `far`, `instruments` = the `ifo` values sorted
//!   and joined by `,`; the `MultiBurst` attributes as in [`MULTI_BURST_ATTRIBUTES`], among
//!   them `amplitude = rho[0]` and `snr = sqrt(likelihood)` (0 when that raises);
//! * it writes `event.log` ("Log File Created") and logs the CED and FITS links.
//!
//! Bad input: like the server, a file it cannot read (not UTF-8, a missing value, a word
//! that is not a number, a `start` time without exactly one `.`, a value too long for its
//! column) still creates the event: 201, null values, empty `MultiBurst` attributes, and the
//! warning `Problem scanning data. No alert issued (…)`; no `event.log` is written then.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::columns::{self, INSTRUMENTS_MAX};
use super::python::{
    INDEX_ERROR, decode_utf8, float_from_str, float_repr, int_from_str, read_lines, scan_warning,
};
use super::{Parsed, SideFile, Upload, extra, integer, number, text};

/// The `MultiBurst` extra attributes in the order `eventToDict` emits them
/// (`gracedb/events/view_utils.py` @ `0111ef95`, the newest `eventToDict` read). The DRF
/// `MultiBurstEventSerializer` (`gracedb/api/v1/events/serializers.py`) would add `strain`,
/// `mchirp`, `hoft` and `code` in another order; the sandbox renders events as
/// `eventToDict` does.
pub const MULTI_BURST_ATTRIBUTES: &[&str] = &[
    "ifos",
    "single_ifo_times",
    "start_time",
    "start_time_ns",
    "duration",
    "peak_time",
    "peak_time_ns",
    "central_freq",
    "bandwidth",
    "amplitude",
    "snr",
    "confidence",
    "false_alarm_rate",
    "ligo_axis_ra",
    "ligo_axis_dec",
    "ligo_angle",
    "ligo_angle_sig",
];

/// Database table of the `MultiBurstEvent` fields, for constraint messages.
const TABLE: &str = "events_multiburstevent";

/// Header of the line before the FAR measured over the last week.
const WEEK: &str = "#significance based on the last week";
/// Header of the line before the FAR measured over the last day (older files).
const DAY: &str = "#significance based on the last day";

/// The `MultiBurstEvent` fields (`gracedb/events/models.py`): `ifos` and
/// `single_ifo_times` are `CharField`s defaulting to `""`, the times `PositiveIntegerField`s,
/// the rest `FloatField`s.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MultiBurst {
    /// Sorted detectors joined by `,`.
    pub ifos: String,
    /// The `time` values in the order of `ifos`, joined by `,`.
    pub single_ifo_times: String,
    /// Integer part of `start[0]`.
    pub start_time: Option<i64>,
    /// Nanoseconds of `start[0]`.
    pub start_time_ns: Option<i64>,
    /// `duration[0]`.
    pub duration: Option<f64>,
    /// Integer part of `time[0]`.
    pub peak_time: Option<i64>,
    /// Nanoseconds of `time[0]`.
    pub peak_time_ns: Option<i64>,
    /// `frequency[0]`.
    pub central_freq: Option<f64>,
    /// `bandwidth[0]`.
    pub bandwidth: Option<f64>,
    /// `rho[0]`, the effective SNR.
    pub amplitude: Option<f64>,
    /// `sqrt(likelihood)`.
    pub snr: Option<f64>,
    /// Never set by the translator.
    pub confidence: Option<f64>,
    /// `far[0]`.
    pub false_alarm_rate: Option<f64>,
    /// `phi[2]`.
    pub ligo_axis_ra: Option<f64>,
    /// `theta[2]`.
    pub ligo_axis_dec: Option<f64>,
    /// Never set by the translator.
    pub ligo_angle: Option<f64>,
    /// Never set by the translator.
    pub ligo_angle_sig: Option<f64>,
}

impl MultiBurst {
    /// The attributes as `eventToDict` shows them, in [`MULTI_BURST_ATTRIBUTES`] order.
    pub fn to_json(&self) -> Map<String, Value> {
        let values = [
            text(Some(&self.ifos)),
            text(Some(&self.single_ifo_times)),
            integer(self.start_time),
            integer(self.start_time_ns),
            number(self.duration),
            integer(self.peak_time),
            integer(self.peak_time_ns),
            number(self.central_freq),
            number(self.bandwidth),
            number(self.amplitude),
            number(self.snr),
            number(self.confidence),
            number(self.false_alarm_rate),
            number(self.ligo_axis_ra),
            number(self.ligo_axis_dec),
            number(self.ligo_angle),
            number(self.ligo_angle_sig),
        ];
        MULTI_BURST_ATTRIBUTES
            .iter()
            .map(|k| (*k).to_owned())
            .zip(values)
            .collect()
    }
}

/// One value of the translator's `rawdata`: a word of the file, or a number it put there.
#[derive(Debug, Clone, PartialEq)]
enum Word {
    Text(String),
    Number(f64),
    None,
}

impl Word {
    /// `n_float(word)`.
    fn float(&self) -> Result<Option<f64>, String> {
        match self {
            Word::Text(s) => float_from_str(s).map(Some),
            Word::Number(x) => Ok(Some(*x)),
            Word::None => Ok(None),
        }
    }

    /// `str(word)`, as `%s` formats it.
    fn display(&self) -> String {
        match self {
            Word::Text(s) => s.clone(),
            Word::Number(x) => float_repr(*x),
            Word::None => "None".to_owned(),
        }
    }
}

type RawData = HashMap<String, Vec<Word>>;

/// `rawdata.get(key, [None])[n]`: `None` when the key is absent, `IndexError` when it has too
/// few values.
fn nth<'a>(raw: &'a RawData, key: &str, n: usize) -> Result<Option<&'a Word>, String> {
    match raw.get(key) {
        None => Ok(None),
        Some(words) => words.get(n).map(Some).ok_or_else(|| INDEX_ERROR.to_owned()),
    }
}

/// `n_float(rawdata.get(key, [None])[n])`.
fn float_at(raw: &RawData, key: &str, n: usize) -> Result<Option<f64>, String> {
    nth(raw, key, n)?.map_or(Ok(None), Word::float)
}

/// Everything `readData` and `populateEvent` produce.
#[derive(Debug, Clone, PartialEq)]
struct CwbEvent {
    gpstime: Option<f64>,
    likelihood: Option<f64>,
    far: Option<f64>,
    instruments: String,
    attributes: MultiBurst,
    ced_link: Option<String>,
    fits_link: Option<String>,
    event_log: String,
}

/// Parses a cWB upload.
pub fn parse(_upload: &Upload<'_>, bytes: &[u8]) -> Result<Parsed, String> {
    Ok(match read(bytes) {
        Ok(e) => Parsed {
            gpstime: e.gpstime,
            far: e.far,
            instruments: e.instruments,
            likelihood: e.likelihood,
            nevents: None,
            extra_attributes: extra("MultiBurst", e.attributes.to_json()),
            warnings: Vec::new(),
            side_files: vec![SideFile {
                name: "event.log",
                bytes: e.event_log.into_bytes(),
                comment: "Log File Created",
            }],
            logs: [
                e.ced_link
                    .map(|l| format!("<a href=\"{l}\">Coherent Event Display (CED)</a>")),
                e.fits_link
                    .map(|l| format!("<a href=\"{l}\">FITS skymap</a>")),
            ]
            .into_iter()
            .flatten()
            .collect(),
        },
        Err(message) => Parsed {
            extra_attributes: extra("MultiBurst", MultiBurst::default().to_json()),
            warnings: vec![scan_warning(&message)],
            ..Parsed::default()
        },
    })
}

/// `readData`, `populateEvent`, the save and `logData`, in the server's order; an `Err` is the
/// message of the first exception.
fn read(bytes: &[u8]) -> Result<CwbEvent, String> {
    let lines = read_lines(decode_utf8(bytes)?);
    let mut raw = RawData::new();
    for line in &lines {
        if let Some((key, values)) = line.split_once(':') {
            let key = key.split_whitespace().next().ok_or(INDEX_ERROR)?;
            let words = values.split_whitespace().map(|w| Word::Text(w.to_owned()));
            raw.insert(key.to_owned(), words.collect());
        }
    }
    if !raw.contains_key("event_time") || !raw.contains_key("far") {
        fall_back_to_old_format(&mut raw, &lines)?;
    }

    let likelihood = float_at(&raw, "likelihood", 0)?;
    let far = float_at(&raw, "far", 0)?;
    let ifos: Vec<&Word> = raw
        .get("ifo")
        .map(|w| w.iter().collect())
        .unwrap_or_default();
    let times: Vec<&Word> = raw
        .get("time")
        .map(|w| w.iter().collect())
        .unwrap_or_default();
    let mut pairs: Vec<(String, String)> = ifos
        .iter()
        .zip(&times)
        .map(|(i, t)| (i.display(), t.display()))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let single_ifo_times = pairs
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(",");
    let mut sorted_ifos: Vec<String> = ifos.iter().map(|w| w.display()).collect();
    sorted_ifos.sort();
    let instruments = sorted_ifos.join(",");
    let (start_time, start_time_ns) = split_time(nth(&raw, "start", 0)?)?;
    let (peak_time, peak_time_ns) = split_time(nth(&raw, "time", 0)?)?;
    let duration = float_at(&raw, "duration", 0)?;
    let _strain = float_at(&raw, "strain", 0)?;
    let central_freq = float_at(&raw, "frequency", 0)?;
    let bandwidth = float_at(&raw, "bandwidth", 0)?;
    let _mchirp = float_at(&raw, "mchirp", 0)?;
    let rho = float_at(&raw, "rho", 0)?;
    let false_alarm_rate = float_at(&raw, "far", 0)?;
    let ligo_axis_ra = float_at(&raw, "phi", 2)?;
    let ligo_axis_dec = float_at(&raw, "theta", 2)?;
    let _hoft = nth(&raw, "hoft", 0)?;
    let _code = nth(&raw, "code", 0)?;
    let gpstime = float_at(&raw, "event_time", 0)?;
    let link = |key: &str| -> Result<Option<String>, String> {
        Ok(match nth(&raw, key, 0)? {
            Some(Word::Text(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        })
    };
    let ced_link = link("ced_link")?;
    let fits_link = link("fits_skymap_link")?;

    let snr = match likelihood {
        Some(l) if l >= 0.0 || l.is_nan() => Some(l.sqrt()),
        _ => Some(0.0),
    };
    let attributes = MultiBurst {
        ifos: instruments.clone(),
        single_ifo_times,
        start_time,
        start_time_ns,
        duration,
        peak_time,
        peak_time_ns,
        central_freq,
        bandwidth,
        amplitude: rho,
        snr,
        confidence: None,
        false_alarm_rate,
        ligo_axis_ra,
        ligo_axis_dec,
        ligo_angle: None,
        ligo_angle_sig: None,
    };

    // event.save()
    let gpstime = columns::gpstime(gpstime)?;
    columns::varchar(&instruments, INSTRUMENTS_MAX)?;
    columns::varchar(&attributes.ifos, 20)?;
    columns::varchar(&attributes.single_ifo_times, 255)?;
    for (column, value) in [
        ("start_time", attributes.start_time),
        ("start_time_ns", attributes.start_time_ns),
        ("peak_time", attributes.peak_time),
        ("peak_time_ns", attributes.peak_time_ns),
    ] {
        columns::positive_integer(value, TABLE, column)?;
    }

    let event_log = event_log(&raw, gpstime, far, &instruments);
    Ok(CwbEvent {
        gpstime,
        likelihood,
        far,
        instruments,
        attributes,
        ced_link,
        fits_link,
        event_log,
    })
}

/// The translator's fallback for files without `event_time` and `far` keys.
fn fall_back_to_old_format(raw: &mut RawData, lines: &[String]) -> Result<(), String> {
    let mchirp = match raw.get("chirp") {
        None => Word::Number(0.0),
        Some(words) => words.get(1).cloned().ok_or(INDEX_ERROR)?,
    };
    let event_time = match raw.get("time") {
        None => Word::Number(0.0),
        Some(words) => words.first().cloned().ok_or(INDEX_ERROR)?,
    };
    raw.insert("mchirp".into(), vec![mchirp]);
    raw.insert("event_time".into(), vec![event_time]);
    let (mut fits, mut ced) = (Word::None, Word::None);
    for line in lines.iter().filter(|l| l.starts_with("http")) {
        if line.contains(".fits") {
            fits = Word::Text(line.clone());
        } else {
            ced = Word::Text(line.clone());
        }
    }
    raw.insert("fits_skymap_link".into(), vec![fits]);
    raw.insert("ced_link".into(), vec![ced]);

    let (mut far, mut far_day) = (0.0, 0.0);
    for (i, line) in lines.iter().enumerate() {
        let next_far = || {
            lines
                .get(i + 1)
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|w| float_from_str(w).ok())
                .unwrap_or(1.0)
        };
        if line.starts_with(WEEK) {
            far = next_far();
        }
        if line.starts_with(DAY) {
            far_day = next_far();
        }
    }
    // Very old files only have the FAR of the last day.
    if far == 0.0 && far_day > 0.0 {
        far = far_day;
    }
    raw.insert("far".into(), vec![Word::Number(far)]);
    raw.insert("far_day".into(), vec![Word::Number(far_day)]);
    Ok(())
}

/// A `seconds.fraction` time split into seconds and nanoseconds as the translator does
/// (`integer, frac = t.split('.')`, the fraction right-padded to nine digits).
fn split_time(word: Option<&Word>) -> Result<(Option<i64>, Option<i64>), String> {
    let Some(word) = word else {
        return Ok((None, None));
    };
    let text = word.display();
    let parts: Vec<&str> = text.split('.').collect();
    let [integer, frac] = parts[..] else {
        return Err(if parts.len() < 2 {
            format!(
                "not enough values to unpack (expected 2, got {})",
                parts.len()
            )
        } else {
            "too many values to unpack (expected 2)".to_owned()
        });
    };
    let padding = "0".repeat(9usize.saturating_sub(frac.chars().count()));
    Ok((
        Some(int_from_str(integer)?),
        Some(int_from_str(&format!("{frac}{padding}"))?),
    ))
}

/// The `event.log` of `Translator.logData`.
fn event_log(raw: &RawData, gpstime: Option<f64>, far: Option<f64>, instruments: &str) -> String {
    // `rawdata.get(key, [default…])[n]`; readData has already failed on short lists.
    let word = |key: &str, n: usize| {
        raw.get(key)
            .and_then(|w| w.get(n))
            .map_or("---".to_owned(), Word::display)
    };
    [
        "Event Type: cWB".to_owned(),
        format!("Time: {}", gpstime.map_or("None".to_owned(), float_repr)),
        format!("Duration: {}", word("duration", 0)),
        format!("Frequency: {}", word("frequency", 0)),
        format!("Bandwidth: {}", word("bandwidth", 0)),
        format!("RA: {}", word("phi", 2)),
        format!("Dec: {}", word("theta", 2)),
        format!("Effective SNR: {}", word("rho", 0)),
        format!("IFOs: {instruments}"),
        format!("FAR: {}", far.map_or("---".to_owned(), float_repr)),
    ]
    .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../../../tests/data/events/cwb.txt");
    const OLD_FIXTURE: &[u8] = include_bytes!("../../../tests/data/events/cwb-old-format.txt");

    fn parse_bytes(bytes: &[u8]) -> Parsed {
        let upload = Upload {
            pipeline: "CWB",
            search: None,
            fields: &[],
        };
        parse(&upload, bytes).unwrap()
    }

    fn attributes(p: &Parsed) -> &Map<String, Value> {
        p.extra_attributes["MultiBurst"].as_object().unwrap()
    }

    #[test]
    fn current_format() {
        let p = parse_bytes(FIXTURE);
        assert_eq!(p.warnings, Vec::<String>::new());
        assert_eq!(p.gpstime, Some(1_400_234_567.125));
        assert_eq!(p.far, Some(3.1e-9));
        assert_eq!(p.likelihood, Some(144.0));
        assert_eq!(p.instruments, "H1,L1,V1");
        assert_eq!(p.nevents, None);
        let a = attributes(&p);
        let keys: Vec<&str> = a.keys().map(String::as_str).collect();
        assert_eq!(keys, MULTI_BURST_ATTRIBUTES);
        assert_eq!(a["ifos"], "H1,L1,V1");
        assert_eq!(
            a["single_ifo_times"],
            "1400234567.1211,1400234567.1250,1400234567.1302"
        );
        assert_eq!(a["start_time"], 1_400_234_567);
        assert_eq!(a["start_time_ns"], 62_500_000);
        assert_eq!(a["peak_time"], 1_400_234_567);
        assert_eq!(a["peak_time_ns"], 125_000_000);
        assert_eq!(a["duration"], 0.125);
        assert_eq!(a["central_freq"], 211.5);
        assert_eq!(a["bandwidth"], 64.0);
        assert_eq!(a["amplitude"], 7.25);
        assert_eq!(a["snr"], 12.0);
        assert_eq!(a["confidence"], Value::Null);
        assert_eq!(a["false_alarm_rate"], 3.1e-9);
        assert_eq!(a["ligo_axis_ra"], 123.5);
        assert_eq!(a["ligo_axis_dec"], -45.25);
        assert_eq!(a["ligo_angle"], Value::Null);
        // The links come from the `ced_link`/`fits_skymap_link` keys in this format.
        assert_eq!(
            p.logs,
            [
                "<a href=\"https://example.org/ced/\">Coherent Event Display (CED)</a>",
                "<a href=\"https://example.org/ced/skyprobcc.fits\">FITS skymap</a>",
            ]
        );
        let log = String::from_utf8(p.side_files[0].bytes.clone()).unwrap();
        assert_eq!(
            log,
            "Event Type: cWB\nTime: 1400234567.125\nDuration: 0.125000\nFrequency: 211.500000\n\
             Bandwidth: 64.000000\nRA: 123.500000\nDec: -45.250000\nEffective SNR: 7.250000\n\
             IFOs: H1,L1,V1\nFAR: 3.1e-09"
        );
        assert_eq!(p.side_files[0].comment, "Log File Created");
    }

    #[test]
    fn old_format_takes_far_from_the_significance_lines() {
        let p = parse_bytes(OLD_FIXTURE);
        assert_eq!(p.warnings, Vec::<String>::new());
        // No week line: the day line's rate is used.
        assert_eq!(p.far, Some(0.00042125));
        // gpstime is time[0] of the file (L1 listed first).
        assert_eq!(p.gpstime, Some(1_300_000_123.250_4));
        assert_eq!(p.instruments, "H1,L1");
        let a = attributes(&p);
        assert_eq!(a["amplitude"], 6.5);
        assert_eq!(a["single_ifo_times"], "1300000123.2461,1300000123.2504");
        assert_eq!(a["snr"], 8.0);
        assert_eq!(a["false_alarm_rate"], 0.00042125);
        // The links are the last http lines, with their newline.
        assert_eq!(
            p.logs,
            [
                "<a href=\"https://example.org/old/ced/\n\">Coherent Event Display (CED)</a>",
                "<a href=\"https://example.org/old/ced/sky.fits\n\">FITS skymap</a>",
            ]
        );
    }

    #[test]
    fn week_line_wins_over_day_line() {
        let text = String::from_utf8(OLD_FIXTURE.to_vec()).unwrap();
        let with_week = text.replace(
            "#significance based on the last hour",
            "#significance based on the last week\n7 5.5e-6 1 2 3\n#x",
        );
        assert_eq!(parse_bytes(with_week.as_bytes()).far, Some(5.5e-6));
        // An unreadable rate after the week line counts as 1.0.
        let broken = text.replace(
            "#significance based on the last hour",
            "#significance based on the last week\nnothing here\n#x",
        );
        assert_eq!(parse_bytes(broken.as_bytes()).far, Some(1.0));
        // No significance lines at all: far is 0, not null.
        assert_eq!(parse_bytes(b"time: 5.5 6.5\nifo: H1 L1\n").far, Some(0.0));
    }

    #[test]
    fn snr_is_zero_when_sqrt_raises() {
        let p = parse_bytes(b"likelihood: -4\n");
        assert_eq!(attributes(&p)["snr"], 0.0);
        let p = parse_bytes(b"rho: 3\n");
        assert_eq!(attributes(&p)["snr"], 0.0);
        assert_eq!(p.gpstime, Some(0.0));
    }

    #[test]
    fn unreadable_files_create_the_event_with_a_warning() {
        for (bytes, message) in [
            (&b"ifo: H1\nlikelihood:\n"[..], "list index out of range"),
            (
                b"likelihood: lots\n",
                "could not convert string to float: 'lots'",
            ),
            (b" : orphan value\n", "list index out of range"),
            (
                b"start: 1400000000\n",
                "not enough values to unpack (expected 2, got 1)",
            ),
            (b"start: 1.2.3\n", "too many values to unpack (expected 2)"),
            (
                b"start: x.5\n",
                "invalid literal for int() with base 10: 'x'",
            ),
            (b"start: -5.5\n", "violates check constraint"),
            (b"chirp: 1\n", "list index out of range"),
            (b"time: 1e12\n", "not enough values"),
            (b"time: 12345678901.5\n", "decimal.InvalidOperation"),
            (b"ifo: H1 L1 V1 K1 G1 X1 Y1 Z1\n", "character varying(20)"),
            (b"\xff", "'utf-8' codec can't decode"),
        ] {
            let p = parse_bytes(bytes);
            assert_eq!(p.warnings.len(), 1, "{bytes:?}");
            assert!(
                p.warnings[0].starts_with("Problem scanning data. No alert issued (")
                    && p.warnings[0].contains(message),
                "{bytes:?}: {:?}",
                p.warnings
            );
            assert_eq!(p.gpstime, None);
            assert_eq!(p.far, None);
            assert_eq!(p.instruments, "");
            assert!(p.side_files.is_empty() && p.logs.is_empty());
            assert_eq!(attributes(&p), &MultiBurst::default().to_json());
            assert_eq!(attributes(&p)["ifos"], "");
        }
    }
}
