use graceflow::gracedb::ErrorKind;
use graceflow::sandbox::FaultConfig;

use crate::harness::*;

#[tokio::test]
async fn injected_errors_carry_status_and_retry_after() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    sb.running.set_faults(FaultConfig {
        fail_rate: 1.0,
        statuses: vec![503],
        retry_after: true,
        ..Default::default()
    });
    let err = client.user_info().await.unwrap_err();
    match err.kind {
        ErrorKind::Status {
            status,
            retry_after,
            ..
        } => {
            assert_eq!(
                (status, retry_after),
                (503, Some(std::time::Duration::from_secs(1)))
            );
        }
        other => panic!("{other:?}"),
    }
    sb.running.set_faults(FaultConfig::default());
    client.user_info().await.unwrap();
}

#[tokio::test]
async fn a_dropped_response_hides_a_committed_write() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    sb.running.set_faults(FaultConfig {
        drop_rate: 1.0,
        ..Default::default()
    });
    let err = client
        .create_event(&graceflow::gracedb::CreateEvent {
            group: "Test".into(),
            pipeline: "gstlal".into(),
            search: None,
            labels: vec![],
            offline: false,
            file: coinc(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Transport { .. } | ErrorKind::Decode(_)),
        "{err}"
    );
    sb.running.set_faults(FaultConfig::default());
    // The event exists although the client never heard of it.
    let found = all_events(&client, "Test").await;
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn a_reset_connection_loses_a_write_that_never_happened() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    sb.running.set_faults(FaultConfig {
        reset_rate: 1.0,
        ..Default::default()
    });
    let err = client
        .create_event(&graceflow::gracedb::CreateEvent {
            group: "Test".into(),
            pipeline: "gstlal".into(),
            search: None,
            labels: vec![],
            offline: false,
            file: coinc(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Transport { .. } | ErrorKind::Decode(_)),
        "{err}"
    );
    sb.running.set_faults(FaultConfig::default());
    let found = all_events(&client, "Test").await;
    assert!(found.is_empty());
}

#[tokio::test]
async fn faults_can_be_set_over_http() {
    let sb = Sandbox::start().await;
    let url = format!("http://{}/sandbox/faults", sb.running.addr());
    let http = reqwest::Client::new();
    let set: FaultConfig = http
        .put(&url)
        .json(&serde_json::json!({"latency": 50, "fail_rate": 0.0}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(set.latency, std::time::Duration::from_millis(50));
    let t = std::time::Instant::now();
    sb.anonymous().root().await.unwrap();
    assert!(t.elapsed() >= std::time::Duration::from_millis(50));
}

#[tokio::test]
async fn a_refusal_before_the_body_is_read_closes_the_connection() {
    // Regression: the official client reused a connection the server was closing after a 410
    // answered without reading the request body, and saw "Remote end closed connection".
    let sb = Sandbox::start().await;
    let http = reqwest::Client::new();
    let url = format!("{}superevents/TS240519a/voevents/", sb.url());
    let refused = http
        .post(&url)
        .header("User-Agent", "test")
        .bearer_auth(sb.token_with(|_| {}))
        .form(&[("voevent_type", "PR")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 410);
    assert_eq!(
        refused
            .headers()
            .get("connection")
            .map(|v| v.to_str().unwrap()),
        Some("close")
    );
    // A request without a body keeps its connection.
    let root = http
        .get(sb.url())
        .header("User-Agent", "test")
        .send()
        .await
        .unwrap();
    assert!(root.headers().get("connection").is_none());
}

#[tokio::test]
async fn a_server_address_without_the_api_root_gets_a_hint() {
    let sb = Sandbox::start().await;
    let url = format!("http://{}/", sb.running.addr());
    let client = graceflow::gracedb::GraceDb::builder(url).build().unwrap();
    let err = client.user_info().await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(
        err.to_string().contains("GraceDB serves it at …/api/"),
        "{err}"
    );
}
