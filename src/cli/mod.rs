//! The command line: clap structures holding what was typed, and dispatch to the modules that
//! do the work. Nothing here talks to GraceDB itself.

mod capture;
mod check;
mod condor;
mod credentials;
pub mod exit;
mod load;
mod plan;
mod progress;
mod report;
mod run;
mod sandbox;
mod shift;
mod token;

use clap::{Parser, Subcommand};

pub use exit::Exit;

use crate::analyze::{Analysis, Vocabulary};
use crate::servers::Server;

/// Declarative batch workflows for GraceDB uploads and annotations.
///
/// Exit codes: 0 done; 1 a permanent failure (bad manifest, refused request: do not retry);
/// 2 command-line usage; 75 a transient failure (run the same command again to resume).
#[derive(Debug, Parser)]
#[command(name = "graceflow", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a manifest; running it again with the same journal resumes it.
    Run(run::RunArgs),
    /// Find every problem in manifests without sending anything.
    Check(check::CheckArgs),
    /// Show every request a run would send, in order; send nothing.
    Plan(plan::PlanArgs),
    /// Say what a run's journal records: every step's status, attempts and IDs.
    Report(report::ReportArgs),
    /// Print the manifest JSON Schema.
    Schema,
    /// Serve a GraceDB-compatible sandbox on loopback (state kept under --data).
    Sandbox(sandbox::SandboxArgs),
    /// Say which bearer token was found and where, its subject, scope, audience and expiry,
    /// and what GraceDB will hold against it (never the token itself).
    ///
    /// Places, in order: --token-file, $BEARER_TOKEN, $BEARER_TOKEN_FILE,
    /// $_CONDOR_CREDS/<service>.use, $SCITOKEN, $SCITOKEN_FILE, $XDG_RUNTIME_DIR/bt_u<uid>,
    /// /tmp/bt_u<uid>; the first that holds a token wins. With --server, the audience is
    /// checked for that server and the server is asked who it thinks we are.
    ///
    /// Exit status: 0 when a token was found and nothing is wrong with it; 1 when none was
    /// found, it has a problem (expired, wrong audience, missing scope, not a JWT), or the
    /// server did not accept it.
    Token(token::TokenArgs),
    /// Copy a superevent (with its events) or an event, with every log entry and file, from
    /// a server into a bundle folder, and write a manifest that replays it on a test server.
    Capture(capture::CaptureArgs),
    /// HTCondor: write submit descriptions and DAGs that run manifests, and check a job's
    /// credential.
    #[command(subcommand)]
    Condor(condor::CondorCommand),
    /// Write a copy of an event payload moved in time (`--to GPS` or `--by SECONDS`).
    ///
    /// LIGO_LW coinc files (plain or gzip): coinc_inspiral and sngl_inspiral end times (with
    /// end_time_gmst recomputed) and SNR series epochs; with --all-times also process,
    /// search_summary and PSD times. cWB text: the start, time, stop, event_time and segment
    /// lines. JSON: the top-level gpstime. VOEvent: Who/Date and every WhereWhen ISOTime (UTC,
    /// leap seconds applied). Only the bytes of those values change; arithmetic is exact to
    /// the nanosecond. Prints the event time before → after and the copy's SHA-256.
    ///
    /// Exit status: 0 when written; 1 when the payload is not recognised or cannot be read.
    Shift(shift::ShiftArgs),
}

/// Run the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Run(a) => run::run(a).await,
        Command::Check(a) => check::run(a).await,
        Command::Plan(a) => plan::run(a).await,
        Command::Report(a) => report::run(a),
        Command::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&crate::manifest::schema::manifest_schema())?
            );
            Ok(Exit::Success)
        }
        Command::Sandbox(a) => sandbox::run(a).await,
        Command::Token(a) => token::run(a).await,
        Command::Capture(a) => capture::run(a).await,
        Command::Condor(c) => condor::run(c),
        Command::Shift(a) => shift::run(a),
    }
}

/// The server a command uses: `--server`, else the manifest's `server:`, else the sandbox.
fn resolve_server(flag: Option<&str>, a: &Analysis) -> anyhow::Result<Server> {
    let name = flag
        .map(str::to_owned)
        .or_else(|| a.manifest.server.as_ref().map(|s| s.value.clone()));
    Ok(match name {
        Some(n) => Server::resolve(&n)?,
        None => Server::Sandbox,
    })
}

/// A server's own vocabulary, read from its root document (read-only).
async fn server_vocabulary(name: &str) -> anyhow::Result<Vocabulary> {
    match Server::resolve(name)? {
        Server::Sandbox => Ok(Vocabulary::snapshot()),
        Server::Remote { url } => {
            let client = crate::gracedb::GraceDb::builder(&url).build()?;
            let root = client.root().await?;
            Ok(Vocabulary::from_root(root, &url))
        }
    }
}

/// The environment variables the manifest's expressions read (`env.*`), and no others: a
/// credential in the environment can never reach a request or the journal through them.
fn expression_env(analysis: &Analysis) -> std::collections::BTreeMap<String, String> {
    // Names that hold credentials stay hidden even when asked for.
    let secret = |n: &str| {
        ["TOKEN", "PASSWORD", "SECRET", "_CONDOR_CREDS"]
            .iter()
            .any(|s| n.contains(s))
    };
    analysis
        .env_names()
        .into_iter()
        .filter(|n| !secret(n))
        .filter_map(|name| std::env::var(&name).ok().map(|v| (name, v)))
        .collect()
}
