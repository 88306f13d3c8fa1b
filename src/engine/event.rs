//! What the engine reports while it runs: the interface between the engine and whatever shows
//! progress (a terminal bar, plain log lines, a test). The engine never prints.

use std::time::Duration;

/// Something that happened during a run.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    /// A step began (with how many items it has).
    StepStarted {
        /// Step id.
        step: String,
        /// Number of actions: its `for_each` items, or 1.
        actions: usize,
    },
    /// A request was sent.
    RequestSent {
        /// Step id.
        step: String,
        /// The item, if any.
        item: Option<String>,
        /// `POST events/`, …
        what: String,
    },
    /// One action finished.
    ActionFinished {
        /// Step id.
        step: String,
        /// The item, if any.
        item: Option<String>,
        /// Whether it succeeded.
        ok: bool,
    },
    /// A step finished.
    StepFinished {
        /// Step id.
        step: String,
        /// How it ended.
        status: StepStatus,
        /// How long it took.
        duration: Duration,
        /// A short summary of its outputs (`graceid=T0001`).
        summary: String,
    },
    /// A step did not run.
    StepSkipped {
        /// Step id.
        step: String,
        /// Why.
        reason: String,
    },
    /// An attempt failed and will be tried again after `delay`.
    Retrying {
        /// Step id.
        step: String,
        /// The item, if any.
        item: Option<String>,
        /// The attempt that failed.
        attempt: u32,
        /// The wait before the next.
        delay: Duration,
        /// What went wrong.
        error: String,
    },
    /// A write in doubt was looked for on the server.
    Reconciled {
        /// Step id.
        step: String,
        /// The item, if any.
        item: Option<String>,
        /// What was found, or `None` when nothing was (the write is sent again).
        found: Option<String>,
    },
    /// The token has expired; the engine waits for a renewed one.
    WaitingForToken {
        /// Where the credential comes from.
        source: String,
        /// How long the engine will wait at most.
        bound: Duration,
    },
    /// A step's outcome came from the journal of an earlier run.
    StepReplayed {
        /// Step id.
        step: String,
        /// A short summary of its outputs.
        summary: String,
    },
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq)]
pub enum StepStatus {
    /// It did everything.
    Done,
    /// It failed.
    Failed {
        /// Why, with the server's message when there is one.
        message: String,
        /// Whether running again may succeed (a timeout, a connection failure, a 5xx).
        transient: bool,
    },
    /// It did not run.
    Skipped {
        /// Why.
        reason: String,
    },
}

/// Receives engine events.
pub trait Reporter: Send + Sync {
    /// Called for each event, in order, from the engine's tasks.
    fn event(&self, event: &EngineEvent);
}

/// A reporter that ignores everything.
pub struct Silent;

impl Reporter for Silent {
    fn event(&self, _: &EngineEvent) {}
}
