use crate::harness::*;
use serde_json::json;
use std::time::Duration;

/// Each action opens the console page that does what its button says, for
/// the entity (see `ConsoleRoutes` for the pages of Medulla's code).
async fn actions_open_the_console_pages_of_the_entity(t: Transport) {
    let b = open(t).await;
    for (action, page) in [
        (
            "Deploy an image",
            "/mmc/main.php?module=base&submod=computers&action=index&restreint=1\
             &entity_id=2&entity_completename=General%20%3E%20Public",
        ),
        ("Create a reference image", "/mmc/main.php?module=imaging&submod=manage&action=master&location=UUID2"),
        ("Start a multicast", "/mmc/main.php?module=imaging&submod=manage&action=index&location=UUID2"),
    ] {
        // Signed in once: the session cookie signs the next visits in.
        if action == "Deploy an image" {
            b.open_signed_in("/?entity=UUID2").await;
        } else {
            b.goto("/?entity=UUID2").await;
        }
        b.wait_status("available").await;
        b.button(action).await.click().await.expect("clicked");
        let url = b.console_page().await;
        assert!(url.ends_with(page), "{action}: {url}");
    }
    b.close().await;
}

async fn synchronisation_reports_success_and_the_reasons_of_failure(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID3").await;
    b.wait_status("available").await;
    b.button("Synchronise boot menus").await.click().await.expect("clicked");
    b.find("//p[contains(., 'Boot menus synchronised.')]").await;
    // The outcome follows a change of language.
    b.button("Français").await.click().await.expect("French");
    b.find("//p[contains(., 'Menus de démarrage synchronisés.')]").await;
    b.button("Español").await.click().await.expect("Spanish");
    b.find("//p[contains(., 'Menús de arranque sincronizados.')]").await;
    b.button("English").await.click().await.expect("English");

    b.control(json!({"sync_fails": true}));
    b.button("Synchronise boot menus").await.click().await.expect("clicked");
    // The agent cannot serialise a failed step: fault 8005, no detail (the
    // gateway has none to give either).
    b.find("//*[contains(@class, 'outcome--failed')]//p[contains(., 'the imaging server reported a failed step')]")
        .await;
    assert_eq!(b.sim.sim.calls("imaging.synchroLocation"), 2);
    b.close().await;
}

/// A status seen more than a few seconds ago is checked again right before
/// an action, and the action does not run when the server is gone.
async fn action_rechecks_a_stale_status_and_refuses_to_run(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.control(json!({"entity": "UUID2", "status": "offline"}));
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    let before = b.url().await;
    b.button("Create a reference image").await.click().await.expect("clicked");
    b.wait_status("offline").await;
    b.find("//*[contains(., 'Not launched: the imaging server is no longer Available.')]").await;
    assert_eq!(b.url().await, before, "the console page must not open");
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    b.close().await;
}

/// An action confirms what serves the entity, even right after a check: a
/// poll's check may rest on a topology learnt minutes ago, and the server
/// may have been re-linked since.
async fn an_action_confirms_what_serves_the_entity(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID3").await;
    b.wait_status("available").await;
    // Library gets an imaging server of its own, which is down; the status
    // on screen (Public's server, Available) is a second old.
    b.control(json!({"entity": "UUID3", "status": "offline"}));
    let before = b.url().await;
    b.button("Create a reference image").await.click().await.expect("clicked");
    b.wait_status("offline").await;
    b.find("//*[contains(., 'Not launched: the imaging server is no longer Available.')]").await;
    assert_eq!(b.url().await, before, "the console page must not open");
    b.close().await;
}

/// Regression: an action whose re-check was still running when the user
/// switched to another entity and back launched anyway, bound to the entity
/// id only. It dies with the selection it was launched in.
async fn a_pending_action_dies_when_the_selection_changes(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    // Stale, so the action re-checks; and the re-check is slow.
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    b.control(json!({"slow_entity": {"uuid": "UUID2", "ms": 3000}}));
    let before = b.url().await;
    b.button("Create a reference image").await.click().await.expect("clicked");
    b.select_entity("priv", "General > Private").await;
    b.find("//*[contains(., 'Not launched: the selection changed, or the status was refreshed, while it was being checked.')]").await;
    // Back to Public, whose check is still slow: nothing launches.
    b.select_entity("pub", "General > Public").await;
    b.control(json!({"slow_entity": {"uuid": "UUID2", "ms": 0}}));
    b.wait_status("available").await;
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(b.url().await, before, "the console page must not open");
    b.close().await;
}

