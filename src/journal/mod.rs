//! The run journal: the append-only, fsynced record of a run from which an interrupted run
//! resumes without repeating a write.
//!
//! A journal is JSON Lines. The first line is a [`Header`] (tool version, manifest hash,
//! server, frozen variables, `now` and seed); after it come [`Record`]s: an [`Intent`] before
//! each write request, an [`Outcome`] after each step or item, and [`Note`]s. Every line is
//! synced before [`JournalWriter::append`] returns, and a crash can only tear the last line,
//! which [`read`] ignores and [`JournalWriter::append_to`] cuts off. [`JournalLock`] keeps a
//! second run off the same journal.
//!
//! This module owns the file format, its version check, locking, and the questions resume
//! asks of a journal ([`Journal::in_doubt`], [`Journal::latest_outcome`],
//! [`Journal::attempts`]). It does not decide what to record or when, nor reconcile, nor
//! retry (the engine does), and it knows nothing of credentials: the request summaries it is
//! given must not hold any.
//!
//! ```no_run
//! # fn main() -> Result<(), graceflow::journal::JournalError> {
//! use graceflow::journal::{self, JournalLock, JournalWriter, Note, Record};
//! let path = std::path::Path::new("run.jsonl");
//! let _lock = JournalLock::acquire(path)?;
//! let journal = journal::read(path)?;
//! let mut writer = JournalWriter::append_to(path)?;
//! writer.append(&Record::Note(Note {
//!     step: None,
//!     item: None,
//!     at: journal::utc_now_string(),
//!     message: format!("resumed; {} write(s) in doubt", journal.in_doubt().len()),
//!     data: None,
//! }))?;
//! # Ok(())
//! # }
//! ```

mod error;
mod lock;
mod reader;
mod record;
mod writer;

pub use error::JournalError;
pub use lock::JournalLock;
pub use reader::{Journal, read};
pub use record::{
    Header, Intent, Note, Outcome, OutcomeStatus, Record, utc_now_string, utc_string,
};
pub use writer::JournalWriter;

/// The journal format this graceflow writes and reads. Readers refuse any other (older:
/// [`JournalError::TooOld`], newer: [`JournalError::TooNew`]). Added fields do not change
/// it; a new record kind or a changed meaning does.
pub const FORMAT_VERSION: u32 = 1;
