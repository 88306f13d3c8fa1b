use graceflow::gracedb::{
    Category, CreateSuperevent, GraceId, ObjectId, Search, SupereventId, UpdateSuperevent,
};

use crate::harness::*;

fn window(preferred: &GraceId, t_0: f64) -> CreateSuperevent {
    CreateSuperevent {
        t_start: t_0 - 1.0,
        t_0,
        t_end: t_0 + 1.0,
        preferred_event: preferred.clone(),
        category: Category::Test,
        events: vec![],
        labels: vec![],
    }
}

#[tokio::test]
async fn superevent_ids_follow_the_date_of_t0() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    let mut ids = Vec::new();
    // GPS 1400123456 is 2024-05-19 03:10:38 UTC.
    for t_0 in [1400123456.5, 1400123500.25, 1400209856.0] {
        let f = sb.dir.path().join(format!("{t_0}.xml"));
        std::fs::copy(coinc(), &f).unwrap();
        let e = test_event(&client, &f, &[]).await;
        let s = client
            .create_superevent(&window(&e.graceid, t_0))
            .await
            .unwrap();
        assert_eq!(s.category, "Test");
        assert_eq!(s.t_0, t_0);
        assert_eq!(s.preferred_event.as_ref(), Some(&e.graceid));
        assert_eq!(s.gw_events, [e.graceid.to_string()]);
        ids.push(s.superevent_id.to_string());
        // The event knows its superevent.
        assert_eq!(
            client
                .event(&e.graceid)
                .await
                .unwrap()
                .superevent
                .as_deref(),
            Some(ids.last().unwrap().as_str())
        );
    }
    assert_eq!(ids, ["TS240519a", "TS240519b", "TS240520a"]);
}

#[tokio::test]
async fn update_membership_and_confirmation() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    let a = test_event(&client, &coinc(), &[]).await;
    let b = test_event(&client, &coinc(), &[]).await;
    let c = test_event(&client, &coinc(), &[]).await;
    let mut req = window(&a.graceid, 1400123456.789013);
    req.events = vec![b.graceid.clone()];
    req.labels = vec!["EM_READY".into()];
    let s = client.create_superevent(&req).await.unwrap();
    let sid = s.superevent_id.clone();
    assert_eq!(s.gw_events, ["T0001", "T0002"]);
    assert_eq!(s.labels, ["EM_READY"]);

    // PATCH changes only what differs; nothing to change is an error.
    let u = client
        .update_superevent(
            &sid,
            &UpdateSuperevent {
                t_0: Some(1400123457.0),
                preferred_event: Some(b.graceid.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (u.t_0, u.preferred_event.as_ref()),
        (1400123457.0, Some(&b.graceid))
    );
    let (status, message) = status_of(
        client
            .update_superevent(
                &sid,
                &UpdateSuperevent {
                    t_0: Some(1400123457.0),
                    ..Default::default()
                },
            )
            .await,
    );
    assert_eq!(
        (status, message.as_str()),
        (400, "Request would not modify the superevent")
    );

    client
        .add_event_to_superevent(&sid, &c.graceid)
        .await
        .unwrap();
    let (status, message) = status_of(client.add_event_to_superevent(&sid, &c.graceid).await);
    assert_eq!(
        (status, message.as_str()),
        (400, "Event T0003 is already assigned to a Superevent")
    );
    client
        .remove_event_from_superevent(&sid, &a.graceid)
        .await
        .unwrap();
    let (status, message) = status_of(client.remove_event_from_superevent(&sid, &b.graceid).await);
    assert_eq!(status, 400);
    assert!(
        message.contains("because it is the preferred event"),
        "{message}"
    );
    assert_eq!(
        client.superevent(&sid).await.unwrap().gw_events,
        ["T0002", "T0003"]
    );

    let confirmed = client.confirm_as_gw(&sid, None).await.unwrap();
    assert_eq!(confirmed.superevent_id, sid);
    assert_eq!(confirmed.gw_id.as_deref(), Some("TGW240519A"));
    let by_gw = client
        .superevent(&SupereventId::parse("TGW240519A").unwrap())
        .await
        .unwrap();
    assert_eq!(by_gw.superevent_id, sid);
    let (status, message) = status_of(client.confirm_as_gw(&sid, None).await);
    assert_eq!(
        (status, message.as_str()),
        (400, "Superevent is already confirmed as a GW")
    );
    assert_eq!(
        client
            .event(&b.graceid)
            .await
            .unwrap()
            .superevent
            .as_deref(),
        Some("TGW240519A")
    );

    // The superevent's own log tells the story.
    let logs = client
        .logs(&ObjectId::Superevent(sid.clone()))
        .await
        .unwrap();
    assert!(
        logs[0].comment.starts_with(
            "Superevent created with t_start=1400123455.789013, t_0=1400123456.789013"
        ),
        "{}",
        logs[0].comment
    );
    assert!(logs.iter().any(|l| l.comment
        == "Confirmed as a gravitational wave: ID changed from TS240519a -> TGW240519A"));
}

#[tokio::test]
async fn category_and_permission_rules() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    let e = test_event(&client, &coinc(), &[]).await;
    let mut prod = window(&e.graceid, 1400123456.0);
    prod.category = Category::Production;
    // Production superevents need a manager; a manager then meets the category rule.
    let (status, message) = status_of(client.create_superevent(&prod).await);
    assert_eq!(
        (status, message.as_str()),
        (403, "You are not allowed to create superevents.")
    );
    let (status, message) = status_of(sb.manager().create_superevent(&prod).await);
    assert_eq!(
        (status, message.as_str()),
        (
            400,
            "Event T0001 is of type 'Test', and cannot be assigned to a superevent of type 'Production'"
        )
    );
    client
        .create_superevent(&window(&e.graceid, 1400123456.0))
        .await
        .unwrap();
    let (status, message) = status_of(
        client
            .create_superevent(&window(&e.graceid, 1400123456.0))
            .await,
    );
    assert_eq!(
        (status, message.as_str()),
        (400, "Event T0001 is already assigned to a Superevent")
    );
    let (status, message) = status_of(
        client
            .create_superevent(&window(&GraceId::parse("T0099").unwrap(), 1400123456.0))
            .await,
    );
    assert_eq!(
        (status, message.as_str()),
        (400, "Event with graceid T0099 does not exist.")
    );
    let (status, _) = status_of(
        client
            .superevent(&SupereventId::parse("TS240519z").unwrap())
            .await,
    );
    assert_eq!(status, 404);
}

