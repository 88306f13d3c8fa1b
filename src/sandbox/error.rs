//! The sandbox's one error type, rendered in the shapes the real GraceDB server uses.
//!
//! GraceDB answers errors in half a dozen body shapes depending on the view that raised them
//! (server reference §8): DRF `{"detail": …}`, a bare JSON string, a JSON list of strings,
//! `{"error": …}`, `{"errors": […]}`, `{"warnings": […]}`, or Django plain text. Clients compare
//! some of them verbatim (gwcelery matches the duplicate-label body), so the shape is part of
//! the error.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The body shape of an error answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorBody {
    /// DRF's `{"detail": "…"}`.
    Detail(String),
    /// A bare JSON string, `"…"`.
    String(String),
    /// A JSON list of strings (DRF validation errors raised with a plain message).
    List(Vec<String>),
    /// `{"error": "…"}` (hand-written event views).
    Error(String),
    /// `{"errors": ["field: * message", …]}` (Django form errors on event creation).
    Errors(Vec<String>),
    /// `{"warnings": ["…"]}` (event creation failures).
    Warnings(Vec<String>),
    /// Django `HttpResponse` plain text.
    Text(String),
}

/// An error answer: a status and a GraceDB-shaped body.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{status}: {body:?}")]
pub struct SandboxError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body.
    pub body: ErrorBody,
}

impl SandboxError {
    /// An error with the given status and body.
    pub fn new(status: StatusCode, body: ErrorBody) -> Self {
        Self { status, body }
    }

    /// 400 with a bare JSON string, the usual DRF validation answer.
    pub fn bad_request(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorBody::String(msg.into()))
    }

    /// 400 with a JSON list of strings.
    pub fn bad_request_list(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorBody::List(vec![msg.into()]))
    }

    /// 403 `{"detail": …}`.
    pub fn forbidden(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorBody::Detail(msg.into()))
    }

    /// The answer DRF gives an anonymous caller where authentication is required. GraceDB
    /// answers 403, not 401: its first authenticator sends no `WWW-Authenticate` header.
    pub fn not_authenticated() -> Self {
        Self::forbidden("Authentication credentials were not provided.")
    }

    /// 404 `{"detail": "Not found."}`, DRF's answer for an unknown or invisible object.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorBody::Detail("Not found.".into()),
        )
    }

    /// 404 with a bare JSON string.
    pub fn not_found_string(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorBody::String(msg.into()))
    }

    /// 404 plain text (Django `HttpResponseNotFound`).
    pub fn not_found_text(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorBody::Text(msg.into()))
    }

    /// 405 in DRF's words.
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorBody::Detail(format!("Method \"{method}\" not allowed.")),
        )
    }

    /// A failure of the sandbox itself. The cause is logged, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "sandbox internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorBody::Text("Server Error (500)".into()),
        )
    }
}

impl From<rusqlite::Error> for SandboxError {
    fn from(e: rusqlite::Error) -> Self {
        Self::internal(format_args!("database: {e}"))
    }
}

impl From<std::io::Error> for SandboxError {
    fn from(e: std::io::Error) -> Self {
        Self::internal(format_args!("file system: {e}"))
    }
}

impl IntoResponse for SandboxError {
    fn into_response(self) -> Response {
        let json_body = match self.body {
            ErrorBody::Detail(m) => json!({ "detail": m }),
            ErrorBody::String(m) => json!(m),
            ErrorBody::List(l) => json!(l),
            ErrorBody::Error(m) => json!({ "error": m }),
            ErrorBody::Errors(l) => json!({ "errors": l }),
            ErrorBody::Warnings(l) => json!({ "warnings": l }),
            ErrorBody::Text(t) => {
                let mut r = (self.status, t).into_response();
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                return r;
            }
        };
        (self.status, axum::Json(json_body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn render(e: SandboxError) -> (u16, String, String) {
        let r = e.into_response();
        let status = r.status().as_u16();
        let ct = r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let body = axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap();
        (status, ct, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn every_shape_renders_as_gracedb_does() {
        let cases = [
            (
                SandboxError::not_authenticated(),
                403,
                r#"{"detail":"Authentication credentials were not provided."}"#,
            ),
            (
                SandboxError::bad_request("Event G1 is already assigned to a Superevent"),
                400,
                r#""Event G1 is already assigned to a Superevent""#,
            ),
            (
                SandboxError::bad_request_list("Request would not modify the superevent"),
                400,
                r#"["Request would not modify the superevent"]"#,
            ),
            (SandboxError::not_found(), 404, r#"{"detail":"Not found."}"#),
            (
                SandboxError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorBody::Error("Invalid query".into()),
                ),
                400,
                r#"{"error":"Invalid query"}"#,
            ),
            (
                SandboxError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorBody::Errors(vec!["group: * bad".into()]),
                ),
                400,
                r#"{"errors":["group: * bad"]}"#,
            ),
        ];
        for (e, status, body) in cases {
            let (s, ct, b) = render(e).await;
            assert_eq!(
                (s, ct.as_str(), b.as_str()),
                (status, "application/json", body)
            );
        }
        let (s, ct, b) = render(SandboxError::not_found_text("Event not found.")).await;
        assert_eq!(
            (s, ct.as_str(), b.as_str()),
            (404, "text/html; charset=utf-8", "Event not found.")
        );
    }
}
