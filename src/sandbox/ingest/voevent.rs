//! External triggers as VOEvent XML (`Fermi`, `Swift`, `INTEGRAL`, `AGILE`, `CHIME`, `SVOM`,
//! `SNEWS`, `IceCube`), read by `populateGrbEventFromVOEventFile` in
//! `gracedb/events/translator.py` (2.33.1 @ `414b01ce`) with `voeventparse` 1.0.3 (lxml
//! objectify). The newest translator reaches it only when the upload is not JSON (see
//! [`super::gcn_json`]).
//!
//! What the server does, in this order (the first exception ends it):
//! 1. `vp.load`: the XML must be well formed and the root must have `version="2.0"`;
//! 2. `gpstime` from `WhereWhen.ObsDataLocation[0].ObservationLocation.AstroCoords`: its
//!    `coord_system_id` must start with `UTC` (or `TDB`), and `Time.TimeInstant.ISOTime` is
//!    read as ISO 8601 (`iso8601.parse_date`) and converted to GPS with the fractional
//!    seconds kept (to the microsecond);
//! 3. the position: `AstroCoordSystem` `id` (→ `coord_system`), `Position2D`
//!    (`Name1`/`Name2` must be `RA`/`Dec` when present), `Value2.C1` (→ `ra`), `Value2.C2`
//!    (→ `dec`), `Error2Radius` (→ `error_radius`), and its `unit` attribute;
//! 4. `ivorn` (root attribute), `Who.Author.shortName`, `Who.AuthorIVORN`,
//!    `ObservatoryLocation` `id`, `How.Description`, `How.Reference` `uri`;
//! 5. the `What` params (top-level ones, the first of a name winning, then those of the groups
//!    `Svom_Identifiers`, `Detection_Info`, `observatory parameters`, `event parameters`,
//!    which replace them): `trigger_duration` is `float()` of the first of
//!    [`TRIGGER_DURATION_PARAMS`] present, kept only if non-zero (a present zero does not fall
//!    through to the next name); `trigger_id` is the value of the first of
//!    [`TRIGGER_ID_PARAMS`] present; `far` is `float()` of `FAR`.
//!
//! Bad input: like the server, a file it cannot read still creates the event: 201, null
//! values, null `GRB` attributes, and the warning `Problem scanning data. No alert issued (…)`
//! (the XML syntax messages are quick-xml's, not libxml2's).

use serde_json::{Map, Value};

use quick_xml::NsReader;
use quick_xml::escape::{resolve_predefined_entity, unescape};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::columns;
use super::python::{float_from_str, scan_warning, str_repr};
use super::{Parsed, Upload, extra, number, text};
use crate::gps::{unix_to_utc, utc_to_gps};

/// The `GRB` extra attributes in the order `eventToDict` emits them
/// (`gracedb/events/view_utils.py` @ `0111ef95`); `T90` is the model's `t90`.
pub const GRB_ATTRIBUTES: &[&str] = &[
    "ivorn",
    "author_ivorn",
    "author_shortname",
    "observatory_location_id",
    "coord_system",
    "ra",
    "dec",
    "error_radius",
    "how_description",
    "how_reference_url",
    "T90",
    "trigger_duration",
    "designation",
    "redshift",
    "trigger_id",
];

/// Params whose value is the trigger duration, in the translator's order (2.33.1 added
/// `sampling_time`, for CHIME).
pub const TRIGGER_DURATION_PARAMS: &[&str] = &[
    "Trig_Dur",
    "Trans_Duration",
    "Data_Integ",
    "Integ_Time",
    "Trig_Timescale",
    "Timescale",
    "sampling_time",
];

/// Params whose value is the trigger id, in the translator's order (2.33.1 added
/// `event_no`, for CHIME).
pub const TRIGGER_ID_PARAMS: &[&str] = &["TrigID", "Trans_Num", "EventID", "Burst_Id", "event_no"];

/// Param groups whose params join the top-level ones (SVOM and CHIME notices).
const PARAM_GROUPS: &[&str] = &[
    "Svom_Identifiers",
    "Detection_Info",
    "observatory parameters",
    "event parameters",
];

