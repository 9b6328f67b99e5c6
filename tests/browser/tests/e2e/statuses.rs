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
            // Requests sent together must arrive within half of it to
            // count as one round: 400 ms leaves a loaded machine's browser
            // 200 ms to send them (100 ms, before, was once too little for
            // Firefox sending five).
            b.control(serde_json::json!({"latency_ms": 400}));
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

/// The text of `xpath`, waited for until `wanted` holds.
async fn text_until(b: &Browser, xpath: &str, wanted: impl Fn(&str) -> bool) -> String {
    let what = format!("{xpath} as expected");
    until(&what, || async {
        let text = b.c.find(fantoccini::Locator::XPath(xpath)).await.ok()?.text().await.ok()?;
        wanted(&text).then_some(text)
    })
    .await
}

/// Every status says since when it holds; a server that stops answering
/// leaves its last figures on screen, greyed and said not live, and
/// imaging stays disabled. The gateway keeps both across page loads.
async fn since_when_and_the_last_known_figures(t: Transport) {
    let b = open(t).await;
    // A dead imaging server's check ends soon (the agent's 30 s wait, cut).
    b.control(serde_json::json!({"connect_timeout_ms": 300}));
    // On REST the early Offline comes from the gateway's check in progress:
    // its "since" comes with the next poll, once that check has ended.
    b.configure(serde_json::json!({"poll_seconds": 5}));
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    let since = "//p[@class='status__since']";
    let first = text_until(&b, since, |t| t.starts_with("Available since at least ")).await;
    assert!(first.contains("the first check already found it so"), "{first}");
    b.find("//section[@data-live='true']/h2[.='Imaging server figures']").await;

    // Its host goes down: Offline at once from its relay (no "since" until
    // the check ends), then since the check that saw it.
    b.control(serde_json::json!({"entity": "UUID2", "status": "offline"}));
    b.button("Refresh now").await.click().await.expect("clicked");
    b.wait_status("offline").await;
    let changed = text_until(&b, since, |t| t.starts_with("Offline since ")).await;
    assert!(!changed.contains("at least") && changed.contains("less than a minute"), "{changed}");
    let last = b.find("//section[@data-live='false']").await.text().await.expect("last figures");
    for words in
        ["Last known figures of the imaging server", "Read at", "they are not live", "42 (7 with a custom boot menu)"]
    {
        assert!(last.contains(words), "{words:?} missing from:\n{last}");
    }
    assert!(!last.contains("Recent activity"), "no past activity shown as recent:\n{last}");
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    let violations = b.axe_violations().await;
    assert!(violations.is_empty(), "axe-core, last known figures:\n{}", violations.join("\n"));

    // In French and the dark theme, after a reload: the gateway still knows
    // since when, and the last figures; the tab alone starts over (since
    // at least now).
    b.configure(serde_json::json!({"language": "fr", "poll_seconds": 5}));
    b.goto("/?theme=dark&entity=UUID2").await;
    b.wait_status("offline").await;
    let reloaded = text_until(&b, since, |t| t.starts_with("Hors ligne depuis ")).await;
    match t {
        Transport::Rest => {
            assert!(!reloaded.contains("au moins"), "{reloaded}");
            let last = b.find("//section[@data-live='false']").await.text().await.expect("last figures");
            assert!(
                last.contains("Derniers chiffres connus du serveur d’imaging") && last.contains("Relevés à"),
                "{last}"
            );
            let violations = b.axe_violations().await;
            assert!(violations.is_empty(), "axe-core, dark, French:\n{}", violations.join("\n"));
        }
        Transport::MmcAgent => assert!(reloaded.contains("depuis au moins"), "{reloaded}"),
    }

    b.control(serde_json::json!({"entity": "UUID2", "status": "available"}));
    b.button("Actualiser").await.click().await.expect("clicked");
    b.wait_status("available").await;
    let back = text_until(&b, since, |t| t.starts_with("Disponible depuis ")).await;
    assert!(!back.contains("au moins"), "a change seen: {back}");
    b.find("//section[@data-live='true']").await;
    let actions = b.c.find_all(fantoccini::Locator::Css("button[data-action]")).await.expect("actions");
    let disabled = b.c.find_all(fantoccini::Locator::Css("button[data-action]:disabled")).await.expect("disabled");
    assert_eq!((actions.len(), disabled.len()), (4, 0), "every action enabled again");
    b.close().await;
}

/// A first check of Library, whose server is Public's, over XML-RPC: its
/// verdict is on screen before Medulla's counts for Public, which are said
/// to be on their way (never shown as 0), then read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inherited_server_s_verdict_comes_before_its_counts() {
    let b = open(Transport::MmcAgent).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.control(serde_json::json!({"latency_ms": 1500, "latency_browser_only": true}));
    // A reload: the tab knows nothing of Library yet.
    b.goto("/?entity=UUID3").await;
    let counting = "//section[@data-entity='UUID3']/dl[@class='counts' and @aria-busy='true']";
    b.find(counting).await;
    assert_eq!(b.status().await, "available");
    let text = b.body_text().await;
    assert!(text.contains("Counting…") && text.contains("Reading the recent activity…"), "{text}");
    assert!(text.contains("those Medulla records for General > Public"), "whose counts they will be:\n{text}");
    b.find("//section[@data-entity='UUID3']/dl[@class='counts' and @aria-busy='false']").await;
    let text = b.body_text().await;
    assert!(!text.contains("Counting…") && text.contains("Recent activity"), "{text}");
    b.close().await;
}

on_both_transports!(
    since_when_and_the_last_known_figures,
    polling_pauses_while_the_page_is_hidden,
    one_check_costs_a_known_number_of_calls,
    the_three_statuses_of_the_user_documentation,
    inherited_server_and_entity_without_server,
    status_follows_the_server_by_polling
);