async fn a_double_click_launches_once(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.control(json!({"slow_entity": {"uuid": "UUID2", "ms": 1500}}));
    b.c.execute(
        "const b = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Synchronise boot menus'); b.click(); b.click();",
        vec![],
    )
    .await
    .expect("double click");
    // While it runs, every action is disabled.
    assert_eq!(b.actions_disabled().await, ALL_DISABLED);
    b.find("//p[contains(., 'Boot menus synchronised.')]").await;
    assert_eq!(b.sim.sim.calls("imaging.synchroLocation"), 1);
    assert_eq!(b.actions_disabled().await, ALL_ENABLED);
    b.close().await;
}

/// "Create a reference image" looks at the image store first: short of
/// room, it warns with the free space and asks to confirm; below the
/// floor, it is disabled, with the reason.
async fn a_reference_image_needs_room_in_the_image_store(t: Transport) {
    let b = open(t).await;
    b.control(json!({"store_free_mib": 14_306})); // 15 GB, in MiB
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    let master = "Create a reference image";
    b.button(master).await.click().await.expect("clicked");
    let dialog = b.find("//div[@role='alertdialog']").await;
    let words = dialog.text().await.expect("warning");
    assert!(
        words.contains("Little room in the image store") && words.contains("The image store has 15 GB free"),
        "{words}"
    );
    assert!(words.contains("below 20 GB or 10% free"), "{words}");
    assert_eq!(b.focused_text().await, "Cancel", "the safe choice has the focus");
    b.press(ENTER).await;
    until("the warning to close", || async { b.c.find(fantoccini::Locator::Css("[role=alertdialog]")).await.err() })
        .await;
    assert!(b.url().await.contains("entity=UUID2"), "still here: {}", b.url().await);
    let violations = b.axe_violations().await;
    assert!(violations.is_empty(), "axe-core:\n{}", violations.join("\n"));

    // Confirmed: the console's page opens.
    b.button(master).await.click().await.expect("clicked");
    b.find("//div[@role='alertdialog']").await;
    let violations = b.axe_violations().await;
    assert!(violations.is_empty(), "axe-core, with the warning:\n{}", violations.join("\n"));
    b.button("Create it anyway").await.click().await.expect("confirmed");
    assert!(b.console_page().await.ends_with("action=master&location=UUID2"));

    // Below the 5 GB floor, after the next check: disabled, and why.
    b.control(json!({"store_free_mib": 3_815})); // 4 GB
                                                 // On REST, past the second for which the gateway shares a check.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    b.goto("/?entity=UUID2").await;
    b.wait_status("available").await;
    assert_eq!(b.actions_disabled().await, [false, true, false, false]);
    let room = b.find("//p[@id='actions-room']").await.text().await.expect("reason");
    assert!(room.contains("only 4 GB free, below the floor of 5 GB"), "{room}");

    // Plenty of room again: no warning, straight to the console.
    b.control(json!({"store_free_mib": -1}));
    b.button("Refresh now").await.click().await.expect("refreshed");
    until("the action enabled again", || async { (!b.disabled(master).await).then_some(()) }).await;
    b.button(master).await.click().await.expect("clicked");
    assert!(b.console_page().await.ends_with("action=master&location=UUID2"));
    b.close().await;
}

on_both_transports!(
    a_reference_image_needs_room_in_the_image_store,
    actions_open_the_console_pages_of_the_entity,
    synchronisation_reports_success_and_the_reasons_of_failure,
    action_rechecks_a_stale_status_and_refuses_to_run,
    an_action_confirms_what_serves_the_entity,
    a_double_click_launches_once,
    a_pending_action_dies_when_the_selection_changes
);

/// Regression: the gateway's `checked_at` was ignored, so its shared check
/// counted as made when its answer arrived. A status the gateway checked a
/// minute ago is re-checked before an action, and while the gateway still
/// answers from that old check, nothing launches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_an_old_shared_check_is_never_taken_for_a_current_one() {
    // Our gateway always checks anew when asked to (`Cache-Control:
    // no-cache`): here a cache between the tab and the gateway ignores it.
    let b = open(Transport::Rest).await;
    b.control(json!({"rest_check_age_ms": 60_000}));
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    let before = b.url().await;
    let asked = b.sim.sim.calls("imaging.getGlobalStatus");
    b.button("Deploy an image").await.click().await.expect("clicked");
    b.find("//*[contains(., 'Not launched: the status could not be confirmed as current.')]").await;
    assert_eq!(b.url().await, before, "the console page must not open");
    assert!(b.sim.sim.calls("imaging.getGlobalStatus") > asked, "the status was asked again");
    // A current shared check: the same click launches.
    b.control(json!({"rest_check_age_ms": 0}));
    b.button("Deploy an image").await.click().await.expect("clicked");
    let url = b.console_page().await;
    assert!(url.contains("action=index&restreint=1"), "{url}");
    b.close().await;
}
