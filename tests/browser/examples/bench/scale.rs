//! The selector with 5,000 and 50,000 entities, the overview of 5,000,
//! and the long run (heap, DOM, timers and listeners flat over time).

use super::*;

pub(crate) async fn selector(entities: usize) {
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
pub(crate) async fn overview(t: Transport, entities: usize, servers: usize) {
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

pub(crate) async fn flat() {
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
