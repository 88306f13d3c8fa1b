//! Events and superevents as stored, and how to find them.

use rusqlite::{OptionalExtension, Row, params};

use super::error::SandboxError;
use super::store::Db;
use crate::gracedb::Category;

/// Which table an annotated object lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An event.
    Event,
    /// A superevent.
    Superevent,
}

impl Kind {
    /// The tag stored in annotation rows.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Event => "E",
            Self::Superevent => "S",
        }
    }
}

/// A kind of object chosen at compile time, so that one generic handler serves both the
/// event and the superevent URL trees (`get(list::<OfEvent>)`).
pub trait KindMarker: Send + Sync + 'static {
    /// The kind.
    const KIND: Kind;
}

/// [`Kind::Event`] as a type.
pub struct OfEvent;

/// [`Kind::Superevent`] as a type.
pub struct OfSuperevent;

impl KindMarker for OfEvent {
    const KIND: Kind = Kind::Event;
}

impl KindMarker for OfSuperevent {
    const KIND: Kind = Kind::Superevent;
}

/// The row an annotation hangs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectKey {
    /// Event or superevent.
    pub kind: Kind,
    /// The row id.
    pub id: i64,
}

/// An event row.
#[derive(Debug, Clone)]
pub struct EventRow {
    /// Row id; the number in the graceid.
    pub id: i64,
    /// `G0001`, `T0140`, …
    pub graceid: String,
    /// Analysis group.
    pub group: String,
    /// Pipeline.
    pub pipeline: String,
    /// Search, if given.
    pub search: Option<String>,
    /// Who uploaded it.
    pub submitter: String,
    /// Unix seconds.
    pub created: i64,
    /// Parsed GPS time.
    pub gpstime: Option<f64>,
    /// Parsed false-alarm rate.
    pub far: Option<f64>,
    /// Parsed likelihood.
    pub likelihood: Option<f64>,
    /// Parsed number of single-detector events.
    pub nevents: Option<i64>,
    /// Parsed instruments, `""` if unknown.
    pub instruments: String,
    /// Whether the event came from an offline analysis.
    pub offline: bool,
    /// Pipeline-specific attributes, as JSON text.
    pub extra_attributes: String,
    /// The superevent row it belongs to.
    pub superevent: Option<i64>,
}

impl EventRow {
    /// The annotation key.
    pub fn key(&self) -> ObjectKey {
        ObjectKey {
            kind: Kind::Event,
            id: self.id,
        }
    }

    /// The superevent category the event may join.
    pub fn category(&self) -> Category {
        Category::of_event(&self.group, self.search.as_deref())
    }

