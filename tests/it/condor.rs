//! `graceflow condor`: submit descriptions and DAGs for the shipped workflows, read back
//! strictly (the DAG against the DAGMan grammar of the lines it uses), and `condor check`
//! in an emulated job scratch directory holding a sandbox-minted token. The Python tests
//! (tests/python/test_condor.py) parse the submit descriptions with HTCondor's own bindings.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::harness::Sandbox;

/// A copy of `workflows/` in a temporary directory, the submit directory of the tests.
fn work() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows"),
        &dir.path().join("workflows"),
    );
    dir
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

/// `graceflow` in `dir`, with no credential or HTCondor variable inherited.
fn graceflow(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("graceflow").unwrap();
    cmd.current_dir(dir);
    for name in graceflow::auth::env_vars::ALL
        .iter()
        .chain(&["_CONDOR_SCRATCH_DIR", "_CONDOR_CREDS"])
    {
        cmd.env_remove(name);
    }
    cmd
}

/// The `key = value` settings of a submit description (comments and `queue` left out).
fn settings(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn list(v: &str) -> Vec<String> {
    v.split(',').map(|s| s.trim().to_owned()).collect()
}

#[test]
fn submit_transfers_every_file_a_shipped_workflow_reads() {
    let w = work();
    let expected: [(&str, &[&str]); 4] = [
        (
            "inject-test-event",
            &[
                "workflows/data/bayestar.multiorder.fits.gz",
                "workflows/data/coinc.xml",
                "workflows/data/p_astro.json",
            ],
        ),
        (
            "annotate-superevent",
            &[
                "workflows/data/annotations/data-quality.txt",
                "workflows/data/annotations/em-bright.json",
                "workflows/data/annotations/notes.md",
            ],
        ),
        ("label-search-results", &[]),
        ("check-cbc-mdc", &[]),
    ];
    for (stem, data) in expected {
        let manifest = format!("workflows/{stem}.yaml");
        graceflow(w.path())
            .args(["condor", "submit", &manifest, "--server", "test"])
            .assert()
            .success();
        let s = settings(&std::fs::read_to_string(w.path().join(format!("{stem}.sub"))).unwrap());
        let journal = format!("{stem}.journal.jsonl");
        let mut inputs = vec![manifest.clone()];
        inputs.extend(data.iter().map(|d| d.to_string()));
        inputs.push(journal.clone());
        assert_eq!(list(&s["transfer_input_files"]), inputs, "{stem}");
        assert_eq!(s["transfer_output_files"], journal);
        assert_eq!(s["when_to_transfer_output"], "ON_EXIT_OR_EVICT");
        assert_eq!(s["max_retries"], "5");
        assert_eq!(
            s["retry_until"],
            "(ExitBySignal == false) && (ExitCode != 75)"
        );
        assert_eq!(
            s["arguments"],
            format!("\"run {manifest} --journal {journal} --server test\"")
        );
        assert!(
            w.path().join(&journal).is_file(),
            "an empty journal to send in"
        );
        assert!(Path::new(&s["executable"]).is_absolute());
    }
}

#[test]
fn a_shared_journal_directory_is_not_transferred() {
    let w = work();
    let shared = w.path().join("shared");
    graceflow(w.path())
        .args([
            "condor",
            "submit",
            "workflows/inject-test-event.yaml",
            "--server",
            "test",
        ])
        .arg("--journal-dir")
        .arg(&shared)
        .assert()
        .success();
    let s = settings(&std::fs::read_to_string(w.path().join("inject-test-event.sub")).unwrap());
    let journal = shared
        .canonicalize()
        .unwrap()
        .join("inject-test-event.journal.jsonl");
    assert!(s["arguments"].contains(&format!("--journal {}", journal.display())));
    assert!(!s.contains_key("transfer_output_files") && !s.contains_key("when_to_transfer_output"));
    assert!(!s["transfer_input_files"].contains("journal"));
}

/// A DAG line, checked against the DAGMan grammar of the commands graceflow writes.
#[derive(Debug, PartialEq)]
enum Line {
    Job(String, String),
    Vars(String, Vec<(String, String)>),
    Retry(String, u32, i32),
    Category(String, String),
    MaxJobs(String, u32),
    Final(String, String),
}

/// `key="value"` pairs, `\"` and `\\` unescaped; anything else is an error.
fn vars(mut s: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    loop {
        s = s.trim_start();
        if s.is_empty() {
            return out;
        }
        let (key, rest) = s
            .split_once("=\"")
            .unwrap_or_else(|| panic!("not key=\"…\": {s}"));
        assert!(
            key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && key.starts_with(|c: char| c.is_ascii_alphabetic()),
            "bad macro name {key:?}"
        );
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => value.push(chars.next().expect("escape at the end").1),
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("unclosed value in {s}"),
            }
        };
        out.push((key.to_owned(), value));
        s = &rest[end + 1..];
        assert!(
            s.is_empty() || s.starts_with(' '),
            "no space after a value: {s}"
        );
    }
}

