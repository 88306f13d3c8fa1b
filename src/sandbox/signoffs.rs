//! Superevent signoffs (server reference §3.9). A signoff answers a request label (`ADVREQ`,
//! `H1OPS`, …) and replaces it with its result label (`ADVOK`/`ADVNO`, `H1OK`/`H1NO`, …).

use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::{OptionalExtension, params};
use serde_json::{Value, json};

use super::annotate::{add_label, label_names, remove_label, write_log};
use super::api::Api;
use super::auth::Caller;
use super::error::SandboxError;
use super::form::FormData;
use super::objects::SupereventRow;
use super::policy::{self, Action};
use super::state::AppState;
use super::store::Db;
use super::superevents::visible_superevent;
use crate::gracedb::vocabulary::INSTRUMENTS;

/// Signoff routes (and the empty event signoff list).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events/{id}/signoff", get(event_list))
        .route("/superevents/{id}/signoffs", get(list).post(create))
        .route(
            "/superevents/{id}/signoffs/{typeinst}",
            get(detail).patch(update).delete(remove),
        )
}

struct Signoff {
    signoff_type: String,
    instrument: String,
    status: String,
    comment: String,
    submitter: String,
}

impl Signoff {
    fn typeinst(&self) -> String {
        format!("{}{}", self.signoff_type, self.instrument)
    }

    /// The label that asks for this signoff, and the one that records its result.
    fn labels(&self) -> (String, String) {
        let prefix = if self.signoff_type == "ADV" {
            "ADV".to_owned()
        } else {
            self.instrument.clone()
        };
        let request = if self.signoff_type == "ADV" {
            "ADVREQ".to_owned()
        } else {
            format!("{prefix}OPS")
        };
        (request, format!("{prefix}{}", self.status))
    }

    fn json(&self, api: &Api, sid: &str) -> Value {
        json!({
            "self": api.url(&format!("superevents/{sid}/signoffs/{}/", self.typeinst())),
            "signoff_type": self.signoff_type,
            "instrument": self.instrument,
            "status": self.status,
            "submitter": self.submitter,
            "comment": self.comment,
        })
    }
}