/// The `GrbEvent` fields (`gracedb/events/models.py`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grb {
    /// `CharField(max_length=200)`.
    pub ivorn: Option<String>,
    /// `CharField(max_length=200)`.
    pub author_ivorn: Option<String>,
    /// `CharField(max_length=200)`.
    pub author_shortname: Option<String>,
    /// `CharField(max_length=200)`.
    pub observatory_location_id: Option<String>,
    /// `CharField(max_length=200)`.
    pub coord_system: Option<String>,
    /// Degrees.
    pub ra: Option<f64>,
    /// Degrees.
    pub dec: Option<f64>,
    /// Degrees.
    pub error_radius: Option<f64>,
    /// `CharField(max_length=200)`.
    pub how_description: Option<String>,
    /// `URLField` (200 characters).
    pub how_reference_url: Option<String>,
    /// Set only by `update-grbevent`.
    pub t90: Option<f64>,
    /// Seconds.
    pub trigger_duration: Option<f64>,
    /// `CharField(max_length=20)`, set only by `update-grbevent`.
    pub designation: Option<String>,
    /// Set only by `update-grbevent`.
    pub redshift: Option<f64>,
    /// `CharField(max_length=25)`.
    pub trigger_id: Option<String>,
}

impl Grb {
    /// The attributes as `eventToDict` shows them, in [`GRB_ATTRIBUTES`] order.
    pub fn to_json(&self) -> Map<String, Value> {
        let values = [
            text(self.ivorn.as_deref()),
            text(self.author_ivorn.as_deref()),
            text(self.author_shortname.as_deref()),
            text(self.observatory_location_id.as_deref()),
            text(self.coord_system.as_deref()),
            number(self.ra),
            number(self.dec),
            number(self.error_radius),
            text(self.how_description.as_deref()),
            text(self.how_reference_url.as_deref()),
            number(self.t90),
            number(self.trigger_duration),
            text(self.designation.as_deref()),
            number(self.redshift),
            text(self.trigger_id.as_deref()),
        ];
        GRB_ATTRIBUTES
            .iter()
            .map(|k| (*k).to_owned())
            .zip(values)
            .collect()
    }

    /// The `varchar` limits of the `events_grbevent` columns.
    pub fn check_columns(&self) -> Result<(), String> {
        for (value, max) in [
            (&self.ivorn, 200),
            (&self.author_ivorn, 200),
            (&self.author_shortname, 200),
            (&self.observatory_location_id, 200),
            (&self.coord_system, 200),
            (&self.how_description, 200),
            (&self.how_reference_url, 200),
            (&self.designation, 20),
            (&self.trigger_id, 25),
        ] {
            columns::varchar_opt(value.as_deref(), max)?;
        }
        Ok(())
    }
}

/// The event values of an external trigger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct External {
    /// GPS time of the trigger.
    pub gpstime: Option<f64>,
    /// False-alarm rate (Hz).
    pub far: Option<f64>,
    /// The `GRB` attributes.
    pub grb: Grb,
}

impl External {
    /// The save, then the parse result.
    pub fn into_parsed(self) -> Result<Parsed, String> {
        let gpstime = columns::gpstime(self.gpstime)?;
        self.grb.check_columns()?;
        Ok(Parsed {
            gpstime,
            far: self.far,
            extra_attributes: extra("GRB", self.grb.to_json()),
            ..Parsed::default()
        })
    }
}

/// The answer for an external upload the server could not read.
pub fn unreadable(message: &str) -> Parsed {
    Parsed {
        extra_attributes: extra("GRB", Grb::default().to_json()),
        warnings: vec![scan_warning(message)],
        ..Parsed::default()
    }
}

/// Parses a VOEvent upload.
pub fn parse(_upload: &Upload<'_>, bytes: &[u8]) -> Result<Parsed, String> {
    Ok(read(bytes)
        .and_then(External::into_parsed)
        .unwrap_or_else(|message| unreadable(&message)))
}