fn parse_dag(text: &str) -> Vec<Line> {
    let mut lines = vec![];
    for l in text.lines() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = t.split_whitespace().collect();
        let line = match words.as_slice() {
            ["JOB", name, submit] => Line::Job(name.to_string(), submit.to_string()),
            ["VARS", name, ..] => {
                let rest = t["VARS".len()..].trim_start()[name.len()..].to_owned();
                Line::Vars(name.to_string(), vars(&rest))
            }
            ["RETRY", name, n, "UNLESS-EXIT", code] => {
                Line::Retry(name.to_string(), n.parse().unwrap(), code.parse().unwrap())
            }
            ["CATEGORY", name, cat] => Line::Category(name.to_string(), cat.to_string()),
            ["MAXJOBS", cat, n] => Line::MaxJobs(cat.to_string(), n.parse().unwrap()),
            ["FINAL", name, submit] => Line::Final(name.to_string(), submit.to_string()),
            _ => panic!("not a DAGMan line graceflow writes: {l}"),
        };
        // Every reference is to a node declared before it.
        let declared = |n: &str| {
            lines
                .iter()
                .any(|x| matches!(x, Line::Job(j, _) | Line::Final(j, _) if j == n))
        };
        match &line {
            Line::Vars(n, _) | Line::Retry(n, ..) | Line::Category(n, _) => {
                assert!(declared(n), "{n} used before its JOB")
            }
            Line::Job(n, _) | Line::Final(n, _) => assert!(!declared(n), "{n} declared twice"),
            Line::MaxJobs(..) => {}
        }
        lines.push(line);
    }
    lines
}

#[test]
fn a_dag_of_manifests_retries_each_node_unless_it_failed_permanently() {
    let w = work();
    let manifests = [
        "workflows/inject-test-event.yaml",
        "workflows/annotate-superevent.yaml",
        "workflows/label-search-results.yaml",
    ];
    graceflow(w.path())
        .args(["condor", "dag"])
        .args(manifests)
        .args([
            "--server",
            "test",
            "--retry",
            "3",
            "--maxjobs",
            "4",
            "--name",
            "batch",
        ])
        .assert()
        .success();
    let lines = parse_dag(&std::fs::read_to_string(w.path().join("batch.dag")).unwrap());
    let jobs: Vec<&Line> = lines
        .iter()
        .filter(|l| matches!(l, Line::Job(..)))
        .collect();
    assert_eq!(jobs.len(), 3);
    for (m, job) in manifests.iter().zip(jobs) {
        let Line::Job(name, submit) = job else {
            unreachable!()
        };
        assert!(lines.contains(&Line::Retry(name.clone(), 3, 1)));
        assert!(lines.contains(&Line::Category(name.clone(), "graceflow".into())));
        let s = settings(&std::fs::read_to_string(w.path().join(submit)).unwrap());
        assert!(s["arguments"].starts_with(&format!("\"run {m} --journal {name}.journal.jsonl")));
        assert_eq!(s["transfer_output_files"], format!("{name}.journal.jsonl"));
        assert!(
            !s.contains_key("max_retries"),
            "DAGMan is the one retry layer"
        );
    }
    assert!(lines.contains(&Line::MaxJobs("graceflow".into(), 4)));
    assert!(!lines.iter().any(|l| matches!(l, Line::Final(..))));
}

