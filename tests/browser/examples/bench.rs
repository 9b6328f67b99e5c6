//! Speed, measured in real headless Chromium against the simulator, with
//! a delay added to every answer a browser gets (a console reached over a
//! VPN; a gateway's own calls to the agent, beside it, are not delayed).
//! `bash scripts/bench.sh` prints it after the size table; not part of the
//! test suite's pass/fail. Times are medians of a few runs: these machines
//! are shared, so the ratios are what to read.
//!
//! - switch: from the selector's click to the frame showing the status of
//!   an own (Public) and an inherited (Library) server, the topology known;
//!   its limit is 1.3 × (one delay + the agent's time, the switch at 0 ms);
//! - cold start: a reload of `?entity=` to the frame showing its status;
//!   its limit is 2 delays + the load (the cold start at 0 ms: the page,
//!   the app and the agent's time without delay);
//! - rounds: sequential round trips of the browser during it (requests
//!   sent together count once), and requests: how many; of a switch, its
//!   own (about the entity, its server's owner, or none), not the learning
//!   of other entities' topology going on around it;
//! - the selector: key press to the frame with the list narrowed, with
//!   5,000 and 50,000 entities;
//! - load: through a throttled link, cold and second visit (`BENCH_CHAIN=1`
//!   prints each request with its round and times, `BENCH_PROFILE=1` where
//!   a second visit's CPU time goes, `BENCH_PROFILE_DUMP=file` writes that
//!   profile, `BENCH_TRANSPORT=rest` or `mmc-agent` loads through one,
//!   `BENCH_LOAD=cold` or `warm` only that load);
//! - flat over time: the JS heap (after a garbage collection) and the DOM
//!   after 10 and 1,000 check cycles, and timers and listeners left after
//!   500 entity switches.

#![allow(dead_code, unused_macros, unused_imports)]

#[path = "../tests/e2e/harness.rs"]
mod harness;

use harness::*;
use serde_json::{json, Value};
use std::time::Duration;

const DELAYS: [u64; 3] = [0, 100, 300];
/// Runs of a load or a switch, their median reported: 3, or `BENCH_RUNS`.
fn run_count() -> usize {
    std::env::var("BENCH_RUNS").ok().and_then(|r| r.parse().ok()).filter(|r| *r > 0).unwrap_or(3)
}
const OWN: (&str, &str) = ("UUID2", "General > Public");
const INHERITED: (&str, &str) = ("UUID3", "General > Public > Library");

/// Records, from the next pointer press, the time to the frame after which
/// the status panel shows `arguments[1]` for entity `arguments[0]`.
const ARM_SWITCH: &str = r#"
const [entity, status] = arguments;
const b = window.__bench = { t0: null, t1: null };
const mark = () => { if (b.t0 === null) b.t0 = performance.now(); };
document.addEventListener('pointerdown', mark, { capture: true, once: true });
document.addEventListener('mousedown', mark, { capture: true, once: true });
const shown = () => {
  const s = document.querySelector('section.status');
  return s && s.dataset.status === status && s.dataset.entity === entity;
};
const watch = new MutationObserver(() => {
  if (b.t0 !== null && b.t1 === null && shown()) {
    watch.disconnect();
    requestAnimationFrame(() => { b.t1 = performance.now(); });
  }
});
watch.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
"#;

/// Installed before a load (DevTools' `Page.addScriptToEvaluateOnNewDocument`),
/// so that it watches the page from its creation: `__benchShown` gives the
/// time to the frame after which the status panel shows `STATUS` for
/// `ENTITY`, however early that is (a watch started after the load
/// missed a status shown before WebDriver's `goto` returned, and counted
/// the last answer's arrival instead, too early).
const WATCH: &str = r#"
const [entity, status] = [ENTITY, STATUS];
window.__benchShown = new Promise((done) => {
  const shown = () => {
    const s = document.querySelector('section.status');
    return s && s.dataset.status === status && s.dataset.entity === entity;
  };
  const watch = new MutationObserver(() => {
    if (shown()) {
      watch.disconnect();
      performance.mark('bench:status-in-page');
      requestAnimationFrame(() => { performance.mark('bench:frame'); done(performance.now()); });
    }
  });
  watch.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
});
"#;

