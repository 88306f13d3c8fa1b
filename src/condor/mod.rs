//! HTCondor payloads: submit descriptions and DAGs that run `graceflow run` on manifests, and
//! the check a job makes of the credential HTCondor handed it.
//!
//! Everything here writes text for HTCondor's own tools (`condor_submit`,
//! `condor_submit_dag`) to read; nothing here talks to a schedd.

pub mod creds;
pub mod dag;
pub mod files;
pub mod quote;
pub mod submit;
pub mod table;
