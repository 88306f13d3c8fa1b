//! Who is calling: bearer tokens, Basic accounts, or nobody; and the client-version gate.
//!
//! The real server never answers "bad token": a token it cannot accept (expired, wrong
//! audience or issuer, missing scope) leaves the request anonymous, and the request then fails
//! for lack of permission (server reference §7). The sandbox does the same, and adds what the
//! real server does not: an `X-Sandbox-Token-Rejected` header saying why, so that people
//! debugging a client are not left guessing.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;

use super::api::Api;
use super::error::{ErrorBody, SandboxError};
use super::state::AppState;

/// The response header that explains why a presented token was ignored.
pub const REJECTION_HEADER: &str = "x-sandbox-token-rejected";

/// An authenticated user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user name (a token's `sub`, lower-cased, as the server maps it).
    pub username: String,
    /// Whether the user has every superevent permission.
    pub manager: bool,
}

/// The caller of a request, placed in the request's extensions by [`authenticate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No credential, or one that was not accepted.
    Anonymous,
    /// An authenticated user.
    User(Arc<User>),
}

impl Caller {
    /// The user, or the answer GraceDB gives where authentication is required.
    pub fn user(&self) -> Result<&User, SandboxError> {
        match self {
            Self::User(u) => Ok(u),
            Self::Anonymous => Err(SandboxError::not_authenticated()),
        }
    }

    /// Whether a credential was accepted.
    pub fn is_authenticated(&self) -> bool {
        matches!(self, Self::User(_))
    }
}

/// Middleware: identify the caller and store a [`Caller`] in the request.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut rejected = None;
    let caller = match auth.as_deref().and_then(|a| a.split_once(' ')) {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            let audience = Api::audience(req.headers());
            match state.issuer.verify(token.trim(), &audience) {
                Ok(claims) => state.user(&claims.sub.to_lowercase()),
                Err(why) => {
                    tracing::info!(%why, "bearer token ignored; continuing as anonymous");
                    rejected = Some(why.to_string());
                    Caller::Anonymous
                }
            }
        }
        Some((scheme, creds)) if scheme.eq_ignore_ascii_case("basic") => {
            match basic_user(&state, creds.trim()) {
                Some(name) => state.user(&name),
                None => {
                    return SandboxError::forbidden("Invalid username/password.").into_response();
                }
            }
        }
        _ => Caller::Anonymous,
    };
    req.extensions_mut().insert(caller);
    let mut resp = next.run(req).await;
    if let Some(why) = rejected.and_then(|w| HeaderValue::from_str(&w).ok()) {
        resp.headers_mut().insert(REJECTION_HEADER, why);
    }
    resp
}

fn basic_user(state: &AppState, encoded: &str) -> Option<String> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    state
        .config
        .access
        .users
        .iter()
        .find(|u| u.username == user && u.password == password)
        .map(|u| u.username.clone())
}

/// Middleware: the server's client-version gate (`ClientVersionMiddleware`): API requests
/// without a `User-Agent`, or from an official client older than 2.0.0, get a plain-text 400.
pub async fn client_version_gate(req: Request, next: Next) -> Response {
    let ua = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let message = match ua {
        None => Some(
            "Your client software is out of date - this server requires a version >=2.0.0."
                .to_owned(),
        ),
        Some(ua) => ua
            .split_once("gracedb-client/")
            .map(|(_, v)| v.split_whitespace().next().unwrap_or(""))
            .filter(|v| !version_at_least(v, (2, 0, 0)))
            .map(|v| {
                format!(
                    "Your client software version ({v}) is not supported by this server. Please use a version >=2.0.0."
                )
            }),
    };
    match message {
        Some(m) => SandboxError::new(StatusCode::BAD_REQUEST, ErrorBody::Text(m)).into_response(),
        None => next.run(req).await,
    }
}

fn version_at_least(v: &str, min: (u64, u64, u64)) -> bool {
    let mut parts = v
        .split(['.', '-', '+'])
        .map(|p| p.parse::<u64>().unwrap_or(0));
    let got = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    got >= min
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(version_at_least("2.16.1", (2, 0, 0)));
        assert!(version_at_least("2.0.0", (2, 0, 0)));
        assert!(!version_at_least("1.29", (2, 0, 0)));
        assert!(!version_at_least("", (2, 0, 0)));
    }
}
