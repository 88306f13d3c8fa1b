//! The engine: runs an analysed manifest's steps against GraceDB, in dependency order and in
//! parallel where it can, journaling every write (an intent before the request, an outcome
//! after) so that a rerun resumes without sending a completed write again.
//!
//! It owns scheduling, timeouts, skipping and the journal; the client sends, the plan's
//! operations say what to send, and a [`Reporter`] shows progress. It never prints.

mod actions;
mod event;
mod local;
pub mod reconcile;
pub mod retry;
mod stop;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Map, Value as Json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use actions::already_done;
pub use actions::{perform, summary};
pub use event::{EngineEvent, Reporter, Silent, StepStatus};
pub use stop::StopSignal;

use crate::analyze::{Analysis, Input};
use crate::expr::{Context, Evaluator};
use crate::gracedb::{GraceDb, GraceDbError};
use crate::journal::{
    Intent, Journal, JournalError, JournalWriter, Note, Outcome, OutcomeStatus, Record,
    utc_now_string,
};
use crate::manifest::steps::Effect;
use crate::plan::{Op, item_key, truthy};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Requests in flight at once.
    pub jobs: usize,
    /// Environment variables visible to `env.*`.
    pub env: BTreeMap<String, String>,
    /// How long to wait for a renewed token once the current one has expired.
    pub token_wait: Duration,
    /// Set when the run must stop (SIGTERM, SIGINT): no new request starts.
    pub stop: StopSignal,
    /// How long requests in flight may still take once the run is stopping.
    pub grace: Duration,
    /// Where local steps write their files (`shift_time`).
    pub work_dir: std::path::PathBuf,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            jobs: 8,
            env: BTreeMap::new(),
            token_wait: Duration::from_secs(600),
            stop: StopSignal::default(),
            grace: Duration::from_secs(5),
            work_dir: std::path::PathBuf::from("graceflow.work"),
        }
    }
}

/// Why the engine stopped before finishing.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The journal could not be written: without it no write can be made safely.
    #[error("the journal cannot be written, so the run stopped: {0}")]
    Journal(#[from] JournalError),
}

type Append = (
    Record,
    tokio::sync::oneshot::Sender<Result<(), JournalError>>,
);

/// The journal as the engine uses it: the records of earlier runs, and a writer thread.
///
/// Appends are group-committed: the thread writes every record waiting when it wakes with one
/// write and one fsync, then answers each caller. Each caller still has its record on disk
/// before its request goes out, but 64 parallel uploads cost a handful of fsyncs, not 128.
pub struct Journaling {
    previous: Option<Journal>,
    path: std::path::PathBuf,
    appends: std::sync::mpsc::Sender<Append>,
}

impl Journaling {
    /// Wrap a writer, with the journal read back when resuming.
    pub fn new(previous: Option<Journal>, writer: JournalWriter) -> Self {
        let path = writer.path().to_owned();
        let (tx, rx) = std::sync::mpsc::channel::<Append>();
        std::thread::spawn(move || {
            let mut writer = writer;
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                batch.extend(rx.try_iter());
                let (records, acks): (Vec<Record>, Vec<_>) = batch.into_iter().unzip();
                let result = writer.append_all(&records);
                let message = result.as_ref().err().map(ToString::to_string);
                for ack in acks {
                    let r = match &message {
                        None => Ok(()),
                        Some(m) => Err(JournalError::Io {
                            path: writer.path().to_owned(),
                            source: std::io::Error::other(m.clone()),
                        }),
                    };
                    let _ = ack.send(r);
                }
            }
        });
        Self {
            previous,
            path,
            appends: tx,
        }
    }

    /// Append a record; it is on disk when this returns.
    async fn append(&self, record: Record) -> Result<(), JournalError> {
        let gone = || JournalError::Io {
            path: self.path.clone(),
            source: std::io::Error::other("the journal writer stopped"),
        };
        let (ack, done) = tokio::sync::oneshot::channel();
        self.appends.send((record, ack)).map_err(|_| gone())?;
        done.await.map_err(|_| gone())?
    }

    /// A completed outcome from an earlier run.
    fn done(&self, step: &str, item: Option<&str>) -> Option<&Outcome> {
        self.previous
            .as_ref()?
            .latest_outcome(step, item)
            .filter(|o| o.status == OutcomeStatus::Done)
    }

    fn attempts(&self, step: &str, item: Option<&str>) -> u32 {
        self.previous.as_ref().map_or(0, |j| j.attempts(step, item))
    }

    /// The earlier run's write for (`step`, `item`) that may or may not have reached the
    /// server.
    fn in_doubt(&self, step: &str, item: Option<&str>) -> Option<Intent> {
        self.previous
            .as_ref()?
            .in_doubt()
            .into_iter()
            .rfind(|i| i.step == step && i.item.as_deref() == item)
            .cloned()
    }

    /// The server objects the earlier run's completed writes own.
    fn claims(&self) -> HashSet<String> {
        let Some(j) = &self.previous else {
            return HashSet::new();
        };
        j.outcomes()
            .filter(|o| o.status == OutcomeStatus::Done)
            .flat_map(|o| {
                let endpoint = j
                    .intents()
                    .find(|i| i.step == o.step && i.item == o.item && i.attempt == o.attempt)
                    .and_then(|i| i.request.get("endpoint")?.as_str().map(str::to_owned))
                    .unwrap_or_default();
                reconcile::claims(&endpoint, &o.outputs)
            })
            .collect()
    }
}

