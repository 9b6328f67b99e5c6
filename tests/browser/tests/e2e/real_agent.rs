//! The agent as Medulla's code really answers (the table of sources in
//! docs/design.md), and what the tab makes of it: exception structs, the 30 s wait
//! for a dead imaging server, addresses without host, free space, log
//! phases.

use crate::harness::*;
use serde_json::json;

/// A plugin exception (a lost database) arrives as a normal answer holding
/// `faultCode`: never Available, every action disabled, the reason said.
async fn an_exception_is_never_available(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.control(json!({"fail": {"mode": "exception", "method": "imaging.getGlobalStatus"}}));
    b.button("Refresh now").await.click().await.expect("clicked");
    b.wait_status("unreachable").await;
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    assert!(!b.body_text().await.contains("Computers registered for imaging"));
    if let Transport::MmcAgent = t {
        let text = b.body_text().await;
        assert!(text.contains("Medulla reported an internal error"), "{text}");
        assert!(text.contains("MySQL server has gone away"), "{text}");
    }
    b.close().await;
}

/// The imaging server's host is down: the agent answers `{}` only after its
/// 30-second connect timeout, but the relay list already says the relay is
/// gone, so the tab says Offline at once (well within the harness's
/// patience, which is shorter than the agent's wait) and that it is still
/// waiting for the server itself.
async fn a_dead_host_is_offline_at_once(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.control(json!({"entity": "UUID2", "status": "offline"}));
    b.button("Refresh now").await.click().await.expect("clicked");
    b.wait_status("offline").await;
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    let text = b.body_text().await;
    assert!(text.contains("the relay hosting it is not connected to Medulla"), "{text}");
    if let Transport::MmcAgent = t {
        assert!(text.contains("Medulla is still waiting for the imaging server itself"), "{text}");
    }
    b.close().await;
}

/// A relay that lost its XMPP link while its server answers, slowly: Offline
/// from the relay first, then Available once the late answer proves the
/// server up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_answer_turns_offline_into_available() {
    let b = open(Transport::MmcAgent).await;
    b.open_signed_in("/?entity=UUID1").await;
    b.wait_status("connection-error").await;
    b.control(json!({"entity": "UUID2", "relay_present": false}));
    b.control(json!({"slow_server": {"uuid": "UUID2", "ms": 2500}}));
    b.select_entity("pub", "General > Public").await;
    b.wait_status("offline").await;
    assert!(b.body_text().await.contains("Medulla is still waiting for the imaging server itself"));
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    b.wait_status("available").await;
    assert!(!b.body_text().await.contains("still waiting"));
    assert_eq!(b.actions_disabled().await, ALL_ENABLED);
    b.close().await;
}

/// While the imaging server keeps Medulla waiting (its relay present),
/// "Checking…" says that the server is slow to answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checking_says_that_the_imaging_server_is_slow() {
    let b = open(Transport::MmcAgent).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.control(json!({"slow_server": {"uuid": "UUID1", "ms": 4000}}));
    b.select_entity("priv", "General > Private").await;
    until("the slow server said", || async {
        (b.status().await == "checking" && b.body_text().await.contains("The imaging server is slow to answer"))
            .then_some(())
    })
    .await;
    b.wait_status("connection-error").await;
    assert!(!b.body_text().await.contains("slow to answer"));
    b.close().await;
}

/// Medulla's `public_ip` is empty by default: the server's address has no
/// host, no relay can be matched to it, and the screen says so.
async fn an_address_without_host_is_said(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID1").await;
    b.wait_status("connection-error").await;
    b.control(json!({"entity": "UUID1", "server_address": false}));
    b.button("Refresh now").await.click().await.expect("clicked");
    b.wait_status("offline").await;
    let text = b.body_text().await;
    assert!(text.contains("the relay was not identified"), "{text}");
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    b.close().await;
}

/// The words match the data: the image store's free space, the phase and
/// outcome of each activity line, no pseudo filesystem, and the counts of
/// an inherited server said to be its owner's.
async fn figures_say_what_medulla_measures(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    let text = b.body_text().await;
    assert!(text.contains("79 GB free (of 528.3 GB)"), "{text}"); // decimal units
    assert!(!text.contains("in all"), "{text}");
    assert!(!text.contains("tmpfs"), "{text}");
    for (message, phase, outcome) in [
        ("restoration finished", "Restoration", "Done"),
        ("restoration started", "Restoration", "Running"),
        ("end-of-backup failure", "Backup", "Failed"),
        ("hardware inventory not stored", "Inventory", "Failed"),
    ] {
        b.find(&format!(
            "//table[contains(@class, 'activity')]//tr[td[contains(., '{message}')] and td[.='{phase}'] and td[.='{outcome}']]"
        ))
        .await;
    }
    b.button("Français").await.click().await.expect("French");
    b.find("//table[contains(@class, 'activity')]//tr[td[.='Restauration'] and td[.='Terminé']]").await;
    // Decimal units, the language's own (spaces as the browser puts them).
    let text = || async { b.body_text().await.replace(['\u{a0}', '\u{202f}'], " ") };
    assert!(text().await.contains("79 Go libres (sur 528,3 Go)"), "{}", text().await);
    b.button("Español").await.click().await.expect("Spanish");
    assert!(text().await.contains("79 GB libres (de 528,3 GB)"), "{}", text().await);
    b.button("English").await.click().await.expect("English");

    b.select_entity("libr", "General > Public > Library").await;
    b.wait_status("available").await;
    let text = b.body_text().await;
    assert!(
        text.contains("Computers, boot menus, masters and activity are those Medulla records for General > Public"),
        "{text}"
    );
    assert!(text.contains("42 (7 with a custom boot menu)"), "the owner's counts, not a silent 0: {text}");
    b.close().await;
}

on_both_transports!(
    an_exception_is_never_available,
    a_dead_host_is_offline_at_once,
    an_address_without_host_is_said,
    figures_say_what_medulla_measures
);
