//! `graceflow token`, and the credential checks `graceflow run` makes before its first
//! request, with sandbox-minted tokens handed to the binary the way HTCondor hands them:
//! `BEARER_TOKEN_FILE`. The environment is set on the child processes only.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use graceflow::gracedb::GraceId;

use crate::harness::{Sandbox, coinc};

/// `graceflow` with no credential variable inherited from the test's environment.
fn graceflow(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("graceflow").unwrap();
    cmd.current_dir(dir);
    for name in graceflow::auth::env_vars::ALL {
        cmd.env_remove(name);
    }
    cmd
}

fn token_file(dir: &Path, token: &str) -> PathBuf {
    let path = dir.join("token");
    std::fs::write(&path, format!("{token}\n")).unwrap();
    path
}

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn output(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    Output {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

impl Output {
    fn never_shows(&self, token: &str) -> &Self {
        assert!(!self.stdout.contains(token), "token on stdout");
        assert!(!self.stderr.contains(token), "token on stderr");
        // Not even its signature alone.
        let sig = token.rsplit('.').next().unwrap();
        assert!(!self.stdout.contains(sig) && !self.stderr.contains(sig));
        self
    }
}

#[tokio::test]
async fn token_says_where_it_found_the_token_and_what_it_holds() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let token = sb.token_with(|r| r.subject = "Ada@Example.org".into());
    let path = token_file(dir.path(), &token);

    let text = output(
        graceflow(dir.path())
            .env("BEARER_TOKEN_FILE", &path)
            .args(["token", "--format", "text"]),
    );
    text.never_shows(&token);
    assert_eq!(text.code, 0, "{}{}", text.stdout, text.stderr);
    let out = &text.stdout;
    for expected in [
        format!(
            "source:   token file {} (BEARER_TOKEN_FILE)",
            path.display()
        ),
        "BEARER_TOKEN                  skipped: BEARER_TOKEN is not set".to_owned(),
        format!("found: {}", path.display()),
        "subject:  Ada@Example.org".to_owned(),
        "scope:    gracedb.read".to_owned(),
        "audience: ANY".to_owned(),
        "issuer:   http://sandbox.graceflow.invalid".to_owned(),
        "note:     no --server given: the audience was not checked".to_owned(),
        "problems: none".to_owned(),
    ] {
        assert!(out.contains(&expected), "{expected:?} missing from:\n{out}");
    }
    assert!(
        out.contains("h59m left)") || out.contains("3h00m left)"),
        "{out}"
    );

    let json = output(
        graceflow(dir.path())
            .env("BEARER_TOKEN_FILE", &path)
            .args(["token", "--format", "json"]),
    );
    json.never_shows(&token);
    assert_eq!(json.code, 0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(
        v["source"],
        format!("token file {} (BEARER_TOKEN_FILE)", path.display())
    );
    assert_eq!(v["claims"]["sub"], "Ada@Example.org");
    assert_eq!(v["claims"]["aud"], serde_json::json!(["ANY"]));
    assert_eq!(v["tried"][1]["reason"], "BEARER_TOKEN is not set");
    assert_eq!(v["tried"][2]["outcome"], "found");
    assert_eq!(v["tried"][3]["outcome"], "not tried");
    assert!(v["seconds_left"].as_i64().unwrap() > 3 * 3600 - 120);
    assert_eq!(v["problems"], serde_json::json!([]));
}

#[tokio::test]
async fn token_reports_an_expired_token_and_a_missing_named_file_with_exit_1() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let token = sb.token_with(|r| r.lifetime = -600);
    let path = token_file(dir.path(), &token);
    let out = output(
        graceflow(dir.path())
            .env("BEARER_TOKEN_FILE", &path)
            .args(["token", "--format", "json"]),
    );
    out.never_shows(&token);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["problems"][0]["code"], "expired");
    assert!(
        v["problems"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("the token expired 10m0")
    );
    assert!(
        v["problems"][0]["hint"]
            .as_str()
            .unwrap()
            .contains("htgettoken -a vault.ligo.org -i igwn --scopes=gracedb.read")
    );

    // A file named on the command line is not skipped silently.
    let out = output(graceflow(dir.path()).env("BEARER_TOKEN_FILE", &path).args([
        "token",
        "--token-file",
        "nope",
    ]));
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("problem:  --token-file: file nope does not exist"),
        "{}",
        out.stdout
    );
}

