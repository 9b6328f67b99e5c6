//! The history of the selected entity's imaging server: the week's strip of
//! statuses, the availability, the image store's forecast, and "Tell me
//! when it is back".

use crate::harness::*;
use fantoccini::Locator;
use medulla_imaging_gateway::store::synthetic;
use medulla_imaging_status::domain::StatusKind;
use serde_json::json;
use std::time::Duration;

const MIN: u64 = 60_000;
const HOUR: u64 = 60 * MIN;
const DAY: u64 = 24 * HOUR;

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

async fn text_of(b: &Browser, css: &str) -> Option<String> {
    b.c.find(Locator::Css(css)).await.ok()?.text().await.ok().filter(|t| !t.is_empty())
}

/// Through the gateway: six days of Public's server in its database (two
/// hours Offline three days ago; its image store losing 5 GB a day down to
/// the 65 GB the simulated server has now): the strip shows the outage,
/// the availability counts it, and the forecast says the 5 GB floor comes
/// in about 12 days, in each language; axe-core finds nothing, strip or
/// table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_a_shrinking_store_has_its_forecast_and_the_week_its_statuses() {
    let sim_port = free_port();
    let history = new_history(sim_port);
    let now = now_ms();
    let (start, outage, end) = (now - 6 * DAY, now - 3 * DAY, now - 10 * MIN);
    let spans = [
        (start, outage, StatusKind::Available),
        (outage, outage + 2 * HOUR, StatusKind::Offline),
        (outage + 2 * HOUR, end, StatusKind::Available),
    ];
    let gb = 1_000_000_000u64;
    let samples: Vec<(u64, u64, u64)> = (0..=(end - start) / HOUR)
        .map(|h| start + h * HOUR)
        .map(|t| (t, 65 * gb + 5 * gb * (now - t) / DAY, 500 * gb))
        .collect();
    synthetic::seed(&history, "UUID2", &spans, &samples).expect("history seeded");
    let options = medulla_sim::Options { port: sim_port, ..Default::default() };
    let gateway = start_gateway_with_history(&options, &history).await;
    let b = open_with(Transport::Rest, |o| {
        o.port = sim_port;
        o.rest_upstream = Some(gateway);
    })
    .await;
    b.control(json!({"store_free_mib": 65 * gb / 1_048_576}));
    b.open_signed_in("/?entity=UUID3").await;
    b.wait_status("available").await;
    let forecast = until("the forecast", || text_of(&b, ".history__forecast")).await;
    assert_eq!(forecast, "At the rate of the last 7 days, the image store reaches the 5 GB floor in about 12 days.");
    let source = text_of(&b, ".history__source").await.unwrap_or_default();
    assert!(source.starts_with("Recorded by the gateway from its users’ checks only"), "{source}");
    // 142 hours Available of 144 observed.
    let availability = b.body_text().await;
    assert!(availability.contains("Available 98.6% of the observed time over the last 7 days"), "{availability}");
    let outage_segment = b.c.find(Locator::Css(".timeline__seg--offline")).await.expect("the outage on the strip");
    let name = outage_segment.attr("aria-label").await.ok().flatten().unwrap_or_default();
    assert!(name.starts_with("Offline from") && name.ends_with("(2 hr 0 min)"), "{name}");
    assert_eq!(outage_segment.attr("tabindex").await.ok().flatten().as_deref(), Some("0"), "reachable with Tab");
    let violations = b.axe_violations().await;
    assert!(violations.is_empty(), "the strip: {violations:?}");
    b.button("Show as a table").await.click().await.expect("as a table");
    let table = until("the table", || text_of(&b, ".timeline-table")).await;
    assert!(table.contains("Offline") && table.contains("2 hr 0 min"), "{table}");
    let violations = b.axe_violations().await;
    assert!(violations.is_empty(), "the table: {violations:?}");
    for (language, expected) in [
        ("Français", "atteint le plancher de 5 Go dans environ 12 jours."),
        ("Español", "llega al mínimo de 5 GB en unos 12 días."),
    ] {
        b.button(language).await.click().await.expect("language");
        // Intl puts a no-break space between a number and its unit.
        let said = || async {
            let text = text_of(&b, ".history__forecast").await?.replace(['\u{a0}', '\u{202f}'], " ");
            text.ends_with(expected).then_some(text)
        };
        until(&format!("the forecast in {language}: …{expected}"), said).await;
        let violations = b.axe_violations().await;
        assert!(violations.is_empty(), "{language}: {violations:?}");
    }
    // The overview: Public and Library (its server's) with the week's
    // availability and the forecast, under 30 days.
    b.button("English").await.click().await.expect("English");
    b.button("Every entity").await.click().await.expect("the overview");
    for entity in ["UUID2", "UUID3"] {
        let row = format!("tr.overview__row[data-entity='{entity}']");
        let (week, full) = until(&format!("{entity}'s history columns"), || async {
            let week = text_of(&b, &format!("{row} .overview__week")).await.filter(|t| t != "—")?;
            Some((week, text_of(&b, &format!("{row} .overview__full")).await?))
        })
        .await;
        assert_eq!((week.as_str(), full.as_str()), ("98.6%", "in about 12 days"), "{entity}");
    }
    let general = text_of(&b, "tr.overview__row[data-entity='UUID0'] .overview__full").await;
    assert_eq!(general.as_deref(), Some("—"), "no samples of a dead server: no forecast");
    b.close().await;
}