/// Records, from the next key press, the time to the frame after the
/// selector's list changes.
const ARM_KEY: &str = r#"
const b = window.__bench = { t0: null, t1: null };
document.addEventListener('keydown', () => { if (b.t0 === null) b.t0 = performance.now(); }, { capture: true, once: true });
const watch = new MutationObserver(() => {
  if (b.t0 !== null && b.t1 === null) {
    watch.disconnect();
    requestAnimationFrame(() => { b.t1 = performance.now(); });
  }
});
watch.observe(document.querySelector(arguments[0]), { subtree: true, childList: true, characterData: true });
"#;

const ELAPSED: &str = "const b = window.__bench; return b && b.t1 !== null ? b.t1 - b.t0 : null;";

/// The heap and the number of elements (after [`full_gc`]).
const MEMORY: &str = r#"
return { heap: performance.memory ? performance.memory.usedJSHeapSize : null,
         nodes: document.getElementsByTagName('*').length };
"#;

/// `arguments[0]` check cycles: "Refresh now", then its answer, in turn.
const CYCLES: &str = r#"
const [n, done] = arguments;
const button = () => [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Refresh now');
const idle = () => new Promise(r => { const t = () => (button() && !button().disabled) ? r() : setTimeout(t, 1); t(); });
(async () => { for (let i = 0; i < n; i++) { await idle(); button().click(); await new Promise(r => setTimeout(r, 5)); } await idle(); done(true); })();
"#;

/// Counts, from now, the timers pending and the listeners added and not
/// removed; `arguments[0]` entity switches through the selector; the
/// counts after each hundred.
const SWITCHES: &str = r#"
const [n, done] = arguments;
const live = new Set();
const setT = window.setTimeout, clearT = window.clearTimeout;
window.setTimeout = function (f, ms, ...rest) {
  const id = setT.call(window, function () { live.delete(id); return typeof f === 'function' ? f.apply(this, arguments) : undefined; }, ms, ...rest);
  live.add(id); return id;
};
window.clearTimeout = function (id) { live.delete(id); return clearT.call(window, id); };
let listeners = 0;
const add = EventTarget.prototype.addEventListener, remove = EventTarget.prototype.removeEventListener;
EventTarget.prototype.addEventListener = function (...a) { listeners++; return add.apply(this, a); };
EventTarget.prototype.removeEventListener = function (...a) { listeners--; return remove.apply(this, a); };
const input = document.getElementById('entity-input');
const paths = ['General > Public > Library', 'General > Public'];
const counts = [];
(async () => {
  for (let i = 0; i < n; i++) {
    input.focus();
    input.value = 'Public';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise(r => requestAnimationFrame(r));
    // An option says its entity's last status after its path: "… (Available)".
    const named = (li, path) => { const t = li.textContent.trim(); return t === path || t.startsWith(path + ' ('); };
    const option = [...document.querySelectorAll('li[role=option]')].find(li => named(li, paths[i % 2]));
    option.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, cancelable: true }));
    await new Promise(r => setT(r, 20));
    if ((i + 1) % 100 === 0) counts.push({ switches: i + 1, timers: live.size, listeners });
  }
  done(counts);
})();
"#;

/// What the page loaded, from Resource Timing: the bytes over the wire
/// (the API's apart), and the sequential round trips (a request counts one
/// more than the last of those that had ended before it began; one served
/// from the cache, none).
const LOADED: &str = r#"
const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
const api = e => /mmc-agent|api\/v1/.test(e.name);
const sum = list => list.reduce((n, e) => n + (e.transferSize || 0), 0);
const sorted = entries.slice().sort((a, b) => a.startTime - b.startTime);
const level = [];
sorted.forEach((x, i) => {
  let l = 0;
  for (let j = 0; j < i; j++) if (sorted[j].responseEnd <= x.startTime) l = Math.max(l, level[j]);
  level.push(x.transferSize > 0 ? l + 1 : l);
});
const marks = performance.getEntriesByType('mark').map(m => `${m.name}@${Math.round(m.startTime)}`);
const chain = sorted.map((e, i) => `${level[i]}:${e.name.split('/').pop().split('?')[0] || 'page'}@${Math.round(e.startTime)}-${Math.round(e.responseEnd)}`).concat(marks).join(' ');
return { bytes: sum(entries), api: sum(entries.filter(api)), rounds: Math.max(0, ...level),
         requests: entries.filter(e => e.transferSize > 0).length, chain };
"#;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    if xs.is_empty() {
        f64::NAN
    } else {
        xs[xs.len() / 2]
    }
}

fn protocol(t: Transport) -> &'static str {
    match t {
        Transport::MmcAgent => "XML-RPC",
        Transport::Rest => "REST",
    }
}

