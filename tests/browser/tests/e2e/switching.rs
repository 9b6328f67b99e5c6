use crate::harness::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// Switching entities while answers are slow never shows another entity's
/// status, and never enables actions for the wrong entity.
async fn a_slow_answer_never_shows_for_the_next_entity(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID0").await;
    b.wait_status("offline").await;
    b.control(json!({"slow_entity": {"uuid": "UUID2", "ms": 1500}}));

    // Public is slow: until it answers, Checking, not General's Offline.
    b.select_entity("pub", "General > Public").await;
    assert_eq!(b.status().await, "checking");
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);

    // Private is picked before Public's answers come back.
    b.select_entity("priv", "General > Private").await;
    b.wait_status("connection-error").await;
    let watch = Instant::now();
    while watch.elapsed() < Duration::from_secs(8) {
        let status = b.status().await;
        assert!(status == "connection-error", "Private showed {status:?}");
        assert_eq!(b.actions_disabled().await, ALL_DISABLED);
        assert!(
            !b.body_text().await.contains("Computers registered for imaging"),
            "Public's figures shown for Private"
        );
    }
    b.close().await;
}

/// Regression: Chromium held a GET behind a GET of the same URL that a
/// page it left had not seen answered (its HTTP cache lock), so opening an
/// entity again after leaving the page during a slow check showed "Medulla
/// unreachable" once the timeout ran out (REST only: XML-RPC is POST).
/// Requests now bypass the cache.
async fn opening_again_an_entity_left_during_a_slow_check(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID1").await;
    b.wait_status("connection-error").await;
    // From the browser: longer than the request timeout, so that waiting
    // for the check left would fail the test. Through the gateway, one
    // check of an entity runs at a time, whoever asks: coming back joins
    // the check left, whose answer comes when it ends (a check hung past
    // the agent's timeout would answer that it timed out).
    let slow_ms = match t {
        Transport::MmcAgent => 60_000,
        Transport::Rest => 5_000,
    };
    b.control(json!({"slow_entity": {"uuid": "UUID1", "ms": slow_ms}}));
    // On REST, past the second for which the gateway shares a check.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    b.goto("/?entity=UUID1").await;
    b.wait_status("checking").await;
    b.goto("/?entity=UUID0").await;
    b.wait_status("offline").await;
    b.control(json!({"slow_entity": {"uuid": "UUID1", "ms": 0}}));
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    b.goto("/?entity=UUID1").await;
    b.wait_status("connection-error").await;
    b.close().await;
}

async fn deep_link_reload_and_last_choice(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID1").await;
    b.wait_status("connection-error").await;
    let input = b.field("Entity").await;
    assert_eq!(input.prop("value").await.expect("value").as_deref(), Some("General > Private"));

    b.select_entity("pub", "General > Public").await;
    b.wait_status("available").await;
    let url = b.url().await;
    assert!(url.ends_with("/?entity=UUID2"), "{url}");

    // A reload lands on the same entity, still signed in (session cookie).
    b.c.refresh().await.expect("reloaded");
    b.wait_status("available").await;
    assert_eq!(b.field("Entity").await.prop("value").await.expect("value").as_deref(), Some("General > Public"));

    // Without an entity in the link, the last one used comes back.
    b.goto("/").await;
    b.wait_status("available").await;
    assert_eq!(b.field("Entity").await.prop("value").await.expect("value").as_deref(), Some("General > Public"));

    // A link to an entity the user cannot see says so.
    b.goto("/?entity=UUID99").await;
    b.find("//*[@role='alert' and contains(., 'This link names an entity you cannot see: UUID99')]").await;
    // Anything else in the link is not echoed: a link is no way to put words
    // on the screen.
    b.goto("/?entity=Call%20support%20at%20555-0100").await;
    b.find("//*[@role='alert' and contains(., 'This link names no entity you can see.')]").await;
    assert!(!b.body_text().await.contains("555-0100"));
    b.close().await;
}