fn load(db: &Db<'_>, s: &SupereventRow) -> Result<Vec<Signoff>, SandboxError> {
    let mut stmt = db.prepare_cached(
        "SELECT signoff_type, instrument, status, comment, submitter FROM signoffs WHERE superevent = ?1 ORDER BY rowid",
    )?;
    let rows = stmt.query_map([s.id], |r| {
        Ok(Signoff {
            signoff_type: r.get(0)?,
            instrument: r.get(1)?,
            status: r.get(2)?,
            comment: r.get(3)?,
            submitter: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn find(db: &Db<'_>, s: &SupereventRow, typeinst: &str) -> Result<Signoff, SandboxError> {
    load(db, s)?
        .into_iter()
        .find(|x| x.typeinst() == typeinst)
        .ok_or_else(SandboxError::not_found)
}

async fn event_list(Extension(c): Extension<Caller>) -> Result<Json<Value>, SandboxError> {
    c.user()?;
    Ok(Json(json!({ "signoffs": [] })))
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
            let items: Vec<Value> = load(db, &sup)?
                .iter()
                .map(|x| x.json(&api, &sup.superevent_id))
                .collect();
            Ok(json!({ "signoffs": items }))
        })
        .await?;
    Ok(Json(v))
}

async fn detail(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path((id, ti)): Path<(String, String)>,
) -> Result<Json<Value>, SandboxError> {
    c.user()?;
    let v = s
        .store
        .run(move |db| {
            let sup = visible_superevent(db, &c, &id)?;
            Ok(find(db, &sup, &ti)?.json(&api, &sup.superevent_id))
        })
        .await?;
    Ok(Json(v))
}

fn swap_labels(
    db: &Db<'_>,
    sup: &SupereventRow,
    remove: &str,
    add: &str,
    user: &str,
) -> Result<(), SandboxError> {
    if remove_label(db, sup.key(), remove)? {
        write_log(
            db,
            sup.key(),
            &format!("Removed label: {remove}"),
            user,
            None,
        )?;
    }
    if add_label(db, sup.key(), add, user)? {
        write_log(db, sup.key(), &format!("Added label: {add}"), user, None)?;
    }
    Ok(())
}

async fn create(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path(id): Path<String>,
    form: FormData,
) -> Result<Response, SandboxError> {
    let user = c.user()?.clone();
    let field = |n| form.get(n).unwrap_or("").trim().to_owned();
    let new = Signoff {
        signoff_type: field("signoff_type"),
        instrument: field("instrument"),
        status: field("status"),
        comment: field("comment"),
        submitter: user.username.clone(),
    };
    if !["OP", "ADV"].contains(&new.signoff_type.as_str()) {
        return Err(SandboxError::bad_request(format!(
            "\"{}\" is not a valid choice.",
            new.signoff_type
        )));
    }
    if !["OK", "NO"].contains(&new.status.as_str()) {
        return Err(SandboxError::bad_request(format!(
            "\"{}\" is not a valid choice.",
            new.status
        )));
    }
    if new.signoff_type == "OP" && new.instrument.is_empty() {
        return Err(SandboxError::bad_request(
            "Operator signoffs require an instrument",
        ));
    }
    if !new.instrument.is_empty() && !INSTRUMENTS.iter().any(|(code, _)| *code == new.instrument) {
        return Err(SandboxError::bad_request(format!(
            "\"{}\" is not a valid choice.",
            new.instrument
        )));
    }
    let v = s
        .store
        .run(move |db| {
            let sup = visible_superevent(db, &c, &id)?;
            policy::check(&user, sup.category, Action::Signoff)?;
            let (request, result) = new.labels();
            let exists = db
                .prepare_cached("SELECT 1 FROM signoffs WHERE superevent = ?1 AND signoff_type = ?2 AND instrument = ?3")?
                .query_row(params![sup.id, new.signoff_type, new.instrument], |_| Ok(()))
                .optional()?
                .is_some();
            if exists {
                return Err(SandboxError::bad_request("The fields superevent, signoff_type, instrument must make a unique set."));
            }
            if !label_names(db, sup.key())?.contains(&request) {
                return Err(SandboxError::bad_request(format!(
                    "{} signoff not requested for superevent {}: label '{request}' not present.",
                    new.typeinst(),
                    sup.superevent_id
                )));
            }
            db.execute(
                "INSERT INTO signoffs (superevent, signoff_type, instrument, status, comment, submitter) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![sup.id, new.signoff_type, new.instrument, new.status, new.comment, new.submitter],
            )?;
            swap_labels(db, &sup, &request, &result, &user.username)?;
            Ok(new.json(&api, &sup.superevent_id))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn update(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    api: Api,
    Path((id, ti)): Path<(String, String)>,
    form: FormData,
) -> Result<Json<Value>, SandboxError> {
    let user = c.user()?.clone();
    let status = form.get("status").map(str::to_owned);
    let comment = form.get("comment").map(str::to_owned);
    let v = s
        .store
        .run(move |db| {
            let sup = visible_superevent(db, &c, &id)?;
            policy::check(&user, sup.category, Action::Signoff)?;
            let old = find(db, &sup, &ti)?;
            let mut new = Signoff { submitter: user.username.clone(), ..old };
            let mut changed = false;
            if let Some(st) = status.filter(|st| *st != new.status) {
                if !["OK", "NO"].contains(&st.as_str()) {
                    return Err(SandboxError::bad_request(format!("\"{st}\" is not a valid choice.")));
                }
                let (_, old_result) = new.labels();
                new.status = st;
                let (_, new_result) = new.labels();
                swap_labels(db, &sup, &old_result, &new_result, &user.username)?;
                changed = true;
            }
            if let Some(cm) = comment.filter(|cm| *cm != new.comment) {
                new.comment = cm;
                changed = true;
            }
            if !changed {
                return Err(SandboxError::bad_request("Request would not modify the signoff."));
            }
            db.execute(
                "UPDATE signoffs SET status = ?1, comment = ?2, submitter = ?3 WHERE superevent = ?4 AND signoff_type = ?5 AND instrument = ?6",
                params![new.status, new.comment, new.submitter, sup.id, new.signoff_type, new.instrument],
            )?;
            Ok(new.json(&api, &sup.superevent_id))
        })
        .await?;
    Ok(Json(v))
}

async fn remove(
    State(s): State<AppState>,
    Extension(c): Extension<Caller>,
    Path((id, ti)): Path<(String, String)>,
) -> Result<StatusCode, SandboxError> {
    let user = c.user()?.clone();
    s.store
        .run(move |db| {
            let sup = visible_superevent(db, &c, &id)?;
            policy::check(&user, sup.category, Action::Signoff)?;
            let old = find(db, &sup, &ti)?;
            db.execute(
                "DELETE FROM signoffs WHERE superevent = ?1 AND signoff_type = ?2 AND instrument = ?3",
                params![sup.id, old.signoff_type, old.instrument],
            )?;
            let (request, result) = old.labels();
            swap_labels(db, &sup, &result, &request, &user.username)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}
