//! Events: create, replace, get, search (server reference §2).

use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::annotate::{add_label, write_log};
use super::api::Api;
use super::auth::Caller;
use super::blobs::StagedFile;
use super::error::{ErrorBody, SandboxError};
use super::form::FormData;
use super::ingest::{self, Parsed};
use super::objects::EventRow;
use super::query;
use super::render::{event_json, round6};
use super::state::AppState;
use super::store::Db;
use crate::gps::unix_now;
use crate::gracedb::category::graceid_prefix;
use crate::gracedb::quirks::EVENT_FILE_FIELD;
use crate::gracedb::vocabulary::{DEPRECATED_PIPELINES, GROUPS, LABELS, PIPELINES, SEARCHES};

/// Event routes (the file, log, label and tag sub-resources live in their own modules).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events", get(list).post(create))
        .route("/events/{graceid}", get(detail).put(replace))
}

/// Find an event the caller may see: authentication is required for every event endpoint,
/// and an unknown graceid gets the server's plain-text 404.
pub fn visible_event(
    db: &Db<'_>,
    caller: &Caller,
    graceid: &str,
) -> Result<EventRow, SandboxError> {
    caller.user()?;
    EventRow::find(db, graceid)?.ok_or_else(|| SandboxError::not_found_text("Event not found."))
}

/// Query parameters of the event list.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    /// The search query.
    pub query: Option<String>,
    /// Page size.
    pub count: Option<String>,
    /// Offset of the page.
    pub start: Option<String>,
    /// Sort order.
    pub sort: Option<String>,
}

/// A non-negative integer query parameter, or its default.
pub fn int_param(v: Option<&str>, default: i64) -> Result<i64, SandboxError> {
    match v {
        None | Some("") => Ok(default),
        Some(s) => s.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            SandboxError::bad_request(format!("{s:?} is not a non-negative integer"))
        }),
    }
}

fn order_by(sort: &str) -> &'static str {
    match sort {
        "created" => "created, id",
        "gpstime" => "gpstime, id",
        "-gpstime" => "gpstime DESC, id DESC",
        "far" => "far, id",
        "-far" => "far DESC, id DESC",
        "graceid" | "id" => "id",
        "-graceid" | "-id" => "id DESC",
        _ => "created DESC, id DESC",
    }
}

/// `GET events/`: the server's hand-built pagination (`start`, `count`, `numRows`, and a
/// `next` link present only while `start` differs from `last`).
async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    Query(p): Query<ListParams>,
) -> Result<Json<Value>, SandboxError> {
    caller.user()?;
    let count = int_param(p.count.as_deref(), 10)?.max(1);
    let start = int_param(p.start.as_deref(), 0)?;
    let sort = p.sort.clone().unwrap_or_else(|| "-created".into());
    let q = p.query.clone().unwrap_or_default();
    let filter = query::events(&q).map_err(|e| {
        tracing::info!(%e, query = %q, "rejected event query");
        SandboxError::new(
            StatusCode::BAD_REQUEST,
            ErrorBody::Error("Invalid query".into()),
        )
    })?;
    let api2 = api.clone();
    let (total, events) = state
        .store
        .run(move |db| {
            let args: Vec<&dyn rusqlite::ToSql> = filter
                .args
                .iter()
                .map(|a| a as &dyn rusqlite::ToSql)
                .collect();
            let total: i64 = db.query_row(
                &format!("SELECT COUNT(*) FROM events WHERE {}", filter.condition),
                args.as_slice(),
                |r| r.get(0),
            )?;
            let rows =
                EventRow::select(db, &filter.condition, order_by(&sort), count, start, &args)?;
            let events = rows
                .iter()
                .map(|e| event_json(db, &api2, e))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((total, events))
        })
        .await?;
    let sort = p.sort.unwrap_or_else(|| "-created".into());
    let page = |s: i64| {
        let mut u = url::form_urlencoded::Serializer::new(String::new());
        u.append_pair("start", &s.to_string())
            .append_pair("count", &count.to_string())
            .append_pair("sort", &sort);
        if let Some(q) = p.query.as_deref().filter(|q| !q.is_empty()) {
            u.append_pair("query", q);
        }
        format!("{}?{}", api.url("events/"), u.finish())
    };
    let last = (total / count).max(0) * count;
    let mut links = json!({
        "self": api.request_url,
        "first": page(0),
        "last": page(last),
    });
    if start != last {
        links["next"] = Value::from(page(start + count));
    }
    Ok(Json(
        json!({ "links": links, "events": events, "numRows": total }),
    ))
}

