//! The history at Medulla's scale, measured: a 90-day database of 200
//! imaging servers (made by `store::synthetic`, as the store holds it after
//! that long), its size on disk, the hourly pruning on it, and the history
//! request of one entity through the gateway program
//! (`GET /entities/{id}/history`, 7 and 90 days; the median and the
//! slowest of 21, each entity's server already known). `bash
//! scripts/bench.sh` prints its table (issue 25's limits: 50 MB, 50 ms);
//! not part of the test suite's pass/fail.

mod common;

use common::{sign_in, start_gateway};
use std::time::{Duration, Instant, SystemTime};

const SERVERS: usize = 200;
const DAYS: u32 = 90;
const RUNS: usize = 21;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    // Sites UUID5 onwards, each with an imaging server of its own.
    let options = medulla_sim::Options { extra_entities: SERVERS, extra_servers: SERVERS, ..Default::default() };
    let sim = medulla_sim::start(options).await.expect("simulator");
    let keys: Vec<String> = (5..5 + SERVERS).map(|i| format!("UUID{i}")).collect();
    let folder = std::env::temp_dir().join("medulla-history-bench");
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("a folder");
    let path = folder.join("history.sqlite3");
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("a clock").as_millis() as u64;
    let made = Instant::now();
    let pruning = medulla_imaging_gateway::store::synthetic::generate(&path, &keys, DAYS, now).expect("generated");
    let made = made.elapsed();
    let bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok())
        .map(|m| m.len())
        .sum();
    let scale = format!("{SERVERS} servers, {DAYS} days");
    println!(
        "| history | {scale} | database on disk (made in {:.0} s) | {:.1} MB |",
        made.as_secs_f64(),
        bytes as f64 / 1e6
    );
    println!("| history | {scale} | the hourly pruning | {:.0} ms |", ms(pruning));

    let gateway = start_gateway(&sim, &format!("history = {}\nhistory_days = {DAYS}", path.display())).await;
    let http = reqwest::Client::new();
    let cookie = sign_in(&http, &gateway.base).await;
    let get = |entity: &str, days: u32| {
        let request =
            http.get(format!("{}/entities/{entity}/history?days={days}", gateway.base)).header("cookie", &cookie);
        let entity = entity.to_string();
        async move {
            let started = Instant::now();
            let answer = request.send().await.expect("sent");
            assert_eq!(answer.status().as_u16(), 200, "history of {entity}");
            let body = answer.bytes().await.expect("a body");
            (started.elapsed(), body.len())
        }
    };
    for days in [7, 90] {
        let mut times = Vec::new();
        let mut sizes = Vec::new();
        for n in 0..RUNS {
            let entity = &keys[(n * 9) % SERVERS];
            // Its server learnt first, as when the tab asks its status.
            get(entity, 1).await;
            let (took, size) = get(entity, days).await;
            times.push(took);
            sizes.push(size);
        }
        times.sort();
        sizes.sort();
        println!(
            "| history | {scale} | GET /entities/{{id}}/history?days={days}: median, slowest of {RUNS} | {:.1} ms, {:.1} ms ({} KB) |",
            ms(times[RUNS / 2]),
            ms(times[RUNS - 1]),
            sizes[RUNS / 2] / 1000,
        );
    }
    drop(gateway);
    let _ = std::fs::remove_dir_all(&folder);
}
