//! Showing a run's progress: a bar on a terminal, timestamped lines otherwise (as an HTCondor
//! `.out` file wants them).

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::engine::{EngineEvent, Reporter, StepStatus};
use crate::journal::utc_now_string;

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Failures only.
    Quiet,
    /// Steps.
    Normal,
    /// Steps and requests.
    Verbose,
}

/// A reporter for the command line.
pub struct Progress {
    verbosity: Verbosity,
    bar: Option<ProgressBar>,
    in_flight: Mutex<Vec<String>>,
}

impl Progress {
    /// A bar when stderr is a terminal, lines otherwise.
    pub fn new(steps: usize, verbosity: Verbosity) -> Self {
        let bar = (std::io::stderr().is_terminal() && verbosity != Verbosity::Quiet).then(|| {
            let b = ProgressBar::new(steps as u64);
            b.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} steps  {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Self {
            verbosity,
            bar,
            in_flight: Mutex::new(Vec::new()),
        }
    }

    fn line(&self, text: String) {
        match &self.bar {
            Some(b) => b.println(text),
            None => eprintln!("{} {text}", utc_now_string()),
        }
    }

    fn set_in_flight(&self, f: impl FnOnce(&mut Vec<String>)) {
        let mut v = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut v);
        if let Some(b) = &self.bar {
            b.set_message(if v.is_empty() {
                String::new()
            } else {
                format!("running: {}", v.join(", "))
            });
        }
    }

    /// Remove the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Reporter for Progress {
    fn event(&self, e: &EngineEvent) {
        let normal = self.verbosity != Verbosity::Quiet;
        match e {
            EngineEvent::StepStarted { step, actions } => {
                self.set_in_flight(|v| v.push(step.clone()));
                if self.verbosity == Verbosity::Verbose || (normal && self.bar.is_none()) {
                    let items = if *actions == 1 {
                        String::new()
                    } else {
                        format!(" ({actions} items)")
                    };
                    self.line(format!("start  {step}{items}"));
                }
            }
            EngineEvent::RequestSent { step, item, what }
                if self.verbosity == Verbosity::Verbose =>
            {
                self.line(format!("send   {step}{}: {what}", item_suffix(item)));
            }
            EngineEvent::RequestSent { .. } | EngineEvent::ActionFinished { .. } => {}
            EngineEvent::StepFinished {
                step,
                status,
                duration,
                summary,
            } => {
                self.set_in_flight(|v| v.retain(|s| s != step));
                if let Some(b) = &self.bar {
                    b.inc(1);
                }
                match status {
                    StepStatus::Done if normal => self.line(format!(
                        "done   {step} in {:.2}s {summary}",
                        duration.as_secs_f64()
                    )),
                    StepStatus::Failed { message, .. } => {
                        self.line(format!("FAILED {step}: {message}"))
                    }
                    _ => {}
                }
            }
            EngineEvent::StepSkipped { step, reason } => {
                if let Some(b) = &self.bar {
                    b.inc(1);
                }
                if normal {
                    self.line(format!("skip   {step}: {reason}"));
                }
            }
            EngineEvent::Retrying {
                step,
                item,
                attempt,
                delay,
                error,
            } => {
                if normal {
                    self.line(format!(
                        "retry  {step}{}: attempt {attempt} failed ({error}); next in {:.1}s",
                        item_suffix(item),
                        delay.as_secs_f64()
                    ));
                }
            }
            EngineEvent::Reconciled { step, item, found } => {
                if normal {
                    self.line(match found {
                        Some(f) => format!(
                            "found  {step}{}: the write in doubt reached the server ({f})",
                            item_suffix(item)
                        ),
                        None => format!(
                            "resend {step}{}: the write in doubt is not on the server",
                            item_suffix(item)
                        ),
                    });
                }
            }
            EngineEvent::WaitingForToken { source, bound } => {
                self.line(format!(
                    "wait   the token from {source} has expired; waiting up to {}s for a renewed one",
                    bound.as_secs()
                ));
            }
            EngineEvent::StepReplayed { step, summary } => {
                if let Some(b) = &self.bar {
                    b.inc(1);
                }
                if normal {
                    self.line(format!("done   {step} (from the journal) {summary}"));
                }
            }
        }
    }
}

fn item_suffix(item: &Option<String>) -> String {
    item.as_deref()
        .map(|i| format!(" [{i}]"))
        .unwrap_or_default()
}
