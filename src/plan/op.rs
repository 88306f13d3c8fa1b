//! Operations: a step's resolved inputs turned into one typed GraceDB call. The mapping from
//! manifest inputs to client types is here, once; the plan renders an operation's request and
//! the engine performs it.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::gracedb::{
    Category, CreateEvent, CreateSuperevent, FileRef, GraceId, ObjectId, Request, SignoffKey,
    SupereventId, UpdateSuperevent, WriteLog,
};
use crate::manifest::steps::{
    AssertInput, ConfirmInput, CreateEventInput, CreateSupereventInput, DownloadInput,
    GetEventInput, LabelInput, MembershipInput, ReplaceEventInput, SearchInput, ShiftTimeInput,
    SignoffInput, SleepUntilInput, SupereventInput, TagInput, UpdateSupereventInput, WaitForInput,
    WriteLogInput,
};

/// What a search looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchTarget {
    /// Events.
    Events,
    /// Superevents.
    Superevents,
}

/// One GraceDB operation with typed arguments.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)] // the variants mirror the step kinds, documented in manifest::steps
pub enum Op {
    CreateEvent(CreateEvent),
    ReplaceEvent {
        graceid: GraceId,
        file: PathBuf,
    },
    CreateSuperevent(CreateSuperevent),
    UpdateSuperevent {
        superevent: SupereventId,
        update: UpdateSuperevent,
    },
    AddEvent {
        superevent: SupereventId,
        event: GraceId,
    },
    RemoveEvent {
        superevent: SupereventId,
        event: GraceId,
    },
    WriteLog {
        object: ObjectId,
        log: WriteLog,
    },
    AddLabel {
        object: ObjectId,
        label: String,
    },
    RemoveLabel {
        object: ObjectId,
        label: String,
    },
    AddTag {
        object: ObjectId,
        n: u32,
        tag: String,
        display_name: Option<String>,
    },
    RemoveTag {
        object: ObjectId,
        n: u32,
        tag: String,
    },
    CreateSignoff {
        superevent: SupereventId,
        key: SignoffKey,
        status: String,
        comment: String,
    },
    UpdateSignoff {
        superevent: SupereventId,
        key: SignoffKey,
        status: Option<String>,
        comment: Option<String>,
    },
    Expose {
        superevent: SupereventId,
    },
    Hide {
        superevent: SupereventId,
    },
    ConfirmAsGw {
        superevent: SupereventId,
        gw_id: Option<String>,
    },
    GetEvent {
        graceid: GraceId,
    },
    GetSuperevent {
        superevent: SupereventId,
    },
    Search {
        target: SearchTarget,
        query: String,
        max_results: Option<u32>,
    },
    Download {
        object: ObjectId,
        file: FileRef,
        to: PathBuf,
    },
    WaitFor(WaitFor),
    Assert {
        /// Each condition's value, in order: `None` when it is not a boolean (at run time a
        /// failure; in a plan, a value not known yet).
        results: Vec<Option<bool>>,
        message: Option<String>,
    },
    SleepUntil {
        gps: f64,
    },
    ShiftTime {
        file: PathBuf,
        target: crate::shift::ShiftTarget,
        kind: crate::shift::PayloadKind,
        options: crate::shift::ShiftOptions,
    },
}

/// A time or offset as a manifest gives it: a number (its shortest decimal form is what is
/// read, so `1400000000.5` is exact) or a decimal string.
fn decimal_text(v: &Json, field: &str) -> Result<String, String> {
    match v {
        Json::Number(n) => Ok(n.to_string()),
        Json::String(s) => Ok(s.trim().to_owned()),
        other => Err(format!(
            "`{field}` must be a number of seconds, found {other}"
        )),
    }
}

