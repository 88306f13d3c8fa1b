//! `graceflow sandbox`: serve, mint tokens, and make the official client trust them.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::exit::Exit;
use crate::duration::parse_seconds;
use crate::sandbox::{self, FaultConfig, SandboxConfig, TokenRequest, issuer};

/// The default data directory, shared with `run --server sandbox`.
pub const DEFAULT_DATA_DIR: &str = ".graceflow/sandbox";

/// Arguments of `graceflow sandbox`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SandboxArgs {
    #[command(subcommand)]
    command: Option<SandboxCommand>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum SandboxCommand {
    /// Print a bearer token signed by the sandbox's issuer key.
    Token(TokenArgs),
    /// Make the official Python client (ligo-gracedb) trust the sandbox's tokens, by writing
    /// the issuer's public key into the scitokens key cache.
    Trust(TrustArgs),
}

#[derive(Debug, Args)]
struct DataArg {
    /// Where the sandbox keeps its database, files and issuer key.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    data: PathBuf,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Loopback address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8000")]
    addr: SocketAddr,
    #[command(flatten)]
    data: DataArg,
    /// Milliseconds added to every API response.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency: u64,
    /// Fraction of API requests answered with an injected error (0 to 1).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    fail_rate: f64,
    /// Statuses for injected errors, picked at random.
    #[arg(
        long = "fail-status",
        value_name = "CODE",
        value_delimiter = ',',
        default_value = "503"
    )]
    fail_statuses: Vec<u16>,
    /// Send `Retry-After: 1` with injected 429 and 503 answers.
    #[arg(long)]
    retry_after: bool,
    /// Fraction of writes whose response is lost after they committed (0 to 1).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    drop_rate: f64,
    /// Fraction of requests whose connection is cut before they are handled (0 to 1).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    reset_rate: f64,
    /// Seed of the fault generator.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Serve file downloads with `Content-Encoding: gzip` (to test client decoding).
    #[arg(long)]
    gzip_downloads: bool,
}

#[derive(Debug, Args)]
struct TokenArgs {
    #[command(flatten)]
    data: DataArg,
    /// The user the token authenticates (its `sub`).
    #[arg(long, default_value = "sandbox.user@example.org")]
    sub: String,
    /// Space-separated scopes; GraceDB requires `gracedb.read`.
    #[arg(long, default_value = issuer::REQUIRED_SCOPE)]
    scope: String,
    /// Audience: `ANY`, or the server's `scheme://host` (port dropped), e.g. `http://127.0.0.1`.
    #[arg(long, default_value = "ANY")]
    aud: String,
    /// Time until expiry: 600, 90s, 15m, 3h, 2d; negative for an expired token.
    #[arg(long, default_value = "3h", value_parser = parse_seconds, allow_hyphen_values = true)]
    lifetime: i64,
}

#[derive(Debug, Args)]
struct TrustArgs {
    #[command(flatten)]
    data: DataArg,
    /// The cache home to write to (the client reads `$XDG_CACHE_HOME`, else `~/.cache`).
    #[arg(long, value_name = "DIR")]
    cache_home: Option<PathBuf>,
}

/// Run `graceflow sandbox …`.
pub async fn run(args: SandboxArgs) -> anyhow::Result<Exit> {
    match args.command {
        None => serve(args.serve).await,
        Some(SandboxCommand::Token(t)) => token(t),
        Some(SandboxCommand::Trust(t)) => trust(t),
    }
}

async fn serve(a: ServeArgs) -> anyhow::Result<Exit> {
    for (name, p) in [
        ("--fail-rate", a.fail_rate),
        ("--drop-rate", a.drop_rate),
        ("--reset-rate", a.reset_rate),
    ] {
        if !(0.0..=1.0).contains(&p) {
            anyhow::bail!("{name} must be between 0 and 1, got {p}");
        }
    }
    let mut config = SandboxConfig::for_data_dir(&a.data.data)?;
    config.faults = FaultConfig {
        latency: std::time::Duration::from_millis(a.latency),
        fail_rate: a.fail_rate,
        statuses: a.fail_statuses,
        retry_after: a.retry_after,
        drop_rate: a.drop_rate,
        reset_rate: a.reset_rate,
        seed: a.seed,
    };
    config.gzip_downloads = a.gzip_downloads;
    let running = sandbox::start(config, a.addr).await?;
    // The URL alone on stdout, so that scripts can read it; the rest is for people.
    println!("{}", running.url());
    eprintln!(
        "graceflow sandbox: serving {} (data in {}); stop with Ctrl-C\n  a token:        graceflow sandbox token --data {}\n  trust (Python): graceflow sandbox trust --data {}",
        running.url(),
        a.data.data.display(),
        a.data.data.display(),
        a.data.data.display(),
    );
    shutdown_signal().await;
    eprintln!("graceflow sandbox: stopping");
    running.stop().await;
    Ok(Exit::Success)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn token(a: TokenArgs) -> anyhow::Result<Exit> {
    let issuer = sandbox::issuer_for(&a.data.data)?;
    let token = issuer.mint(&TokenRequest {
        subject: a.sub,
        scope: a.scope,
        audience: a.aud,
        lifetime: a.lifetime,
        not_before: 0,
    })?;
    println!("{token}");
    Ok(Exit::Success)
}

fn trust(a: TrustArgs) -> anyhow::Result<Exit> {
    let issuer = sandbox::issuer_for(&a.data.data)?;
    let home = match a
        .cache_home
        .or_else(sandbox::scitokens_cache::default_cache_home)
    {
        Some(h) => h,
        None => anyhow::bail!("no cache home: set XDG_CACHE_HOME or HOME, or pass --cache-home"),
    };
    let db = sandbox::scitokens_cache::seed_scitokens_cache(
        &home,
        issuer::ISSUER,
        issuer.key_id(),
        issuer.public_key_pem(),
    )?;
    eprintln!(
        "graceflow sandbox: the scitokens key cache {} now trusts issuer {} (key {})",
        db.display(),
        issuer::ISSUER,
        issuer.key_id()
    );
    Ok(Exit::Success)
}
