//! Event operations: create, replace, get, search.

use std::path::{Path, PathBuf};

use reqwest::Method;
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use super::client::{Body, Fields, GraceDb, Upload};
use super::error::{ErrorKind, GraceDbError};
use super::ids::GraceId;
use super::models::Event;
use super::pages::Pages;
use super::quirks::{EVENT_FILE_FIELD, content_id};

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
pub(crate) async fn file_sha256(path: &Path) -> std::io::Result<[u8; 32]> {
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
        let url = self.link("events").await?;
        let digest = file_sha256(&req.file).await.map_err(|source| {
            self.error(
                "POST",
                &url,
                ErrorKind::File {
                    path: req.file.display().to_string(),
                    source,
                },
            )
        })?;
        // Field order as the official client sends it (client reference §4.1).
        let fields = Fields::default()
            .text("group", &req.group)
            .text("pipeline", &req.pipeline)
            .bool("offline", req.offline)
            .text("content_id", content_id(&digest))
            .opt("search", req.search.as_deref())
            .list("labels", &req.labels);
        let upload = Upload {
            field: EVENT_FILE_FIELD,
            path: req.file.clone(),
            file_name: base_name(&req.file),
        };
        self.json(Method::POST, &url, Body::Multipart(fields, upload))
            .await
    }

    /// Replace an event's file; the server re-parses it. Only the event's submitter may.
    pub async fn replace_event(&self, graceid: &GraceId, file: &Path) -> Result<(), GraceDbError> {
        let url = self
            .template("event-detail-template", &[("graceid", graceid.as_str())])
            .await?;
        let upload = Upload {
            field: EVENT_FILE_FIELD,
            path: file.to_owned(),
            file_name: base_name(file),
        };
        self.discard(
            Method::PUT,
            &url,
            Body::Multipart(Fields::default(), upload),
        )
        .await?;
        Ok(())
    }

    /// Get an event.
    pub async fn event(&self, graceid: &GraceId) -> Result<Event, GraceDbError> {
        let url = self
            .template("event-detail-template", &[("graceid", graceid.as_str())])
            .await?;
        self.json(Method::GET, &url, Body::Empty).await
    }

    /// Search events; results are fetched page by page as they are consumed.
    pub async fn search_events(&self, search: &Search) -> Result<Pages<Event>, GraceDbError> {
        let url = self.search_url("events", search).await?;
        Ok(Pages::new(self.clone(), url, "events"))
    }

    /// The first page URL of a search on link `link`, with parameters in the official
    /// client's order (`query`, `count`, `sort`).
    pub(crate) async fn search_url(&self, link: &str, s: &Search) -> Result<String, GraceDbError> {
        let base = self.link(link).await?;
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if !s.query.is_empty() {
            q.append_pair("query", &s.query);
        }
        if let Some(c) = s.page_size {
            q.append_pair("count", &c.to_string());
        }
        if let Some(o) = s.sort.as_deref() {
            q.append_pair("sort", o);
        }
        let q = q.finish();
        Ok(if q.is_empty() {
            base
        } else {
            format!("{base}?{q}")
        })
    }
}