fn read(bytes: &[u8]) -> Result<External, String> {
    let root = Element::parse(bytes)?;
    let version = root.attrib("version")?;
    if version != "2.0" {
        return Err(format!("Unsupported VOEvent schema version:{version}"));
    }
    let gpstime = event_time(&root)?.ok_or(
        "the VOEvent has no event time (WhereWhen.ObsDataLocation.ObservationLocation\
         .AstroCoords.Time.TimeInstant.ISOTime)",
    )?;

    // vp.get_event_position
    let obs_data = root.child("WhereWhen")?.child("ObsDataLocation")?;
    let observation = obs_data.child("ObservationLocation")?;
    let coords = observation.child("AstroCoords")?;
    let coord_system = observation
        .child("AstroCoordSystem")?
        .attrib("id")?
        .to_owned();
    let position = coords.child("Position2D")?;
    if let Ok(name1) = position.child("Name1") {
        let ok = name1.text.as_deref() == Some("RA")
            && position.child("Name2")?.text.as_deref() == Some("Dec");
        if !ok {
            // A bare `assert`: the exception has no message.
            return Err(String::new());
        }
    }
    let value2 = position.child("Value2")?;
    let ra = value2.child("C1")?.float()?;
    let dec = value2.child("C2")?.float()?;
    let error_radius = position.child("Error2Radius")?.float()?;
    position.attrib("unit")?;

    let who = root.child("Who")?;
    let author_shortname = who.child("Author")?.child("shortName")?.text.clone();
    let author_ivorn = who.child("AuthorIVORN")?.text.clone();
    let observatory_location_id = obs_data
        .child("ObservatoryLocation")?
        .get("id")
        .map(str::to_owned);
    let how = root.child("How")?;
    let how_description = how.child("Description")?.text.clone();
    let how_reference_url = how.child("Reference")?.get("uri").map(str::to_owned);

    let params = params(&root)?;
    let value = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.get("value"))
    };
    let to_float = |v: Option<&str>| match v {
        Some(s) => float_from_str(s),
        None => {
            Err("float() argument must be a string or a real number, not 'NoneType'".to_owned())
        }
    };
    let trigger_duration = match TRIGGER_DURATION_PARAMS.iter().find_map(|n| value(n)) {
        Some(v) => Some(to_float(v)?).filter(|d| *d != 0.0),
        None => None,
    };
    let trigger_id = TRIGGER_ID_PARAMS
        .iter()
        .find_map(|n| value(n))
        .flatten()
        .map(str::to_owned);
    let far = value("FAR").map(to_float).transpose()?;

    Ok(External {
        gpstime: Some(gpstime),
        far,
        grb: Grb {
            ivorn: root.get("ivorn").map(str::to_owned),
            author_ivorn,
            author_shortname,
            observatory_location_id,
            coord_system: Some(coord_system),
            ra: Some(ra),
            dec: Some(dec),
            error_radius: Some(error_radius),
            how_description,
            how_reference_url,
            trigger_duration,
            trigger_id,
            ..Grb::default()
        },
    })
}

/// `vp.convenience.get_event_time_as_utc` then the conversion to GPS: `None` where voeventparse
/// catches an `AttributeError` (a missing element).
fn event_time(root: &Element) -> Result<Option<f64>, String> {
    let coords = root
        .child("WhereWhen")
        .and_then(|w| w.child("ObsDataLocation"))
        .and_then(|o| o.child("ObservationLocation"))
        .and_then(|o| o.child("AstroCoords"));
    let Ok(coords) = coords else {
        return Ok(None);
    };
    let system = coords.attrib("coord_system_id")?;
    let time_system = system.split('-').next().unwrap_or_default();
    let scale = match time_system {
        "UTC" => TimeScale::Utc,
        "TDB" => TimeScale::Tdb,
        "TT" | "GPS" => {
            return Err("Conversion from time-system '{}' to UTC not yet implemented".to_owned());
        }
        other => {
            return Err(format!(
                "Unrecognised time-system: {other} (badly formatted VOEvent?)"
            ));
        }
    };
    let iso = coords
        .child("Time")
        .and_then(|t| t.child("TimeInstant"))
        .and_then(|t| t.child("ISOTime"));
    let Ok(iso) = iso else {
        return Ok(None);
    };
    let iso = iso.text.as_deref().unwrap_or_default();
    iso_to_gps(&parse_iso8601(iso)?, scale).map(Some)
}

