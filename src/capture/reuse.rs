//! Reusing the files of an earlier capture into the same folder.
//!
//! The rule: a file version of the earlier bundle is reused, instead of downloaded again, when
//! the earlier bundle was read from the same server, names the same object, base name and
//! version, and the file on disk still has the SHA-256 the earlier `bundle.json` recorded.
//! GraceDB never changes a file version once written (`name,N` is immutable), so an intact
//! copy of it is as good as a new download; a copy edited or damaged since is downloaded anew.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::bundle::{Bundle, FileRecord, under};

/// The earlier bundle's files, by (object ID, base name, version).
#[derive(Debug, Default)]
pub struct Reuse {
    files: HashMap<(String, String, u32), (PathBuf, FileRecord)>,
}

impl Reuse {
    /// Nothing to reuse.
    pub fn none() -> Self {
        Self::default()
    }

    /// The files of the bundle in `dir`, if it holds one read from `source`; nothing otherwise
    /// (a missing or unreadable `bundle.json` only means there is nothing to reuse).
    pub fn from_earlier(dir: &Path, source: &str) -> Self {
        let Ok(bundle) = Bundle::read(dir) else {
            return Self::none();
        };
        if bundle.source != source {
            return Self::none();
        }
        let mut files = HashMap::new();
        let objects = bundle
            .superevent
            .iter()
            .map(|s| (&s.id, &s.files))
            .chain(bundle.events.iter().map(|e| (&e.graceid, &e.files)));
        for (id, records) in objects {
            for f in records {
                files.insert(
                    (id.clone(), f.name.clone(), f.version),
                    (under(dir, &f.path), f.clone()),
                );
            }
        }
        Self { files }
    }

    /// Place the earlier copy of `object`'s `name,version` at `dest` if it is intact; its
    /// record (checksum and size) when it was placed.
    pub async fn place(
        &self,
        object: &str,
        name: &str,
        version: u32,
        dest: &Path,
    ) -> anyhow::Result<Option<FileRecord>> {
        let Some((path, record)) = self
            .files
            .get(&(object.to_owned(), name.to_owned(), version))
        else {
            return Ok(None);
        };
        let Ok(digest) = crate::gracedb::file_sha256(path).await else {
            return Ok(None);
        };
        if crate::gracedb::quirks::hex(&digest) != record.sha256 {
            return Ok(None);
        }
        // A hard link costs nothing and survives the earlier bundle's removal; a copy where
        // the file system cannot link.
        if std::fs::hard_link(path, dest).is_err() {
            std::fs::copy(path, dest)
                .with_context(|| format!("cannot copy {} to {}", path.display(), dest.display()))?;
        }
        Ok(Some(record.clone()))
    }
}
