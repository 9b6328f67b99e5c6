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
//! - load: through a throttled link, cold and second visit, with 5, 300
//!   and 5,000 entities (`BENCH_CHAIN=1` prints each request with its
//!   round and times, `BENCH_PROFILE=1` where a second visit's CPU time
//!   goes, `BENCH_PROFILE_DUMP=file` writes that profile,
//!   `BENCH_TRANSPORT=rest` or `mmc-agent` loads through one,
//!   `BENCH_LOAD=cold` or `warm` only that load);
//! - flat over time: the JS heap (after a garbage collection) and the DOM
//!   after 10 and 1,000 check cycles, and timers and listeners left after
//!   500 entity switches.

#![allow(dead_code, unused_macros, unused_imports)]

#[path = "../../tests/e2e/harness.rs"]
mod harness;

use harness::*;
use serde_json::{json, Value};
use std::time::Duration;

mod devtools;
mod load;
mod page;
mod scale;
mod speed;

use devtools::*;
use load::*;
use page::*;
use scale::*;
use speed::*;

const DELAYS: [u64; 3] = [0, 100, 300];
/// Runs of a load or a switch, their median reported: 3, or `BENCH_RUNS`.
fn run_count() -> usize {
    std::env::var("BENCH_RUNS").ok().and_then(|r| r.parse().ok()).filter(|r| *r > 0).unwrap_or(3)
}
const OWN: (&str, &str) = ("UUID2", "General > Public");
const INHERITED: (&str, &str) = ("UUID3", "General > Public > Library");

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    if xs.is_empty() {
        f64::NAN
    } else {
        xs[xs.len() / 2]
    }
}

async fn until_value(b: &Browser, script: &str) -> f64 {
    until("a measure", || async { b.c.execute(script, vec![]).await.ok().and_then(|v| v.as_f64()) }).await
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
    // `BENCH_SCALES=5,300`: the entity counts of the speed and load parts
    // (default 5, 300, 5000).
    let scales: Vec<usize> = std::env::var("BENCH_SCALES")
        .unwrap_or_else(|_| "5,300,5000".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    if run("speed") {
        println!(
            "\n| transport | entities | what | delay per answer | own server (Public) | inherited server (Library) |"
        );
        println!("|---|---:|---|---:|---|---|");
        for &entities in &scales {
            for t in [Transport::MmcAgent, Transport::Rest] {
                speed(t, entities).await;
            }
        }
    }
    if run("load") {
        println!("\n| transport | entities | load, 10 Mbit/s + 40 ms per request | to the status | over the wire | sequential | physical limit | ratio |");
        println!("|---|---:|---|---:|---|---|---:|---:|");
        // `BENCH_TRANSPORT=rest|mmc-agent`: one transport.
        let transport = std::env::var("BENCH_TRANSPORT").unwrap_or_default();
        for &entities in &scales {
            for t in [Transport::MmcAgent, Transport::Rest] {
                if transport.is_empty() || transport == t.name() {
                    load(t, entities).await;
                }
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