/// How each step ended.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Per step, in manifest order.
    pub steps: Vec<StepReport>,
}

/// How one step ended.
#[derive(Debug, Clone)]
pub struct StepReport {
    /// Its id.
    pub id: String,
    /// How it ended.
    pub status: StepStatus,
    /// Its outputs.
    pub outputs: Map<String, Json>,
    /// Whether its outcome came from the journal.
    pub replayed: bool,
    /// Whether its failure is tolerated.
    pub continue_on_error: bool,
}

impl RunReport {
    /// The failures that fail the run.
    pub fn failures(&self) -> impl Iterator<Item = &StepReport> {
        self.steps
            .iter()
            .filter(|s| !s.continue_on_error && matches!(s.status, StepStatus::Failed { .. }))
    }
}

struct Shared {
    analysis: Arc<Analysis>,
    client: GraceDb,
    journal: Arc<Journaling>,
    evaluator: Evaluator,
    vars: Map<String, Json>,
    env: BTreeMap<String, String>,
    permits: Semaphore,
    reporter: Arc<dyn Reporter>,
    /// Server objects that completed writes of this run own (see [`reconcile::claims`]).
    claimed: Mutex<HashSet<String>>,
    /// One reconciliation at a time, so that two cannot take the same evidence.
    reconciling: tokio::sync::Mutex<()>,
    token_wait: Duration,
    stop: StopSignal,
    grace: Duration,
    work_dir: std::path::PathBuf,
    /// The run's frozen start, GPS: `delay:` counts from it.
    started_gps: f64,
    /// When each finished step finished, GPS: `after:` counts from it.
    finished_gps: Mutex<BTreeMap<String, f64>>,
}

/// Why an action did not complete: the message, and whether running again may succeed.
type Failure = (String, bool);

/// One attempt's failure, as the retry loop sees it.
pub(crate) struct Failed {
    message: String,
    class: retry::Class,
    retry_after: Option<Duration>,
}

impl Failed {
    fn from_error(e: &GraceDbError) -> Self {
        Self {
            message: e.to_string(),
            class: retry::classify(e),
            retry_after: retry::retry_after(e),
        }
    }
}

#[derive(Debug, Clone)]
struct Finished {
    status: StepStatus,
    outputs: Map<String, Json>,
    replayed: bool,
}

impl Shared {
    fn context(&self, outputs: &BTreeMap<String, Json>) -> Context {
        Context {
            vars: self.vars.clone(),
            steps: outputs
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            item: None,
            env: self.env.clone(),
        }
    }

    /// A completed outcome of `step` from an earlier run. A local step whose `path` output
    /// is gone (a job restarted elsewhere with only its journal) is not done: the file is made
    /// again, identical.
    fn done(&self, step: usize, item: Option<&str>) -> Option<&Outcome> {
        let s = &self.analysis.manifest.steps[step];
        let o = self.journal.done(&s.id.value, item)?;
        let makes_a_file = s.kind.effect == Effect::Local
            && s.kind.output("path") == Some(crate::expr::Type::Path);
        match o.outputs.get("path") {
            Some(Json::String(p)) if makes_a_file && !std::path::Path::new(p).exists() => None,
            _ => Some(o),
        }
    }

    fn resolve(&self, input: &Input, ctx: &Context) -> Result<Json, String> {
        input.resolve(&self.evaluator, ctx).map_err(|(e, span)| {
            let (line, col) = self.analysis.manifest.source.line_col(span.offset);
            format!("line {line}, column {col}: {}", e.message)
        })
    }

