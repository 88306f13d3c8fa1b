//! Reading a superevent or an event, with every log entry and the files they attach, from a
//! server into a bundle folder. Read-only: nothing here sends anything but GETs.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde_json::Value;

use super::bundle::{
    Bundle, EventRecord, FORMAT, FileRecord, LogRecord, SupereventRecord, event_dir, file_path,
    is_safe_name, superevent_dir, under,
};
use super::reuse::Reuse;
use crate::gracedb::{
    Event, FileRef, GraceDb, GraceId, LogEntry, ObjectId, Request, Superevent, SupereventId,
};

/// How many file versions were downloaded and how many reused from an earlier capture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// Downloaded from the server.
    pub downloaded: usize,
    /// Taken from the earlier bundle (see [`super::reuse`]).
    pub reused: usize,
    /// Bytes of all captured files.
    pub bytes: u64,
}

/// Reads objects into one bundle folder.
pub struct Fetcher<'a> {
    client: &'a GraceDb,
    root: &'a Path,
    reuse: &'a Reuse,
    /// Told one line per object and per file, for progress.
    progress: &'a (dyn Fn(&str) + Sync),
    stats: FetchStats,
}

impl<'a> Fetcher<'a> {
    /// A fetcher writing under `root` (the temporary bundle folder).
    pub fn new(
        client: &'a GraceDb,
        root: &'a Path,
        reuse: &'a Reuse,
        progress: &'a (dyn Fn(&str) + Sync),
    ) -> Self {
        Self {
            client,
            root,
            reuse,
            progress,
            stats: FetchStats::default(),
        }
    }

    /// Capture `id` (a superevent with its non-External events, or one event) and describe it.
    /// `captured_at` is left empty for the caller to stamp when the bundle is complete.
    pub async fn capture(mut self, id: &ObjectId) -> anyhow::Result<(Bundle, FetchStats)> {
        let (superevent, members) = match id {
            ObjectId::Superevent(sid) => {
                let (record, members) = self.superevent(sid).await?;
                (Some(record), members)
            }
            ObjectId::Event(gid) => (None, vec![gid.clone()]),
        };
        let mut events = Vec::with_capacity(members.len());
        for gid in &members {
            events.push(self.event(gid).await?);
        }
        let bundle = Bundle {
            format: FORMAT,
            source: self.client.service_url().to_owned(),
            captured_id: id.to_string(),
            captured_at: String::new(),
            tool: concat!("graceflow ", env!("CARGO_PKG_VERSION")).to_owned(),
            superevent,
            events,
        };
        Ok((bundle, self.stats))
    }

    /// The superevent, and its member events to capture (the preferred one first).
    async fn superevent(
        &mut self,
        sid: &SupereventId,
    ) -> anyhow::Result<(SupereventRecord, Vec<GraceId>)> {
        (self.progress)(&format!("superevent {sid}"));
        let raw: Value = self
            .client
            .execute_json(Request::superevent(sid))
            .await
            .with_context(|| format!("cannot read superevent {sid}"))?;
        let s: Superevent = serde_json::from_value(raw.clone())
            .with_context(|| format!("the server's superevent {sid} is not understood"))?;
        let dir = superevent_dir();
        self.write_json(&dir, "superevent.json", &raw)?;
        let object = ObjectId::Superevent(sid.clone());
        let labels = self
            .client
            .labels(&object)
            .await
            .with_context(|| format!("cannot read the labels of {sid}"))?;
        self.write_json(&dir, "labels.json", &labels)?;
        let (logs, files) = self.logs_and_files(&object, &dir).await?;

        let members = member_order(&s)?;
        let record = SupereventRecord {
            id: sid.to_string(),
            category: s.category,
            t_start: s.t_start,
            t_0: s.t_0,
            t_end: s.t_end,
            created: s.created,
            preferred_event: members.first().map(ToString::to_string),
            gw_events: s.gw_events,
            labels: labels.into_iter().map(|l| l.name).collect(),
            logs,
            files,
        };
        Ok((record, members))
    }