/// A server goes down while the user looks: the strip shows it (the
/// gateway's database, or what this browser session saw), "Tell me when
/// it is back" puts the wait in the page's title, and when it is back the
/// page and its title say so; another entity ends it.
async fn the_tab_says_when_the_server_is_back(t: Transport) {
    let b = open(t).await;
    b.configure(json!({"poll_seconds": 5}));
    b.control(json!({"connect_timeout_ms": 300}));
    b.open_signed_in("/?entity=UUID3").await;
    b.wait_status("available").await;
    let source = until("the history", || text_of(&b, ".history__source")).await;
    let from = match t {
        Transport::MmcAgent => "What this browser session saw",
        Transport::Rest => "Recorded by the gateway",
    };
    assert!(source.starts_with(from), "{source}");
    let own_title = b.c.title().await.unwrap_or_default();
    b.control(json!({"entity": "UUID2", "status": "offline"}));
    b.wait_status("offline").await;
    b.button("Tell me when it is back").await.click().await.expect("asked");
    let waiting = until("the title", || async { b.c.title().await.ok().filter(|t| t.starts_with('…')) }).await;
    assert!(waiting.contains("Waiting for the imaging server of General > Public > Library"), "{waiting}");
    // Down for a poll or two, in the history too.
    tokio::time::sleep(Duration::from_secs(6)).await;
    b.control(json!({"entity": "UUID2", "status": "available"}));
    b.wait_status("available").await;
    let back = until("said back", || text_of(&b, ".back-notice__back")).await;
    assert_eq!(back, "The imaging server of General > Public > Library is available again.");
    let title = b.c.title().await.unwrap_or_default();
    assert!(title.starts_with('✔') && title.contains("is available again"), "{title}");
    until("the outage on the strip", || async { b.c.find(Locator::Css(".timeline__seg--offline")).await.ok() }).await;
    b.select_entity("Public", "General > Public").await;
    b.wait_status("available").await;
    assert!(text_of(&b, ".back-notice__back").await.is_none(), "another entity: nothing to say");
    assert_eq!(b.c.title().await.unwrap_or_default(), own_title, "the page's own title again");
    // The overview's week: the outage counted, for both of the server's
    // entities.
    b.button("Every entity").await.click().await.expect("the overview");
    for entity in ["UUID2", "UUID3"] {
        let row = format!("tr.overview__row[data-entity='{entity}'] .overview__week");
        let week =
            until(&format!("{entity}'s week"), || async { text_of(&b, &row).await.filter(|t| t.ends_with('%')) }).await;
        let share: f64 = week.trim_end_matches('%').parse().unwrap_or(100.0);
        assert!(share < 100.0 && share > 0.0, "{entity}: {week}");
    }
    b.close().await;
}

on_both_transports!(the_tab_says_when_the_server_is_back);

/// Straight to the agent, the views come from what this browser session
/// saw: its clock moved two hours at a time (the test's stand-in for a
/// tab left open half a day), seven checks of a store losing 5 GB a day
/// down to 65 GB give the same forecast as the gateway's history would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mmc_agent_a_session_sees_its_store_shrink() {
    let b = open(Transport::MmcAgent).await;
    b.goto("/?entity=UUID3").await;
    // `Date.now`, which the tab reads its clock from, `__shift` ms ahead
    // (in Firefox, of the page's own `Date`, past the script's wrapper).
    let clock = "const w = window.wrappedJSObject || window;
                 if (!w.__real) {
                   w.__real = w.Date.now.bind(w.Date); w.__shift = 0;
                   const now = () => w.__real() + w.__shift;
                   if (typeof exportFunction === 'function') { exportFunction(now, w.Date, { defineAs: 'now' }); }
                   else { w.Date.now = now; }
                 }";
    b.c.execute(clock, vec![]).await.expect("the clock installed");
    let gb = 1_000_000_000u64;
    b.control(json!({"store_free_mib": (65 * gb + 5 * gb / 2) / 1_048_576}));
    b.sign_in_as(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await;
    b.wait_status("available").await;
    let checked_at = || async { b.find("//section[@data-status]").await.attr("data-checked-at").await.ok().flatten() };
    for i in 0..=6u64 {
        let hours = 2 * i;
        b.control(json!({"store_free_mib": (65 * gb + 5 * gb * (12 - hours) / 24) / 1_048_576}));
        let shift = "(window.wrappedJSObject || window).__shift = arguments[0];";
        b.c.execute(shift, vec![json!(hours * HOUR)]).await.expect("the clock moved");
        let before = checked_at().await;
        b.button("Refresh now").await.click().await.expect("refreshed");
        until("a new check", || async { checked_at().await.filter(|t| Some(t) != before.as_ref()) }).await;
    }
    let source = until("the history", || text_of(&b, ".history__source")).await;
    assert!(source.starts_with("What this browser session saw"), "{source}");
    let forecast = until("the forecast", || async {
        text_of(&b, ".history__forecast").await.filter(|t| t.contains("floor in about"))
    })
    .await;
    assert_eq!(forecast, "At the rate of the last 7 days, the image store reaches the 5 GB floor in about 12 days.");
    b.close().await;
}
