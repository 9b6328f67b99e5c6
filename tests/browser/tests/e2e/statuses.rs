use crate::harness::*;

async fn the_three_statuses_of_the_user_documentation(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/").await;
    // The root entity, "General", is first: its server is Offline.
    b.wait_status("offline").await;
    assert_eq!(b.status_title().await, "Offline");
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    assert!(b.body_text().await.contains("Last checked"));

    b.select_entity("priv", "General > Private").await;
    b.wait_status("connection-error").await;
    assert_eq!(b.status_title().await, "Connection error");
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);

    b.select_entity("pub", "General > Public").await;
    b.wait_status("available").await;
    assert_eq!(b.status_title().await, "Available");
    assert_eq!(b.actions_disabled().await, ALL_ENABLED);
    let text = b.body_text().await;
    for figure in [
        "Computers registered for imaging",
        "42 (7 with a custom boot menu)",
        "Computers with a rescue image",
        "Masters available",
        "Image store",
        "Memory",
        "/var/lib/medulla/masters",
        "Uptime",
        "Recent activity",
        "pc-lab-",
    ] {
        assert!(text.contains(figure), "{figure:?} missing from:\n{text}");
    }
    b.close().await;
}

async fn inherited_server_and_entity_without_server(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/").await;
    b.select_entity("libr", "General > Public > Library").await;
    b.wait_status("available").await;
    let text = b.body_text().await;
    assert!(text.contains("Served by the imaging server of General > Public"), "{text}");
    assert_eq!(b.actions_disabled().await, ALL_ENABLED);

    // General's server is not recursive, so it does not serve Workshop.
    b.select_entity("work", "General > Workshop").await;
    b.wait_status("not-linked").await;
    assert_eq!(b.status_title().await, "No imaging server linked");
    assert!(b.body_text().await.contains("link an imaging server to this entity"));
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    assert!(!b.body_text().await.contains("Served by"));
    b.close().await;
}

/// What one check costs Medulla, counted: once the tab has learnt what
/// serves each entity (in the background, after the first status), a
/// refresh is one round trip, with or without an inherited server: 5 agent
/// calls (the server Medulla resolves for the entity now, the server's
/// status, the relay list, custom menus, activity) or 2 REST requests
/// (status, activity).
async fn one_check_costs_a_known_number_of_calls(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    let protocol = match t {
        Transport::MmcAgent => "XML-RPC",
        Transport::Rest => "REST",
    };
    let calls_of_a_refresh = |entity: &'static str| {
        let b = &b;
        async move {
            b.goto(&format!("/?entity={entity}")).await;
            b.wait_status("available").await;
            // The background learning over: no call for a second.
            b.quiet(protocol).await;
            b.control(serde_json::json!({"latency_ms": 100}));
            let (calls, rounds) = (b.sim.sim.calls(protocol), b.sim.sim.rounds(protocol));
            b.button("Refresh now").await.click().await.expect("clicked");
            until("the refresh to end", || async { (!b.disabled("Refresh now").await).then_some(()) }).await;
            b.wait_status("available").await;
            b.control(serde_json::json!({"latency_ms": 0}));
            (b.sim.sim.calls(protocol) - calls, b.sim.sim.rounds(protocol) - rounds)
        }
    };
    let calls = match t {
        Transport::MmcAgent => 5,
        Transport::Rest => 2,
    };
    assert_eq!(calls_of_a_refresh("UUID2").await, (calls, 1), "Public, its own server");
    assert_eq!(calls_of_a_refresh("UUID3").await, (calls, 1), "Library, served by Public");
    b.close().await;
}

/// No polling while the browser tab is hidden; a check as soon as it shows.
async fn polling_pauses_while_the_page_is_hidden(t: Transport) {
    let b = open(t).await;
    b.configure(serde_json::json!({"poll_seconds": 5}));
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    let hide = |hidden: bool| {
        let script = format!("Object.defineProperty(document, 'hidden', {{configurable: true, get: () => {hidden}}})");
        let c = b.c.clone();
        async move { c.execute(&script, vec![]).await.expect("visibility set") }
    };
    hide(true).await;
    let before = b.sim.sim.calls("imaging.getGlobalStatus");
    // Three poll periods and more.
    tokio::time::sleep(std::time::Duration::from_secs(16)).await;
    assert_eq!(b.sim.sim.calls("imaging.getGlobalStatus"), before, "polled while hidden");
    hide(false).await;
    until("a check once visible", || async { (b.sim.sim.calls("imaging.getGlobalStatus") > before).then_some(()) })
        .await;
    b.close().await;
}

async fn status_follows_the_server_by_polling(t: Transport) {
    let b = open(t).await;
    b.configure(serde_json::json!({"poll_seconds": 5}));
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.control(serde_json::json!({"entity": "UUID2", "status": "connection_error"}));
    // No click: the next poll shows it.
    b.wait_status("connection-error").await;
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    b.control(serde_json::json!({"entity": "UUID2", "status": "available"}));
    b.wait_status("available").await;
    assert_eq!(b.actions_disabled().await, ALL_ENABLED);
    b.close().await;
}

on_both_transports!(
    polling_pauses_while_the_page_is_hidden,
    one_check_costs_a_known_number_of_calls,
    the_three_statuses_of_the_user_documentation,
    inherited_server_and_entity_without_server,
    status_follows_the_server_by_polling
);