/// The params of `What`, by name: the top-level ones (`get_toplevel_params`, an omdict whose
/// lookups give the first value of a name), then the listed groups' params, each replacing
/// the name's earlier entry (`omdict.update` keeps a group's last value of a name).
fn params(root: &Element) -> Result<Vec<(String, &Element)>, String> {
    let what = root.child("What")?;
    let mut out: Vec<(String, &Element)> = Vec::new();
    for p in what.children_named("Param") {
        if let Some(name) = p.get("name")
            && !out.iter().any(|(n, _)| n == name)
        {
            out.push((name.to_owned(), p));
        }
    }
    for group_name in PARAM_GROUPS {
        let Some(group) = what
            .children_named("Group")
            .find(|g| g.get("name") == Some(group_name))
        else {
            continue;
        };
        for p in group.children_named("Param") {
            let Some(name) = p.get("name") else { continue };
            match out.iter_mut().find(|(n, _)| n == name) {
                Some(entry) => entry.1 = p,
                None => out.push((name.to_owned(), p)),
            }
        }
    }
    Ok(out)
}

/// The time scale of an `ISOTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeScale {
    /// Coordinated Universal Time.
    Utc,
    /// Barycentric Dynamical Time (Gaia notices).
    Tdb,
}

/// A date and time as `iso8601.parse_date` reads it: calendar fields, microseconds, and the
/// offset from UTC in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoTime {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    micro: i64,
    offset_minutes: i64,
}

/// `iso8601.parse_date`: `YYYY[-MM[-DD[(T| )HH[[:]MM[[:]SS[(.|,)fff]]][Z|±HH[[:]MM]]]]]`
/// (months and days may also be written without the dash, as two digits); a missing zone
/// is UTC. The fields are then checked as `datetime` checks them.
pub fn parse_iso8601(s: &str) -> Result<IsoTime, String> {
    let unable = || format!("Unable to parse date string {}", str_repr(s));
    let mut c = Cursor {
        s: s.as_bytes(),
        at: 0,
    };
    let year = c.digits(4, 4).ok_or_else(unable)?;
    let (mut month, mut day) = (1, 1);
    let (mut hour, mut minute, mut second, mut micro, mut offset) = (0, 0, 0, 0, 0);
    if !c.done() {
        month = if c.eat(b'-') {
            c.digits(1, 2)
        } else if c.s.len() - c.at > 2 {
            c.digits(2, 2)
        } else {
            None
        }
        .ok_or_else(unable)?;
        if !c.done() {
            day = if c.eat(b'-') {
                c.digits(1, 2)
            } else {
                c.digits(2, 2)
            }
            .ok_or_else(unable)?;
            if !c.done() {
                if !(c.eat(b'T') || c.eat(b' ')) {
                    return Err(unable());
                }
                hour = c.digits(2, 2).ok_or_else(unable)?;
                let save = c.at;
                c.eat(b':');
                match c.digits(2, 2) {
                    Some(m) => {
                        minute = m;
                        let save = c.at;
                        c.eat(b':');
                        match c.digits(1, 2) {
                            Some(sec) => {
                                second = sec;
                                if c.eat(b'.') || c.eat(b',') {
                                    let start = c.at;
                                    while c.peek().is_some_and(|b| b.is_ascii_digit()) {
                                        c.at += 1;
                                    }
                                    let frac = s.get(start..c.at).unwrap_or_default();
                                    if frac.is_empty() {
                                        return Err(unable());
                                    }
                                    let f = float_from_str(&format!("0.{frac}"))
                                        .map_err(|_| unable())?;
                                    micro = (f * 1e6).trunc() as i64;
                                }
                            }
                            None => c.at = save,
                        }
                    }
                    None => c.at = save,
                }
                if !c.eat(b'Z')
                    && let Some(sign) = c.peek().filter(|b| matches!(b, b'+' | b'-'))
                {
                    c.at += 1;
                    let h = c.digits(2, 2).ok_or_else(unable)?;
                    c.eat(b':');
                    let m = c.digits(2, 2).unwrap_or(0);
                    offset = (h * 60 + m) * if sign == b'-' { -1 } else { 1 };
                }
                if !c.done() {
                    return Err(unable());
                }
            }
        }
    }
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        _ => 28,
    };
    let problem = if year == 0 {
        Some("year 0 is out of range")
    } else if !(1..=12).contains(&month) {
        Some("month must be in 1..12")
    } else if !(1..=days_in_month).contains(&day) {
        Some("day is out of range for month")
    } else if hour > 23 {
        Some("hour must be in 0..23")
    } else if minute > 59 {
        Some("minute must be in 0..59")
    } else if second > 59 {
        Some("second must be in 0..59")
    } else if offset.abs() >= 24 * 60 {
        Some(
            "offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24).",
        )
    } else {
        None
    };
    if let Some(p) = problem {
        return Err(p.to_owned());
    }
    Ok(IsoTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        micro,
        offset_minutes: offset,
    })
}

