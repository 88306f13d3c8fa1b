//! The shipped examples, run end to end against the sandbox, and the run command's promises:
//! plan sends nothing, a rerun sends nothing, failures skip their dependants, the production
//! guard holds, and a write in doubt is looked for on the server before it is sent again.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use graceflow::gracedb::{GraceDb, ObjectId, Search, SupereventId};

use crate::harness::{Sandbox, all_events};

/// A copy of `workflows/` in a temporary directory, so that runs write nothing into the
/// repository, and a sandbox data directory beside it.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows"),
            &dir.path().join("workflows"),
        );
        Self { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn graceflow(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        Command::cargo_bin("graceflow")
            .unwrap()
            .current_dir(self.dir.path())
            .env_remove("BEARER_TOKEN_FILE")
            .env_remove("BEARER_TOKEN")
            .args(args)
            .assert()
    }

    /// `graceflow run` against the embedded sandbox, data and journal in the work directory.
    fn run(&self, manifest: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
        let journal = format!("{manifest}.journal.jsonl");
        let mut args = vec![
            "run",
            manifest,
            "--sandbox-data",
            "sandbox",
            "--journal",
            journal.as_str(),
        ];
        args.extend_from_slice(extra);
        self.graceflow(&args)
    }

    /// A client for the sandbox data the runs wrote, served again.
    async fn inspect(&self) -> (graceflow::sandbox::RunningSandbox, GraceDb) {
        let config = graceflow::sandbox::SandboxConfig::for_data_dir(self.path("sandbox")).unwrap();
        let sb = graceflow::sandbox::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let token = sb
            .issuer()
            .mint(&graceflow::sandbox::TokenRequest::default())
            .unwrap();
        let client = GraceDb::builder(sb.url())
            .credential(graceflow::auth::Credential::Bearer(
                graceflow::auth::Token::new(token),
            ))
            .build()
            .unwrap();
        (sb, client)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

#[tokio::test]
async fn inject_test_event_end_to_end_and_a_rerun_sends_nothing() {
    let w = Work::new();
    let first = w.run("workflows/inject-test-event.yaml", &[]).success();
    let text = stderr(&first);
    assert!(
        text.contains("embedded sandbox") && text.contains("sandbox"),
        "{text}"
    );
    let (_sb, client) = w.inspect().await;
    let e = client
        .event(&graceflow::gracedb::GraceId::parse("T0001").unwrap())
        .await
        .unwrap();
    assert_eq!(e.labels, ["MOCK"]);
    let sid = SupereventId::parse(e.superevent.as_deref().unwrap()).unwrap();
    let s = client.superevent(&sid).await.unwrap();
    assert_eq!(s.t_0, e.gpstime.unwrap());
    assert_eq!(s.t_start, e.gpstime.unwrap() - 1.0);
    assert_eq!(s.labels, ["EM_READY", "PASTRO_READY", "SKYMAP_READY"]);
    let obj = ObjectId::Superevent(sid.clone());
    let files = client.files(&obj).await.unwrap();
    assert!(
        files.contains_key("bayestar.multiorder.fits.gz,0") && files.contains_key("p_astro.json,0"),
        "{files:?}"
    );
    let sky = std::fs::read(w.path("workflows/data/bayestar.multiorder.fits.gz")).unwrap();
    assert_eq!(
        std::fs::read(w.path("workflows/out/bayestar.multiorder.fits.gz")).unwrap(),
        sky
    );
    let logs_before = client.logs(&obj).await.unwrap().len();

    // The same command again: everything comes from the journal, nothing is sent.
    let again = w.run("workflows/inject-test-event.yaml", &[]).success();
    let text = stderr(&again);
    assert!(text.contains("resuming from"), "{text}");
    assert_eq!(text.matches("(from the journal)").count(), 7, "{text}");
    assert_eq!(client.logs(&obj).await.unwrap().len(), logs_before);
    let events = all_events(&client, "Test").await;
    assert_eq!(events.len(), 1);

    // The report says what happened.
    let report = w
        .graceflow(&[
            "report",
            "workflows/inject-test-event.yaml.journal.jsonl",
            "--format",
            "json",
        ])
        .success();
    let r: serde_json::Value = serde_json::from_slice(&report.get_output().stdout).unwrap();
    let steps = r["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 7);
    assert!(steps.iter().all(|s| s["status"] == "done"), "{r:#}");
    assert_eq!(steps[0]["ids"]["graceid"], "T0001");
}

#[tokio::test]
async fn annotate_and_label_search_results() {
    let w = Work::new();
    w.run("workflows/inject-test-event.yaml", &[]).success();
    let sid = {
        let (_sb, client) = w.inspect().await;
        client
            .event(&graceflow::gracedb::GraceId::parse("T0001").unwrap())
            .await
            .unwrap()
            .superevent
            .unwrap()
    };
    let set = format!("superevent={sid}");
    w.run("workflows/annotate-superevent.yaml", &["--set", &set])
        .success();
    w.run(
        "workflows/label-search-results.yaml",
        &["--set", "start=1400123000", "--set", "end=1400124000"],
    )
    .success();

    let (_sb, client) = w.inspect().await;
    let obj = ObjectId::Superevent(SupereventId::parse(&sid).unwrap());
    let logs = client.logs(&obj).await.unwrap();
    let uploads: Vec<_> = logs
        .iter()
        .filter(|l| l.comment.starts_with("Follow-up product: "))
        .collect();
    assert_eq!(uploads.len(), 3);
    assert!(
        uploads
            .iter()
            .all(|l| l.tag_names.contains(&"analyst_comments".to_owned()))
    );
    // The first glob match (sorted) gets the data-quality tag too; uploads run in parallel,
    // so its log number is whatever the server gave it.
    let dq = uploads
        .iter()
        .find(|l| l.filename == "data-quality.txt")
        .unwrap();
    assert!(dq.tag_names.contains(&"data_quality".to_owned()), "{dq:?}");
    assert!(
        uploads
            .iter()
            .filter(|l| l.tag_names.contains(&"data_quality".to_owned()))
            .count()
            == 1
    );
    assert!(
        logs.iter()
            .any(|l| l.comment == "graceflow uploaded 3 follow-up files")
    );
    assert!(
        client
            .superevent(&SupereventId::parse(&sid).unwrap())
            .await
            .unwrap()
            .labels
            .contains(&"DQOK".to_owned())
    );
    let e = client
        .event(&graceflow::gracedb::GraceId::parse("T0001").unwrap())
        .await
        .unwrap();
    assert!(e.labels.contains(&"DQV".to_owned()), "{:?}", e.labels);
    let event_logs = client
        .logs(&ObjectId::Event(e.graceid.clone()))
        .await
        .unwrap();
    assert!(
        event_logs
            .iter()
            .any(|l| l.comment == "labelled 1 events DQV in [1400123000, 1400124000]"),
        "{event_logs:#?}"
    );
}

// The command runs while the in-process sandbox serves: it needs a second thread.
#[tokio::test(flavor = "multi_thread")]
async fn plan_sends_nothing() {
    let sb = Sandbox::start().await;
    let w = Work::new();
    let out = w
        .graceflow(&[
            "plan",
            "workflows/inject-test-event.yaml",
            "--server",
            &sb.url(),
        ])
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("POST events/") && text.contains("<graceid of step event>"),
        "{text}"
    );
    let json = w
        .graceflow(&[
            "plan",
            "workflows/inject-test-event.yaml",
            "--format",
            "json",
        ])
        .success();
    let plan: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    assert_eq!(plan["levels"].as_array().unwrap().len(), 4);
    let found = sb
        .client()
        .search_events(&Search {
            query: "Test".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .collect(None)
        .await
        .unwrap();
    assert!(found.is_empty());
}

#[tokio::test]
async fn a_failed_step_skips_its_dependants_and_fails_the_run() {
    let w = Work::new();
    std::fs::write(
        w.path("workflows/fails.yaml"),
        "version: 1\nsteps:\n  - id: event\n    create_event: { group: Test, pipeline: gstlal, file: data/coinc.xml }\n  - id: prod\n    create_superevent: { category: production, preferred_event: \"${{ steps.event.graceid }}\", t_start: 1, t_0: 2, t_end: 3 }\n  - id: label\n    add_label: { object: \"${{ steps.prod.superevent_id }}\", label: DQV }\n  - id: note\n    always: true\n    needs: [label]\n    write_log: { object: \"${{ steps.event.graceid }}\", comment: finished }\n",
    )
    .unwrap();
    let run = w.run("workflows/fails.yaml", &[]).code(1);
    let text = stderr(&run);
    assert!(
        text.contains("FAILED prod") && text.contains("You are not allowed to create superevents."),
        "{text}"
    );
    assert!(text.contains("skip   label: `prod` failed"), "{text}");
    assert!(text.contains("1 failed, 1 skipped"), "{text}");
    let (_sb, client) = w.inspect().await;
    let logs = client
        .logs(&ObjectId::parse("T0001").unwrap())
        .await
        .unwrap();
    assert!(
        logs.iter().any(|l| l.comment == "finished"),
        "the always step ran"
    );
}

#[test]
fn production_is_refused_before_anything_is_sent() {
    let w = Work::new();
    let out = w
        .graceflow(&[
            "run",
            "workflows/inject-test-event.yaml",
            "--server",
            "https://gracedb.ligo.org/api/",
            "--journal",
            "j.jsonl",
        ])
        .code(1);
    let text = stderr(&out);
    assert!(
        text.contains("production GraceDB") && text.contains("allow_production: true"),
        "{text}"
    );
    assert!(!w.path("j.jsonl").exists());
}

/// Cut a journal right after its last intent, as a crash between sending a write and
/// recording its answer leaves it.
fn crash_after_last_intent(journal: &Path) {
    let text = std::fs::read_to_string(journal).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let last = lines
        .iter()
        .rposition(|l| l.contains("\"type\":\"intent\""))
        .unwrap();
    let kept: String = lines[..=last].iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(journal, kept).unwrap();
}

#[tokio::test]
async fn a_write_in_doubt_is_found_on_the_server_and_not_sent_again() {
    let w = Work::new();
    std::fs::write(
        w.path("workflows/doubt.yaml"),
        "version: 1\nsteps:\n  - id: event\n    create_event: { group: Test, pipeline: gstlal, file: data/coinc.xml }\n  - id: log\n    write_log: { object: \"${{ steps.event.graceid }}\", comment: sky map, file: data/p_astro.json, tags: [sky_loc] }\n",
    )
    .unwrap();
    let journal = w.path("workflows/doubt.yaml.journal.jsonl");
    w.run("workflows/doubt.yaml", &[]).success();
    // The log entry was written, but the journal does not know.
    crash_after_last_intent(&journal);
    let again = w.run("workflows/doubt.yaml", &[]).success();
    assert!(
        stderr(&again).contains("found  log: the write in doubt reached the server"),
        "{}",
        stderr(&again)
    );
    // The event's creation in doubt, in a run that stopped right after sending it.
    std::fs::write(
        w.path("workflows/doubt-event.yaml"),
        "version: 1\nsteps:\n  - id: event\n    create_event: { group: Test, pipeline: gstlal, file: data/coinc.xml }\n",
    )
    .unwrap();
    let journal2 = w.path("workflows/doubt-event.yaml.journal.jsonl");
    w.run("workflows/doubt-event.yaml", &[]).success();
    crash_after_last_intent(&journal2);
    let again = w.run("workflows/doubt-event.yaml", &[]).success();
    assert!(
        stderr(&again).contains("event T0002 holds the same file"),
        "{}",
        stderr(&again)
    );

    let (_sb, client) = w.inspect().await;
    let events = all_events(&client, "Test").await;
    assert_eq!(events.len(), 2, "one event per manifest, none sent twice");
    let logs = client
        .logs(&ObjectId::parse("T0001").unwrap())
        .await
        .unwrap();
    assert_eq!(logs.iter().filter(|l| l.comment == "sky map").count(), 1);
    for j in [&journal, &journal2] {
        let text = std::fs::read_to_string(j).unwrap();
        assert!(
            text.contains("reconciled attempt 1: found on the server"),
            "{text}"
        );
    }
    // The report says what reconciliation found.
    let report = w
        .graceflow(&["report", "workflows/doubt.yaml.journal.jsonl"])
        .success();
    let text = String::from_utf8_lossy(&report.get_output().stdout).into_owned();
    assert!(
        text.contains("reconciled attempt 1: found on the server: log entry"),
        "{text}"
    );
}

// The command runs while the in-process sandbox serves: it needs a second thread.
#[tokio::test(flavor = "multi_thread")]
async fn server_outages_exit_with_the_resumable_code() {
    let sb = Sandbox::start_with(|c| {
        c.faults = graceflow::sandbox::FaultConfig {
            fail_rate: 1.0,
            statuses: vec![503],
            ..Default::default()
        };
    })
    .await;
    let w = Work::new();
    std::fs::write(w.path("token"), sb.token_with(|_| {})).unwrap();
    std::fs::write(
        w.path("workflows/outage.yaml"),
        "version: 1\ndefaults:\n  retry: { attempts: 3, backoff: 10ms, max_delay: 40ms }\nsteps:\n  - id: event\n    create_event: { group: Test, pipeline: gstlal, file: data/coinc.xml }\n",
    )
    .unwrap();
    let out = w
        .graceflow(&[
            "run",
            "workflows/outage.yaml",
            "--server",
            &sb.url(),
            "--token-file",
            "token",
            "--journal",
            "j.jsonl",
        ])
        .code(75);
    let text = stderr(&out);
    assert!(text.contains("gave up after 3 attempts"), "{text}");
    assert!(text.contains("503 Service Unavailable"), "{text}");
    assert_eq!(text.matches("retry  event: attempt").count(), 2, "{text}");
    assert!(
        text.trim_end()
            .ends_with("run the same command again to resume"),
        "{text}"
    );
}

#[tokio::test]
async fn expressions_see_only_the_environment_they_name_and_never_credentials() {
    let w = Work::new();
    std::fs::write(
        w.path("workflows/env.yaml"),
        "version: 1\nsteps:\n  - id: event\n    create_event: { group: Test, pipeline: gstlal, file: data/coinc.xml }\n  - id: note\n    write_log: { object: \"${{ steps.event.graceid }}\", comment: \"run by ${{ env.GF_OPERATOR }}\" }\n  - id: leak\n    write_log: { object: \"${{ steps.event.graceid }}\", comment: \"${{ env.GF_API_TOKEN }}\" }\n",
    )
    .unwrap();
    let out = Command::cargo_bin("graceflow")
        .unwrap()
        .current_dir(w.dir.path())
        .env("GF_OPERATOR", "ada")
        .env("GF_API_TOKEN", "s3cr3t-value")
        .args([
            "run",
            "workflows/env.yaml",
            "--sandbox-data",
            "sandbox",
            "--journal",
            "env.jsonl",
        ])
        .assert()
        .code(1);
    let text = stderr(&out);
    assert!(text.contains("env.GF_API_TOKEN is not defined"), "{text}");
    assert!(!text.contains("s3cr3t-value"));
    assert!(
        !std::fs::read_to_string(w.path("env.jsonl"))
            .unwrap()
            .contains("s3cr3t-value")
    );
    let (_sb, client) = w.inspect().await;
    let logs = client
        .logs(&ObjectId::parse("T0001").unwrap())
        .await
        .unwrap();
    assert!(logs.iter().any(|l| l.comment == "run by ada"));
}
