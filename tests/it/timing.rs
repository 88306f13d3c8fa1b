//! Timing and checks in manifests: `after:`/`delay:` keep a cadence, `wait_for` polls until
//! conditions hold or times out, `assert` reports the values behind a false condition,
//! `sleep_until` waits for a GPS time; the report shows planned and actual times.

use std::path::Path;

use assert_cmd::Command;

use crate::harness::coinc;

fn run(dir: &Path, manifest: &str) -> (i32, String) {
    std::fs::write(dir.join("m.yaml"), manifest).unwrap();
    std::fs::copy(coinc(), dir.join("coinc.xml")).unwrap();
    let out = Command::cargo_bin("graceflow")
        .unwrap()
        .current_dir(dir)
        .env_remove("BEARER_TOKEN_FILE")
        .env_remove("BEARER_TOKEN")
        .args([
            "run",
            "m.yaml",
            "--sandbox-data",
            "sbx",
            "--journal",
            "j.jsonl",
        ])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn report(dir: &Path) -> serde_json::Value {
    let out = Command::cargo_bin("graceflow")
        .unwrap()
        .current_dir(dir)
        .args(["report", "j.jsonl", "--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn step<'a>(r: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == id)
        .unwrap_or_else(|| panic!("no step {id} in {r:#}"))
}

#[test]
fn wait_for_sees_a_label_applied_later_and_fails_on_one_that_never_comes() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = run(
        dir.path(),
        r#"version: 1
steps:
  - id: event
    create_event: { group: Test, pipeline: gstlal, file: coinc.xml }
  - id: label
    after: { step: event, delay: 1.2s }
    add_label: { object: "${{ steps.event.graceid }}", label: EM_READY }
  - id: ready
    needs: [event]
    wait_for: { object: "${{ steps.event.graceid }}", label: EM_READY, timeout: 20s, interval: 100ms }
  - id: never
    needs: [event]
    continue_on_error: true
    wait_for: { object: "${{ steps.event.graceid }}", label: DQV, until: "item.far < 1", timeout: 600ms, interval: 100ms }
  - id: check
    assert:
      that:
        - ${{ steps.ready.latency_s >= 1.2 }}
        - ${{ steps.ready.polls >= 2 }}
"#,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("FAILED never: T0001 did not get label DQV, `item.far < 1` within 600ms"),
        "{stderr}"
    );
    let r = report(dir.path());
    let label = step(&r, "label");
    assert!(
        label["schedule"]["late_s"].as_f64().unwrap() < 1.0,
        "{label}"
    );
    let planned = label["schedule"]["planned_gps"].as_f64().unwrap();
    let actual = label["schedule"]["actual_gps"].as_f64().unwrap();
    assert!(actual >= planned, "{label}");
    let latency = step(&r, "ready")["latency_s"].as_f64().unwrap();
    assert!((1.2..10.0).contains(&latency), "{latency}");
    assert_eq!(step(&r, "check")["status"], "done");
}

#[test]
fn a_false_assertion_shows_the_values_behind_it() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = run(
        dir.path(),
        r#"version: 1
steps:
  - id: event
    create_event: { group: Test, pipeline: gstlal, file: coinc.xml }
  - id: loud
    assert:
      that:
        - ${{ steps.event.instruments == "H1,L1" }}
        - ${{ steps.event.far < 1e-20 }}
      message: the event is not as loud as expected
"#,
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("FAILED loud: the event is not as loud as expected: ${{ steps.event.far < 1e-20 }} is false (steps.event.far = 1.2087635429874553e-8)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("instruments"),
        "only the false condition: {stderr}"
    );
    assert_eq!(step(&report(dir.path()), "loud")["status"], "failed");
}

#[test]
fn sleep_until_and_delay_keep_time() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = run(
        dir.path(),
        r#"version: 1
steps:
  - id: nap
    sleep_until: { gps: "${{ gps_now() + 1.5 }}" }
  - id: later
    delay: 800ms
    create_event: { group: Test, pipeline: gstlal, file: coinc.xml }
"#,
    );
    assert_eq!(code, 0, "{stderr}");
    let r = report(dir.path());
    let nap = step(&r, "nap");
    assert_eq!(nap["status"], "done");
    let duration = nap["duration_ms"].as_u64().unwrap();
    assert!((1000..5000).contains(&duration), "{nap}");
    let later = step(&r, "later");
    assert!(
        later["schedule"]["late_s"].as_f64().unwrap() < 1.0,
        "{later}"
    );
}
