//! Tags on log entries (server reference §6.3): events `PUT …/log/{N}/tag/{tag}`, superevents
//! `POST …/logs/{N}/tags/` with `name=`; each applied tag also writes a log entry.

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::annotate::{
    self, log_tags, tag_display_name, tag_log, untag_log, validate_tag_name, write_log,
};
use super::api::Api;
use super::auth::Caller;
use super::error::{ErrorBody, SandboxError};
use super::form::FormData;
use super::logs::{Target, tagged_message, target, visible_to};
use super::objects::{Kind, KindMarker, OfEvent, OfSuperevent};
use super::state::AppState;
use super::store::Db;

/// Tag routes for both kinds of object.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events/{id}/tag", get(all_event_tags))
        .route("/events/{id}/log/{n}/tag", get(list::<OfEvent>))
        .route(
            "/events/{id}/log/{n}/tag/{tag}",
            get(get_one::<OfEvent>)
                .put(put_event)
                .delete(remove::<OfEvent>),
        )
        .route(
            "/superevents/{id}/logs/{n}/tags",
            get(list::<OfSuperevent>).post(post_superevent),
        )
        .route(
            "/superevents/{id}/logs/{n}/tags/{tag}",
            get(get_one::<OfSuperevent>).delete(remove::<OfSuperevent>),
        )
}

fn log_missing(kind: Kind) -> SandboxError {
    match kind {
        Kind::Event => SandboxError::not_found_string("Log does not exist."),
        Kind::Superevent => SandboxError::not_found(),
    }
}

fn tag_missing(kind: Kind) -> SandboxError {
    match kind {
        Kind::Event => SandboxError::not_found_string("Tag not found."),
        Kind::Superevent => SandboxError::not_found(),
    }
}

/// The log entry `n` of the target, as the caller may see it.
fn entry(
    db: &Db<'_>,
    caller: &Caller,
    kind: Kind,
    id: &str,
    n: &str,
) -> Result<(Target, i64), SandboxError> {
    let t = target(db, caller, kind, id)?;
    let n: i64 = n.parse().map_err(|_| log_missing(kind))?;
    match annotate::log(db, t.key, n)? {
        Some(l) if visible_to(caller, &l) => Ok((t, n)),
        _ => Err(log_missing(kind)),
    }
}

fn tag_url(api: &Api, kind: Kind, id: &str, n: i64, tag: &str) -> String {
    match kind {
        Kind::Event => api.url(&format!("events/{id}/log/{n}/tag/{tag}")),
        Kind::Superevent => api.url(&format!("superevents/{id}/logs/{n}/tags/{tag}/")),
    }
}

fn tag_json(
    db: &Db<'_>,
    api: &Api,
    kind: Kind,
    id: &str,
    n: i64,
    tag: &str,
) -> Result<Value, SandboxError> {
    let display = tag_display_name(db, tag)?.flatten();
    let url = tag_url(api, kind, id, n, tag);
    Ok(match kind {
        Kind::Event => json!({ "self": url, "name": tag, "displayName": display }),
        Kind::Superevent => json!({ "name": tag, "displayName": display, "self": url }),
    })
}

async fn list<K: KindMarker>(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path((id, n)): Path<(String, String)>,
) -> Result<Json<Value>, SandboxError> {
    let kind = K::KIND;
    let v = s
        .store
        .run(move |db| {
            let (t, n) = entry(db, &c, kind, &id, &n)?;
            let tags = log_tags(db, t.key, n)?
                .iter()
                .map(|tag| tag_json(db, &api, kind, &t.id, n, tag))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(json!({ "tags": tags }))
        })
        .await?;
    Ok(Json(v))
}

async fn get_one<K: KindMarker>(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path((id, n, tag)): Path<(String, String, String)>,
) -> Result<Json<Value>, SandboxError> {
    let kind = K::KIND;
    let v = s
        .store
        .run(move |db| {
            let (t, n) = entry(db, &c, kind, &id, &n)?;
            if !log_tags(db, t.key, n)?.contains(&tag) {
                return Err(tag_missing(kind));
            }
            let display = tag_display_name(db, &tag)?.flatten();
            let url = tag_url(&api, kind, &t.id, n, &tag);
            Ok(match kind {
                Kind::Event => {
                    json!({ "name": tag, "displayName": display, "links": { "self": url } })
                }
                Kind::Superevent => json!({ "name": tag, "displayName": display, "self": url }),
            })
        })
        .await?;
    Ok(Json(v))
}

