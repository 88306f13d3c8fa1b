//! The shape of the API: the links and URL templates a GraceDB service root publishes, as
//! paths under the root. The sandbox publishes exactly these; `plan` uses them to show where a
//! request would go without asking a server.

/// The links the service root publishes, as paths under the root.
pub const LINKS: &[(&str, &str)] = &[
    ("superevents", "superevents/"),
    ("events", "events/"),
    ("self", ""),
    ("performance", "performance/"),
    ("user-info", "user-info/"),
];

/// The URL templates the service root publishes, as paths under the API root (server reference
/// §1; event templates from the events URL conf, superevent ones from `url_templates.py`, plus
/// the pipeline-preferred ones the client expects).
pub const TEMPLATES: &[(&str, &str)] = &[
    ("event-detail-template", "events/{graceid}"),
    ("event-log-template", "events/{graceid}/log/"),
    ("event-log-detail-template", "events/{graceid}/log/{N}"),
    ("voevent-list-template", "events/{graceid}/voevent/"),
    ("voevent-detail-template", "events/{graceid}/voevent/{N}"),
    (
        "emobservation-list-template",
        "events/{graceid}/emobservation/",
    ),
    (
        "emobservation-detail-template",
        "events/{graceid}/emobservation/{N}",
    ),
    ("embb-event-log-template", "events/{graceid}/embb/"),
    ("event-label-template", "events/{graceid}/labels/{label}"),
    ("files-template", "events/{graceid}/files/{filename}"),
    ("taglist-template", "events/{graceid}/log/{N}/tag/"),
    ("tag-template", "events/{graceid}/log/{N}/tag/{tag_name}"),
    ("signoff-list-template", "events/{graceid}/signoff/"),
    (
        "update-grbevent-template",
        "events/{graceid}/update-grbevent/",
    ),
    (
        "superevent-pipeline-preferred-event-list-template",
        "superevents/{superevent_id}/pipeline_preferred_events/",
    ),
    (
        "superevent-pipeline-preferred-event-detail-template",
        "superevents/{superevent_id}/pipeline_preferred_events/{graceid}/",
    ),
    ("superevent-detail-template", "superevents/{superevent_id}/"),
    (
        "superevent-event-list-template",
        "superevents/{superevent_id}/events/",
    ),
    (
        "superevent-event-detail-template",
        "superevents/{superevent_id}/events/{graceid}/",
    ),
    (
        "superevent-label-list-template",
        "superevents/{superevent_id}/labels/",
    ),
    (
        "superevent-label-detail-template",
        "superevents/{superevent_id}/labels/{label_name}/",
    ),
    (
        "superevent-log-list-template",
        "superevents/{superevent_id}/logs/",
    ),
    (
        "superevent-log-detail-template",
        "superevents/{superevent_id}/logs/{N}/",
    ),
    (
        "superevent-log-tag-list-template",
        "superevents/{superevent_id}/logs/{N}/tags/",
    ),
    (
        "superevent-log-tag-detail-template",
        "superevents/{superevent_id}/logs/{N}/tags/{tag_name}/",
    ),
    (
        "superevent-file-list-template",
        "superevents/{superevent_id}/files/",
    ),
    (
        "superevent-file-detail-template",
        "superevents/{superevent_id}/files/{file_name}",
    ),
    (
        "superevent-voevent-list-template",
        "superevents/{superevent_id}/voevents/",
    ),
    (
        "superevent-voevent-detail-template",
        "superevents/{superevent_id}/voevents/{N}/",
    ),
    (
        "superevent-emobservation-list-template",
        "superevents/{superevent_id}/emobservations/",
    ),
    (
        "superevent-emobservation-detail-template",
        "superevents/{superevent_id}/emobservations/{N}/",
    ),
    (
        "superevent-confirm-as-gw-template",
        "superevents/{superevent_id}/confirm-as-gw/",
    ),
    (
        "superevent-signoff-list-template",
        "superevents/{superevent_id}/signoffs/",
    ),
    (
        "superevent-signoff-detail-template",
        "superevents/{superevent_id}/signoffs/{typeinst}/",
    ),
    (
        "superevent-permission-list-template",
        "superevents/{superevent_id}/permissions/",
    ),
    (
        "superevent-permission-modify-template",
        "superevents/{superevent_id}/permissions/modify/",
    ),
];

/// Fill a template or link path with values (raw; for display).
pub fn path(name: &str, values: &[(&str, String)]) -> Option<String> {
    let mut p = TEMPLATES
        .iter()
        .chain(LINKS)
        .find(|(n, _)| *n == name)?
        .1
        .to_owned();
    for (k, v) in values {
        p = p.replace(&format!("{{{k}}}"), v);
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = super::TEMPLATES.iter().map(|(n, _)| *n).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn paths_fill() {
        assert_eq!(
            super::path(
                "files-template",
                &[("graceid", "T1".into()), ("filename", "x,1".into())]
            )
            .as_deref(),
            Some("events/T1/files/x,1")
        );
        assert_eq!(super::path("events", &[]).as_deref(), Some("events/"));
    }
}