/// What `wait_for` polls for. Every condition given must hold at once.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitFor {
    /// The object polled.
    pub object: ObjectId,
    /// Labels that must be present.
    pub labels: Vec<String>,
    /// A file name that must be present.
    pub file: Option<String>,
    /// An event the superevent must contain.
    pub event: Option<String>,
    /// Text some log comment must contain.
    pub log_contains: Option<String>,
    /// An expression over the object (`item`), without `${{ }}`.
    pub until: Option<String>,
    /// The most to wait.
    pub timeout: std::time::Duration,
    /// Between polls.
    pub interval: std::time::Duration,
    /// The GPS time latency is measured from.
    pub since: Option<f64>,
}

impl WaitFor {
    /// The conditions, for people: `label EM_READY, file bayestar.fits`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self.labels.iter().map(|l| format!("label {l}")).collect();
        if let Some(f) = &self.file {
            parts.push(format!("file {f}"));
        }
        if let Some(e) = &self.event {
            parts.push(format!("member {e}"));
        }
        if let Some(t) = &self.log_contains {
            parts.push(format!("a log comment containing {t:?}"));
        }
        if let Some(u) = &self.until {
            parts.push(format!("`{u}`"));
        }
        parts.join(", ")
    }
}

fn duration_input(
    v: Option<&str>,
    default: u64,
    field: &str,
) -> Result<std::time::Duration, String> {
    match v {
        None => Ok(std::time::Duration::from_secs(default)),
        Some(s) => crate::duration::parse_duration(s)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                format!("`{field}`: {s:?} is not a positive duration (90s, 10m, 500ms)")
            }),
    }
}

fn typed<T: DeserializeOwned>(inputs: Json) -> Result<T, String> {
    serde_json::from_value(inputs).map_err(|e| e.to_string())
}

fn grace(s: &str, field: &str) -> Result<GraceId, String> {
    GraceId::parse(s).map_err(|e| format!("`{field}`: {e}"))
}

fn superevent(s: &str, field: &str) -> Result<SupereventId, String> {
    SupereventId::parse(s).map_err(|e| format!("`{field}`: {e}"))
}

fn object(s: &str) -> Result<ObjectId, String> {
    ObjectId::parse(s).map_err(|e| format!("`object`: {e}"))
}

fn signoff_key(i: &SignoffInput) -> SignoffKey {
    SignoffKey {
        signoff_type: i.signoff_type.clone(),
        instrument: i.instrument.clone(),
    }
}