    /// One action: an item of a `for_each`, or the whole step, with its retries.
    ///
    /// Each attempt at a write records an intent before the request and an outcome after it.
    /// A write that failed in a way that may have reached the server gets no outcome yet: it
    /// is *in doubt* until reconciliation settles it, here or in the next run.
    async fn action(
        &self,
        step: usize,
        ctx: &Context,
        item: Option<String>,
    ) -> Result<Result<Map<String, Json>, Failure>, EngineError> {
        let s = &self.analysis.manifest.steps[step];
        let id = s.id.value.as_str();
        if let Some(o) = self.done(step, item.as_deref()) {
            return Ok(Ok(o.outputs.clone()));
        }
        let inputs = match self.resolve(&self.analysis.steps[step].inputs, ctx) {
            Ok(v) => v,
            Err(e) => return Ok(Err((e, false))),
        };
        let op = match Op::from_inputs(s.kind.name, inputs, &self.analysis.base_dir) {
            Ok(op) => op,
            Err(e) => return Ok(Err((e, false))),
        };
        if let Op::Assert { results, message } = &op {
            let failures = self.assertion_failures(step, ctx, results);
            let result = if failures.is_empty() {
                let mut out = Map::new();
                out.insert("checked".into(), Json::from(results.len()));
                Ok(out)
            } else {
                let what = message.as_deref().unwrap_or("assertion failed");
                Err((format!("{what}: {}", failures.join("; ")), false))
            };
            let (status, outputs, error) = match &result {
                Ok(o) => (OutcomeStatus::Done, o.clone(), None),
                Err((m, _)) => (OutcomeStatus::Failed, Map::new(), Some(m.clone())),
            };
            let mut outcome = step_outcome(id, status, outputs, error, Instant::now());
            outcome.item = item;
            self.journal.append(Record::Outcome(outcome)).await?;
            return Ok(result);
        }
        let defaults = &self.analysis.manifest.defaults;
        let policy = retry::Policy::from_spec(
            s.retry
                .as_ref()
                .or(defaults.retry.as_ref())
                .map(|r| &r.value),
        );
        let timeout = s
            .timeout
            .as_ref()
            .or(defaults.timeout.as_ref())
            .map(|t| t.value);
        let mut attempt = self.journal.attempts(id, item.as_deref());
        let mut doubt = self.journal.in_doubt(id, item.as_deref());
        let first = Instant::now();
        let mut failures = 0u32;
        let mut reloaded = false;
        loop {
            // Held while talking to the server, not while waiting to retry.
            let permit = self
                .permits
                .acquire()
                .await
                .expect("the semaphore is never closed");
            if self.stop.is_stopped() {
                return Ok(Err((stopped_message(&doubt), true)));
            }
            let failed = if let Some(intent) = doubt.clone() {
                match self.settle(id, item.as_deref(), &op, &intent).await? {
                    Ok(Some(outputs)) => return Ok(Ok(outputs)),
                    Ok(None) => {
                        doubt = None;
                        continue;
                    }
                    Err(f) => f,
                }
            } else {
                if let Err(m) = self.fresh_credential().await {
                    return Ok(Err((m, true)));
                }
                attempt += 1;
                match self
                    .attempt(id, item.as_deref(), &op, attempt, timeout)
                    .await?
                {
                    Ok(outputs) => return Ok(Ok(outputs)),
                    Err((failed, in_doubt)) => {
                        doubt = in_doubt;
                        failed
                    }
                }
            };
            drop(permit);
            match failed.class {
                retry::Class::Permanent if doubt.is_none() => {
                    return Ok(Err((failed.message, false)));
                }
                retry::Class::Credential if !reloaded => {
                    reloaded = true;
                    // A renewer may have replaced the token since it was read.
                    let _ = self.client.credential_source().reload();
                    continue;
                }
                retry::Class::Credential => {
                    return Ok(Err((self.refusal(&failed.message).await, false)));
                }
                _ => {}
            }
            failures += 1;
            let spent = first.elapsed();
            let delay = policy.delay(
                failures,
                failed.class,
                failed.retry_after,
                &mut rand::thread_rng(),
            );
            let past_deadline = policy.deadline.is_some_and(|d| spent + delay > d);
            if failures >= policy.attempts || past_deadline {
                let why = if past_deadline {
                    format!(
                        "the step's deadline of {} is reached",
                        humanize(policy.deadline.unwrap_or_default())
                    )
                } else {
                    format!("{} attempts", policy.attempts)
                };
                let doubt_note = if doubt.is_some() {
                    "; the last write may have reached the server, and the next run will look for it before sending it again"
                } else {
                    ""
                };
                return Ok(Err((
                    format!("gave up after {why}: {}{doubt_note}", failed.message),
                    true,
                )));
            }
            self.reporter.event(&EngineEvent::Retrying {
                step: id.to_owned(),
                item: item.clone(),
                attempt,
                delay,
                error: failed.message,
            });
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = self.stop.stopped() => {}
            }
        }
    }

    /// The conditions of an `assert` step that are false, each written as in the manifest
    /// with the values of what it refers to: `steps.e.far < 1e-6 (steps.e.far = 2e-05)`.
    fn assertion_failures(
        &self,
        step: usize,
        ctx: &Context,
        results: &[Option<bool>],
    ) -> Vec<String> {
        let that = match &self.analysis.steps[step].inputs {
            Input::Map(fields) => fields.iter().find(|(k, _)| k == "that").map(|(_, v)| v),
            _ => None,
        };
        let conditions: Vec<&Input> = match that {
            Some(Input::List(items)) => items.iter().collect(),
            Some(other) => vec![other],
            None => vec![],
        };
        results
            .iter()
            .enumerate()
            .filter(|(_, ok)| **ok != Some(true))
            .map(|(i, ok)| {
                let verdict = if ok.is_some() {
                    "is false"
                } else {
                    "is not true or false"
                };
                let Some(Input::Template(t, _)) = conditions.get(i) else {
                    return format!("condition {} {verdict}", i + 1);
                };
                let values: Vec<String> = t
                    .exprs()
                    .flat_map(|e| e.refs.iter().map(|r| e.reference_text(r)))
                    .map(|r| {
                        let v = self
                            .evaluator
                            .eval_str(&format!("${{{{ {r} }}}}"), ctx)
                            .map_or_else(|e| format!("<{}>", e.message), |v| v.to_string());
                        format!("{r} = {v}")
                    })
                    .collect();
                let text = condition_text(conditions[i]);
                if values.is_empty() {
                    format!("{text} {verdict}")
                } else {
                    format!("{text} {verdict} ({})", values.join(", "))
                }
            })
            .collect()
    }

    /// Send one attempt, journaled. On failure, also the intent when the write is now in
    /// doubt (then no outcome is recorded for it).
    async fn attempt(
        &self,
        id: &str,
        item: Option<&str>,
        op: &Op,
        attempt: u32,
        timeout: Option<Duration>,
    ) -> Result<Result<Map<String, Json>, (Failed, Option<Intent>)>, EngineError> {
        let started = (Instant::now(), utc_now_string());
        if let Some(request) = op.request("") {
            self.reporter.event(&EngineEvent::RequestSent {
                step: id.to_owned(),
                item: item.map(str::to_owned),
                what: format!("{} {}", request.method, request.path()),
            });
        }
        let intent = if op.is_write() {
            let intent = Intent {
                step: id.to_owned(),
                item: item.map(str::to_owned),
                attempt,
                at: utc_now_string(),
                request: crate::plan::describe(op).await,
            };
            self.journal.append(Record::Intent(intent.clone())).await?;
            Some(intent)
        } else {
            None
        };
        let result = self.send(op, timeout).await;
        let in_doubt = match &result {
            Err((_, may_have_arrived)) => intent.clone().filter(|_| *may_have_arrived),
            Ok(_) => None,
        };
        if in_doubt.is_none() {
            let (status, outputs, error) = match &result {
                Ok(o) => (OutcomeStatus::Done, o.clone(), None),
                Err((f, _)) => (OutcomeStatus::Failed, Map::new(), Some(f.message.clone())),
            };
            self.journal
                .append(Record::Outcome(Outcome {
                    step: id.to_owned(),
                    item: item.map(str::to_owned),
                    attempt,
                    status,
                    outputs,
                    error,
                    attempts: attempt,
                    started: started.1,
                    finished: utc_now_string(),
                    duration_ms: started.0.elapsed().as_millis() as u64,
                }))
                .await?;
        }
        Ok(match result {
            Ok(outputs) => {
                if let Some(i) = &intent {
                    self.claim(i, &outputs);
                }
                Ok(outputs)
            }
            Err((f, _)) => Err((f, in_doubt)),
        })
    }

    /// Perform an operation within the step's timeout; on failure, also whether the request
    /// may have reached the server. Once the run is stopping, a request still in flight gets
    /// the grace period, then is abandoned (and stays in doubt).
    async fn send(
        &self,
        op: &Op,
        timeout: Option<Duration>,
    ) -> Result<Map<String, Json>, (Failed, bool)> {
        let timed_out = |what: String| {
            (
                Failed {
                    message: what,
                    class: retry::Class::Transient,
                    retry_after: None,
                },
                true,
            )
        };
        match op {
            Op::WaitFor(w) => {
                return local::wait_for(&self.client, w, &self.evaluator, &self.stop)
                    .await
                    .map_err(|f| (f, false));
            }
            Op::SleepUntil { gps } => {
                return local::sleep_until(*gps, &self.stop)
                    .await
                    .map_err(|f| (f, false));
            }
            Op::ShiftTime {
                file,
                target,
                kind,
                options,
            } => {
                return local::shift_time(file, &self.work_dir, *kind, *target, *options)
                    .await
                    .map_err(|f| (f, false));
            }
            _ => {}
        }
        let work = async {
            match timeout {
                Some(t) => match tokio::time::timeout(t, perform(&self.client, op)).await {
                    Ok(r) => r.map_err(Some),
                    Err(_) => Err(None),
                },
                None => perform(&self.client, op).await.map_err(Some),
            }
        };
        let grace = async {
            self.stop.stopped().await;
            tokio::time::sleep(self.grace).await;
        };
        tokio::select! {
            r = work => match r {
                Ok(outputs) => Ok(outputs),
                // The state asked for is there: success, with the outputs read back.
                Err(Some(e)) if retry::classify(&e) == retry::Class::AlreadyDone => {
                    already_done(&self.client, op).await.map_err(|e| (Failed::from_error(&e), false))
                }
                Err(Some(e)) => Err((Failed::from_error(&e), retry::may_have_arrived(&e))),
                Err(None) => Err(timed_out(format!("timed out after {}", humanize(timeout.unwrap_or_default())))),
            },
            () = grace => Err(timed_out("the run was stopped while this request was in flight".into())),
        }
    }

    /// Settle a write in doubt: look for it on the server. `Ok(Some)`: it is there (its
    /// outcome is recorded as done); `Ok(None)`: it is not (recorded as failed, so it is sent
    /// again); `Err`: the server could not be asked.
    async fn settle(
        &self,
        id: &str,
        item: Option<&str>,
        op: &Op,
        intent: &Intent,
    ) -> Result<Result<Option<Map<String, Json>>, Failed>, EngineError> {
        let _one = self.reconciling.lock().await;
        let claimed = self
            .claimed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let started = (Instant::now(), utc_now_string());
        let found = match reconcile::reconcile(&self.client, op, intent, &claimed).await {
            Ok(found) => found,
            Err(e) => return Ok(Err(Failed::from_error(&e))),
        };
        let (status, outputs, message) = match &found {
            Some(ev) => (
                OutcomeStatus::Done,
                ev.outputs.clone(),
                format!(
                    "reconciled attempt {}: found on the server: {}",
                    intent.attempt, ev.found
                ),
            ),
            None => (
                OutcomeStatus::Failed,
                Map::new(),
                format!(
                    "reconciled attempt {}: not found on the server; sending it again",
                    intent.attempt
                ),
            ),
        };
        self.journal
            .append(Record::Note(Note {
                step: Some(id.to_owned()),
                item: item.map(str::to_owned),
                at: utc_now_string(),
                message: message.clone(),
                data: None,
            }))
            .await?;
        self.journal
            .append(Record::Outcome(Outcome {
                step: id.to_owned(),
                item: item.map(str::to_owned),
                attempt: intent.attempt,
                status,
                outputs: outputs.clone(),
                error: (status == OutcomeStatus::Failed).then_some(message),
                attempts: intent.attempt,
                started: started.1,
                finished: utc_now_string(),
                duration_ms: started.0.elapsed().as_millis() as u64,
            }))
            .await?;
        self.reporter.event(&EngineEvent::Reconciled {
            step: id.to_owned(),
            item: item.map(str::to_owned),
            found: found.as_ref().map(|ev| ev.found.clone()),
        });
        Ok(Ok(found.map(|ev| {
            self.claim(intent, &ev.outputs);
            ev.outputs
        })))
    }

    fn claim(&self, intent: &Intent, outputs: &Map<String, Json>) {
        let endpoint = intent
            .request
            .get("endpoint")
            .and_then(Json::as_str)
            .unwrap_or("");
        self.claimed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(reconcile::claims(endpoint, outputs));
    }

    /// Why the server refused a request twice, the credential re-read in between. GraceDB
    /// never says "bad token": it treats a token it rejects as no token at all, so ask it who
    /// it thinks we are.
    async fn refusal(&self, error: &str) -> String {
        let source = self.client.credential_source();
        let has_token = matches!(source.credential(), Ok(crate::auth::Credential::Bearer(_)));
        let anonymous = matches!(self.client.user_info().await, Ok(u) if u.is_anonymous());
        if has_token && anonymous {
            format!(
                "{error}; the server did not accept the token from {} (it answers as if no credential had been sent): its audience, scope, issuer or expiry is likely wrong; see `graceflow token --server {}`",
                source.describe(),
                self.client.service_url()
            )
        } else {
            format!(
                "{error}; the credential ({}) was re-read and the request sent again, and the server still refused it: this account may not do this",
                source.describe()
            )
        }
    }

    /// Wait, if the token has expired, for a renewed one, up to `token_wait`.
    async fn fresh_credential(&self) -> Result<(), String> {
        let source = self.client.credential_source();
        if source
            .expires_at()
            .is_none_or(|e| e > crate::gps::unix_now())
        {
            return Ok(());
        }
        self.reporter.event(&EngineEvent::WaitingForToken {
            source: source.describe(),
            bound: self.token_wait,
        });
        tokio::select! {
            r = crate::auth::wait_for_fresh(&**source, self.token_wait, crate::gps::unix_now) => {
                r.map_err(|e| format!("{e}; renew it (htgettoken) and run again"))
            }
            () = self.stop.stopped() => Err("stopped while waiting for a renewed token".into()),
        }
    }

    async fn step(
        self: Arc<Self>,
        step: usize,
        outputs: BTreeMap<String, Json>,
    ) -> Result<Finished, EngineError> {
        let s = &self.analysis.manifest.steps[step];
        let info = &self.analysis.steps[step];
        let id = s.id.value.clone();
        let t0 = Instant::now();
        // Done in an earlier run: its outputs are final, whatever the condition says now.
        if let Some(o) = self.done(step, None) {
            if let Some(t) = crate::gps::parse_utc(&o.finished) {
                self.mark_finished(&id, crate::gps::utc_to_gps(t));
            }
            self.reporter.event(&EngineEvent::StepReplayed {
                step: id,
                summary: summary(&o.outputs),
            });
            return Ok(Finished {
                status: StepStatus::Done,
                outputs: o.outputs.clone(),
                replayed: true,
            });
        }
        let ctx = self.context(&outputs);
        if let Some(c) = &info.condition {
            match self.resolve(c, &ctx) {
                Ok(v) if truthy(&v) => {}
                Ok(_) => {
                    return self
                        .skip(
                            step,
                            format!("its condition is false: {}", condition_text(c)),
                        )
                        .await;
                }
                Err(e) => {
                    return self
                        .fail(
                            step,
                            format!("its condition cannot be evaluated: {e}"),
                            false,
                            t0,
                        )
                        .await;
                }
            }
        }
        let items = match &info.for_each {
            None => None,
            Some(fe) => match self.resolve(fe, &ctx) {
                Ok(Json::Array(items)) => Some(items),
                Ok(other) => {
                    return self
                        .fail(
                            step,
                            format!("for_each gave {other}, not a list"),
                            false,
                            t0,
                        )
                        .await;
                }
                Err(e) => return self.fail(step, format!("for_each: {e}"), false, t0).await,
            },
        };
        if let Err(m) = self.keep_schedule(step).await? {
            return self.fail(step, m, true, t0).await;
        }
        let n = items.as_ref().map_or(1, Vec::len);
        self.reporter.event(&EngineEvent::StepStarted {
            step: id.clone(),
            actions: n,
        });
        let Some(items) = items else {
            return match self.action(step, &ctx, None).await? {
                Ok(out) => self.finish(step, StepStatus::Done, out, t0).await,
                Err((m, transient)) => self.fail(step, m, transient, t0).await,
            };
        };
        let keyed: Vec<(String, Json)> = items.into_iter().map(|i| (item_key(&i), i)).collect();
        let runs = keyed.iter().map(|(key, item)| {
            let ctx = Context {
                item: Some(item.clone()),
                ..ctx.clone()
            };
            let this = self.clone();
            let key = key.clone();
            async move {
                let r = this.action(step, &ctx, Some(key.clone())).await;
                if let Ok(res) = &r {
                    this.reporter.event(&EngineEvent::ActionFinished {
                        step: this.analysis.manifest.steps[step].id.value.clone(),
                        item: Some(key),
                        ok: res.is_ok(),
                    });
                }
                r
            }
        });
        let results = futures_util::future::join_all(runs).await;
        let mut per_item = Vec::new();
        let mut failures = Vec::new();
        for ((key, _), r) in keyed.iter().zip(results) {
            match r? {
                Ok(o) => per_item.push(o),
                Err((m, transient)) => failures.push((key.clone(), m, transient)),
            }
        }
        let outputs = aggregate(s.kind, &per_item);
        if failures.is_empty() {
            self.journal
                .append(Record::Outcome(step_outcome(
                    &id,
                    OutcomeStatus::Done,
                    outputs.clone(),
                    None,
                    t0,
                )))
                .await?;
            self.finish(step, StepStatus::Done, outputs, t0).await
        } else {
            let transient = failures.iter().all(|f| f.2);
            let message = format!(
                "{} of {} items failed; first, {}: {}",
                failures.len(),
                keyed.len(),
                failures[0].0,
                failures[0].1
            );
            self.fail(step, message, transient, t0).await
        }
    }

    fn mark_finished(&self, id: &str, gps: f64) {
        self.finished_gps
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_owned(), gps);
    }

    /// Wait for the step's `delay:` and `after:`, and journal when it was planned to start and
    /// when it did. `Err` when the run is stopped meanwhile.
    async fn keep_schedule(&self, step: usize) -> Result<Result<(), String>, EngineError> {
        let s = &self.analysis.manifest.steps[step];
        let mut planned: Option<(f64, String)> = None;
        let mut later = |gps: f64, why: String| {
            if planned.as_ref().is_none_or(|(p, _)| gps > *p) {
                planned = Some((gps, why));
            }
        };
        if let Some(d) = &s.delay {
            later(
                self.started_gps + d.value.as_secs_f64(),
                format!("{} after the run started", humanize_precise(d.value)),
            );
        }
        if let Some(a) = &s.after {
            let finished = self
                .finished_gps
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&a.step.value)
                .copied();
            if let Some(f) = finished {
                later(
                    f + a.delay.as_secs_f64(),
                    format!(
                        "{} after `{}` finished",
                        humanize_precise(a.delay),
                        a.step.value
                    ),
                );
            }
        }
        let Some((planned, why)) = planned else {
            return Ok(Ok(()));
        };
        let wait = planned - crate::gps::gps_now();
        if wait > 0.0 {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs_f64(wait)) => {}
                () = self.stop.stopped() => {
                    return Ok(Err("stopped while waiting for its planned start".into()));
                }
            }
        }
        let actual = crate::gps::gps_now();
        self.journal
            .append(Record::Note(Note {
                step: Some(s.id.value.clone()),
                item: None,
                at: utc_now_string(),
                message: format!(
                    "scheduled: planned {why}, started {:.3} s late",
                    (actual - planned).max(0.0)
                ),
                data: Some(serde_json::json!({
                    "planned_gps": planned,
                    "actual_gps": actual,
                    "late_s": (actual - planned).max(0.0),
                })),
            }))
            .await?;
        Ok(Ok(()))
    }

    async fn finish(
        &self,
        step: usize,
        status: StepStatus,
        outputs: Map<String, Json>,
        t0: Instant,
    ) -> Result<Finished, EngineError> {
        if status == StepStatus::Done {
            self.mark_finished(
                &self.analysis.manifest.steps[step].id.value,
                crate::gps::gps_now(),
            );
        }
        self.reporter.event(&EngineEvent::StepFinished {
            step: self.analysis.manifest.steps[step].id.value.clone(),
            status: status.clone(),
            duration: t0.elapsed(),
            summary: summary(&outputs),
        });
        Ok(Finished {
            status,
            outputs,
            replayed: false,
        })
    }

    async fn fail(
        &self,
        step: usize,
        message: String,
        transient: bool,
        t0: Instant,
    ) -> Result<Finished, EngineError> {
        self.finish(
            step,
            StepStatus::Failed { message, transient },
            Map::new(),
            t0,
        )
        .await
    }

    async fn skip(&self, step: usize, reason: String) -> Result<Finished, EngineError> {
        let id = self.analysis.manifest.steps[step].id.value.clone();
        self.journal
            .append(Record::Outcome(step_outcome(
                &id,
                OutcomeStatus::Skipped,
                Map::new(),
                Some(reason.clone()),
                Instant::now(),
            )))
            .await?;
        self.reporter.event(&EngineEvent::StepSkipped {
            step: id,
            reason: reason.clone(),
        });
        Ok(Finished {
            status: StepStatus::Skipped { reason },
            outputs: Map::new(),
            replayed: false,
        })
    }
}

