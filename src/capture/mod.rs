//! Capture: copy a superevent (with its events) or one event, every log entry and every file
//! version they attach, from any GraceDB into a self-contained bundle folder, and write a
//! manifest (`replay.yaml`) that replays it on a test server.
//!
//! - [`bundle`]: the bundle's layout and `bundle.json`.
//! - [`fetch`]: the read-only download.
//! - [`staging`]: the temporary folder renamed into place when complete.
//! - [`reuse`]: files of an earlier capture into the same folder, reused by checksum.
//! - [`select`]: which uploads a replay re-sends, and when.
//! - [`replay`]: the replay manifest.
//! - [`meg`]: the Python injection tool's cache, read into a bundle.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use graceflow::capture::{CaptureOptions, capture};
//! use graceflow::gracedb::{GraceDb, ObjectId};
//! let client = GraceDb::builder("https://gracedb-test.ligo.org/api/").build()?;
//! let id = ObjectId::parse("S230518h")?;
//! let done = capture(&client, &id, "S230518h".as_ref(), &CaptureOptions::default(), &|l| {
//!     eprintln!("{l}")
//! })
//! .await?;
//! println!("{} files downloaded", done.stats.downloaded);
//! # Ok(()) }
//! ```

pub mod bundle;
pub mod fetch;
pub mod meg;
pub mod replay;
pub mod reuse;
pub mod select;
pub mod staging;
pub mod yaml;

use std::path::Path;

use anyhow::Context;

pub use bundle::Bundle;
pub use fetch::FetchStats;
pub use replay::{ReplayOptions, replay_manifest};
pub use select::Pace;

use crate::gracedb::{GraceDb, ObjectId};

/// How to capture.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CaptureOptions {
    /// What the replay manifest re-creates and how fast.
    pub replay: ReplayOptions,
}

/// What a capture produced.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The bundle's description, as written to `bundle.json`.
    pub bundle: Bundle,
    /// Downloads and reuses.
    pub stats: FetchStats,
}

/// Capture `id` into the bundle folder `out`: filled beside it and renamed into place when
/// complete (an earlier bundle there is replaced, its intact files reused; see [`reuse`]).
/// `progress` is told one line per object and file.
pub async fn capture(
    client: &GraceDb,
    id: &ObjectId,
    out: &Path,
    options: &CaptureOptions,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<Captured> {
    let staging = staging::Staging::begin(out)?;
    let reuse = reuse::Reuse::from_earlier(out, client.service_url());
    let (mut bundle, stats) = fetch::Fetcher::new(client, staging.path(), &reuse, progress)
        .capture(id)
        .await?;
    bundle.captured_at = crate::journal::utc_string(crate::gps::unix_now());
    finish(&staging, &bundle, options)?;
    staging.commit()?;
    Ok(Captured { bundle, stats })
}

/// Import `CACHE/<id>` from the Python injection tool's cache (see [`meg`]) into the bundle
/// folder `out`, staged and renamed into place like a capture.
pub fn import_cache(
    cache: &Path,
    id: &str,
    out: &Path,
    options: &CaptureOptions,
) -> anyhow::Result<Bundle> {
    let staging = staging::Staging::begin(out)?;
    let mut bundle = meg::import(cache, id, staging.path())?;
    bundle.captured_at = crate::journal::utc_string(crate::gps::unix_now());
    finish(&staging, &bundle, options)?;
    staging.commit()?;
    Ok(bundle)
}

/// Write `bundle.json` and `replay.yaml` into the staging folder.
fn finish(
    staging: &staging::Staging,
    bundle: &Bundle,
    options: &CaptureOptions,
) -> anyhow::Result<()> {
    bundle.write(staging.path())?;
    let manifest = replay_manifest(bundle, &options.replay);
    let path = staging.path().join(bundle::REPLAY_YAML);
    std::fs::write(&path, manifest).with_context(|| format!("cannot write {}", path.display()))
}