async fn keyboard_only_selection(t: Transport) {
    let b = open_with(t, |o| o.extra_entities = 300).await;
    b.open_signed_in("/?entity=UUID0").await;
    b.wait_status("offline").await;
    let input = b.field("Entity").await;
    input.click().await.expect("focused");
    // Many entities: the list says how many more there are.
    b.find("//li[contains(., 'more entities are not shown: type to narrow the list')]").await;
    input.send_keys("librar").await.expect("typed");
    // ArrowDown moves to the next match, ArrowUp back; Enter picks.
    input.send_keys(&format!("{ARROW_DOWN}{ARROW_UP}{ENTER}")).await.expect("keys");
    b.wait_status("available").await;
    assert_eq!(input.prop("value").await.expect("value").as_deref(), Some("General > Public > Library"));
    b.close().await;
}

/// The entity list does not wait for a slow first status: through the
/// gateway it waits for the status asked with it at most 250 ms (so that
/// both are drawn in one go), then shows Checking, and another entity can
/// be chosen and shown before the slow one answers.
async fn a_slow_first_status_does_not_hold_the_list(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID0").await;
    b.wait_status("offline").await;
    // Public's imaging server takes 6 s to answer the agent.
    b.control(json!({"slow_server": {"uuid": "UUID2", "ms": 6000}}));
    let loaded = Instant::now();
    b.goto("/?entity=UUID2").await;
    until("the entity selector", || async { b.c.find(fantoccini::Locator::Css("#entity-input")).await.ok() }).await;
    assert!(loaded.elapsed() < Duration::from_secs(4), "the list waited {:?} for Public's status", loaded.elapsed());
    assert_eq!(b.status().await, "checking");
    b.select_entity("priv", "General > Private").await;
    b.wait_status("connection-error").await;
    assert!(loaded.elapsed() < Duration::from_millis(5500), "Private's status came after Public's slow one");
    b.control(json!({"slow_server": {"uuid": "UUID2", "ms": 0}}));
    b.close().await;
}

on_both_transports!(
    a_slow_answer_never_shows_for_the_next_entity,
    a_slow_first_status_does_not_hold_the_list,
    opening_again_an_entity_left_during_a_slow_check,
    deep_link_reload_and_last_choice,
    keyboard_only_selection
);

/// Foreground first: while a check of the selected entity is in flight, the
/// tab sends no background call (it learns the topology of 300 entities
/// here, three calls each, at 100 ms per answer); the learning goes on after
/// the check. Straight to the agent only: through the gateway, the tab
/// learns nothing itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_background_call_while_a_check_is_in_flight() {
    let b = open_with(Transport::MmcAgent, |o| o.extra_entities = 300).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.control(json!({"latency_ms": 100, "latency_browser_only": true}));
    b.control(json!({"slow_server": {"uuid": "UUID2", "ms": 2000}}));
    // Learning is under way (it starts once the first status is shown).
    let learning = ["imaging.doesLocationHasImagingServer", "medulla_server.getLocationParentPath"];
    let learnt = || b.sim.sim.calls(learning[0]) + b.sim.sim.calls(learning[1]);
    let before = learnt();
    until("topology learning", || async { (learnt() > before + 5).then_some(()) }).await;
    let sim = &b.sim.sim;
    let asked = sim.call_log().len();
    b.button("Refresh now").await.click().await.expect("clicked");
    let is_check =
        |c: &medulla_sim::Logged| c.method == "imaging.getGlobalStatus" && c.entity.as_deref() == Some("UUID2");
    let check = until("the check answered", || async {
        sim.call_log().get(asked..)?.iter().find(|c| is_check(c)).filter(|c| c.answered_ms < sim.now_ms()).cloned()
    })
    .await;
    assert!(check.answered_ms - check.at_ms >= 2000, "the check was slow: {check:?}");
    let after = learnt();
    until("learning going on after the check", || async { (learnt() > after + 5).then_some(()) }).await;
    // A call the tab had sent before the check began may arrive a moment
    // after the check's first call: 50 ms of grace.
    let background = |c: &&medulla_sim::Logged| {
        learning.contains(&c.method.as_str())
            || (c.method == "imaging.getImagingServerConfig" && c.entity.as_deref() != Some("UUID2"))
    };
    let log = sim.call_log();
    let during: Vec<_> =
        log.iter().filter(|c| c.at_ms > check.at_ms + 50 && c.at_ms < check.answered_ms).filter(background).collect();
    assert!(during.is_empty(), "background calls sent during the check: {during:?}");
    let around = log.iter().filter(|c| c.at_ms + 2000 > check.at_ms && c.at_ms < check.answered_ms + 2000);
    assert!(around.filter(background).count() > 5, "learning was going on around the check");
    b.close().await;
}
