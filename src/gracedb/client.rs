//! The client: configuration, the service root, and the one place requests are sent.
//!
//! Every URL comes from the server's root document (`links` and `templates`), fetched once per
//! client. Each request asks the credential source for the current credential, so a renewed
//! token is picked up without rebuilding the client. The client never retries: the engine owns
//! retries, so that one layer decides.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use reqwest::{Method, Response};
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;

use super::error::{ErrorKind, GraceDbError, server_message, transport};
use super::models::UserInfo;
use super::quirks::mime_type;
use super::request::{Body, Request, Target};
use super::root::ServiceRoot;
use crate::auth::{Credential, CredentialSource};

/// The `User-Agent` graceflow sends. The server's version gate only inspects agents naming
/// `gracedb-client`, so this one passes.
pub const USER_AGENT: &str = concat!("graceflow/", env!("CARGO_PKG_VERSION"));

/// Uploads up to this size are read into memory in one go rather than streamed.
const SMALL_UPLOAD: u64 = 1024 * 1024;

/// Builds a [`GraceDb`] client.
#[derive(Debug)]
pub struct GraceDbBuilder {
    service_url: String,
    credential: Arc<dyn CredentialSource>,
    connect_timeout: Duration,
    request_timeout: Option<Duration>,
    read_timeout: Duration,
}

impl GraceDbBuilder {
    /// A client for the API root `service_url` (e.g. `https://gracedb-test.ligo.org/api/`),
    /// anonymous, with a 10 s connect timeout, a 120 s read timeout and no overall limit.
    pub fn new(service_url: impl Into<String>) -> Self {
        Self {
            service_url: service_url.into(),
            credential: Arc::new(Credential::Anonymous),
            connect_timeout: Duration::from_secs(10),
            request_timeout: None,
            read_timeout: Duration::from_secs(120),
        }
    }

    /// Authenticate every request with this credential.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Arc::new(credential);
        self
    }

    /// Ask `source` for the credential before each request (for tokens that are renewed).
    pub fn credential_source(mut self, source: Arc<dyn CredentialSource>) -> Self {
        self.credential = source;
        self
    }

    /// Time allowed to establish a connection.
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Time allowed for a whole request, including uploading and downloading the body.
    /// `None` (the default) sets no limit, so that large files are not cut off.
    pub fn request_timeout(mut self, t: Option<Duration>) -> Self {
        self.request_timeout = t;
        self
    }

    /// Time allowed without receiving any bytes from the server.
    pub fn read_timeout(mut self, t: Duration) -> Self {
        self.read_timeout = t;
        self
    }

    /// Build the client. No request is made until the first operation.
    pub fn build(self) -> Result<GraceDb, GraceDbError> {
        let mut service_url = self.service_url.trim().to_owned();
        if !service_url.ends_with('/') {
            service_url.push('/');
        }
        let fail = |message: String| GraceDbError {
            method: "connect".into(),
            url: service_url.clone(),
            kind: ErrorKind::Decode(message),
        };
        url::Url::parse(&service_url).map_err(|e| fail(format!("not a URL: {e}")))?;
        let mut b = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout);
        if let Some(t) = self.request_timeout {
            b = b.timeout(t);
        }
        let http = b.build().map_err(|e| fail(e.to_string()))?;
        Ok(GraceDb {
            http,
            service_url,
            credential: self.credential,
            root: Arc::new(OnceCell::new()),
        })
    }
}

/// A GraceDB client. Cheap to clone; clones share the connection pool and the root document.
#[derive(Debug, Clone)]
pub struct GraceDb {
    http: reqwest::Client,
    service_url: String,
    credential: Arc<dyn CredentialSource>,
    // Shared by clones: the root is fetched once per client and its clones.
    root: Arc<OnceCell<Arc<ServiceRoot>>>,
}

impl GraceDb {
    /// A builder for the API root `service_url`.
    pub fn builder(service_url: impl Into<String>) -> GraceDbBuilder {
        GraceDbBuilder::new(service_url)
    }

    /// The API root this client talks to.
    pub fn service_url(&self) -> &str {
        &self.service_url
    }

    /// Where requests get their credential: the engine asks it to re-read after a refusal and
    /// watches its expiry.
    pub fn credential_source(&self) -> &Arc<dyn CredentialSource> {
        &self.credential
    }