async fn until_value(b: &Browser, script: &str) -> f64 {
    until("a measure", || async { b.c.execute(script, vec![]).await.ok().and_then(|v| v.as_f64()) }).await
}

/// Whether a logged call is the one that asks a status.
fn asks_status(c: &medulla_sim::Logged) -> bool {
    c.method == "imaging.getGlobalStatus" || c.method.ends_with("/imaging-server-status")
}

/// Whether a logged call is the switch's own: about the entity shown or
/// the owner of its server (Public), or about none (the relay list); not
/// the learning of the other entities' topology going on around it.
fn own_call(c: &medulla_sim::Logged, to: &str) -> bool {
    c.entity.as_deref().is_none_or(|e| e == to || e == OWN.0)
}

/// The switch's own calls, among those logged since its click.
fn own_since(b: &Browser, mark: usize, to: &str) -> Vec<medulla_sim::Logged> {
    let log = b.sim.sim.call_log();
    log.get(mark..).unwrap_or_default().iter().filter(|c| own_call(c, to)).cloned().collect()
}

/// How many of `own` came before the first status request.
fn before_status(own: &[medulla_sim::Logged]) -> usize {
    own.iter().position(asks_status).unwrap_or(own.len())
}

/// Of `own`, those until the status showed (`shown_ms`): how many, and in
/// how many sequential rounds (a call sent more than half a `delay` after
/// its round began begins the next one, as [`medulla_sim::Sim::rounds`]
/// counts).
fn own_calls(own: &[medulla_sim::Logged], shown_ms: u64, delay: u64) -> (usize, usize) {
    let until: Vec<_> = own.iter().filter(|c| c.at_ms <= shown_ms).collect();
    let mut rounds = 0;
    let mut began = None;
    for c in &until {
        if delay > 0 && began.is_none_or(|b: u64| c.at_ms > b + delay / 2) {
            (rounds, began) = (rounds + 1, Some(c.at_ms));
        }
    }
    (until.len(), rounds)
}

/// Switches to `to` through the selector: time, rounds, requests (the
/// switch's own), requests before the first status request.
async fn switch(b: &Browser, to: (&str, &str), delay: u64) -> (f64, usize, usize, usize) {
    let input = b.field("Entity").await;
    input.click().await.expect("selector focused");
    input.send_keys("Public").await.expect("typed");
    let path = xpath_literal(to.1);
    let option = format!(
        "//li[@role='option' and (normalize-space()={path} or starts-with(normalize-space(), concat({path}, ' (')))]"
    );
    let option = b.find(&option).await;
    b.c.execute(ARM_SWITCH, vec![json!(to.0), json!("available")]).await.expect("armed");
    let mark = b.sim.sim.call_log().len();
    option.click().await.expect("chosen");
    let ms = until_value(b, ELAPSED).await;
    let shown_ms = b.sim.sim.now_ms();
    let own = own_since(b, mark, to.0);
    let (calls, rounds) = own_calls(&own, shown_ms, delay);
    (ms, rounds, calls, before_status(&own))
}

/// Reloads `?entity=`: time, rounds, requests.
async fn cold(b: &Browser, t: Transport, to: (&str, &str), scale: bool) -> (f64, usize, usize) {
    if scale {
        // Its learning would go on for minutes: the page left first.
        b.c.goto("about:blank").await.expect("a blank page");
    }
    b.quiet(protocol(t)).await;
    let (calls, rounds) = (b.sim.sim.calls(protocol(t)), b.sim.sim.rounds(protocol(t)));
    let total = load_until_shown(b, to.0, "available").await;
    let (rounds, calls) = (b.sim.sim.rounds(protocol(t)) - rounds, b.sim.sim.calls(protocol(t)) - calls);
    (total, rounds, calls)
}

