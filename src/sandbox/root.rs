//! The API root document, user info and the tag list.

use axum::extract::{Extension, State};
use axum::{Json, Router, routing::get};
use serde_json::{Map, Value, json};

use super::api::Api;
use super::auth::Caller;
use super::error::SandboxError;
use super::state::AppState;
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

/// Template names and their paths under the root (server reference §1; event templates from
/// the events URL conf, superevent ones from `url_templates.py`).
const TEMPLATES: &[(&str, &str)] = &[
    ("event-detail-template", "events/{graceid}"),
    ("event-log-template", "events/{graceid}/log/"),
    ("event-log-detail-template", "events/{graceid}/log/{N}"),
    ("voevent-list-template", "events/{graceid}/voevent/"),
    ("voevent-detail-template", "events/{graceid}/voevent/{N}"),
    (
        "emobservation-list-template",
        "events/{graceid}/emobservation/",
    ),
    (
        "emobservation-detail-template",
        "events/{graceid}/emobservation/{N}",
    ),
    ("embb-event-log-template", "events/{graceid}/embb/"),
    ("event-label-template", "events/{graceid}/labels/{label}"),
    ("files-template", "events/{graceid}/files/{filename}"),
    ("taglist-template", "events/{graceid}/log/{N}/tag/"),
    ("tag-template", "events/{graceid}/log/{N}/tag/{tag_name}"),
    ("signoff-list-template", "events/{graceid}/signoff/"),
    (
        "update-grbevent-template",
        "events/{graceid}/update-grbevent/",
    ),
    (
        "superevent-pipeline-preferred-event-list-template",
        "superevents/{superevent_id}/pipeline_preferred_events/",
    ),
    (
        "superevent-pipeline-preferred-event-detail-template",
        "superevents/{superevent_id}/pipeline_preferred_events/{graceid}/",
    ),
    ("superevent-detail-template", "superevents/{superevent_id}/"),
    (
        "superevent-event-list-template",
        "superevents/{superevent_id}/events/",
    ),
    (
        "superevent-event-detail-template",
        "superevents/{superevent_id}/events/{graceid}/",
    ),
    (
        "superevent-label-list-template",
        "superevents/{superevent_id}/labels/",
    ),
    (
        "superevent-label-detail-template",
        "superevents/{superevent_id}/labels/{label_name}/",
    ),
    (
        "superevent-log-list-template",
        "superevents/{superevent_id}/logs/",
    ),
    (
        "superevent-log-detail-template",
        "superevents/{superevent_id}/logs/{N}/",
    ),
    (
        "superevent-log-tag-list-template",
        "superevents/{superevent_id}/logs/{N}/tags/",
    ),
    (
        "superevent-log-tag-detail-template",
        "superevents/{superevent_id}/logs/{N}/tags/{tag_name}/",
    ),
    (
        "superevent-file-list-template",
        "superevents/{superevent_id}/files/",
    ),
    (
        "superevent-file-detail-template",
        "superevents/{superevent_id}/files/{file_name}",
    ),
    (
        "superevent-voevent-list-template",
        "superevents/{superevent_id}/voevents/",
    ),
    (
        "superevent-voevent-detail-template",
        "superevents/{superevent_id}/voevents/{N}/",
    ),
    (
        "superevent-emobservation-list-template",
        "superevents/{superevent_id}/emobservations/",
    ),
    (
        "superevent-emobservation-detail-template",
        "superevents/{superevent_id}/emobservations/{N}/",
    ),
    (
        "superevent-confirm-as-gw-template",
        "superevents/{superevent_id}/confirm-as-gw/",
    ),
    (
        "superevent-signoff-list-template",
        "superevents/{superevent_id}/signoffs/",
    ),
    (
        "superevent-signoff-detail-template",
        "superevents/{superevent_id}/signoffs/{typeinst}/",
    ),
    (
        "superevent-permission-list-template",
        "superevents/{superevent_id}/permissions/",
    ),
    (
        "superevent-permission-modify-template",
        "superevents/{superevent_id}/permissions/modify/",
    ),
];

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
        "links": {
            "superevents": api.url("superevents/"),
            "events": api.url("events/"),
            "self": api.root,
            "performance": api.url("performance/"),
            "user-info": api.url("user-info/"),
        },
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