impl Op {
    /// Build the operation of a step kind from its resolved inputs; relative paths are taken
    /// relative to `base_dir`. An error says which input is wrong.
    pub fn from_inputs(kind: &str, inputs: Json, base_dir: &Path) -> Result<Op, String> {
        let path = |p: &Path| {
            if p.is_absolute() {
                p.to_owned()
            } else {
                base_dir.join(p)
            }
        };
        Ok(match kind {
            "create_event" => {
                let i: CreateEventInput = typed(inputs)?;
                Op::CreateEvent(CreateEvent {
                    group: i.group,
                    pipeline: i.pipeline,
                    search: i.search,
                    labels: i.labels,
                    offline: i.offline,
                    file: path(&i.file),
                })
            }
            "replace_event" => {
                let i: ReplaceEventInput = typed(inputs)?;
                Op::ReplaceEvent {
                    graceid: grace(&i.graceid, "graceid")?,
                    file: path(&i.file),
                }
            }
            "create_superevent" => {
                let i: CreateSupereventInput = typed(inputs)?;
                let category = Category::parse(&i.category).ok_or_else(|| {
                    format!(
                        "`category`: {:?} is not test, production or mdc",
                        i.category
                    )
                })?;
                Op::CreateSuperevent(CreateSuperevent {
                    t_start: i.t_start,
                    t_0: i.t_0,
                    t_end: i.t_end,
                    preferred_event: grace(&i.preferred_event, "preferred_event")?,
                    category,
                    events: i
                        .events
                        .iter()
                        .map(|e| grace(e, "events"))
                        .collect::<Result<_, _>>()?,
                    labels: i.labels,
                })
            }
            "update_superevent" => {
                let i: UpdateSupereventInput = typed(inputs)?;
                Op::UpdateSuperevent {
                    superevent: superevent(&i.superevent, "superevent")?,
                    update: UpdateSuperevent {
                        t_start: i.t_start,
                        t_0: i.t_0,
                        t_end: i.t_end,
                        preferred_event: i
                            .preferred_event
                            .as_deref()
                            .map(|g| grace(g, "preferred_event"))
                            .transpose()?,
                        em_type: i.em_type,
                        time_coinc_far: i.time_coinc_far,
                        space_coinc_far: i.space_coinc_far,
                    },
                }
            }
            "add_event" | "remove_event" => {
                let i: MembershipInput = typed(inputs)?;
                let (s, e) = (
                    superevent(&i.superevent, "superevent")?,
                    grace(&i.event, "event")?,
                );
                if kind == "add_event" {
                    Op::AddEvent {
                        superevent: s,
                        event: e,
                    }
                } else {
                    Op::RemoveEvent {
                        superevent: s,
                        event: e,
                    }
                }
            }
            "write_log" => {
                let i: WriteLogInput = typed(inputs)?;
                if !i.display_names.is_empty() && i.display_names.len() != i.tags.len() {
                    return Err("`display_names` must be empty or have one name per tag".into());
                }
                Op::WriteLog {
                    object: object(&i.object)?,
                    log: WriteLog {
                        comment: i.comment,
                        file: i.file.as_deref().map(path),
                        tags: i.tags,
                        display_names: i.display_names,
                        label: i.label,
                    },
                }
            }
            "add_label" | "remove_label" => {
                let i: LabelInput = typed(inputs)?;
                let object = object(&i.object)?;
                if kind == "add_label" {
                    Op::AddLabel {
                        object,
                        label: i.label,
                    }
                } else {
                    Op::RemoveLabel {
                        object,
                        label: i.label,
                    }
                }
            }
            "add_tag" | "remove_tag" => {
                let i: TagInput = typed(inputs)?;
                let object = object(&i.object)?;
                if kind == "add_tag" {
                    Op::AddTag {
                        object,
                        n: i.n,
                        tag: i.tag,
                        display_name: i.display_name,
                    }
                } else {
                    Op::RemoveTag {
                        object,
                        n: i.n,
                        tag: i.tag,
                    }
                }
            }
            "create_signoff" => {
                let i: SignoffInput = typed(inputs)?;
                Op::CreateSignoff {
                    superevent: superevent(&i.superevent, "superevent")?,
                    key: signoff_key(&i),
                    status: i
                        .status
                        .clone()
                        .ok_or("`create_signoff` needs `status` (OK or NO)")?,
                    comment: i
                        .comment
                        .clone()
                        .ok_or("`create_signoff` needs `comment`")?,
                }
            }
            "update_signoff" => {
                let i: SignoffInput = typed(inputs)?;
                if i.status.is_none() && i.comment.is_none() {
                    return Err("`update_signoff` needs a `status` or a `comment` to change".into());
                }
                Op::UpdateSignoff {
                    superevent: superevent(&i.superevent, "superevent")?,
                    key: signoff_key(&i),
                    status: i.status,
                    comment: i.comment,
                }
            }
            "expose" | "hide" | "get_superevent" => {
                let i: SupereventInput = typed(inputs)?;
                let s = superevent(&i.superevent, "superevent")?;
                match kind {
                    "expose" => Op::Expose { superevent: s },
                    "hide" => Op::Hide { superevent: s },
                    _ => Op::GetSuperevent { superevent: s },
                }
            }
            "confirm_as_gw" => {
                let i: ConfirmInput = typed(inputs)?;
                Op::ConfirmAsGw {
                    superevent: superevent(&i.superevent, "superevent")?,
                    gw_id: i.gw_id,
                }
            }
            "get_event" => {
                let i: GetEventInput = typed(inputs)?;
                Op::GetEvent {
                    graceid: grace(&i.graceid, "graceid")?,
                }
            }
            "search" => {
                let i: SearchInput = typed(inputs)?;
                let target = match i.what.as_str() {
                    "events" => SearchTarget::Events,
                    "superevents" => SearchTarget::Superevents,
                    other => return Err(format!("`what`: {other:?} is not events or superevents")),
                };
                Op::Search {
                    target,
                    query: i.query,
                    max_results: i.max_results,
                }
            }
            "download" => {
                let i: DownloadInput = typed(inputs)?;
                Op::Download {
                    object: object(&i.object)?,
                    file: FileRef::parse(&i.file).map_err(|e| format!("`file`: {e}"))?,
                    to: path(&i.to),
                }
            }
            "wait_for" => {
                let i: WaitForInput = typed(inputs)?;
                let mut labels = i.labels;
                labels.extend(i.label);
                if labels.is_empty()
                    && i.file.is_none()
                    && i.event.is_none()
                    && i.log_contains.is_none()
                    && i.until.is_none()
                {
                    return Err(
                        "`wait_for` needs a condition: label, labels, file, event, log_contains or until"
                            .into(),
                    );
                }
                if let Some(u) = &i.until
                    && crate::expr::Template::has_expr(u)
                {
                    return Err(format!(
                        "`until`: write the expression without `${{{{ }}}}` (it is evaluated at each poll, with `item` the object): {u:?}"
                    ));
                }
                Op::WaitFor(WaitFor {
                    object: object(&i.object)?,
                    labels,
                    file: i.file,
                    event: i.event,
                    log_contains: i.log_contains,
                    until: i.until,
                    timeout: duration_input(i.timeout.as_deref(), 600, "timeout")?,
                    interval: duration_input(i.interval.as_deref(), 5, "interval")?,
                    since: i.since,
                })
            }
            "assert" => {
                let i: AssertInput = typed(inputs)?;
                let results = i.that.iter().map(Json::as_bool).collect();
                Op::Assert {
                    results,
                    message: i.message,
                }
            }
            "shift_time" => {
                use crate::shift::{GpsTime, Offset, PayloadKind, ShiftOptions, ShiftTarget};
                let i: ShiftTimeInput = typed(inputs)?;
                let target = match (&i.to, &i.by) {
                    (Some(to), None) => ShiftTarget::To(
                        decimal_text(to, "to")?
                            .parse::<GpsTime>()
                            .map_err(|e| format!("`to`: {e}"))?,
                    ),
                    (None, Some(by)) => ShiftTarget::By(
                        decimal_text(by, "by")?
                            .parse::<Offset>()
                            .map_err(|e| format!("`by`: {e}"))?,
                    ),
                    _ => {
                        return Err(
                            "`shift_time` takes one of `to` (a GPS time) or `by` (seconds)".into(),
                        );
                    }
                };
                let kind = match &i.kind {
                    None => PayloadKind::Auto,
                    Some(k) => k
                        .parse::<PayloadKind>()
                        .map_err(|e| format!("`kind`: {e}"))?,
                };
                Op::ShiftTime {
                    file: path(&i.file),
                    target,
                    kind,
                    options: ShiftOptions {
                        all_times: i.all_times,
                    },
                }
            }
            "sleep_until" => {
                let i: SleepUntilInput = typed(inputs)?;
                Op::SleepUntil { gps: i.gps }
            }
            other => return Err(format!("unknown step kind {other:?}")),
        })
    }

