//! The gateway while imaging servers are dead, against an agent that waits
//! for a dead host as Medulla's does (30 s before it answers `{}`): nobody
//! else's check is held up, and a dead server is asked once at a time
//! however often its users refresh.

mod common;

use common::{setup_on, Setup};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The agent as Medulla runs it: 30 s before it gives up on a dead host.
fn real_agent(extra_entities: usize, extra_servers: usize) -> medulla_sim::Options {
    medulla_sim::Options {
        connect_timeout: Duration::from_secs(30),
        extra_entities,
        extra_servers,
        ..Default::default()
    }
}

/// One answer: its status code, the imaging status said, how long it took.
#[derive(Debug)]
struct Timed {
    code: u16,
    status: String,
    took: Duration,
}

async fn timed(s: &Setup, cookie: &str, path: &str) -> Timed {
    let started = Instant::now();
    let (code, body) = s.get(cookie, path, Some("no-cache")).await;
    let json: Value = serde_json::from_slice(&body).unwrap_or_default();
    Timed { code, status: json["status"].as_str().unwrap_or_default().to_string(), took: started.elapsed() }
}

/// Refreshes `entity`'s status every `every` until `until`, as a user
/// clicking "Refresh now" does.
async fn refresh(s: &Setup, cookie: &str, entity: &str, every: Duration, until: Instant) -> Vec<Timed> {
    let path = format!("entities/{entity}/imaging-server-status");
    let mut answers = Vec::new();
    while Instant::now() < until {
        let next = Instant::now() + every;
        answers.push(timed(s, cookie, &path).await);
        tokio::time::sleep_until(next.into()).await;
    }
    answers
}

fn slowest(answers: &[Timed]) -> Duration {
    answers.iter().map(|a| a.took).max().unwrap_or_default()
}

/// Six users refresh a dead server (General's: host down, relay off the
/// bus) every second for 20 s, asking each time for a new check, while two
/// others refresh live ones: no live answer takes more than a second, the
/// dead server is said Offline at once every time, and the agent is asked
/// about it once at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_server_refreshed_by_six_users_holds_up_nobody() {
    let s = std::sync::Arc::new(setup_on(real_agent(0, 0), |_| {}).await);
    let mut cookies = Vec::new();
    for _ in 0..8 {
        cookies.push(s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in"));
    }
    let until = Instant::now() + Duration::from_secs(20);
    let users: Vec<_> = cookies
        .into_iter()
        .enumerate()
        .map(|(i, cookie)| {
            let s = s.clone();
            let entity = match i {
                0..6 => "UUID0",
                6 => "UUID2",
                _ => "UUID3",
            };
            tokio::spawn(async move { (entity, refresh(&s, &cookie, entity, Duration::from_secs(1), until).await) })
        })
        .collect();
    let (mut dead, mut live) = (Vec::new(), Vec::new());
    for user in users {
        let (entity, answers) = user.await.expect("joined");
        match entity {
            "UUID0" => dead.extend(answers),
            _ => live.extend(answers),
        }
    }
    assert!(dead.len() >= 6 * 18 && live.len() >= 2 * 18, "{} and {} answers", dead.len(), live.len());
    for a in &live {
        assert!(a.code == 200 && a.status == "available", "{a:?}");
    }
    assert!(slowest(&live) <= Duration::from_secs(1), "a live server's check took {:?}", slowest(&live));
    for a in &dead {
        assert!(a.code == 200 && a.status == "offline", "{a:?}");
    }
    assert!(slowest(&dead) <= Duration::from_secs(1), "the dead server's took {:?}", slowest(&dead));
    let waits = s.sim.sim.most_dead_waits_at_once("UUID0");
    assert_eq!(waits, 1, "the agent waited for the dead host {waits} times at once");
}

/// One user opens the overview, asking for new checks, while four imaging
/// servers are dead; another user's checks of a live server are not held
/// up by a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_with_four_dead_servers_holds_up_nobody() {
    // Twelve more entities, six with a server of their own: UUID5, 7, 9,
    // 11, 13 and 15.
    let s = std::sync::Arc::new(setup_on(real_agent(12, 6), |_| {}).await);
    for entity in ["UUID5", "UUID7", "UUID9"] {
        let control =
            medulla_sim::Control { entity: Some(entity.into()), status: Some("offline".into()), ..Default::default() };
        s.sim.sim.control(control).expect("made dead");
    }
    let (admin, other) = (
        s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in"),
        s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in"),
    );
    let until = Instant::now() + Duration::from_secs(8);
    let checks = tokio::spawn({
        let s = s.clone();
        async move { refresh(&s, &other, "UUID11", Duration::from_millis(250), until).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut overviews = 0;
    while Instant::now() + Duration::from_secs(2) < until {
        let (code, body) = s.get(&admin, "imaging-overview", Some("no-cache")).await;
        assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
        let json: Value = serde_json::from_slice(&body).expect("json");
        let offline = json["items"].as_array().expect("items").iter().filter(|i| i["status"] == "offline").count();
        assert_eq!((offline, json["unreachable"].as_array().map(Vec::len)), (4, Some(0)), "{json}");
        overviews += 1;
    }
    let checks = checks.await.expect("joined");
    assert!(overviews >= 2 && checks.len() >= 20, "{overviews} overviews, {} checks", checks.len());
    for a in &checks {
        assert!(a.code == 200 && a.status == "available", "{a:?}");
    }
    assert!(slowest(&checks) <= Duration::from_secs(1), "a check took {:?} beside the overview", slowest(&checks));
    for dead in ["UUID0", "UUID5", "UUID7", "UUID9"] {
        assert_eq!(s.sim.sim.most_dead_waits_at_once(dead), 1, "{dead}");
    }
}
