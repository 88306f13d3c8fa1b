//! Requests as data: for every operation, the method, the root link or URL template it goes
//! to, and the body, encoded as the official client encodes it (client reference §3, §4).
//!
//! The client turns a [`Request`] into an HTTP request once it has the service root; `plan`
//! shows one without any server. Keeping the encodings here, once, is what lets the dry run say
//! exactly what `run` will send.

use std::path::PathBuf;

use reqwest::Method;

use super::annotations::WriteLog;
use super::events::{CreateEvent, base_name};
use super::ids::{FileRef, GraceId, ObjectId, SupereventId};
use super::quirks::{EVENT_FILE_FIELD, LOG_FILE_FIELD, py_bool, py_float};
use super::signoffs::SignoffKey;
use super::superevents::{CreateSuperevent, UpdateSuperevent};

/// Where a request goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A link of the service root, with a query string.
    Link {
        /// The link's name (`events`, `superevents`, `user-info`).
        name: &'static str,
        /// Query parameters, in order.
        query: Vec<(String, String)>,
    },
    /// A URL template of the service root, filled with values.
    Template {
        /// The template's name.
        name: &'static str,
        /// Placeholder values.
        values: Vec<(&'static str, String)>,
    },
}

/// Form fields in order, with the official client's scalar formatting.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// A text field.
    pub fn text(mut self, k: &str, v: impl Into<String>) -> Self {
        self.0.push((k.to_owned(), v.into()));
        self
    }
    /// A text field if given.
    pub fn opt(self, k: &str, v: Option<impl Into<String>>) -> Self {
        match v {
            Some(v) => self.text(k, v),
            None => self,
        }
    }
    /// `True` or `False`.
    pub fn bool(self, k: &str, b: bool) -> Self {
        self.text(k, py_bool(b))
    }
    /// A float in Python's `str()` form.
    pub fn float(self, k: &str, x: f64) -> Self {
        self.text(k, py_float(x))
    }
    /// A float if given.
    pub fn opt_float(self, k: &str, x: Option<f64>) -> Self {
        match x {
            Some(x) => self.float(k, x),
            None => self,
        }
    }
    /// A list is a repeated field; an empty list sends nothing.
    pub fn list<S: AsRef<str>>(mut self, k: &str, items: &[S]) -> Self {
        for i in items {
            self.0.push((k.to_owned(), i.as_ref().to_owned()));
        }
        self
    }
}

/// A file part, streamed from disk.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    /// The part name (`eventFile`, `upload`).
    pub field: &'static str,
    /// The file to send.
    pub path: PathBuf,
    /// The name the server will store it under.
    pub file_name: String,
}

/// A request body, in the three encodings the official client uses.
#[derive(Debug, Default, Clone, PartialEq)]
pub enum Body {
    /// No body at all.
    #[default]
    Empty,
    /// `application/x-www-form-urlencoded`.
    Form(Fields),
    /// `multipart/form-data`: the fields, then one file part.
    Multipart(Fields, Upload),
}

/// One request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// Where it goes.
    pub target: Target,
    /// What it carries.
    pub body: Body,
}

fn template(name: &'static str, values: &[(&'static str, &str)]) -> Target {
    Target::Template {
        name,
        values: values.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
    }
}

fn link(name: &'static str) -> Target {
    Target::Link {
        name,
        query: vec![],
    }
}

fn req(method: Method, target: Target, body: Body) -> Request {
    Request {
        method,
        target,
        body,
    }
}

/// The template name and placeholder of an object's resource, which differ by kind.
fn by_kind<'a>(
    o: &'a ObjectId,
    event: &'static str,
    superevent: &'static str,
) -> (&'static str, &'static str, &'a str) {
    match o {
        ObjectId::Event(g) => (event, "graceid", g.as_str()),
        ObjectId::Superevent(s) => (superevent, "superevent_id", s.as_str()),
    }
}

impl Request {
    /// `POST events/`: multipart with the fields in the official client's order, then `eventFile`.
    pub fn create_event(r: &CreateEvent, content_id: &str) -> Self {
        let fields = Fields::default()
            .text("group", &r.group)
            .text("pipeline", &r.pipeline)
            .bool("offline", r.offline)
            .text("content_id", content_id)
            .opt("search", r.search.as_deref())
            .list("labels", &r.labels);
        let upload = Upload {
            field: EVENT_FILE_FIELD,
            path: r.file.clone(),
            file_name: base_name(&r.file),
        };
        req(
            Method::POST,
            link("events"),
            Body::Multipart(fields, upload),
        )
    }

