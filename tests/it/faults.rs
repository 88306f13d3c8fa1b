use graceflow::gracedb::{ErrorKind, Search};
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
    let found = client
        .search_events(&Search {
            query: "Test".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .collect(None)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
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
