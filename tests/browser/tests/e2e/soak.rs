//! A randomized status-truth soak: hundreds of random steps (switch entity,
//! flip a server, slow or fail the agent, expire the session, refresh,
//! click actions) with the tab's promises checked after every step and,
//! in the page, at every change of the DOM:
//!
//! - no action enabled unless the status shown is Available and is the
//!   selected entity's;
//! - no status or figure of an entity other than the selected one;
//! - an action that opens a console page does so only for the entity shown
//!   Available, as of a check younger than the freshness limit (so never
//!   after a re-check that said otherwise);
//! - once the agent behaves again, the status shown is Medulla's.
//!
//! Fixed seed in the suite; `SOAK_SEED=random` (printed) or a number, and
//! `SOAK_STEPS`, on demand:
//! `SOAK_SEED=random cargo test -p browser-tests --test e2e soak`.

use crate::harness::*;
use serde_json::{json, Value};
use std::time::Duration;

const DEFAULT_SEED: u64 = 20_261_128;
const DEFAULT_STEPS: usize = 200;
/// The tab's freshness limit (`FRESH_MS`), plus the time between the
/// re-check's answer and the page leaving.
const FRESH_MS: f64 = 5_000.0 + 750.0;

/// xorshift64*: small, and the same sequence for the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn seed() -> u64 {
    match std::env::var("SOAK_SEED").as_deref() {
        Err(_) | Ok("") => DEFAULT_SEED,
        Ok("random") => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            (now.as_nanos() as u64) | 1
        }
        Ok(n) => n.parse().unwrap_or_else(|_| panic!("SOAK_SEED={n}: a number or \"random\"")),
    }
}

/// Watches the page: every DOM change is checked against the invariants;
/// when the page leaves (an action opened a console page), what it showed
/// is kept in `sessionStorage` for the test to check.
const MONITOR: &str = r#"
if (!window.__soak) {
  const found = window.__soak = [];
  const state = () => {
    const s = document.querySelector('section.status');
    return s && { status: s.dataset.status, entity: s.dataset.entity || null,
                  selected: s.dataset.selected || null, checked: Number(s.dataset.checkedAt || 0) };
  };
  const check = () => {
    const s = state();
    if (!s) return;
    const enabled = [...document.querySelectorAll('button.action')].filter(b => !b.disabled).length;
    const figures = document.querySelector('section.figures');
    if (s.entity && s.entity !== s.selected) found.push(`status of ${s.entity} shown while ${s.selected} is selected`);
    if (figures && figures.dataset.entity !== s.selected) found.push(`figures of ${figures.dataset.entity} while ${s.selected} is selected`);
    // Live figures only while Available; a past check's only otherwise.
    const live = figures && figures.dataset.live === 'true';
    if (live && s.status !== 'available') found.push(`live figures shown while ${s.status}`);
    if (figures && !live && s.status === 'available') found.push('last known figures shown while available');
    if (enabled && !(s.status === 'available' && s.entity === s.selected))
      found.push(`${enabled} action(s) enabled while ${s.status} (${s.entity}, selected ${s.selected})`);
  };
  new MutationObserver(check).observe(document.documentElement,
    { subtree: true, childList: true, attributes: true, characterData: true });
  window.addEventListener('pagehide', () => {
    check();
    sessionStorage.setItem('soak-left', JSON.stringify(Object.assign({ at: Date.now(), found }, state())));
  });
}
return true;
"#;

async fn install_monitor(b: &Browser) {
    b.c.execute(MONITOR, vec![]).await.expect("monitor installed");
}

async fn violations(b: &Browser) -> Vec<String> {
    let found = b.c.execute("return window.__soak || []", vec![]).await.expect("violations read");
    serde_json::from_value(found).unwrap_or_default()
}

/// The entity a console page was opened for (`location=UUID2` or
/// `entity_id=2`).
fn console_entity(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| match pair.split_once('=')? {
        ("location", v) => Some(v.to_string()),
        ("entity_id", n) => Some(format!("UUID{n}")),
        _ => None,
    })
}

const ENTITIES: [(&str, &str, &str); 5] = [
    ("UUID0", "General", "General"),
    ("UUID1", "Priv", "General > Private"),
    ("UUID2", "Pub", "General > Public"),
    ("UUID3", "Libr", "General > Public > Library"),
    ("UUID4", "Works", "General > Workshop"),
];
const SERVERS: [&str; 3] = ["UUID0", "UUID1", "UUID2"];
const NAVIGATING: [&str; 3] = ["Deploy an image", "Create a reference image", "Start a multicast"];

