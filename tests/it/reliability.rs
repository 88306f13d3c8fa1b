//! Exactly-once under faults: a workflow of 53 writes run through injected errors and lost
//! responses, and killed at random points and run again until done. Afterwards the server
//! must hold exactly the expected objects: no duplicate, nothing missing.
//!
//! `scripts/soak` runs the kill loop hundreds of times (`GRACEFLOW_SOAK_RUNS`) and prints the
//! counts.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use graceflow::gracedb::{GraceDb, ObjectId, SupereventId};
use graceflow::sandbox::FaultConfig;
use rand::{Rng, SeedableRng};

use crate::harness::{Sandbox, all_events, all_superevents};

const LOGS: usize = 20;
const NOTES: usize = 20;
const TAGGED: usize = 5;
const LABELS: &[&str] = &[
    "DQV",
    "ADVREQ",
    "SKYMAP_READY",
    "PASTRO_READY",
    "EMBRIGHT_READY",
    "GCN_PRELIM_SENT",
];

/// 1 event + 1 superevent + 20 uploads + 20 comments + 6 labels + 5 tags = 53 writes.
fn manifest() -> String {
    let items = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
    format!(
        r#"version: 1
name: fifty-writes
defaults:
  retry: {{ attempts: 15, backoff: 10ms, max_delay: 100ms }}
steps:
  - id: event
    create_event: {{ group: Test, pipeline: gstlal, file: coinc.xml }}
  - id: superevent
    create_superevent:
      category: test
      preferred_event: ${{{{ steps.event.graceid }}}}
      t_start: ${{{{ steps.event.gpstime - 1 }}}}
      t_0: ${{{{ steps.event.gpstime }}}}
      t_end: ${{{{ steps.event.gpstime + 1 }}}}
  - id: uploads
    for_each: [{logs}]
    write_log:
      object: ${{{{ steps.superevent.superevent_id }}}}
      comment: "upload ${{{{ item }}}}"
      file: p_astro.json
      tags: [p_astro]
  - id: notes
    for_each: [{notes}]
    write_log:
      object: ${{{{ steps.event.graceid }}}}
      comment: "note ${{{{ item }}}}"
  - id: labels
    for_each: [{labels}]
    add_label: {{ object: "${{{{ steps.superevent.superevent_id }}}}", label: "${{{{ item }}}}" }}
  - id: tags
    needs: [notes]
    for_each: [{tagged}]
    add_tag: {{ object: "${{{{ steps.event.graceid }}}}", N: "${{{{ steps.notes.N[item] }}}}", tag: em_follow }}
"#,
        logs = items(LOGS),
        notes = items(NOTES),
        labels = LABELS.join(", "),
        tagged = items(TAGGED),
    )
}

/// A work directory holding the manifest, its files and a token for `sb`.
fn work(sb: &Sandbox) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows/data");
    for f in ["coinc.xml", "p_astro.json"] {
        std::fs::copy(data.join(f), dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join("m.yaml"), manifest()).unwrap();
    std::fs::write(dir.path().join("token"), sb.token_with(|_| {})).unwrap();
    dir
}

fn run_command(dir: &Path, sb: &Sandbox) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_graceflow"));
    c.current_dir(dir)
        .env_remove("BEARER_TOKEN_FILE")
        .env_remove("BEARER_TOKEN")
        .args([
            "run",
            "m.yaml",
            "--server",
            &sb.url(),
            "--token-file",
            "token",
        ])
        .args(["--journal", "j.jsonl", "--jobs", "8", "--quiet"]);
    c
}

