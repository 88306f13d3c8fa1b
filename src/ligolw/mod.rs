//! LIGO_LW XML reading: the documents CBC pipelines upload when they create a GraceDB event.
//!
//! This module owns two layers:
//! * [`Document`]: a general reader for LIGO_LW tables (gzipped or not), with names
//!   normalised and cells typed by their column `Type` ([`Value`]);
//! * [`parse_cbc`]: what the GraceDB server extracts from a coinc upload (`gpstime`, `far`,
//!   `instruments`, `likelihood`, `nevents` and the `CoincInspiral` / `SingleInspiral` extra
//!   attributes), reproducing its choices so the sandbox answers with identical values.
//!
//! Parsing never panics on input; every failure is a [`LigoLwError`] naming the table, row,
//! column and byte offset where known.

mod cbc;
mod decimal;
mod document;
mod error;
mod stream;
mod value;
mod walk;

pub use cbc::{
    COINC_INSPIRAL_ATTRIBUTES, CbcEvent, FieldKind, SINGLE_INSPIRAL_COLUMNS, empty_coinc_inspiral,
    parse_cbc,
};
pub use document::{
    Column, Document, MAX_DOCUMENT_BYTES, MAX_TABLE_CELLS, Table, normalize_column_name,
    normalize_table_name,
};
pub use error::LigoLwError;
pub use stream::MAX_CELL_BYTES;
pub use value::Value;
