//! The JSON the server answers with for events, superevents, log entries and labels, key for
//! key and in the server's order (server reference §2.4, §3.3, §4, §6).

use serde_json::{Map, Value, json};

use super::annotate::{LabelRow, LogRow, label_names};
use super::api::Api;
use super::error::SandboxError;
use super::objects::{EventRow, Kind, SupereventRow};
use super::store::Db;
use crate::gps::unix_to_utc;

/// `created` and similar timestamps: `YYYY-MM-DD HH:MM:SS UTC`.
pub fn timestamp(unix: i64) -> String {
    unix_to_utc(unix).gracedb_format()
}

/// GPS times are decimals with six places on the server; round the same way so that what
/// comes back equals what the database would have stored.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Floats that JSON cannot carry (NaN, infinities) become null.
fn num(x: Option<f64>) -> Value {
    x.filter(|v| v.is_finite()).map_or(Value::Null, Value::from)
}

/// The event JSON of `eventToDict`.
pub fn event_json(db: &Db<'_>, api: &Api, e: &EventRow) -> Result<Value, SandboxError> {
    let labels = label_names(db, e.key())?;
    let superevent = match e.superevent {
        Some(id) => {
            let s = SupereventRow::get(db, id)?;
            Value::from(s.gw_id.unwrap_or(s.superevent_id))
        }
        None => Value::Null,
    };
    let extra: Value = serde_json::from_str(&e.extra_attributes).unwrap_or_else(|_| json!({}));
    let base = api.url(&format!("events/{}", e.graceid));
    Ok(json!({
        "submitter": e.submitter,
        "created": timestamp(e.created),
        "group": e.group,
        "graceid": e.graceid,
        "pipeline": e.pipeline,
        "search": e.search,
        "gpstime": num(e.gpstime.map(round6)),
        "instruments": e.instruments,
        "nevents": e.nevents,
        "offline": e.offline,
        "far": num(e.far),
        "far_is_upper_limit": false,
        "likelihood": num(e.likelihood),
        "labels": labels,
        "extra_attributes": extra,
        "superevent": superevent,
        "links": {
            "neighbors": format!("{base}/neighbors/"),
            "log": format!("{base}/log/"),
            "emobservations": format!("{base}/emobservation/"),
            "files": format!("{base}/files/"),
            "labels": format!("{base}/labels/"),
            "self": base,
            "tags": format!("{base}/tag/"),
        },
    }))
}

/// The superevent JSON of `SupereventSerializer`; anonymous callers get the reduced form.
pub fn superevent_json(
    db: &Db<'_>,
    api: &Api,
    s: &SupereventRow,
    anonymous: bool,
) -> Result<Value, SandboxError> {
    let preferred = EventRow::get(db, s.preferred_event)?;
    let (em, gw): (Vec<_>, Vec<_>) = s
        .member_graceids(db)?
        .into_iter()
        .partition(|(_, group)| group == "External");
    let mut labels = label_names(db, s.key())?;
    labels.sort();
    let base = api.url(&format!("superevents/{}/", s.superevent_id));
    let mut links = Map::new();
    for (k, path) in [
        ("events", "events/"),
        ("labels", "labels/"),
        ("logs", "logs/"),
        ("files", "files/"),
        ("self", ""),
        ("voevents", "voevents/"),
        ("emobservations", "emobservations/"),
    ] {
        links.insert(k.into(), Value::from(format!("{base}{path}")));
    }
    let mut out = json!({
        "superevent_id": s.superevent_id,
        "gw_id": s.gw_id,
        "category": s.category.display(),
        "created": timestamp(s.created),
        "submitter": s.submitter,
        "preferred_event": preferred.graceid,
        "em_type": s.em_type,
        "t_start": round6(s.t_start),
        "t_0": round6(s.t_0),
        "t_end": round6(s.t_end),
        "gw_events": gw.into_iter().map(|(g, _)| g).collect::<Vec<_>>(),
        "em_events": em.into_iter().map(|(g, _)| g).collect::<Vec<_>>(),
        "far": num(preferred.far),
        "time_coinc_far": num(s.time_coinc_far),
        "space_coinc_far": num(s.space_coinc_far),
        "labels": labels,
        "links": links,
        "preferred_event_data": event_json(db, api, &preferred)?,
        "pipeline_preferred_events": super::preferred::by_pipeline(db, api, s)?,
    });
    if anonymous && let Value::Object(m) = &mut out {
        for k in [
            "gw_events",
            "em_events",
            "pipeline_preferred_events",
            "preferred_event",
        ] {
            m.remove(k);
        }
        if let Some(Value::Object(l)) = m.get_mut("links") {
            l.remove("events");
        }
    }
    Ok(out)
}

/// A log entry of an event or a superevent (`object_id` is its graceid or S ID).
pub fn log_json(api: &Api, kind: Kind, object_id: &str, log: &LogRow) -> Value {
    let file = |base: &str| {
        log.file_version.map_or(Value::Null, |v| {
            Value::from(format!("{base}{},{v}", log.filename))
        })
    };
    match kind {
        Kind::Event => {
            let me = api.url(&format!("events/{object_id}/log/{}", log.n));
            json!({
                "N": log.n,
                "comment": log.comment,
                "created": timestamp(log.created),
                "issuer": log.issuer,
                "filename": log.filename,
                "file_version": log.file_version,
                "tag_names": log.tags,
                "tags": format!("{me}/tag/"),
                "self": me,
                "file": file(&api.url(&format!("events/{object_id}/files/"))),
            })
        }
        Kind::Superevent => json!({
            "self": api.url(&format!("superevents/{object_id}/logs/{}/", log.n)),
            "N": log.n,
            "comment": log.comment,
            "created": timestamp(log.created),
            "issuer": log.issuer,
            "filename": log.filename,
            "file_version": log.file_version,
            "tag_names": log.tags,
            "file": file(&api.url(&format!("superevents/{object_id}/files/"))),
        }),
    }
}

/// A label on an event or a superevent.
pub fn label_json(api: &Api, kind: Kind, object_id: &str, label: &LabelRow) -> Value {
    match kind {
        Kind::Event => json!({
            "name": label.name,
            "creator": label.creator,
            "created": timestamp(label.created),
            "self": api.url(&format!("events/{object_id}/labels/{}", label.name)),
        }),
        Kind::Superevent => json!({
            "self": api.url(&format!("superevents/{object_id}/labels/{}/", label.name)),
            "name": label.name,
            "created": timestamp(label.created),
            "creator": label.creator,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_keeps_six_places() {
        assert_eq!(round6(971609248.1517414), 971609248.151741);
        assert_eq!(round6(1400000000.0000005), 1400000000.000001);
    }
}
