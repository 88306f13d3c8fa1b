//! Signoffs on superevents (operator and advocate), client reference §4.5.

use super::client::GraceDb;
use super::error::{ErrorKind, GraceDbError};
use super::ids::SupereventId;
use super::models::Signoff;
use super::request::Request;

/// Which signoff: its type and, for operators, the instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignoffKey {
    /// `OP` or `ADV` (display names `operator`/`advocate` are accepted too).
    pub signoff_type: String,
    /// Instrument code for operator signoffs (`H1`, …), `""` for advocates.
    pub instrument: String,
}

impl SignoffKey {
    /// The type code: the official client accepts codes or display names and sends codes.
    pub fn code(&self) -> &str {
        match self.signoff_type.to_ascii_lowercase().as_str() {
            "operator" | "op" => "OP",
            "advocate" | "adv" => "ADV",
            _ => &self.signoff_type,
        }
    }

    /// `ADV`, `OPH1`, … as used in URLs.
    pub fn typeinst(&self) -> String {
        format!("{}{}", self.code(), self.instrument)
    }
}

/// A status code from a code or a display name (`ok`, `OKAY` → `OK`).
pub(crate) fn status_code(s: &str) -> &str {
    match s.to_ascii_lowercase().as_str() {
        "ok" | "okay" => "OK",
        "no" | "not okay" => "NO",
        _ => s,
    }
}

impl GraceDb {
    /// Create a signoff (the superevent must carry its request label, `ADVREQ` or `<IFO>OPS`).
    pub async fn create_signoff(
        &self,
        id: &SupereventId,
        key: &SignoffKey,
        status: &str,
        comment: &str,
    ) -> Result<Signoff, GraceDbError> {
        self.execute_json(Request::create_signoff(id, key, status, comment))
            .await
    }

    /// Change a signoff's status or comment.
    pub async fn update_signoff(
        &self,
        id: &SupereventId,
        key: &SignoffKey,
        status: Option<&str>,
        comment: Option<&str>,
    ) -> Result<Signoff, GraceDbError> {
        if status.is_none() && comment.is_none() {
            return Err(self.error(
                "PATCH",
                self.service_url(),
                ErrorKind::Unsupported("give a status or a comment to change".into()),
            ));
        }
        self.execute_json(Request::update_signoff(id, key, status, comment))
            .await
    }

    /// The signoffs of a superevent.
    pub async fn signoffs(&self, id: &SupereventId) -> Result<Vec<Signoff>, GraceDbError> {
        self.execute_key(Request::signoffs(id), "signoffs").await
    }

    /// Delete a signoff (its request label comes back).
    pub async fn delete_signoff(
        &self,
        id: &SupereventId,
        key: &SignoffKey,
    ) -> Result<(), GraceDbError> {
        self.execute_discard(Request::delete_signoff(id, key))
            .await?;
        Ok(())
    }
}
