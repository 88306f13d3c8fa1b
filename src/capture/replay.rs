//! The replay manifest: a graceflow manifest that re-creates a captured superevent or event on
//! a test server, time-shifted to `vars.t0`, with its uploads at their original cadence.
//!
//! Written by hand rather than serialized, so that it reads like a manifest a person wrote:
//! one commented block per event, values quoted only where YAML needs it.

use std::collections::HashSet;

use super::bundle::{Bundle, EventRecord, FileRecord, LogRecord, REPLAY_YAML};
use super::select::{
    Pace, duration_text, first_upload, later_uploads, seconds_between, selected_uploads,
};
use super::yaml::{comment, flow_list, quoted, scalar};

/// What a replay re-creates and how fast.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReplayOptions {
    /// Create the events in their original group with search `MDC` (and an `mdc` superevent)
    /// instead of in group `Test`.
    pub mdc: bool,
    /// Replay every upload, not only the products downstream services read.
    pub all_files: bool,
    /// How the original delays are compressed.
    pub pace: Pace,
    /// Also replay the superevent's own uploads (selected like the events'), timed from the
    /// superevent's creation. Off by default: on a real superevent they are mostly what
    /// downstream services produced, which a replay is meant to test, not fake.
    pub superevent_uploads: bool,
}

/// Step ids: valid manifest identifiers, unique within the manifest.
#[derive(Debug, Default)]
pub struct Ids {
    used: HashSet<String>,
}

impl Ids {
    /// An unused id made from `base`: letters, digits and `_` kept, runs of anything else
    /// turned into one `_`, a letter first, and `_2`, `_3`, … appended when already taken.
    pub fn take(&mut self, base: &str) -> String {
        let mut id = String::new();
        for c in base.chars() {
            if c.is_ascii_alphanumeric() {
                id.push(c);
            } else if !id.ends_with('_') {
                id.push('_');
            }
        }
        let id = id.trim_matches('_');
        let id = if id.starts_with(|c: char| c.is_ascii_alphabetic()) {
            id.to_owned()
        } else {
            format!("s_{id}")
        };
        let mut candidate = id.clone();
        let mut n = 1;
        while !self.used.insert(candidate.clone()) {
            n += 1;
            candidate = format!("{id}_{n}");
        }
        candidate
    }
}

/// A manifest string that must be taken literally: every `${{` (which would open an
/// expression) is written as an expression yielding it.
pub fn literal(s: &str) -> String {
    s.replace("${{", "${{ '${{' }}")
}

/// `vars.t0`, `vars.t0 + 1.5`, `vars.t0 - 0.25`: an offset from the replay's t0, to the
/// microsecond (finer than what GPS times in GraceDB carry as doubles).
fn t0_plus(offset: f64) -> String {
    let text = number(offset.abs());
    match text.as_str() {
        "0" => "${{ vars.t0 }}".to_owned(),
        _ if offset < 0.0 => format!("${{{{ vars.t0 - {text} }}}}"),
        _ => format!("${{{{ vars.t0 + {text} }}}}"),
    }
}

/// A number to the microsecond, without trailing zeros.
fn number(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// A line as lines of at most `width` characters, broken at spaces; an indented line (a
/// command to copy) is kept whole.
fn wrap(line: &str, width: usize) -> Vec<String> {
    if line.starts_with(' ') {
        return vec![line.to_owned()];
    }
    let mut out: Vec<String> = vec![];
    let mut current = String::new();
    for word in line.split(' ') {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    out.push(current);
    out
}

/// `+1.5`, `-0.25`, `+0`.
fn signed(x: f64) -> String {
    let n = number(x);
    if n.starts_with('-') {
        n
    } else {
        format!("+{n}")
    }
}

/// The replay manifest for `bundle`.
pub fn replay_manifest(bundle: &Bundle, opts: &ReplayOptions) -> String {
    Writer::new(bundle, opts).write()
}

/// Uploads of one object to replay.
struct Uploads<'a> {
    /// Start of their step ids (`G123`, `superevent`).
    prefix: &'a str,
    /// The quoted expression naming the replayed object.
    object: &'a str,
    /// The step that creates it; delays count from its end.
    anchor: &'a str,
    /// When the original object was created.
    created: &'a str,
    logs: &'a [&'a LogRecord],
    files: &'a [FileRecord],
}

