//! The app's own MMC agent client and status rules, run natively over
//! `AgentHttp` against the simulated agent (which answers as Medulla's:
//! numbers as strings, exception structs, the 30-second wait for a dead
//! host): the same code as in the browser, only the HTTP layer differs.

use medulla_imaging_gateway::agent_http::{AgentLink, Limits};
use medulla_imaging_gateway::AgentHttp;
use medulla_imaging_status::api::{ApiError, ImagingApi, MmcAgent, Progress};
use medulla_imaging_status::config::{BasicAuth, Config};
use medulla_imaging_status::domain::{RelayPresence, ServerStatus, Since};
use medulla_sim::{Options, Running};
use std::sync::Mutex;
use std::time::Duration;

async fn simulator() -> Running {
    let options =
        Options { connect_timeout: Duration::from_millis(600), hang: Duration::from_secs(5), ..Options::default() };
    medulla_sim::start(options).await.expect("simulator")
}

fn agent(sim: &Running) -> MmcAgent<AgentHttp> {
    let config = Config {
        agent_url: format!("{}mmc-agent/", sim.url()),
        agent_basic_auth: Some(BasicAuth {
            login: medulla_sim::AGENT_LOGIN.into(),
            password: medulla_sim::AGENT_PASSWORD.into(),
        }),
        request_timeout_seconds: 1,
        ..Config::default()
    };
    let limits = Limits { agent_calls: 4, server_calls: 4, wait: Duration::from_secs(5) };
    MmcAgent::with(AgentHttp::new(AgentLink::new(None, limits).expect("client")), &config)
}

fn control(sim: &Running, request: serde_json::Value) {
    let c = serde_json::from_value(request).expect("control");
    sim.sim.control(c).expect("applied");
}