/// What is wrong with the server's state, compared with one complete run: empty when
/// exactly the expected objects exist.
async fn discrepancies(client: &GraceDb) -> Vec<String> {
    let mut wrong = Vec::new();
    let events = all_events(client, "Test").await;
    let superevents = all_superevents(client, "category: Test").await;
    if events.len() != 1 {
        wrong.push(format!("{} events", events.len()));
    }
    if superevents.len() != 1 {
        wrong.push(format!("{} superevents", superevents.len()));
    }
    let (Some(e), Some(s)) = (events.first(), superevents.first()) else {
        return wrong;
    };
    let event = ObjectId::Event(e.graceid.clone());
    let sup = ObjectId::Superevent(SupereventId::parse(s.superevent_id.as_str()).unwrap());
    let count = |logs: &[graceflow::gracedb::LogEntry], comment: &str| {
        logs.iter().filter(|l| l.comment == comment).count()
    };
    let slogs = client.logs(&sup).await.unwrap();
    for i in 0..LOGS {
        let n = count(&slogs, &format!("upload {i}"));
        if n != 1 {
            wrong.push(format!("{n} log entries `upload {i}`"));
        }
    }
    let versions = client
        .files(&sup)
        .await
        .unwrap()
        .keys()
        .filter(|k| k.starts_with("p_astro.json,"))
        .count();
    if versions != LOGS {
        wrong.push(format!("{versions} versions of p_astro.json"));
    }
    let elogs = client.logs(&event).await.unwrap();
    for i in 0..NOTES {
        let n = count(&elogs, &format!("note {i}"));
        if n != 1 {
            wrong.push(format!("{n} log entries `note {i}`"));
        }
    }
    let labels: Vec<String> = client
        .labels(&sup)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.name)
        .collect();
    for l in LABELS {
        if !labels.iter().any(|x| x == l) {
            wrong.push(format!("label {l} missing"));
        }
    }
    let tagged = elogs
        .iter()
        .filter(|l| l.tag_names.iter().any(|t| t == "em_follow"))
        .count();
    if tagged != TAGGED {
        wrong.push(format!("{tagged} entries tagged em_follow"));
    }
    wrong
}

// The command runs while the in-process sandbox serves: it needs a second thread.
#[tokio::test(flavor = "multi_thread")]
async fn fifty_writes_under_twenty_percent_faults_leave_exactly_the_expected_objects() {
    let sb = Sandbox::start_with(|c| {
        c.faults = FaultConfig {
            // 20 % of requests fail (gateway errors, overload, maintenance with Retry-After),
            // 5 % lose their connection before being handled, and 10 % of the writes that get
            // through lose their answer after committing.
            fail_rate: 0.2,
            statuses: vec![500, 502, 503, 504, 429, 408],
            retry_after: true,
            reset_rate: 0.05,
            drop_rate: 0.1,
            seed: 20261125,
            ..Default::default()
        };
    })
    .await;
    let dir = work(&sb);
    let out = run_command(dir.path(), &sb).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    sb.running.set_faults(FaultConfig::default());
    let wrong = discrepancies(&sb.client()).await;
    assert!(wrong.is_empty(), "{wrong:?}\n{stderr}");
    // The faults were real: the journal shows retries and settled doubts.
    let journal = std::fs::read_to_string(dir.path().join("j.jsonl")).unwrap();
    assert!(
        journal.contains("\"status\":\"failed\""),
        "no attempt failed"
    );
    assert!(
        journal.contains("reconciled attempt"),
        "no write was in doubt"
    );
}

/// One crash scenario: run, kill at a random moment, run again, until a run finishes; then
/// compare the server with the expected state. Returns (kills, discrepancies).
async fn crash_until_done(seed: u64) -> (u32, Vec<String>) {
    let sb = Sandbox::start_with(|c| {
        c.faults = FaultConfig {
            latency: Duration::from_millis(3),
            fail_rate: 0.05,
            statuses: vec![502, 504],
            drop_rate: 0.05,
            seed,
            ..Default::default()
        };
    })
    .await;
    let dir = work(&sb);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut kills = 0;
    for _ in 0..200 {
        let mut child = run_command(dir.path(), &sb)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let at = Duration::from_millis(rng.gen_range(5..400));
        tokio::time::sleep(at).await;
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(
                    matches!(status.code(), Some(0) | Some(75)),
                    "seed {seed}: {status}"
                );
                if status.code() == Some(0) {
                    break;
                }
            }
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
            }
        }
    }
    // A last run without being killed: it must finish what the others left.
    let out = run_command(dir.path(), &sb).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "seed {seed}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    sb.running.set_faults(FaultConfig::default());
    (kills, discrepancies(&sb.client()).await)
}