async fn status_truth_soak(t: Transport) {
    let seed = seed();
    let steps: usize = std::env::var("SOAK_STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_STEPS);
    println!("soak on {}: SOAK_SEED={seed} SOAK_STEPS={steps}", t.name());
    let mut rng = Rng(seed);
    let b = open(t).await;
    b.configure(json!({"poll_seconds": 5, "request_timeout_seconds": 3}));
    b.control(json!({"connect_timeout_ms": 1500}));
    b.open_signed_in("/?entity=UUID2").await;
    install_monitor(&b).await;
    let mut selected = "UUID2";
    let mut launches = 0;
    for step in 1..=steps {
        let what = match rng.below(100) {
            0..=24 => {
                let (uuid, typed, path) = *rng.pick(&ENTITIES);
                if b.status().await != "signed-out" {
                    b.select_entity(typed, path).await;
                    selected = uuid;
                }
                format!("select {uuid}")
            }
            25..=44 => {
                let entity = *rng.pick(&SERVERS);
                // Available half the time, so that actions often run.
                let status = *rng.pick(&["available", "available", "offline", "connection_error"]);
                b.control(json!({"entity": entity, "status": status}));
                format!("{entity} becomes {status}")
            }
            45..=54 => {
                let entity = *rng.pick(&SERVERS);
                let ms = *rng.pick(&[0u64, 800, 2500]);
                b.control(json!({"slow_entity": {"uuid": entity, "ms": ms}}));
                format!("{entity} answers after {ms} ms")
            }
            55..=64 => {
                let mode = *rng.pick(&["http_500", "garbage", "truncated", "fault", "exception"]);
                b.control(json!({"fail": {"mode": mode, "count": 1}}));
                format!("the next call fails: {mode}")
            }
            65..=69 => {
                b.control(json!({"expire_sessions": true}));
                "the session expires".into()
            }
            70..=89 => {
                let action = *rng.pick(&NAVIGATING);
                let enabled = match b
                    .c
                    .find(fantoccini::Locator::XPath(&format!("//button[normalize-space()='{action}']")))
                    .await
                {
                    Ok(button) => {
                        button.attr("disabled").await.ok().flatten().is_none() && button.click().await.is_ok()
                    }
                    Err(_) => false,
                };
                if enabled {
                    // Launched (a console page) or refused (an outcome).
                    until(&format!("step {step}: the outcome of {action}"), || async {
                        let gone = b.url().await.contains("/mmc/");
                        (gone || b.c.find(fantoccini::Locator::Css(".outcome")).await.is_ok()).then_some(())
                    })
                    .await;
                }
                format!("click {action} ({})", if enabled { "enabled" } else { "disabled" })
            }
            90..=94 => {
                if let Ok(button) =
                    b.c.find(fantoccini::Locator::XPath("//button[normalize-space()='Refresh now']")).await
                {
                    let _ = button.click().await;
                }
                "refresh".into()
            }
            _ => "wait".into(),
        };
        tokio::time::sleep(Duration::from_millis(150 + rng.below(700) as u64)).await;

        // An action opened a console page: check what the tab showed as it
        // left, and come back.
        let url = b.url().await;
        if url.contains("/mmc/") {
            launches += 1;
            let left: Value =
                b.c.execute("return JSON.parse(sessionStorage.getItem('soak-left') || 'null')", vec![])
                    .await
                    .expect("record read");
            let target = console_entity(&url);
            let age = left["at"].as_f64().unwrap_or(0.0) - left["checked"].as_f64().unwrap_or(0.0);
            assert!(
                left["status"] == "available"
                    && left["entity"].as_str() == target.as_deref()
                    && left["selected"].as_str() == target.as_deref()
                    && age <= FRESH_MS,
                "step {step} ({what}): launched {url} while the tab showed {left} (check {age} ms old); seed {seed}"
            );
            let found = left["found"].as_array().cloned().unwrap_or_default();
            assert!(found.is_empty(), "step {step} ({what}): {found:?}; seed {seed}");
            b.goto(&format!("/?entity={selected}")).await;
            until("the tab again", || async { (!b.status().await.is_empty()).then_some(()) }).await;
            install_monitor(&b).await;
        }
        if b.status().await == "signed-out" {
            // A failure still pending would fail the sign-in itself (a
            // check makes few calls: it may not have been used yet).
            b.control(json!({"fail": {"mode": "http_500", "count": 0}}));
            b.sign_in_as(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await;
            until("signed in again", || async { (b.status().await != "signed-out").then_some(()) }).await;
        }
        let found = violations(&b).await;
        assert!(found.is_empty(), "step {step} ({what}): {found:?}; seed {seed}");

        // Now and then the agent behaves again: the tab must then show
        // Medulla's status for the selected entity.
        if step % 40 == 0 {
            for entity in SERVERS {
                b.control(json!({"slow_entity": {"uuid": entity, "ms": 0}}));
            }
            b.control(json!({"fail": {"mode": "http_500", "count": 0}}));
            let truth = b.sim.sim.truth(selected).expect("a known entity").replace('_', "-");
            let started = std::time::Instant::now();
            while b.status().await != truth {
                if b.status().await == "signed-out" {
                    b.sign_in_as(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await;
                } else if let Ok(button) =
                    b.c.find(fantoccini::Locator::XPath("//button[normalize-space()='Refresh now']")).await
                {
                    let _ = button.click().await;
                }
                tokio::time::sleep(Duration::from_millis(400)).await;
                assert!(
                    started.elapsed() < PATIENCE,
                    "step {step}: {selected} should show {truth}, shows {}; seed {seed}; page:\n{}",
                    b.status().await,
                    b.body_text().await
                );
            }
        }
    }
    println!("soak on {}: {steps} steps, {launches} console pages opened, 0 violations", t.name());
    b.close().await;
}

on_both_transports!(status_truth_soak);