struct Writer<'a> {
    bundle: &'a Bundle,
    opts: &'a ReplayOptions,
    ids: Ids,
    out: String,
    /// The reference time: the superevent's t_0, else the event's GPS time.
    t_ref: f64,
}

impl<'a> Writer<'a> {
    fn new(bundle: &'a Bundle, opts: &'a ReplayOptions) -> Self {
        let t_ref = match &bundle.superevent {
            Some(s) => s.t_0,
            None => bundle.events.first().and_then(|e| e.gpstime).unwrap_or(0.0),
        };
        Self {
            bundle,
            opts,
            ids: Ids::default(),
            out: String::new(),
            t_ref,
        }
    }

    fn line(&mut self, s: impl AsRef<str>) {
        self.out.push_str(s.as_ref());
        self.out.push('\n');
    }

    fn provenance(&self, id: &str) -> String {
        literal(&format!(
            "Replay of {id} from {}, captured {} by {}",
            self.bundle.source, self.bundle.captured_at, self.bundle.tool
        ))
    }

    fn write(mut self) -> String {
        self.header();
        self.vars();
        self.line("");
        self.line("steps:");
        // Step ids of each replayed event's create step, in bundle order.
        let mut created: Vec<(String, String)> = Vec::new();
        for e in &self.bundle.events {
            if let Some(step) = self.event(e) {
                created.push((e.graceid.clone(), step));
            }
        }
        self.superevent(&created);
        self.out
    }

    fn header(&mut self) {
        let b = self.bundle;
        let what = match &b.superevent {
            Some(s) => format!(
                "superevent {} ({} event{})",
                s.id,
                b.events.len(),
                if b.events.len() == 1 { "" } else { "s" }
            ),
            None => format!("event {}", b.captured_id),
        };
        let group = if self.opts.mdc {
            "in their original groups with search MDC"
        } else {
            "in group Test"
        };
        let selection = if self.opts.all_files {
            "every later upload is"
        } else {
            "the products downstream services read (uploads tagged sky_loc, p_astro or em_bright, and files named *p_astro.json) are"
        };
        let pace = match (self.opts.pace.speed, self.opts.pace.max_delay) {
            (1.0, None) => "at their original delays after creation".to_owned(),
            (s, None) => format!("at their original delays after creation divided by {s}"),
            (s, Some(m)) => format!(
                "at their original delays after creation divided by {s}, at most {}",
                duration_text(m)
            ),
        };
        // Paragraphs, wrapped below; command lines (indented) are kept whole.
        let text = format!(
            "Replay of {what}, captured from {source} at {at} by {tool}; \
             bundle.json beside this file describes the capture.\n\
             \n\
             Each event is time-shifted to keep its offset from t0 (vars.t0) and created {group} \
             with label MOCK and a log entry saying where it came from. Then {selection} sent \
             again with their original comments and tags, {pace}. Finally a test superevent \
             wraps the events. Labels that downstream services gave the original objects are \
             not replayed: they are what a replay tests.\n\
             \n\
             Run it against a test server (never production), choosing t0 in GPS seconds:\n  \
             graceflow check {REPLAY_YAML}\n  \
             graceflow run {REPLAY_YAML} --server playground --set t0=1400000000\n  \
             graceflow run {REPLAY_YAML} --server playground --set 't0=${{{{ gps_now() + 30 }}}}'\n\
             File paths are relative to this file: keep the bundle folder together.",
            source = comment(&b.source),
            at = comment(&b.captured_at),
            tool = comment(&b.tool),
        );
        for l in text.lines().flat_map(|l| wrap(l, 94)) {
            if l.is_empty() {
                self.line("#");
            } else {
                self.line(format!("# {l}"));
            }
        }
        self.line("version: 1");
        let name = format!("replay-{}", b.captured_id);
        self.line(format!("name: {}", scalar(&name)));
        self.line("");
    }

