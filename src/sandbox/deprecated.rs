//! Endpoints that current GraceDB servers retired: they answer 410 Gone, which is the contract
//! the official client's tests check (client reference §6.2).

use axum::Json;
use axum::Router;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::routing::{any, get};
use serde_json::{Value, json};

use super::api::Api;
use super::auth::Caller;
use super::superevents::visible_superevent;

use super::error::{ErrorBody, SandboxError};
use super::state::AppState;

/// The retired routes.
pub fn router() -> Router<AppState> {
    let retired = any(gone);
    Router::new()
        .route("/events/{id}/voevent", retired.clone())
        .route("/events/{id}/voevent/{n}", retired.clone())
        .route("/events/{id}/emobservation", retired.clone())
        .route("/events/{id}/emobservation/{n}", retired.clone())
        .route("/events/{id}/update-grbevent", retired.clone())
        // Listing a superevent's VOEvents still works (there are none); creating is gone.
        .route("/superevents/{id}/voevents", get(no_voevents).post(gone))
        .route("/superevents/{id}/voevents/{n}", retired.clone())
        .route("/superevents/{id}/emobservations", retired.clone())
        .route("/superevents/{id}/emobservations/{n}", retired)
}

async fn no_voevents(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path(id): Path<String>,
) -> Result<Json<Value>, SandboxError> {
    s.store
        .run(move |db| visible_superevent(db, &c, &id).map(|_| ()))
        .await?;
    Ok(Json(json!({
        "start": 0,
        "numRows": 0,
        "voevents": [],
        "links": api.single_page_links(),
    })))
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
