use crate::harness::*;
use serde_json::json;

async fn session_expiry_then_sign_in_again_keeps_the_entity(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.control(json!({"expire_sessions": true}));
    b.button("Refresh now").await.click().await.expect("clicked");
    b.wait_status("signed-out").await;
    assert_eq!(b.status_title().await, "Signed out");
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    assert!(!b.body_text().await.contains("Computers registered for imaging"));

    b.sign_in_as(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await;
    b.wait_status("available").await;
    assert_eq!(b.field("Entity").await.prop("value").await.expect("value").as_deref(), Some("General > Public"));
    assert_eq!(b.actions_disabled().await, ALL_ENABLED);
    b.close().await;
}

async fn a_wrong_password_is_said_and_not_kept(t: Transport) {
    let b = open(t).await;
    b.goto("/").await;
    b.wait_status("signed-out").await;
    b.sign_in_as("admin", "wrong").await;
    b.find("//*[@role='alert' and contains(., 'Login or password incorrect.')]").await;
    let password = b.field("Password").await;
    assert_eq!(password.prop("value").await.expect("value").as_deref(), Some(""));
    assert!(!b.url().await.contains("wrong"));
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    b.close().await;
}

/// The session cookie, when the page can read it (the agent's, as Twisted
/// writes it, can; the gateway's is `HttpOnly`).
async fn page_cookie(b: &Browser) -> String {
    b.c.execute("return document.cookie", vec![]).await.expect("cookie read").as_str().unwrap_or_default().to_string()
}

/// Regression: there was no way to sign out. Signing out stops polling,
/// takes the user's entities and figures off the screen, ends the session
/// (the gateway's by `DELETE /sessions/current`, the agent's by forgetting
/// its cookie) and still holds after a reload.
async fn signing_out_ends_the_session_and_survives_a_reload(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    if let Transport::MmcAgent = t {
        assert!(page_cookie(&b).await.contains("TWISTED_SESSION="), "the agent's cookie, as Twisted sets it");
    }
    b.button("Sign out").await.click().await.expect("clicked");
    b.wait_status("signed-out").await;
    b.find("//*[@role='status' and normalize-space()='You have signed out.']").await;
    assert!(b.c.find(fantoccini::Locator::Css("#entity-input")).await.is_err(), "the entity list must go");
    assert!(!b.body_text().await.contains("Computers registered for imaging"));
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    match t {
        Transport::MmcAgent => assert!(!page_cookie(&b).await.contains("TWISTED_SESSION="), "the cookie is forgotten"),
        Transport::Rest => {
            until("DELETE /sessions/current", || async {
                (b.sim.sim.calls("DELETE /api/v1/sessions/current") == 1).then_some(())
            })
            .await
        }
    }

    // A reload asks Medulla nothing and shows the login form.
    let listed = b.sim.sim.calls("medulla_server.getUserLocations");
    b.goto("/?entity=UUID2").await;
    b.wait_status("signed-out").await;
    b.field("Login").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(b.sim.sim.calls("medulla_server.getUserLocations"), listed);

    b.sign_in_as(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await;
    b.wait_status("available").await;
    assert!(!b.body_text().await.contains("You have signed out."));
    b.close().await;
}

/// Regression: polling kept the session alive for ever on an unattended
/// console. Input keeps the tab signed in; then, after
/// `idle_sign_out_minutes` without any, polling stops and it signs out,
/// saying why.
async fn an_unattended_tab_signs_out_and_says_why(t: Transport) {
    let b = open(t).await;
    // 0.05 min: 3 s.
    b.configure(json!({"idle_sign_out_minutes": 0.05, "poll_seconds": 5}));
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    for _ in 0..6 {
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        b.find("//h2[@id='status-title']").await.click().await.expect("clicked");
    }
    assert_eq!(b.status().await, "available", "a user at work is not signed out");
    b.wait_status("signed-out").await;
    b.find("//*[@role='status' and contains(., 'You were signed out after 1 min without activity.')]").await;
    let checks = b.sim.sim.calls("imaging.getGlobalStatus");
    tokio::time::sleep(std::time::Duration::from_millis(6_000)).await;
    assert_eq!(b.sim.sim.calls("imaging.getGlobalStatus"), checks, "polling must stop");
    b.close().await;
}

/// A reload of a signed-in tab: the entity list, which also checks the
/// session, and the first part of the entity's check go in one round. A
/// gateway knows what serves the entity: its status is asked with the
/// list. The agent must first say which server serves it: that is asked
/// with the list, the status in the next round.
async fn a_reload_asks_the_list_and_the_first_check_in_one_round(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID3").await;
    b.wait_status("available").await;
    b.control(json!({"latency_ms": 400, "latency_browser_only": true}));
    let sim = &b.sim.sim;
    let mark = sim.call_log().len();
    b.goto("/?entity=UUID3").await;
    b.wait_status("available").await;
    let log = sim.call_log().get(mark..).unwrap_or_default().to_vec();
    let is_list =
        |c: &&medulla_sim::Logged| c.method == "medulla_server.getUserLocations" || c.method == "GET /api/v1/entities";
    let list = log.iter().find(is_list).unwrap_or_else(|| panic!("the list asked: {log:?}"));
    let first_check = match t {
        Transport::Rest => "GET /api/v1/entities/UUID3/imaging-server-status",
        Transport::MmcAgent => "imaging.getImagingServerConfig",
    };
    let about_it = |c: &&medulla_sim::Logged| matches!(t, Transport::Rest) || c.entity.as_deref() == Some("UUID3");
    let check = log
        .iter()
        .filter(about_it)
        .find(|c| c.method == first_check)
        .unwrap_or_else(|| panic!("{first_check} asked: {log:?}"));
    assert!(check.at_ms < list.answered_ms, "{first_check} waited for the list: {list:?}, {check:?}");
    b.control(json!({"latency_ms": 0}));
    b.close().await;
}

on_both_transports!(
    a_reload_asks_the_list_and_the_first_check_in_one_round,
    session_expiry_then_sign_in_again_keeps_the_entity,
    a_wrong_password_is_said_and_not_kept,
    signing_out_ends_the_session_and_survives_a_reload,
    an_unattended_tab_signs_out_and_says_why
);

/// Through the gateway, a reload shows the status asked with the entity
/// list as soon as its answer is in, the list still on its way (a list of
/// 5,000 entities takes a gateway longer than a status): a `200` of the
/// gateway proves the session as the list does. Imaging actions wait for
/// the list, the session then signed in; the "served by" line names the
/// owner once the list is in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_the_status_shows_before_a_slow_entity_list() {
    let b = open(Transport::Rest).await;
    b.open_signed_in("/?entity=UUID3").await;
    b.wait_status("available").await;
    b.control(json!({"slow_method": {"method": "GET /api/v1/entities", "ms": 4000}}));
    b.goto("/?entity=UUID3").await;
    b.wait_status("available").await;
    let picker = || async { b.c.find(fantoccini::Locator::Css("#entity-input")).await.is_ok() };
    assert!(!picker().await, "the status waited for the list");
    assert_eq!(b.actions_disabled().await, ALL_DISABLED, "actions before the list");
    assert!(!b.body_text().await.contains("Served by the imaging server of"), "the owner named before the list");
    until("the entity list", || async { picker().await.then_some(()) }).await;
    b.wait_status("available").await;
    until("the actions", || async { (b.actions_disabled().await == ALL_ENABLED).then_some(()) }).await;
    assert!(b.body_text().await.contains("Served by the imaging server of General > Public"));
    b.control(json!({"slow_method": {"method": "GET /api/v1/entities", "ms": 0}}));
    b.close().await;
}
