//! `graceflow capture`: copy a superevent or an event from a server into a bundle folder with
//! a replay manifest (see [`crate::capture`]). Read-only.

use std::path::PathBuf;

use clap::Args;

use super::exit::Exit;
use crate::capture::{CaptureOptions, Pace, ReplayOptions, capture, import_cache};
use crate::engine::retry::{Class, classify};
use crate::gracedb::{GraceDb, GraceDbError, ObjectId};
use crate::servers::Server;

/// Arguments of `graceflow capture`.
#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// A superevent (captured with its events) or one event.
    #[arg(value_name = "ID")]
    id: String,
    /// The server to read from: playground, test, production, or an API URL. The embedded
    /// sandbox lives only as long as one command, so give a running sandbox's URL instead
    /// (`graceflow sandbox` prints it).
    #[arg(long, value_name = "SERVER", required_unless_present = "from_cache")]
    server: Option<String>,
    /// The bundle folder to write. Filled beside it and renamed into place when complete; an
    /// earlier capture there is replaced, and its files that are still intact are reused.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// A file holding the bearer token (default: discovered as `graceflow token` says; none
    /// found reads anonymously, which sees only public data).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// The replay creates the events in their original groups with search MDC (and an mdc
    /// superevent) instead of in group Test.
    #[arg(long)]
    mdc: bool,
    /// The replay waits the original delays divided by this (2 is twice as fast).
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed)]
    speed: f64,
    /// The replay waits at most this long before an upload (e.g. 90s, 2.5s, 15m).
    #[arg(long, value_name = "DURATION", value_parser = parse_max_delay)]
    max_delay: Option<f64>,
    /// The replay re-sends every upload, not only the products (sky_loc, p_astro, em_bright
    /// tags, *p_astro.json).
    #[arg(long)]
    all_files: bool,
    /// The replay also re-sends the superevent's own uploads (selected the same way), timed
    /// from the superevent's creation. Off by default: on a real superevent they are mostly
    /// what downstream services produced, which a replay tests rather than fakes.
    #[arg(long)]
    superevent_uploads: bool,
    /// Read ID from this cache folder of the Python injection tool (mock-event-generator:
    /// ID/description.json and the files beside it) instead of from a server.
    #[arg(long, value_name = "CACHE", conflicts_with_all = ["server", "token_file"])]
    from_cache: Option<PathBuf>,
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("{s:?} is not a positive number (e.g. 1, 2, 0.5)")),
    }
}

fn parse_max_delay(s: &str) -> Result<f64, String> {
    crate::duration::parse_duration(s).map(|d| d.as_secs_f64())
}

/// Run `graceflow capture`.
pub async fn run(a: CaptureArgs) -> anyhow::Result<Exit> {
    let id = match ObjectId::parse(a.id.trim()) {
        Ok(id) => id,
        Err(e) => {
            eprintln!("graceflow: {e}");
            return Ok(Exit::Usage);
        }
    };
    let options = CaptureOptions {
        replay: ReplayOptions {
            mdc: a.mdc,
            all_files: a.all_files,
            pace: Pace {
                speed: a.speed,
                max_delay: a.max_delay,
            },
            superevent_uploads: a.superevent_uploads,
        },
    };
    if let Some(cache) = &a.from_cache {
        let bundle = import_cache(cache, id.as_str(), &a.out, &options)?;
        eprintln!(
            "graceflow: imported {id} ({} event{}) from {} into {}",
            bundle.events.len(),
            if bundle.events.len() == 1 { "" } else { "s" },
            cache.display(),
            a.out.display()
        );
        println!(
            "{}",
            a.out.join(crate::capture::bundle::REPLAY_YAML).display()
        );
        return Ok(Exit::Success);
    }
    let server = a.server.as_deref().unwrap_or_default();
    let url = match Server::resolve(server) {
        Ok(Server::Remote { url }) => url,
        Ok(Server::Sandbox) => {
            eprintln!(
                "graceflow: capture reads from a running server: start one with `graceflow sandbox` and give its URL (e.g. --server http://127.0.0.1:8000/api/)"
            );
            return Ok(Exit::Usage);
        }
        Err(e) => {
            eprintln!("graceflow: {e}");
            return Ok(Exit::Usage);
        }
    };
    // Read-only: a missing token only means anonymous reading.
    let credential = super::credentials::remote_credential(a.token_file.as_deref(), &url, false)?;
    let client = GraceDb::builder(&url)
        .credential_source(credential)
        .build()?;
    let progress = |line: &str| eprintln!("graceflow: capture: {line}");
    match capture(&client, &id, &a.out, &options, &progress).await {
        Ok(done) => {
            let s = done.stats;
            eprintln!(
                "graceflow: captured {id} ({} event{}, {} file versions: {} downloaded, {} reused, {} bytes) into {}",
                done.bundle.events.len(),
                if done.bundle.events.len() == 1 {
                    ""
                } else {
                    "s"
                },
                s.downloaded + s.reused,
                s.downloaded,
                s.reused,
                s.bytes,
                a.out.display()
            );
            println!(
                "{}",
                a.out.join(crate::capture::bundle::REPLAY_YAML).display()
            );
            Ok(Exit::Success)
        }
        Err(e) => {
            // The half-filled folder is gone and an earlier bundle is untouched, so running
            // the same command again is safe.
            let transient = e
                .chain()
                .find_map(|c| c.downcast_ref::<GraceDbError>())
                .is_some_and(|g| matches!(classify(g), Class::Transient | Class::Maintenance));
            if transient {
                eprintln!("graceflow: {e:#}");
                eprintln!("graceflow: a transient failure; run the same command again");
                return Ok(Exit::Resumable);
            }
            Err(e)
        }
    }
}
