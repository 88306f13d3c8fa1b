//! Exposing superevents to the public and hiding them again (server reference §3.8).

use axum::extract::{Extension, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::api::Api;
use super::auth::Caller;
use super::error::SandboxError;
use super::form::FormData;
use super::objects::SupereventRow;
use super::policy::{self, Action};
use super::state::AppState;
use super::superevents::visible_superevent;

/// Exposure routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/superevents/{id}/permissions", get(list))
        .route("/superevents/{id}/permissions/modify", post(modify))
}

/// The group permissions an exposed superevent carries.
fn permissions(s: &SupereventRow) -> Vec<Value> {
    if !s.is_exposed {
        return Vec::new();
    }
    [
        ("lvem_observers", "view_superevent"),
        ("lvem_observers", "annotate_superevent"),
        ("public_users", "view_superevent"),
    ]
    .iter()
    .map(|(g, p)| json!({ "group": g, "permission": p }))
    .collect()
}

async fn list(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path(id): Path<String>,
) -> Result<Json<Value>, SandboxError> {
    let user = c.user()?.clone();
    let v = s
        .store
        .run(move |db| {
            let sup = visible_superevent(db, &c, &id)?;
            policy::check(&user, sup.category, Action::ViewPermissions)?;
            let perms = permissions(&sup);
            Ok(json!({
                "start": 0,
                "numRows": perms.len(),
                "permissions": perms,
                "links": api.single_page_links(),
            }))
        })
        .await?;
    Ok(Json(v))
}

/// `POST …/permissions/modify/` with `action=expose|hide`; idempotent; answers the new list.
async fn modify(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Json<Value>, SandboxError> {
    let user = c.user()?.clone();
    let (action, exposed) = match form.get("action") {
        Some("expose") => (Action::Expose, true),
        Some("hide") => (Action::Hide, false),
        _ => {
            return Err(SandboxError::bad_request(
                "action must be 'expose' or 'hide'",
            ));
        }
    };
    let v = s
        .store
        .run(move |db| {
            let sup = visible_superevent(db, &c, &id)?;
            policy::check(&user, sup.category, action)?;
            db.execute(
                "UPDATE superevents SET is_exposed = ?1 WHERE id = ?2",
                rusqlite::params![exposed, sup.id],
            )?;
            let sup = SupereventRow::get(db, sup.id)?;
            Ok(Value::Array(permissions(&sup)))
        })
        .await?;
    Ok(Json(v))
}
