//! GraceDB: the typed async client, and the facts about GraceDB it and the sandbox share
//! (identifiers, categories, vocabulary, wire quirks).
//!
//! ```no_run
//! # async fn demo() -> Result<(), graceflow::gracedb::GraceDbError> {
//! use graceflow::gracedb::{GraceDb, CreateEvent};
//! let client = GraceDb::builder("http://127.0.0.1:8000/api/").build()?;
//! let event = client
//!     .create_event(&CreateEvent {
//!         group: "Test".into(),
//!         pipeline: "gstlal".into(),
//!         search: Some("AllSky".into()),
//!         labels: vec![],
//!         offline: false,
//!         file: "coinc.xml".into(),
//!     })
//!     .await?;
//! println!("{} at GPS {:?}", event.graceid, event.gpstime);
//! # Ok(()) }
//! ```

mod annotations;
pub mod category;
mod client;
mod error;
mod events;
pub mod ids;
mod models;
mod pages;
pub mod quirks;
pub mod request;
mod root;
mod signoffs;
mod superevents;
pub mod templates;
pub mod vocabulary;

pub use annotations::WriteLog;
pub use category::Category;
pub use client::{GraceDb, GraceDbBuilder, USER_AGENT};
pub use error::{ErrorKind, GraceDbError, server_message};
pub use events::{CreateEvent, Search, file_sha256};
pub use ids::{FileRef, GraceId, InvalidId, ObjectId, SupereventId};
pub use models::{
    Applied, Downloaded, Event, Label, LogEntry, Permission, Signoff, Superevent, Tag, UserInfo,
};
pub use pages::Pages;
pub use request::{Body, Fields, Request, Target, Upload};
pub use root::ServiceRoot;
pub use signoffs::SignoffKey;
pub use superevents::{CreateSuperevent, UpdateSuperevent};