/// `GET events/{graceid}`.
async fn detail(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    Path(graceid): Path<String>,
) -> Result<Json<Value>, SandboxError> {
    let v = state
        .store
        .run(move |db| {
            let e = visible_event(db, &caller, &graceid)?;
            event_json(db, &api, &e)
        })
        .await?;
    Ok(Json(v))
}

fn parse_bool(v: Option<&str>) -> bool {
    matches!(v, Some("True" | "true" | "1" | "on"))
}

/// An upload, parsed, with the files the server derives from it staged.
struct Ingested {
    parsed: Parsed,
    side_files: Vec<(StagedFile, &'static str)>,
}

/// Read a staged upload and parse it for `pipeline`, off the async runtime.
async fn ingest_upload(
    file: &StagedFile,
    pipeline: &str,
    search: Option<&str>,
    fields: &[(String, String)],
) -> Result<Ingested, SandboxError> {
    let (pipeline, search) = (pipeline.to_owned(), search.map(str::to_owned));
    let fields = fields.to_vec();
    let staged = file.content.clone();
    tokio::task::spawn_blocking(move || {
        let bytes = staged.read()?;
        let upload = ingest::Upload {
            pipeline: &pipeline,
            search: search.as_deref(),
            fields: &fields,
        };
        let mut parsed = ingest::parse(&upload, &bytes).map_err(|m| {
            SandboxError::new(
                StatusCode::BAD_REQUEST,
                ErrorBody::Warnings(vec![format!("Problem creating event ({m})")]),
            )
        })?;
        let side_files = std::mem::take(&mut parsed.side_files)
            .into_iter()
            .map(|f| {
                (
                    StagedFile::in_memory(f.name, bytes::Bytes::from(f.bytes)),
                    f.comment,
                )
            })
            .collect();
        Ok(Ingested { parsed, side_files })
    })
    .await
    .map_err(SandboxError::internal)?
}

/// Record the upload, the server's own files and its other log entries, in the server's order.
fn store_upload(
    db: &Db<'_>,
    e: &EventRow,
    upload: &StagedFile,
    upload_comment: &str,
    ingested: &Ingested,
    issuer: &str,
) -> Result<(), SandboxError> {
    write_log(db, e.key(), upload_comment, issuer, Some(upload))?;
    for (staged, comment) in &ingested.side_files {
        write_log(db, e.key(), comment, issuer, Some(staged))?;
    }
    for comment in &ingested.parsed.logs {
        write_log(db, e.key(), comment, issuer, None)?;
    }
    Ok(())
}

/// `POST events/`: create an event from an uploaded file, with the server's order of checks
/// (server reference §2.2).
async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    mut form: FormData,
) -> Result<Response, SandboxError> {
    let user = caller.user()?.clone();
    let file = form.take_file(EVENT_FILE_FIELD);
    let field = |name| form.get(name).map(str::to_owned);
    let (group, pipeline, search) = (
        field("group"),
        field("pipeline"),
        field("search").filter(|s| !s.is_empty()),
    );
    let Some(pipeline) = pipeline else {
        return Err(form_errors(vec![
            "pipeline: * This field is required.".into(),
        ]));
    };
    if DEPRECATED_PIPELINES.contains(&pipeline.as_str()) {
        return Err(SandboxError::new(
            StatusCode::BAD_REQUEST,
            ErrorBody::Text(format!(
                "The {pipeline} pipeline is no longer supported in GraceDB. Please contact an administrator to re-enable support."
            )),
        ));
    }
    if group.as_deref() != Some("Test") {
        if !PIPELINES.contains(&pipeline.as_str()) {
            return Err(SandboxError::new(
                StatusCode::BAD_REQUEST,
                ErrorBody::Error("Please provide a valid pipeline.".into()),
            ));
        }
        if !state.config.access.may_upload(&user.username, &pipeline) {
            return Err(SandboxError::new(
                StatusCode::FORBIDDEN,
                ErrorBody::Text("You don't have permission on this pipeline.".into()),
            ));
        }
    }
    let labels: Vec<String> = form
        .get_all("labels")
        .into_iter()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let mut errors = Vec::new();
    let choice = |name: &str, value: &str| {
        format!("{name}: * Select a valid choice. {value} is not one of the available choices.")
    };
    match group.as_deref() {
        None | Some("") => errors.push("group: * This field is required.".to_owned()),
        Some(g) if !GROUPS.contains(&g) => errors.push(choice("group", g)),
        _ => {}
    }
    if !PIPELINES.contains(&pipeline.as_str()) {
        errors.push(choice("pipeline", &pipeline));
    }
    if let Some(s) = search.as_deref().filter(|s| !SEARCHES.contains(s)) {
        errors.push(choice("search", s));
    }
    for l in labels.iter().filter(|l| !LABELS.contains(&l.as_str())) {
        errors.push(choice("labels", l));
    }
    if file.is_none() {
        errors.push("eventFile: * This field is required.".to_owned());
    }
    let (Some(group), Some(file), true) = (group, file, errors.is_empty()) else {
        return Err(form_errors(errors));
    };
    let ingested = ingest_upload(&file, &pipeline, search.as_deref(), &form.fields).await?;
    let offline = parse_bool(form.get("offline"));
    let content_id = form.get("content_id").map(str::to_owned);
    let (json, location) = state
        .store
        .run(move |db| {
            let parsed = &ingested.parsed;
            let prefix = graceid_prefix(&group, &pipeline, search.as_deref());
            let likelihood = storable_likelihood(db, parsed.likelihood)?;
            db.prepare_cached(
                "INSERT INTO events (graceid, grp, pipeline, search, submitter, created, gpstime, far, likelihood, nevents, instruments, offline, extra_attributes, content_id)
                 VALUES ('', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(rusqlite::params![
                group,
                pipeline,
                search,
                user.username,
                unix_now(),
                parsed.gpstime.map(round6),
                parsed.far,
                likelihood,
                parsed.nevents,
                parsed.instruments,
                offline,
                serde_json::to_string(&parsed.extra_attributes).map_err(SandboxError::internal)?,
                content_id,
            ])?;
            let id = db.last_insert_rowid();
            let graceid = format!("{prefix}{id:04}");
            db.execute("UPDATE events SET graceid = ?1 WHERE id = ?2", rusqlite::params![graceid, id])?;
            let e = EventRow::get(db, id)?;
            store_upload(db, &e, &file, "Original Data", &ingested, &user.username)?;
            let mut warnings = parsed.warnings.clone();
            for l in &labels {
                if add_label(db, e.key(), l, &user.username)? {
                    write_log(db, e.key(), &format!("Event created with label: {l}"), &user.username, None)?;
                } else {
                    warnings.push(format!("Event {graceid} already labeled with '{l}'"));
                }
            }
            let mut json = event_json(db, &api, &e)?;
            json["warnings"] = json!(warnings);
            let location = api.url(&format!("events/{graceid}"));
            Ok((json, location))
        })
        .await?;
    let mut resp = (StatusCode::CREATED, Json(json)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

/// An infinite likelihood is stored as the largest one already stored, as the server's
/// translator does (`SELECT MAX(likelihood)`), since the column cannot hold infinity.
fn storable_likelihood(db: &Db<'_>, l: Option<f64>) -> Result<Option<f64>, SandboxError> {
    match l {
        Some(x) if x.is_infinite() => {
            Ok(db.query_row("SELECT MAX(likelihood) FROM events", [], |r| r.get(0))?)
        }
        other => Ok(other),
    }
}

fn form_errors(errors: Vec<String>) -> SandboxError {
    SandboxError::new(StatusCode::BAD_REQUEST, ErrorBody::Errors(errors))
}

/// `PUT events/{graceid}`: replace the event file; only its submitter may (server reference
/// §2.5). Answers 202 with an empty body.
async fn replace(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(graceid): Path<String>,
    mut form: FormData,
) -> Result<Response, SandboxError> {
    let user = caller.user()?.clone();
    let file = form.take_file(EVENT_FILE_FIELD);
    let lookup_caller = caller.clone();
    let g = graceid.clone();
    let event = state
        .store
        .run(move |db| visible_event(db, &lookup_caller, &g))
        .await?;
    if event.submitter != user.username {
        return Err(SandboxError::new(
            StatusCode::FORBIDDEN,
            ErrorBody::Text(format!(
                "You did not create this event. You ({}) Them ({})",
                user.username, event.submitter
            )),
        ));
    }
    let Some(file) = file else {
        return Err(form_errors(vec![
            "eventFile: * This field is required.".into(),
        ]));
    };
    let ingested = ingest_upload(
        &file,
        &event.pipeline,
        event.search.as_deref(),
        &form.fields,
    )
    .await?;
    state
        .store
        .run(move |db| {
            let parsed = &ingested.parsed;
            let likelihood = storable_likelihood(db, parsed.likelihood)?;
            db.execute(
                "UPDATE events SET gpstime = ?1, far = ?2, likelihood = ?3, nevents = ?4, instruments = ?5, extra_attributes = ?6, submitter = ?7 WHERE id = ?8",
                rusqlite::params![
                    parsed.gpstime.map(round6),
                    parsed.far,
                    likelihood,
                    parsed.nevents,
                    parsed.instruments,
                    serde_json::to_string(&parsed.extra_attributes).map_err(SandboxError::internal)?,
                    user.username,
                    event.id
                ],
            )?;
            store_upload(db, &event, &file, "Event data replaced by new upload", &ingested, &user.username)
        })
        .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}
