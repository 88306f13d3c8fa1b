//! Labels on events and superevents, with the two APIs' asymmetries (server reference §6.1,
//! §6.2): events use `PUT`/`DELETE …/labels/{name}` and answer with JSON strings; superevents
//! use `POST …/labels/` with `name=` and answer with label objects.

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::annotate::{self, add_label, remove_label, write_log};
use super::api::Api;
use super::auth::Caller;
use super::error::SandboxError;
use super::form::FormData;
use super::logs::target;
use super::objects::{Kind, KindMarker, OfEvent, OfSuperevent};
use super::render::label_json;
use super::state::AppState;
use crate::gracedb::vocabulary::{LABELS, PROTECTED_LABELS};

/// Label routes for both kinds of object.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events/{id}/labels", get(list_event))
        .route(
            "/events/{id}/labels/{name}",
            get(get_one::<OfEvent>).put(put_event).delete(delete_event),
        )
        .route(
            "/superevents/{id}/labels",
            get(list_superevent).post(post_superevent),
        )
        .route(
            "/superevents/{id}/labels/{name}",
            get(get_one::<OfSuperevent>).delete(delete_superevent),
        )
}

async fn list_event(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path(id): Path<String>,
) -> Result<Json<Value>, SandboxError> {
    let v = s
        .store
        .run(move |db| {
            let t = target(db, &c, Kind::Event, &id)?;
            let labels: Vec<Value> = annotate::labels(db, t.key)?
                .iter()
                .map(|l| label_json(&api, Kind::Event, &t.id, l))
                .collect();
            // `links` is a one-element list on this endpoint.
            Ok(json!({
                "links": [{ "self": api.request_url, "event": api.url(&format!("events/{}", t.id)) }],
                "labels": labels,
            }))
        })
        .await?;
    Ok(Json(v))
}

async fn list_superevent(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path(id): Path<String>,
) -> Result<Json<Value>, SandboxError> {
    let v = s
        .store
        .run(move |db| {
            let t = target(db, &c, Kind::Superevent, &id)?;
            let mut labels = annotate::labels(db, t.key)?;
            labels.sort_by(|a, b| a.name.cmp(&b.name));
            let labels: Vec<Value> = labels.iter().map(|l| label_json(&api, Kind::Superevent, &t.id, l)).collect();
            Ok(json!({
                "labels": labels,
                "links": { "self": api.request_url, "superevent": api.url(&format!("superevents/{}/", t.id)) },
            }))
        })
        .await?;
    Ok(Json(v))
}

async fn get_one<K: KindMarker>(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<Value>, SandboxError> {
    let kind = K::KIND;
    let v = s
        .store
        .run(move |db| {
            let t = target(db, &c, kind, &id)?;
            annotate::labels(db, t.key)?
                .iter()
                .find(|l| l.name == name)
                .map(|l| label_json(&api, kind, &t.id, l))
                .ok_or_else(|| match kind {
                    Kind::Event => {
                        SandboxError::not_found_string(format!("Label {name} Not Found"))
                    }
                    Kind::Superevent => SandboxError::not_found(),
                })
        })
        .await?;
    Ok(Json(v))
}

/// `PUT events/{id}/labels/{name}`: 201 with the JSON string `"{}"`, or 200 with a warning
/// (as a JSON string) when the label is already there.
async fn put_event(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, SandboxError> {
    let user = c.user()?.clone();
    if !LABELS.contains(&name.as_str()) {
        return Err(SandboxError::bad_request(format!("No such Label '{name}'")));
    }
    if PROTECTED_LABELS.contains(&name.as_str()) {
        return Err(SandboxError::bad_request(format!(
            "The label '{name}' is managed by an automated process and cannot be manually added"
        )));
    }
    s.store
        .run(move |db| {
            let t = target(db, &c, Kind::Event, &id)?;
            if add_label(db, t.key, &name, &user.username)? {
                write_log(db, t.key, &format!("Label: {name}"), &user.username, None)?;
                Ok((StatusCode::CREATED, Json(json!("{}"))).into_response())
            } else {
                let warning =
                    json!({ "warning": format!("Event {} already labeled with '{name}'", t.id) })
                        .to_string();
                Ok((StatusCode::OK, Json(json!(warning))).into_response())
            }
        })
        .await
}

/// `DELETE events/{id}/labels/{name}`.
async fn delete_event(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((id, name)): Path<(String, String)>,
) -> Result<StatusCode, SandboxError> {
    let user = c.user()?.clone();
    if !LABELS.contains(&name.as_str()) {
        return Err(SandboxError::bad_request(format!("No such Label '{name}'")));
    }
    s.store
        .run(move |db| {
            let t = target(db, &c, Kind::Event, &id)?;
            if !remove_label(db, t.key, &name)? {
                return Err(SandboxError::not_found_string(format!(
                    "No label '{name}' associated with event {}",
                    t.id
                )));
            }
            write_log(
                db,
                t.key,
                &format!("Deleted label: {name}"),
                &user.username,
                None,
            )?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

/// `POST superevents/{id}/labels/` with `name=<label>`.
async fn post_superevent(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, SandboxError> {
    let user = c.user()?.clone();
    let Some(name) = form.get("name").map(str::to_owned) else {
        return Err(SandboxError::bad_request("This field is required."));
    };
    if !LABELS.contains(&name.as_str()) {
        return Err(SandboxError::bad_request(format!(
            "Object with name={name} does not exist."
        )));
    }
    if PROTECTED_LABELS.contains(&name.as_str()) {
        return Err(SandboxError::bad_request(format!(
            "The label '{name}' is managed by an automated process and cannot be manually added"
        )));
    }
    let v = s
        .store
        .run(move |db| {
            let t = target(db, &c, Kind::Superevent, &id)?;
            if !add_label(db, t.key, &name, &user.username)? {
                // gwcelery compares this body verbatim to treat it as success.
                return Err(SandboxError::bad_request(
                    "The fields superevent, label must make a unique set.",
                ));
            }
            write_log(
                db,
                t.key,
                &format!("Added label: {name}"),
                &user.username,
                None,
            )?;
            let label = annotate::labels(db, t.key)?
                .into_iter()
                .find(|l| l.name == name)
                .ok_or_else(|| SandboxError::internal("label vanished"))?;
            Ok(label_json(&api, Kind::Superevent, &t.id, &label))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// `DELETE superevents/{id}/labels/{name}/`.
async fn delete_superevent(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((id, name)): Path<(String, String)>,
) -> Result<StatusCode, SandboxError> {
    let user = c.user()?.clone();
    if PROTECTED_LABELS.contains(&name.as_str()) {
        return Err(SandboxError::bad_request(format!(
            "The label '{name}' is managed by an automated process and cannot be removed manually"
        )));
    }
    s.store
        .run(move |db| {
            let t = target(db, &c, Kind::Superevent, &id)?;
            if !remove_label(db, t.key, &name)? {
                return Err(SandboxError::not_found());
            }
            write_log(
                db,
                t.key,
                &format!("Removed label: {name}"),
                &user.username,
                None,
            )?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}
