//! The gateway under load, measured: the program as the unit runs it, in
//! front of the simulated agent with Medulla's real 30 s wait for a dead
//! host. `bash scripts/bench.sh` prints its table; not part of the test
//! suite's pass/fail (the tests in gateway/tests/load.rs hold the limits).
//!
//! - memory: the gateway's resident memory after 5,000 requests from 50
//!   sessions, against after the first 500 (sign-ins, topology learnt);
//! - dead servers: six sessions refresh a dead server every second for
//!   20 s while two refresh live ones: the slowest answer of each kind,
//!   and how many times the agent waited for the dead host at once.

mod common;

use common::{sign_in, start_gateway};
use serde_json::Value;
use std::time::{Duration, Instant};

const SESSIONS: usize = 50;
const REQUESTS: usize = 5_000;

/// The gateway's resident memory, in bytes (`VmRSS`).
fn resident(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = status.lines().find_map(|l| l.strip_prefix("VmRSS:")?.trim().strip_suffix("kB")?.trim().parse().ok());
    kib.unwrap_or(0u64) * 1024
}

/// One request as the tab makes them, the `n`th of a session: statuses
/// (now and then a new check), activities, the entities, an overview.
async fn request(http: &reqwest::Client, base: &str, cookie: &str, n: usize, entities: usize) -> (u16, Duration) {
    let entity = format!("UUID{}", (n * 7) % entities);
    let (path, fresh) = match n % 20 {
        0 => ("entities".to_string(), false),
        1 => ("imaging-overview".to_string(), false),
        2..=4 => (format!("entities/{entity}/imaging-activities?limit=10"), false),
        5 => (format!("entities/{entity}/imaging-server-status"), true),
        _ => (format!("entities/{entity}/imaging-server-status"), false),
    };
    let mut get = http.get(format!("{base}/{path}")).header("cookie", cookie);
    if fresh {
        get = get.header("cache-control", "no-cache");
    }
    let started = Instant::now();
    let status = get.send().await.map(|a| a.status().as_u16()).unwrap_or(0);
    (status, started.elapsed())
}

async fn memory() {
    let options = medulla_sim::Options { extra_entities: 295, extra_servers: 60, ..Default::default() };
    let sim = medulla_sim::start(options).await.expect("simulator");
    let gateway = start_gateway(&sim, "").await;
    let pid = gateway.child.id().expect("running");
    let http = reqwest::Client::new();
    let mut cookies = Vec::new();
    for _ in 0..SESSIONS {
        cookies.push(sign_in(&http, &gateway.base).await);
    }
    let run = |from: usize, to: usize| {
        let (http, base, cookies) = (http.clone(), gateway.base.clone(), cookies.clone());
        async move {
            let sessions = cookies.into_iter().enumerate().map(|(s, cookie)| {
                let (http, base) = (http.clone(), base.clone());
                tokio::spawn(async move {
                    let mut out = Vec::new();
                    for n in (from..to).filter(|n| n % SESSIONS == s) {
                        out.push(request(&http, &base, &cookie, n, 300).await);
                    }
                    out
                })
            });
            let mut answers = Vec::new();
            for session in sessions.collect::<Vec<_>>() {
                answers.extend(session.await.expect("joined"));
            }
            answers
        }
    };
    let first = run(0, REQUESTS / 10).await;
    let after_first = resident(pid);
    let rest = run(REQUESTS / 10, REQUESTS).await;
    let after_all = resident(pid);
    let failed = first.iter().chain(&rest).filter(|(s, _)| *s >= 500 || *s == 0).count();
    let mut times: Vec<Duration> = rest.iter().map(|(_, t)| *t).collect();
    times.sort();
    let mib = |b: u64| b as f64 / 1_048_576.0;
    println!(
        "| gateway | {SESSIONS} sessions, 300 entities | resident memory after {} requests | {:.1} MiB |",
        REQUESTS / 10,
        mib(after_first)
    );
    println!(
        "| gateway | {SESSIONS} sessions, 300 entities | after {REQUESTS} requests | {:.1} MiB ({:+.1} MiB) |",
        mib(after_all),
        mib(after_all) - mib(after_first)
    );
    println!(
        "| gateway | {SESSIONS} sessions, 300 entities | answer time, median / 99th percentile | {:.0} / {:.0} ms ({failed} failed) |",
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[times.len() * 99 / 100].as_secs_f64() * 1000.0
    );
}

async fn dead_servers() {
    let sim = medulla_sim::start(medulla_sim::Options::default()).await.expect("simulator");
    let gateway = start_gateway(&sim, "").await;
    let http = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs(20);
    let mut users = Vec::new();
    for i in 0..8 {
        let cookie = sign_in(&http, &gateway.base).await;
        let (http, base) = (http.clone(), gateway.base.clone());
        let entity = if i < 6 { "UUID0" } else { "UUID2" };
        users.push(tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            while Instant::now() < until {
                let next = Instant::now() + Duration::from_secs(1);
                let started = Instant::now();
                let answer = http
                    .get(format!("{base}/entities/{entity}/imaging-server-status"))
                    .header("cookie", &cookie)
                    .header("cache-control", "no-cache")
                    .send()
                    .await
                    .expect("sent");
                let status: Value = answer.json().await.unwrap_or_default();
                assert!(status["status"].is_string(), "{status}");
                slowest = slowest.max(started.elapsed());
                tokio::time::sleep_until(next.into()).await;
            }
            (entity, slowest)
        }));
    }
    let (mut dead, mut live) = (Duration::ZERO, Duration::ZERO);
    for user in users {
        let (entity, slowest) = user.await.expect("joined");
        match entity {
            "UUID0" => dead = dead.max(slowest),
            _ => live = live.max(slowest),
        }
    }
    let scenario = "6 sessions refresh a dead server (30 s wait) every second, 2 a live one, 20 s";
    println!("| gateway | {scenario} | slowest live answer | {:.0} ms |", live.as_secs_f64() * 1000.0);
    println!("| gateway | {scenario} | slowest answer about the dead server | {:.0} ms |", dead.as_secs_f64() * 1000.0);
    println!(
        "| gateway | {scenario} | the agent's waits for the dead host at once | {} |",
        sim.sim.most_dead_waits_at_once("UUID0")
    );
}

#[tokio::main]
async fn main() {
    println!();
    println!("| part | scale | measure | value |");
    println!("|---|---|---|---|");
    memory().await;
    dead_servers().await;
}
