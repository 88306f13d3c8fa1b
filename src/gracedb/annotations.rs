//! Annotations on events and superevents: logs, files, labels, tags. The two kinds of object
//! take different URLs, methods and field names for the same thing (client reference §12);
//! callers pass an [`ObjectId`] and the asymmetries stay here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::client::GraceDb;
use super::error::{ErrorKind, GraceDbError, transport};
use super::ids::{FileRef, ObjectId};
use super::models::{Applied, Downloaded, Label, LogEntry, Tag};
use super::quirks::{hex, is_already_applied};
use super::request::Request;

/// A log entry to write.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteLog {
    /// The text.
    pub comment: String,
    /// A file to attach; it becomes the next version of its base name on the object.
    pub file: Option<PathBuf>,
    /// Tags to apply to the entry.
    pub tags: Vec<String>,
    /// Display names for the tags: none, or one per tag.
    pub display_names: Vec<String>,
    /// A label to apply to the object afterwards.
    pub label: Option<String>,
}

impl GraceDb {
    /// Write a log entry: form-encoded without a file, multipart (part `upload`) with one.
    pub async fn write_log(
        &self,
        object: &ObjectId,
        log: &WriteLog,
    ) -> Result<LogEntry, GraceDbError> {
        self.execute_json(Request::write_log(object, log)).await
    }

    /// All log entries of an object, in the server's order.
    ///
    /// GraceDB answers every entry on one page today (`links` has no `next`), but the envelope
    /// is a paginated one; a `links.next` is followed so that a server that starts paging does
    /// not silently truncate a capture.
    pub async fn logs(&self, object: &ObjectId) -> Result<Vec<LogEntry>, GraceDbError> {
        let r = Request::logs(object);
        let mut url = self.url_for(&r.target).await?;
        let mut out = Vec::new();
        loop {
            let mut page: serde_json::Value =
                self.json(r.method.clone(), &url, r.body.clone()).await?;
            // `log` on v1 servers, `logs` on v2 ones (client reference §6.3).
            let items = match page.get_mut("log") {
                Some(v) => v.take(),
                None => page
                    .get_mut("logs")
                    .map(serde_json::Value::take)
                    .unwrap_or_default(),
            };
            let items: Vec<LogEntry> = serde_json::from_value(items)
                .map_err(|e| self.error("GET", &url, ErrorKind::Decode(e.to_string())))?;
            out.extend(items);
            // A server answering the same page again would make this loop forever.
            match page["links"]["next"].as_str() {
                Some(next) if next != url => url = next.to_owned(),
                _ => return Ok(out),
            }
        }
    }

    /// One log entry.
    pub async fn log(&self, object: &ObjectId, n: u32) -> Result<LogEntry, GraceDbError> {
        self.execute_json(Request::log(object, n)).await
    }

    /// The files of an object: name (`X` for the latest, `X,N` for each version) → URL.
    pub async fn files(&self, object: &ObjectId) -> Result<BTreeMap<String, String>, GraceDbError> {
        let r = Request::files(object);
        let url = self.url_for(&r.target).await?;
        let v: serde_json::Value = self.json(r.method, &url, r.body).await?;
        // v1 answers a flat map; v2 wraps it as {"files": …}.
        let map = v.get("files").cloned().unwrap_or(v);
        serde_json::from_value(map)
            .map_err(|e| self.error("GET", &url, ErrorKind::Decode(e.to_string())))
    }

