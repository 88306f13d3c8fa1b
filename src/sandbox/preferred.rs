//! Pipeline-preferred events: for each pipeline, the event of that pipeline a superevent
//! prefers, besides its overall preferred event (server reference §3.6).

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use rusqlite::{OptionalExtension, params};
use serde_json::{Map, Value, json};

use super::annotate::write_log;
use super::api::Api;
use super::auth::Caller;
use super::error::SandboxError;
use super::form::FormData;
use super::objects::{EventRow, SupereventRow};
use super::policy::{self, Action};
use super::render::event_json;
use super::state::AppState;
use super::store::Db;
use super::superevents::visible_superevent;

/// Pipeline-preferred event routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/superevents/{id}/pipeline_preferred_events",
            get(list).post(add),
        )
        .route(
            "/superevents/{id}/pipeline_preferred_events/{graceid}",
            delete(remove),
        )
}

/// The pipeline-preferred events of a superevent, pipeline → event JSON, for its JSON.
pub fn by_pipeline(
    db: &Db<'_>,
    api: &Api,
    s: &SupereventRow,
) -> Result<Map<String, Value>, SandboxError> {
    let mut out = Map::new();
    for (pipeline, event) in rows(db, s)? {
        out.insert(pipeline, event_json(db, api, &EventRow::get(db, event)?)?);
    }
    Ok(out)
}

fn rows(db: &Db<'_>, s: &SupereventRow) -> Result<Vec<(String, i64)>, SandboxError> {
    let mut stmt = db.prepare_cached(
        "SELECT pipeline, event FROM pipeline_preferred WHERE superevent = ?1 ORDER BY pipeline",
    )?;
    let rows = stmt.query_map([s.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn member_json(api: &Api, graceid: &str) -> Value {
    json!({ "self": api.url(&format!("events/{graceid}")), "graceid": graceid })
}

async fn list(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path(id): Path<String>,
) -> Result<Json<Value>, SandboxError> {
    c.user()?;
    let v = s
        .store
        .run(move |db| {
            let sup = visible_superevent(db, &c, &id)?;
            let items = rows(db, &sup)?
                .into_iter()
                .map(|(_, e)| Ok(member_json(&api, &EventRow::get(db, e)?.graceid)))
                .collect::<Result<Vec<_>, SandboxError>>()?;
            Ok(json!({
                "start": 0,
                "numRows": items.len(),
                "pipeline_preferred_events": items,
                "links": api.single_page_links(),
            }))
        })
        .await?;
    Ok(Json(v))
}

async fn add(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, SandboxError> {
    let user = c.user()?.clone();
    let graceid = form.get("event").map(str::to_owned);
    let v = s
        .store
        .run(move |db| {
            let sup = visible_superevent(db, &c, &id)?;
            policy::check(&user, sup.category, Action::Change)?;
            let graceid = graceid.ok_or_else(|| SandboxError::bad_request("This field is required."))?;
            let e = EventRow::find(db, &graceid)?
                .ok_or_else(|| SandboxError::bad_request(format!("Event with graceid {graceid} does not exist.")))?;
            match e.superevent {
                Some(x) if x == sup.id => {}
                Some(_) => return Err(SandboxError::bad_request(format!("Event {} is part of a different superevent", e.graceid))),
                None => {
                    return Err(SandboxError::bad_request(format!(
                        "Event {} is not part of superevent {}",
                        e.graceid, sup.superevent_id
                    )));
                }
            }
            let preferred = EventRow::get(db, sup.preferred_event)?;
            if preferred.pipeline == e.pipeline && preferred.id != e.id {
                return Err(SandboxError::bad_request(format!(
                    "Adding {} as a pipeline-preferred event would remove {} as the preferred event",
                    e.graceid, preferred.graceid
                )));
            }
            let current: Option<i64> = db
                .prepare_cached("SELECT event FROM pipeline_preferred WHERE superevent = ?1 AND pipeline = ?2")?
                .query_row(params![sup.id, e.pipeline], |r| r.get(0))
                .optional()?;
            if current == Some(e.id) {
                return Err(SandboxError::bad_request(format!(
                    "Event {} is already the {} pipeline-preferred event for {}",
                    e.graceid, e.pipeline, sup.superevent_id
                )));
            }
            db.execute(
                "INSERT OR REPLACE INTO pipeline_preferred (superevent, pipeline, event) VALUES (?1, ?2, ?3)",
                params![sup.id, e.pipeline, e.id],
            )?;
            write_log(db, sup.key(), &format!("Added pipeline-preferred event: {}", e.graceid), &user.username, None)?;
            Ok(member_json(&api, &e.graceid))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn remove(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((id, graceid)): Path<(String, String)>,
) -> Result<StatusCode, SandboxError> {
    let user = c.user()?.clone();
    s.store
        .run(move |db| {
            let sup = visible_superevent(db, &c, &id)?;
            policy::check(&user, sup.category, Action::Change)?;
            let e = EventRow::find(db, &graceid)?.ok_or_else(SandboxError::not_found)?;
            if e.id == sup.preferred_event {
                return Err(SandboxError::bad_request(format!(
                    "Event {} is the preferred event of {} and cannot be removed as a pipeline-preferred event",
                    e.graceid, sup.superevent_id
                )));
            }
            let removed = db.execute(
                "DELETE FROM pipeline_preferred WHERE superevent = ?1 AND event = ?2",
                params![sup.id, e.id],
            )?;
            if removed == 0 {
                return Err(SandboxError::not_found());
            }
            write_log(db, sup.key(), &format!("Removed pipeline-preferred event: {}", e.graceid), &user.username, None)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}
