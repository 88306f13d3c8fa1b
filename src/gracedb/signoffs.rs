//! Signoffs on superevents (operator and advocate), client reference §4.5.

use reqwest::Method;

use super::client::{Body, Fields, GraceDb};
use super::error::{ErrorKind, GraceDbError};
use super::ids::SupereventId;
use super::models::Signoff;

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
    fn code(&self) -> &str {
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

fn status_code(s: &str) -> &str {
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
        let url = self
            .template(
                "superevent-signoff-list-template",
                &[("superevent_id", id.as_str())],
            )
            .await?;
        // `instrument` is always sent, empty for advocates, as the official client does.
        let fields = Fields::default()
            .text("signoff_type", key.code())
            .text("instrument", &key.instrument)
            .text("comment", comment)
            .text("status", status_code(status));
        self.json(Method::POST, &url, Body::Form(fields)).await
    }

    /// Change a signoff's status or comment.
    pub async fn update_signoff(
        &self,
        id: &SupereventId,
        key: &SignoffKey,
        status: Option<&str>,
        comment: Option<&str>,
    ) -> Result<Signoff, GraceDbError> {
        let ti = key.typeinst();
        let url = self
            .template(
                "superevent-signoff-detail-template",
                &[("superevent_id", id.as_str()), ("typeinst", &ti)],
            )
            .await?;
        if status.is_none() && comment.is_none() {
            return Err(self.error(
                "PATCH",
                &url,
                ErrorKind::Unsupported("give a status or a comment to change".into()),
            ));
        }
        let fields = Fields::default()
            .opt("status", status.map(status_code))
            .opt("comment", comment);
        self.json(Method::PATCH, &url, Body::Form(fields)).await
    }

    /// The signoffs of a superevent.
    pub async fn signoffs(&self, id: &SupereventId) -> Result<Vec<Signoff>, GraceDbError> {
        let url = self
            .template(
                "superevent-signoff-list-template",
                &[("superevent_id", id.as_str())],
            )
            .await?;
        let mut v: serde_json::Value = self.json(Method::GET, &url, Body::Empty).await?;
        serde_json::from_value(v["signoffs"].take())
            .map_err(|e| self.error("GET", &url, ErrorKind::Decode(e.to_string())))
    }

    /// Delete a signoff (its request label comes back).
    pub async fn delete_signoff(
        &self,
        id: &SupereventId,
        key: &SignoffKey,
    ) -> Result<(), GraceDbError> {
        let ti = key.typeinst();
        let url = self
            .template(
                "superevent-signoff-detail-template",
                &[("superevent_id", id.as_str()), ("typeinst", &ti)],
            )
            .await?;
        self.discard(Method::DELETE, &url, Body::Empty).await?;
        Ok(())
    }
}