    /// The service root document, fetched on first use and kept.
    pub async fn root(&self) -> Result<&ServiceRoot, GraceDbError> {
        let root = self
            .root
            .get_or_try_init(|| async {
                let r: ServiceRoot = self
                    .json(Method::GET, &self.service_url, Body::Empty)
                    .await
                    .map_err(|mut e| {
                        // The commonest mistake: the server's address instead of its API root.
                        if e.status() == Some(404)
                            && !self.service_url.trim_end_matches('/').ends_with("/api")
                            && let ErrorKind::Status { message, .. } = &mut e.kind
                        {
                            message.push_str("; is this the API root? GraceDB serves it at …/api/");
                        }
                        e
                    })?;
                if r.templates.is_empty() || r.links.is_empty() {
                    return Err(self.error(
                        "GET",
                        &self.service_url,
                        ErrorKind::Decode(
                            "the API root has no links or templates; is this a GraceDB API root (…/api/)?".into(),
                        ),
                    ));
                }
                Ok(Arc::new(r))
            })
            .await?;
        Ok(root)
    }

    /// The URL of a request's target, from the root document.
    pub(crate) async fn url_for(&self, target: &Target) -> Result<String, GraceDbError> {
        let root = self.root().await?;
        let missing =
            |what: String| self.error("GET", &self.service_url, ErrorKind::MissingTemplate(what));
        match target {
            Target::Link { name, query } => {
                let base = root
                    .link(name)
                    .ok_or_else(|| missing(format!("link {name}")))?;
                if query.is_empty() {
                    return Ok(base.to_owned());
                }
                let mut q = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in query {
                    q.append_pair(k, v);
                }
                Ok(format!("{base}?{}", q.finish()))
            }
            Target::Template { name, values } => {
                let values: Vec<(&str, &str)> =
                    values.iter().map(|(k, v)| (*k, v.as_str())).collect();
                root.template(name, &values)
                    .ok_or_else(|| missing(format!("template {name}")))
            }
        }
    }

    /// Send a request described as data.
    pub(crate) async fn execute(&self, r: Request) -> Result<(String, Response), GraceDbError> {
        let url = self.url_for(&r.target).await?;
        let resp = self.send(r.method, &url, r.body).await?;
        Ok((url, resp))
    }

    /// Send a request and decode its JSON answer.
    pub(crate) async fn execute_json<T: DeserializeOwned>(
        &self,
        r: Request,
    ) -> Result<T, GraceDbError> {
        let url = self.url_for(&r.target).await?;
        self.json(r.method, &url, r.body).await
    }

    /// Send a request whose answer body does not matter; returns the status.
    pub(crate) async fn execute_discard(&self, r: Request) -> Result<u16, GraceDbError> {
        let url = self.url_for(&r.target).await?;
        self.discard(r.method, &url, r.body).await
    }

    /// Send a request and take one key of its JSON answer.
    pub(crate) async fn execute_key<T: DeserializeOwned>(
        &self,
        r: Request,
        key: &str,
    ) -> Result<T, GraceDbError> {
        let url = self.url_for(&r.target).await?;
        let mut v: serde_json::Value = self.json(r.method, &url, r.body).await?;
        serde_json::from_value(v[key].take())
            .map_err(|e| self.error("GET", &url, ErrorKind::Decode(format!("{key}: {e}"))))
    }

    /// Who the server thinks we are (`AnonymousUser` if it did not accept our credential).
    pub async fn user_info(&self) -> Result<UserInfo, GraceDbError> {
        self.execute_json(Request::user_info()).await
    }

    pub(crate) fn error(&self, method: &str, url: &str, kind: ErrorKind) -> GraceDbError {
        GraceDbError {
            method: method.to_owned(),
            url: url.to_owned(),
            kind,
        }
    }

