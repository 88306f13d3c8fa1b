//! The client's one error type: what was asked (method, URL), and what went wrong.
//!
//! It never carries a credential: URLs are built from the service root, never with user
//! information, and headers are not recorded.

use std::time::Duration;

use crate::auth::CredentialError;

/// A failed client operation.
#[derive(Debug, thiserror::Error)]
#[error("{method} {url}: {kind}")]
pub struct GraceDbError {
    /// The HTTP method, or the operation when no request was made.
    pub method: String,
    /// The URL (or the service root when no request was made).
    pub url: String,
    /// What went wrong.
    #[source]
    pub kind: ErrorKind,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ErrorKind {
    /// The server answered with an error status.
    #[error("{status} {reason}: {message}")]
    Status {
        /// The status code.
        status: u16,
        /// Its reason phrase.
        reason: String,
        /// The server's message, extracted from whichever body shape it used.
        message: String,
        /// The `Retry-After` the server asked for, if any.
        retry_after: Option<Duration>,
    },
    /// The request did not get an answer: connection refused or reset, timeout, TLS.
    #[error("{message}")]
    Transport {
        /// A description, with the cause chain.
        message: String,
        /// Whether it failed while connecting (so the request was certainly not received).
        connect: bool,
        /// Whether a timeout expired.
        timeout: bool,
    },
    /// The answer was not what the API documents.
    #[error("unexpected response: {0}")]
    Decode(String),
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The service root does not publish a URL template or link the operation needs.
    #[error("the server's API root has no {0:?}; is this a GraceDB server?")]
    MissingTemplate(String),
    /// The operation is not available for this kind of object.
    #[error("{0}")]
    Unsupported(String),
    /// No credential could be obtained.
    #[error("no credential: {0}")]
    Credential(#[from] CredentialError),
    /// A credential would have been sent in clear text to a remote host.
    #[error("refusing to send a credential over plain http to a non-loopback host; use https")]
    InsecureTransport,
}

impl GraceDbError {
    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self.kind {
            ErrorKind::Status { status, .. } => Some(status),
            _ => None,
        }
    }

    /// The server's message, if the server answered.
    pub fn server_message(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Status { message, .. } => Some(message),
            _ => None,
        }
    }
}

/// Turn an error body into one readable message, whatever shape the server used: a bare JSON
/// string, a list of strings, `{"detail": …}`, `{"error": …}`, `{"errors": […]}`,
/// `{"warnings": […]}`, or plain text (server reference §8).
pub fn server_message(body: &str) -> String {
    const MAX: usize = 1000;
    let trimmed = body.trim();
    let message = match serde_json::from_str::<serde_json::Value>(trimmed) {
        Ok(v) => flatten(&v),
        Err(_) => trimmed.to_owned(),
    };
    let message = if message.is_empty() {
        "(empty body)".to_owned()
    } else {
        message
    };
    if message.len() > MAX {
        let mut end = MAX;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &message[..end])
    } else {
        message
    }
}

fn flatten(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(flatten).collect::<Vec<_>>().join("; "),
        Value::Object(m) => {
            for key in ["detail", "error", "errors", "warnings"] {
                if let Some(x) = m.get(key) {
                    return flatten(x);
                }
            }
            m.iter()
                .map(|(k, v)| format!("{k}: {}", flatten(v)))
                .collect::<Vec<_>>()
                .join("; ")
        }
        other => other.to_string(),
    }
}

/// Describe a transport error with its cause chain.
pub(crate) fn transport(e: &reqwest::Error) -> ErrorKind {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    ErrorKind::Transport {
        message: strip_url(&message),
        connect: e.is_connect(),
        timeout: e.is_timeout(),
    }
}

/// reqwest includes the URL in its messages; ours already names it once.
fn strip_url(message: &str) -> String {
    match message.split_once(" for url (") {
        Some((head, rest)) => match rest.split_once(')') {
            Some((_, tail)) => format!("{head}{tail}"),
            None => head.to_owned(),
        },
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::server_message;

    #[test]
    fn every_body_shape_gives_its_message() {
        let cases = [
            (
                r#""Event G1 is already assigned to a Superevent""#,
                "Event G1 is already assigned to a Superevent",
            ),
            (
                r#"["Request would not modify the superevent"]"#,
                "Request would not modify the superevent",
            ),
            (r#"{"detail": "Not found."}"#, "Not found."),
            (r#"{"error": "Invalid query"}"#, "Invalid query"),
            (
                r#"{"errors": ["group: * bad", "eventFile: * required"]}"#,
                "group: * bad; eventFile: * required",
            ),
            (
                r#"{"warnings": ["Problem creating event (x)"]}"#,
                "Problem creating event (x)",
            ),
            ("Event not found.", "Event not found."),
            ("", "(empty body)"),
        ];
        for (body, want) in cases {
            assert_eq!(server_message(body), want, "{body}");
        }
        assert!(server_message(&"x".repeat(5000)).len() < 1100);
    }
}