// The command runs while the in-process sandbox serves: it needs a second thread.
#[tokio::test(flavor = "multi_thread")]
async fn token_with_a_server_says_who_the_server_thinks_we_are() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let token = sb.token_with(|r| r.subject = "Ada@Example.org".into());
    let path = token_file(dir.path(), &token);
    let out = output(graceflow(dir.path()).env("BEARER_TOKEN_FILE", &path).args([
        "token",
        "--server",
        &sb.url(),
    ]));
    out.never_shows(&token);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // The server lower-cases the subject into its user name.
    assert!(
        out.stdout.contains("knows us as ada@example.org"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("(accepts audience ANY or http://127.0.0.1)"),
        "{}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn token_says_when_the_server_did_not_accept_the_token_and_why() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let token = sb.token_with(|r| r.audience = "https://gracedb.ligo.org".into());
    let path = token_file(dir.path(), &token);
    let out = output(graceflow(dir.path()).env("BEARER_TOKEN_FILE", &path).args([
        "token",
        "--server",
        &sb.url(),
        "--format",
        "json",
    ]));
    out.never_shows(&token);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let codes: Vec<_> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["audience", "not_accepted"]);
    assert_eq!(v["server_user"], "AnonymousUser");
    assert_eq!(
        v["problems"][1]["hint"],
        "most likely because of the problems above"
    );
}

