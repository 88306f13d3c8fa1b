//! Manifests: the YAML a user writes, parsed with the place of every value kept, and the
//! catalogue of step kinds.
//!
//! This module reads and checks the shape of a manifest; what it means (references, types,
//! the step graph) is `analyze`'s job.

pub mod diagnostic;
pub mod model;
pub mod node;
pub mod schema;
pub mod source;
pub mod steps;

pub use diagnostic::{Diagnostic, Report, Severity};
pub use model::{Manifest, RetrySpec, Step, Var};
pub use source::{Source, Span, Spanned};
