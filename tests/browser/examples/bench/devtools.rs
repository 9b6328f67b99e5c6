//! Chrome DevTools Protocol commands through chromedriver: garbage
//! collection, the heap's sampling profile, a CPU profile's self times.

use super::*;

/// A Chrome DevTools Protocol command, through chromedriver.
#[derive(Debug)]
pub(crate) struct Cdp(&'static str, Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"cmd": self.0, "params": self.1}).to_string()))
    }
}

pub(crate) async fn cdp(b: &Browser, cmd: &'static str, params: Value) -> Value {
    b.c.issue_cmd(Cdp(cmd, params)).await.unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// Every object no longer reachable freed, as DevTools does before a heap
/// snapshot (V8's `CollectAllAvailableGarbage`: collections until nothing
/// more goes). The page's own `gc()` (`--expose-gc`, used before) makes
/// one, which left up to a third of the heap uncollected. The browser's
/// resource timing buffer (up to 250 entries of the requests made) is
/// emptied first: it is the browser's, not the tab's.
pub(crate) async fn full_gc(b: &Browser) {
    b.c.execute("performance.clearResourceTimings();", vec![]).await.expect("timings cleared");
    cdp(b, "HeapProfiler.collectGarbage", json!({})).await;
}

/// The bytes the sampling heap profiler finds still alive (read after the
/// cycles' [`full_gc`]), in all and for the five functions holding most.
pub(crate) async fn live_by_function(b: &Browser) -> String {
    let profile = cdp(b, "HeapProfiler.getSamplingProfile", json!({})).await;
    let mut by_function = std::collections::HashMap::<String, u64>::new();
    let mut stack = vec![&profile["profile"]["head"]];
    while let Some(node) = stack.pop() {
        let frame = &node["callFrame"];
        let name = format!(
            "{}@{}:{}",
            frame["functionName"].as_str().unwrap_or(""),
            frame["url"].as_str().unwrap_or("").rsplit('/').next().unwrap_or(""),
            frame["lineNumber"]
        );
        *by_function.entry(name).or_default() += node["selfSize"].as_u64().unwrap_or(0);
        stack.extend(node["children"].as_array().into_iter().flatten());
    }
    let total: u64 = by_function.values().sum();
    let mut top: Vec<_> = by_function.into_iter().collect();
    top.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let top: Vec<String> = top.iter().take(5).map(|(f, n)| format!("{f} {n}")).collect();
    format!("sampled live {total} bytes; {}", top.join(", "))
}

/// The self time of a CPU profile by function (ms), the most first.
pub(crate) fn print_profile(profile: &Value) {
    let mut by: std::collections::HashMap<String, f64> = std::collections::HashMap::new();
    let deltas: Vec<f64> = profile["timeDeltas"].as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
    let interval = deltas.iter().sum::<f64>() / deltas.len().max(1) as f64 / 1000.0;
    if let Ok(path) = std::env::var("BENCH_PROFILE_DUMP") {
        let _ = std::fs::write(path, profile.to_string());
    }
    for node in profile["nodes"].as_array().into_iter().flatten() {
        let frame = &node["callFrame"];
        let url = frame["url"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_string();
        let name = format!("{} {}", frame["functionName"].as_str().unwrap_or_default(), url);
        *by.entry(name).or_default() += node["hitCount"].as_f64().unwrap_or(0.0) * interval;
    }
    let mut rows: Vec<_> = by.into_iter().collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (name, ms) in rows.iter().take(25) {
        eprintln!("profile: {ms:7.1} ms  {name}");
    }
}