/// Switches and cold starts with `entities` entities (5: the demo's; more:
/// sites under Public, which inherit its server). With more than the
/// demo's, the tab is still learning the others' topology meanwhile, as a
/// user's tab is in its first minutes.
async fn speed(t: Transport, entities: usize) {
    let b = open_with(t, |o| o.extra_entities = entities.saturating_sub(5)).await;
    let scale = entities > 5;
    b.open_signed_in(&format!("/?entity={}", OWN.0)).await;
    b.wait_status("available").await;
    b.control(json!({"latency_browser_only": true}));
    let mut agent_time = (0.0, 0.0);
    let mut load = [0.0, 0.0];
    for delay in DELAYS {
        b.control(json!({"latency_ms": delay}));
        let (mut own, mut inherited) = (Vec::new(), Vec::new());
        let (mut rounds, mut requests, mut before) = ((0, 0), (0, 0), (0, 0));
        if !scale {
            b.quiet(protocol(t)).await;
        }
        for _ in 0..run_count() {
            let (ms, r, n, first) = switch(&b, INHERITED, delay).await;
            inherited.push(ms);
            (rounds.1, requests.1, before.1) = (r, n, first);
            let (ms, r, n, first) = switch(&b, OWN, delay).await;
            own.push(ms);
            (rounds.0, requests.0, before.0) = (r, n, first);
        }
        let (own, inherited) = (median(own), median(inherited));
        if delay == 0 {
            agent_time = (own, inherited);
        }
        let limit = |agent: f64| 1.3 * (delay as f64 + agent);
        println!(
            "| {} | {entities} | switch | {delay} ms | {own:.0} ms ({:.2} × limit), {} round(s), {} requests ({} before the status) | {inherited:.0} ms ({:.2} × limit), {} round(s), {} requests ({} before the status) |",
            t.name(),
            own / limit(agent_time.0),
            rounds.0,
            requests.0,
            before.0,
            inherited / limit(agent_time.1),
            rounds.1,
            requests.1,
            before.1,
        );
        let mut colds = Vec::new();
        for (i, to) in [OWN, INHERITED].into_iter().enumerate() {
            let mut runs = Vec::new();
            for _ in 0..run_count() {
                runs.push(cold(&b, t, to, scale).await);
            }
            let total = median(runs.iter().map(|r| r.0).collect());
            if delay == 0 {
                load[i] = total;
            }
            let (rounds, requests) = (runs[0].1, runs[0].2);
            let limit = 2.0 * delay as f64 + load[i];
            colds.push(format!("{total:.0} ms ({:.2} × limit), {rounds} round(s), {requests} requests", total / limit));
        }
        println!("| {} | {entities} | cold start | {delay} ms | {} | {} |", t.name(), colds[0], colds[1]);
    }
    b.control(json!({"latency_ms": 0}));
    b.close().await;
}

/// Loads `?entity={entity}`: the time from the navigation to the frame
/// that shows `status` for it ([`WATCH`]).
async fn load_until_shown(b: &Browser, entity: &str, status: &str) -> f64 {
    let source = WATCH.replace("ENTITY", &json!(entity).to_string()).replace("STATUS", &json!(status).to_string());
    let added = cdp(b, "Page.addScriptToEvaluateOnNewDocument", json!({ "source": source })).await;
    b.goto(&format!("/?entity={entity}")).await;
    let shown = "const done = arguments[arguments.length - 1]; window.__benchShown.then(done);";
    let total = b.c.execute_async(shown, vec![]).await.expect("load measured");
    cdp(b, "Page.removeScriptToEvaluateOnNewDocument", json!({ "identifier": added["identifier"] })).await;
    total.as_f64().unwrap_or(f64::NAN)
}

/// The link of the load part: 10 Mbit/s each way, 40 ms per request.
const LINK_BYTES_PER_MS: f64 = 10_000_000.0 / 8.0 / 1000.0;
const LINK_LATENCY_MS: f64 = 40.0;

