//! Reading the cache of the Python injection tool (mock-event-generator) into a bundle, so that
//! its users can move over without fetching again.
//!
//! Its layout: `CACHE/S…/description.json` (`id`, `source`, `t_start`, `t_0`, `t_end`,
//! `gevent_ids`), and per event `CACHE/S…/G…/description.json` (`id`, `source`, `pipeline`,
//! `group`, `search`, `offline`, `gpstime`, `reporting_latency`, `superevent`, `far`, and
//! `uploads`: `message`, `tags`, `filename` as `name,N`, `delay` in seconds after the first
//! upload) beside the files, named `name,N`. A lone event is `CACHE/G…/description.json`.
//!
//! The cache keeps less than a capture: no log numbers, issuers, labels or creation times,
//! and only the pipeline's own uploads. Log numbers are given in upload order, and creation
//! times are reconstructed from `gpstime + reporting_latency` and the delays (to the second,
//! as GraceDB writes them), so that the replay keeps the recorded cadence.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;
use sha2::Digest;

use super::bundle::{
    Bundle, EventRecord, FORMAT, FileRecord, LogRecord, SupereventRecord, event_dir, file_path,
    is_safe_name, under,
};

#[derive(Debug, Deserialize)]
struct SDescription {
    id: String,
    #[serde(default)]
    source: String,
    t_start: f64,
    t_0: f64,
    t_end: f64,
    #[serde(default)]
    gevent_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct GDescription {
    id: String,
    #[serde(default)]
    source: String,
    pipeline: String,
    group: String,
    #[serde(default)]
    search: Option<String>,
    #[serde(default)]
    gpstime: Option<f64>,
    #[serde(default)]
    reporting_latency: Option<f64>,
    #[serde(default)]
    uploads: Vec<Upload>,
}

#[derive(Debug, Deserialize)]
struct Upload {
    message: String,
    #[serde(default)]
    tags: Vec<String>,
    filename: String,
    #[serde(default)]
    delay: f64,
}

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a mock-event-generator description",
            path.display()
        )
    })
}

/// Import `CACHE/<id>` (a superevent or an event) into the bundle folder `root`; the bundle's
/// `captured_at` is left for the caller to stamp.
pub fn import(cache: &Path, id: &str, root: &Path) -> anyhow::Result<Bundle> {
    let dir = cache.join(id);
    let desc = dir.join("description.json");
    if !desc.is_file() {
        anyhow::bail!(
            "{} not found: give the mock-event-generator cache folder and an ID cached in it",
            desc.display()
        );
    }
    let tool = concat!("graceflow ", env!("CARGO_PKG_VERSION")).to_owned();
    if crate::gracedb::GraceId::parse(id).is_ok() {
        let event = import_event(&dir, root)?;
        return Ok(Bundle {
            format: FORMAT,
            source: source_url(&event.0),
            captured_id: id.to_owned(),
            captured_at: String::new(),
            tool,
            superevent: None,
            events: vec![event.1],
        });
    }
    let s: SDescription = read(&desc)?;
    let mut events = Vec::new();
    for gid in &s.gevent_ids {
        let gdir = dir.join(gid);
        // The tool leaves out events it could not use (offline, no pipeline upload).
        if gdir.join("description.json").is_file() {
            events.push(import_event(&gdir, root)?.1);
        }
    }
    let category = match s.id.get(..1) {
        Some("T") => "Test",
        Some("M") => "MDC",
        _ => "Production",
    };
    Ok(Bundle {
        format: FORMAT,
        source: source_url(&s.source),
        captured_id: id.to_owned(),
        captured_at: String::new(),
        tool,
        superevent: Some(SupereventRecord {
            id: s.id,
            category: category.to_owned(),
            t_start: s.t_start,
            t_0: s.t_0,
            t_end: s.t_end,
            created: String::new(),
            // The cache does not say which event was preferred; its first stands in.
            preferred_event: events.first().map(|e| e.graceid.clone()),
            gw_events: s.gevent_ids,
            labels: vec![],
            logs: vec![],
            files: vec![],
        }),
        events,
    })
}

/// The tool records a server alias (`production`) or a URL; the bundle records the API root.
fn source_url(source: &str) -> String {
    match crate::servers::Server::resolve(source) {
        Ok(crate::servers::Server::Remote { url }) => url,
        _ => source.to_owned(),
    }
}