    /// `PUT events/{graceid}` with only `eventFile`.
    pub fn replace_event(graceid: &GraceId, file: &std::path::Path) -> Self {
        let upload = Upload {
            field: EVENT_FILE_FIELD,
            path: file.to_owned(),
            file_name: base_name(file),
        };
        req(
            Method::PUT,
            template("event-detail-template", &[("graceid", graceid.as_str())]),
            Body::Multipart(Fields::default(), upload),
        )
    }

    /// `GET events/{graceid}`.
    pub fn event(graceid: &GraceId) -> Self {
        req(
            Method::GET,
            template("event-detail-template", &[("graceid", graceid.as_str())]),
            Body::Empty,
        )
    }

    /// The first page of a search on link `events` or `superevents`: `query`, `count`, `sort`
    /// in the official client's order.
    pub fn search(
        link_name: &'static str,
        query: &str,
        page_size: Option<u32>,
        sort: Option<&str>,
    ) -> Self {
        let mut q = Vec::new();
        if !query.is_empty() {
            q.push(("query".to_owned(), query.to_owned()));
        }
        if let Some(c) = page_size {
            q.push(("count".to_owned(), c.to_string()));
        }
        if let Some(s) = sort {
            q.push(("sort".to_owned(), s.to_owned()));
        }
        req(
            Method::GET,
            Target::Link {
                name: link_name,
                query: q,
            },
            Body::Empty,
        )
    }

    /// `POST superevents/`, form-encoded, the category as its code.
    pub fn create_superevent(r: &CreateSuperevent) -> Self {
        let fields = Fields::default()
            .float("t_start", r.t_start)
            .float("t_0", r.t_0)
            .float("t_end", r.t_end)
            .text("preferred_event", r.preferred_event.as_str())
            .text("category", r.category.code())
            .list(
                "events",
                &r.events.iter().map(GraceId::as_str).collect::<Vec<_>>(),
            )
            .list("labels", &r.labels);
        req(Method::POST, link("superevents"), Body::Form(fields))
    }

    /// `GET superevents/{id}/`.
    pub fn superevent(id: &SupereventId) -> Self {
        req(
            Method::GET,
            template(
                "superevent-detail-template",
                &[("superevent_id", id.as_str())],
            ),
            Body::Empty,
        )
    }

    /// `PATCH superevents/{id}/` with only the fields that are given.
    pub fn update_superevent(id: &SupereventId, u: &UpdateSuperevent) -> Self {
        let fields = Fields::default()
            .opt_float("t_start", u.t_start)
            .opt_float("t_0", u.t_0)
            .opt_float("t_end", u.t_end)
            .opt(
                "preferred_event",
                u.preferred_event.as_ref().map(GraceId::as_str),
            )
            .opt("em_type", u.em_type.as_deref())
            .opt_float("time_coinc_far", u.time_coinc_far)
            .opt_float("space_coinc_far", u.space_coinc_far);
        req(
            Method::PATCH,
            template(
                "superevent-detail-template",
                &[("superevent_id", id.as_str())],
            ),
            Body::Form(fields),
        )
    }

    /// `POST superevents/{id}/events/` with `event=`.
    pub fn add_event_to_superevent(id: &SupereventId, graceid: &GraceId) -> Self {
        req(
            Method::POST,
            template(
                "superevent-event-list-template",
                &[("superevent_id", id.as_str())],
            ),
            Body::Form(Fields::default().text("event", graceid.as_str())),
        )
    }

    /// `DELETE superevents/{id}/events/{graceid}/`.
    pub fn remove_event_from_superevent(id: &SupereventId, graceid: &GraceId) -> Self {
        req(
            Method::DELETE,
            template(
                "superevent-event-detail-template",
                &[
                    ("superevent_id", id.as_str()),
                    ("graceid", graceid.as_str()),
                ],
            ),
            Body::Empty,
        )
    }

    /// `POST superevents/{id}/confirm-as-gw/`, empty or with `gw_id=`.
    pub fn confirm_as_gw(id: &SupereventId, gw_id: Option<&str>) -> Self {
        let body = match gw_id {
            Some(g) => Body::Form(Fields::default().text("gw_id", g)),
            None => Body::Empty,
        };
        req(
            Method::POST,
            template(
                "superevent-confirm-as-gw-template",
                &[("superevent_id", id.as_str())],
            ),
            body,
        )
    }

    /// `POST superevents/{id}/permissions/modify/` with `action=expose|hide`.
    pub fn modify_permissions(id: &SupereventId, action: &str) -> Self {
        req(
            Method::POST,
            template(
                "superevent-permission-modify-template",
                &[("superevent_id", id.as_str())],
            ),
            Body::Form(Fields::default().text("action", action)),
        )
    }

    /// `GET superevents/{id}/permissions/`.
    pub fn permissions(id: &SupereventId) -> Self {
        req(
            Method::GET,
            template(
                "superevent-permission-list-template",
                &[("superevent_id", id.as_str())],
            ),
            Body::Empty,
        )
    }