/// A byte cursor for [`parse_iso8601`].
struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn done(&self) -> bool {
        self.at >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.at += 1;
        }
        hit
    }

    /// Between `min` and `max` ASCII digits (greedy).
    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let start = self.at;
        while self.at - start < max && self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        if self.at - start < min {
            self.at = start;
            return None;
        }
        let text = std::str::from_utf8(self.s.get(start..self.at)?).ok()?;
        text.parse().ok()
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The GPS time of a parsed ISO time, fraction included (`utc_datetime_to_gps_float`).
pub fn iso_to_gps(t: &IsoTime, scale: TimeScale) -> Result<f64, String> {
    let unix =
        days_from_civil(t.year, t.month, t.day) * 86_400 + t.hour * 3600 + t.minute * 60 + t.second
            - t.offset_minutes * 60;
    let utc = unix_to_utc(unix);
    if !(1..=9999).contains(&utc.year) {
        return Err("date value out of range".to_owned());
    }
    let fraction = t.micro as f64 / 1e6;
    match scale {
        TimeScale::Utc => Ok(utc_to_gps(utc) + fraction),
        TimeScale::Tdb => {
            let nanos = u32::try_from(t.micro * 1000).unwrap_or(0);
            hifitime::Epoch::maybe_from_gregorian(
                utc.year,
                utc.month,
                utc.day,
                utc.hour,
                utc.minute,
                utc.second,
                nanos,
                hifitime::TimeScale::TDB,
            )
            .map(|e| e.to_gpst_seconds())
            .map_err(|e| e.to_string())
        }
    }
}

/// An element as lxml objectify presents it: local name, namespace, the attributes without
/// a prefix, `.text` (the text before the first child, dropped when only whitespace and the
/// element has children, as objectify's parser drops blank text), and the child elements.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    name: String,
    namespace: Option<String>,
    attributes: Vec<(String, String)>,
    text: Option<String>,
    children: Vec<Element>,
}

impl Element {
    /// Parses a document and returns its root, with the root's namespace removed when the
    /// root tag has a prefix (`voeventparse._remove_root_tag_prefix`), so that the children
    /// are looked up without a namespace.
    pub fn parse(bytes: &[u8]) -> Result<Element, String> {
        let mut root = Builder::default().run(bytes)?;
        if root.namespace.is_some() && root.name.contains(':') {
            root.namespace = None;
        }
        root.name = root.name.rsplit(':').next().unwrap_or_default().to_owned();
        Ok(root)
    }

    /// `element.Name`: the first child of that name in this element's namespace.
    pub fn child(&self, name: &str) -> Result<&Element, String> {
        let found = self
            .children
            .iter()
            .find(|c| c.local_name() == name && c.namespace == self.namespace);
        found.ok_or_else(|| {
            let tag = match &self.namespace {
                Some(ns) => format!("{{{ns}}}{name}"),
                None => name.to_owned(),
            };
            format!("no such child: {tag}")
        })
    }

    /// All children of that name in this element's namespace.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.local_name() == name && c.namespace == self.namespace)
    }

    fn local_name(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or_default()
    }

    /// `element.get(name)`: an attribute without a namespace.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `element.attrib[name]`: a missing attribute is a `KeyError`.
    pub fn attrib(&self, name: &str) -> Result<&str, String> {
        self.get(name).ok_or_else(|| str_repr(name))
    }

    /// `float(element)`.
    fn float(&self) -> Result<f64, String> {
        float_from_str(self.text.as_deref().unwrap_or_default())
    }
}

