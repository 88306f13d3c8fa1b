//! Superevent operations: create, get, update, search, membership, confirmation, exposure.

use super::category::Category;
use super::client::GraceDb;
use super::error::GraceDbError;
use super::events::Search;
use super::ids::{GraceId, SupereventId};
use super::models::{Permission, Superevent};
use super::pages::Pages;
use super::request::Request;

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
        self.execute_json(Request::create_superevent(req)).await
    }

    /// Get a superevent, by S ID or GW ID.
    pub async fn superevent(&self, id: &SupereventId) -> Result<Superevent, GraceDbError> {
        self.execute_json(Request::superevent(id)).await
    }

    /// Change a superevent (PATCH). The server answers 400 if nothing would change.
    pub async fn update_superevent(
        &self,
        id: &SupereventId,
        u: &UpdateSuperevent,
    ) -> Result<Superevent, GraceDbError> {
        self.execute_json(Request::update_superevent(id, u)).await
    }

    /// Search superevents; a query without a category term finds Production ones only.
    pub async fn search_superevents(
        &self,
        search: &Search,
    ) -> Result<Pages<Superevent>, GraceDbError> {
        self.pages("superevents", search).await
    }

    /// Add an event to a superevent.
    pub async fn add_event_to_superevent(
        &self,
        id: &SupereventId,
        graceid: &GraceId,
    ) -> Result<(), GraceDbError> {
        self.execute_discard(Request::add_event_to_superevent(id, graceid))
            .await?;
        Ok(())
    }

    /// Remove an event from a superevent (not its preferred event).
    pub async fn remove_event_from_superevent(
        &self,
        id: &SupereventId,
        graceid: &GraceId,
    ) -> Result<(), GraceDbError> {
        self.execute_discard(Request::remove_event_from_superevent(id, graceid))
            .await?;
        Ok(())
    }

    /// Confirm a superevent as a gravitational wave; it gets a `GW…` ID (or `gw_id`).
    pub async fn confirm_as_gw(
        &self,
        id: &SupereventId,
        gw_id: Option<&str>,
    ) -> Result<Superevent, GraceDbError> {
        self.execute_json(Request::confirm_as_gw(id, gw_id)).await
    }

    /// Make a superevent public (idempotent).
    pub async fn expose(&self, id: &SupereventId) -> Result<Vec<Permission>, GraceDbError> {
        self.execute_json(Request::modify_permissions(id, "expose"))
            .await
    }

    /// Make a superevent internal again (idempotent).
    pub async fn hide(&self, id: &SupereventId) -> Result<Vec<Permission>, GraceDbError> {
        self.execute_json(Request::modify_permissions(id, "hide"))
            .await
    }

    /// The group permissions on a superevent.
    pub async fn permissions(&self, id: &SupereventId) -> Result<Vec<Permission>, GraceDbError> {
        self.execute_key(Request::permissions(id), "permissions")
            .await
    }
}
