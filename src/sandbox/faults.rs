//! Fault injection: latency, error answers and lost responses, from a seeded generator.
//!
//! Benchmarks add latency to stand in for a remote server; reliability tests make the server
//! fail transiently, or commit a write and then cut the connection so that the client cannot
//! know it succeeded. The settings can be changed while the server runs, through
//! `PUT /sandbox/faults` (JSON [`FaultConfig`]).

use std::sync::Mutex;

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::config::FaultConfig;
use super::error::SandboxError;
use super::state::AppState;

/// The current fault settings and the generator that draws from them.
pub struct Faults {
    inner: Mutex<(FaultConfig, StdRng)>,
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Handle,
    Fail(StatusCode),
    HandleThenDrop,
    Reset,
}

impl Faults {
    /// Start with `config`.
    pub fn new(config: FaultConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        Self {
            inner: Mutex::new((config, rng)),
        }
    }

    /// Replace the settings and reseed.
    pub fn set(&self, config: FaultConfig) {
        let rng = StdRng::seed_from_u64(config.seed);
        *self.lock() = (config, rng);
    }

    /// The current settings.
    pub fn get(&self) -> FaultConfig {
        self.lock().0.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (FaultConfig, StdRng)> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn decide(&self, method: &Method) -> (std::time::Duration, bool, Decision) {
        let mut g = self.lock();
        let (cfg, rng) = &mut *g;
        let decision = if cfg.fail_rate > 0.0 && rng.gen_bool(cfg.fail_rate.clamp(0.0, 1.0)) {
            let status = if cfg.statuses.is_empty() {
                503
            } else {
                cfg.statuses[rng.gen_range(0..cfg.statuses.len())]
            };
            Decision::Fail(StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE))
        } else if cfg.reset_rate > 0.0 && rng.gen_bool(cfg.reset_rate.clamp(0.0, 1.0)) {
            Decision::Reset
        } else if is_write(method)
            && cfg.drop_rate > 0.0
            && rng.gen_bool(cfg.drop_rate.clamp(0.0, 1.0))
        {
            Decision::HandleThenDrop
        } else {
            Decision::Handle
        };
        (cfg.latency, cfg.retry_after, decision)
    }
}

fn is_write(m: &Method) -> bool {
    matches!(
        *m,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Middleware applying the fault settings to API requests.
pub async fn inject(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (latency, retry_after, decision) = state.faults.decide(req.method());
    let response = respond(decision, retry_after, req, next).await;
    // The latency is added to the response, after the request was handled, as a network
    // would delay the answer: requests arriving together are handled while earlier ones wait.
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    response
}

async fn respond(decision: Decision, retry_after: bool, req: Request, next: Next) -> Response {
    match decision {
        Decision::Handle => next.run(req).await,
        Decision::Fail(status) => {
            let mut r = SandboxError::new(
                status,
                super::error::ErrorBody::Text(format!(
                    "Injected fault: {} {}",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                )),
            )
            .into_response();
            if retry_after && matches!(status.as_u16(), 429 | 503) {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            r
        }
        Decision::HandleThenDrop => {
            let resp = next.run(req).await;
            tracing::info!(status = %resp.status(), "fault: response dropped after handling");
            // The write has committed; the client never learns the outcome.
            cut(resp)
        }
        Decision::Reset => {
            tracing::info!("fault: connection cut before handling");
            drop(req);
            cut(StatusCode::OK.into_response())
        }
    }
}

/// The response's head, then a body that fails: the server aborts the connection, and the
/// client gets no usable answer.
fn cut(resp: Response) -> Response {
    let (mut parts, _) = resp.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let failing = futures_util::stream::once(async {
        Err::<bytes::Bytes, _>(std::io::Error::other("injected connection cut"))
    });
    Response::from_parts(parts, Body::from_stream(failing))
}

/// `GET /sandbox/faults`.
pub async fn get_faults(State(state): State<AppState>) -> Json<FaultConfig> {
    Json(state.faults.get())
}

/// `PUT /sandbox/faults`.
pub async fn put_faults(
    State(state): State<AppState>,
    Json(cfg): Json<FaultConfig>,
) -> Json<FaultConfig> {
    tracing::info!(?cfg, "fault settings changed");
    state.faults.set(cfg);
    Json(state.faults.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_are_reproducible_for_a_seed() {
        let cfg = FaultConfig {
            fail_rate: 0.3,
            drop_rate: 0.3,
            statuses: vec![502, 503, 504],
            seed: 7,
            ..Default::default()
        };
        let draw = || {
            let f = Faults::new(cfg.clone());
            (0..200)
                .map(|i| {
                    f.decide(if i % 2 == 0 {
                        &Method::POST
                    } else {
                        &Method::GET
                    })
                    .2
                })
                .collect::<Vec<_>>()
        };
        let a = draw();
        assert_eq!(a, draw());
        let fails = a.iter().filter(|d| matches!(d, Decision::Fail(_))).count();
        let drops = a.iter().filter(|d| **d == Decision::HandleThenDrop).count();
        assert!((40..80).contains(&fails), "{fails}");
        assert!((10..40).contains(&drops), "{drops}");
        assert!(a.iter().all(|d| match d {
            Decision::Fail(s) => [502, 503, 504].contains(&s.as_u16()),
            _ => true,
        }));
    }

    #[test]
    fn no_faults_by_default() {
        let f = Faults::new(FaultConfig::default());
        assert!((0..100).all(|_| f.decide(&Method::POST).2 == Decision::Handle));
    }
}
