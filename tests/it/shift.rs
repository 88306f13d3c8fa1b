//! `graceflow shift` and `crate::shift` end to end: every payload kind shifted to a chosen
//! time and uploaded to the sandbox, whose event parser must then report that time.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use graceflow::gracedb::CreateEvent;
use graceflow::shift::{GpsTime, PayloadKind, ShiftOptions, ShiftTarget, shift_file};

use crate::harness::Sandbox;

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The payloads this project wrote, one per kind, with a pipeline whose parser reads it.
fn payloads() -> Vec<(PathBuf, PayloadKind, &'static str, &'static str)> {
    vec![
        (
            data("tests/fixtures/shift/H1L1-GSTLAL-1400123456-1.xml"),
            PayloadKind::Ligolw,
            "gstlal",
            "AllSky",
        ),
        (
            data("tests/data/events/cwb.txt"),
            PayloadKind::Cwb,
            "CWB",
            "AllSky",
        ),
        (
            data("tests/data/events/olib.json"),
            PayloadKind::Json,
            "oLIB",
            "AllSky",
        ),
        (
            data("tests/data/events/mly.json"),
            PayloadKind::Json,
            "MLy",
            "AllSky",
        ),
        (
            data("tests/data/events/swift-voevent.xml"),
            PayloadKind::Voevent,
            "Swift",
            "GRB",
        ),
    ]
}

#[tokio::test]
async fn the_sandbox_reads_the_target_time_from_every_shifted_kind() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    let dir = tempfile::tempdir().unwrap();
    // Microsecond resolution: what GraceDB stores for gpstime.
    let target: GpsTime = "1412345678.123456".parse().unwrap();
    for (input, kind, pipeline, search) in payloads() {
        let out = dir.path().join(pipeline);
        std::fs::create_dir(&out).unwrap();
        let shifted = shift_file(
            &input,
            &out,
            PayloadKind::Auto,
            ShiftTarget::To(target),
            &ShiftOptions { all_times: true },
        )
        .unwrap();
        assert_eq!((shifted.kind, shifted.after), (kind, target), "{pipeline}");
        let event = client
            .create_event(&CreateEvent {
                group: "Test".into(),
                pipeline: pipeline.into(),
                search: Some(search.into()),
                labels: vec![],
                offline: false,
                file: shifted.path.clone(),
            })
            .await
            .unwrap();
        assert_eq!(event.gpstime, Some(1_412_345_678.123_456), "{pipeline}");
    }
}

#[test]
fn the_command_writes_the_copy_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = data("tests/fixtures/shift/H1L1-GSTLAL-1400123456-1.xml");
    let out = Command::cargo_bin("graceflow")
        .unwrap()
        .args(["shift", "--to", "1412345678.25", "-o"])
        .arg(dir.path())
        .arg(&input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let written = dir.path().join("H1L1-GSTLAL-1412345678-1.xml");
    let bytes = std::fs::read(&written).unwrap();
    assert!(
        text.contains("1400123456.789012645 → 1412345678.25"),
        "{text}"
    );
    assert!(
        text.contains(&graceflow::shift::sha256_hex(&bytes)),
        "{text}"
    );
    assert!(text.contains("ligolw"), "{text}");

    // Back again, to a file path this time, with a negative offset: the original bytes.
    let back = dir.path().join("back.xml");
    Command::cargo_bin("graceflow")
        .unwrap()
        .args([
            "shift",
            "--by=-12222221.460987355",
            "--kind",
            "ligolw",
            "-o",
        ])
        .arg(&back)
        .arg(&written)
        .assert()
        .success();
    assert!(std::fs::read(&back).unwrap() == std::fs::read(&input).unwrap());
}

#[test]
fn the_command_refuses_unknown_payloads_and_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "nothing to see here\n").unwrap();
    let err = Command::cargo_bin("graceflow")
        .unwrap()
        .args(["shift", "--by", "1", "-o"])
        .arg(dir.path())
        .arg(&junk)
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("notes.txt: not a payload graceflow can shift"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing written"
    );
    // --to and --by together, neither, or no -o: usage errors.
    for args in [
        &["shift", "--to", "1", "--by", "1", "-o", "x", "f"][..],
        &["shift", "-o", "x", "f"],
        &["shift", "--to", "1", "f"],
        &["shift", "--to", "soon", "-o", "x", "f"],
        &["shift", "--to", "1", "--kind", "xml", "-o", "x", "f"],
    ] {
        Command::cargo_bin("graceflow")
            .unwrap()
            .args(args)
            .assert()
            .code(2);
    }
}
