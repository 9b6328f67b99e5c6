//! The Debian package, unpacked (`scripts/package.sh`: `dpkg-deb -x` into
//! `target/debian/root`, no system install): its gateway binary, run with
//! its packaged `gateway.ini` in front of the simulated agent, and its tab
//! with its packaged `config.json`, served under `/imaging-status/` with the
//! API passed to that gateway, as the packaged Apache configuration does.

use crate::harness::*;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    let root = std::env::var_os("PACKAGE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/debian/root"));
    assert!(
        root.join("usr/bin/medulla-imaging-gateway").exists(),
        "{} has no unpacked package: run `bash scripts/package.sh` (scripts/test.sh does) first",
        root.display()
    );
    root
}

/// The packaged gateway, as its unit starts it but for what only a real
/// Medulla has: the agent's `config.ini` (here one of the agent's format,
/// for the simulated agent) and the agent's URL.
async fn start_packaged_gateway(root: &std::path::Path, sim_port: u16) -> (tokio::process::Child, String, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/debian/test-{sim_port}"));
    std::fs::create_dir_all(&dir).expect("a folder for the test");
    let agent_config = dir.join("agent-config.ini");
    let agent = format!(
        "[main]\nhost = 127.0.0.1\nport = {sim_port}\nlogin = {}\npassword = {}\nenablessl = 0\nsessiontimeout = 900\n",
        medulla_sim::AGENT_LOGIN,
        medulla_sim::AGENT_PASSWORD
    );
    std::fs::write(&agent_config, agent).expect("agent config written");
    let packaged = std::fs::read_to_string(root.join("etc/medulla-imaging-gateway/gateway.ini")).expect("gateway.ini");
    let port = free_port();
    // Later keys win: the packaged file, then what this machine differs in.
    let config = format!(
        "{packaged}\n[gateway]\nlisten = 127.0.0.1:{port}\nagent_config = {}\n[agent]\nurl = http://127.0.0.1:{sim_port}/mmc-agent/\n",
        agent_config.display()
    );
    let config_path = dir.join("gateway.ini");
    std::fs::write(&config_path, config).expect("gateway config written");
    let log = std::fs::File::create(dir.join("gateway.log")).expect("log file");
    let child = tokio::process::Command::new(root.join("usr/bin/medulla-imaging-gateway"))
        .arg("--config")
        .arg(&config_path)
        .env_remove("CREDENTIALS_DIRECTORY")
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("the packaged gateway started");
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(10), "the packaged gateway did not listen on {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, format!("http://127.0.0.1:{port}"), dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_the_unpacked_package_serves_the_tab_through_its_gateway() {
    let root = root();
    let sim_port = free_port();
    let (mut gateway, url, dir) = start_packaged_gateway(&root, sim_port).await;
    let b = open_with(Transport::Rest, |o| {
        o.port = sim_port;
        o.rest_upstream = Some(url);
        o.dist = root.join("usr/share/medulla-imaging-status/www");
        o.base_path = "/imaging-status/".into();
    })
    .await;
    let config = std::fs::read_to_string(root.join("etc/medulla-imaging-status/config.json")).expect("config.json");
    let config: Value = serde_json::from_str(&config).expect("the packaged config.json is JSON");
    b.control(serde_json::json!({ "config": config }));
    b.open_signed_in("/imaging-status/?entity=UUID3").await;
    b.wait_status("available").await;
    b.find("//*[contains(., 'General > Public')]").await;
    b.goto("/imaging-status/?entity=UUID0").await;
    b.wait_status("offline").await;
    assert!(b.sim.sim.calls("imaging.getGlobalStatus") > 0, "the packaged gateway asked the agent");
    b.close().await;
    assert!(gateway.try_wait().expect("gateway state").is_none(), "the packaged gateway is still running");
    let log = std::fs::read_to_string(dir.join("gateway.log")).unwrap_or_default();
    assert!(log.contains("GET /api/v1/entities/UUID0/imaging-server-status 200"), "one line per request: {log}");
    let _ = std::fs::remove_dir_all(dir);
}
