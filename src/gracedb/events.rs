//! Event operations: create, replace, get, search.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use super::client::GraceDb;
use super::error::{ErrorKind, GraceDbError};
use super::ids::GraceId;
use super::models::Event;
use super::pages::Pages;
use super::quirks::content_id;
use super::request::Request;

/// What to create an event from.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateEvent {
    /// Analysis group (`Test` needs no special permission).
    pub group: String,
    /// Pipeline.
    pub pipeline: String,
    /// Search, if any.
    pub search: Option<String>,
    /// Labels to apply at creation.
    pub labels: Vec<String>,
    /// Whether the event comes from an offline analysis.
    pub offline: bool,
    /// The event file.
    pub file: PathBuf,
}

/// How to search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Search {
    /// The query, in GraceDB's query language.
    pub query: String,
    /// Page size (`count`); the server's default when `None`.
    pub page_size: Option<u32>,
    /// Sort order (`sort`), e.g. `-created`.
    pub sort: Option<String>,
}

/// The base name of a path, as the server stores uploads.
pub(crate) fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// SHA-256 of a file, read in chunks.
pub async fn file_sha256(path: &Path) -> std::io::Result<[u8; 32]> {
    let mut f = tokio::fs::File::open(path).await?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

impl GraceDb {
    /// Create an event by uploading its file (multipart, part `eventFile`), sending the
    /// `content_id` the official client sends.
    pub async fn create_event(&self, req: &CreateEvent) -> Result<Event, GraceDbError> {
        let digest = file_sha256(&req.file).await.map_err(|source| {
            self.error(
                "POST",
                self.service_url(),
                ErrorKind::File {
                    path: req.file.display().to_string(),
                    source,
                },
            )
        })?;
        self.execute_json(Request::create_event(req, &content_id(&digest)))
            .await
    }

    /// Replace an event's file; the server re-parses it. Only the event's submitter may.
    pub async fn replace_event(&self, graceid: &GraceId, file: &Path) -> Result<(), GraceDbError> {
        self.execute_discard(Request::replace_event(graceid, file))
            .await?;
        Ok(())
    }

    /// Get an event.
    pub async fn event(&self, graceid: &GraceId) -> Result<Event, GraceDbError> {
        self.execute_json(Request::event(graceid)).await
    }

    /// Search events; results are fetched page by page as they are consumed.
    pub async fn search_events(&self, search: &Search) -> Result<Pages<Event>, GraceDbError> {
        self.pages("events", search).await
    }

    /// The pages of a search on link `events` or `superevents`.
    pub(crate) async fn pages<T: serde::de::DeserializeOwned>(
        &self,
        link: &'static str,
        s: &Search,
    ) -> Result<Pages<T>, GraceDbError> {
        let r = Request::search(link, &s.query, s.page_size, s.sort.as_deref());
        let url = self.url_for(&r.target).await?;
        Ok(Pages::new(self.clone(), url, link))
    }
}
