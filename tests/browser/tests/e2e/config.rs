use crate::harness::*;
use serde_json::json;

async fn problem_shown(t: Transport, request: serde_json::Value, expected: &str) {
    let b = open(t).await;
    b.control(request);
    b.goto("/").await;
    let alert = b.find("//main/div[@role='alert']").await.text().await.expect("text");
    assert!(alert.contains("not configured correctly"), "{alert}");
    assert!(alert.contains(expected), "{expected:?} missing from:\n{alert}");
    b.close().await;
}

/// The language comes from config.json, else from the host page (`?lang=`),
/// else from the browser (English here).
async fn language_from_config_then_host_page_then_browser(t: Transport) {
    let b = open(t).await;
    let title = || async { b.find("//h1").await.text().await.unwrap_or_default() };
    b.goto("/").await;
    b.wait_status("signed-out").await;
    assert_eq!(title().await, "Imaging server status");
    b.goto("/?lang=fr").await;
    b.wait_status("signed-out").await;
    assert_eq!(title().await, "Statut du serveur d’imaging");
    b.configure(json!({"language": "en"}));
    b.goto("/?lang=fr").await;
    b.wait_status("signed-out").await;
    assert_eq!(title().await, "Imaging server status");
    b.configure(json!({"language": "fr"}));
    b.goto("/").await;
    b.wait_status("signed-out").await;
    assert_eq!(title().await, "Statut du serveur d’imaging");
    let lang = b.c.execute("return document.documentElement.lang", vec![]).await.expect("lang");
    assert_eq!(lang, json!("fr"));
    b.close().await;
}

async fn a_broken_config_names_the_file_and_the_key(t: Transport) {
    problem_shown(t, json!({"config_text": "{\"poll_seconds\": "}), "config.json: not valid JSON").await;
    problem_shown(
        t,
        json!({"config": {"poll_seconds": "often"}}),
        "config.json, key \"poll_seconds\": expected a whole number of seconds",
    )
    .await;
    problem_shown(t, json!({"config_missing": true}), "config.json: could not be fetched (HTTP 404)").await;
    // The agent's own credentials, for an agent beyond this machine.
    let config = json!({"agent_url": "https://medulla.example.org/mmc-agent/", "agent_basic_auth": {"login": "mmc", "password": "s3cr3t"}});
    problem_shown(t, json!({ "config": config }), "config.json, key \"agent_basic_auth\": refused").await;
}

/// Whether `config.json` was asked before the wasm's download ended.
const PRELOADED: &str = r#"
const entries = performance.getEntriesByType('resource');
const config = entries.find(e => e.name.endsWith('/config.json'));
const wasm = entries.find(e => e.name.endsWith('.wasm'));
return !!config && !!wasm && config.startTime <= wasm.responseEnd;
"#;

/// `index.html` preloads `config.json`, so that it comes with the app
/// rather than after it starts; the app takes that answer: one reading per
/// load, also when the browser has kept the app from the visit before.
async fn config_is_read_once_per_load_with_the_app(t: Transport) {
    let b = open(t).await;
    let reads = || b.sim.sim.calls(medulla_sim::CONFIG_READS);
    for visit in 1..=2 {
        let before = reads();
        b.goto("/").await;
        b.wait_status("signed-out").await;
        assert_eq!(reads() - before, 1, "visit {visit}: config.json read once");
        // Asked before the app's code had even arrived: the preload's.
        let order = b.c.execute(PRELOADED, vec![]).await.expect("timings read");
        assert_eq!(order, json!(true), "visit {visit}: config.json asked with the app, not after it");
    }
    b.close().await;
}

on_both_transports!(
    language_from_config_then_host_page_then_browser,
    a_broken_config_names_the_file_and_the_key,
    config_is_read_once_per_load_with_the_app
);
