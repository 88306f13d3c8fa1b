use std::path::Path;

use graceflow::gracedb::{Applied, Category, CreateSuperevent, FileRef, ObjectId, WriteLog};
use sha2::{Digest, Sha256};

use crate::harness::*;

async fn objects(sb: &Sandbox) -> (ObjectId, ObjectId) {
    let client = sb.client();
    let e = test_event(&client, &coinc(), &[]).await;
    let s = client
        .create_superevent(&CreateSuperevent {
            t_start: 1400123455.0,
            t_0: 1400123456.0,
            t_end: 1400123457.0,
            preferred_event: e.graceid.clone(),
            category: Category::Test,
            events: vec![],
            labels: vec![],
        })
        .await
        .unwrap();
    (
        ObjectId::Event(e.graceid),
        ObjectId::Superevent(s.superevent_id),
    )
}

fn sha(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn logs_with_files_tags_and_versions_on_both_kinds() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    let (event, superevent) = objects(&sb).await;
    let work = sb.dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    for object in [&event, &superevent] {
        let first = work.join("skymap.fits.gz");
        std::fs::write(&first, b"\x1f\x8b first version \x00\xff binary").unwrap();
        let a = client
            .write_log(
                object,
                &WriteLog {
                    comment: "sky map".into(),
                    file: Some(first.clone()),
                    tags: vec!["sky_loc".into(), "em_follow".into()],
                    display_names: vec!["Sky localization".into(), "EM follow-up".into()],
                    label: Some("SKYMAP_READY".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (a.filename.as_str(), a.file_version),
            ("skymap.fits.gz", Some(0))
        );
        assert_eq!(a.tag_names, ["sky_loc", "em_follow"]);
        let second = work.join("second/skymap.fits.gz");
        std::fs::create_dir_all(second.parent().unwrap()).unwrap();
        std::fs::write(&second, vec![7u8; 300_000]).unwrap();
        let b = client
            .write_log(
                object,
                &WriteLog {
                    comment: "updated sky map".into(),
                    file: Some(second.clone()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(b.file_version, Some(1));
        assert!(
            b.n > a.n + 2,
            "tag and label entries come between: {} {}",
            a.n,
            b.n
        );
        let plain = client
            .write_log(
                object,
                &WriteLog {
                    comment: "just words".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (
                plain.filename.as_str(),
                plain.file_version,
                plain.file.as_deref()
            ),
            ("", None, None)
        );

        assert_eq!(client.log(object, a.n).await.unwrap().comment, "sky map");
        let all = client.logs(object).await.unwrap();
        assert!(all.iter().any(|l| l.comment.starts_with("Tagged message")));
        let tags = client.tags(object, a.n).await.unwrap();
        assert_eq!(tags[0].display_name.as_deref(), Some("Sky localization"));
        assert!(
            client
                .labels(object)
                .await
                .unwrap()
                .iter()
                .any(|l| l.name == "SKYMAP_READY")
        );

        // Downloads, byte for byte, by version and latest.
        for (name, expected) in [
            ("skymap.fits.gz,0", &first),
            ("skymap.fits.gz,1", &second),
            ("skymap.fits.gz", &second),
        ] {
            let dest = work.join("download");
            let d = client
                .download(object, &FileRef::parse(name).unwrap(), &dest)
                .await
                .unwrap();
            assert_eq!(d.sha256, sha(expected), "{object} {name}");
            assert_eq!(d.size, std::fs::metadata(expected).unwrap().len());
        }
        let files = client.files(object).await.unwrap();
        assert!(files.contains_key("skymap.fits.gz,1") && files.contains_key("skymap.fits.gz"));
        let (status, _) = status_of(
            client
                .download(
                    object,
                    &FileRef::parse("nope.txt").unwrap(),
                    &work.join("x"),
                )
                .await,
        );
        assert_eq!(status, 404);
        assert!(!work.join("x").exists(), "no partial file is left behind");
    }
}

#[tokio::test]
async fn labels_and_tags_are_idempotent_on_both_kinds() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    let (event, superevent) = objects(&sb).await;
    for object in [&event, &superevent] {
        assert_eq!(
            client.add_label(object, "DQV").await.unwrap(),
            Applied::Added
        );
        assert_eq!(
            client.add_label(object, "DQV").await.unwrap(),
            Applied::AlreadyPresent
        );
        assert_eq!(
            client
                .labels(object)
                .await
                .unwrap()
                .iter()
                .map(|l| l.name.as_str())
                .collect::<Vec<_>>(),
            ["DQV"]
        );
        client.remove_label(object, "DQV").await.unwrap();
        assert!(client.labels(object).await.unwrap().is_empty());
        let (status, _) = status_of(client.remove_label(object, "DQV").await);
        assert_eq!(status, 404);
        let (status, message) = status_of(client.add_label(object, "NOT_A_LABEL").await);
        assert_eq!(status, 400);
        assert!(message.contains("NOT_A_LABEL"), "{message}");

        let log = client
            .write_log(
                object,
                &WriteLog {
                    comment: "to tag".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            client
                .add_tag(object, log.n, "analyst_comments", None)
                .await
                .unwrap(),
            Applied::Added
        );
        assert_eq!(
            client
                .add_tag(object, log.n, "analyst_comments", None)
                .await
                .unwrap(),
            Applied::AlreadyPresent
        );
        assert_eq!(
            client.tags(object, log.n).await.unwrap()[0].name,
            "analyst_comments"
        );
        client
            .remove_tag(object, log.n, "analyst_comments")
            .await
            .unwrap();
        assert!(client.tags(object, log.n).await.unwrap().is_empty());
        let (status, _) = status_of(client.add_tag(object, log.n, "bad tag!", None).await);
        assert_eq!(status, 400);
        let (status, _) = status_of(client.log(object, 999).await);
        assert_eq!(status, 404);
    }
}

#[tokio::test]
async fn gzip_encoded_downloads_are_decoded() {
    let sb = Sandbox::start_with(|c| c.gzip_downloads = true).await;
    let client = sb.client();
    let (event, _) = objects(&sb).await;
    let file = sb.dir.path().join("notes.txt");
    std::fs::write(
        &file,
        "plain text that the server sends gzip-encoded\n".repeat(100),
    )
    .unwrap();
    client
        .write_log(
            &event,
            &WriteLog {
                comment: "notes".into(),
                file: Some(file.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let dest = sb.dir.path().join("back.txt");
    client
        .download(&event, &FileRef::parse("notes.txt").unwrap(), &dest)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), std::fs::read(&file).unwrap());
}

#[tokio::test]
async fn a_large_upload_streams_through() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    let (_, superevent) = objects(&sb).await;
    let big = sb.dir.path().join("big.data");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        for i in 0..(48u32 * 1024) {
            f.write_all(&[(i % 251) as u8; 1024]).unwrap();
        }
    }
    let log = client
        .write_log(
            &superevent,
            &WriteLog {
                comment: "48 MiB".into(),
                file: Some(big.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(log.file_version, Some(0));
    let d = client
        .download(
            &superevent,
            &FileRef::parse("big.data,0").unwrap(),
            &sb.dir.path().join("big.back"),
        )
        .await
        .unwrap();
    assert_eq!((d.size, d.sha256), (48 * 1024 * 1024, sha(&big)));
}
