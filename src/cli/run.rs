//! `graceflow run`: run a manifest, journaled, resumable.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;
use sha2::{Digest, Sha256};

use super::exit::Exit;
use super::load::{load, parse_set, print_human};
use super::progress::{Progress, Verbosity};
use super::sandbox::DEFAULT_DATA_DIR;
use crate::analyze::{Options, Vocabulary};
use crate::auth::{Credential, Token};
use crate::duration::parse_seconds;
use crate::engine::{self, Journaling, RunOptions, StepStatus, StopSignal};
use crate::gracedb::GraceDb;
use crate::gracedb::quirks::hex;
use crate::journal::{self, Header, JournalLock, JournalWriter};
use crate::manifest::steps::Effect;
use crate::sandbox::{SandboxConfig, TokenRequest};
use crate::servers::Server;

/// Arguments of `graceflow run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The manifest.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Server: sandbox, playground, test, production or a URL (default: the manifest's
    /// `server:`, else the embedded sandbox).
    #[arg(long, value_name = "SERVER")]
    server: Option<String>,
    /// Override a variable: name=value (repeatable). Ignored when resuming: a journal keeps
    /// the values its run started with.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    set: Vec<(String, String)>,
    /// Requests in flight at once.
    #[arg(long, short = 'j', default_value_t = 8)]
    jobs: usize,
    /// The journal (default: <manifest stem>.journal.jsonl in the current directory). If it
    /// exists, the run resumes from it.
    #[arg(long, value_name = "PATH")]
    journal: Option<PathBuf>,
    /// Allow writing to production (the manifest must say `allow_production: true` too).
    #[arg(long)]
    allow_production: bool,
    /// A file holding the bearer token for a remote server (default: discovered as
    /// `graceflow token` shows).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// How long to wait for a renewed token once the current one has expired, before
    /// stopping with exit 75: 600, 90s, 10m, 1h.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_seconds)]
    token_wait: i64,
    /// How long requests in flight may finish after SIGTERM or SIGINT, before the run stops
    /// with exit 75 (they are then looked for on the server when the run resumes).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_seconds)]
    grace: i64,
    /// The sandbox's data directory when running against it.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    sandbox_data: PathBuf,
    /// Say only what failed.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    quiet: bool,
    /// Also show every request.
    #[arg(long, short = 'v')]
    verbose: bool,
}