#[tokio::test]
async fn superevent_search_pages_and_categories() {
    let sb = Sandbox::start().await;
    let client = sb.client();
    for i in 0..5 {
        let e = test_event(&client, &coinc(), &[]).await;
        client
            .create_superevent(&window(&e.graceid, 1400123456.0 + 86400.0 * i as f64))
            .await
            .unwrap();
    }
    let search = |q: &str| Search {
        query: q.into(),
        page_size: Some(2),
        sort: None,
    };
    let all = client
        .search_superevents(&search("category: Test"))
        .await
        .unwrap()
        .collect(None)
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].superevent_id.as_str(), "TS240523a", "newest first");
    // Without a category term a query finds Production superevents only; an empty one finds all.
    assert!(
        client
            .search_superevents(&search("t_0: 1400000000 .. 1500000000"))
            .await
            .unwrap()
            .collect(None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        client
            .search_superevents(&search(""))
            .await
            .unwrap()
            .collect(None)
            .await
            .unwrap()
            .len(),
        5
    );
    let some = client
        .search_superevents(&search("category: Test t_0: 1400123000 .. 1400300000"))
        .await
        .unwrap()
        .collect(None)
        .await
        .unwrap();
    assert_eq!(some.len(), 3);
    assert_eq!(
        client
            .search_superevents(&search("TS240521a"))
            .await
            .unwrap()
            .collect(Some(10))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn signoffs_swap_request_and_result_labels() {
    let sb = Sandbox::start().await;
    let (client, manager) = (sb.client(), sb.manager());
    let e = test_event(&client, &coinc(), &[]).await;
    let s = client
        .create_superevent(&window(&e.graceid, 1400123456.0))
        .await
        .unwrap();
    let sid = s.superevent_id.clone();
    let obj = ObjectId::Superevent(sid.clone());
    let adv = graceflow::gracedb::SignoffKey {
        signoff_type: "advocate".into(),
        instrument: String::new(),
    };
    let (status, message) = status_of(manager.create_signoff(&sid, &adv, "OK", "looks good").await);
    assert_eq!(
        (status, message.as_str()),
        (
            400,
            "ADV signoff not requested for superevent TS240519a: label 'ADVREQ' not present."
        )
    );
    client.add_label(&obj, "ADVREQ").await.unwrap();
    let (status, _) = status_of(
        client
            .create_signoff(&sid, &adv, "OK", "not mine to give")
            .await,
    );
    assert_eq!(status, 403);
    let so = manager
        .create_signoff(&sid, &adv, "OK", "looks good")
        .await
        .unwrap();
    assert_eq!(
        (so.signoff_type.as_str(), so.status.as_str()),
        ("ADV", "OK")
    );
    assert_eq!(client.superevent(&sid).await.unwrap().labels, ["ADVOK"]);
    manager
        .update_signoff(&sid, &adv, Some("NO"), None)
        .await
        .unwrap();
    assert_eq!(client.superevent(&sid).await.unwrap().labels, ["ADVNO"]);
    assert_eq!(manager.signoffs(&sid).await.unwrap().len(), 1);
    manager.delete_signoff(&sid, &adv).await.unwrap();
    assert_eq!(client.superevent(&sid).await.unwrap().labels, ["ADVREQ"]);
    assert!(manager.signoffs(&sid).await.unwrap().is_empty());
}

#[tokio::test]
async fn expose_and_hide_control_anonymous_access() {
    let sb = Sandbox::start().await;
    let (client, manager, anon) = (sb.client(), sb.manager(), sb.anonymous());
    let e = test_event(&client, &coinc(), &[]).await;
    let sid = client
        .create_superevent(&window(&e.graceid, 1400123456.0))
        .await
        .unwrap()
        .superevent_id;
    let (status, _) = status_of(anon.superevent(&sid).await);
    assert_eq!(status, 404);
    let (status, message) = status_of(client.expose(&sid).await);
    assert_eq!(
        (status, message.as_str()),
        (403, "You are not allowed to expose superevents.")
    );
    assert_eq!(manager.expose(&sid).await.unwrap().len(), 3);
    assert_eq!(manager.expose(&sid).await.unwrap().len(), 3, "idempotent");
    assert_eq!(manager.permissions(&sid).await.unwrap().len(), 3);
    let public = anon.superevent(&sid).await.unwrap();
    assert!(
        public.preferred_event.is_none() && public.gw_events.is_empty(),
        "reduced view for anonymous callers"
    );
    assert!(manager.hide(&sid).await.unwrap().is_empty());
    let (status, _) = status_of(anon.superevent(&sid).await);
    assert_eq!(status, 404);
}
