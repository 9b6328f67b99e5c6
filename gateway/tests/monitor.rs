//! Checks that go on while nobody looks: the gateway's monitoring account
//! checks every imaging server each interval, records what it saw in the
//! history with no user signed in, and asks each server once per interval.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitoring_account_records_history_while_nobody_looks() {
    let every = Duration::from_millis(700);
    let s = setup_with(|g| {
        g.history_path = Some(temp_history("monitor"));
        g.monitor = Some(medulla_imaging_gateway::monitor::MonitorAccount {
            login: medulla_sim::USER_LOGIN.into(),
            password: medulla_sim::USER_PASSWORD.into(),
            every,
        });
    })
    .await;
    let sim = s.sim.sim.clone();
    let control = |c: Value| sim.control(serde_json::from_value(c).expect("control")).expect("applied");
    // A few rounds, nobody signed in; then UUID2's server goes down.
    tokio::time::sleep(every * 3).await;
    let before = sim.calls("imaging.getGlobalStatus");
    control(json!({"entity": "UUID2", "status": "offline"}));
    let rounds = 5;
    tokio::time::sleep(every * rounds).await;
    let during = sim.calls("imaging.getGlobalStatus") - before;
    // Three imaging servers (UUID0's, UUID1's and UUID2's, which also
    // serves UUID3): each asked once a round, give or take the round in
    // progress at either end.
    let servers = 3;
    assert!(
        during >= servers * (rounds as usize - 1) && during <= servers * (rounds as usize + 1),
        "{during} getGlobalStatus in {rounds} rounds of {servers} servers"
    );
    // A user signing in now reads what happened while nobody looked.
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    let (status, body) = s.get(&cookie, "entities/UUID3/history?days=1", None).await;
    let history: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["monitored"], json!(true), "{history}");
    let changes = history["changes"].as_array().expect("changes");
    assert!(changes.iter().any(|c| c["status"] == "offline"), "the change seen by the monitor: {history}");
    let spans = history["spans"].as_array().expect("spans");
    assert!(spans.iter().any(|s| s["status"] == "available"), "{history}");
}