    fn vars(&mut self) {
        let what = match &self.bundle.superevent {
            Some(s) => format!("{}'s t_0", s.id),
            None => format!("{}'s GPS time", self.bundle.captured_id),
        };
        self.line("vars:");
        self.line(
            "  # The replay's t_0 (GPS seconds); every event keeps its offset from it. This is the",
        );
        self.line(format!(
            "  # original ({}): give the time to replay at with --set t0=…",
            comment(&what)
        ));
        self.line(format!("  t0: {}", number(self.t_ref)));
        if !self.opts.mdc {
            self.line("  # Test needs no pipeline upload permission.");
            self.line("  group: Test");
        }
    }

    /// One event's steps; the id of its create step, or `None` when it cannot be replayed.
    fn event(&mut self, e: &EventRecord) -> Option<String> {
        let gid = &e.graceid;
        let search = e.search.as_deref().unwrap_or("none");
        self.line("");
        let Some(first) = first_upload(e) else {
            self.line(format!(
                "  # {}: no event file was captured, so it is not replayed.",
                comment(gid)
            ));
            return None;
        };
        let (name, version) = first.file_key()?;
        let path = e
            .files
            .iter()
            .find(|f| f.name == name && f.version == version)?
            .path
            .clone();
        let offset = e.gpstime.map(|t| t - self.t_ref);
        let when = match (e.gpstime, offset) {
            (Some(t), Some(o)) => format!("GPS {}, t_0 {} s", number(t), signed(o)),
            _ => "no GPS time on the server: shifted to t0".to_owned(),
        };
        self.line(format!(
            "  # ── {}: {} {} {search}, {when}; created {}",
            comment(gid),
            comment(&e.group),
            comment(&e.pipeline),
            comment(&e.created)
        ));
        let shift = self.ids.take(&format!("shift_{gid}"));
        let create = self.ids.take(&format!("event_{gid}"));
        let provenance = self.ids.take(&format!("provenance_{gid}"));
        let graceid = quoted(&format!("${{{{ steps.{create}.graceid }}}}"));

        self.line(format!("  - id: {shift}"));
        self.line("    shift_time:");
        self.line(format!("      file: {}", scalar(&path)));
        self.line(format!(
            "      to: {}",
            quoted(&t0_plus(offset.unwrap_or(0.0)))
        ));
        self.line("      kind: auto");

        self.line(format!("  - id: {create}"));
        self.line("    create_event:");
        if self.opts.mdc {
            self.line(format!("      group: {}", scalar(&e.group)));
        } else {
            self.line("      group: \"${{ vars.group }}\"");
        }
        self.line(format!("      pipeline: {}", scalar(&e.pipeline)));
        if self.opts.mdc {
            self.line("      search: MDC");
        } else if let Some(s) = &e.search {
            self.line(format!("      search: {}", scalar(s)));
        }
        self.line(format!(
            "      file: {}",
            quoted(&format!("${{{{ steps.{shift}.path }}}}"))
        ));
        self.line("      labels: [MOCK]");

        self.line(format!("  - id: {provenance}"));
        self.line("    write_log:");
        self.line(format!("      object: {graceid}"));
        self.line(format!("      comment: {}", quoted(&self.provenance(gid))));

        let uploads = later_uploads(e, self.opts.all_files);
        self.uploads(&Uploads {
            prefix: gid,
            object: &graceid,
            anchor: &create,
            created: &e.created,
            logs: &uploads,
            files: &e.files,
        });
        Some(create)
    }

