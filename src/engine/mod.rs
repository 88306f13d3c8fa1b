//! The engine: runs an analysed manifest's steps against GraceDB, in dependency order and in
//! parallel where it can, journaling every write (an intent before the request, an outcome
//! after) so that a rerun resumes without sending a completed write again.
//!
//! It owns scheduling, timeouts, skipping and the journal; the client sends, the plan's
//! operations say what to send, and a [`Reporter`] shows progress. It never prints.

mod actions;
mod event;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value as Json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use actions::{is_transient, perform, summary};
pub use event::{EngineEvent, Reporter, Silent, StepStatus};

use crate::analyze::{Analysis, Input};
use crate::expr::{Context, Evaluator};
use crate::gracedb::GraceDb;
use crate::journal::{
    Intent, Journal, JournalError, JournalWriter, Note, Outcome, OutcomeStatus, Record,
    utc_now_string,
};
use crate::plan::{Op, item_key, truthy};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Requests in flight at once.
    pub jobs: usize,
    /// Environment variables visible to `env.*`.
    pub env: BTreeMap<String, String>,
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

    fn resolve(&self, input: &Input, ctx: &Context) -> Result<Json, String> {
        input.resolve(&self.evaluator, ctx).map_err(|(e, span)| {
            let (line, col) = self.analysis.manifest.source.line_col(span.offset);
            format!("line {line}, column {col}: {}", e.message)
        })
    }

    /// One action: an item of a `for_each`, or the whole step.
    async fn action(
        &self,
        step: usize,
        ctx: &Context,
        item: Option<String>,
    ) -> Result<Result<Map<String, Json>, (String, bool)>, EngineError> {
        let s = &self.analysis.manifest.steps[step];
        let id = s.id.value.as_str();
        if let Some(o) = self.journal.done(id, item.as_deref()) {
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
        let attempt = self.journal.attempts(id, item.as_deref()) + 1;
        let started = (Instant::now(), utc_now_string());
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let request = op.request("");
        self.reporter.event(&EngineEvent::RequestSent {
            step: id.to_owned(),
            item: item.clone(),
            what: format!("{} {}", request.method, request.path()),
        });
        if op.is_write() {
            let summary = crate::plan::describe(&op).await;
            self.journal
                .append(Record::Intent(Intent {
                    step: id.to_owned(),
                    item: item.clone(),
                    attempt,
                    at: utc_now_string(),
                    request: summary,
                }))
                .await?;
        }
        let timeout = s
            .timeout
            .as_ref()
            .or(self.analysis.manifest.defaults.timeout.as_ref())
            .map(|t| t.value);
        let result = match timeout {
            Some(t) => match tokio::time::timeout(t, perform(&self.client, &op)).await {
                Ok(r) => r.map_err(|e| (e.to_string(), is_transient(&e))),
                Err(_) => Err((format!("timed out after {}", humanize(t)), true)),
            },
            None => perform(&self.client, &op)
                .await
                .map_err(|e| (e.to_string(), is_transient(&e))),
        };
        let (status, outputs, error) = match &result {
            Ok(o) => (OutcomeStatus::Done, o.clone(), None),
            Err((m, _)) => (OutcomeStatus::Failed, Map::new(), Some(m.clone())),
        };
        self.journal
            .append(Record::Outcome(Outcome {
                step: id.to_owned(),
                item,
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
        Ok(result)
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
        if let Some(o) = self.journal.done(&id, None) {
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

    async fn finish(
        &self,
        step: usize,
        status: StepStatus,
        outputs: Map<String, Json>,
        t0: Instant,
    ) -> Result<Finished, EngineError> {
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

fn humanize(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 && s.is_multiple_of(60) {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
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
            }))
            .await?;
    }
    let shared = Arc::new(Shared {
        evaluator: Evaluator::new(now_gps, analysis.base_dir.clone()),
        analysis: analysis.clone(),
        client,
        journal,
        vars,
        env: opts.env,
        permits: Semaphore::new(opts.jobs.max(1)),
        reporter,
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