/// A manifest that writes one Test event.
fn writing_manifest(dir: &Path) -> PathBuf {
    let path = dir.join("write.yaml");
    std::fs::write(
        &path,
        format!(
            "version: 1\nsteps:\n  - id: event\n    create_event: {{ group: Test, pipeline: gstlal, file: {} }}\n",
            coinc().display()
        ),
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn run_names_its_credential_and_refuses_one_the_server_would_ignore() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = writing_manifest(dir.path());
    let run = |token: &str, journal: &str| {
        let path = token_file(dir.path(), token);
        output(
            graceflow(dir.path())
                .env("BEARER_TOKEN_FILE", &path)
                .arg("run")
                .arg(&manifest)
                .args(["--server", &sb.url(), "--journal", journal]),
        )
    };

    // Another server's audience: refused before the first request, exit 1.
    let wrong = sb.token_with(|r| r.audience = "https://gracedb.ligo.org".into());
    let out = run(&wrong, "wrong.jsonl");
    out.never_shows(&wrong);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "the token's audience is https://gracedb.ligo.org, but this server accepts only ANY or http://127.0.0.1"
        ),
        "{}",
        out.stderr
    );
    assert!(
        sb.client()
            .event(&GraceId::parse("T0001").unwrap())
            .await
            .is_err()
    );

    // A good one: one line names it, and the run writes.
    let good = sb.token_with(|_| {});
    let out = run(&good, "good.jsonl");
    out.never_shows(&good);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let line = format!(
        "graceflow: credential: token file {} (BEARER_TOKEN_FILE), sub={}, expires ",
        dir.path().join("token").display(),
        crate::harness::USER
    );
    assert!(out.stderr.contains(&line), "{}", out.stderr);
    assert!(
        sb.client()
            .event(&GraceId::parse("T0001").unwrap())
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn run_waits_for_a_renewer_to_replace_an_expired_token_then_stops_with_75() {
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = writing_manifest(dir.path());
    let expired = sb.token_with(|r| r.lifetime = -60);
    let path = token_file(dir.path(), &expired);
    let out = output(
        graceflow(dir.path())
            .env("BEARER_TOKEN_FILE", &path)
            .arg("run")
            .arg(&manifest)
            .args(["--server", &sb.url(), "--journal", "j.jsonl"])
            .args(["--token-wait", "1s"]),
    );
    out.never_shows(&expired);
    // Nobody renews it: after --token-wait the run stops, resumable.
    assert_eq!(out.code, 75, "{}", out.stderr);
    assert!(
        out.stderr.contains("no newer one appeared within 1s"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("graceflow: warning: the token expired 1m0"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!(
            "requests will use a renewed token as soon as {} is replaced",
            path.display()
        )),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("would not accept"), "{}", out.stderr);
}

#[tokio::test]
async fn run_without_any_token_lists_where_it_looked() {
    let uid = graceflow::auth::current_uid().unwrap_or(0);
    if Path::new(&format!("/tmp/bt_u{uid}")).exists() {
        // This machine has a token where discovery looks last; nothing to show here.
        return;
    }
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = writing_manifest(dir.path());
    let out = output(graceflow(dir.path()).arg("run").arg(&manifest).args([
        "--server",
        &sb.url(),
        "--journal",
        "j.jsonl",
    ]));
    assert_eq!(out.code, 1);
    for expected in [
        "this manifest writes to GraceDB but no credential was found; looked in:",
        "  BEARER_TOKEN_FILE: skipped: BEARER_TOKEN_FILE is not set",
        "  $XDG_RUNTIME_DIR/bt_u<uid>: skipped: XDG_RUNTIME_DIR is not set",
        &format!("  /tmp/bt_u<uid>: skipped: file /tmp/bt_u{uid} does not exist"),
        "get a token with `htgettoken -a vault.ligo.org -i igwn --scopes=gracedb.read`",
    ] {
        assert!(
            out.stderr.contains(expected),
            "{expected:?} missing from:\n{}",
            out.stderr
        );
    }
}

/// Replace `path` the way HTCondor's credential monitor does: write beside it, rename over.
fn renew(path: &Path, token: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, format!("{token}\n")).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Twelve writes one after another, each answered after the sandbox's latency.
fn sequential_manifest(dir: &Path) -> PathBuf {
    let path = dir.join("seq.yaml");
    let mut text = format!(
        "version: 1\nsteps:\n  - id: event\n    create_event: {{ group: Test, pipeline: gstlal, file: {} }}\n",
        coinc().display()
    );
    for i in 0..11 {
        let needs = if i == 0 {
            "event".to_owned()
        } else {
            format!("log{}", i - 1)
        };
        text.push_str(&format!(
            "  - id: log{i}\n    needs: [{needs}]\n    write_log: {{ object: \"${{{{ steps.event.graceid }}}}\", comment: \"entry {i}\" }}\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_replaced_by_rename_mid_run_is_used_once_the_old_one_expires() {
    let sb =
        Sandbox::start_with(|c| c.faults.latency = std::time::Duration::from_millis(300)).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = sequential_manifest(dir.path());
    // The first token expires two seconds in; the run takes about four.
    let first = sb.token_with(|r| r.lifetime = 2);
    let second = sb.token_with(|r| r.lifetime = 3600);
    let path = token_file(dir.path(), &first);
    let renewer = {
        let (path, second) = (path.clone(), second.clone());
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1000));
            renew(&path, &second);
        })
    };
    let out = output(
        graceflow(dir.path())
            .env("BEARER_TOKEN_FILE", &path)
            .arg("run")
            .arg(&manifest)
            .args(["--server", &sb.url(), "--journal", "j.jsonl"]),
    );
    renewer.join().unwrap();
    out.never_shows(&first).never_shows(&second);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let journal = std::fs::read_to_string(dir.path().join("j.jsonl")).unwrap();
    assert!(!journal.contains(&first) && !journal.contains(&second));
    let report = output(graceflow(dir.path()).args(["report", "j.jsonl", "--format", "json"]));
    report.never_shows(&first).never_shows(&second);
    // Every write went through at the first attempt: no refusal, no retry.
    assert!(!journal.contains("\"status\":\"failed\""), "{journal}");
    let logs = sb
        .client()
        .logs(&graceflow::gracedb::ObjectId::parse("T0001").unwrap())
        .await
        .unwrap();
    assert_eq!(
        logs.iter()
            .filter(|l| l.comment.starts_with("entry "))
            .count(),
        11
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_token_is_re_read_once_and_the_renewed_one_used() {
    // A token with good-looking claims that this sandbox did not sign: the server ignores it,
    // and the write is refused with 403, as GraceDB does with a stale or foreign token.
    let other = Sandbox::start().await;
    // The answer comes 1.5 s after the request; the file is renewed 0.5 s after the intent.
    let sb =
        Sandbox::start_with(|c| c.faults.latency = std::time::Duration::from_millis(1500)).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = writing_manifest(dir.path());
    let stale = other.token_with(|_| {});
    let good = sb.token_with(|_| {});
    let path = token_file(dir.path(), &stale);
    // Renewed while the refused request is on its way back: well after its intent is
    // journaled (the request reads the token right after), well before its answer.
    let renewer = {
        let (path, good) = (path.clone(), good.clone());
        let journal = dir.path().join("j.jsonl");
        std::thread::spawn(move || {
            for _ in 0..1000 {
                let text = std::fs::read_to_string(&journal).unwrap_or_default();
                if text.contains("\"type\":\"intent\"") {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
            renew(&path, &good);
        })
    };
    let out = output(
        graceflow(dir.path())
            .env("BEARER_TOKEN_FILE", &path)
            .arg("run")
            .arg(&manifest)
            .args(["--server", &sb.url(), "--journal", "j.jsonl"]),
    );
    renewer.join().unwrap();
    out.never_shows(&stale).never_shows(&good);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let journal = std::fs::read_to_string(dir.path().join("j.jsonl")).unwrap();
    let failed: Vec<&str> = journal
        .lines()
        .filter(|l| l.contains("\"status\":\"failed\""))
        .collect();
    assert_eq!(failed.len(), 1, "{journal}");
    assert!(failed[0].contains("403"), "{journal}");
    assert!(
        journal.contains("\"attempt\":2,\"status\":\"done\""),
        "{journal}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_the_server_ignores_is_named_as_the_cause_of_a_refused_write() {
    let other = Sandbox::start().await;
    let sb = Sandbox::start().await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = writing_manifest(dir.path());
    let foreign = other.token_with(|_| {});
    let path = token_file(dir.path(), &foreign);
    let out = output(
        graceflow(dir.path())
            .env("BEARER_TOKEN_FILE", &path)
            .arg("run")
            .arg(&manifest)
            .args(["--server", &sb.url(), "--journal", "j.jsonl"]),
    );
    out.never_shows(&foreign);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("403")
            && out
                .stderr
                .contains("the server did not accept the token from token file"),
        "{}",
        out.stderr
    );
}
