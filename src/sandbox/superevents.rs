//! Superevents: create, get, update, search, membership and GW confirmation (server
//! reference §3).

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use rusqlite::params;
use serde_json::{Value, json};

use super::annotate::{add_label, write_log};
use super::api::Api;
use super::auth::{Caller, User};
use super::error::{ErrorBody, SandboxError};
use super::events::{ListParams, int_param};
use super::form::FormData;
use super::objects::{EventRow, SupereventRow};
use super::policy::{self, Action};
use super::query;
use super::render::{round6, superevent_json};
use super::state::AppState;
use super::store::Db;
use crate::gps::{gps_to_utc, unix_now};
use crate::gracedb::Category;
use crate::gracedb::ids::int_to_letters;
use crate::gracedb::quirks::py_float;
use crate::gracedb::vocabulary::{LABELS, PROTECTED_LABELS};

/// Superevent routes (logs, labels, files, signoffs and exposure live in their own modules).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/superevents", get(list).post(create))
        .route("/superevents/{sid}", get(detail).patch(update))
        .route("/superevents/{sid}/events", get(members).post(add_event))
        .route("/superevents/{sid}/events/{graceid}", delete(remove_event))
        .route("/superevents/{sid}/confirm-as-gw", post(confirm))
}

/// Find a superevent the caller may see. Unknown and invisible superevents get the same 404,
/// as on the server (nested views resolve the parent before checking permissions).
pub fn visible_superevent(
    db: &Db<'_>,
    caller: &Caller,
    sid: &str,
) -> Result<SupereventRow, SandboxError> {
    match SupereventRow::find(db, sid)? {
        Some(s) if caller.is_authenticated() || s.is_exposed => Ok(s),
        _ => Err(SandboxError::not_found()),
    }
}

/// Validation messages, answered as one string or a list, as the server's exception handler
/// flattens serializer errors.
fn validation(errors: Vec<String>) -> SandboxError {
    if errors.len() == 1 {
        SandboxError::bad_request(errors.into_iter().next().unwrap_or_default())
    } else {
        SandboxError::new(StatusCode::BAD_REQUEST, ErrorBody::List(errors))
    }
}

/// Parse a GPS decimal the way the serializer's DecimalField does.
fn decimal(v: Option<&str>, errors: &mut Vec<String>) -> Option<f64> {
    let Some(s) = v.map(str::trim) else {
        errors.push("This field is required.".into());
        return None;
    };
    let Ok(x) = s.parse::<f64>() else {
        errors.push("A valid number is required.".into());
        return None;
    };
    if s.split_once('.')
        .is_some_and(|(_, frac)| frac.len() > 6 && !frac.contains(['e', 'E']))
    {
        errors.push("Ensure that there are no more than 6 decimal places.".into());
        return None;
    }
    Some(round6(x))
}

/// Look an event up for membership, with the serializer's messages.
fn member_event(db: &Db<'_>, raw: &str) -> Result<EventRow, String> {
    let g = raw.trim().to_ascii_uppercase();
    let valid =
        g.len() > 1 && "GEHMTD".contains(&g[..1]) && g[1..].bytes().all(|c| c.is_ascii_digit());
    if !valid {
        return Err("Not a valid graceid.".into());
    }
    match EventRow::find(db, &g) {
        Ok(Some(e)) => Ok(e),
        Ok(None) => Err(format!("Event with graceid {g} does not exist.")),
        Err(_) => Err("Not a valid graceid.".into()),
    }
}

/// Check that `e` may join a superevent of `category` (not `current`, its own).
fn may_join(e: &EventRow, category: Category, current: Option<i64>) -> Result<(), String> {
    if e.superevent.is_some() && e.superevent != current {
        return Err(format!(
            "Event {} is already assigned to a Superevent",
            e.graceid
        ));
    }
    if e.category() != category {
        return Err(format!(
            "Event {} is of type '{}', and cannot be assigned to a superevent of type '{}'",
            e.graceid,
            e.category().display(),
            category.display()
        ));
    }
    Ok(())
}

