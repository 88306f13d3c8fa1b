//! Request bodies as GraceDB's views see them: a list of fields and at most one file.
//!
//! The official client sends form-urlencoded bodies, multipart bodies when a file is attached,
//! and JSON for a few calls; DRF views accept all three (server reference §3). One extractor
//! turns any of them into [`FormData`]. Files are streamed to disk as they arrive.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;

use super::blobs::{StagedFile, StagingWriter, clean_file_name};
use super::error::SandboxError;
use super::state::AppState;
use crate::gracedb::quirks::py_bool;

/// The fields and file of a request body.
#[derive(Debug, Default)]
pub struct FormData {
    /// Fields in the order received; repeated names are repeated entries.
    pub fields: Vec<(String, String)>,
    /// The uploaded file and the name of the part that carried it.
    pub file: Option<(String, StagedFile)>,
}

impl FormData {
    /// The last value of a field, as Django's `QueryDict.get` returns it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated field.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Take the file if it came in the part named `field`.
    pub fn take_file(&mut self, field: &str) -> Option<StagedFile> {
        match self.file.take() {
            Some((name, f)) if name == field => Some(f),
            other => {
                self.file = other;
                None
            }
        }
    }
}

impl FromRequest<AppState> for FormData {
    type Rejection = SandboxError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("multipart/form-data") {
            let mp = Multipart::from_request(req, state).await.map_err(|e| {
                SandboxError::bad_request(format!("Multipart form parse error - {e}"))
            })?;
            read_multipart(mp, state).await
        } else if content_type.starts_with("application/json") {
            let bytes = axum::body::to_bytes(req.into_body(), FIELD_LIMIT)
                .await
                .map_err(|e| SandboxError::bad_request(format!("JSON parse error - {e}")))?;
            from_json(&bytes)
        } else {
            // Form-urlencoded, or no body at all (event label PUT, confirm-as-gw).
            let bytes = axum::body::to_bytes(req.into_body(), FIELD_LIMIT)
                .await
                .map_err(|e| SandboxError::bad_request(format!("Form parse error - {e}")))?;
            Ok(Self {
                fields: url::form_urlencoded::parse(&bytes).into_owned().collect(),
                file: None,
            })
        }
    }
}

/// Django's cap on non-file form data (`DATA_UPLOAD_MAX_MEMORY_SIZE`, 2.5 MB).
const FIELD_LIMIT: usize = 2_621_440;

async fn read_multipart(mut mp: Multipart, state: &AppState) -> Result<FormData, SandboxError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        SandboxError::bad_request(format!("Multipart form parse error - {e}"))
    };
    let mut out = FormData::default();
    let mut field_bytes = 0usize;
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) if out.file.is_none() => {
                let file_name = clean_file_name(&file_name)?;
                let mut w = StagingWriter::new(state.store.blobs());
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    w.write(&chunk).await?;
                }
                out.file = Some((name, w.finish(file_name).await?));
            }
            // A second file part: nothing in the API takes two; drain it.
            Some(_) => while field.chunk().await.map_err(bad)?.is_some() {},
            None => {
                let value = field.text().await.map_err(bad)?;
                field_bytes += value.len();
                if field_bytes > FIELD_LIMIT {
                    return Err(SandboxError::bad_request(
                        "Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.",
                    ));
                }
                out.fields.push((name, value));
            }
        }
    }
    Ok(out)
}

fn from_json(bytes: &[u8]) -> Result<FormData, SandboxError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(FormData::default());
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| SandboxError::bad_request(format!("JSON parse error - {e}")))?;
    let serde_json::Value::Object(map) = value else {
        return Err(SandboxError::bad_request(
            "Invalid data. Expected a dictionary, but got a different type.",
        ));
    };
    let mut fields = Vec::new();
    for (k, v) in map {
        let items = match v {
            serde_json::Value::Array(a) => a,
            v => vec![v],
        };
        for item in items {
            let s = match item {
                serde_json::Value::String(s) => s,
                serde_json::Value::Bool(b) => py_bool(b).to_owned(),
                serde_json::Value::Null => continue,
                other => other.to_string(),
            };
            fields.push((k.clone(), s));
        }
    }
    Ok(FormData { fields, file: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_become_fields() {
        let f = from_json(br#"{"t_0": 1.5, "events": ["T1", "T2"], "offline": false, "x": null}"#)
            .unwrap();
        assert_eq!(f.get("t_0"), Some("1.5"));
        assert_eq!(f.get_all("events"), vec!["T1", "T2"]);
        assert_eq!(f.get("offline"), Some("False"));
        assert_eq!(f.get("x"), None);
        assert!(from_json(b"[1]").is_err());
        assert!(from_json(b"").unwrap().fields.is_empty());
    }
}
