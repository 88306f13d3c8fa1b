//! Where the API is, as the caller sees it: the absolute root URL that every link, template
//! and pagination URL in a response is built from.
//!
//! The real server mounts one URL tree at `/api/`, `/api/v1/` and `/api/v2/` and reverses
//! links inside the namespace the request came in on (server reference §0), from the
//! request's scheme and host (`X-Forwarded-Proto`/`-Host` honoured, §9).

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use super::error::SandboxError;

/// The API root of the current request, e.g. `http://127.0.0.1:8000/api/v1/`.
#[derive(Debug, Clone)]
pub struct Api {
    /// The absolute root, ending in `/`.
    pub root: String,
    /// The full URL of the request, for `links.self`.
    pub request_url: String,
}

impl Api {
    /// `root + path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.root)
    }

    /// The `links` of a list the server answers in one page: `self`, `first` and `last` are all
    /// the request's URL.
    pub fn single_page_links(&self) -> serde_json::Value {
        serde_json::json!({
            "self": self.request_url,
            "first": self.request_url,
            "last": self.request_url,
        })
    }

    /// The audience a token must name for this server: `scheme://host`, port dropped, as the
    /// official client derives it.
    pub fn audience(headers: &HeaderMap) -> String {
        let (scheme, host) = scheme_and_host(headers);
        let hostname = match host.rsplit_once(':') {
            // An IPv6 literal keeps its brackets and colons.
            Some((h, port)) if port.bytes().all(|c| c.is_ascii_digit()) && !h.ends_with(':') => h,
            _ => host.as_str(),
        };
        format!("{scheme}://{hostname}")
    }
}

fn scheme_and_host(headers: &HeaderMap) -> (String, String) {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.split(',').next().unwrap_or(s).trim().to_owned())
    };
    let scheme = get("x-forwarded-proto").unwrap_or_else(|| "http".into());
    let host = get("x-forwarded-host")
        .or_else(|| get(header::HOST.as_str()))
        .unwrap_or_else(|| "localhost".into());
    (scheme, host)
}

/// The mount prefix of a path: `/api/v1/`, `/api/v2/` or `/api/`.
pub fn mount_prefix(path: &str) -> &'static str {
    if path.starts_with("/api/v1/") || path == "/api/v1" {
        "/api/v1/"
    } else if path.starts_with("/api/v2/") || path == "/api/v2" {
        "/api/v2/"
    } else {
        "/api/"
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Api {
    type Rejection = SandboxError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let uri = OriginalUri::from_request_parts(parts, state)
            .await
            .map(|OriginalUri(u)| u)
            .unwrap_or_else(|_| parts.uri.clone());
        let (scheme, host) = scheme_and_host(&parts.headers);
        let origin = format!("{scheme}://{host}");
        let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        Ok(Self {
            root: format!("{origin}{}", mount_prefix(uri.path())),
            request_url: format!("{origin}{path_and_query}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_drops_the_port() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8000".parse().unwrap());
        assert_eq!(Api::audience(&h), "http://127.0.0.1");
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        h.insert("x-forwarded-host", "gracedb.example.org".parse().unwrap());
        assert_eq!(Api::audience(&h), "https://gracedb.example.org");
        let mut v6 = HeaderMap::new();
        v6.insert(header::HOST, "[::1]:8000".parse().unwrap());
        assert_eq!(Api::audience(&v6), "http://[::1]");
    }

    #[test]
    fn prefixes() {
        assert_eq!(mount_prefix("/api/v1/events/"), "/api/v1/");
        assert_eq!(mount_prefix("/api/events/"), "/api/");
        assert_eq!(mount_prefix("/api/v2"), "/api/v2/");
    }
}
