use crate::harness::*;
use serde_json::json;

/// Garbage, HTTP errors, cut answers and faults: a clear state, no panic,
/// and the tab recovers on the next check.
async fn malformed_answers_show_medulla_unreachable_and_recover(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    for (mode, detail) in [
        ("garbage", "unreadable answer"),
        ("http_500", "HTTP 500"),
        ("truncated", "unreadable answer"),
        ("fault", "fault 8004"),
        // More than the 32 MB the tab reads, with a length and without one.
        ("huge", "answer larger than 32 MB: refused"),
        ("huge_stream", "answer larger than 32 MB: refused"),
    ] {
        b.control(json!({"fail": {"mode": mode, "method": "imaging.getGlobalStatus"}}));
        b.button("Refresh now").await.click().await.expect("clicked");
        b.wait_status("unreachable").await;
        assert_eq!(b.status_title().await, "Medulla unreachable");
        let text = b.body_text().await;
        assert!(text.contains(detail), "{mode}: {detail:?} missing from:\n{text}");
        assert_eq!(b.actions_disabled().await, ALL_DISABLED, "{mode}");
        b.button("Refresh now").await.click().await.expect("clicked");
        b.wait_status("available").await;
    }
    b.close().await;
}

/// Medulla down when the tab opens: it says so, and recovers by itself.
async fn medulla_down_at_start_recovers_by_itself(t: Transport) {
    let b = open(t).await;
    b.configure(json!({"poll_seconds": 5}));
    // The agent down; on REST, the gateway (the tab is not signed in to it
    // yet, so it would not even ask the agent).
    let method = match t {
        Transport::MmcAgent => "medulla_server.getUserLocations",
        Transport::Rest => "GET /api/v1/entities",
    };
    b.control(json!({"fail": {"mode": "http_500", "method": method}}));
    b.goto("/").await;
    b.wait_status("unreachable").await;
    assert!(b.body_text().await.contains("HTTP error 500"));
    // No click: the next try finds Medulla, which asks for a sign-in.
    b.wait_status("signed-out").await;
    b.sign_in_as(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await;
    b.wait_status("offline").await;
    b.close().await;
}

async fn a_silent_agent_times_out(t: Transport) {
    let b = open(t).await;
    b.configure(json!({"request_timeout_seconds": 2}));
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.control(json!({"fail": {"mode": "hang", "count": 1000}}));
    b.button("Refresh now").await.click().await.expect("clicked");
    b.wait_status("unreachable").await;
    assert!(b.body_text().await.contains("no answer in time"));
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    b.close().await;
}

/// Only the imaging server is silent: the agent answers the other calls,
/// so once `getGlobalStatus` has had the agent's 30 seconds and more, the
/// relay decides: present, Connection error (not "Medulla unreachable").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_imaging_server_with_its_relay_present_is_a_connection_error() {
    let b = open(Transport::MmcAgent).await;
    b.configure(json!({"request_timeout_seconds": 1}));
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.control(json!({"fail": {"mode": "hang", "method": "imaging.getGlobalStatus"}}));
    b.button("Refresh now").await.click().await.expect("clicked");
    until("Medulla said to be waiting", || async {
        b.body_text().await.contains("Medulla is still waiting for the imaging server itself").then_some(())
    })
    .await;
    // The deadline of this one call: 1 + 30 seconds.
    let started = std::time::Instant::now();
    while b.status().await != "connection-error" {
        assert!(started.elapsed() < std::time::Duration::from_secs(45), "status stayed {}", b.status().await);
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    b.close().await;
}

on_both_transports!(
    medulla_down_at_start_recovers_by_itself,
    malformed_answers_show_medulla_unreachable_and_recover,
    a_silent_agent_times_out
);