fn soak_runs() -> u64 {
    std::env::var("GRACEFLOW_SOAK_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_at_random_points_and_rerun_leaves_exactly_the_expected_objects() {
    let runs = soak_runs();
    let base: u64 = std::env::var("GRACEFLOW_SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let (mut kills, mut bad) = (0u32, Vec::new());
    for seed in base..base + runs {
        let (k, wrong) = crash_until_done(seed).await;
        kills += k;
        if !wrong.is_empty() {
            bad.push((seed, wrong));
        }
    }
    let duplicates: usize = bad
        .iter()
        .flat_map(|(_, w)| w)
        .filter(|w| !w.starts_with('0') && !w.contains("missing"))
        .count();
    let lost = bad.iter().flat_map(|(_, w)| w).count() - duplicates;
    println!(
        "soak: {runs} scenarios, {kills} kills, {duplicates} duplicates, {lost} lost writes, {} scenarios wrong",
        bad.len()
    );
    assert!(bad.is_empty(), "{bad:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_requests_in_flight_finish_records_them_and_exits_75() {
    let sb = Sandbox::start_with(|c| c.faults.latency = Duration::from_millis(150)).await;
    let dir = work(&sb);
    let journal = dir.path().join("j.jsonl");
    let child = run_command(dir.path(), &sb)
        .arg("--grace")
        .arg("10s")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Stop it once it is well under way, as an eviction would.
    for _ in 0..2000 {
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        if text.matches("\"type\":\"outcome\"").count() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(75), "{stderr}");
    assert!(stderr.contains("SIGTERM received"), "{stderr}");
    // What was in flight finished within the grace period and was recorded: nothing is in
    // doubt, and not everything was done.
    let j = graceflow::journal::read(&journal).unwrap();
    assert!(j.in_doubt().is_empty(), "{:?}", j.in_doubt());
    assert!(!discrepancies(&sb.client()).await.is_empty());
    // Resumed, it finishes with exactly the expected objects.
    let again = run_command(dir.path(), &sb).output().unwrap();
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let wrong = discrepancies(&sb.client()).await;
    assert!(wrong.is_empty(), "{wrong:?}");
}

/// Copy what HTCondor would transfer in (the manifest, its files, and the journal if there is
/// one) into a fresh scratch directory with a credentials directory.
fn scratch_from(submit: &Path, journal: Option<&Path>) -> tempfile::TempDir {
    let scratch = tempfile::tempdir().unwrap();
    for f in ["m.yaml", "coinc.xml", "p_astro.json"] {
        std::fs::copy(submit.join(f), scratch.path().join(f)).unwrap();
    }
    if let Some(j) = journal {
        std::fs::copy(j, scratch.path().join("j.jsonl")).unwrap();
    }
    std::fs::create_dir(scratch.path().join(".condor_creds")).unwrap();
    scratch
}

/// The payload as a starter runs it: in a scratch directory, with the token HTCondor keeps
/// renewing (by rename, short-lived) in `.condor_creds/igwn_limited.use`, named by
/// `BEARER_TOKEN_FILE`. Evicted with SIGTERM mid-run, then started again in a fresh scratch
/// directory with only the journal transferred back, it finishes the work exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn an_evicted_job_restarted_elsewhere_with_its_journal_finishes_exactly_once() {
    use std::sync::{Arc, Mutex};

    let sb = Sandbox::start_with(|c| c.faults.latency = Duration::from_millis(300)).await;
    let submit = work(&sb);
    let creds_file = |scratch: &Path| scratch.join(".condor_creds/igwn_limited.use");
    // The credential monitor: a fresh 2-second token every 400 ms, replacing the file; every
    // token minted is kept, to look for it in the output.
    let current: Arc<Mutex<Option<PathBuf>>> = Arc::new(Mutex::new(None));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let minted: Arc<Mutex<Vec<String>>> = Arc::default();
    let mint = {
        // The same key as the running sandbox's, read from its data directory.
        let issuer = Arc::new(graceflow::sandbox::issuer_for(sb.dir.path()).unwrap());
        let minted = minted.clone();
        move || {
            let token = issuer
                .mint(&graceflow::sandbox::TokenRequest {
                    subject: crate::harness::USER.into(),
                    lifetime: 2,
                    ..Default::default()
                })
                .unwrap();
            minted.lock().unwrap().push(token.clone());
            token
        }
    };
    let renewer = {
        let (current, stop, mint) = (current.clone(), stop.clone(), mint.clone());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(path) = current.lock().unwrap().clone() {
                    let tmp = path.with_extension("tmp");
                    std::fs::write(&tmp, mint()).unwrap();
                    std::fs::rename(&tmp, &path).unwrap();
                }
                std::thread::sleep(Duration::from_millis(400));
            }
        })
    };
    let start = |scratch: &Path| {
        std::fs::write(creds_file(scratch), mint()).unwrap();
        *current.lock().unwrap() = Some(creds_file(scratch));
        let mut c = Command::new(env!("CARGO_BIN_EXE_graceflow"));
        c.current_dir(scratch)
            .env_remove("BEARER_TOKEN")
            .env("_CONDOR_SCRATCH_DIR", scratch)
            .env("_CONDOR_CREDS", scratch.join(".condor_creds"))
            .env("BEARER_TOKEN_FILE", creds_file(scratch))
            .args([
                "run",
                "m.yaml",
                "--server",
                &sb.url(),
                "--journal",
                "j.jsonl",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c.spawn().unwrap()
    };

    let first = scratch_from(submit.path(), None);
    let job = start(first.path());
    let journal = first.path().join("j.jsonl");
    for _ in 0..4000 {
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        if text.matches("\"type\":\"outcome\"").count() >= 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Command::new("kill")
        .args(["-TERM", &job.id().to_string()])
        .status()
        .unwrap();
    let evicted = job.wait_with_output().unwrap();
    let first_err = String::from_utf8_lossy(&evicted.stderr).into_owned();
    assert_eq!(evicted.status.code(), Some(75), "{first_err}");
    assert!(
        first_err.contains("graceflow: new journal j.jsonl"),
        "{first_err}"
    );

    // ON_EXIT_OR_EVICT brings the journal back; the next execute point starts from it alone.
    let transferred = submit.path().join("j.jsonl");
    std::fs::copy(&journal, &transferred).unwrap();
    drop(first);
    let second = scratch_from(submit.path(), Some(&transferred));
    let out = start(second.path()).wait_with_output().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    renewer.join().unwrap();
    let tokens = minted.lock().unwrap().clone();
    let second_err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{second_err}");
    assert!(second_err.contains("resuming from j.jsonl"), "{second_err}");
    let wrong = discrepancies(&sb.client()).await;
    assert!(wrong.is_empty(), "{wrong:?}");
    // The job ran through several renewals, and no token reached its output or journal.
    assert!(tokens.len() >= 5, "{} tokens", tokens.len());
    let journal_text = std::fs::read_to_string(second.path().join("j.jsonl")).unwrap();
    for t in &tokens {
        let sig = t.rsplit('.').next().unwrap();
        for text in [&first_err, &second_err, &journal_text] {
            assert!(!text.contains(sig), "a token leaked");
        }
    }
}