    /// One event: its JSON, logs and files.
    async fn event(&mut self, gid: &GraceId) -> anyhow::Result<EventRecord> {
        (self.progress)(&format!("event {gid}"));
        let raw: Value = self
            .client
            .execute_json(Request::event(gid))
            .await
            .with_context(|| format!("cannot read event {gid}"))?;
        let e: Event = serde_json::from_value(raw.clone())
            .with_context(|| format!("the server's event {gid} is not understood"))?;
        let dir = event_dir(gid.as_str());
        self.write_json(&dir, "event.json", &raw)?;
        let (logs, files) = self
            .logs_and_files(&ObjectId::Event(gid.clone()), &dir)
            .await?;
        Ok(EventRecord {
            graceid: gid.to_string(),
            group: e.group,
            pipeline: e.pipeline,
            search: e.search,
            gpstime: e.gpstime,
            created: e.created,
            labels: e.labels,
            logs,
            files,
        })
    }

    /// Every log entry of `object` (written to `logs.json`), and every file version they attach.
    async fn logs_and_files(
        &mut self,
        object: &ObjectId,
        dir: &str,
    ) -> anyhow::Result<(Vec<LogRecord>, Vec<FileRecord>)> {
        let mut entries = self
            .client
            .logs(object)
            .await
            .with_context(|| format!("cannot read the logs of {object}"))?;
        entries.sort_by_key(|l| l.n);
        self.write_json(dir, "logs.json", &entries)?;
        let logs: Vec<LogRecord> = entries.iter().map(log_record).collect();
        let mut files = Vec::new();
        let mut seen = BTreeSet::new();
        for log in &logs {
            let Some((name, version)) = log.file_key() else {
                continue;
            };
            if seen.insert((name.to_owned(), version)) {
                files.push(self.file(object, dir, name, version).await?);
            }
        }
        Ok((logs, files))
    }

    /// One file version: reused from an earlier capture when intact, else downloaded.
    async fn file(
        &mut self,
        object: &ObjectId,
        dir: &str,
        name: &str,
        version: u32,
    ) -> anyhow::Result<FileRecord> {
        if !is_safe_name(name) {
            anyhow::bail!("{object} has a file named {name:?}, which cannot be saved safely");
        }
        let path = file_path(dir, name, version);
        let dest = under(self.root, &path);
        let folder = dest.parent().expect("a file path has a folder");
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        if let Some(mut record) = self
            .reuse
            .place(object.as_str(), name, version, &dest)
            .await?
        {
            (self.progress)(&format!("  {name},{version} (reused)"));
            record.path = path;
            self.stats.reused += 1;
            self.stats.bytes += record.size;
            return Ok(record);
        }
        (self.progress)(&format!("  {name},{version}"));
        let file = FileRef {
            name: name.to_owned(),
            version: Some(version),
        };
        let got = self
            .client
            .download(object, &file, &dest)
            .await
            .with_context(|| format!("cannot download {file} of {object}"))?;
        self.stats.downloaded += 1;
        self.stats.bytes += got.size;
        Ok(FileRecord {
            name: name.to_owned(),
            version,
            sha256: got.sha256,
            size: got.size,
            path,
        })
    }

    fn write_json(&self, dir: &str, name: &str, value: &impl Serialize) -> anyhow::Result<()> {
        let folder = under(self.root, dir);
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
        let path = folder.join(name);
        let text = serde_json::to_string_pretty(value)? + "\n";
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    }
}

/// The events of a superevent to capture: the preferred event first, then the other
/// non-External members in the server's order. Anonymous readers are not told the preferred
/// event; the first member stands in for it.
fn member_order(s: &Superevent) -> anyhow::Result<Vec<GraceId>> {
    let mut out: Vec<GraceId> = s.preferred_event.iter().cloned().collect();
    for g in &s.gw_events {
        let gid = GraceId::parse(g)
            .with_context(|| format!("superevent {} lists member {g:?}", s.superevent_id))?;
        if !out.contains(&gid) {
            out.push(gid);
        }
    }
    if out.is_empty() {
        anyhow::bail!(
            "superevent {} has no events to capture (no preferred event, no gw_events)",
            s.superevent_id
        );
    }
    Ok(out)
}

fn log_record(l: &LogEntry) -> LogRecord {
    LogRecord {
        n: l.n,
        created: l.created.clone(),
        issuer: l.issuer.clone(),
        comment: l.comment.clone(),
        filename: l.filename.clone(),
        file_version: l.file_version,
        tags: l.tag_names.clone(),
    }
}