    /// What a step that sends no request will do, for the plan.
    pub fn local_description(&self) -> Option<String> {
        match self {
            Op::WaitFor(w) => Some(format!(
                "poll {} every {:?} until {}; fail after {:?}",
                w.object,
                w.interval,
                w.describe(),
                w.timeout
            )),
            Op::Assert { results, .. } => {
                let unknown = results.iter().filter(|r| r.is_none()).count();
                let false_now = results.iter().filter(|r| **r == Some(false)).count();
                let mut d = format!("check {} condition(s)", results.len());
                if unknown > 0 {
                    d.push_str(&format!(", {unknown} known only when the run gets there"));
                }
                if false_now > 0 {
                    d.push_str(&format!(", {false_now} false already"));
                }
                Some(d)
            }
            Op::SleepUntil { gps } => Some(format!("wait until GPS {gps}")),
            Op::ShiftTime { file, target, .. } => Some(format!(
                "write a copy of {} {} into the run's work folder",
                file.display(),
                match target {
                    crate::shift::ShiftTarget::To(t) => format!("moved to GPS {t}"),
                    crate::shift::ShiftTarget::By(o) => format!("moved by {o} s"),
                }
            )),
            _ => None,
        }
    }

    /// Whether the operation changes GraceDB.
    pub fn is_write(&self) -> bool {
        !matches!(
            self,
            Op::GetEvent { .. }
                | Op::GetSuperevent { .. }
                | Op::Search { .. }
                | Op::Download { .. }
                | Op::WaitFor(_)
                | Op::Assert { .. }
                | Op::SleepUntil { .. }
                | Op::ShiftTime { .. }
        )
    }

