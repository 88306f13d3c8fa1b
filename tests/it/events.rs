use graceflow::gracedb::{CreateEvent, GraceId, ObjectId, Search};

use crate::harness::*;

#[tokio::test]
async fn root_document_points_at_the_sandbox_under_every_mount() {
    let sb = Sandbox::start().await;
    let client = sb.anonymous();
    let root = client.root().await.unwrap();
    assert!(root.templates.len() >= 30);
    for url in root.templates.values().chain(root.links.values()) {
        assert!(url.starts_with(&sb.url()), "{url}");
    }
    assert!(root.groups.iter().any(|g| g == "Test"));
    assert!(root.labels.iter().any(|l| l == "EM_READY"));
    assert_eq!(root.superevent_categories["T"], "Test");
    for version in ["v1/", "v2/"] {
        let c = graceflow::gracedb::GraceDb::builder(format!("{}{version}", sb.url()))
            .build()
            .unwrap();
        let r = c.root().await.unwrap();
        assert_eq!(
            r.link("events").unwrap(),
            format!("{}{version}events/", sb.url())
        );
    }
}

#[tokio::test]
async fn a_coinc_upload_is_parsed_like_the_server_does() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    let e = test_event(&client, &coinc(), &["INJ", "DQV"]).await;
    assert_eq!(e.graceid.as_str(), "T0001");
    assert_eq!(e.group, "Test");
    assert_eq!(e.gpstime, Some(1400123456.789013));
    assert_eq!(e.far, Some(1.2087635429874553e-08));
    assert_eq!(e.instruments, "H1,L1");
    assert_eq!(e.likelihood, Some(21.39472811926453));
    assert_eq!(e.nevents, Some(2));
    assert_eq!(e.labels, ["INJ", "DQV"]);
    assert_eq!(e.submitter, USER);
    let singles = e.extra_attributes["SingleInspiral"].as_array().unwrap();
    assert_eq!(singles.len(), 2);
    assert_eq!(singles[0]["ifo"], "H1");
    assert_eq!(singles[0]["snr"], 11.304571);
    assert!(singles[1].get("eff_distance").is_none(), "NaN is left out");
    assert_eq!(
        e.extra_attributes["CoincInspiral"]["mchirp"],
        1.194913707627935
    );

    // The same event read back.
    let again = client.event(&e.graceid).await.unwrap();
    assert_eq!(again.gpstime, e.gpstime);
    assert!(again.warnings.is_empty());

    // The server's own log entries and files.
    let logs = client
        .logs(&ObjectId::Event(e.graceid.clone()))
        .await
        .unwrap();
    let comments: Vec<_> = logs
        .iter()
        .map(|l| (l.n, l.comment.as_str(), l.filename.as_str(), l.file_version))
        .collect();
    assert_eq!(
        comments,
        [
            (1, "Original Data", "coinc.xml", Some(0)),
            (2, "Log File Created", "event.log", Some(0)),
            (3, "Coinc Table Created", "coinc.xml", Some(1)),
            (4, "Event created with label: INJ", "", None),
            (5, "Event created with label: DQV", "", None),
        ]
    );
    let files = client
        .files(&ObjectId::Event(e.graceid.clone()))
        .await
        .unwrap();
    let names: Vec<_> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "coinc.xml",
            "coinc.xml,0",
            "coinc.xml,1",
            "event.log",
            "event.log,0"
        ]
    );
}

#[tokio::test]
async fn graceids_follow_group_and_search() {
    let sb = Sandbox::start_with(|c| {
        c.access.grants.insert(
            USER.into(),
            vec!["gstlal".into(), "HardwareInjection".into()],
        );
    })
    .await;
    let client = sb.client();
    let mk = |group: &str, pipeline: &str, search: Option<&str>| CreateEvent {
        group: group.into(),
        pipeline: pipeline.into(),
        search: search.map(Into::into),
        labels: vec![],
        offline: true,
        file: coinc(),
    };
    let mut ids = Vec::new();
    for r in [
        mk("Test", "gstlal", None),
        mk("CBC", "gstlal", Some("AllSky")),
        mk("CBC", "gstlal", Some("MDC")),
        mk("CBC", "HardwareInjection", None),
    ] {
        let e = client.create_event(&r).await.unwrap();
        assert!(e.offline);
        ids.push(e.graceid.to_string());
    }
    assert_eq!(ids, ["T0001", "G0002", "M0003", "H0004"]);
}

#[tokio::test]
async fn replacing_an_event_reparses_it() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    let e = test_event(&client, &coinc(), &[]).await;
    let moved = shifted_coinc(sb.dir.path(), "coinc.xml", 100);
    client.replace_event(&e.graceid, &moved).await.unwrap();
    let after = client.event(&e.graceid).await.unwrap();
    assert_eq!(after.gpstime, Some(1400123556.789013));
    let logs = client
        .logs(&ObjectId::Event(e.graceid.clone()))
        .await
        .unwrap();
    assert!(
        logs.iter()
            .any(|l| l.comment == "Event data replaced by new upload" && l.file_version == Some(2))
    );

    // Only the submitter may replace.
    let other = sb.client_with_token(sb.token_with(|r| r.subject = "someone.else@ligo.org".into()));
    let (status, message) = status_of(other.replace_event(&e.graceid, &moved).await);
    assert_eq!(status, 403);
    assert!(
        message.starts_with("You did not create this event."),
        "{message}"
    );
}