    /// One `write_log` step per upload, each `after:` the anchor step by its original delay
    /// (paced), and each after the one before.
    fn uploads(&mut self, u: &Uploads<'_>) {
        let mut previous: Option<String> = None;
        for log in u.logs {
            let Some((name, version)) = log.file_key() else {
                continue;
            };
            let Some(file) = u
                .files
                .iter()
                .find(|f| f.name == name && f.version == version)
            else {
                continue;
            };
            let original = seconds_between(u.created, &log.created);
            let delay = self.opts.pace.delay(original.unwrap_or(0.0));
            let id = self.ids.take(&format!("{}_{name}", u.prefix));
            self.line(format!(
                "  # log {} by {}, {} ({} after creation)",
                log.n,
                comment(&log.issuer),
                comment(&log.created),
                original.map_or("unknown time".into(), |o| format!("{} s", number(o)))
            ));
            self.line(format!("  - id: {id}"));
            self.line(format!(
                "    after: {{ step: {}, delay: {} }}",
                u.anchor,
                duration_text(delay)
            ));
            // Keep the original order: versions of one name are numbered by arrival.
            if let Some(p) = &previous {
                self.line(format!("    needs: [{p}]"));
            }
            self.line("    write_log:");
            self.line(format!("      object: {}", u.object));
            self.line(format!("      comment: {}", quoted(&literal(&log.comment))));
            self.line(format!("      file: {}", scalar(&file.path)));
            if !log.tags.is_empty() {
                self.line(format!("      tags: {}", flow_list(&log.tags)));
            }
            previous = Some(id);
        }
    }

