//! The names a server accepts (groups, pipelines, searches, labels), for checking literal
//! values before anything is sent: the built-in snapshot, or a server's own lists.

use crate::gracedb::ServiceRoot;
use crate::gracedb::vocabulary as snapshot;

/// The lists a manifest's literal names are checked against.
#[derive(Debug, Clone, PartialEq)]
pub struct Vocabulary {
    /// Analysis groups.
    pub groups: Vec<String>,
    /// Pipelines.
    pub pipelines: Vec<String>,
    /// Searches.
    pub searches: Vec<String>,
    /// Labels.
    pub labels: Vec<String>,
    /// Where the lists come from, for messages.
    pub origin: String,
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl Vocabulary {
    /// The snapshot built into graceflow.
    pub fn snapshot() -> Self {
        Self {
            groups: owned(snapshot::GROUPS),
            pipelines: owned(snapshot::PIPELINES),
            searches: owned(snapshot::SEARCHES),
            labels: owned(snapshot::LABELS),
            origin: "graceflow's snapshot of GraceDB's lists".into(),
        }
    }

    /// A server's own lists, from its root document.
    pub fn from_root(root: &ServiceRoot, server: &str) -> Self {
        Self {
            groups: root.groups.clone(),
            pipelines: root.pipelines.clone(),
            searches: root.searches.clone(),
            labels: root.labels.clone(),
            origin: format!("the lists of {server}"),
        }
    }
}