    const COLUMNS: &'static str = "id, graceid, grp, pipeline, search, submitter, created, gpstime, far, likelihood, nevents, instruments, offline, extra_attributes, superevent";

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(0)?,
            graceid: r.get(1)?,
            group: r.get(2)?,
            pipeline: r.get(3)?,
            search: r.get(4)?,
            submitter: r.get(5)?,
            created: r.get(6)?,
            gpstime: r.get(7)?,
            far: r.get(8)?,
            likelihood: r.get(9)?,
            nevents: r.get(10)?,
            instruments: r.get(11)?,
            offline: r.get(12)?,
            extra_attributes: r.get(13)?,
            superevent: r.get(14)?,
        })
    }

    /// Look an event up by graceid.
    pub fn find(db: &Db<'_>, graceid: &str) -> Result<Option<Self>, SandboxError> {
        Ok(db
            .prepare_cached(&format!(
                "SELECT {} FROM events WHERE graceid = ?1",
                Self::COLUMNS
            ))?
            .query_row([graceid], Self::from_row)
            .optional()?)
    }

    /// Load an event by row id.
    pub fn get(db: &Db<'_>, id: i64) -> Result<Self, SandboxError> {
        Ok(db
            .prepare_cached(&format!(
                "SELECT {} FROM events WHERE id = ?1",
                Self::COLUMNS
            ))?
            .query_row([id], Self::from_row)?)
    }

    /// Load events matching an SQL condition over the `events` table, in the given order.
    pub fn select(
        db: &Db<'_>,
        condition: &str,
        order: &str,
        limit: i64,
        offset: i64,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Self>, SandboxError> {
        let sql = format!(
            "SELECT {} FROM events WHERE {condition} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
            Self::COLUMNS
        );
        let mut stmt = db.prepare(&sql)?;
        let rows = stmt.query_map(args, Self::from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A superevent row.
#[derive(Debug, Clone)]
pub struct SupereventRow {
    /// Row id.
    pub id: i64,
    /// The `S…` ID, kept after confirmation.
    pub superevent_id: String,
    /// The `GW…` ID once confirmed.
    pub gw_id: Option<String>,
    /// Category.
    pub category: Category,
    /// Who created it.
    pub submitter: String,
    /// Unix seconds.
    pub created: i64,
    /// Row id of the preferred event.
    pub preferred_event: i64,
    /// Start of the time window (GPS).
    pub t_start: f64,
    /// Central time (GPS).
    pub t_0: f64,
    /// End of the time window (GPS).
    pub t_end: f64,
    /// EM event type, if set.
    pub em_type: Option<String>,
    /// Time-coincidence FAR, if set.
    pub time_coinc_far: Option<f64>,
    /// Space-time-coincidence FAR, if set.
    pub space_coinc_far: Option<f64>,
    /// Whether it is visible to the public.
    pub is_exposed: bool,
}

impl SupereventRow {
    /// The annotation key.
    pub fn key(&self) -> ObjectKey {
        ObjectKey {
            kind: Kind::Superevent,
            id: self.id,
        }
    }

    const COLUMNS: &'static str = "id, superevent_id, gw_id, category, submitter, created, preferred_event, t_start, t_0, t_end, em_type, time_coinc_far, space_coinc_far, is_exposed";

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        let code: String = r.get(3)?;
        Ok(Self {
            id: r.get(0)?,
            superevent_id: r.get(1)?,
            gw_id: r.get(2)?,
            category: Category::from_code(&code).unwrap_or(Category::Production),
            submitter: r.get(4)?,
            created: r.get(5)?,
            preferred_event: r.get(6)?,
            t_start: r.get(7)?,
            t_0: r.get(8)?,
            t_end: r.get(9)?,
            em_type: r.get(10)?,
            time_coinc_far: r.get(11)?,
            space_coinc_far: r.get(12)?,
            is_exposed: r.get(13)?,
        })
    }

    /// Look a superevent up by its S ID or its GW ID.
    pub fn find(db: &Db<'_>, sid: &str) -> Result<Option<Self>, SandboxError> {
        Ok(db
            .prepare_cached(&format!(
                "SELECT {} FROM superevents WHERE superevent_id = ?1 OR gw_id = ?1",
                Self::COLUMNS
            ))?
            .query_row([sid], Self::from_row)
            .optional()?)
    }

    /// Load a superevent by row id.
    pub fn get(db: &Db<'_>, id: i64) -> Result<Self, SandboxError> {
        Ok(db
            .prepare_cached(&format!(
                "SELECT {} FROM superevents WHERE id = ?1",
                Self::COLUMNS
            ))?
            .query_row([id], Self::from_row)?)
    }

    /// Load superevents matching an SQL condition, in the given order.
    pub fn select(
        db: &Db<'_>,
        condition: &str,
        order: &str,
        limit: i64,
        offset: i64,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Self>, SandboxError> {
        let sql = format!(
            "SELECT {} FROM superevents WHERE {condition} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
            Self::COLUMNS
        );
        let mut stmt = db.prepare(&sql)?;
        let rows = stmt.query_map(args, Self::from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The graceids of its member events, in the order they joined.
    pub fn member_graceids(&self, db: &Db<'_>) -> Result<Vec<(String, String)>, SandboxError> {
        let mut stmt =
            db.prepare_cached("SELECT graceid, grp FROM events WHERE superevent = ?1 ORDER BY id")?;
        let rows = stmt.query_map(params![self.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