/// Builds the element tree from quick-xml events, rejecting what libxml2 rejects.
#[derive(Default)]
struct Builder {
    /// Open elements, with whether their `.text` is still being read.
    open: Vec<(Element, bool)>,
    root: Option<Element>,
}

impl Builder {
    fn run(mut self, bytes: &[u8]) -> Result<Element, String> {
        let xml = std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8: {e}"))?;
        let mut reader = NsReader::from_str(xml);
        reader.config_mut().check_end_names = true;
        loop {
            let position = reader.buffer_position();
            let (resolved, event) = reader
                .read_resolved_event()
                .map_err(|e| format!("{e} (at byte {position})"))?;
            let namespace = match resolved {
                ResolveResult::Bound(ns) => Some(String::from_utf8_lossy(ns.as_ref()).into_owned()),
                ResolveResult::Unbound => None,
                ResolveResult::Unknown(prefix) => {
                    return Err(format!(
                        "Namespace prefix {} is not defined (at byte {position})",
                        String::from_utf8_lossy(&prefix)
                    ));
                }
            };
            match event {
                Event::Start(e) => self.start(&e, namespace)?,
                Event::Empty(e) => {
                    self.start(&e, namespace)?;
                    self.end();
                }
                Event::End(_) => self.end(),
                Event::Text(t) => self.text(&t.decode().map_err(|e| e.to_string())?)?,
                Event::CData(t) => self.text(&t.decode().map_err(|e| e.to_string())?)?,
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                        Some(c) => c.to_string(),
                        None => {
                            let name = r.decode().map_err(|e| e.to_string())?;
                            resolve_predefined_entity(&name)
                                .ok_or_else(|| format!("Entity '{name}' not defined"))?
                                .to_owned()
                        }
                    };
                    self.text(&resolved)?;
                }
                Event::Comment(_) | Event::PI(_) => {
                    if let Some((_, reading)) = self.open.last_mut() {
                        *reading = false;
                    }
                }
                Event::Decl(_) | Event::DocType(_) => {}
                Event::Eof => break,
            }
        }
        if let Some((e, _)) = self.open.last() {
            return Err(format!("Premature end of data in tag {}", e.name));
        }
        self.root.ok_or_else(|| "Document is empty".to_owned())
    }

    fn start(&mut self, e: &BytesStart<'_>, namespace: Option<String>) -> Result<(), String> {
        if self.root.is_some() && self.open.is_empty() {
            return Err("Extra content at the end of the document".to_owned());
        }
        let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
        let mut attributes = Vec::new();
        for attr in e.attributes() {
            let attr = attr.map_err(|err| err.to_string())?;
            let key = attr.key.as_ref();
            let raw = std::str::from_utf8(&attr.value).map_err(|err| err.to_string())?;
            // Attribute-value normalisation, then references.
            let normalised = raw.replace("\r\n", " ").replace(['\r', '\n', '\t'], " ");
            let value = unescape(&normalised).map_err(|err| err.to_string())?;
            if attr.key.prefix().is_none() && key != b"xmlns" {
                attributes.push((
                    String::from_utf8_lossy(key).into_owned(),
                    value.into_owned(),
                ));
            }
        }
        if let Some((_, reading)) = self.open.last_mut() {
            *reading = false;
        }
        self.open.push((
            Element {
                name,
                namespace,
                attributes,
                text: None,
                children: Vec::new(),
            },
            true,
        ));
        Ok(())
    }

    fn end(&mut self) {
        let Some((mut element, _)) = self.open.pop() else {
            return;
        };
        let blank = element.text.as_deref().is_some_and(|t| t.trim().is_empty());
        if element.text.as_deref() == Some("") || (blank && !element.children.is_empty()) {
            element.text = None;
        }
        match self.open.last_mut() {
            Some((parent, _)) => parent.children.push(element),
            None => self.root = Some(element),
        }
    }

    fn text(&mut self, text: &str) -> Result<(), String> {
        if let Some(c) = text.chars().find(|&c| !is_xml_char(c)) {
            return Err(format!("Char 0x{:X} out of allowed range", u32::from(c)));
        }
        match self.open.last_mut() {
            Some((element, true)) => {
                let text = text.replace("\r\n", "\n").replace('\r', "\n");
                element.text.get_or_insert_with(String::new).push_str(&text);
            }
            Some(_) => {}
            None if text.trim().is_empty() => {}
            None => return Err("Content outside the root element".to_owned()),
        }
        Ok(())
    }
}

