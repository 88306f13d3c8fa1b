//! Reconciliation: before a write that is *in doubt* (its request may have reached the server,
//! but no answer came back) is sent again, look on the server for the evidence that it was
//! carried out. Only when nothing is found is it sent again.
//!
//! The evidence, per operation: an event of ours created since the intent whose uploaded
//! file has the same SHA-256; the superevent now recorded on the preferred event; a log entry
//! of ours since the intent with the same comment, file (by checksum) and tags; membership,
//! removal, labels, tags, signoffs and GW confirmation as the server now shows them.
//! Objects that other steps of the run already own (`claimed`) are never taken as evidence,
//! so two steps that upload the same file do not both find one event.
//!
//! Idempotent operations (add a label or tag, expose, hide, update a superevent or signoff)
//! need no evidence: sending them again is safe, so they report "not found".

use std::collections::HashSet;

use serde_json::{Map, Value as Json};

use super::actions::{event_outputs, log_outputs, signoff_outputs, superevent_outputs};
use crate::gps::{UtcTime, gps_to_utc, parse_utc, utc_to_gps};
use crate::gracedb::{FileRef, GraceDb, GraceDbError, ObjectId, Search};
use crate::journal::Intent;
use crate::plan::Op;

/// How far the server's clock may be behind ours (seconds): evidence created up to this long
/// before the intent still counts.
const CLOCK_SKEW_S: f64 = 120.0;

/// What reconciliation found on the server.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The outputs the write would have given.
    pub outputs: Map<String, Json>,
    /// What was found, for the journal and the report.
    pub found: String,
}

/// The claim an output makes on a server object, for `claimed`: the event or superevent ID,
/// or the log entry (`endpoint#N`).
pub fn claims(endpoint: &str, outputs: &Map<String, Json>) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["graceid", "superevent_id"] {
        if let Some(Json::String(id)) = outputs.get(key) {
            out.push(id.clone());
        }
    }
    if let Some(n) = outputs.get("N").and_then(Json::as_u64) {
        out.push(log_claim(endpoint, n));
    }
    out
}

fn log_claim(endpoint: &str, n: u64) -> String {
    format!("{endpoint}#{n}")
}

fn endpoint(intent: &Intent) -> &str {
    intent
        .request
        .get("endpoint")
        .and_then(Json::as_str)
        .unwrap_or("")
}

/// The SHA-256 of the intent's uploaded file, as recorded before sending.
fn intent_sha256(intent: &Intent) -> Option<&str> {
    intent.request.get("file")?.get("sha256")?.as_str()
}

/// The earliest `created` a trace of this intent can carry.
fn since(intent: &Intent) -> Option<UtcTime> {
    let at = parse_utc(&intent.at)?;
    Some(gps_to_utc(utc_to_gps(at) - CLOCK_SKEW_S))
}

fn created_since(created: &str, since: Option<UtcTime>) -> bool {
    match (parse_utc(created), since) {
        (Some(c), Some(s)) => c >= s,
        // A timestamp we cannot read is not evidence against a match.
        _ => true,
    }
}