    /// The SHA-256 (lower-case hex) of a file on the server, read as a stream and not kept:
    /// how reconciliation tells whether an upload of ours is already there.
    pub async fn remote_sha256(
        &self,
        object: &ObjectId,
        file: &FileRef,
    ) -> Result<String, GraceDbError> {
        let (url, mut resp) = self.execute(Request::download(object, file)).await?;
        let mut hasher = Sha256::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| self.error("GET", &url, transport(&e)))?
        {
            hasher.update(&chunk);
        }
        Ok(hex(&hasher.finalize()))
    }

    /// Download a file (latest version, or `name,N`) to `dest`, streaming: the file is written
    /// to a temporary name beside `dest` and renamed when complete, so `dest` never holds a
    /// partial download. `Content-Encoding` is decoded.
    pub async fn download(
        &self,
        object: &ObjectId,
        file: &FileRef,
        dest: &Path,
    ) -> Result<Downloaded, GraceDbError> {
        let (url, mut resp) = self.execute(Request::download(object, file)).await?;
        let file_err = |path: &Path, source| {
            self.error(
                "GET",
                &url,
                ErrorKind::File {
                    path: path.display().to_string(),
                    source,
                },
            )
        };
        let tmp = temp_beside(dest);
        // Buffered: each write to a tokio file is a trip to the blocking pool.
        let mut out = tokio::io::BufWriter::with_capacity(
            256 * 1024,
            tokio::fs::File::create(&tmp)
                .await
                .map_err(|e| file_err(&tmp, e))?,
        );
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let result: Result<(), GraceDbError> = async {
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| self.error("GET", &url, transport(&e)))?
            {
                hasher.update(&chunk);
                size += chunk.len() as u64;
                out.write_all(&chunk).await.map_err(|e| file_err(&tmp, e))?;
            }
            out.flush().await.map_err(|e| file_err(&tmp, e))?;
            out.get_ref()
                .sync_all()
                .await
                .map_err(|e| file_err(&tmp, e))?;
            Ok(())
        }
        .await;
        drop(out);
        if let Err(e) = result {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        tokio::fs::rename(&tmp, dest)
            .await
            .map_err(|e| file_err(dest, e))?;
        Ok(Downloaded {
            path: dest.to_owned(),
            size,
            sha256: hex(&hasher.finalize()),
        })
    }

    /// Apply a label. An already-applied label is not an error: the answer says so.
    pub async fn add_label(&self, object: &ObjectId, label: &str) -> Result<Applied, GraceDbError> {
        let status = self
            .execute_discard(Request::add_label(object, label))
            .await;
        // The event API answers 200 with a warning when the label is already there; the
        // superevent API answers 400 (see `already_applied`).
        already_applied(status.map(|s| {
            if s == 200 && matches!(object, ObjectId::Event(_)) {
                Applied::AlreadyPresent
            } else {
                Applied::Added
            }
        }))
    }

    /// The labels on an object.
    pub async fn labels(&self, object: &ObjectId) -> Result<Vec<Label>, GraceDbError> {
        self.execute_key(Request::labels(object), "labels").await
    }

    /// Remove a label.
    pub async fn remove_label(&self, object: &ObjectId, label: &str) -> Result<(), GraceDbError> {
        self.execute_discard(Request::remove_label(object, label))
            .await?;
        Ok(())
    }

    /// Tag log entry `n`. An already-present tag is not an error.
    pub async fn add_tag(
        &self,
        object: &ObjectId,
        n: u32,
        tag: &str,
        display_name: Option<&str>,
    ) -> Result<Applied, GraceDbError> {
        let status = self
            .execute_discard(Request::add_tag(object, n, tag, display_name))
            .await;
        already_applied(status.map(|_| Applied::Added))
    }

    /// The tags on log entry `n`.
    pub async fn tags(&self, object: &ObjectId, n: u32) -> Result<Vec<Tag>, GraceDbError> {
        self.execute_key(Request::tags(object, n), "tags").await
    }

    /// Remove a tag from log entry `n`.
    pub async fn remove_tag(
        &self,
        object: &ObjectId,
        n: u32,
        tag: &str,
    ) -> Result<(), GraceDbError> {
        self.execute_discard(Request::remove_tag(object, n, tag))
            .await?;
        Ok(())
    }
}

/// Turn the server's "already applied" error answers into [`Applied::AlreadyPresent`].
fn already_applied(r: Result<Applied, GraceDbError>) -> Result<Applied, GraceDbError> {
    match r {
        Err(e) if matches!(&e.kind, ErrorKind::Status { status, message, .. } if is_already_applied(*status, message)) => {
            Ok(Applied::AlreadyPresent)
        }
        other => other,
    }
}

fn temp_beside(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.part-{:08x}", rand::random::<u32>()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use axum::Json;
    use axum::extract::{Query, State};
    use axum::routing::get;
    use serde_json::{Value, json};

    use super::*;

    /// A server whose log list comes in two pages, as a paging GraceDB would answer.
    async fn paging_server() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api/", listener.local_addr().unwrap());
        let root = {
            let base = base.clone();
            move || async move {
                Json(json!({
                    "links": {"self": base},
                    "templates": {"event-log-template": format!("{base}events/{{graceid}}/log/")},
                }))
            }
        };
        let log = |n: u32| json!({"N": n, "comment": format!("entry {n}"), "filename": ""});
        let logs = move |State(base): State<String>, Query(q): Query<HashMap<String, String>>| async move {
            let v: Value = match q.get("page").map(String::as_str) {
                None => json!({"log": [log(1), log(2)],
                    "links": {"next": format!("{base}events/G1/log/?page=2")}}),
                _ => json!({"log": [log(3)], "links": {}}),
            };
            Json(v)
        };
        let app = axum::Router::new()
            .route("/api/", get(root))
            .route("/api/events/G1/log/", get(logs))
            .with_state(base.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        base
    }

    #[tokio::test]
    async fn logs_follow_links_next() {
        let client = GraceDb::builder(paging_server().await).build().unwrap();
        let logs = client.logs(&ObjectId::parse("G1").unwrap()).await.unwrap();
        let n: Vec<u32> = logs.iter().map(|l| l.n).collect();
        assert_eq!(n, [1, 2, 3]);
    }
}
