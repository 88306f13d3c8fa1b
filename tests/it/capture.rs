//! `graceflow capture`: a superevent with two events, their uploads and the superevent's own,
//! captured from a sandbox by the binary into a bundle; a re-run reuses intact files and
//! downloads a damaged one again.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use graceflow::capture::Bundle;
use graceflow::gracedb::{
    Category, CreateSuperevent, GraceDb, GraceId, ObjectId, SupereventId, WriteLog,
};
use sha2::{Digest, Sha256};

use crate::harness::{Sandbox, coinc, shifted_coinc, test_event};

/// A comment YAML and the manifest language both have opinions about.
const ODD: &str = "Sky map: \"bayestar\" v2\nrerun with ${{ steps.x }} # not a comment";

/// `graceflow` with no credential variable inherited from the test's environment.
fn graceflow(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("graceflow").unwrap();
    cmd.current_dir(dir);
    for name in graceflow::auth::env_vars::ALL {
        cmd.env_remove(name);
    }
    cmd
}

fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn upload(
    client: &GraceDb,
    object: &ObjectId,
    dir: &Path,
    name: &str,
    body: &str,
    comment: &str,
    tags: &[&str],
) -> PathBuf {
    // Each version in its own folder: the server keeps the base name.
    let folder = dir.join(format!("{name}.{}", body.len()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join(name);
    std::fs::write(&path, body).unwrap();
    client
        .write_log(
            object,
            &WriteLog {
                comment: comment.into(),
                file: Some(path.clone()),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    path
}

struct Scene {
    sb: Sandbox,
    work: tempfile::TempDir,
    sid: SupereventId,
    preferred: GraceId,
    other: GraceId,
    /// Local copies of what was uploaded: (object, name, version) → sha256.
    uploaded: Vec<(String, String, u32, String)>,
}

async fn scene() -> Scene {
    let sb = Sandbox::start().await;
    let client = sb.client();
    let work = tempfile::tempdir().unwrap();
    let up = work.path().join("uploads");
    let a = test_event(&client, &coinc(), &[]).await;
    let b = test_event(&client, &shifted_coinc(work.path(), "b.xml", 1), &[]).await;
    let ea = ObjectId::Event(a.graceid.clone());
    let mut uploaded = vec![];
    let mut add = |o: &str, n: &str, v: u32, p: &Path| {
        uploaded.push((o.to_owned(), n.to_owned(), v, sha256(p)))
    };
    let p = upload(
        &client,
        &ea,
        &up,
        "bayestar.multiorder.fits",
        "sky v0",
        "sky map",
        &["sky_loc"],
    )
    .await;
    add(a.graceid.as_str(), "bayestar.multiorder.fits", 0, &p);
    let p = upload(
        &client,
        &ea,
        &up,
        "bayestar.multiorder.fits",
        "sky v1 (larger)",
        ODD,
        &["sky_loc", "public"],
    )
    .await;
    add(a.graceid.as_str(), "bayestar.multiorder.fits", 1, &p);
    let p = upload(
        &client,
        &ea,
        &up,
        "gstlal.p_astro.json",
        "{\"BNS\": 0.9}",
        "p_astro",
        &[],
    )
    .await;
    add(a.graceid.as_str(), "gstlal.p_astro.json", 0, &p);
    let p = upload(&client, &ea, &up, "notes.txt", "words", "notes", &[]).await;
    add(a.graceid.as_str(), "notes.txt", 0, &p);
    add(a.graceid.as_str(), "coinc.xml", 0, &coinc());
    add(b.graceid.as_str(), "b.xml", 0, &work.path().join("b.xml"));

    let s = client
        .create_superevent(&CreateSuperevent {
            t_start: 1400123455.0,
            t_0: 1400123456.5,
            t_end: 1400123458.0,
            preferred_event: a.graceid.clone(),
            category: Category::Test,
            events: vec![b.graceid.clone()],
            labels: vec![],
        })
        .await
        .unwrap();
    let so = ObjectId::Superevent(s.superevent_id.clone());
    let p = upload(
        &sb.manager(),
        &so,
        &up,
        "summary.txt",
        "superevent file",
        "summary",
        &[],
    )
    .await;
    add(s.superevent_id.as_str(), "summary.txt", 0, &p);
    client.add_label(&so, "EM_READY").await.unwrap();
    Scene {
        sb,
        work,
        sid: s.superevent_id,
        preferred: a.graceid,
        other: b.graceid,
        uploaded,
    }
}

impl Scene {
    fn out(&self) -> PathBuf {
        self.work.path().join("bundles").join("cap")
    }

    /// `graceflow capture` of the superevent; its stderr.
    fn capture(&self) -> String {
        let token = self.work.path().join("token");
        std::fs::write(&token, self.sb.token_with(|_| {}) + "\n").unwrap();
        let out = graceflow(self.work.path())
            .args([
                "capture",
                self.sid.as_str(),
                "--server",
                &self.sb.url(),
                "--out",
            ])
            .arg(self.out())
            .arg("--token-file")
            .arg(&token)
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(out.status.success(), "{stderr}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            stdout.trim(),
            self.out().join("replay.yaml").display().to_string()
        );
        stderr
    }
}

/// Names in the bundles folder other than the bundle itself: leftovers of staging.
fn leftovers(out: &Path) -> Vec<String> {
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "cap")
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_superevent_is_captured_whole_and_recaptured_by_reuse() {
    let sc = scene().await;
    let stderr = sc.capture();
    let out = sc.out();
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));

    let b = Bundle::read(&out).unwrap();
    let total = b.all_files().count();
    assert!(
        stderr.contains(&format!("{total} downloaded, 0 reused")),
        "{stderr}"
    );
    assert_eq!(b.source, sc.sb.url());
    assert_eq!(b.captured_id, sc.sid.as_str());
    assert!(b.tool.starts_with("graceflow "));
    assert!(b.captured_at.ends_with('Z'));
    let s = b.superevent.as_ref().unwrap();
    assert_eq!(
        (s.t_start, s.t_0, s.t_end),
        (1400123455.0, 1400123456.5, 1400123458.0)
    );
    assert_eq!(s.preferred_event.as_deref(), Some(sc.preferred.as_str()));
    assert_eq!(s.labels, ["EM_READY"]);
    let ids: Vec<&str> = b.events.iter().map(|e| e.graceid.as_str()).collect();
    assert_eq!(ids, [sc.preferred.as_str(), sc.other.as_str()]);

    // Every log entry, as the server lists them.
    let client = sc.sb.client();
    for e in &b.events {
        let gid = GraceId::parse(&e.graceid).unwrap();
        let server = client.logs(&ObjectId::Event(gid.clone())).await.unwrap();
        assert_eq!(e.logs.len(), server.len());
        for (mine, theirs) in e.logs.iter().zip(&server) {
            assert_eq!(
                (mine.n, &mine.comment, &mine.tags),
                (theirs.n, &theirs.comment, &theirs.tag_names)
            );
        }
        assert_eq!(e.group, "Test");
        assert_eq!(e.pipeline, "gstlal");
        assert!(e.gpstime.is_some());
        assert!(out.join(format!("events/{gid}/event.json")).is_file());
        assert!(out.join(format!("events/{gid}/logs.json")).is_file());
    }
    let a = b.event(sc.preferred.as_str()).unwrap();
    assert!(
        a.logs
            .iter()
            .any(|l| l.comment == ODD && l.tags == ["sky_loc", "public"])
    );
    for f in [
        "superevent/superevent.json",
        "superevent/logs.json",
        "superevent/labels.json",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }

    // Every uploaded file version (and the side files the server made), byte for byte,
    // under its base name.
    let files: Vec<(String, &graceflow::capture::bundle::FileRecord)> = b.all_files().collect();
    for (_, f) in &files {
        assert_eq!(sha256(&out.join(&f.path)), f.sha256, "{}", f.path);
    }
    for (object, name, version, sha) in &sc.uploaded {
        let dir = if object == sc.sid.as_str() {
            "superevent".to_owned()
        } else {
            format!("events/{object}")
        };
        let (_, f) = files
            .iter()
            .find(|(d, f)| *d == dir && f.name == *name && f.version == *version)
            .unwrap_or_else(|| panic!("{object} {name},{version} not captured"));
        assert_eq!(f.path, format!("{dir}/files/v{version}/{name}"));
        assert_eq!(&f.sha256, sha, "{}", f.path);
        assert_eq!(sha256(&out.join(&f.path)), *sha, "{}", f.path);
    }

    // The replay manifest names files that are in the bundle, and reads back as YAML.
    let text = std::fs::read_to_string(out.join("replay.yaml")).unwrap();
    let m: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let steps = m["steps"].as_array().unwrap();
    let uploads: Vec<&serde_json::Value> = steps
        .iter()
        .filter_map(|s| s["write_log"]["file"].as_str().map(|_| &s["write_log"]))
        .collect();
    // Default selection: both sky maps and p_astro, not the notes.
    assert_eq!(uploads.len(), 3, "{text}");
    for u in &uploads {
        assert!(out.join(u["file"].as_str().unwrap()).is_file(), "{u}");
    }
    assert!(uploads.iter().any(|u| {
        u["comment"]
            .as_str()
            .unwrap()
            .starts_with("Sky map: \"bayestar\" v2\nrerun with ${{ '${{' }}")
    }));
    assert_eq!(m["vars"]["t0"], 1400123456.5);

    // Again: every intact file is reused; a damaged one is downloaded anew.
    let damaged = out.join(format!("events/{}/files/v0/notes.txt", sc.preferred));
    std::fs::write(&damaged, "edited").unwrap();
    let stderr = sc.capture();
    assert!(
        stderr.contains(&format!("1 downloaded, {} reused", total - 1)),
        "{stderr}"
    );
    assert_eq!(
        sha256(&damaged),
        sc.uploaded.iter().find(|u| u.1 == "notes.txt").unwrap().3
    );
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
    assert_eq!(Bundle::read(&out).unwrap().events, b.events);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_event_with_options_and_a_refused_anonymous_capture() {
    let sc = scene().await;
    let out = sc.work.path().join("one");
    let capture = |token: bool| {
        let mut cmd = graceflow(sc.work.path());
        cmd.args([
            "capture",
            sc.preferred.as_str(),
            "--server",
            &sc.sb.url(),
            "--out",
        ])
        .arg(&out)
        .args([
            "--all-files",
            "--mdc",
            "--speed",
            "2",
            "--max-delay",
            "1.5s",
        ]);
        if token {
            let path = sc.work.path().join("token");
            std::fs::write(&path, sc.sb.token_with(|_| {})).unwrap();
            cmd.arg("--token-file").arg(path);
        }
        cmd.output().unwrap()
    };

    // Anonymous readers may not see Test events: a clear failure that leaves nothing.
    let refused = capture(false);
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot read event"), "{stderr}");
    assert!(!out.exists());
    let names: Vec<String> = std::fs::read_dir(sc.work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("partial")), "{names:?}");

    let run = capture(true);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let b = Bundle::read(&out).unwrap();
    assert!(b.superevent.is_none());
    assert_eq!(b.events.len(), 1);
    let m: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(out.join("replay.yaml")).unwrap()).unwrap();
    assert_eq!(m["vars"]["t0"], b.events[0].gpstime.unwrap());
    let steps = m["steps"].as_array().unwrap();
    let create = steps
        .iter()
        .find(|s| s.get("create_event").is_some())
        .unwrap();
    assert_eq!(create["create_event"]["search"], "MDC");
    assert_eq!(create["create_event"]["group"], "Test");
    assert!(
        steps
            .iter()
            .any(|s| s["create_superevent"]["category"] == "mdc")
    );
    for s in steps.iter().filter(|s| s.get("after").is_some()) {
        let d = graceflow::duration::parse_duration(s["after"]["delay"].as_str().unwrap()).unwrap();
        assert!(d.as_secs_f64() <= 1.5, "{s}");
    }
    // --all-files: every upload after the first, the notes and the server's side files too.
    let later = b.events[0].files.len() - 1;
    assert_eq!(
        steps
            .iter()
            .filter(|s| s["write_log"]["file"].is_string())
            .count(),
        later
    );
}

#[test]
fn usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec![
            "capture",
            "S1",
            "--server",
            "http://127.0.0.1:1/api/",
            "--out",
            "x",
        ],
        vec!["capture", "G1", "--server", "sandbox", "--out", "x"],
        vec![
            "capture",
            "G1",
            "--server",
            "http://127.0.0.1:1/api/",
            "--out",
            "x",
            "--speed",
            "0",
        ],
    ] {
        graceflow(dir.path()).args(&args).assert().code(2);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_manifest_checks_clean() {
    let sc = scene().await;
    sc.capture();
    let out = graceflow(sc.work.path())
        .arg("check")
        .arg(sc.out().join("replay.yaml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_mock_event_generator_cache_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let g = dir.path().join("cache/S230518h/G1");
    std::fs::create_dir_all(&g).unwrap();
    std::fs::write(
        g.parent().unwrap().join("description.json"),
        r#"{"id": "S230518h", "source": "test", "t_start": 1368449965.0, "t_0": 1368449966.0,
            "t_end": 1368449967.0, "gevent_ids": ["G1"]}"#,
    )
    .unwrap();
    std::fs::write(
        g.join("description.json"),
        r#"{"id": "G1", "source": "test", "pipeline": "gstlal", "group": "CBC",
            "search": "AllSky", "offline": false, "gpstime": 1368449966.0,
            "reporting_latency": 5.0, "superevent": "S230518h", "far": 1e-9,
            "uploads": [{"message": "", "tags": [], "filename": "coinc.xml,0", "delay": 0.0},
                        {"message": "p", "tags": ["p_astro"], "filename": "gstlal.p_astro.json,0", "delay": 4.0}]}"#,
    )
    .unwrap();
    std::fs::copy(coinc(), g.join("coinc.xml,0")).unwrap();
    std::fs::write(g.join("gstlal.p_astro.json,0"), "{}").unwrap();

    let out = dir.path().join("bundle");
    graceflow(dir.path())
        .args([
            "capture",
            "S230518h",
            "--from-cache",
            "cache",
            "--out",
            "bundle",
        ])
        .assert()
        .success();
    let b = Bundle::read(&out).unwrap();
    assert_eq!(b.source, "https://gracedb-test.ligo.org/api/");
    let f = &b.events[0].files[0];
    assert_eq!(f.path, "events/G1/files/v0/coinc.xml");
    assert_eq!(sha256(&out.join(&f.path)), sha256(&coinc()));
    let m: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(out.join("replay.yaml")).unwrap()).unwrap();
    let upload = m["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["write_log"]["file"].is_string())
        .unwrap();
    assert_eq!(upload["after"]["delay"], "4s");

    // A cache and a server at once is a usage error.
    graceflow(dir.path())
        .args([
            "capture",
            "S230518h",
            "--from-cache",
            "cache",
            "--server",
            "test",
        ])
        .args(["--out", "other"])
        .assert()
        .code(2);
}

/// Capture, then replay into two fresh sandboxes at the same chosen time: each replay has the
/// captured events at `t0 + (gpstime − t_0)`, their event files un-shift to the originals
/// byte for byte, the selected uploads arrive with their comments, tags and bytes, and the
/// two replays upload byte-identical files.
#[tokio::test(flavor = "multi_thread")]
async fn a_capture_replays_into_another_sandbox_the_same_every_time() {
    use graceflow::shift::{PayloadKind, ShiftOptions, ShiftTarget, shift_bytes};

    let sc = scene().await;
    sc.capture();
    let replay = sc.out().join("replay.yaml");
    let t0 = 1412345678.25;
    let original = std::fs::read(coinc()).unwrap();
    let reference = shift_bytes(
        &original,
        "coinc.xml",
        PayloadKind::Auto,
        ShiftTarget::By("0".parse().unwrap()),
        &ShiftOptions::default(),
    )
    .unwrap()
    .before;
    let mut uploads_per_run = vec![];
    for n in 0..2 {
        let target = Sandbox::start().await;
        let token = sc.work.path().join(format!("replay-token-{n}"));
        std::fs::write(&token, target.token_with(|_| {}) + "\n").unwrap();
        let journal = sc.work.path().join(format!("replay-{n}.jsonl"));
        let out = graceflow(sc.work.path())
            .arg("run")
            .arg(&replay)
            .args(["--server", &target.url(), "--set", &format!("t0={t0}")])
            .arg("--token-file")
            .arg(&token)
            // Relative to the current directory, which is not the manifest's: the shifted
            // file's path must still reach the step that uploads it.
            .arg("--journal")
            .arg(format!("replay-{n}.jsonl"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");

        let client = target.client();
        let events = crate::harness::all_events(&client, "Test").await;
        assert_eq!(events.len(), 2, "{events:?}");
        let mut times: Vec<f64> = events.iter().map(|e| e.gpstime.unwrap()).collect();
        times.sort_by(f64::total_cmp);
        // The preferred event was 0.289013 s after the captured t_0, the other 1 s later.
        assert!((times[0] - (t0 + 0.289013)).abs() < 1e-5, "{times:?}");
        assert!((times[1] - (t0 + 1.289013)).abs() < 1e-5, "{times:?}");
        let s = crate::harness::all_superevents(&client, "category: Test").await;
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].t_0, t0);
        assert_eq!(s[0].gw_events.len(), 2);

        // The preferred event's file, moved back, is the original byte for byte.
        let preferred = events
            .iter()
            .find(|e| (e.gpstime.unwrap() - times[0]).abs() < 1e-9)
            .unwrap();
        let object = ObjectId::Event(preferred.graceid.clone());
        let dest = sc.work.path().join(format!("back-{n}.xml"));
        let file = graceflow::gracedb::FileRef::parse("coinc.xml,0").unwrap();
        client.download(&object, &file, &dest).await.unwrap();
        let back = shift_bytes(
            &std::fs::read(&dest).unwrap(),
            "coinc.xml",
            PayloadKind::Auto,
            ShiftTarget::To(reference),
            &ShiftOptions::default(),
        )
        .unwrap();
        assert!(back.bytes == original, "the un-shifted event file differs");

        // The products came along with their comments, tags and bytes.
        let logs = client.logs(&object).await.unwrap();
        let sky: Vec<_> = logs
            .iter()
            .filter(|l| l.filename == "bayestar.multiorder.fits")
            .collect();
        assert_eq!(sky.len(), 2, "{logs:?}");
        assert_eq!(sky[0].comment, "sky map");
        assert_eq!(sky[1].comment, ODD);
        assert_eq!(sky[1].tag_names, vec!["sky_loc", "public"]);
        for (name, version) in [
            ("bayestar.multiorder.fits", 0),
            ("bayestar.multiorder.fits", 1),
            ("gstlal.p_astro.json", 0),
        ] {
            let want = &sc
                .uploaded
                .iter()
                .find(|(o, n, v, _)| o == sc.preferred.as_str() && n == name && *v == version)
                .unwrap()
                .3;
            let got = client
                .remote_sha256(
                    &object,
                    &graceflow::gracedb::FileRef {
                        name: name.into(),
                        version: Some(version),
                    },
                )
                .await
                .unwrap();
            assert_eq!(&got, want, "{name},{version}");
        }
        assert!(
            logs.iter().any(|l| l.comment.starts_with("Replay of ")),
            "provenance entry"
        );

        // Every upload of the run, by step and item, with its checksum.
        let j = graceflow::journal::read(&journal).unwrap();
        let uploads: Vec<(String, String)> = j
            .intents()
            .filter_map(|i| {
                let sha = i.request.get("file")?.get("sha256")?.as_str()?.to_owned();
                Some((i.step.clone(), sha))
            })
            .collect();
        uploads_per_run.push(uploads);
    }
    let mut a = uploads_per_run[0].clone();
    let mut b = uploads_per_run[1].clone();
    a.sort();
    b.sort();
    // Two event files and three products.
    assert_eq!(a.len(), 5, "{a:?}");
    assert_eq!(a, b, "two replays at the same t0 upload the same bytes");
}