#[tokio::test]
async fn the_demo_statuses_natively() {
    let sim = simulator().await;
    let agent = agent(&sim);
    assert_eq!(agent.entities().await, Err(ApiError::SignedOut), "no session yet");
    assert_eq!(agent.sign_in(medulla_sim::USER_LOGIN, "wrong").await, Ok(false));
    assert_eq!(agent.sign_in(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await, Ok(true));
    let entities = agent.entities().await.expect("entities");
    assert_eq!(
        entities.iter().map(|e| e.uuid.as_str()).collect::<Vec<_>>(),
        ["UUID0", "UUID1", "UUID2", "UUID3", "UUID4"]
    );

    // General: its relay is absent, so Offline before the agent's own
    // (simulated) connect timeout, then Offline for good.
    let heard = Mutex::new(Vec::new());
    let report = agent.status("UUID0", 0, &|p| heard.lock().expect("heard").push(p)).await.expect("General");
    assert_eq!(report.status, ServerStatus::Offline(RelayPresence::Absent));
    assert!(
        heard.lock().expect("heard").iter().any(|p| matches!(p, Progress::Provisional(r) if r.status == report.status)),
        "Offline said before the agent's answer"
    );

    let nothing = |_| {};
    assert_eq!(agent.status("UUID1", 0, &nothing).await.expect("Private").status, ServerStatus::ConnectionError);
    let public = agent.status("UUID2", 0, &nothing).await.expect("Public");
    let ServerStatus::Available(figures) = public.status else { panic!("Public: {public:?}") };
    assert_eq!((figures.registered, figures.rescue, figures.masters), (42, 7, 3), "numbers sent as strings");
    assert!(figures.image_store.is_some() && figures.memory.is_some() && !figures.activity.is_empty());
    let library = agent.status("UUID3", 0, &nothing).await.expect("Library");
    assert_eq!(library.inherited_from.as_deref(), Some("UUID2"));
    assert!(matches!(library.status, ServerStatus::Available(_)));
    assert_eq!(agent.status("UUID4", 0, &nothing).await.expect("Workshop").status, ServerStatus::NotLinked);
}

/// Since when each status holds, and the last figures of a server that
/// stopped answering: what this session's checks saw, shared by the
/// entities one server serves.
#[tokio::test]
async fn a_status_says_since_when_it_holds_and_keeps_the_last_figures() {
    let sim = simulator().await;
    let agent = agent(&sim);
    assert_eq!(agent.sign_in(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await, Ok(true));
    let nothing = |_| {};
    let first = agent.status("UUID2", 0, &nothing).await.expect("Public");
    assert_eq!(first.since, Some(Since { held_ms: 0, change_seen: false }), "first seen now, so since at least now");
    assert_eq!(first.last_available, None);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let again = agent.status("UUID2", 0, &nothing).await.expect("Public");
    assert!(again.since.as_ref().is_some_and(|s| s.held_ms >= 50 && !s.change_seen), "{:?}", again.since);

    tokio::time::sleep(Duration::from_millis(50)).await;
    control(&sim, serde_json::json!({"entity": "UUID2", "status": "offline"}));
    let heard = Mutex::new(Vec::new());
    let offline = agent.status("UUID2", 0, &|p| heard.lock().expect("heard").push(p)).await.expect("Public");
    assert_eq!(offline.status, ServerStatus::Offline(RelayPresence::Absent));
    assert_eq!(offline.since, Some(Since { held_ms: 0, change_seen: true }));
    let ServerStatus::Available(figures) = again.status else { panic!("{again:?}") };
    let last = offline.last_available.expect("the last figures");
    assert_eq!(last.figures, figures);
    assert!(last.age_ms >= 50, "read by the check before, 50 ms earlier: {}", last.age_ms);
    // The early Offline (relay absent) carries the last figures, but no
    // since: no check has ended on it yet.
    let provisional = heard.lock().expect("heard").iter().find_map(|p| match p {
        Progress::Provisional(r) => Some(r.clone()),
        _ => None,
    });
    let provisional = provisional.expect("an early Offline");
    assert_eq!((provisional.since, provisional.last_available.is_some()), (None, true));

    let library = agent.status("UUID3", 0, &nothing).await.expect("Library");
    assert!(library.since.is_some_and(|s| s.change_seen), "Library shares Public's server, and its history");
    assert!(library.last_available.is_some());
    agent.sign_out().await.expect("signed out");
    assert_eq!(agent.sign_in(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await, Ok(true));
    let anew = agent.status("UUID2", 0, &nothing).await.expect("Public");
    assert_eq!((anew.since.map(|s| s.change_seen), anew.last_available), (Some(false), None), "forgotten at sign-out");
}

/// The overview checks each imaging server once for all the entities it
/// serves: five entities, three servers, three `getGlobalStatus`.
#[tokio::test]
async fn an_overview_checks_each_server_once() {
    let sim = simulator().await;
    let agent = agent(&sim);
    assert_eq!(agent.sign_in(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await, Ok(true));
    let entities = agent.entities().await.expect("entities");
    let rows = Mutex::new(Vec::new());
    let before = sim.sim.calls("imaging.getGlobalStatus");
    agent
        .overview(&entities, 0, &|entity, row| rows.lock().expect("rows").push((entity.to_string(), row)))
        .await
        .expect("overview");
    assert_eq!(sim.sim.calls("imaging.getGlobalStatus") - before, 3, "one check per server");
    let rows = rows.into_inner().expect("rows");
    let last = |uuid: &str| {
        let (_, row) = rows.iter().rev().find(|(e, _)| e == uuid).unwrap_or_else(|| panic!("{uuid}: no row"));
        row.clone().expect("a status")
    };
    assert_eq!(last("UUID0").status, ServerStatus::Offline(RelayPresence::Absent));
    assert_eq!(last("UUID1").status, ServerStatus::ConnectionError);
    assert!(matches!(last("UUID2").status, ServerStatus::Available(_)));
    let library = last("UUID3");
    assert!(matches!(library.status, ServerStatus::Available(_)));
    assert_eq!(
        (library.inherited_from.as_deref(), library.server_name.as_deref()),
        (Some("UUID2"), Some("imaging-public"))
    );
    assert_eq!(last("UUID4").status, ServerStatus::NotLinked);
    assert!(rows.iter().all(|(_, r)| r
        .as_ref()
        .is_ok_and(|r| r.since.is_some() || r.status == ServerStatus::Offline(RelayPresence::Absent))));
    // General's dead host: said Offline from its relay first, then for good.
    assert!(rows.iter().filter(|(e, _)| e == "UUID0").count() == 2, "an early word, then the final one");

    // A failing check leaves its server's entities unknown, with the reason.
    control(&sim, serde_json::json!({"fail": {"mode": "exception", "method": "imaging.getGlobalStatus", "count": 3}}));
    let failed = Mutex::new(Vec::new());
    agent
        .overview(&entities, 0, &|entity, row| failed.lock().expect("rows").push((entity.to_string(), row)))
        .await
        .expect("overview");
    let failed = failed.into_inner().expect("rows");
    assert!(failed.iter().any(|(e, r)| e == "UUID3" && matches!(r, Err(ApiError::Exception(_)))), "{failed:?}");
    assert!(failed.iter().any(|(e, r)| e == "UUID4" && r.is_ok()), "no server, no check: {failed:?}");
}

#[tokio::test]
async fn failures_are_typed_natively_as_in_the_browser() {
    let sim = simulator().await;
    let agent = agent(&sim);
    assert_eq!(agent.sign_in(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await, Ok(true));
    let nothing = |_| {};
    for (mode, expected) in [
        ("exception", "exception"),
        ("garbage", "malformed"),
        ("http_500", "http"),
        ("huge", "too large"),
        ("huge_stream", "too large"),
        ("hang", "timeout"),
    ] {
        control(&sim, serde_json::json!({"fail": {"mode": mode, "method": "medulla_server.getUserLocations"}}));
        let got = agent.entities().await.expect_err(mode);
        let kind = match got {
            ApiError::Exception(_) => "exception",
            ApiError::Malformed(_) => "malformed",
            ApiError::Http(_) => "http",
            ApiError::TooLarge => "too large",
            ApiError::Timeout => "timeout",
            ref other => panic!("{mode}: {other:?}"),
        };
        assert_eq!(kind, expected, "{mode}: {got:?}");
    }
    control(&sim, serde_json::json!({"expire_sessions": true}));
    assert_eq!(agent.status("UUID2", 0, &nothing).await, Err(ApiError::SignedOut));
}

/// What rarely changes is learnt once: then a check is one round trip (the
/// server Medulla resolves now, its status, the relays, the counts, the
/// activity, all at once), and a change of what serves an entity is seen at
/// its next check, never shown as the old server's status.
#[tokio::test]
async fn a_check_is_one_round_trip_once_the_topology_is_known() {
    let sim = simulator().await;
    let agent = agent(&sim);
    assert_eq!(agent.sign_in(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await, Ok(true));
    let uuids: Vec<String> = agent.entities().await.expect("entities").into_iter().map(|e| e.uuid).collect();
    control(&sim, serde_json::json!({"latency_ms": 50}));
    let nothing = |_| {};
    // A check asked for (`max_age` 0: "Refresh now", the pre-flight), or a
    // poll's (30 s).
    let cost_of = |entity: &'static str, max_age: u32| {
        let (agent, sim) = (&agent, &sim);
        async move {
            let (calls, rounds) = (sim.sim.calls("XML-RPC"), sim.sim.rounds("XML-RPC"));
            let confirms = sim.sim.calls("imaging.getImagingServerConfig");
            let report = agent.status(entity, max_age, &nothing).await.expect(entity);
            let confirms = sim.sim.calls("imaging.getImagingServerConfig") - confirms;
            (report, sim.sim.calls("XML-RPC") - calls, sim.sim.rounds("XML-RPC") - rounds, confirms)
        }
    };
    let cost = |entity: &'static str| {
        let cost = cost_of(entity, 0);
        async move {
            let (report, calls, rounds, _) = cost.await;
            (report, calls, rounds)
        }
    };

    // Not known yet: learnt first (the parent path asked at once; an
    // inherited server's ancestors next), then checked.
    let (_, _, rounds) = cost("UUID2").await;
    assert_eq!(rounds, 2, "Public, its own server, learnt then checked");
    // Library inherits Public's server: asked about Library itself while its
    // ancestors are read, its verdict is shown after two rounds, its counts
    // pending; they come in a third, read for Public.
    let verdict = Mutex::new(None);
    let start = sim.sim.rounds("XML-RPC");
    let heard = |p| {
        if let Progress::Provisional(report) = p {
            *verdict.lock().unwrap() = Some((report, sim.sim.rounds("XML-RPC") - start));
        }
    };
    let library = agent.status("UUID3", 0, &heard).await.expect("Library");
    let (shown, rounds) = verdict.lock().unwrap().take().expect("a verdict before the end");
    assert_eq!(rounds, 2, "Library's verdict after its first look and one more round");
    assert_eq!(shown.inherited_from.as_deref(), Some("UUID2"));
    let ServerStatus::Available(figures) = shown.status else { panic!("{shown:?}") };
    assert!(figures.counts_pending && figures.activity.is_empty(), "counts not shown before they are read");
    assert_eq!(sim.sim.rounds("XML-RPC") - start, 3, "then its counts, read for Public");
    let ServerStatus::Available(figures) = library.status else { panic!("{library:?}") };
    assert!(!figures.counts_pending && figures.registered > 0 && !figures.activity.is_empty());
    assert_eq!(library.inherited_from.as_deref(), Some("UUID2"));

    agent.learn_topology(&uuids, true).await.expect("learnt");
    for (entity, owner) in [("UUID2", None), ("UUID3", Some("UUID2"))] {
        let (report, calls, rounds) = cost(entity).await;
        assert!(matches!(report.status, ServerStatus::Available(_)), "{entity}: {report:?}");
        assert_eq!(report.inherited_from.as_deref(), owner);
        assert_eq!((calls, rounds), (5, 1), "{entity}: five calls in one round trip");
    }
    let (report, calls, rounds) = cost("UUID4").await;
    assert_eq!((report.status, calls, rounds), (ServerStatus::NotLinked, 1, 1), "Workshop: still no server");
    // A poll or a switch within the topology's validity asks only what the
    // status needs: nothing asked twice.
    for (entity, calls) in [("UUID2", 4), ("UUID3", 4), ("UUID4", 0)] {
        let (report, n, rounds, confirms) = cost_of(entity, 30).await;
        assert_ne!(report.status, ServerStatus::ConnectionError, "{entity}");
        assert_eq!((n, rounds.min(1), confirms), (calls, calls.min(1), 0), "{entity}: the topology not asked again");
    }

    // Library gets a server of its own, in Connection error: its next check
    // says so, with that server's name, not Public's Available.
    control(&sim, serde_json::json!({"entity": "UUID3", "status": "connection_error"}));
    let (library, _, rounds) = cost("UUID3").await;
    assert_eq!(library.status, ServerStatus::ConnectionError);
    assert_eq!((library.inherited_from, library.server_name.as_deref()), (None, Some("imaging-library")));
    assert_eq!(rounds, 3, "contradicted, then learnt again, then checked");
    let (library, _, rounds) = cost("UUID3").await;
    assert_eq!((library.status, rounds), (ServerStatus::ConnectionError, 1), "known again");

    // Workshop is linked to a server: seen at once.
    control(&sim, serde_json::json!({"entity": "UUID4", "status": "available"}));
    let (workshop, _, _) = cost("UUID4").await;
    assert!(matches!(workshop.status, ServerStatus::Available(_)), "{workshop:?}");
    // Private's server loses its address: its relay cannot be matched.
    control(&sim, serde_json::json!({"entity": "UUID1", "server_address": false}));
    let (private, _, _) = cost("UUID1").await;
    assert_eq!(private.status, ServerStatus::Offline(RelayPresence::NoAddress), "the new address used");
    // Public's server is unlinked: Public is not linked any more.
    control(&sim, serde_json::json!({"entity": "UUID2", "status": "unlinked"}));
    let (public, _, _) = cost("UUID2").await;
    assert_eq!(public.status, ServerStatus::NotLinked);
}

/// An inherited server that does not answer is reported in two rounds,
/// asked about the entity itself: with no counts to read, no third round;
/// what is said early says whose server it is.
#[tokio::test]
async fn an_inherited_server_down_is_reported_in_two_rounds() {
    let sim = simulator().await;
    let agent = agent(&sim);
    assert_eq!(agent.sign_in(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await, Ok(true));
    control(&sim, serde_json::json!({"latency_ms": 50}));
    control(&sim, serde_json::json!({"entity": "UUID2", "status": "offline"}));
    let early = Mutex::new(Vec::new());
    let heard = |p| {
        if let Progress::Provisional(report) = p {
            early.lock().unwrap().push(report);
        }
    };
    let start = sim.sim.rounds("XML-RPC");
    let library = agent.status("UUID3", 0, &heard).await.expect("Library");
    assert_eq!(sim.sim.rounds("XML-RPC") - start, 2);
    assert_eq!(library.status, ServerStatus::Offline(RelayPresence::Absent));
    assert_eq!(library.inherited_from.as_deref(), Some("UUID2"));
    let early = early.into_inner().unwrap();
    assert!(!early.is_empty(), "the absent relay said before the agent's late answer");
    assert!(early.iter().all(|r| r.inherited_from.as_deref() == Some("UUID2")), "{early:?}");
}

/// A cold start, as the tab makes it: the entity of the link looked at
/// while the entity list loads, then checked. Library, which inherits its
/// server, has its verdict one round after the list; Public, its own, its
/// whole status.
#[tokio::test]
async fn a_cold_start_shows_the_status_one_round_after_the_list() {
    let sim = simulator().await;
    control(&sim, serde_json::json!({"latency_ms": 50}));
    for entity in ["UUID3", "UUID2"] {
        let agent = agent(&sim);
        assert_eq!(agent.sign_in(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await, Ok(true));
        let start = sim.sim.rounds("XML-RPC");
        let (listed, ()) = futures::join!(agent.entities(), agent.look_ahead(entity));
        assert!(listed.is_ok() && sim.sim.rounds("XML-RPC") - start == 1, "{entity}: the list and the look at once");
        let shown = Mutex::new(None);
        let heard = |p| {
            if let Progress::Provisional(report) = p {
                shown.lock().unwrap().get_or_insert((report, sim.sim.rounds("XML-RPC") - start));
            }
        };
        let report = agent.status(entity, 0, &heard).await.expect(entity);
        let rounds = match shown.into_inner().unwrap() {
            Some((early, rounds)) => {
                assert_eq!(early.inherited_from, report.inherited_from, "{entity}");
                rounds
            }
            None => sim.sim.rounds("XML-RPC") - start,
        };
        assert!(matches!(report.status, ServerStatus::Available(_)), "{entity}: {report:?}");
        assert_eq!(rounds, 2, "{entity}: on screen one round after the list");
    }
}
