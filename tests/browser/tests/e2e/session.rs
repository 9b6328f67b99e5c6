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

on_both_transports!(session_expiry_then_sign_in_again_keeps_the_entity, a_wrong_password_is_said_and_not_kept);
