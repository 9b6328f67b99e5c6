//! Loads through a throttled link (DevTools' network emulation), cold
//! and a second visit, each against its physical limit.

use super::*;

/// Loads `?entity={entity}`: the time from the navigation to the frame
/// that shows `status` for it ([`WATCH`]).
pub(crate) async fn load_until_shown(b: &Browser, entity: &str, status: &str) -> f64 {
    let source = WATCH.replace("ENTITY", &json!(entity).to_string()).replace("STATUS", &json!(status).to_string());
    let added = cdp(b, "Page.addScriptToEvaluateOnNewDocument", json!({ "source": source })).await;
    b.goto(&format!("/?entity={entity}")).await;
    let shown = "const done = arguments[arguments.length - 1]; window.__benchShown.then(done);";
    let total = b.c.execute_async(shown, vec![]).await.expect("load measured");
    cdp(b, "Page.removeScriptToEvaluateOnNewDocument", json!({ "identifier": added["identifier"] })).await;
    total.as_f64().unwrap_or(f64::NAN)
}

/// The link of the load part: 10 Mbit/s each way, 40 ms per request.
pub(crate) const LINK_BYTES_PER_MS: f64 = 10_000_000.0 / 8.0 / 1000.0;
pub(crate) const LINK_LATENCY_MS: f64 = 40.0;

/// One load of `?entity=` (the cache emptied first when `cold`): time to
/// the status on screen, bytes, API bytes, round trips, requests.
pub(crate) async fn one_load(b: &Browser, cold: bool) -> (f64, f64, f64, f64, f64) {
    if cold {
        cdp(b, "Network.clearBrowserCache", json!({})).await;
    }
    b.c.goto("about:blank").await.expect("a blank page");
    // `BENCH_PROFILE=1`: where the browser spends a second visit's time.
    let profile = !cold && std::env::var("BENCH_PROFILE").is_ok();
    if profile {
        cdp(b, "Profiler.enable", json!({})).await;
        cdp(b, "Profiler.setSamplingInterval", json!({"interval": 100})).await;
        cdp(b, "Profiler.start", json!({})).await;
    }
    let shown = load_until_shown(b, OWN.0, "available").await;
    if profile {
        print_profile(&cdp(b, "Profiler.stop", json!({})).await["profile"]);
    }
    let loaded = b.c.execute(LOADED, vec![]).await.expect("resources read");
    let number = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let (bytes, api) = (number(&loaded["bytes"]), number(&loaded["api"]));
    // `BENCH_CHAIN=1`: each request of the load with its sequential round.
    if std::env::var("BENCH_CHAIN").is_ok() {
        eprintln!("{} load: {}", if cold { "cold" } else { "warm" }, loaded["chain"].as_str().unwrap_or_default());
    }
    (shown, bytes, api, number(&loaded["rounds"]), number(&loaded["requests"]))
}

/// The first and the second visit through a throttled link (DevTools'
/// network emulation), each against its physical limit: its bytes at the
/// link's rate plus its sequential round trips; with `entities` entities
/// (5: the demo's; more: sites under Public, as in [`speed`]).
pub(crate) async fn load(t: Transport, entities: usize) {
    let b = open_with(t, |o| o.extra_entities = entities.saturating_sub(5)).await;
    b.open_signed_in(&format!("/?entity={}", OWN.0)).await;
    b.wait_status("available").await;
    cdp(&b, "Network.enable", json!({})).await;
    let rate = LINK_BYTES_PER_MS * 1000.0;
    let link =
        json!({"offline": false, "latency": LINK_LATENCY_MS, "downloadThroughput": rate, "uploadThroughput": rate});
    cdp(&b, "Network.emulateNetworkConditions", link).await;
    // `BENCH_LOAD=cold|warm`: one of the two loads.
    let only = std::env::var("BENCH_LOAD").unwrap_or_default();
    for (name, cold) in [("cold load (empty cache)", true), ("second visit (cache kept)", false)] {
        if !only.is_empty() && only != if cold { "cold" } else { "warm" } {
            continue;
        }
        let runs: Vec<_> = {
            let mut runs = Vec::new();
            for _ in 0..run_count() {
                if !cold {
                    // The visit before it fills the cache.
                    one_load(&b, false).await;
                }
                runs.push(one_load(&b, cold).await);
            }
            runs
        };
        let ms = median(runs.iter().map(|r| r.0).collect());
        let (_, bytes, api, rounds, requests) = runs[runs.len() / 2];
        let limit = bytes / LINK_BYTES_PER_MS + rounds * LINK_LATENCY_MS;
        println!(
            "| {} | {entities} | {name} | {ms:.0} ms | {bytes:.0} B ({api:.0} B of API) | {rounds:.0} round(s), {requests:.0} requests | {limit:.0} ms | {:.2} × |",
            t.name(),
            ms / limit,
        );
    }
    cdp(
        &b,
        "Network.emulateNetworkConditions",
        json!({"offline": false, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
    )
    .await;
    b.close().await;
}