#[test]
fn a_dag_over_a_table_has_one_node_per_row_with_its_vars() {
    let w = work();
    std::fs::write(
        w.path().join("injections.csv"),
        "superevent,comment_prefix\nS240101a,\"first, \"\"quoted\"\"\"\nS240102b,plain\nS240103c,it's\n",
    )
    .unwrap();
    graceflow(w.path())
        .args([
            "condor",
            "dag",
            "workflows/annotate-superevent.yaml",
            "--each",
            "injections.csv",
        ])
        .args(["--server", "test", "--final-report"])
        .assert()
        .success();
    let lines =
        parse_dag(&std::fs::read_to_string(w.path().join("annotate-superevent.dag")).unwrap());
    let rows: Vec<(String, Vec<(String, String)>)> = lines
        .iter()
        .filter_map(|l| match l {
            Line::Vars(n, v) => Some((n.clone(), v.clone())),
            _ => None,
        })
        .collect();
    let expected = [
        ("S240101a", "first, \"\"quoted\"\""),
        ("S240102b", "plain"),
        ("S240103c", "it''s"),
    ];
    assert_eq!(rows.len(), 3);
    for ((node, vars), (se, prefix)) in rows.iter().zip(expected) {
        assert_eq!(
            vars,
            &[
                ("node".to_owned(), node.clone()),
                ("gf_superevent".to_owned(), se.to_owned()),
                // Escaped for the single-quoted argument it lands in.
                ("gf_comment_prefix".to_owned(), prefix.to_owned()),
            ]
        );
        assert!(lines.contains(&Line::Job(node.clone(), "annotate-superevent.sub".into())));
        assert!(lines.contains(&Line::Retry(node.clone(), 5, 1)));
        assert!(w.path().join(format!("{node}.journal.jsonl")).is_file());
    }
    assert!(lines.contains(&Line::MaxJobs("graceflow".into(), 10)));
    assert_eq!(
        lines.last(),
        Some(&Line::Final(
            "graceflow_report".into(),
            "annotate-superevent.report.sub".into()
        ))
    );
    let s = settings(&std::fs::read_to_string(w.path().join("annotate-superevent.sub")).unwrap());
    assert!(s["arguments"].ends_with(
        "--set 'superevent=$(gf_superevent)' --set 'comment_prefix=$(gf_comment_prefix)'\""
    ));
    assert!(s["transfer_input_files"].ends_with("$(node).journal.jsonl"));
    let report = settings(
        &std::fs::read_to_string(w.path().join("annotate-superevent.report.sub")).unwrap(),
    );
    assert_eq!(report["universe"], "local");
    assert!(report["arguments"].contains("annotate-superevent_003.journal.jsonl"));
}

#[test]
fn a_table_column_must_be_a_variable() {
    let w = work();
    std::fs::write(w.path().join("bad.csv"), "superevnt\nS1\n").unwrap();
    let out = graceflow(w.path())
        .args([
            "condor",
            "dag",
            "workflows/annotate-superevent.yaml",
            "--each",
            "bad.csv",
        ])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("`superevnt` is not a variable"), "{err}");
}

/// An emulated job: a scratch directory whose `.condor_creds/igwn_limited.use` holds
/// `token`, with the variables a starter sets, and `condor check` run in it.
fn check_in_job(sb: &Sandbox, token: &str) -> (i32, String) {
    let scratch = tempfile::tempdir().unwrap();
    let creds = scratch.path().join(".condor_creds");
    std::fs::create_dir_all(&creds).unwrap();
    let file: PathBuf = creds.join("igwn_limited.use");
    std::fs::write(&file, format!("{token}\n")).unwrap();
    let out = graceflow(scratch.path())
        .env("_CONDOR_SCRATCH_DIR", scratch.path())
        .env("_CONDOR_CREDS", &creds)
        .env("BEARER_TOKEN_FILE", &file)
        .args(["condor", "check", "--server", &sb.url()])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains(token), "the token was printed");
    assert!(text.contains("igwn_limited.use"), "{text}");
    (out.status.code().unwrap(), text)
}

