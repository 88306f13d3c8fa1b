//! Log entries on events and superevents: list, get, write (server reference §4).

use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::annotate::{self, LogRow, add_label, log_tags, tag_log, validate_tag_name, write_log};
use super::api::Api;
use super::auth::Caller;
use super::error::SandboxError;
use super::events::visible_event;
use super::form::FormData;
use super::objects::{Kind, KindMarker, ObjectKey, OfEvent, OfSuperevent};
use super::render::log_json;
use super::state::AppState;
use super::store::Db;
use super::superevents::visible_superevent;
use crate::gracedb::quirks::LOG_FILE_FIELD;
use crate::gracedb::vocabulary::LABELS;

/// Log routes for both kinds of object.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/events/{id}/log",
            get(list::<OfEvent>).post(write::<OfEvent>),
        )
        .route("/events/{id}/log/{n}", get(get_one::<OfEvent>))
        .route(
            "/superevents/{id}/logs",
            get(list::<OfSuperevent>).post(write::<OfSuperevent>),
        )
        .route("/superevents/{id}/logs/{n}", get(get_one::<OfSuperevent>))
}

/// An event or superevent the caller may see, with the ID that appears in its URLs.
pub struct Target {
    /// Its annotation key.
    pub key: ObjectKey,
    /// The graceid or S ID.
    pub id: String,
}

/// Resolve `id` of `kind` for `caller`.
pub fn target(db: &Db<'_>, caller: &Caller, kind: Kind, id: &str) -> Result<Target, SandboxError> {
    Ok(match kind {
        Kind::Event => {
            let e = visible_event(db, caller, id)?;
            Target {
                key: e.key(),
                id: e.graceid,
            }
        }
        Kind::Superevent => {
            let s = visible_superevent(db, caller, id)?;
            Target {
                key: s.key(),
                id: s.superevent_id,
            }
        }
    })
}

/// Anonymous callers of an exposed superevent see only what is tagged `public`.
pub fn visible_to(caller: &Caller, log: &LogRow) -> bool {
    caller.is_authenticated() || log.tags.iter().any(|t| t == "public")
}

async fn list<K: KindMarker>(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    Path(id): Path<String>,
) -> Result<Json<Value>, SandboxError> {
    let kind = K::KIND;
    let v = state
        .store
        .run(move |db| {
            let t = target(db, &caller, kind, &id)?;
            let logs: Vec<Value> = annotate::logs(db, t.key)?
                .iter()
                .filter(|l| visible_to(&caller, l))
                .map(|l| log_json(&api, kind, &t.id, l))
                .collect();
            Ok(json!({
                "start": 0,
                "numRows": logs.len(),
                "links": api.single_page_links(),
                "log": logs,
            }))
        })
        .await?;
    Ok(Json(v))
}

async fn get_one<K: KindMarker>(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    Path((id, n)): Path<(String, String)>,
) -> Result<Json<Value>, SandboxError> {
    let kind = K::KIND;
    let missing = move || match kind {
        Kind::Event => SandboxError::not_found_string("Log does not exist."),
        Kind::Superevent => SandboxError::not_found(),
    };
    let v = state
        .store
        .run(move |db| {
            let t = target(db, &caller, kind, &id)?;
            let n: i64 = n.parse().map_err(|_| missing())?;
            let log = annotate::log(db, t.key, n)?
                .filter(|l| visible_to(&caller, l))
                .ok_or_else(missing)?;
            Ok(log_json(&api, kind, &t.id, &log))
        })
        .await?;
    Ok(Json(v))
}

/// The tag and display-name lists of a log POST. Events take `tagname` as given; superevents
/// split a single string on commas and insist that the lists match (server reference §4).
fn tags_of(
    form: &FormData,
    kind: Kind,
) -> Result<(Vec<String>, Vec<Option<String>>), SandboxError> {
    let split = |name: &str| -> Vec<String> {
        let all = form.get_all(name);
        match (kind, all.as_slice()) {
            (Kind::Superevent, [one]) => one
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            _ => all
                .into_iter()
                .map(str::to_owned)
                .filter(|s| !s.is_empty())
                .collect(),
        }
    };
    let tags = split("tagname");
    let names = split("displayName");
    for t in &tags {
        validate_tag_name(t)?;
    }
    if names.is_empty() || names.len() == tags.len() {
        let names = if names.is_empty() {
            vec![None; tags.len()]
        } else {
            names.into_iter().map(Some).collect()
        };
        Ok((tags, names))
    } else if kind == Kind::Superevent {
        Err(SandboxError::bad_request(
            "There should either be as many display names as tags, or there should be no display names",
        ))
    } else {
        // The event view uses display names only when the counts match.
        Ok((tags.clone(), vec![None; tags.len()]))
    }
}

/// The log message the server writes when a tag is applied.
pub fn tagged_message(kind: Kind, n: i64, tag: &str) -> String {
    match kind {
        // Trailing space and period as in the server's messages.
        Kind::Event => format!("Tagged message {n}: {tag} "),
        Kind::Superevent => format!("Tagged message {n}: {tag}."),
    }
}

async fn write<K: KindMarker>(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    Path(id): Path<String>,
    mut form: FormData,
) -> Result<Response, SandboxError> {
    let kind = K::KIND;
    let user = caller.user()?.clone();
    let file = form.take_file(LOG_FILE_FIELD);
    let comment = match form.get("comment") {
        None => return Err(SandboxError::bad_request("This field is required.")),
        Some(c) if c.trim().is_empty() && file.is_none() => {
            return Err(SandboxError::bad_request("This field may not be blank."));
        }
        Some(c) => c.to_owned(),
    };
    let (tags, display_names) = tags_of(&form, kind)?;
    let label = form
        .get("label")
        .filter(|l| !l.is_empty())
        .map(str::to_owned);
    // Checked before anything is written, so that a bad label leaves no half-done write.
    if let Some(l) = label.as_deref().filter(|l| !LABELS.contains(l)) {
        return Err(SandboxError::bad_request(format!("No such Label '{l}'")));
    }
    let (json, location) = state
        .store
        .run(move |db| {
            let t = target(db, &caller, kind, &id)?;
            let mut log = write_log(db, t.key, &comment, &user.username, file.as_ref())?;
            for (tag, display) in tags.iter().zip(&display_names) {
                if tag_log(db, t.key, log.n, tag, display.as_deref())? {
                    write_log(
                        db,
                        t.key,
                        &tagged_message(kind, log.n, tag),
                        &user.username,
                        None,
                    )?;
                }
            }
            log.tags = log_tags(db, t.key, log.n)?;
            if let Some(l) = &label
                && add_label(db, t.key, l, &user.username)?
            {
                let msg = match kind {
                    Kind::Event => format!("Label: {l}"),
                    Kind::Superevent => format!("Added label: {l}"),
                };
                write_log(db, t.key, &msg, &user.username, None)?;
            }
            let json = log_json(&api, kind, &t.id, &log);
            let location = json["self"].as_str().unwrap_or_default().to_owned();
            Ok((json, location))
        })
        .await?;
    let mut resp = (StatusCode::CREATED, Json(json)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}
