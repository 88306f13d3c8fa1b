//! The sandbox: a GraceDB-compatible server, SQLite-backed, loopback only.
//!
//! It serves the GraceDB REST API as the official client sees it (server reference in
//! `shared/reference/`), closely enough that `ligo-gracedb` works against it unchanged, so that
//! workflows, tests and anyone writing GraceDB client code can run offline. [`start`] runs it
//! in-process on a loopback port (tests, `run --server sandbox`); `graceflow sandbox` runs it
//! in the foreground.
//!
//! One file per resource, each with its own `router()`; [`SandboxError`] renders every error
//! in the body shape the real server uses for that endpoint.

mod annotate;
mod api;
mod auth;
mod blobs;
pub mod config;
mod deprecated;
mod error;
mod events;
mod exposure;
mod faults;
mod files;
mod form;
mod ingest;
pub mod issuer;
mod labels;
mod logs;
mod objects;
mod policy;
mod preferred;
mod query;
mod render;
mod root;
pub mod scitokens_cache;
mod signoffs;
mod state;
mod store;
mod superevents;
mod tags;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, Method, StatusCode, Version, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tower::Layer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::normalize_path::NormalizePathLayer;
use tower_http::trace::TraceLayer;

pub use auth::REJECTION_HEADER;
pub use config::{AccessConfig, FaultConfig, SandboxConfig};
pub use error::{ErrorBody, SandboxError};
pub use issuer::{Issuer, TokenRequest};

use state::AppState;
use store::Store;

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database or file tree.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The token issuer key.
    #[error(transparent)]
    Issuer(#[from] issuer::IssuerError),
    /// The address is not a loopback address.
    #[error(
        "the sandbox serves loopback addresses only; {0} is not one (use 127.0.0.1:PORT or [::1]:PORT)"
    )]
    NotLoopback(SocketAddr),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// Open the state a sandbox serves from its configuration.
fn open_state(config: SandboxConfig) -> Result<AppState, StartError> {
    let store = Store::open(&config.data_dir)?;
    let issuer = Issuer::load_or_create(&config.data_dir)?;
    Ok(AppState {
        store,
        issuer: Arc::new(issuer),
        faults: Arc::new(faults::Faults::new(config.faults.clone())),
        config: Arc::new(config),
    })
}

/// The API routes, as mounted under each of `/api/`, `/api/v1/` and `/api/v2/`.
fn api_router(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(root::router())
        .merge(events::router())
        .merge(superevents::router())
        .merge(logs::router())
        .merge(labels::router())
        .merge(tags::router())
        .merge(files::router())
        .merge(signoffs::router())
        .merge(exposure::router())
        .merge(preferred::router())
        .merge(deprecated::router())
        .fallback(|| async { SandboxError::not_found() })
        .method_not_allowed_fallback(|method: Method| async move {
            SandboxError::method_not_allowed(method.as_str())
        })
        // Outermost last: faults first (latency applies to everything), then the version
        // gate, then authentication.
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(from_fn(auth::client_version_gate))
        .layer(from_fn_with_state(state.clone(), faults::inject))
        // Uploads are streamed to disk, so no body size limit is needed.
        .layer(DefaultBodyLimit::disable())
}

/// The whole application, before trailing-slash normalisation.
fn app(state: AppState) -> Router {
    let api = api_router(&state);
    // JSON answers are compressed when the client accepts it, as a production web server
    // would; file downloads never are (the server serves stored bytes verbatim).
    let json_only = |_: StatusCode, _: Version, h: &HeaderMap, _: &axum::http::Extensions| {
        h.get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    };
    Router::new()
        .nest("/api/v1", api.clone())
        .nest("/api/v2", api.clone())
        .nest("/api", api)
        .route(
            "/sandbox/faults",
            get(faults::get_faults).put(faults::put_faults),
        )
        .layer(CompressionLayer::new().compress_when(SizeAbove::new(1024).and(json_only)))
        .layer(from_fn(close_after_refusal))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// An error answer may be sent before the request's body was read (a refused upload, a
/// retired endpoint); the connection then cannot be reused, and the server closes it. Saying
/// so with `Connection: close` keeps a client from sending its next request on a connection
/// that is about to close (the official client did, and saw "Remote end closed connection").
async fn close_after_refusal(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let has_body = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v != "0")
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let mut resp = next.run(req).await;
    if has_body && (resp.status().is_client_error() || resp.status().is_server_error()) {
        resp.headers_mut().insert(
            header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    resp
}

/// A sandbox serving on a loopback port in this process.
pub struct RunningSandbox {
    addr: SocketAddr,
    state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSandbox {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API root, e.g. `http://127.0.0.1:41234/api/`.
    pub fn url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    /// The token issuer (to mint tokens for tests and for `run --server sandbox`).
    pub fn issuer(&self) -> &Issuer {
        &self.state.issuer
    }

    /// Change the injected faults while it runs.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.state.faults.set(faults);
    }

    /// Stop serving and wait until in-flight requests are done.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Start a sandbox on `addr` (a loopback address; port 0 picks a free port).
pub async fn start(config: SandboxConfig, addr: SocketAddr) -> Result<RunningSandbox, StartError> {
    if !addr.ip().is_loopback() {
        return Err(StartError::NotLoopback(addr));
    }
    let state = open_state(config)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr, source })?;
    let service = NormalizePathLayer::trim_trailing_slash().layer(app(state.clone()));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let make = axum::ServiceExt::<axum::extract::Request>::into_make_service(service);
        let served = axum::serve(listener, make)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(%e, "sandbox server stopped");
        }
    });
    Ok(RunningSandbox {
        addr,
        state,
        shutdown: Some(tx),
        task,
    })
}

/// Open the issuer of a data directory without serving (for `graceflow sandbox token`).
pub fn issuer_for(data_dir: &std::path::Path) -> Result<Issuer, StartError> {
    std::fs::create_dir_all(data_dir).map_err(|source| {
        StartError::Store(store::StoreError::Io {
            path: data_dir.display().to_string(),
            source,
        })
    })?;
    Ok(Issuer::load_or_create(data_dir)?)
}
