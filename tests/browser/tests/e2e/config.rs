use crate::harness::*;
use serde_json::json;

async fn problem_shown(t: Transport, request: serde_json::Value, expected: &str) {
    let b = open(t).await;
    b.control(request);
    b.goto("/").await;
    let alert = b.find("//main[@role='alert']").await.text().await.expect("text");
    assert!(alert.contains("not configured correctly"), "{alert}");
    assert!(alert.contains(expected), "{expected:?} missing from:\n{alert}");
    b.close().await;
}

async fn a_broken_config_names_the_file_and_the_key(t: Transport) {
    problem_shown(t, json!({"config_text": "{\"poll_seconds\": "}), "config.json: not valid JSON").await;
    problem_shown(t, json!({"config": {"poll_seconds": "often"}}), "config.json, key \"poll_seconds\": expected a whole number of seconds").await;
    problem_shown(t, json!({"config_missing": true}), "config.json: could not be fetched (HTTP 404)").await;
}

on_both_transports!(a_broken_config_names_the_file_and_the_key);