fn base_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Look for the effect of `intent`'s request (the operation `op`) on the server.
pub async fn reconcile(
    client: &GraceDb,
    op: &Op,
    intent: &Intent,
    claimed: &HashSet<String>,
) -> Result<Option<Evidence>, GraceDbError> {
    let since = since(intent);
    let found = |outputs, found: String| Ok(Some(Evidence { outputs, found }));
    match op {
        Op::CreateEvent(c) => {
            let me = client.user_info().await?.username;
            let mut query = format!("{} {}", c.group, c.pipeline);
            if let Some(s) = &c.search {
                query.push_str(&format!(" {s}"));
            }
            query.push_str(&format!(" submitter: \"{me}\""));
            // The time the server will have read from the file, when we can read it too: one
            // candidate instead of every event of ours since the intent.
            if let Some(t) = payload_time(&c.file).await {
                query.push_str(&format!(" gpstime: {} .. {}", t - 0.001, t + 0.001));
            }
            let mut pages = client
                .search_events(&Search {
                    query,
                    page_size: None,
                    sort: Some("-created".into()),
                })
                .await?;
            let name = base_name(&c.file);
            while let Some(e) = pages.next().await? {
                // Newest first: past the intent, nothing older can be ours.
                if !created_since(&e.created, since) {
                    break;
                }
                if claimed.contains(e.graceid.as_str()) {
                    continue;
                }
                let object = ObjectId::Event(e.graceid.clone());
                let same = match intent_sha256(intent) {
                    Some(sha) => remote_matches(client, &object, &name, Some(0), sha).await?,
                    None => false,
                };
                if same {
                    let what = format!("event {} holds the same file", e.graceid);
                    return found(event_outputs(&e), what);
                }
            }
            Ok(None)
        }
        Op::ReplaceEvent { graceid, file } => {
            let object = ObjectId::Event(graceid.clone());
            let name = base_name(file);
            let Some(sha) = intent_sha256(intent) else {
                return Ok(None);
            };
            for l in client.logs(&object).await? {
                if l.filename == name
                    && l.file_version.is_some_and(|v| v > 0)
                    && created_since(&l.created, since)
                    && remote_matches(client, &object, &name, l.file_version, sha).await?
                {
                    let what = format!("{graceid} already holds the file as {name},{}", {
                        l.file_version.unwrap_or(0)
                    });
                    return found(event_outputs(&client.event(graceid).await?), what);
                }
            }
            Ok(None)
        }
        Op::CreateSuperevent(c) => {
            let e = client.event(&c.preferred_event).await?;
            match e.superevent.filter(|s| !claimed.contains(s)) {
                Some(s) => {
                    let id =
                        crate::gracedb::SupereventId::parse(&s).map_err(|err| GraceDbError {
                            method: "GET".into(),
                            url: client.service_url().to_owned(),
                            kind: crate::gracedb::ErrorKind::Decode(err.to_string()),
                        })?;
                    let sup = client.superevent(&id).await?;
                    let what = format!("{} is in superevent {s}", c.preferred_event);
                    found(superevent_outputs(&sup), what)
                }
                None => Ok(None),
            }
        }
        Op::WriteLog { object, log } => {
            let me = client.user_info().await?.username;
            let name = log.file.as_deref().map(base_name).unwrap_or_default();
            let mut want_tags = log.tags.clone();
            want_tags.sort();
            let ep = endpoint(intent);
            for l in client.logs(object).await? {
                let mut tags = l.tag_names.clone();
                tags.sort();
                let candidate = l.issuer == me
                    && l.comment == log.comment
                    && l.filename == name
                    && tags == want_tags
                    && created_since(&l.created, since)
                    && !claimed.contains(&log_claim(ep, u64::from(l.n)));
                if !candidate {
                    continue;
                }
                let same_file = match (log.file.is_some(), intent_sha256(intent)) {
                    (false, _) => true,
                    (true, Some(sha)) => {
                        remote_matches(client, object, &name, l.file_version, sha).await?
                    }
                    (true, None) => false,
                };
                if same_file {
                    let what = format!("log entry {} of {object} matches", l.n);
                    return found(log_outputs(&l), what);
                }
            }
            Ok(None)
        }
        Op::AddEvent { superevent, event } => {
            let e = client.event(event).await?;
            Ok(
                (e.superevent.as_deref() == Some(superevent.as_str())).then(|| Evidence {
                    outputs: Map::new(),
                    found: format!("{event} is in {superevent}"),
                }),
            )
        }
        Op::RemoveEvent { superevent, event } => {
            let e = client.event(event).await?;
            Ok(
                (e.superevent.as_deref() != Some(superevent.as_str())).then(|| Evidence {
                    outputs: Map::new(),
                    found: format!("{event} is no longer in {superevent}"),
                }),
            )
        }
        Op::RemoveLabel { object, label } => {
            let labels = client.labels(object).await?;
            Ok(
                (!labels.iter().any(|l| &l.name == label)).then(|| Evidence {
                    outputs: Map::new(),
                    found: format!("{object} no longer has label {label}"),
                }),
            )
        }
        Op::RemoveTag { object, n, tag } => {
            let tags = client.tags(object, *n).await?;
            Ok((!tags.iter().any(|t| &t.name == tag)).then(|| Evidence {
                outputs: Map::new(),
                found: format!("log {n} of {object} no longer has tag {tag}"),
            }))
        }
        Op::CreateSignoff {
            superevent, key, ..
        } => {
            let existing = client.signoffs(superevent).await?;
            Ok(existing
                .iter()
                .find(|s| s.signoff_type == key.code() && s.instrument == key.instrument)
                .map(|s| Evidence {
                    outputs: signoff_outputs(s),
                    found: format!("{superevent} has the {} signoff", key.typeinst()),
                }))
        }
        Op::ConfirmAsGw { superevent, .. } => {
            let s = client.superevent(superevent).await?;
            Ok(s.gw_id.clone().map(|gw| Evidence {
                outputs: superevent_outputs(&s),
                found: format!("{superevent} is confirmed as {gw}"),
            }))
        }
        // Idempotent: sending again is the reconciliation.
        Op::AddLabel { .. }
        | Op::AddTag { .. }
        | Op::UpdateSuperevent { .. }
        | Op::UpdateSignoff { .. }
        | Op::Expose { .. }
        | Op::Hide { .. }
        | Op::GetEvent { .. }
        | Op::GetSuperevent { .. }
        | Op::Search { .. }
        | Op::Download { .. }
        | Op::WaitFor(_)
        | Op::Assert { .. }
        | Op::SleepUntil { .. }
        | Op::ShiftTime { .. } => Ok(None),
    }
}

