use graceflow::auth::{Credential, Token};
use graceflow::gracedb::{GraceDb, ObjectId, WriteLog};

use crate::harness::*;

const NO_CREDENTIALS: &str = "Authentication credentials were not provided.";

/// The raw answer to a write, to see the sandbox's diagnostic header.
async fn raw_write(sb: &Sandbox, token: &str) -> (u16, Option<String>, String) {
    let resp = reqwest::Client::new()
        .post(format!("{}superevents/", sb.url()))
        .header("User-Agent", "test")
        .bearer_auth(token)
        .form(&[("category", "T")])
        .send()
        .await
        .unwrap();
    let why = resp
        .headers()
        .get(graceflow::sandbox::REJECTION_HEADER)
        .map(|v| v.to_str().unwrap().to_owned());
    (resp.status().as_u16(), why, resp.text().await.unwrap())
}

#[tokio::test]
async fn rejected_tokens_leave_the_caller_anonymous_as_on_the_real_server() {
    let sb = Sandbox::start().await;
    type Mutation = Box<dyn Fn(&mut graceflow::sandbox::TokenRequest)>;
    let cases: [(&str, Mutation, &str); 4] = [
        ("expired", Box::new(|r| r.lifetime = -60), "token expired"),
        (
            "wrong audience",
            Box::new(|r| r.audience = "https://gracedb.ligo.org".into()),
            "audience",
        ),
        (
            "wrong scope",
            Box::new(|r| r.scope = "gracedb.write".into()),
            "scope",
        ),
        (
            "not yet valid",
            Box::new(|r| r.not_before = 3600),
            "not valid yet",
        ),
    ];
    for (what, f, reason) in cases {
        let token = sb.token_with(f);
        let client = sb.client_with_token(token.clone());
        assert!(client.user_info().await.unwrap().is_anonymous(), "{what}");
        let (status, message) = status_of(
            client
                .write_log(
                    &ObjectId::parse("T0001").unwrap(),
                    &WriteLog {
                        comment: "x".into(),
                        ..Default::default()
                    },
                )
                .await,
        );
        assert_eq!((status, message.as_str()), (403, NO_CREDENTIALS), "{what}");
        let (status, why, _) = raw_write(&sb, &token).await;
        assert_eq!(status, 403);
        assert!(why.unwrap().contains(reason), "{what}");
    }
    // A token from another issuer.
    let other = Sandbox::start().await;
    let foreign = other.token_with(|_| {});
    assert!(
        sb.client_with_token(foreign)
            .user_info()
            .await
            .unwrap()
            .is_anonymous()
    );
    // The audience the sandbox expects is scheme://host with the port dropped.
    let exact = sb.token_with(|r| r.audience = "http://127.0.0.1".into());
    assert_eq!(
        sb.client_with_token(exact)
            .user_info()
            .await
            .unwrap()
            .username,
        USER
    );
}

#[tokio::test]
async fn anonymous_callers_read_only_public_things() {
    let sb = Sandbox::start().await;
    let anon = sb.anonymous();
    assert!(anon.user_info().await.unwrap().is_anonymous());
    anon.root().await.unwrap();
    let (status, message) = status_of(
        anon.event(&graceflow::gracedb::GraceId::parse("T0001").unwrap())
            .await,
    );
    assert_eq!((status, message.as_str()), (403, NO_CREDENTIALS));
    let (status, message) = status_of(
        anon.create_event(&graceflow::gracedb::CreateEvent {
            group: "Test".into(),
            pipeline: "gstlal".into(),
            search: None,
            labels: vec![],
            offline: false,
            file: coinc(),
        })
        .await,
    );
    assert_eq!((status, message.as_str()), (403, NO_CREDENTIALS));
}

#[tokio::test]
async fn basic_auth_for_configured_users() {
    let sb = Sandbox::start().await;
    let info = sb.basic("alice", "secret").user_info().await.unwrap();
    assert_eq!(
        (info.username.as_str(), info.is_internal_user),
        ("alice", Some(true))
    );
    let (status, message) = status_of(sb.basic("alice", "wrong").user_info().await);
    assert_eq!(
        (status, message.as_str()),
        (403, "Invalid username/password.")
    );
    test_event(&sb.basic("alice", "secret"), &coinc(), &[]).await;
}

#[tokio::test]
async fn user_info_describes_the_token_user_and_grants() {
    let sb = Sandbox::start_with(|c| {
        c.access.grants.insert(USER.into(), vec!["gstlal".into()]);
    })
    .await;
    let info = sb.client().user_info().await.unwrap();
    assert_eq!(info.username, USER);
    assert_eq!(info.upload_to_pipeline, ["gstlal"]);
}

#[tokio::test]
async fn the_client_never_sends_a_secret_in_clear_to_a_remote_host() {
    let client = GraceDb::builder("http://gracedb.example.org/api/")
        .credential(Credential::Bearer(Token::new("secret-token-value")))
        .build()
        .unwrap();
    let err = client.root().await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("refusing to send a credential over plain http"),
        "{text}"
    );
    assert!(!text.contains("secret-token-value"));
}

#[tokio::test]
async fn old_official_clients_are_turned_away_by_the_version_gate() {
    let sb = Sandbox::start().await;
    let resp = reqwest::Client::new()
        .get(sb.url())
        .header("User-Agent", "gracedb-client/1.29")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("(1.29) is not supported")
    );
}
