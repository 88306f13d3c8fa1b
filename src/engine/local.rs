//! Steps that send no write: `wait_for` (polls until conditions hold), `sleep_until` (keeps
//! a replay's cadence), `shift_time` (a time-shifted copy of a payload in the work folder). Their failures are the engine's [`Failed`], classified here: a
//! condition that never came is permanent (a finding, not an outage).

use std::time::{Duration, Instant};

use serde_json::{Map, Value as Json, json};

use super::retry::{self, Class};
use super::{Failed, StopSignal};
use crate::expr::{Context, Evaluator};
use crate::gracedb::{GraceDb, GraceDbError, ObjectId};
use crate::plan::{WaitFor, truthy};

fn failed(message: String, class: Class) -> Failed {
    Failed {
        message,
        class,
        retry_after: None,
    }
}

fn stopped() -> Failed {
    failed(
        "stopped: the run was asked to stop".into(),
        Class::Transient,
    )
}

/// Wait until `gps`; report how late the wait ended.
pub(super) async fn sleep_until(gps: f64, stop: &StopSignal) -> Result<Map<String, Json>, Failed> {
    let left = gps - crate::gps::gps_now();
    if left > 0.0 {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs_f64(left)) => {}
            () = stop.stopped() => return Err(stopped()),
        }
    }
    let actual = crate::gps::gps_now();
    Ok(outputs(json!({
        "planned": gps,
        "actual": actual,
        "late_s": (actual - gps).max(0.0),
    })))
}

/// Write a shifted copy of `file` into `work_dir`. The same inputs always give the same bytes,
/// so a resumed run that lost its work folder writes the file again, identical.
pub(super) async fn shift_time(
    file: &std::path::Path,
    work_dir: &std::path::Path,
    kind: crate::shift::PayloadKind,
    target: crate::shift::ShiftTarget,
    options: crate::shift::ShiftOptions,
) -> Result<Map<String, Json>, Failed> {
    let (file, work_dir) = (file.to_owned(), work_dir.to_owned());
    let shifted = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&work_dir)
            .map_err(|e| format!("cannot create the work folder {}: {e}", work_dir.display()))?;
        crate::shift::shift_file(&file, &work_dir, kind, target, &options)
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| failed(format!("the shift stopped: {e}"), Class::Permanent))?
    .map_err(|m| failed(m, Class::Permanent))?;
    Ok(outputs(json!({
        "path": shifted.path.display().to_string(),
        "sha256": shifted.sha256,
        "gpstime_before": shifted.before.to_f64(),
        "gpstime_after": shifted.after.to_f64(),
        "kind": shifted.kind.to_string(),
    })))
}

fn outputs(v: Json) -> Map<String, Json> {
    v.as_object().cloned().unwrap_or_default()
}

/// What one poll saw: whether everything held, and what was missing.
struct Seen {
    missing: Vec<String>,
}

/// Poll `w.object` every `w.interval` until every condition holds, for at most `w.timeout`.
/// Errors that may pass (an outage, a timeout) are polled through; a permanent one (no such
/// object) fails at once.
pub(super) async fn wait_for(
    client: &GraceDb,
    w: &WaitFor,
    evaluator: &Evaluator,
    stop: &StopSignal,
) -> Result<Map<String, Json>, Failed> {
    let start = (Instant::now(), crate::gps::gps_now());
    let mut polls = 0u64;
    let mut last;
    loop {
        polls += 1;
        match poll(client, w, evaluator).await {
            Ok(seen) if seen.missing.is_empty() => {
                let gps = crate::gps::gps_now();
                let unix = crate::gps::unix_now();
                return Ok(outputs(json!({
                    "satisfied_gps": gps,
                    "satisfied_at": crate::journal::utc_string(unix),
                    "latency_s": gps - w.since.unwrap_or(start.1),
                    "polls": polls,
                })));
            }
            Ok(seen) => last = format!("still missing: {}", seen.missing.join(", ")),
            Err(PollError::Server(e)) if retry::classify(&e) == Class::Permanent => {
                return Err(failed(e.to_string(), Class::Permanent));
            }
            Err(PollError::Server(e)) => last = format!("the last poll failed: {e}"),
            Err(PollError::Until(m)) => return Err(failed(m, Class::Permanent)),
        }
        let left = w.timeout.saturating_sub(start.0.elapsed());
        if left.is_zero() {
            return Err(failed(
                format!(
                    "{} did not get {} within {:?} ({polls} polls; {last})",
                    w.object,
                    w.describe(),
                    w.timeout
                ),
                Class::Permanent,
            ));
        }
        tokio::select! {
            () = tokio::time::sleep(w.interval.min(left)) => {}
            () = stop.stopped() => return Err(stopped()),
        }
    }
}

enum PollError {
    Server(GraceDbError),
    /// The `until` expression could not be evaluated: a mistake in the manifest.
    Until(String),
}

impl From<GraceDbError> for PollError {
    fn from(e: GraceDbError) -> Self {
        Self::Server(e)
    }
}

async fn poll(client: &GraceDb, w: &WaitFor, evaluator: &Evaluator) -> Result<Seen, PollError> {
    let (object, labels, members) = match &w.object {
        ObjectId::Event(g) => {
            let e = client.event(g).await?;
            let labels = e.labels.clone();
            let members = e.superevent.iter().cloned().collect::<Vec<_>>();
            (
                serde_json::to_value(&e).unwrap_or_default(),
                labels,
                members,
            )
        }
        ObjectId::Superevent(s) => {
            let s = client.superevent(s).await?;
            let labels = s.labels.clone();
            let mut members = s.gw_events.clone();
            members.extend(s.em_events.iter().cloned());
            (
                serde_json::to_value(&s).unwrap_or_default(),
                labels,
                members,
            )
        }
    };
    let mut missing: Vec<String> = w
        .labels
        .iter()
        .filter(|l| !labels.contains(l))
        .map(|l| format!("label {l}"))
        .collect();
    if let Some(e) = &w.event
        && !members.contains(e)
    {
        missing.push(format!("member {e}"));
    }
    if let Some(f) = &w.file {
        let files = client.files(&w.object).await?;
        let has = files
            .keys()
            .any(|k| k == f || k.split_once(',').is_some_and(|(name, _)| name == f));
        if !has {
            missing.push(format!("file {f}"));
        }
    }
    if let Some(text) = &w.log_contains {
        let logs = client.logs(&w.object).await?;
        if !logs.iter().any(|l| l.comment.contains(text.as_str())) {
            missing.push(format!("a log comment containing {text:?}"));
        }
    }
    if let Some(u) = &w.until {
        let ctx = Context {
            item: Some(object),
            ..Context::default()
        };
        let v = evaluator
            .eval_str(&format!("${{{{ {u} }}}}"), &ctx)
            .map_err(|e| PollError::Until(format!("`until: {u}`: {}", e.message)))?;
        if !truthy(&v) {
            missing.push(format!("`{u}`"));
        }
    }
    Ok(Seen { missing })
}
