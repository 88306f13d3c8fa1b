//! The API root document, user info and the tag list.

use axum::extract::{Extension, State};
use axum::{Json, Router, routing::get};
use serde_json::{Map, Value, json};

use super::api::Api;
use super::auth::Caller;
use super::error::SandboxError;
use super::state::AppState;
use crate::gracedb::templates::{LINKS, TEMPLATES};
use crate::gracedb::vocabulary as vocab;

/// The version the root document reports.
pub const SERVER_VERSION: &str = concat!("graceflow-sandbox/", env!("CARGO_PKG_VERSION"));

/// Routes under the API root.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/user-info", get(user_info))
        .route("/tag", get(tag_list))
}

fn code_map(pairs: &[(&str, &str)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect(),
    )
}

/// `GET /api/`: the service root the official client builds every URL from.
async fn root(api: Api) -> Json<Value> {
    let templates: Map<String, Value> = TEMPLATES
        .iter()
        .map(|(k, p)| ((*k).to_owned(), Value::from(api.url(p))))
        .collect();
    Json(json!({
        "links": LINKS.iter().map(|(k, p)| ((*k).to_owned(), Value::from(api.url(p)))).collect::<Map<String, Value>>(),
        "templates": templates,
        "groups": vocab::GROUPS,
        "pipelines": vocab::PIPELINES,
        "searches": vocab::SEARCHES,
        "labels": vocab::LABELS,
        "em-groups": [],
        "wavebands": {},
        "eel-statuses": code_map(vocab::EEL_STATUSES),
        "obs-statuses": code_map(vocab::OBS_STATUSES),
        "superevent-categories": code_map(vocab::SUPEREVENT_CATEGORIES),
        "signoff-types": code_map(vocab::SIGNOFF_TYPES),
        "signoff-statuses": code_map(vocab::SIGNOFF_STATUSES),
        "instruments": code_map(vocab::INSTRUMENTS),
        "voevent-types": code_map(vocab::VOEVENT_TYPES),
        "api-versions": ["default", "v1", "v2"],
        "server-version": SERVER_VERSION,
        "API_VERSIONS": ["default", "v1", "v2"],
    }))
}

/// `GET /api/user-info/`.
async fn user_info(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Json<Value> {
    match caller {
        Caller::Anonymous => Json(json!({ "username": "AnonymousUser" })),
        Caller::User(u) => {
            let pipelines = state
                .config
                .access
                .grants
                .get(&u.username)
                .cloned()
                .unwrap_or_default();
            let email = if u.username.contains('@') {
                u.username.as_str()
            } else {
                ""
            };
            Json(json!({
                "username": u.username,
                "first_name": "",
                "last_name": "",
                "email": email,
                "is_internal_user": true,
                "upload_to_pipeline": pipelines,
            }))
        }
    }
}

/// `GET /api/tag/`: every tag, with whether it is one of the server's blessed tags.
async fn tag_list(State(state): State<AppState>) -> Result<Json<Value>, SandboxError> {
    let tags: Vec<(String, Option<String>)> = state
        .store
        .run(|db| {
            let mut stmt = db.prepare("SELECT name, display_name FROM tags ORDER BY name")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await?;
    let map: Map<String, Value> = tags
        .into_iter()
        .map(|(name, display)| {
            let blessed = vocab::BLESSED_TAGS.contains(&name.as_str());
            (name, json!({ "displayName": display, "blessed": blessed }))
        })
        .collect();
    Ok(Json(json!({ "tags": map })))
}
