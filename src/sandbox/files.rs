//! File lists and downloads (server reference §5). Downloads stream from disk, with the
//! server's content type rules and no `Content-Encoding` (stored bytes are served verbatim).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use super::annotate::{self, file_exists, latest_version};
use super::api::Api;
use super::auth::Caller;
use super::error::SandboxError;
use super::logs::{target, visible_to};
use super::objects::{Kind, KindMarker, OfEvent, OfSuperevent};
use super::state::AppState;
use crate::gracedb::quirks::mime_type;

/// File routes for both kinds of object.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events/{id}/files", get(list::<OfEvent>))
        .route("/events/{id}/files/{name}", get(download::<OfEvent>))
        .route("/superevents/{id}/files", get(list::<OfSuperevent>))
        .route(
            "/superevents/{id}/files/{name}",
            get(download::<OfSuperevent>),
        )
}

async fn list<K: KindMarker>(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path(id): Path<String>,
) -> Result<Json<Value>, SandboxError> {
    let kind = K::KIND;
    let v = s
        .store
        .run(move |db| {
            let t = target(db, &c, kind, &id)?;
            let base = match kind {
                Kind::Event => api.url(&format!("events/{}/files/", t.id)),
                Kind::Superevent => api.url(&format!("superevents/{}/files/", t.id)),
            };
            // Anonymous callers see only files attached to public log entries.
            let visible: Option<Vec<(String, i64)>> = (!c.is_authenticated()).then(|| {
                annotate::logs(db, t.key)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|l| visible_to(&c, l))
                    .filter_map(|l| l.file_version.map(|v| (l.filename, v)))
                    .collect()
            });
            let files = annotate::files(db, t.key)?;
            let mut out = BTreeMap::new();
            for (name, version) in &files {
                let seen = visible
                    .as_ref()
                    .is_none_or(|v| v.contains(&(name.clone(), *version)));
                if !seen {
                    continue;
                }
                out.insert(
                    format!("{name},{version}"),
                    Value::from(format!("{base}{name},{version}")),
                );
                let latest = files
                    .iter()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| *v)
                    .max();
                if latest == Some(*version) {
                    out.insert(name.clone(), Value::from(format!("{base}{name}")));
                }
            }
            Ok(Value::Object(out.into_iter().collect()))
        })
        .await?;
    Ok(Json(v))
}

/// The content type the server gives a download, `None` for unknown types (which get
/// `application/octet-stream` and a `Content-Disposition`).
fn content_type(name: &str) -> Option<&'static str> {
    Some(mime_type(name)).filter(|m| *m != "application/octet-stream")
}

async fn download<K: KindMarker>(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((id, requested)): Path<(String, String)>,
) -> Result<Response, SandboxError> {
    let kind = K::KIND;
    let not_found = move |name: &str| match kind {
        Kind::Event => SandboxError::not_found_string(format!("File {name} not found")),
        Kind::Superevent => SandboxError::not_found(),
    };
    if requested.matches(',').count() > 1 {
        return Err(SandboxError::bad_request(
            "Invalid filename: filename should not contain commas",
        ));
    }
    let (name, version) = match requested.split_once(',') {
        None => (requested.clone(), None),
        Some((n, v)) => match v.parse::<i64>() {
            Ok(v) => (n.to_owned(), Some(v)),
            Err(_) => {
                return Err(SandboxError::not_found_string(
                    "File not found, version string should be an int",
                ));
            }
        },
    };
    let gzip = s.config.gzip_downloads;
    let ct = content_type(&name);
    let req = requested.clone();
    let path = s
        .store
        .run(move |db| {
            let t = target(db, &c, kind, &id)?;
            let version = match version {
                Some(v) if file_exists(db, t.key, &name, v)? => v,
                Some(_) => return Err(not_found(&req)),
                None => latest_version(db, t.key, &name)?.ok_or_else(|| not_found(&req))?,
            };
            if !c.is_authenticated() {
                let public = annotate::logs(db, t.key)?.iter().any(|l| {
                    l.filename == name && l.file_version == Some(version) && visible_to(&c, l)
                });
                if !public {
                    return Err(not_found(&req));
                }
            }
            Ok(db.blobs.path(t.key, &name, version))
        })
        .await?;
    let mut resp = if gzip {
        let bytes = tokio::fs::read(&path).await?;
        let gz = tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&bytes)?;
            e.finish()
        })
        .await
        .map_err(SandboxError::internal)??;
        let mut r = Body::from(gz).into_response();
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        let file = tokio::fs::File::open(&path).await?;
        let len = file.metadata().await?.len();
        let mut r = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
            file,
            super::blobs::IO_BUFFER,
        ))
        .into_response();
        r.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        r
    };
    let h = resp.headers_mut();
    match ct.map(HeaderValue::from_static) {
        Some(v) => {
            h.insert(header::CONTENT_TYPE, v);
        }
        None => {
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{requested}\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
        }
    }
    *resp.status_mut() = StatusCode::OK;
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::content_type;

    #[test]
    fn content_types_ignore_the_gzip_suffix() {
        assert_eq!(content_type("bayestar.fits.gz"), Some("image/fits"));
        assert_eq!(content_type("p_astro.json"), Some("application/json"));
        assert_eq!(content_type("plot.png"), Some("image/png"));
        assert_eq!(content_type("big.data"), None);
    }
}