fn default_journal(manifest: &Path) -> PathBuf {
    let stem = manifest
        .file_stem()
        .map_or_else(|| "manifest".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from(format!("{stem}.journal.jsonl"))
}

/// Run `graceflow run`.
pub async fn run(a: RunArgs) -> anyhow::Result<Exit> {
    let journal_path = a
        .journal
        .clone()
        .unwrap_or_else(|| default_journal(&a.file));
    let _lock = JournalLock::acquire(&journal_path)?;
    let previous = if journal_path.exists() && std::fs::metadata(&journal_path)?.len() > 0 {
        Some(journal::read(&journal_path)?)
    } else {
        None
    };
    let overrides = if previous.is_some() {
        vec![]
    } else {
        a.set.clone()
    };
    let opts = Options {
        overrides,
        vocabulary: Vocabulary::snapshot(),
    };
    let (analysis, report) = load(&a.file, &opts);
    print_human(&report);
    let Some(analysis) = analysis else {
        return Ok(Exit::Permanent);
    };
    let server = super::resolve_server(a.server.as_deref(), &analysis)?;
    let writes = analysis
        .manifest
        .steps
        .iter()
        .any(|s| s.kind.effect == Effect::Write);
    if writes && let Err(m) = server.guard(analysis.manifest.allow_production, a.allow_production) {
        anyhow::bail!("{m}");
    }
    let manifest_sha = hex(&Sha256::digest(analysis.manifest.source.text.as_bytes()));
    let env = super::expression_env(&analysis);

    // The sandbox is started before the journal header is written, so that the header
    // records the URL it serves at.
    let mut sandbox = None;
    let client = match &server {
        Server::Sandbox => {
            std::fs::create_dir_all(&a.sandbox_data)?;
            let running = crate::sandbox::start(
                SandboxConfig::for_data_dir(&a.sandbox_data)?,
                "127.0.0.1:0".parse()?,
            )
            .await?;
            eprintln!(
                "graceflow: running against the embedded sandbox at {} (data in {})",
                running.url(),
                a.sandbox_data.display()
            );
            let token = running.issuer().mint(&TokenRequest::default())?;
            let client = GraceDb::builder(running.url())
                .credential(Credential::Bearer(Token::new(token)))
                .build()?;
            sandbox = Some(running);
            client
        }
        Server::Remote { url } => {
            let source =
                super::credentials::remote_credential(a.token_file.as_deref(), url, writes)?;
            GraceDb::builder(url).credential_source(source).build()?
        }
    };
    let server_name = match &server {
        Server::Sandbox => "sandbox".to_owned(),
        Server::Remote { url } => url.clone(),
    };

    // The service root is the first thing the first request needs: fetch it while the journal
    // is being prepared. A failure here is reported by the first step that needs it.
    let prefetch = {
        let client = client.clone();
        tokio::spawn(async move {
            let _ = client.root().await;
        })
    };

    let (vars, now_gps, writer) = match &previous {
        Some(j) => {
            if j.header.manifest_sha256 != manifest_sha {
                anyhow::bail!(
                    "{} was written for another version of {} (the manifest changed since the run started); restore the manifest, or start afresh with another --journal",
                    journal_path.display(),
                    a.file.display()
                );
            }
            if j.header.server != server_name {
                anyhow::bail!(
                    "{} belongs to a run against {}, not {server_name}; use --server {} to resume it, or another --journal",
                    journal_path.display(),
                    j.header.server,
                    j.header.server
                );
            }
            let doubtful = j.in_doubt().len();
            if doubtful > 0 {
                eprintln!(
                    "graceflow: {doubtful} write(s) of the earlier run may have reached the server; each is looked for there before it is sent again"
                );
            }
            eprintln!("graceflow: resuming from {}", journal_path.display());
            (
                j.header.vars.clone(),
                j.header.now_gps,
                JournalWriter::append_to(&journal_path)?,
            )
        }
        None => {
            let now = crate::gps::gps_now();
            let evaluator = crate::expr::Evaluator::new(now, analysis.base_dir.clone());
            let vars = crate::plan::resolve_vars(&analysis, &evaluator, &env)?;
            let header = Header {
                tool_version: env!("CARGO_PKG_VERSION").into(),
                manifest: a.file.display().to_string(),
                manifest_sha256: manifest_sha,
                name: analysis.manifest.name.clone(),
                server: server_name.clone(),
                vars: vars.clone(),
                now_gps: now,
                seed: rand::random(),
                started: journal::utc_now_string(),
            };
            let writer = JournalWriter::create(&journal_path, &header)?;
            eprintln!("graceflow: new journal {}", journal_path.display());
            (vars, now, writer)
        }
    };
    let verbosity = if a.quiet {
        Verbosity::Quiet
    } else if a.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let progress = Arc::new(Progress::new(analysis.manifest.steps.len(), verbosity));
    let analysis = Arc::new(analysis);
    let journaling = Arc::new(Journaling::new(previous, writer));
    let stop = StopSignal::default();
    stop_on_signals(stop.clone(), a.grace);
    // The engine would wait for the root anyway; this only makes sure the task is gone.
    let _ = prefetch.await;
    let report = engine::run(
        analysis.clone(),
        client,
        journaling,
        vars,
        now_gps,
        RunOptions {
            jobs: a.jobs,
            env,
            token_wait: seconds(a.token_wait),
            stop: stop.clone(),
            grace: seconds(a.grace),
            work_dir: work_dir(&journal_path),
        },
        progress.clone(),
    )
    .await?;
    progress.finish();
    if let Some(s) = sandbox {
        s.stop().await;
    }
    let done = report
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Done)
        .count();
    let failures: Vec<_> = report.failures().collect();
    let skipped = report
        .steps
        .iter()
        .filter(|s| matches!(s.status, StepStatus::Skipped { .. }))
        .count();
    eprintln!(
        "graceflow: {done} done, {} failed, {skipped} skipped; journal {}",
        failures.len(),
        journal_path.display()
    );
    let exit = if failures.is_empty() {
        Exit::Success
    } else if stop.is_stopped() {
        // Whatever failed, the run was cut short: resuming finishes it.
        Exit::Resumable
    } else if failures.iter().all(|f| {
        matches!(
            f.status,
            StepStatus::Failed {
                transient: true,
                ..
            }
        )
    }) {
        Exit::Resumable
    } else {
        Exit::Permanent
    };
    eprintln!("graceflow: exit {}: {}", exit.code(), exit.meaning());
    Ok(exit)
}

/// Where local steps write files: the job's scratch directory under HTCondor (transferred
/// nowhere, and remade on a restart), else beside the journal.
/// Absolute, because the paths it holds reach other steps, which resolve relative paths
/// against the manifest's directory, not the current one.
fn work_dir(journal: &Path) -> PathBuf {
    let dir = match std::env::var_os("_CONDOR_SCRATCH_DIR") {
        Some(scratch) => PathBuf::from(scratch).join("graceflow.work"),
        None => {
            let name = journal
                .file_name()
                .map(|n| n.to_string_lossy().trim_end_matches(".jsonl").to_owned())
                .unwrap_or_else(|| "graceflow".into());
            journal.with_file_name(format!("{name}.work"))
        }
    };
    std::path::absolute(&dir).unwrap_or(dir)
}

fn seconds(s: i64) -> std::time::Duration {
    std::time::Duration::from_secs(s.max(0) as u64)
}

/// On SIGTERM (HTCondor eviction) or SIGINT, stop: no new request starts, those in flight get
/// `grace` seconds, and the run ends with exit 75 so that it is resumed.
fn stop_on_signals(stop: StopSignal, grace: i64) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return;
    };
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        eprintln!(
            "graceflow: {name} received: stopping; no new requests, those in flight get {grace}s"
        );
        stop.stop();
    });
}
