//! Performing an operation with the client, and the outputs each step kind gives.

use serde_json::{Map, Value as Json, json};

use crate::gracedb::{Applied, Event, GraceDb, GraceDbError, LogEntry, Search, Superevent};
use crate::plan::{Op, SearchTarget};

pub(super) fn event_outputs(e: &Event) -> Map<String, Json> {
    let m = json!({
        "graceid": e.graceid.as_str(),
        "group": e.group,
        "pipeline": e.pipeline,
        "search": e.search,
        "gpstime": e.gpstime,
        "far": e.far,
        "instruments": e.instruments,
        "likelihood": e.likelihood,
        "labels": e.labels,
        "superevent": e.superevent,
        "submitter": e.submitter,
        "created": e.created,
        "url": e.links.get("self"),
    });
    m.as_object().cloned().unwrap_or_default()
}

pub(super) fn superevent_outputs(s: &Superevent) -> Map<String, Json> {
    let m = json!({
        "superevent_id": s.superevent_id.as_str(),
        "gw_id": s.gw_id,
        "category": s.category,
        "preferred_event": s.preferred_event.as_ref().map(|g| g.as_str()),
        "t_start": s.t_start,
        "t_0": s.t_0,
        "t_end": s.t_end,
        "far": s.far,
        "gw_events": s.gw_events,
        "labels": s.labels,
        "url": s.links.get("self"),
    });
    m.as_object().cloned().unwrap_or_default()
}

fn applied(a: Applied) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("added".into(), Json::Bool(a == Applied::Added));
    m
}

/// Perform an operation; its outputs as the step kind documents them.
pub async fn perform(client: &GraceDb, op: &Op) -> Result<Map<String, Json>, GraceDbError> {
    Ok(match op {
        Op::CreateEvent(c) => event_outputs(&client.create_event(c).await?),
        Op::ReplaceEvent { graceid, file } => {
            client.replace_event(graceid, file).await?;
            event_outputs(&client.event(graceid).await?)
        }
        Op::CreateSuperevent(c) => superevent_outputs(&client.create_superevent(c).await?),
        Op::UpdateSuperevent { superevent, update } => {
            superevent_outputs(&client.update_superevent(superevent, update).await?)
        }
        Op::AddEvent { superevent, event } => {
            client.add_event_to_superevent(superevent, event).await?;
            Map::new()
        }
        Op::RemoveEvent { superevent, event } => {
            client
                .remove_event_from_superevent(superevent, event)
                .await?;
            Map::new()
        }
        Op::WriteLog { object, log } => log_outputs(&client.write_log(object, log).await?),
        Op::AddLabel { object, label } => applied(client.add_label(object, label).await?),
        Op::RemoveLabel { object, label } => {
            client.remove_label(object, label).await?;
            Map::new()
        }
        Op::AddTag {
            object,
            n,
            tag,
            display_name,
        } => applied(
            client
                .add_tag(object, *n, tag, display_name.as_deref())
                .await?,
        ),
        Op::RemoveTag { object, n, tag } => {
            client.remove_tag(object, *n, tag).await?;
            Map::new()
        }
        Op::CreateSignoff {
            superevent,
            key,
            status,
            comment,
        } => signoff_outputs(
            &client
                .create_signoff(superevent, key, status, comment)
                .await?,
        ),
        Op::UpdateSignoff {
            superevent,
            key,
            status,
            comment,
        } => signoff_outputs(
            &client
                .update_signoff(superevent, key, status.as_deref(), comment.as_deref())
                .await?,
        ),
        Op::Expose { superevent } => {
            client.expose(superevent).await?;
            Map::new()
        }
        Op::Hide { superevent } => {
            client.hide(superevent).await?;
            Map::new()
        }
        Op::ConfirmAsGw { superevent, gw_id } => {
            superevent_outputs(&client.confirm_as_gw(superevent, gw_id.as_deref()).await?)
        }
        Op::GetEvent { graceid } => event_outputs(&client.event(graceid).await?),
        Op::GetSuperevent { superevent } => {
            superevent_outputs(&client.superevent(superevent).await?)
        }
        Op::Search {
            target,
            query,
            max_results,
        } => {
            let search = Search {
                query: query.clone(),
                page_size: None,
                sort: None,
            };
            let max = max_results.map(|m| m as usize);
            let (results, ids): (Vec<Json>, Vec<String>) = match target {
                SearchTarget::Events => client
                    .search_events(&search)
                    .await?
                    .collect(max)
                    .await?
                    .into_iter()
                    .map(|e| {
                        (
                            serde_json::to_value(&e).unwrap_or_default(),
                            e.graceid.to_string(),
                        )
                    })
                    .unzip(),
                SearchTarget::Superevents => client
                    .search_superevents(&search)
                    .await?
                    .collect(max)
                    .await?
                    .into_iter()
                    .map(|s| {
                        (
                            serde_json::to_value(&s).unwrap_or_default(),
                            s.superevent_id.to_string(),
                        )
                    })
                    .unzip(),
            };
            json!({ "count": ids.len(), "ids": ids, "results": results })
                .as_object()
                .cloned()
                .unwrap_or_default()
        }
        Op::Download { object, file, to } => {
            if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|source| GraceDbError {
                        method: "GET".into(),
                        url: client.service_url().to_owned(),
                        kind: crate::gracedb::ErrorKind::File {
                            path: dir.display().to_string(),
                            source,
                        },
                    })?;
            }
            let d = client.download(object, file, to).await?;
            json!({ "path": d.path.display().to_string(), "size": d.size, "sha256": d.sha256 })
                .as_object()
                .cloned()
                .unwrap_or_default()
        }
        // The engine runs these itself (engine/local.rs): they need more than a client.
        Op::WaitFor(_) | Op::Assert { .. } | Op::SleepUntil { .. } | Op::ShiftTime { .. } => {
            Map::new()
        }
    })
}

/// The outputs of an operation the server answered "already applied" to, read back from
/// the server. (Labels and tags never get here: the client turns those answers into
/// success itself.)
pub(super) async fn already_done(
    client: &GraceDb,
    op: &Op,
) -> Result<Map<String, Json>, GraceDbError> {
    Ok(match op {
        Op::ConfirmAsGw { superevent, .. } => {
            superevent_outputs(&client.superevent(superevent).await?)
        }
        _ => Map::new(),
    })
}

pub(super) fn log_outputs(l: &LogEntry) -> Map<String, Json> {
    json!({
        "N": l.n,
        "comment": l.comment,
        "filename": l.filename,
        "file_version": l.file_version,
        "tags": l.tag_names,
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

pub(super) fn signoff_outputs(s: &crate::gracedb::Signoff) -> Map<String, Json> {
    json!({ "signoff_type": s.signoff_type, "instrument": s.instrument, "status": s.status })
        .as_object()
        .cloned()
        .unwrap_or_default()
}

/// A one-line summary of outputs for progress lines: the IDs and numbers people look for.
pub fn summary(outputs: &Map<String, Json>) -> String {
    [
        "graceid",
        "superevent_id",
        "gw_id",
        "N",
        "file_version",
        "count",
        "path",
    ]
    .iter()
    .filter_map(|k| match outputs.get(*k) {
        Some(Json::Null) | None => None,
        Some(Json::String(s)) => Some(format!("{k}={s}")),
        Some(v) => Some(format!("{k}={v}")),
    })
    .collect::<Vec<_>>()
    .join(" ")
}