    /// The local file it uploads, if any.
    pub fn upload(&self) -> Option<&Path> {
        match self {
            Op::CreateEvent(c) => Some(&c.file),
            Op::ReplaceEvent { file, .. } => Some(file),
            Op::WriteLog { log, .. } => log.file.as_deref(),
            _ => None,
        }
    }

    /// The first request it sends (`None` for a step that sends none, or polls). `content_id`
    /// is the event file's content ID, for `create_event` (the caller hashes the file).
    pub fn request(&self, content_id: &str) -> Option<Request> {
        Some(match self {
            Op::CreateEvent(c) => Request::create_event(c, content_id),
            Op::ReplaceEvent { graceid, file } => Request::replace_event(graceid, file),
            Op::CreateSuperevent(c) => Request::create_superevent(c),
            Op::UpdateSuperevent { superevent, update } => {
                Request::update_superevent(superevent, update)
            }
            Op::AddEvent { superevent, event } => {
                Request::add_event_to_superevent(superevent, event)
            }
            Op::RemoveEvent { superevent, event } => {
                Request::remove_event_from_superevent(superevent, event)
            }
            Op::WriteLog { object, log } => Request::write_log(object, log),
            Op::AddLabel { object, label } => Request::add_label(object, label),
            Op::RemoveLabel { object, label } => Request::remove_label(object, label),
            Op::AddTag {
                object,
                n,
                tag,
                display_name,
            } => Request::add_tag(object, *n, tag, display_name.as_deref()),
            Op::RemoveTag { object, n, tag } => Request::remove_tag(object, *n, tag),
            Op::CreateSignoff {
                superevent,
                key,
                status,
                comment,
            } => Request::create_signoff(superevent, key, status, comment),
            Op::UpdateSignoff {
                superevent,
                key,
                status,
                comment,
            } => Request::update_signoff(superevent, key, status.as_deref(), comment.as_deref()),
            Op::Expose { superevent } => Request::modify_permissions(superevent, "expose"),
            Op::Hide { superevent } => Request::modify_permissions(superevent, "hide"),
            Op::ConfirmAsGw { superevent, gw_id } => {
                Request::confirm_as_gw(superevent, gw_id.as_deref())
            }
            Op::GetEvent { graceid } => Request::event(graceid),
            Op::GetSuperevent { superevent } => Request::superevent(superevent),
            Op::Search { target, query, .. } => Request::search(
                match target {
                    SearchTarget::Events => "events",
                    SearchTarget::Superevents => "superevents",
                },
                query,
                None,
                None,
            ),
            Op::Download { object, file, .. } => Request::download(object, file),
            Op::WaitFor(_) | Op::Assert { .. } | Op::SleepUntil { .. } | Op::ShiftTime { .. } => {
                return None;
            }
        })
    }
}