/// The event time in a payload, as `shift_time` reads it (`None` for a kind it does not read).
async fn payload_time(file: &std::path::Path) -> Option<f64> {
    use crate::shift::{Offset, PayloadKind, ShiftOptions, ShiftTarget, shift_path};
    let file = file.to_owned();
    tokio::task::spawn_blocking(move || {
        let target = ShiftTarget::By(Offset::from_nanos(0));
        shift_path(&file, PayloadKind::Auto, target, &ShiftOptions::default()).ok()
    })
    .await
    .ok()
    .flatten()
    .map(|s| s.before.to_f64())
}

/// Whether the server's `name` (at `version`, or the latest) has the SHA-256 `sha`. A file
/// that is not there is no match.
async fn remote_matches(
    client: &GraceDb,
    object: &ObjectId,
    name: &str,
    version: Option<u32>,
    sha: &str,
) -> Result<bool, GraceDbError> {
    let file = FileRef {
        name: name.to_owned(),
        version,
    };
    match client.remote_sha256(object, &file).await {
        Ok(remote) => Ok(remote == sha),
        Err(e) if e.status() == Some(404) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_name_objects_and_log_entries() {
        let out = json!({"graceid": "T12", "N": 3})
            .as_object()
            .cloned()
            .unwrap();
        assert_eq!(
            claims("events/T12/log/", &out),
            vec!["T12".to_owned(), "events/T12/log/#3".to_owned()]
        );
        assert!(claims("x", &Map::new()).is_empty());
    }

    #[test]
    fn evidence_must_be_no_older_than_the_intent_minus_skew() {
        let intent = Intent {
            step: "s".into(),
            item: None,
            attempt: 1,
            at: "2026-11-25T12:00:00Z".into(),
            request: json!({}),
        };
        let s = since(&intent);
        assert!(created_since("2026-11-25 11:59:00 UTC", s));
        assert!(!created_since("2026-11-25 11:57:59 UTC", s));
        assert!(created_since("not a time", s));
    }
}