    /// Write a log entry: form-encoded without a file, multipart (part `upload`) with one.
    pub fn write_log(object: &ObjectId, log: &WriteLog) -> Self {
        let (t, k, v) = by_kind(object, "event-log-template", "superevent-log-list-template");
        let fields = Fields::default()
            .text("comment", &log.comment)
            .list("tagname", &log.tags)
            .list("displayName", &log.display_names)
            .opt("label", log.label.as_deref());
        let body = match &log.file {
            Some(path) => Body::Multipart(
                fields,
                Upload {
                    field: LOG_FILE_FIELD,
                    path: path.clone(),
                    file_name: base_name(path),
                },
            ),
            None => Body::Form(fields),
        };
        req(Method::POST, template(t, &[(k, v)]), body)
    }

    /// The log entries of an object.
    pub fn logs(object: &ObjectId) -> Self {
        let (t, k, v) = by_kind(object, "event-log-template", "superevent-log-list-template");
        req(Method::GET, template(t, &[(k, v)]), Body::Empty)
    }

    /// One log entry.
    pub fn log(object: &ObjectId, n: u32) -> Self {
        let (t, k, v) = by_kind(
            object,
            "event-log-detail-template",
            "superevent-log-detail-template",
        );
        req(
            Method::GET,
            template(t, &[(k, v), ("N", &n.to_string())]),
            Body::Empty,
        )
    }

    /// The file list of an object.
    pub fn files(object: &ObjectId) -> Self {
        let t = match object {
            ObjectId::Event(g) => template(
                "files-template",
                &[("graceid", g.as_str()), ("filename", "")],
            ),
            ObjectId::Superevent(s) => template(
                "superevent-file-list-template",
                &[("superevent_id", s.as_str())],
            ),
        };
        req(Method::GET, t, Body::Empty)
    }

    /// Download a file (`name` or `name,N`).
    pub fn download(object: &ObjectId, file: &FileRef) -> Self {
        let name = file.to_string();
        let t = match object {
            ObjectId::Event(g) => template(
                "files-template",
                &[("graceid", g.as_str()), ("filename", &name)],
            ),
            ObjectId::Superevent(s) => template(
                "superevent-file-detail-template",
                &[("superevent_id", s.as_str()), ("file_name", &name)],
            ),
        };
        req(Method::GET, t, Body::Empty)
    }

    /// Apply a label: events `PUT …/labels/{label}` with no body, superevents
    /// `POST …/labels/` with `name=`.
    pub fn add_label(object: &ObjectId, label: &str) -> Self {
        match object {
            ObjectId::Event(g) => req(
                Method::PUT,
                template(
                    "event-label-template",
                    &[("graceid", g.as_str()), ("label", label)],
                ),
                Body::Empty,
            ),
            ObjectId::Superevent(s) => req(
                Method::POST,
                template(
                    "superevent-label-list-template",
                    &[("superevent_id", s.as_str())],
                ),
                Body::Form(Fields::default().text("name", label)),
            ),
        }
    }

    /// The labels of an object.
    pub fn labels(object: &ObjectId) -> Self {
        let t = match object {
            ObjectId::Event(g) => template(
                "event-label-template",
                &[("graceid", g.as_str()), ("label", "")],
            ),
            ObjectId::Superevent(s) => template(
                "superevent-label-list-template",
                &[("superevent_id", s.as_str())],
            ),
        };
        req(Method::GET, t, Body::Empty)
    }

    /// Remove a label.
    pub fn remove_label(object: &ObjectId, label: &str) -> Self {
        let t = match object {
            ObjectId::Event(g) => template(
                "event-label-template",
                &[("graceid", g.as_str()), ("label", label)],
            ),
            ObjectId::Superevent(s) => template(
                "superevent-label-detail-template",
                &[("superevent_id", s.as_str()), ("label_name", label)],
            ),
        };
        req(Method::DELETE, t, Body::Empty)
    }

    /// Tag log entry `n`: events `PUT …/tag/{tag}` (with `displayName` if given), superevents
    /// `POST …/tags/` with `name=`.
    pub fn add_tag(object: &ObjectId, n: u32, tag: &str, display_name: Option<&str>) -> Self {
        let n = n.to_string();
        match object {
            ObjectId::Event(g) => {
                let body = match display_name {
                    Some(d) => Body::Form(Fields::default().text("displayName", d)),
                    None => Body::Empty,
                };
                req(
                    Method::PUT,
                    template(
                        "tag-template",
                        &[("graceid", g.as_str()), ("N", &n), ("tag_name", tag)],
                    ),
                    body,
                )
            }
            ObjectId::Superevent(s) => req(
                Method::POST,
                template(
                    "superevent-log-tag-list-template",
                    &[("superevent_id", s.as_str()), ("N", &n)],
                ),
                Body::Form(
                    Fields::default()
                        .text("name", tag)
                        .opt("displayName", display_name),
                ),
            ),
        }
    }