#[tokio::test]
async fn check_accepts_a_fitting_token_and_names_a_wrong_audience() {
    let sb = Sandbox::start().await;
    let good = sb.token_with(|r| r.audience = "http://127.0.0.1".into());
    let (code, text) = check_in_job(&sb, &good);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("ok: the token fits") && text.contains("from BEARER_TOKEN_FILE"),
        "{text}"
    );

    let wrong = sb.token_with(|r| r.audience = "https://gracedb.ligo.org".into());
    let (code, text) = check_in_job(&sb, &wrong);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("problem:") && text.contains("https://gracedb.ligo.org"),
        "{text}"
    );
}

#[test]
fn check_outside_a_job_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = graceflow(dir.path())
        .args(["condor", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not inside an HTCondor job"), "{text}");
}

/// The words of a submit file's new-syntax `arguments`, with `$(macro)`s replaced: words are
/// split at spaces outside single quotes, and `''` inside them is one quote.
fn argv(arguments: &str, macros: &BTreeMap<String, String>) -> Vec<String> {
    let mut words = vec![];
    let (mut word, mut quoted, mut chars) = (String::new(), false, arguments.chars().peekable());
    while let Some(c) = chars.next() {
        match c {
            '\'' if quoted && chars.peek() == Some(&'\'') => {
                chars.next();
                word.push('\'');
            }
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words.iter().map(|w| expand(w, macros)).collect()
}

fn expand(s: &str, macros: &BTreeMap<String, String>) -> String {
    let mut out = s.to_owned();
    for (k, v) in macros {
        out = out.replace(&format!("$({k})"), v);
    }
    out.replace("$(DOLLAR)", "$")
}

fn submit_value<'a>(submit: &'a str, key: &str) -> &'a str {
    submit
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim())
        })
        .unwrap_or_else(|| panic!("no {key} in the submit file"))
}