/// One cached event: its source, and its record with the files copied under `root`.
fn import_event(dir: &Path, root: &Path) -> anyhow::Result<(String, EventRecord)> {
    let g: GDescription = read(&dir.join("description.json"))?;
    let created_gps = g.gpstime.unwrap_or(0.0) + g.reporting_latency.unwrap_or(0.0);
    let stamp = |delay: f64| crate::gps::gps_to_utc(created_gps + delay).gracedb_format();
    let edir = event_dir(&g.id);
    let mut logs = Vec::new();
    let mut files = Vec::new();
    for (i, u) in g.uploads.iter().enumerate() {
        let (name, version) = u
            .filename
            .rsplit_once(',')
            .and_then(|(n, v)| Some((n, v.parse::<u32>().ok()?)))
            .with_context(|| format!("{}: upload {:?} is not name,N", dir.display(), u.filename))?;
        if !is_safe_name(name) {
            anyhow::bail!("{}: upload {name:?} cannot be saved safely", dir.display());
        }
        let path = file_path(&edir, name, version);
        let dest = under(root, &path);
        std::fs::create_dir_all(dest.parent().expect("a file path has a folder"))?;
        let src = dir.join(&u.filename);
        std::fs::copy(&src, &dest)
            .with_context(|| format!("cannot copy {} into the bundle", src.display()))?;
        let bytes = std::fs::read(&dest)?;
        files.push(FileRecord {
            name: name.to_owned(),
            version,
            sha256: crate::gracedb::quirks::hex(&sha2::Sha256::digest(&bytes)),
            size: bytes.len() as u64,
            path,
        });
        logs.push(LogRecord {
            n: i as u32 + 1,
            created: stamp(u.delay),
            issuer: String::new(),
            comment: u.message.clone(),
            filename: name.to_owned(),
            file_version: Some(version),
            tags: u.tags.clone(),
        });
    }
    let record = EventRecord {
        graceid: g.id,
        group: g.group,
        pipeline: g.pipeline,
        search: g.search,
        gpstime: g.gpstime,
        created: stamp(0.0),
        labels: vec![],
        logs,
        files,
    };
    Ok((g.source, record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::select::{first_upload, later_uploads, seconds_between};

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_cached_superevent_becomes_a_bundle() {
        let cache = tempfile::tempdir().unwrap();
        let s = cache.path().join("S230518h");
        write(
            &s.join("description.json"),
            r#"{"id": "S230518h", "source": "production", "t_start": 1368449965.0,
                "t_0": 1368449966.2, "t_end": 1368449967.5, "gevent_ids": ["G1", "G2"]}"#,
        );
        write(
            &s.join("G1/description.json"),
            r#"{"id": "G1", "source": "production", "pipeline": "gstlal", "group": "CBC",
                "search": "AllSky", "offline": false, "gpstime": 1368449966.1,
                "reporting_latency": 10.4, "superevent": "S230518h", "far": 1e-9,
                "uploads": [
                  {"message": "", "tags": [], "filename": "coinc.xml,0", "delay": 0.0},
                  {"message": "sky map", "tags": ["sky_loc"], "filename": "bayestar.multiorder.fits,0", "delay": 12.0},
                  {"message": "psd", "tags": ["psd"], "filename": "psd.xml.gz,0", "delay": 3.0}
                ]}"#,
        );
        write(&s.join("G1/coinc.xml,0"), "<LIGO_LW/>");
        write(&s.join("G1/bayestar.multiorder.fits,0"), "SIMPLE");
        write(&s.join("G1/psd.xml.gz,0"), "psd");
        // G2 was left out by the tool: listed, not cached.

        let root = tempfile::tempdir().unwrap();
        let b = import(cache.path(), "S230518h", root.path()).unwrap();
        let sup = b.superevent.as_ref().unwrap();
        assert_eq!(
            (sup.t_0, sup.category.as_str()),
            (1368449966.2, "Production")
        );
        assert_eq!(sup.preferred_event.as_deref(), Some("G1"));
        assert_eq!(b.source, "https://gracedb.ligo.org/api/");
        assert_eq!(b.events.len(), 1);
        let e = &b.events[0];
        assert_eq!(e.files.len(), 3);
        for f in &e.files {
            assert!(under(root.path(), &f.path).is_file(), "{}", f.path);
        }
        assert_eq!(
            e.files[1].path,
            "events/G1/files/v0/bayestar.multiorder.fits"
        );
        assert_eq!(first_upload(e).unwrap().filename, "coinc.xml");
        let later: Vec<&str> = later_uploads(e, false)
            .iter()
            .map(|l| l.filename.as_str())
            .collect();
        assert_eq!(later, ["bayestar.multiorder.fits"]);
        // The cadence survives the reconstructed timestamps.
        assert_eq!(seconds_between(&e.created, &e.logs[1].created), Some(12.0));
    }

    #[test]
    fn a_missing_entry_says_what_to_give() {
        let cache = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let err = import(cache.path(), "S1", root.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("mock-event-generator cache"), "{err}");
    }
}