    /// The test superevent around the replayed events.
    fn superevent(&mut self, created: &[(String, String)]) {
        let Some((_, preferred)) = created.first() else {
            self.line("");
            self.line("  # No event could be replayed, so there is no superevent.");
            return;
        };
        let (before, after, what) = match &self.bundle.superevent {
            Some(s) => (
                s.t_0 - s.t_start,
                s.t_end - s.t_0,
                format!("{}'s window", s.id),
            ),
            None => (1.0, 1.0, "a window of ±1 s".to_owned()),
        };
        let category = if self.opts.mdc { "mdc" } else { "test" };
        self.line("");
        self.line(format!(
            "  # ── The {category} superevent, with {} around t0.",
            comment(&what)
        ));
        let sup = self.ids.take("superevent");
        let sid = quoted(&format!("${{{{ steps.{sup}.superevent_id }}}}"));
        self.line(format!("  - id: {sup}"));
        self.line("    create_superevent:");
        self.line(format!("      category: {category}"));
        self.line(format!(
            "      preferred_event: {}",
            quoted(&format!("${{{{ steps.{preferred}.graceid }}}}"))
        ));
        self.line(format!("      t_start: {}", quoted(&t0_plus(-before))));
        self.line("      t_0: \"${{ vars.t0 }}\"");
        self.line(format!("      t_end: {}", quoted(&t0_plus(after))));
        let id = self.ids.take("provenance_superevent");
        self.line(format!("  - id: {id}"));
        self.line("    write_log:");
        self.line(format!("      object: {sid}"));
        self.line(format!(
            "      comment: {}",
            quoted(&self.provenance(&self.bundle.captured_id))
        ));
        for (gid, step) in &created[1..] {
            let id = self.ids.take(&format!("add_{gid}"));
            self.line(format!("  - id: {id}"));
            self.line("    add_event:");
            self.line(format!("      superevent: {sid}"));
            self.line(format!(
                "      event: {}",
                quoted(&format!("${{{{ steps.{step}.graceid }}}}"))
            ));
        }
        if let (true, Some(s)) = (self.opts.superevent_uploads, &self.bundle.superevent) {
            let uploads = selected_uploads(&s.logs, None, self.opts.all_files);
            if !uploads.is_empty() {
                self.line("");
                self.line(format!(
                    "  # ── Uploads to {} (--superevent-uploads).",
                    comment(&s.id)
                ));
            }
            self.uploads(&Uploads {
                prefix: "superevent",
                object: &sid,
                anchor: &sup,
                created: &s.created,
                logs: &uploads,
                files: &s.files,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::capture::bundle::{FileRecord, LogRecord, SupereventRecord};
    use crate::manifest::model::is_identifier;

    fn log(
        n: u32,
        created: &str,
        comment: &str,
        file: Option<(&str, u32)>,
        tags: &[&str],
    ) -> LogRecord {
        LogRecord {
            n,
            created: created.into(),
            issuer: "gstlal_bot".into(),
            comment: comment.into(),
            filename: file.map_or("", |f| f.0).into(),
            file_version: file.map(|f| f.1),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn file(gid: &str, name: &str, version: u32) -> FileRecord {
        FileRecord {
            name: name.into(),
            version,
            sha256: "00".into(),
            size: 1,
            path: crate::capture::bundle::file_path(
                &crate::capture::bundle::event_dir(gid),
                name,
                version,
            ),
        }
    }

    const ODD: &str =
        "Sky map: \"bayestar\" (v1)\nsecond line: ${{ not.an.expression }} # not a comment";

    fn sample() -> Bundle {
        let g1 = EventRecord {
            graceid: "G1".into(),
            group: "CBC".into(),
            pipeline: "gstlal".into(),
            search: Some("AllSky".into()),
            gpstime: Some(1400123456.5),
            created: "2024-05-19 03:10:40 UTC".into(),
            labels: vec!["EMBRIGHT_READY".into()],
            logs: vec![
                log(
                    1,
                    "2024-05-19 03:10:40 UTC",
                    "Original Data",
                    Some(("coinc.xml", 0)),
                    &[],
                ),
                log(
                    2,
                    "2024-05-19 03:10:41 UTC",
                    "Added to superevent",
                    None,
                    &[],
                ),
                log(
                    3,
                    "2024-05-19 03:10:50 UTC",
                    ODD,
                    Some(("bayestar.multiorder.fits", 0)),
                    &["sky_loc", "public"],
                ),
                log(
                    4,
                    "2024-05-19 03:11:00 UTC",
                    "psd",
                    Some(("psd.xml.gz", 0)),
                    &["psd"],
                ),
                log(
                    5,
                    "2024-05-19 03:12:40 UTC",
                    "update",
                    Some(("bayestar.multiorder.fits", 1)),
                    &["sky_loc"],
                ),
                log(
                    6,
                    "2024-05-19 03:10:45 UTC",
                    "p_astro",
                    Some(("gstlal.p_astro.json", 0)),
                    &[],
                ),
            ],
            files: vec![
                file("G1", "coinc.xml", 0),
                file("G1", "bayestar.multiorder.fits", 0),
                file("G1", "psd.xml.gz", 0),
                file("G1", "bayestar.multiorder.fits", 1),
                file("G1", "gstlal.p_astro.json", 0),
            ],
        };
        let g2 = EventRecord {
            graceid: "G2".into(),
            pipeline: "pycbc".into(),
            search: None,
            gpstime: Some(1400123456.25),
            created: "2024-05-19 03:10:42 UTC".into(),
            logs: vec![log(
                1,
                "2024-05-19 03:10:42 UTC",
                "Original Data",
                Some(("coinc.xml", 0)),
                &[],
            )],
            files: vec![file("G2", "coinc.xml", 0)],
            ..g1.clone()
        };
        Bundle {
            format: 1,
            source: "https://gracedb.example/api/".into(),
            captured_id: "S240519a".into(),
            captured_at: "2026-01-01T00:00:00Z".into(),
            tool: "graceflow 0.1.0".into(),
            superevent: Some(SupereventRecord {
                id: "S240519a".into(),
                category: "Production".into(),
                t_start: 1400123455.5,
                t_0: 1400123456.5,
                t_end: 1400123458.0,
                created: "2024-05-19 03:10:45 UTC".into(),
                preferred_event: Some("G1".into()),
                gw_events: vec!["G1".into(), "G2".into()],
                labels: vec![],
                logs: vec![
                    log(1, "2024-05-19 03:10:45 UTC", "created", None, &[]),
                    log(
                        2,
                        "2024-05-19 03:11:15 UTC",
                        "sky",
                        Some(("bayestar.fits.gz", 0)),
                        &["sky_loc"],
                    ),
                ],
                files: vec![FileRecord {
                    path: "superevent/files/v0/bayestar.fits.gz".into(),
                    ..file("S", "bayestar.fits.gz", 0)
                }],
            }),
            events: vec![g1, g2],
        }
    }

    fn parse(text: &str) -> Value {
        serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn step<'a>(m: &'a Value, id: &str) -> &'a Value {
        m["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("no step {id}"))
    }

    #[test]
    fn the_manifest_replays_the_capture() {
        let text = replay_manifest(&sample(), &ReplayOptions::default());
        let m = parse(&text);
        assert_eq!(m["version"], 1);
        assert_eq!(m["vars"]["t0"], 1400123456.5);
        assert_eq!(m["vars"]["group"], "Test");

        let ids: Vec<&str> = m["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert!(ids.iter().all(|i| is_identifier(i)), "{ids:?}");
        assert_eq!(
            ids.len(),
            ids.iter().collect::<HashSet<_>>().len(),
            "{ids:?}"
        );
        assert_eq!(
            ids,
            [
                "shift_G1",
                "event_G1",
                "provenance_G1",
                "G1_bayestar_multiorder_fits",
                "G1_bayestar_multiorder_fits_2",
                "G1_gstlal_p_astro_json",
                "shift_G2",
                "event_G2",
                "provenance_G2",
                "superevent",
                "provenance_superevent",
                "add_G2",
            ]
        );

        let shift = &step(&m, "shift_G2")["shift_time"];
        assert_eq!(shift["file"], "events/G2/files/v0/coinc.xml");
        assert_eq!(shift["to"], "${{ vars.t0 - 0.25 }}");
        assert_eq!(shift["kind"], "auto");
        assert_eq!(step(&m, "shift_G1")["shift_time"]["to"], "${{ vars.t0 }}");

        let create = &step(&m, "event_G1")["create_event"];
        assert_eq!(create["group"], "${{ vars.group }}");
        assert_eq!(create["pipeline"], "gstlal");
        assert_eq!(create["search"], "AllSky");
        assert_eq!(create["file"], "${{ steps.shift_G1.path }}");
        assert_eq!(create["labels"], serde_json::json!(["MOCK"]));
        assert!(step(&m, "event_G2")["create_event"].get("search").is_none());

        assert_eq!(
            step(&m, "provenance_G1")["write_log"]["comment"],
            "Replay of G1 from https://gracedb.example/api/, captured 2026-01-01T00:00:00Z by graceflow 0.1.0"
        );

        // The odd comment comes back whole, its `${{` written as an expression of itself.
        let sky = &step(&m, "G1_bayestar_multiorder_fits");
        assert_eq!(sky["write_log"]["comment"], literal(ODD));
        assert!(literal(ODD).contains("${{ '${{' }} not.an.expression }}"));
        assert_eq!(
            sky["write_log"]["file"],
            "events/G1/files/v0/bayestar.multiorder.fits"
        );
        assert_eq!(
            sky["write_log"]["tags"],
            serde_json::json!(["sky_loc", "public"])
        );
        assert_eq!(
            sky["after"],
            serde_json::json!({"step": "event_G1", "delay": "10s"})
        );
        assert!(sky.get("needs").is_none());
        // In log order, each after the one before, so versions keep their numbers.
        let p = step(&m, "G1_gstlal_p_astro_json");
        assert_eq!(p["after"]["delay"], "5s");
        assert_eq!(
            p["needs"],
            serde_json::json!(["G1_bayestar_multiorder_fits_2"])
        );
        let v1 = step(&m, "G1_bayestar_multiorder_fits_2");
        assert_eq!(v1["after"]["delay"], "120s");
        assert_eq!(
            v1["write_log"]["file"],
            "events/G1/files/v1/bayestar.multiorder.fits"
        );

        let s = &step(&m, "superevent")["create_superevent"];
        assert_eq!(s["category"], "test");
        assert_eq!(s["preferred_event"], "${{ steps.event_G1.graceid }}");
        assert_eq!(s["t_start"], "${{ vars.t0 - 1 }}");
        assert_eq!(s["t_0"], "${{ vars.t0 }}");
        assert_eq!(s["t_end"], "${{ vars.t0 + 1.5 }}");
        let add = &step(&m, "add_G2")["add_event"];
        assert_eq!(add["superevent"], "${{ steps.superevent.superevent_id }}");
        assert_eq!(add["event"], "${{ steps.event_G2.graceid }}");
    }

    #[test]
    fn options_change_group_selection_and_pace() {
        let opts = ReplayOptions {
            mdc: true,
            all_files: true,
            pace: Pace {
                speed: 4.0,
                max_delay: Some(20.0),
            },
            superevent_uploads: true,
        };
        let m = parse(&replay_manifest(&sample(), &opts));
        assert!(m["vars"].get("group").is_none());
        let create = &step(&m, "event_G1")["create_event"];
        assert_eq!(
            (&create["group"], &create["search"]),
            (&"CBC".into(), &"MDC".into())
        );
        assert_eq!(
            step(&m, "superevent")["create_superevent"]["category"],
            "mdc"
        );
        assert_eq!(step(&m, "G1_psd_xml_gz")["after"]["delay"], "5s");
        assert_eq!(
            step(&m, "G1_bayestar_multiorder_fits")["after"]["delay"],
            "2.5s"
        );
        assert_eq!(
            step(&m, "G1_bayestar_multiorder_fits_2")["after"]["delay"],
            "20s"
        );
        let sky = step(&m, "superevent_bayestar_fits_gz");
        assert_eq!(
            sky["after"],
            serde_json::json!({"step": "superevent", "delay": "7.5s"})
        );
        assert_eq!(
            sky["write_log"]["object"],
            "${{ steps.superevent.superevent_id }}"
        );
        assert_eq!(
            sky["write_log"]["file"],
            "superevent/files/v0/bayestar.fits.gz"
        );
    }

    #[test]
    fn a_single_event_gets_a_window_of_its_own() {
        let mut b = sample();
        b.superevent = None;
        b.captured_id = "G2".into();
        b.events.remove(0);
        let m = parse(&replay_manifest(&b, &ReplayOptions::default()));
        assert_eq!(m["vars"]["t0"], 1400123456.25);
        assert_eq!(step(&m, "shift_G2")["shift_time"]["to"], "${{ vars.t0 }}");
        let s = &step(&m, "superevent")["create_superevent"];
        assert_eq!(
            (&s["t_start"], &s["t_end"]),
            (&"${{ vars.t0 - 1 }}".into(), &"${{ vars.t0 + 1 }}".into())
        );
    }

    #[test]
    fn ids_are_valid_and_unique() {
        let mut ids = Ids::default();
        assert_eq!(
            ids.take("G1_bayestar.multiorder.fits"),
            "G1_bayestar_multiorder_fits"
        );
        assert_eq!(
            ids.take("G1_bayestar multiorder.fits"),
            "G1_bayestar_multiorder_fits_2"
        );
        assert_eq!(ids.take("--"), "s_");
        assert_eq!(ids.take("0123e4567-uuid"), "s_0123e4567_uuid");
        assert_eq!(ids.take("ümlaut"), "mlaut");
        for id in ["s_", "s_0123e4567_uuid", "mlaut"] {
            assert!(is_identifier(id), "{id}");
        }
    }

    #[test]
    fn offsets_are_written_to_the_microsecond() {
        assert_eq!(t0_plus(0.0), "${{ vars.t0 }}");
        assert_eq!(t0_plus(1e-9), "${{ vars.t0 }}");
        assert_eq!(t0_plus(0.0009999275207519531), "${{ vars.t0 + 0.001 }}");
        assert_eq!(t0_plus(-2.0), "${{ vars.t0 - 2 }}");
        assert_eq!(number(1400123456.789013), "1400123456.789013");
    }
}