    /// Send one request; an answer of 400 or more becomes an error carrying the server's message.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        body: Body,
    ) -> Result<Response, GraceDbError> {
        let m = method.as_str().to_owned();
        let err = |kind| self.error(&m, url, kind);
        let mut req = self.http.request(method.clone(), url);
        let credential = self
            .credential
            .credential()
            .map_err(|e| err(ErrorKind::Credential(e)))?;
        if let Some(value) = authorization(&credential) {
            if !secure_for_secrets(url) {
                return Err(err(ErrorKind::InsecureTransport));
            }
            let mut hv = HeaderValue::from_str(&value).map_err(|_| {
                err(ErrorKind::Decode(
                    "the credential contains characters not allowed in a header".into(),
                ))
            })?;
            hv.set_sensitive(true);
            req = req.header(AUTHORIZATION, hv);
        }
        req = match body {
            Body::Empty => req,
            Body::Form(f) => req.form(&f.0),
            Body::Multipart(fields, upload) => {
                let mut form = reqwest::multipart::Form::new();
                for (k, v) in fields.0 {
                    form = form.text(k, v);
                }
                let file_err = |source| {
                    err(ErrorKind::File {
                        path: upload.path.display().to_string(),
                        source,
                    })
                };
                // One trip to the blocking pool opens the file and, when it is small, reads it;
                // a large file is streamed from disk instead, never held in memory.
                let path = upload.path.clone();
                let opened = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
                    use std::io::Read;
                    let mut f = std::fs::File::open(&path)?;
                    let len = f.metadata()?.len();
                    if len <= SMALL_UPLOAD {
                        let mut bytes = Vec::with_capacity(len as usize);
                        f.read_to_end(&mut bytes)?;
                        Ok((len, Ok(bytes)))
                    } else {
                        Ok((len, Err(f)))
                    }
                })
                .await
                .map_err(|e| file_err(std::io::Error::other(e.to_string())))?
                .map_err(file_err)?;
                let (len, stream) = match opened {
                    (_, Ok(bytes)) => (bytes.len() as u64, reqwest::Body::from(bytes)),
                    (len, Err(f)) => (
                        len,
                        reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
                            tokio::fs::File::from_std(f),
                            256 * 1024,
                        )),
                    ),
                };
                let part = reqwest::multipart::Part::stream_with_length(stream, len)
                    .file_name(upload.file_name.clone())
                    .mime_str(mime_type(&upload.file_name))
                    .map_err(|e| err(ErrorKind::Decode(e.to_string())))?;
                req.multipart(form.part(upload.field, part))
            }
        };
        let resp = req.send().await.map_err(|e| err(transport(&e)))?;
        let status = resp.status();
        if status.as_u16() < 400 {
            return Ok(resp);
        }
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = resp.text().await.unwrap_or_default();
        Err(err(ErrorKind::Status {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_owned(),
            message: server_message(&text),
            retry_after,
        }))
    }

    /// Send a request and decode its JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        body: Body,
    ) -> Result<T, GraceDbError> {
        let m = method.as_str().to_owned();
        let resp = self.send(method, url, body).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| self.error(&m, url, transport(&e)))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
            self.error(&m, url, ErrorKind::Decode(format!("{e} in {head:?}")))
        })
    }

    /// Send a request whose answer body does not matter (204, 202, …), reading it to the end so
    /// that the connection can be reused and a cut connection is noticed.
    pub(crate) async fn discard(
        &self,
        method: Method,
        url: &str,
        body: Body,
    ) -> Result<u16, GraceDbError> {
        let m = method.as_str().to_owned();
        let resp = self.send(method, url, body).await?;
        let status = resp.status().as_u16();
        resp.bytes()
            .await
            .map_err(|e| self.error(&m, url, transport(&e)))?;
        Ok(status)
    }
}

/// The `Authorization` header value of a credential, `None` for anonymous requests.
fn authorization(credential: &Credential) -> Option<String> {
    match credential {
        Credential::Anonymous => None,
        Credential::Bearer(t) => Some(format!("Bearer {}", t.expose())),
        Credential::Basic { username, password } => {
            use base64::Engine;
            let raw = format!("{username}:{}", password.expose());
            Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw)
            ))
        }
    }
}

/// Secrets go over https, or over http to this machine only.
fn secure_for_secrets(url: &str) -> bool {
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    u.scheme() == "https"
        || match u.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_need_https_or_loopback() {
        assert!(secure_for_secrets("https://gracedb.ligo.org/api/"));
        assert!(secure_for_secrets("http://127.0.0.1:8000/api/"));
        assert!(secure_for_secrets("http://localhost/api/"));
        assert!(secure_for_secrets("http://[::1]:8000/api/"));
        assert!(!secure_for_secrets("http://gracedb.ligo.org/api/"));
        assert!(!secure_for_secrets("http://10.0.0.1/api/"));
    }

    #[test]
    fn fields_use_python_formatting() {
        use super::super::request::Fields;
        let f = Fields::default()
            .bool("offline", false)
            .float("t_0", 1e-6)
            .list("labels", &["INJ", "DQV"])
            .opt("search", None::<String>);
        assert_eq!(
            f.0,
            vec![
                ("offline".to_owned(), "False".to_owned()),
                ("t_0".to_owned(), "1e-06".to_owned()),
                ("labels".to_owned(), "INJ".to_owned()),
                ("labels".to_owned(), "DQV".to_owned()),
            ]
        );
    }
}