/// One load of `?entity=` (the cache emptied first when `cold`): time to
/// the status on screen, bytes, API bytes, round trips, requests.
async fn one_load(b: &Browser, cold: bool) -> (f64, f64, f64, f64, f64) {
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
/// link's rate plus its sequential round trips.
async fn load(t: Transport) {
    let b = open(t).await;
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
            "| {} | {name} | {ms:.0} ms | {bytes:.0} B ({api:.0} B of API) | {rounds:.0} round(s), {requests:.0} requests | {limit:.0} ms | {:.2} × |",
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

async fn selector(entities: usize) {
    let b = open_with(Transport::Rest, |o| o.extra_entities = entities).await;
    b.goto(&format!("/?entity={}", OWN.0)).await;
    b.sign_in_as(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await;
    let signed_in = std::time::Instant::now();
    while b.status().await != "available" {
        assert!(
            signed_in.elapsed() < Duration::from_secs(300),
            "no status with {entities} entities: {}",
            b.body_text().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = signed_in.elapsed().as_secs_f64();
    println!("| selector | {entities} entities | sign-in to the first status | {shown:.1} s |");
    let input = b.field("Entity").await;
    input.click().await.expect("selector focused");
    let mut times = Vec::new();
    // Each key narrows the list (the count of matches changes).
    for key in ["1", "2", "3", "4"] {
        b.c.execute(ARM_KEY, vec![json!("#entity-list")]).await.expect("armed");
        input.send_keys(key).await.expect("typed");
        times.push(until_value(&b, ELAPSED).await);
    }
    let worst = times.iter().copied().fold(0.0, f64::max);
    println!(
        "| selector | {entities} entities | key press to frame | median {:.0} ms, worst {worst:.0} ms |",
        median(times)
    );
    b.close().await;
}

/// The overview of `entities` entities, `servers` of them with a server of
/// their own: sign-in to every row known, the checks of one round, the
/// rows on the page, and a key press in its filter to the next frame.
async fn overview(t: Transport, entities: usize, servers: usize) {
    let b = open_with(t, |o| {
        o.extra_entities = entities;
        o.extra_servers = servers;
        // Medulla's own wait for a dead host (Twisted's connectTCP/connectSSL default).
        o.connect_timeout = Duration::from_secs(30);
    })
    .await;
    b.goto("/?view=overview").await;
    let statuses = b.sim.sim.calls("imaging.getGlobalStatus");
    b.sign_in_as(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await;
    let signed_in = std::time::Instant::now();
    // Every row known: no "Checking…" among the counts, the round over.
    loop {
        let counts = b.c.find(fantoccini::Locator::Css(".overview__counts")).await;
        let counts = match counts {
            Ok(c) => c.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let busy = match b.c.find(fantoccini::Locator::Css("section.overview")).await {
            Ok(s) => s.attr("aria-busy").await.ok().flatten(),
            Err(_) => None,
        };
        if !counts.is_empty() && !counts.contains("Checking") && busy.as_deref() == Some("false") {
            break;
        }
        assert!(signed_in.elapsed() < Duration::from_secs(600), "no full overview: {counts}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let shown = signed_in.elapsed().as_secs_f64();
    let checks = b.sim.sim.calls("imaging.getGlobalStatus") - statuses;
    let rows = b.c.find_all(fantoccini::Locator::Css("tr.overview__row")).await.map_or(0, |r| r.len());
    let scale = format!("{entities} entities, {} servers, {}", servers + 3, t.name());
    println!("| overview | {scale} | sign-in to every row known | {shown:.1} s |");
    println!(
        "| overview | {scale} | `getGlobalStatus` in that round | {checks} ({:.2} per server) |",
        checks as f64 / (servers + 3) as f64
    );
    println!("| overview | {scale} | rows on the page | {rows} |");
    let input = b.field("Filter").await;
    input.click().await.expect("filter focused");
    let mut times = Vec::new();
    for key in ["1", "2", "3"] {
        b.c.execute(ARM_KEY, vec![json!("section.overview")]).await.expect("armed");
        input.send_keys(key).await.expect("typed");
        times.push(until_value(&b, ELAPSED).await);
    }
    println!("| overview | {scale} | key press in the filter to frame | median {:.0} ms |", median(times));
    b.close().await;
}

async fn flat() {
    let b = open(Transport::MmcAgent).await;
    b.open_signed_in(&format!("/?entity={}", OWN.0)).await;
    b.wait_status("available").await;
    b.quiet("XML-RPC").await;
    // A thousand cycles outlast WebDriver's default 30 s script timeout on
    // a slow machine; the page load and implicit waits are left as they are.
    let long = fantoccini::wd::TimeoutConfiguration::new(Some(Duration::from_secs(900)), None, None);
    b.c.update_timeouts(long).await.expect("script timeout");
    let cycles = |n: u64| {
        let b = &b;
        async move {
            b.c.execute_async(CYCLES, vec![json!(n)]).await.expect("cycles");
            full_gc(b).await;
            b.c.execute(MEMORY, vec![]).await.expect("memory")
        }
    };
    let debug = std::env::var("BENCH_DEBUG").is_ok();
    if debug {
        // V8's sampling heap profiler, from the first cycle: what the JS
        // still holds, by the function that allocated it.
        cdp(&b, "HeapProfiler.enable", json!({})).await;
        cdp(&b, "HeapProfiler.startSampling", json!({"samplingInterval": 128})).await;
    }
    let after_10 = cycles(10).await;
    if debug {
        eprintln!("after 10: {}", live_by_function(&b).await);
    }
    let after_1000 = cycles(990).await;
    if debug {
        eprintln!("after 1000: {}", live_by_function(&b).await);
        for n in 2..=4 {
            eprintln!("after {n}000: {}", cycles(1000).await);
            eprintln!("  {}", live_by_function(&b).await);
        }
    }
    let ratio = |key: &str| after_1000[key].as_f64().unwrap_or(f64::NAN) / after_10[key].as_f64().unwrap_or(f64::NAN);
    println!(
        "| flat | 10 → 1,000 check cycles | heap {} → {} bytes ({:.3} ×), DOM {} → {} elements ({:.3} ×) |",
        after_10["heap"],
        after_1000["heap"],
        ratio("heap"),
        after_10["nodes"],
        after_1000["nodes"],
        ratio("nodes")
    );
    let counts = b.c.execute_async(SWITCHES, vec![json!(500)]).await.expect("switches");
    let counts: Vec<String> = counts
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| format!("{}: {} timers, {} listeners", c["switches"], c["timers"], c["listeners"]))
                .collect()
        })
        .unwrap_or_default();
    println!("| flat | 500 entity switches | pending after each hundred: {} |", counts.join("; "));
    b.close().await;
}

#[tokio::main]
async fn main() {
    // SAFETY: set before any thread of ours reads the environment.
    // `BENCH_V8_FLAGS`: more of V8's flags (`--no-opt --no-maglev
    // --no-sparkplug`: no optimised code, to tell its growth from the tab's).
    let v8 = std::env::var("BENCH_V8_FLAGS").map(|f| format!("\n--js-flags={f}")).unwrap_or_default();
    std::env::set_var("CHROMIUM_EXTRA_ARGS", format!("--enable-precise-memory-info{v8}"));
    // `BENCH_ONLY=speed|load|selector|overview|flat`: one part.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let run = |part: &str| only.is_empty() || only == part;
    if run("speed") {
        // `BENCH_SCALES=5,300`: the entity counts (default 5, 300, 5000).
        let scales: Vec<usize> = std::env::var("BENCH_SCALES")
            .unwrap_or_else(|_| "5,300,5000".into())
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect();
        println!(
            "\n| transport | entities | what | delay per answer | own server (Public) | inherited server (Library) |"
        );
        println!("|---|---:|---|---:|---|---|");
        for entities in scales {
            for t in [Transport::MmcAgent, Transport::Rest] {
                speed(t, entities).await;
            }
        }
    }
    if run("load") {
        println!("\n| transport | load, 10 Mbit/s + 40 ms per request | to the status | over the wire | sequential | physical limit | ratio |");
        println!("|---|---|---:|---|---|---:|---:|");
        // `BENCH_TRANSPORT=rest|mmc-agent`: one transport.
        let transport = std::env::var("BENCH_TRANSPORT").unwrap_or_default();
        for t in [Transport::MmcAgent, Transport::Rest] {
            if transport.is_empty() || transport == t.name() {
                load(t).await;
            }
        }
    }
    println!("\n| what | scale | measure | value |\n|---|---|---|---|");
    if run("selector") {
        for entities in
            [5_000, 50_000].into_iter().filter(|n| std::env::var("BENCH_ENTITIES").map_or(true, |e| e == n.to_string()))
        {
            selector(entities).await;
        }
    }
    if run("overview") {
        for t in [Transport::MmcAgent, Transport::Rest] {
            overview(t, 5_000, 200).await;
        }
    }
    if run("flat") {
        flat().await;
    }
}

/// A Chrome DevTools Protocol command, through chromedriver.
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"cmd": self.0, "params": self.1}).to_string()))
    }
}

async fn cdp(b: &Browser, cmd: &'static str, params: Value) -> Value {
    b.c.issue_cmd(Cdp(cmd, params)).await.unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// Every object no longer reachable freed, as DevTools does before a heap
/// snapshot (V8's `CollectAllAvailableGarbage`: collections until nothing
/// more goes). The page's own `gc()` (`--expose-gc`, used before) makes
/// one, which left up to a third of the heap uncollected. The browser's
/// resource timing buffer (up to 250 entries of the requests made) is
/// emptied first: it is the browser's, not the tab's.
async fn full_gc(b: &Browser) {
    b.c.execute("performance.clearResourceTimings();", vec![]).await.expect("timings cleared");
    cdp(b, "HeapProfiler.collectGarbage", json!({})).await;
}

/// The bytes the sampling heap profiler finds still alive (read after the
/// cycles' [`full_gc`]), in all and for the five functions holding most.
async fn live_by_function(b: &Browser) -> String {
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
fn print_profile(profile: &Value) {
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