/// A DAG of 50 injections, each time-shifted to its own GPS time from a CSV row, run by a
/// small stand-in for DAGMan: at most MAXJOBS nodes at once, each attempt in a fresh scratch
/// directory holding only `transfer_input_files` (and the journal transferred back from the
/// last attempt), RETRY on the real exit codes unless 1. The sandbox fails 15 % of requests
/// and loses 5 % of answers, and each run gives up after 2 attempts per request, so nodes do
/// exit 75 and are retried. Afterwards every injection exists exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn fifty_dag_nodes_under_faults_are_each_done_exactly_once() {
    use graceflow::sandbox::FaultConfig;

    let sb = Sandbox::start_with(|c| {
        c.faults = FaultConfig {
            fail_rate: 0.15,
            statuses: vec![502, 503, 504],
            drop_rate: 0.05,
            seed: 50,
            ..Default::default()
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(crate::harness::coinc(), dir.path().join("coinc.xml")).unwrap();
    std::fs::write(
        dir.path().join("inject.yaml"),
        r#"version: 1
vars: { n: 0, t: 1400000000 }
defaults:
  retry: { attempts: 2, backoff: 10ms, max_delay: 20ms }
steps:
  - id: shift
    shift_time: { file: coinc.xml, to: "${{ vars.t }}" }
  - id: event
    create_event: { group: Test, pipeline: gstlal, file: "${{ steps.shift.path }}" }
  - id: note
    write_log: { object: "${{ steps.event.graceid }}", comment: "node ${{ vars.n }}" }
  - id: label
    add_label: { object: "${{ steps.event.graceid }}", label: EM_READY }
"#,
    )
    .unwrap();
    let times: Vec<f64> = (0..50)
        .map(|n| 1400000000.25 + 10.0 * f64::from(n))
        .collect();
    let csv: String = std::iter::once("n,t\n".to_owned())
        .chain(times.iter().enumerate().map(|(n, t)| format!("{n},{t}\n")))
        .collect();
    std::fs::write(dir.path().join("rows.csv"), csv).unwrap();
    graceflow(dir.path())
        .args(["condor", "dag", "--each", "rows.csv", "inject.yaml"])
        .args(["--server", &sb.url(), "--retry", "10", "--maxjobs", "8"])
        .assert()
        .success();
    let dag = parse_dag(&std::fs::read_to_string(dir.path().join("inject.dag")).unwrap());
    let submit = std::fs::read_to_string(dir.path().join("inject.sub")).unwrap();
    let arguments = submit_value(&submit, "arguments")
        .trim_matches('"')
        .to_owned();
    let inputs: Vec<String> = submit_value(&submit, "transfer_input_files")
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect();
    let output = submit_value(&submit, "transfer_output_files").to_owned();
    let maxjobs = dag
        .iter()
        .find_map(|l| match l {
            Line::MaxJobs(_, n) => Some(*n),
            _ => None,
        })
        .unwrap();
    let nodes: Vec<(String, BTreeMap<String, String>, u32, i32)> = dag
        .iter()
        .filter_map(|l| match l {
            Line::Job(name, _) => {
                let vars = dag.iter().find_map(|x| match x {
                    Line::Vars(n, v) if n == name => Some(v.iter().cloned().collect()),
                    _ => None,
                })?;
                let (retry, unless) = dag.iter().find_map(|x| match x {
                    Line::Retry(n, r, u) if n == name => Some((*r, *u)),
                    _ => None,
                })?;
                Some((name.clone(), vars, retry, unless))
            }
            _ => None,
        })
        .collect();
    assert_eq!(nodes.len(), 50);

    let token = sb.token_with(|_| {});
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(maxjobs as usize));
    let mut runs = tokio::task::JoinSet::new();
    for (name, macros, retry, unless) in nodes {
        let (slots, submit_dir, token) = (slots.clone(), dir.path().to_owned(), token.clone());
        let (arguments, inputs, output) = (arguments.clone(), inputs.clone(), output.clone());
        runs.spawn(async move {
            let _slot = slots.acquire().await.unwrap();
            let mut attempts = 0;
            loop {
                attempts += 1;
                let scratch = tempfile::tempdir().unwrap();
                for f in &inputs {
                    let f = expand(f, &macros);
                    std::fs::copy(submit_dir.join(&f), scratch.path().join(&f)).unwrap();
                }
                let creds = scratch.path().join(".condor_creds");
                std::fs::create_dir(&creds).unwrap();
                std::fs::write(creds.join("igwn_limited.use"), &token).unwrap();
                let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_graceflow"))
                    .current_dir(scratch.path())
                    .env_remove("BEARER_TOKEN")
                    .env("_CONDOR_SCRATCH_DIR", scratch.path())
                    .env("BEARER_TOKEN_FILE", creds.join("igwn_limited.use"))
                    .args(argv(&arguments, &macros))
                    .output()
                    .await
                    .unwrap();
                let status = run.status;
                // ON_EXIT_OR_EVICT: the journal comes back whatever happened.
                let out = expand(&output, &macros);
                std::fs::copy(scratch.path().join(&out), submit_dir.join(&out)).unwrap();
                let code = status.code().unwrap_or(-1);
                if code == 0 || code == unless || attempts > retry {
                    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
                    return (name, code, attempts, stderr);
                }
            }
        });
    }
    let mut retried = 0;
    while let Some(r) = runs.join_next().await {
        let (name, code, attempts, stderr) = r.unwrap();
        assert_eq!(
            code, 0,
            "node {name} ended with {code} after {attempts} attempts:\n{stderr}"
        );
        retried += usize::from(attempts > 1);
    }
    assert!(
        retried > 0,
        "no node needed a retry: the faults did not bite"
    );

    sb.running.set_faults(FaultConfig::default());
    let client = sb.client();
    let events = crate::harness::all_events(&client, "Test").await;
    let mut got: Vec<f64> = events.iter().map(|e| e.gpstime.unwrap()).collect();
    got.sort_by(f64::total_cmp);
    assert_eq!(got.len(), 50, "one event per node");
    for (g, t) in got.iter().zip(&times) {
        assert!((g - t).abs() < 1e-6, "{g} != {t}");
    }
    for e in &events {
        let object = graceflow::gracedb::ObjectId::Event(e.graceid.clone());
        let logs = client.logs(&object).await.unwrap();
        let notes = logs
            .iter()
            .filter(|l| l.comment.starts_with("node "))
            .count();
        assert_eq!(notes, 1, "{}: {notes} notes", e.graceid);
        assert!(e.labels.contains(&"EM_READY".to_owned()), "{}", e.graceid);
    }
}
