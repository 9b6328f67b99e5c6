//! Switches and cold starts at 5, 300 and 5,000 entities, with a delay
//! added to every answer the browser gets: time, sequential rounds, and the
//! switch's own requests.

use super::*;

pub(crate) fn protocol(t: Transport) -> &'static str {
    match t {
        Transport::MmcAgent => "XML-RPC",
        Transport::Rest => "REST",
    }
}

/// Whether a logged call is the one that asks a status.
pub(crate) fn asks_status(c: &medulla_sim::Logged) -> bool {
    c.method == "imaging.getGlobalStatus" || c.method.ends_with("/imaging-server-status")
}

/// Whether a logged call is the switch's own: about the entity shown or
/// the owner of its server (Public), or about none (the relay list); not
/// the learning of the other entities' topology going on around it.
pub(crate) fn own_call(c: &medulla_sim::Logged, to: &str) -> bool {
    c.entity.as_deref().is_none_or(|e| e == to || e == OWN.0)
}

/// The switch's own calls, among those logged since its click.
pub(crate) fn own_since(b: &Browser, mark: usize, to: &str) -> Vec<medulla_sim::Logged> {
    let log = b.sim.sim.call_log();
    log.get(mark..).unwrap_or_default().iter().filter(|c| own_call(c, to)).cloned().collect()
}

/// How many of `own` came before the first status request.
pub(crate) fn before_status(own: &[medulla_sim::Logged]) -> usize {
    own.iter().position(asks_status).unwrap_or(own.len())
}

/// Of `own`, those until the status showed (`shown_ms`): how many, and in
/// how many sequential rounds (a call sent more than half a `delay` after
/// its round began begins the next one, as [`medulla_sim::Sim::rounds`]
/// counts).
pub(crate) fn own_calls(own: &[medulla_sim::Logged], shown_ms: u64, delay: u64) -> (usize, usize) {
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
pub(crate) async fn switch(b: &Browser, to: (&str, &str), delay: u64) -> (f64, usize, usize, usize) {
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
pub(crate) async fn cold(b: &Browser, t: Transport, to: (&str, &str), scale: bool) -> (f64, usize, usize) {
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
pub(crate) async fn speed(t: Transport, entities: usize) {
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
