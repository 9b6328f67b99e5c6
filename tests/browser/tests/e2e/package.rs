//! The Debian package, unpacked (`scripts/package.sh`: `dpkg-deb -x` into
//! `target/debian/root`, no system install): its gateway binary, run with
//! its packaged `gateway.ini` in front of the simulated agent, and its tab
//! with its packaged `config.json`, served under `/imaging-status/` with the
//! API passed to that gateway, as the packaged Apache configuration does.

use crate::harness::*;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub(crate) fn root() -> PathBuf {
    let what = "unpacked package: run `bash scripts/package.sh`";
    built("PACKAGE_ROOT", "target/debian/root", "usr/bin/medulla-imaging-gateway", what)
}

/// The packaged gateway, as its unit starts it but for what only a real
/// Medulla has: the agent's `config.ini` (here one of the agent's format,
/// for the simulated agent) and the agent's URL.
/// `agent`: the agent's URL and the certificate file it is trusted by
/// (`cacert`), else the simulated agent itself in plain HTTP.
pub(crate) async fn start_packaged_gateway(
    root: &std::path::Path,
    sim_port: u16,
    agent: Option<(String, PathBuf)>,
) -> (tokio::process::Child, String, PathBuf) {
    let port = free_port();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/debian/test-{port}"));
    let child = start_packaged_gateway_in(root, sim_port, agent, port, &dir).await;
    (child, format!("http://127.0.0.1:{port}"), dir)
}

/// The same, listening on `port`, its files in `dir`, with `dir/state` as
/// its unit's `StateDirectory=` (the history's folder).
async fn start_packaged_gateway_in(
    root: &std::path::Path,
    sim_port: u16,
    agent: Option<(String, PathBuf)>,
    port: u16,
    dir: &std::path::Path,
) -> tokio::process::Child {
    std::fs::create_dir_all(dir.join("state")).expect("a folder for the test");
    let agent_config = dir.join("agent-config.ini");
    let agent_ini = format!(
        "[main]\nhost = 127.0.0.1\nport = {sim_port}\nlogin = {}\npassword = {}\nenablessl = 0\nsessiontimeout = 900\n",
        medulla_sim::AGENT_LOGIN,
        medulla_sim::AGENT_PASSWORD
    );
    std::fs::write(&agent_config, agent_ini).expect("agent config written");
    let packaged = std::fs::read_to_string(root.join("etc/medulla-imaging-gateway/gateway.ini")).expect("gateway.ini");
    let agent = match agent {
        Some((url, cacert)) => format!("url = {url}\ncacert = {}", cacert.display()),
        None => format!("url = http://127.0.0.1:{sim_port}/mmc-agent/"),
    };
    // Later keys win: the packaged file, then what this machine differs in.
    let config = format!(
        "{packaged}\n[gateway]\nlisten = 127.0.0.1:{port}\nagent_config = {}\n[agent]\n{agent}\n",
        agent_config.display()
    );
    let config_path = dir.join("gateway.ini");
    std::fs::write(&config_path, config).expect("gateway config written");
    let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("gateway.log")).expect("log file");
    let child = tokio::process::Command::new(root.join("usr/bin/medulla-imaging-gateway"))
        .arg("--config")
        .arg(&config_path)
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("STATE_DIRECTORY", dir.join("state"))
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("the packaged gateway started");
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(10), "the packaged gateway did not listen on {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child
}

