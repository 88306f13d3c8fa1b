//! graceflow: declarative batch workflows for GraceDB uploads and annotations.
//!
//! The crate is layered so that data flows one way: [`gracedb`] is the typed client every
//! workflow goes through, [`sandbox`] is a GraceDB-compatible server used by tests and by new
//! users, [`ligolw`] reads the LIGO_LW files pipelines upload, and [`gps`] converts times.

pub mod analyze;
pub mod auth;
pub mod capture;
pub mod cli;
pub mod condor;
pub mod duration;
pub mod engine;
pub mod expr;
pub mod gps;
pub mod gracedb;
pub mod journal;
pub mod ligolw;
pub mod manifest;
pub mod plan;
pub mod sandbox;
pub mod servers;
pub mod shift;