    /// The tags of log entry `n`.
    pub fn tags(object: &ObjectId, n: u32) -> Self {
        let (t, k, v) = by_kind(
            object,
            "taglist-template",
            "superevent-log-tag-list-template",
        );
        req(
            Method::GET,
            template(t, &[(k, v), ("N", &n.to_string())]),
            Body::Empty,
        )
    }

    /// Remove a tag from log entry `n`.
    pub fn remove_tag(object: &ObjectId, n: u32, tag: &str) -> Self {
        let (t, k, v) = by_kind(object, "tag-template", "superevent-log-tag-detail-template");
        req(
            Method::DELETE,
            template(t, &[(k, v), ("N", &n.to_string()), ("tag_name", tag)]),
            Body::Empty,
        )
    }

    /// Create a signoff; `instrument` is always sent, empty for advocates.
    pub fn create_signoff(
        id: &SupereventId,
        key: &SignoffKey,
        status: &str,
        comment: &str,
    ) -> Self {
        let fields = Fields::default()
            .text("signoff_type", key.code())
            .text("instrument", &key.instrument)
            .text("comment", comment)
            .text("status", super::signoffs::status_code(status));
        req(
            Method::POST,
            template(
                "superevent-signoff-list-template",
                &[("superevent_id", id.as_str())],
            ),
            Body::Form(fields),
        )
    }

    /// Change a signoff's status or comment.
    pub fn update_signoff(
        id: &SupereventId,
        key: &SignoffKey,
        status: Option<&str>,
        comment: Option<&str>,
    ) -> Self {
        let fields = Fields::default()
            .opt("status", status.map(super::signoffs::status_code))
            .opt("comment", comment);
        req(
            Method::PATCH,
            template(
                "superevent-signoff-detail-template",
                &[
                    ("superevent_id", id.as_str()),
                    ("typeinst", &key.typeinst()),
                ],
            ),
            Body::Form(fields),
        )
    }

    /// The signoffs of a superevent.
    pub fn signoffs(id: &SupereventId) -> Self {
        req(
            Method::GET,
            template(
                "superevent-signoff-list-template",
                &[("superevent_id", id.as_str())],
            ),
            Body::Empty,
        )
    }

    /// Delete a signoff.
    pub fn delete_signoff(id: &SupereventId, key: &SignoffKey) -> Self {
        req(
            Method::DELETE,
            template(
                "superevent-signoff-detail-template",
                &[
                    ("superevent_id", id.as_str()),
                    ("typeinst", &key.typeinst()),
                ],
            ),
            Body::Empty,
        )
    }

    /// `GET user-info/`.
    pub fn user_info() -> Self {
        req(Method::GET, link("user-info"), Body::Empty)
    }

    /// The endpoint as a path under the API root (`events/T0001/log/`), without a server.
    pub fn path(&self) -> String {
        match &self.target {
            Target::Link { name, query } => {
                let base = super::templates::path(name, &[]).unwrap_or_else(|| format!("<{name}>"));
                if query.is_empty() {
                    base
                } else {
                    let mut q = url::form_urlencoded::Serializer::new(String::new());
                    for (k, v) in query {
                        q.append_pair(k, v);
                    }
                    format!("{base}?{}", q.finish())
                }
            }
            Target::Template { name, values } => {
                super::templates::path(name, values).unwrap_or_else(|| format!("<{name}>"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_tags_are_asymmetric() {
        let e = ObjectId::parse("T1").unwrap();
        let s = ObjectId::parse("TS240519a").unwrap();
        let a = Request::add_label(&e, "DQV");
        assert_eq!(
            (a.method.as_str(), a.path().as_str(), &a.body),
            ("PUT", "events/T1/labels/DQV", &Body::Empty)
        );
        let b = Request::add_label(&s, "DQV");
        assert_eq!(
            (b.method.as_str(), b.path().as_str()),
            ("POST", "superevents/TS240519a/labels/")
        );
        assert_eq!(
            b.body,
            Body::Form(Fields(vec![("name".into(), "DQV".into())]))
        );
        assert_eq!(
            Request::add_tag(&e, 3, "sky_loc", None).path(),
            "events/T1/log/3/tag/sky_loc"
        );
        assert_eq!(
            Request::remove_label(&s, "DQV").path(),
            "superevents/TS240519a/labels/DQV/"
        );
    }

    #[test]
    fn searches_keep_the_client_parameter_order() {
        let r = Request::search("events", "far < 1", Some(2), Some("-far"));
        assert_eq!(r.path(), "events/?query=far+%3C+1&count=2&sort=-far");
    }
}