fn step_outcome(
    id: &str,
    status: OutcomeStatus,
    outputs: Map<String, Json>,
    error: Option<String>,
    t0: Instant,
) -> Outcome {
    let now = utc_now_string();
    Outcome {
        step: id.to_owned(),
        item: None,
        attempt: 1,
        status,
        outputs,
        error,
        attempts: 1,
        started: now.clone(),
        finished: now,
        duration_ms: t0.elapsed().as_millis() as u64,
    }
}

fn stopped_message(doubt: &Option<Intent>) -> String {
    let mut m = "stopped before sending: the run was asked to stop".to_owned();
    if doubt.is_some() {
        m.push_str("; an earlier attempt may have reached the server, and the next run will look for it first");
    }
    m
}

fn condition_text(c: &Input) -> String {
    match c {
        Input::Template(t, _) => t
            .parts
            .iter()
            .map(|p| match p {
                crate::expr::Part::Text(s) => s.clone(),
                crate::expr::Part::Expr(e) => format!("${{{{ {} }}}}", e.source),
            })
            .collect(),
        Input::Literal(v) => v.to_string(),
        _ => "…".into(),
    }
}

/// A delay as written in manifests, to the millisecond: `12.5s`, `2m`.
fn humanize_precise(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        humanize(d)
    } else {
        format!("{:.3}s", d.as_secs_f64())
    }
}

