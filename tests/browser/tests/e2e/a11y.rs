use crate::harness::*;
use serde_json::json;

async fn assert_accessible(b: &Browser, screen: &str) {
    let violations = b.axe_violations().await;
    assert!(violations.is_empty(), "{screen}: axe-core found\n{}", violations.join("\n"));
}

/// axe-core on every status screen, in every language.
async fn every_status_screen_passes_axe_in_both_languages(t: Transport) {
    let b = open(t).await;
    b.goto("/").await;
    b.wait_status("signed-out").await;
    assert_accessible(&b, "signed out").await;
    b.open_signed_in("/").await;
    for language in ["English", "Français", "Español"] {
        b.button(language).await.click().await.expect("language");
        for (uuid, status) in DEMO_STATUSES {
            b.goto(&format!("/?entity={uuid}")).await;
            b.wait_status(status).await;
            b.button(language).await.click().await.expect("language");
            assert_accessible(&b, &format!("{status} ({uuid}) in {language}")).await;
        }
        b.control(json!({"fail": {"mode": "garbage", "method": "imaging.getGlobalStatus"}}));
        // On REST, past the second for which the gateway shares an answer
        // (Library's visit checked Public's server a moment ago).
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        b.goto("/?entity=UUID2").await;
        b.wait_status("unreachable").await;
        b.button(language).await.click().await.expect("language");
        assert_accessible(&b, &format!("unreachable in {language}")).await;
        // Slow, yet within the request timeout: on REST the gateway runs one
        // check of an entity at a time, and the next visit of UUID4 joins
        // this one (see switching.rs).
        b.control(json!({"slow_entity": {"uuid": "UUID1", "ms": 5000}}));
        // On REST, past the second for which the gateway shares an answer.
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        b.goto("/?entity=UUID1").await;
        b.wait_status("checking").await;
        b.button(language).await.click().await.expect("language");
        assert_accessible(&b, &format!("checking in {language}")).await;
        b.control(json!({"slow_entity": {"uuid": "UUID1", "ms": 0}}));
    }
    b.close().await;
}

/// The console's dark theme, and the embedded look, keep their contrast.
async fn dark_theme_and_embedded_look_pass_axe(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/").await;
    for query in ["theme=dark", "embed=1", "embed=1&theme=dark"] {
        for (uuid, status) in
            [("UUID0", "offline"), ("UUID1", "connection-error"), ("UUID2", "available"), ("UUID4", "not-linked")]
        {
            b.goto(&format!("/?{query}&entity={uuid}")).await;
            b.wait_status(status).await;
            assert_accessible(&b, &format!("{status} with ?{query}")).await;
        }
    }
    b.close().await;
}

/// Keyboard alone: pick an entity by typing, reach an action, launch it.
async fn keyboard_only_from_entity_to_action(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID0").await;
    b.wait_status("offline").await;
    b.field("Entity").await.click().await.expect("focus in the selector");
    b.press("librar").await;
    b.press(ENTER).await;
    b.wait_status("available").await;
    let mut reached = false;
    for _ in 0..12 {
        b.press(TAB).await;
        if b.focused_text().await == "Deploy an image" {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab never reached “Deploy an image”");
    b.press(ENTER).await;
    let url = b.console_page().await;
    assert!(url.contains("&entity_id=3&"), "{url}");
    b.close().await;
}

on_both_transports!(
    every_status_screen_passes_axe_in_both_languages,
    dark_theme_and_embedded_look_pass_axe,
    keyboard_only_from_entity_to_action
);