#[tokio::test]
async fn searches_span_pages_and_filter() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    for i in 0..5 {
        let f = shifted_coinc(sb.dir.path(), &format!("c{i}.xml"), i * 1000);
        test_event(&client, &f, if i % 2 == 0 { &["EM_READY"] } else { &[] }).await;
    }
    let all = |q: &str, page: u32| {
        let client = client.clone();
        let q = q.to_owned();
        async move {
            client
                .search_events(&Search {
                    query: q,
                    page_size: Some(page),
                    sort: None,
                })
                .await
                .unwrap()
                .collect(None)
                .await
                .unwrap()
        }
    };
    let found = all("Test", 2).await;
    assert_eq!(found.len(), 5);
    // Newest first.
    assert_eq!(found[0].graceid.as_str(), "T0005");
    // Test events are excluded unless the query names them.
    assert!(all("", 10).await.is_empty());
    assert_eq!(
        all("gpstime: 1400124000 .. 1400127000 Test", 2).await.len(),
        3
    );
    assert_eq!(all("Test EM_READY", 1).await.len(), 3);
    assert_eq!(all("Test ~EM_READY", 1).await.len(), 2);
    assert_eq!(all("T0003", 10).await.len(), 1);
    assert_eq!(all("T0002 .. T0004", 10).await.len(), 3);
    let mut pages = client
        .search_events(&Search {
            query: "Test".into(),
            page_size: Some(2),
            sort: Some("gpstime".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        pages.next().await.unwrap().unwrap().graceid.as_str(),
        "T0001"
    );
    assert_eq!(pages.total(), Some(5));
    let (status, message) = status_of(
        client
            .search_events(&Search {
                query: "colour: red".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .next()
            .await,
    );
    assert_eq!((status, message.as_str()), (400, "Invalid query"));
}

#[tokio::test]
async fn bad_event_uploads_are_refused_with_the_servers_messages() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    let req =
        |group: &str, pipeline: &str, labels: Vec<String>, file: std::path::PathBuf| CreateEvent {
            group: group.into(),
            pipeline: pipeline.into(),
            search: None,
            labels,
            offline: false,
            file,
        };
    let malformed =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ligolw/truncated.xml");
    let (status, message) = status_of(
        client
            .create_event(&req("Test", "gstlal", vec![], malformed))
            .await,
    );
    assert_eq!(status, 400);
    assert!(
        message.starts_with("Problem creating event (Could not read data ("),
        "{message}"
    );

    let (status, message) = status_of(
        client
            .create_event(&req("Test", "gstlal", vec!["NOPE".into()], coinc()))
            .await,
    );
    assert_eq!(
        (status, message.as_str()),
        (
            400,
            "labels: * Select a valid choice. NOPE is not one of the available choices."
        )
    );

    // Non-Test groups need a grant for the pipeline.
    let (status, message) = status_of(
        client
            .create_event(&req("CBC", "gstlal", vec![], coinc()))
            .await,
    );
    assert_eq!(
        (status, message.as_str()),
        (403, "You don't have permission on this pipeline.")
    );

    let (status, message) = status_of(
        client
            .create_event(&req("CBC", "nonesuch", vec![], coinc()))
            .await,
    );
    assert_eq!(
        (status, message.as_str()),
        (400, "Please provide a valid pipeline.")
    );

    let (status, _) = status_of(
        client
            .create_event(&req(
                "Test",
                "gstlal",
                vec![],
                sb.dir.path().join("missing.xml"),
            ))
            .await,
    );
    assert_eq!(status, 0, "a missing local file fails before any request");

    let (status, message) = status_of(client.event(&GraceId::parse("T9999").unwrap()).await);
    assert_eq!((status, message.as_str()), (404, "Event not found."));
    // Nothing was created by the refused uploads.
    assert!(
        client
            .search_events(&Search {
                query: "Test".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .collect(None)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let sb = Sandbox::start_in(dir, |_| {}).await;
    let token = sb.token_with(|_| {});
    let e = test_event(&sb.client(), &coinc(), &["INJ"]).await;
    let Sandbox { dir, running } = sb;
    running.stop().await;
    let sb = Sandbox::start_in(dir, |_| {}).await;
    assert_eq!(sb.dir.path(), path);
    // The same token is still accepted: the issuer key is kept in the data directory.
    let client = sb.client_with_token(token);
    let again = client.event(&e.graceid).await.unwrap();
    assert_eq!(again.labels, ["INJ"]);
    let second = test_event(&client, &coinc(), &[]).await;
    assert_eq!(second.graceid.as_str(), "T0002");
}

#[tokio::test]
async fn clones_of_a_client_share_its_root_document() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    let clone = client.clone();
    client.root().await.unwrap();
    // Only a request the clone makes itself would fetch the root again: none does here.
    let root = clone.root().await.unwrap() as *const _;
    assert_eq!(root, client.root().await.unwrap() as *const _);
}
