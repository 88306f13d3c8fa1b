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

/// The shipped MDC check, after a stand-in for the low-latency services has uploaded every
/// product but the EM-bright file.
#[test]
fn the_mdc_check_reports_each_latency_and_names_what_never_came() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows/data");
    std::fs::copy(
        data.join("bayestar.multiorder.fits.gz"),
        dir.path().join("bayestar.multiorder.fits"),
    )
    .unwrap();
    std::fs::copy(
        data.join("p_astro.json"),
        dir.path().join("gstlal.p_astro.json"),
    )
    .unwrap();
    let (code, stderr) = run(
        dir.path(),
        r#"version: 1
steps:
  - id: event
    create_event: { group: Test, pipeline: gstlal, file: coinc.xml }
  - id: s
    create_superevent:
      category: test
      preferred_event: ${{ steps.event.graceid }}
      t_start: ${{ steps.event.gpstime - 1 }}
      t_0: ${{ steps.event.gpstime }}
      t_end: ${{ steps.event.gpstime + 1 }}
  - id: products
    for_each: [bayestar.multiorder.fits, gstlal.p_astro.json]
    write_log: { object: "${{ steps.s.superevent_id }}", comment: "${{ item }}", file: "${{ item }}" }
  - id: labels
    needs: [products]
    for_each: [SKYMAP_READY, PASTRO_READY, EMBRIGHT_READY]
    add_label: { object: "${{ steps.s.superevent_id }}", label: "${{ item }}" }
"#,
    );
    assert_eq!(code, 0, "{stderr}");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows/check-cbc-mdc.yaml");
    let out = Command::cargo_bin("graceflow")
        .unwrap()
        .current_dir(dir.path())
        .arg("run")
        .arg(&manifest)
        .args(["--sandbox-data", "sbx", "--journal", "check.jsonl"])
        .args(["--set", "superevent=TS240519a", "--set", "deadline=1500ms"])
        .args(["--set", "poll=100ms"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("FAILED embright_file: TS240519a did not get file em_bright.json"),
        "{stderr}"
    );
    assert!(
        stderr.contains("not every product arrived before its deadline: ${{ default(steps.embright_file.latency_s, -1) >= 0 }} is false"),
        "{stderr}"
    );
    let r = Command::cargo_bin("graceflow")
        .unwrap()
        .current_dir(dir.path())
        .args(["report", "check.jsonl", "--format", "json"])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    for id in [
        "skymap_ready",
        "skymap_file",
        "pastro_ready",
        "pastro_file",
        "embright_ready",
    ] {
        let l = step(&r, id)["latency_s"].as_f64();
        assert!(l.is_some_and(|l| (0.0..1.5).contains(&l)), "{id}: {l:?}");
    }
}