fn humanize(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        return format!("{}ms", d.as_millis());
    }
    crate::duration::humanize(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The outputs of a `for_each` step: each output as the list of its values over the items,
/// plus `items` (the per-item outputs) and `count`.
fn aggregate(
    kind: &crate::manifest::steps::KindSpec,
    items: &[Map<String, Json>],
) -> Map<String, Json> {
    let mut out = Map::new();
    for (name, _, _) in (kind.outputs)() {
        out.insert(
            name.to_owned(),
            Json::Array(
                items
                    .iter()
                    .map(|o| o.get(name).cloned().unwrap_or(Json::Null))
                    .collect(),
            ),
        );
    }
    out.insert(
        "items".into(),
        Json::Array(items.iter().cloned().map(Json::Object).collect()),
    );
    out.insert("count".into(), Json::from(items.len()));
    out
}

/// Run an analysed manifest. `vars` are the frozen variables (from the journal header when
/// resuming); `now_gps` the frozen "now".
pub async fn run(
    analysis: Arc<Analysis>,
    client: GraceDb,
    journal: Arc<Journaling>,
    vars: Map<String, Json>,
    now_gps: f64,
    opts: RunOptions,
    reporter: Arc<dyn Reporter>,
) -> Result<RunReport, EngineError> {
    if journal.previous.is_some() {
        journal
            .append(Record::Note(Note {
                step: None,
                item: None,
                at: utc_now_string(),
                message: "resumed".into(),
                data: None,
            }))
            .await?;
    }
    let journal_claims = journal.claims();
    let shared = Arc::new(Shared {
        evaluator: Evaluator::new(now_gps, analysis.base_dir.clone()),
        analysis: analysis.clone(),
        client,
        journal,
        vars,
        env: opts.env,
        permits: Semaphore::new(opts.jobs.max(1)),
        reporter,
        claimed: Mutex::new(journal_claims),
        reconciling: tokio::sync::Mutex::new(()),
        token_wait: opts.token_wait,
        stop: opts.stop,
        grace: opts.grace,
        work_dir: opts.work_dir,
        started_gps: now_gps,
        finished_gps: Mutex::new(BTreeMap::new()),
    });
    let steps = &analysis.manifest.steps;
    let n = steps.len();
    let mut finished: Vec<Option<Finished>> = vec![None; n];
    let mut started = vec![false; n];
    let mut outputs: BTreeMap<String, Json> = BTreeMap::new();
    let mut running: JoinSet<(usize, Result<Finished, EngineError>)> = JoinSet::new();
    loop {
        for i in 0..n {
            if started[i]
                || !analysis.graph.deps[i]
                    .iter()
                    .all(|&d| finished[d].is_some())
            {
                continue;
            }
            started[i] = true;
            let blocker = analysis.graph.deps[i].iter().find(|&&d| {
                let f = finished[d].as_ref().expect("dependencies are finished");
                match &f.status {
                    StepStatus::Done => false,
                    // A tolerated failure blocks only the steps that need its outputs.
                    StepStatus::Failed { .. } => {
                        !steps[d].continue_on_error || analysis.steps[i].uses.contains(&d)
                    }
                    StepStatus::Skipped { .. } => true,
                }
            });
            if let Some(&d) = blocker.filter(|_| !steps[i].always) {
                let reason = match &finished[d].as_ref().expect("finished").status {
                    StepStatus::Failed { .. } => format!("`{}` failed", steps[d].id.value),
                    _ => format!("`{}` did not run", steps[d].id.value),
                };
                let f = shared.skip(i, reason).await?;
                outputs.insert(steps[i].id.value.clone(), Json::Object(Map::new()));
                finished[i] = Some(f);
                continue;
            }
            let task = shared.clone().step(i, outputs.clone());
            running.spawn(async move { (i, task.await) });
        }
        if finished.iter().all(Option::is_some) {
            break;
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (i, result) = joined.expect("step tasks do not panic");
        let f = result?;
        // Steps that did not finish still appear, without outputs, so that `default(...)`
        // in an `always:` step can fall back.
        outputs.insert(steps[i].id.value.clone(), Json::Object(f.outputs.clone()));
        finished[i] = Some(f);
        // Skips decided above may have finished every remaining step already.
        if finished.iter().all(Option::is_some) && running.is_empty() {
            break;
        }
    }
    Ok(RunReport {
        steps: finished
            .into_iter()
            .enumerate()
            .map(|(i, f)| {
                let f = f.unwrap_or(Finished {
                    status: StepStatus::Skipped {
                        reason: "not reached".into(),
                    },
                    outputs: Map::new(),
                    replayed: false,
                });
                StepReport {
                    id: steps[i].id.value.clone(),
                    status: f.status,
                    outputs: f.outputs,
                    replayed: f.replayed,
                    continue_on_error: steps[i].continue_on_error,
                }
            })
            .collect(),
    })
}
