//! Endpoints that current GraceDB servers retired: they answer 410 Gone, which is the contract
//! the official client's tests check (client reference §6.2).

use axum::Router;
use axum::http::StatusCode;
use axum::routing::any;

use super::error::{ErrorBody, SandboxError};
use super::state::AppState;

/// The retired routes.
pub fn router() -> Router<AppState> {
    let gone = any(gone);
    Router::new()
        .route("/events/{id}/voevent", gone.clone())
        .route("/events/{id}/voevent/{n}", gone.clone())
        .route("/events/{id}/emobservation", gone.clone())
        .route("/events/{id}/emobservation/{n}", gone.clone())
        .route("/events/{id}/update-grbevent", gone.clone())
        .route("/superevents/{id}/voevents", gone.clone())
        .route("/superevents/{id}/voevents/{n}", gone.clone())
        .route("/superevents/{id}/emobservations", gone.clone())
        .route("/superevents/{id}/emobservations/{n}", gone)
}

async fn gone() -> SandboxError {
    SandboxError::new(
        StatusCode::GONE,
        ErrorBody::Detail(
            "This functionality has been deprecated and will not be re-implemented on GraceDB"
                .into(),
        ),
    )
}
