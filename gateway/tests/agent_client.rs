//! The app's own MMC agent client and status rules, run natively over
//! `AgentHttp` against the simulated agent (which answers as Medulla's:
//! numbers as strings, exception structs, the 30-second wait for a dead
//! host): the same code as in the browser, only the HTTP layer differs.

use medulla_imaging_gateway::AgentHttp;
use medulla_imaging_status::api::{ApiError, ImagingApi, MmcAgent, Progress};
use medulla_imaging_status::config::{BasicAuth, Config};
use medulla_imaging_status::domain::{RelayPresence, ServerStatus};
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
    MmcAgent::with(AgentHttp::new(None).expect("client"), &config)
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
