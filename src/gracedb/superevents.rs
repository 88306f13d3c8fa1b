//! Superevent operations: create, get, update, search, membership, confirmation, exposure.

use reqwest::Method;

use super::category::Category;
use super::client::{Body, Fields, GraceDb};
use super::error::GraceDbError;
use super::events::Search;
use super::ids::{GraceId, SupereventId};
use super::models::{Permission, Superevent};
use super::pages::Pages;

/// What to create a superevent from.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateSuperevent {
    /// Window start (GPS).
    pub t_start: f64,
    /// Central time (GPS); its UTC date names the superevent.
    pub t_0: f64,
    /// Window end (GPS).
    pub t_end: f64,
    /// The preferred event.
    pub preferred_event: GraceId,
    /// Category; it must match the events' (Test events make Test superevents).
    pub category: Category,
    /// Other member events.
    pub events: Vec<GraceId>,
    /// Labels to apply at creation.
    pub labels: Vec<String>,
}

/// Changes to a superevent; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateSuperevent {
    /// New window start.
    pub t_start: Option<f64>,
    /// New central time.
    pub t_0: Option<f64>,
    /// New window end.
    pub t_end: Option<f64>,
    /// New preferred event (the old one stays a member).
    pub preferred_event: Option<GraceId>,
    /// New EM type.
    pub em_type: Option<String>,
    /// New time-coincidence FAR.
    pub time_coinc_far: Option<f64>,
    /// New space-time-coincidence FAR.
    pub space_coinc_far: Option<f64>,
}

impl GraceDb {
    /// Create a superevent (form-encoded; the category goes as its code).
    pub async fn create_superevent(
        &self,
        req: &CreateSuperevent,
    ) -> Result<Superevent, GraceDbError> {
        let url = self.link("superevents").await?;
        let fields = Fields::default()
            .float("t_start", req.t_start)
            .float("t_0", req.t_0)
            .float("t_end", req.t_end)
            .text("preferred_event", req.preferred_event.as_str())
            .text("category", req.category.code())
            .list(
                "events",
                &req.events.iter().map(GraceId::as_str).collect::<Vec<_>>(),
            )
            .list("labels", &req.labels);
        self.json(Method::POST, &url, Body::Form(fields)).await
    }

    /// Get a superevent, by S ID or GW ID.
    pub async fn superevent(&self, id: &SupereventId) -> Result<Superevent, GraceDbError> {
        let url = self
            .template(
                "superevent-detail-template",
                &[("superevent_id", id.as_str())],
            )
            .await?;
        self.json(Method::GET, &url, Body::Empty).await
    }

    /// Change a superevent (PATCH). The server answers 400 if nothing would change.
    pub async fn update_superevent(
        &self,
        id: &SupereventId,
        u: &UpdateSuperevent,
    ) -> Result<Superevent, GraceDbError> {
        let url = self
            .template(
                "superevent-detail-template",
                &[("superevent_id", id.as_str())],
            )
            .await?;
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
        self.json(Method::PATCH, &url, Body::Form(fields)).await
    }

    /// Search superevents; a query without a category term finds Production ones only.
    pub async fn search_superevents(
        &self,
        search: &Search,
    ) -> Result<Pages<Superevent>, GraceDbError> {
        let url = self.search_url("superevents", search).await?;
        Ok(Pages::new(self.clone(), url, "superevents"))
    }

    /// Add an event to a superevent.
    pub async fn add_event_to_superevent(
        &self,
        id: &SupereventId,
        graceid: &GraceId,
    ) -> Result<(), GraceDbError> {
        let url = self
            .template(
                "superevent-event-list-template",
                &[("superevent_id", id.as_str())],
            )
            .await?;
        let fields = Fields::default().text("event", graceid.as_str());
        self.discard(Method::POST, &url, Body::Form(fields)).await?;
        Ok(())
    }

    /// Remove an event from a superevent (not its preferred event).
    pub async fn remove_event_from_superevent(
        &self,
        id: &SupereventId,
        graceid: &GraceId,
    ) -> Result<(), GraceDbError> {
        let url = self
            .template(
                "superevent-event-detail-template",
                &[
                    ("superevent_id", id.as_str()),
                    ("graceid", graceid.as_str()),
                ],
            )
            .await?;
        self.discard(Method::DELETE, &url, Body::Empty).await?;
        Ok(())
    }

    /// Confirm a superevent as a gravitational wave; it gets a `GW…` ID (or `gw_id`).
    pub async fn confirm_as_gw(
        &self,
        id: &SupereventId,
        gw_id: Option<&str>,
    ) -> Result<Superevent, GraceDbError> {
        let url = self
            .template(
                "superevent-confirm-as-gw-template",
                &[("superevent_id", id.as_str())],
            )
            .await?;
        let body = match gw_id {
            Some(g) => Body::Form(Fields::default().text("gw_id", g)),
            None => Body::Empty,
        };
        self.json(Method::POST, &url, body).await
    }

    /// Make a superevent public (idempotent).
    pub async fn expose(&self, id: &SupereventId) -> Result<Vec<Permission>, GraceDbError> {
        self.modify_permissions(id, "expose").await
    }

    /// Make a superevent internal again (idempotent).
    pub async fn hide(&self, id: &SupereventId) -> Result<Vec<Permission>, GraceDbError> {
        self.modify_permissions(id, "hide").await
    }

    async fn modify_permissions(
        &self,
        id: &SupereventId,
        action: &str,
    ) -> Result<Vec<Permission>, GraceDbError> {
        let url = self
            .template(
                "superevent-permission-modify-template",
                &[("superevent_id", id.as_str())],
            )
            .await?;
        self.json(
            Method::POST,
            &url,
            Body::Form(Fields::default().text("action", action)),
        )
        .await
    }

    /// The group permissions on a superevent.
    pub async fn permissions(&self, id: &SupereventId) -> Result<Vec<Permission>, GraceDbError> {
        let url = self
            .template(
                "superevent-permission-list-template",
                &[("superevent_id", id.as_str())],
            )
            .await?;
        let mut v: serde_json::Value = self.json(Method::GET, &url, Body::Empty).await?;
        serde_json::from_value(v["permissions"].take())
            .map_err(|e| self.error("GET", &url, super::error::ErrorKind::Decode(e.to_string())))
    }
}