/// The next number for (scope, date, category), starting at 1.
fn next_number(
    db: &Db<'_>,
    scope: &str,
    date: &str,
    category: Category,
) -> Result<u64, SandboxError> {
    db.prepare_cached(
        "INSERT INTO id_counters (scope, date, category, n) VALUES (?1, ?2, ?3, 1)
         ON CONFLICT (scope, date, category) DO UPDATE SET n = n + 1",
    )?
    .execute(params![scope, date, category.code()])?;
    let n: i64 = db
        .prepare_cached(
            "SELECT n FROM id_counters WHERE scope = ?1 AND date = ?2 AND category = ?3",
        )?
        .query_row(params![scope, date, category.code()], |r| r.get(0))?;
    Ok(n as u64)
}

fn gps_in_range(t_0: f64) -> bool {
    // 1980-01-01 .. 2080-01-01 UTC, as GPS seconds (GPS starts 1980-01-06).
    (-432000.0..3155328018.0).contains(&t_0)
}

fn list_values(form: &FormData, name: &str) -> Vec<String> {
    form.get_all(name)
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

fn check_labels(labels: &[String], errors: &mut Vec<String>) {
    let protected: Vec<&str> = labels
        .iter()
        .map(String::as_str)
        .filter(|l| PROTECTED_LABELS.contains(l))
        .collect();
    if !protected.is_empty() {
        // Verbatim, including the server's missing space.
        errors.push(format!(
            "The following label(s) are managed by anautomated process and cannot be manually added: {}",
            protected.join(", ")
        ));
    }
    for l in labels.iter().filter(|l| !LABELS.contains(&l.as_str())) {
        errors.push(format!("Object with name={l} does not exist."));
    }
}

/// `POST superevents/`.
async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    form: FormData,
) -> Result<Response, SandboxError> {
    let user = caller.user()?.clone();
    let category = match form.get("category") {
        None => return Err(validation(vec!["This field is required.".into()])),
        Some(c) => Category::from_code(c)
            .ok_or_else(|| validation(vec![format!("\"{c}\" is not a valid choice.")]))?,
    };
    policy::check(&user, category, Action::Create)?;
    let mut errors = Vec::new();
    let t_start = decimal(form.get("t_start"), &mut errors);
    let t_0 = decimal(form.get("t_0"), &mut errors);
    let t_end = decimal(form.get("t_end"), &mut errors);
    let preferred = form.get("preferred_event").map(str::to_owned);
    if preferred.is_none() {
        errors.push("This field is required.".into());
    }
    if t_0.is_some_and(|t| !gps_in_range(t)) {
        errors.push("t_0 out of range: we require that 1980-01-01 00:00:00+00:00 <= t_0 < 2080-01-01 00:00:00+00:00".into());
    }
    let events = list_values(&form, "events");
    let labels = list_values(&form, "labels");
    check_labels(&labels, &mut errors);
    let (Some(t_start), Some(t_0), Some(t_end), Some(preferred), true) =
        (t_start, t_0, t_end, preferred, errors.is_empty())
    else {
        return Err(validation(errors));
    };
    let json = state
        .store
        .run(move |db| {
            let mut errors = Vec::new();
            let pref = member_event(db, &preferred).map_err(|e| validation(vec![e]))?;
            if pref.group == "External" {
                return Err(SandboxError::bad_request(
                    "{'preferred_event': ['External event cannot be set as preferred']}",
                ));
            }
            let mut members = vec![pref.clone()];
            for g in &events {
                match member_event(db, g) {
                    Ok(e) if e.id != pref.id => members.push(e),
                    Ok(_) => {}
                    Err(m) => errors.push(m),
                }
            }
            for e in &members {
                if let Err(m) = may_join(e, category, None) {
                    errors.push(m);
                }
            }
            if !errors.is_empty() {
                return Err(validation(errors));
            }
            let date = gps_to_utc(t_0).yymmdd();
            let n = next_number(db, "S", &date, category)?;
            let sid = format!("{}S{date}{}", category.id_prefix(), int_to_letters(n));
            db.prepare_cached(
                "INSERT INTO superevents (superevent_id, category, submitter, created, preferred_event, t_start, t_0, t_end) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![sid, category.code(), user.username, unix_now(), pref.id, t_start, t_0, t_end])?;
            let s = SupereventRow::get(db, db.last_insert_rowid())?;
            for e in &members {
                db.execute("UPDATE events SET superevent = ?1 WHERE id = ?2", params![s.id, e.id])?;
            }
            let extra: Vec<&str> = members[1..].iter().map(|e| e.graceid.as_str()).collect();
            let mut comment = format!(
                "Superevent created with t_start={}, t_0={}, t_end={}, preferred_event={}",
                py_float(t_start),
                py_float(t_0),
                py_float(t_end),
                pref.graceid
            );
            if !extra.is_empty() {
                comment.push_str(&format!(", events={}", extra.join(", ")));
            }
            write_log(db, s.key(), &comment, &user.username, None)?;
            write_log(db, pref.key(), &format!("Set as preferred event for superevent: {sid}"), &user.username, None)?;
            for e in &members[1..] {
                write_log(db, e.key(), &format!("Added to superevent: {sid}"), &user.username, None)?;
            }
            for l in &labels {
                if add_label(db, s.key(), l, &user.username)? {
                    write_log(db, s.key(), &format!("Added label: {l}"), &user.username, None)?;
                }
            }
            superevent_json(db, &api, &s, false)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

/// `GET superevents/{sid}/`.
async fn detail(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    Path(sid): Path<String>,
) -> Result<Json<Value>, SandboxError> {
    let v = state
        .store
        .run(move |db| {
            let s = visible_superevent(db, &caller, &sid)?;
            superevent_json(db, &api, &s, !caller.is_authenticated())
        })
        .await?;
    Ok(Json(v))
}

fn superevent_order(sort: &str) -> String {
    let cols = [
        "created",
        "t_0",
        "t_start",
        "t_end",
        "preferred_event",
        "superevent_id",
        "id",
        "category",
        "time_coinc_far",
        "space_coinc_far",
        "em_type",
    ];
    let terms: Vec<String> = sort
        .split(',')
        .filter_map(|t| {
            let t = t.trim();
            let (desc, name) = t.strip_prefix('-').map_or((false, t), |n| (true, n));
            let name = if name == "superevent_id" { "id" } else { name };
            let name = if name == "is_gw" {
                "gw_id IS NOT NULL"
            } else {
                name
            };
            (cols.contains(&name) || name == "gw_id IS NOT NULL")
                .then(|| format!("{name}{}", if desc { " DESC" } else { "" }))
        })
        .collect();
    if terms.is_empty() {
        "id DESC".into()
    } else {
        terms.join(", ")
    }
}

/// `GET superevents/`: DRF limit/offset pagination.
async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    Query(p): Query<ListParams>,
) -> Result<Json<Value>, SandboxError> {
    let count = int_param(p.count.as_deref(), 10)?.max(1);
    let start = int_param(p.start.as_deref(), 0)?;
    let q = p.query.clone().unwrap_or_default();
    let mut filter = query::superevents(&q).map_err(|e| {
        tracing::info!(%e, query = %q, "rejected superevent query");
        SandboxError::new(
            StatusCode::BAD_REQUEST,
            ErrorBody::Detail("Invalid query".into()),
        )
    })?;
    if !caller.is_authenticated() {
        filter.condition = format!("({}) AND is_exposed = 1", filter.condition);
    }
    let order = superevent_order(p.sort.as_deref().unwrap_or(""));
    let anonymous = !caller.is_authenticated();
    let api2 = api.clone();
    let (total, items) = state
        .store
        .run(move |db| {
            let args: Vec<&dyn rusqlite::ToSql> = filter
                .args
                .iter()
                .map(|a| a as &dyn rusqlite::ToSql)
                .collect();
            let total: i64 = db.query_row(
                &format!(
                    "SELECT COUNT(*) FROM superevents WHERE {}",
                    filter.condition
                ),
                args.as_slice(),
                |r| r.get(0),
            )?;
            let rows = SupereventRow::select(db, &filter.condition, &order, count, start, &args)?;
            let items = rows
                .iter()
                .map(|s| superevent_json(db, &api2, s, anonymous))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((total, items))
        })
        .await?;
    let with = |start: Option<i64>| {
        let mut u = url::Url::parse(&api.request_url).ok();
        if let Some(u) = u.as_mut() {
            let kept: Vec<(String, String)> = u
                .query_pairs()
                .filter(|(k, _)| k != "count" && k != "start")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let mut qp = u.query_pairs_mut();
            qp.clear();
            for (k, v) in kept {
                qp.append_pair(&k, &v);
            }
            qp.append_pair("count", &count.to_string());
            if let Some(s) = start {
                qp.append_pair("start", &s.to_string());
            }
        }
        u.map_or(Value::Null, |u| Value::from(u.to_string()))
    };
    let next = if start + count < total {
        with(Some(start + count))
    } else {
        Value::Null
    };
    let previous = if start <= 0 {
        Value::Null
    } else if start - count <= 0 {
        with(None)
    } else {
        with(Some(start - count))
    };
    let last = ((total - 1).max(0) / count) * count;
    Ok(Json(json!({
        "numRows": total,
        "superevents": items,
        "links": {
            "self": api.request_url,
            "next": next,
            "previous": previous,
            "first": api.url("superevents/"),
            "last": format!("{}?start={last}&count={count}", api.url("superevents/")),
        },
    })))
}

/// `PATCH superevents/{sid}/`: change only what differs; nothing to change is an error.
async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    Path(sid): Path<String>,
    form: FormData,
) -> Result<Json<Value>, SandboxError> {
    let user = caller.user()?.clone();
    let v = state
        .store
        .run(move |db| {
            let s = visible_superevent(db, &caller, &sid)?;
            policy::check(&user, s.category, Action::Change)?;
            let mut errors = Vec::new();
            let mut changes: Vec<String> = Vec::new();
            let mut sets: Vec<(&str, rusqlite::types::Value)> = Vec::new();
            for (name, old) in [("t_start", s.t_start), ("t_0", s.t_0), ("t_end", s.t_end)] {
                if form.get(name).is_some()
                    && let Some(new) = decimal(form.get(name), &mut errors)
                    && new != round6(old)
                {
                    changes.push(format!(
                        "{name}: {} -> {}",
                        py_float(round6(old)),
                        py_float(new)
                    ));
                    sets.push((name, new.into()));
                }
            }
            for (name, old) in [
                ("time_coinc_far", s.time_coinc_far),
                ("space_coinc_far", s.space_coinc_far),
            ] {
                if let Some(v) = form.get(name) {
                    match v.trim().parse::<f64>() {
                        Ok(new) if Some(new) != old => {
                            changes.push(format!(
                                "{name}: {} -> {}",
                                old.map_or("None".into(), py_float),
                                py_float(new)
                            ));
                            sets.push((name, new.into()));
                        }
                        Ok(_) => {}
                        Err(_) => errors.push("A valid number is required.".into()),
                    }
                }
            }
            if let Some(v) = form
                .get("em_type")
                .filter(|v| Some(*v) != s.em_type.as_deref())
            {
                changes.push(format!(
                    "em_type: {} -> {v}",
                    s.em_type.as_deref().unwrap_or("None")
                ));
                sets.push(("em_type", v.to_owned().into()));
            }
            let mut new_pref = None;
            if let Some(g) = form.get("preferred_event") {
                match member_event(db, g) {
                    Ok(e) if e.id != s.preferred_event => {
                        match may_join(&e, s.category, Some(s.id)) {
                            Ok(()) => {
                                let old = EventRow::get(db, s.preferred_event)?;
                                changes.push(format!(
                                    "preferred_event: {} -> {}",
                                    old.graceid, e.graceid
                                ));
                                sets.push(("preferred_event", e.id.into()));
                                new_pref = Some((old, e));
                            }
                            Err(m) => errors.push(m),
                        }
                    }
                    Ok(_) => {}
                    Err(m) => errors.push(m),
                }
            }
            if !errors.is_empty() {
                return Err(validation(errors));
            }
            if changes.is_empty() {
                return Err(SandboxError::bad_request_list(
                    "Request would not modify the superevent",
                ));
            }
            for (col, val) in &sets {
                db.execute(
                    &format!("UPDATE superevents SET {col} = ?1 WHERE id = ?2"),
                    params![val, s.id],
                )?;
            }
            write_log(
                db,
                s.key(),
                &format!("Updated superevent parameters: {}", changes.join(", ")),
                &user.username,
                None,
            )?;
            if let Some((old, new)) = new_pref {
                db.execute(
                    "UPDATE events SET superevent = ?1 WHERE id = ?2",
                    params![s.id, new.id],
                )?;
                write_log(
                    db,
                    old.key(),
                    &format!(
                        "Removed as preferred event for superevent: {}",
                        s.superevent_id
                    ),
                    &user.username,
                    None,
                )?;
                write_log(
                    db,
                    new.key(),
                    &format!("Set as preferred event for superevent: {}", s.superevent_id),
                    &user.username,
                    None,
                )?;
            }
            let s = SupereventRow::get(db, s.id)?;
            superevent_json(db, &api, &s, false)
        })
        .await?;
    Ok(Json(v))
}

fn member_json(api: &Api, graceid: &str) -> Value {
    json!({ "self": api.url(&format!("events/{graceid}")), "graceid": graceid })
}

/// `GET superevents/{sid}/events/`.
async fn members(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    Path(sid): Path<String>,
) -> Result<Json<Value>, SandboxError> {
    caller.user()?;
    let v = state
        .store
        .run(move |db| {
            let s = visible_superevent(db, &caller, &sid)?;
            let events: Vec<Value> = s
                .member_graceids(db)?
                .iter()
                .map(|(g, _)| member_json(&api, g))
                .collect();
            Ok(json!({
                "start": 0,
                "numRows": events.len(),
                "events": events,
                "links": api.single_page_links(),
            }))
        })
        .await?;
    Ok(Json(v))
}

/// `POST superevents/{sid}/events/` with `event=<graceid>`.
async fn add_event(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    Path(sid): Path<String>,
    form: FormData,
) -> Result<Response, SandboxError> {
    let user = caller.user()?.clone();
    let graceid = form.get("event").map(str::to_owned);
    let v = state
        .store
        .run(move |db| {
            let s = visible_superevent(db, &caller, &sid)?;
            policy::check(&user, s.category, Action::AddEvent)?;
            let graceid =
                graceid.ok_or_else(|| validation(vec!["This field is required.".into()]))?;
            let e = member_event(db, &graceid).map_err(|m| validation(vec![m]))?;
            if e.superevent == Some(s.id) {
                return Err(SandboxError::bad_request(format!(
                    "Event {} is already assigned to a Superevent",
                    e.graceid
                )));
            }
            may_join(&e, s.category, None).map_err(|m| validation(vec![m]))?;
            db.execute(
                "UPDATE events SET superevent = ?1 WHERE id = ?2",
                params![s.id, e.id],
            )?;
            write_log(
                db,
                s.key(),
                &format!("Added event: {}", e.graceid),
                &user.username,
                None,
            )?;
            write_log(
                db,
                e.key(),
                &format!("Added to superevent: {}", s.superevent_id),
                &user.username,
                None,
            )?;
            Ok(member_json(&api, &e.graceid))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// `DELETE superevents/{sid}/events/{graceid}/`.
async fn remove_event(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((sid, graceid)): Path<(String, String)>,
) -> Result<StatusCode, SandboxError> {
    let user = caller.user()?.clone();
    state
        .store
        .run(move |db| {
            let s = visible_superevent(db, &caller, &sid)?;
            policy::check(&user, s.category, Action::RemoveEvent)?;
            let e = EventRow::find(db, &graceid)?
                .filter(|e| e.superevent == Some(s.id))
                .ok_or_else(SandboxError::not_found)?;
            if e.id == s.preferred_event {
                return Err(SandboxError::bad_request(format!(
                    "Event {} can't be removed from superevent {} because it is the preferred event",
                    e.graceid, s.superevent_id
                )));
            }
            db.execute("UPDATE events SET superevent = NULL WHERE id = ?1", [e.id])?;
            // An event that leaves stops being its pipeline's preferred event.
            db.execute(
                "DELETE FROM pipeline_preferred WHERE superevent = ?1 AND event = ?2",
                params![s.id, e.id],
            )?;
            write_log(db, s.key(), &format!("Removed event: {}", e.graceid), &user.username, None)?;
            write_log(db, e.key(), &format!("Removed from superevent: {}", s.superevent_id), &user.username, None)?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn valid_gw_id(id: &str, category: Category) -> bool {
    id.strip_prefix(category.id_prefix())
        .and_then(|r| r.strip_prefix("GW"))
        .is_some_and(|r| {
            r.len() > 6
                && r[..6].bytes().all(|c| c.is_ascii_digit())
                && r[6..].bytes().all(|c| c.is_ascii_uppercase())
        })
}

/// `POST superevents/{sid}/confirm-as-gw/`, optionally with `gw_id`.
async fn confirm(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    api: Api,
    Path(sid): Path<String>,
    form: FormData,
) -> Result<Json<Value>, SandboxError> {
    let user: User = caller.user()?.clone();
    let requested = form.get("gw_id").map(str::to_owned);
    let v = state
        .store
        .run(move |db| {
            let s = visible_superevent(db, &caller, &sid)?;
            policy::check(&user, s.category, Action::Confirm)?;
            if s.gw_id.is_some() {
                return Err(SandboxError::bad_request(
                    "Superevent is already confirmed as a GW",
                ));
            }
            let gw_id = match requested {
                Some(g) if !valid_gw_id(&g, s.category) => {
                    return Err(SandboxError::bad_request(format!(
                        "{g} is not a valid GW ID for a {} superevent",
                        s.category
                    )));
                }
                Some(g) => {
                    if SupereventRow::find(db, &g)?.is_some() {
                        return Err(SandboxError::bad_request(format!(
                            "GW ID {g} is already in use"
                        )));
                    }
                    g
                }
                None => {
                    let date = gps_to_utc(s.t_0).yymmdd();
                    let n = next_number(db, "GW", &date, s.category)?;
                    format!(
                        "{}GW{date}{}",
                        s.category.id_prefix(),
                        int_to_letters(n).to_ascii_uppercase()
                    )
                }
            };
            db.execute(
                "UPDATE superevents SET gw_id = ?1 WHERE id = ?2",
                params![gw_id, s.id],
            )?;
            write_log(
                db,
                s.key(),
                &format!(
                    "Confirmed as a gravitational wave: ID changed from {} -> {gw_id}",
                    s.superevent_id
                ),
                &user.username,
                None,
            )?;
            let s = SupereventRow::get(db, s.id)?;
            superevent_json(db, &api, &s, false)
        })
        .await?;
    Ok(Json(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_the_serializer() {
        let mut e = Vec::new();
        assert_eq!(
            decimal(Some("1400000000.123456"), &mut e),
            Some(1400000000.123456)
        );
        assert_eq!(decimal(Some("1.1234567"), &mut e), None);
        assert_eq!(decimal(Some("x"), &mut e), None);
        assert_eq!(decimal(None, &mut e), None);
        assert_eq!(
            e,
            [
                "Ensure that there are no more than 6 decimal places.",
                "A valid number is required.",
                "This field is required."
            ]
        );
    }

    #[test]
    fn gw_ids() {
        assert!(valid_gw_id("TGW230101A", Category::Test));
        assert!(!valid_gw_id("GW230101A", Category::Test));
        assert!(valid_gw_id("GW230101AB", Category::Production));
        assert!(!valid_gw_id("GW230101a", Category::Production));
    }
}
