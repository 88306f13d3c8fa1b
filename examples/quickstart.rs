//! Quickstart: start the embedded sandbox and put a test event through it with the client.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! It creates a Test event from `workflows/data/coinc.xml`, wraps it in a test superevent,
//! uploads `workflows/data/p_astro.json` as a tagged log entry, labels the superevent, and
//! downloads the file back to check it arrived byte for byte. The sandbox keeps its state in
//! `.graceflow/sandbox/`, so `graceflow sandbox` can serve it afterwards for a look around.

use std::path::Path;

use graceflow::auth::{Credential, Token};
use graceflow::gracedb::{
    Category, CreateEvent, CreateSuperevent, FileRef, GraceDb, ObjectId, WriteLog,
};
use graceflow::sandbox::{self, SandboxConfig, TokenRequest};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = Path::new(".graceflow/sandbox");
    let sandbox =
        sandbox::start(SandboxConfig::for_data_dir(data)?, "127.0.0.1:0".parse()?).await?;
    println!("sandbox:    {} (data in {})", sandbox.url(), data.display());

    let token = sandbox.issuer().mint(&TokenRequest::default())?;
    let client = GraceDb::builder(sandbox.url())
        .credential(Credential::Bearer(Token::new(token)))
        .build()?;
    println!("user:       {}", client.user_info().await?.username);

    let event = client
        .create_event(&CreateEvent {
            group: "Test".into(),
            pipeline: "gstlal".into(),
            search: Some("AllSky".into()),
            labels: vec![],
            offline: false,
            file: root.join("workflows/data/coinc.xml"),
        })
        .await?;
    let gpstime = event.gpstime.unwrap_or_default();
    println!(
        "event:      {} at GPS {gpstime} (FAR {:e} Hz, {})",
        event.graceid,
        event.far.unwrap_or(f64::NAN),
        event.instruments
    );

    let superevent = client
        .create_superevent(&CreateSuperevent {
            t_start: gpstime - 1.0,
            t_0: gpstime,
            t_end: gpstime + 1.0,
            preferred_event: event.graceid.clone(),
            category: Category::Test,
            events: vec![],
            labels: vec![],
        })
        .await?;
    let sid = ObjectId::Superevent(superevent.superevent_id.clone());
    println!(
        "superevent: {} ({})",
        superevent.superevent_id, superevent.category
    );

    let p_astro = root.join("workflows/data/p_astro.json");
    let log = client
        .write_log(
            &sid,
            &WriteLog {
                comment: "source classification".into(),
                file: Some(p_astro.clone()),
                tags: vec!["p_astro".into(), "public".into()],
                ..Default::default()
            },
        )
        .await?;
    println!(
        "log:        N={} {},{}",
        log.n,
        log.filename,
        log.file_version.unwrap_or(0)
    );
    client.add_label(&sid, "PASTRO_READY").await?;

    let back = std::env::temp_dir().join(format!("quickstart-{}.json", std::process::id()));
    let got = client
        .download(&sid, &FileRef::parse("p_astro.json")?, &back)
        .await?;
    let same = std::fs::read(&back)? == std::fs::read(&p_astro)?;
    std::fs::remove_file(&back)?;
    println!(
        "download:   {} bytes, sha256 {}…, identical: {same}",
        got.size,
        &got.sha256[..16]
    );
    let labels = client.superevent(&superevent.superevent_id).await?.labels;
    println!("labels:     {}", labels.join(", "));
    anyhow::ensure!(same, "the downloaded file differs from the upload");
    sandbox.stop().await;
    Ok(())
}