/// Apply a tag; `Ok(false)` when it was already there.
fn apply(
    db: &Db<'_>,
    c: &Caller,
    kind: Kind,
    id: &str,
    n: &str,
    tag: &str,
    display: Option<&str>,
) -> Result<(Target, i64, bool), SandboxError> {
    let user = c.user()?;
    let (t, n) = entry(db, c, kind, id, n)?;
    let added = tag_log(db, t.key, n, tag, display)?;
    if added {
        write_log(
            db,
            t.key,
            &tagged_message(kind, n, tag),
            &user.username,
            None,
        )?;
    }
    Ok((t, n, added))
}

/// `PUT events/{id}/log/{n}/tag/{tag}`: 201 `"Tag created."`, or 409 when already tagged.
async fn put_event(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((id, n, tag)): Path<(String, String, String)>,
    form: FormData,
) -> Result<Response, SandboxError> {
    c.user()?;
    validate_tag_name(&tag)?;
    let display = form.get("displayName").map(str::to_owned);
    s.store
        .run(move |db| {
            let (_, _, added) = apply(db, &c, Kind::Event, &id, &n, &tag, display.as_deref())?;
            if added {
                Ok((StatusCode::CREATED, Json(json!("Tag created."))).into_response())
            } else {
                Err(SandboxError::new(
                    StatusCode::CONFLICT,
                    ErrorBody::String(format!("Log already has tag {tag}")),
                ))
            }
        })
        .await
}

/// `POST superevents/{id}/logs/{n}/tags/` with `name=` and optional `displayName=`.
async fn post_superevent(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path((id, n)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, SandboxError> {
    c.user()?;
    let Some(tag) = form.get("name").map(str::to_owned) else {
        return Err(SandboxError::bad_request("This field is required."));
    };
    validate_tag_name(&tag)?;
    let display = form.get("displayName").map(str::to_owned);
    let v = s
        .store
        .run(move |db| {
            let (t, n, added) = apply(db, &c, Kind::Superevent, &id, &n, &tag, display.as_deref())?;
            if !added {
                return Err(SandboxError::bad_request(
                    "Tag is already applied to this log message",
                ));
            }
            tag_json(db, &api, Kind::Superevent, &t.id, n, &tag)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn remove<K: KindMarker>(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((id, n, tag)): Path<(String, String, String)>,
) -> Result<StatusCode, SandboxError> {
    let kind = K::KIND;
    let user = c.user()?.clone();
    s.store
        .run(move |db| {
            let (t, n) = entry(db, &c, kind, &id, &n)?;
            if !untag_log(db, t.key, n, &tag)? {
                return Err(tag_missing(kind));
            }
            let msg = match kind {
                Kind::Event => format!("Removed tag {tag} for message {n}. "),
                Kind::Superevent => format!("Removed tag {tag} from message {n}."),
            };
            write_log(db, t.key, &msg, &user.username, None)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

/// `GET events/{id}/tag/`: every tag on the event's log entries.
async fn all_event_tags(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path(id): Path<String>,
) -> Result<Json<Value>, SandboxError> {
    let v = s
        .store
        .run(move |db| {
            let t = target(db, &c, Kind::Event, &id)?;
            let mut names: Vec<String> = annotate::logs(db, t.key)?.into_iter().flat_map(|l| l.tags).collect();
            names.sort();
            names.dedup();
            let tags = names
                .iter()
                .map(|tag| {
                    let display = tag_display_name(db, tag)?.flatten();
                    Ok(json!({ "self": api.url(&format!("events/{}/tag/{tag}", t.id)), "name": tag, "displayName": display }))
                })
                .collect::<Result<Vec<_>, SandboxError>>()?;
            Ok(json!({ "tags": tags }))
        })
        .await?;
    Ok(Json(v))
}