/// `curl` of the gateway at `url` as a signed-in client (its cookies in
/// `jar`): the JSON answer.
fn api(url: &str, jar: &std::path::Path, args: &[&str]) -> Value {
    let out = std::process::Command::new("curl")
        .args(["-s", "-b"])
        .arg(jar)
        .arg("-c")
        .arg(jar)
        .args(["-H", "Content-Type: application/json", "-H", "Sec-Fetch-Site: same-origin"])
        .args(args)
        .arg(url)
        .output()
        .expect("curl");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{url}: not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// The packaged gateway stopped as systemd stops it (SIGTERM) and started
/// again: since when each status holds and the history come back from its
/// database in its `StateDirectory=`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_the_packaged_gateway_keeps_its_history_across_a_restart() {
    let root = root();
    let sim_port = free_port();
    let options =
        medulla_sim::Options { port: sim_port, connect_timeout: Duration::from_millis(300), ..Default::default() };
    let _sim = medulla_sim::start(options).await.expect("simulator");
    let port = free_port();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/debian/test-{port}"));
    let _ = std::fs::remove_dir_all(&dir);
    let url = format!("http://127.0.0.1:{port}");
    let jar = dir.join("cookies");
    let sign_in = |jar: &std::path::Path| {
        let body = serde_json::json!({"login": medulla_sim::USER_LOGIN, "password": medulla_sim::USER_PASSWORD});
        api(&format!("{url}/api/v1/sessions"), jar, &["-X", "POST", "-d", &body.to_string()])
    };
    let status = |jar: &std::path::Path| api(&format!("{url}/api/v1/entities/UUID3/imaging-server-status"), jar, &[]);

    let mut gateway = start_packaged_gateway_in(&root, sim_port, None, port, &dir).await;
    sign_in(&jar);
    let first = status(&jar);
    assert_eq!(first["status"], "available", "{first}");
    let since = first["since"].clone();
    assert!(since["at"].is_string(), "{first}");
    // Stopped as systemd stops it; it writes what it has queued and ends.
    let pid = gateway.id().expect("its pid").to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let ended = tokio::time::timeout(Duration::from_secs(20), gateway.wait()).await;
    assert!(ended.expect("stopped within 20 s").expect("its exit").success(), "a clean stop");
    assert!(dir.join("state/history.sqlite3").exists(), "the history is in the StateDirectory");

    // Started again: a new session (the old ones ended with it), and the
    // same "since" as before the restart.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _gateway = start_packaged_gateway_in(&root, sim_port, None, port, &dir).await;
    let jar = dir.join("cookies-after");
    sign_in(&jar);
    let after = status(&jar);
    assert_eq!((&after["status"], &after["since"]), (&first["status"], &since), "since survives the restart: {after}");
    assert!(after["checked_at"].as_str() > first["checked_at"].as_str(), "a new check: {after}");
    let history = api(&format!("{url}/api/v1/entities/UUID3/history?days=1"), &jar, &[]);
    let spans = history["spans"].as_array().expect("spans");
    assert!(spans.first().is_some_and(|s| s["from"] == since["at"] && s["status"] == "available"), "{history}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_the_unpacked_package_serves_the_tab_through_its_gateway() {
    let root = root();
    let sim_port = free_port();
    let (mut gateway, url, dir) = start_packaged_gateway(&root, sim_port, None).await;
    let gateway_url = url.clone();
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
    // Its /metrics, per imaging server (as of its last check ended: General's
    // still waits the agent's 30 s), for the packaged alerting rules, which
    // promtool accepts.
    let metrics = String::from_utf8_lossy(&get(&format!("{gateway_url}/metrics"), "").1).into_owned();
    let line = "medulla_imaging_server_up{owner_id=\"UUID2\",owner_name=\"General > Public\"} 1";
    assert!(metrics.lines().any(|l| l == line), "{line} missing from the packaged gateway's metrics:\n{metrics}");
    let rules = root.join("usr/share/medulla-imaging-status/prometheus/medulla-imaging.rules.yml");
    let checked = std::process::Command::new("promtool").arg("check").arg("rules").arg(&rules).output();
    let checked = checked.expect("promtool runs (scripts/setup.sh installs it)");
    assert!(checked.status.success(), "promtool check rules: {}", String::from_utf8_lossy(&checked.stderr));
    b.close().await;
    assert!(gateway.try_wait().expect("gateway state").is_none(), "the packaged gateway is still running");
    let log = std::fs::read_to_string(dir.join("gateway.log")).unwrap_or_default();
    assert!(log.contains("GET /api/v1/entities/UUID0/imaging-server-status 200"), "one line per request: {log}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The status line and headers (lower case) and the body `curl` gets for
/// `url` (TLS unverified: the test's own certificate), sending `accept` as
/// its Accept-Encoding (none when empty), decoding nothing.
pub(crate) fn get(url: &str, accept: &str) -> (String, Vec<u8>) {
    let mut curl = std::process::Command::new("curl");
    curl.args(["-sk", "--http1.1", "-i", url]);
    if !accept.is_empty() {
        curl.args(["-H", &format!("Accept-Encoding: {accept}")]);
    }
    let out = curl.output().expect("curl").stdout;
    let end = out.windows(4).position(|w| w == b"\r\n\r\n").map_or(out.len(), |i| i + 4);
    (String::from_utf8_lossy(&out[..end]).to_ascii_lowercase(), out[end..].to_vec())
}