/// Whether XML 1.0 allows this character in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../../../tests/data/events/swift-voevent.xml");

    fn parse_bytes(bytes: &[u8]) -> Parsed {
        let upload = Upload {
            pipeline: "Swift",
            search: Some("GRB"),
            fields: &[],
        };
        parse(&upload, bytes).unwrap()
    }

    fn grb(p: &Parsed) -> &Map<String, Value> {
        p.extra_attributes["GRB"].as_object().unwrap()
    }

    #[test]
    fn fixture() {
        let p = parse_bytes(FIXTURE);
        assert_eq!(p.warnings, Vec::<String>::new());
        // 2023-05-06T07:08:09.25 UTC; 18 leap seconds.
        assert_eq!(p.gpstime, Some(1_367_392_107.25));
        assert_eq!(p.far, Some(2.5e-5));
        assert_eq!(
            (p.instruments.as_str(), p.nevents, p.likelihood),
            ("", None, None)
        );
        let g = grb(&p);
        let keys: Vec<&str> = g.keys().map(String::as_str).collect();
        assert_eq!(keys, GRB_ATTRIBUTES);
        assert_eq!(
            g["ivorn"],
            "ivo://example.org/graceflow/Swift#BAT_GRB_Pos_1234567-890"
        );
        assert_eq!(g["author_ivorn"], "ivo://example.org/graceflow");
        assert_eq!(g["author_shortname"], "Swift (graceflow fixture)");
        assert_eq!(g["observatory_location_id"], "GEOLEO");
        assert_eq!(g["coord_system"], "UTC-FK5-GEO");
        assert_eq!(g["ra"], 123.4567);
        assert_eq!(g["dec"], -12.5);
        assert_eq!(g["error_radius"], 0.0525);
        assert_eq!(g["how_description"], "Swift Satellite, BAT Instrument");
        assert_eq!(g["how_reference_url"], "https://example.org/swift.html");
        // Integ_Time is the first duration param present (the zero Trig_Dur of a group that
        // is not merged does not count).
        assert_eq!(g["trigger_duration"], 1.024);
        assert_eq!(g["trigger_id"], "1234567");
        for k in ["T90", "designation", "redshift"] {
            assert_eq!(g[k], Value::Null);
        }
    }

    #[test]
    fn zero_duration_does_not_fall_through() {
        let text = String::from_utf8(FIXTURE.to_vec()).unwrap();
        let zero = text.replace(
            "<Param name=\"Integ_Time\"",
            "<Param name=\"Data_Integ\" value=\"0.000\"/><Param name=\"Integ_Time\"",
        );
        assert_eq!(
            grb(&parse_bytes(zero.as_bytes()))["trigger_duration"],
            Value::Null
        );
    }

    #[test]
    fn grouped_params_replace_top_level_ones() {
        let text = String::from_utf8(FIXTURE.to_vec()).unwrap();
        let svom = text.replace(
            "</What>",
            "<Group name=\"Svom_Identifiers\"><Param name=\"Burst_Id\" value=\"sb1\"/>\
             <Param name=\"TrigID\" value=\"first\"/><Param name=\"TrigID\" value=\"svom-9\"/></Group></What>",
        );
        assert_eq!(grb(&parse_bytes(svom.as_bytes()))["trigger_id"], "svom-9");
    }

    #[test]
    fn time_offsets_and_scales() {
        let t = |s: &str| parse_iso8601(s).and_then(|t| iso_to_gps(&t, TimeScale::Utc));
        assert_eq!(t("2017-08-17T12:41:04.4"), Ok(1_187_008_882.4));
        assert_eq!(t("2017-08-17T14:41:04.4+02:00"), Ok(1_187_008_882.4));
        assert_eq!(t("2017-08-17 12:41:04.4Z"), Ok(1_187_008_882.4));
        assert_eq!(t("2017-08-17T12:41"), Ok(1_187_008_878.0));
        assert_eq!(t("20170817T124104"), Ok(1_187_008_882.0));
        assert_eq!(t("2017-08-17"), Ok(1_186_963_218.0));
        assert_eq!(
            t("2017-02-30T00:00:00"),
            Err("day is out of range for month".into())
        );
        assert_eq!(
            t("2017-08-17T24:00:00"),
            Err("hour must be in 0..23".into())
        );
        assert_eq!(
            t("17 Aug 2017"),
            Err("Unable to parse date string '17 Aug 2017'".into())
        );
        assert!(t("2017-08-17T12:41:04.4 ").is_err());
        // TDB is 69.184 s (+ < 2 ms) ahead of UTC in 2017.
        let tdb = parse_iso8601("2017-08-17T12:42:13.584")
            .and_then(|t| iso_to_gps(&t, TimeScale::Tdb))
            .unwrap();
        assert!((tdb - 1_187_008_882.4).abs() < 0.01, "{tdb}");
    }

    #[test]
    fn unreadable_voevents_create_the_event_with_a_warning() {
        let text = String::from_utf8(FIXTURE.to_vec()).unwrap();
        let cases: Vec<(String, &str)> = vec![
            (
                text.replace("version=\"2.0\"", "version=\"1.1\""),
                "Unsupported VOEvent schema version:1.1",
            ),
            (text.replace(" version=\"2.0\"", ""), "('version')"),
            (
                text.replace("UTC-FK5-GEO\">", "TT-FK5-GEO\">"),
                "not yet implemented",
            ),
            (
                text.replace("coord_system_id=\"UTC-FK5-GEO\"", "coord_system_id=\"XYZ\""),
                "Unrecognised time-system: XYZ",
            ),
            (
                text.replace(
                    "<ISOTime>2023-05-06T07:08:09.25</ISOTime>",
                    "<ISOTime>yesterday</ISOTime>",
                ),
                "Unable to parse date string 'yesterday'",
            ),
            (
                text.replace("<ISOTime>2023-05-06T07:08:09.25</ISOTime>", ""),
                "no event time",
            ),
            (
                text.replace("<Name1>RA</Name1>", "<Name1>Lon</Name1>"),
                "()",
            ),
            (
                text.replace("<C2>-12.5</C2>", "<C2>south</C2>"),
                "could not convert string to float: 'south'",
            ),
            (
                text.replace("<shortName>Swift (graceflow fixture)</shortName>", ""),
                "no such child: shortName",
            ),
            (
                text.replace(
                    "<Reference uri=\"https://example.org/swift.html\" type=\"url\"/>",
                    "",
                ),
                "no such child: Reference",
            ),
            (text.replace("value=\"1.024\"", ""), "not 'NoneType'"),
            (
                text.replace("value=\"1234567\"", "value=\"12345678901234567890123456\""),
                "character varying(25)",
            ),
            (text.replace("</voe:VOEvent>", ""), "Premature end"),
            (
                text.replace("<Who>", "<Who>&bogus;"),
                "Entity 'bogus' not defined",
            ),
            ("<voe:VOEvent version=\"2.0\"/>".into(), "not defined"),
            ("".into(), "Document is empty"),
        ];
        for (xml, message) in cases {
            let p = parse_bytes(xml.as_bytes());
            assert_eq!(p.warnings.len(), 1, "{message}");
            assert!(
                p.warnings[0].contains(message),
                "{message}: {:?}",
                p.warnings
            );
            assert_eq!((p.gpstime, p.far), (None, None));
            assert!(grb(&p).values().all(Value::is_null));
        }
    }

    #[test]
    fn default_namespace_documents_keep_their_namespace() {
        // Unprefixed root: voeventparse does not strip its namespace, and objectify looks the
        // children up in it.
        let xml = b"<VOEvent xmlns=\"urn:x\" version=\"2.0\"><Who/></VOEvent>";
        let root = Element::parse(xml).unwrap();
        assert!(root.child("Who").is_ok());
        assert_eq!(
            root.child("What").unwrap_err(),
            "no such child: {urn:x}What"
        );
    }
}
