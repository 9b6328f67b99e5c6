//! What the gateway's benches share: the gateway program started as its
//! unit starts it, and a user signed in to it.

#![allow(dead_code)]

use std::time::{Duration, Instant};

pub struct Gateway {
    pub child: tokio::process::Child,
    pub base: String,
    pub folder: std::path::PathBuf,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// The gateway program, started as its unit starts it, in front of `sim`,
/// with `more` in its gateway.ini's `[gateway]`.
pub async fn start_gateway(sim: &medulla_sim::Running, more: &str) -> Gateway {
    let exe = std::env::current_exe().expect("this program");
    let program = exe.parent().and_then(|d| d.parent()).expect("target folder").join("medulla-imaging-gateway");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
    let folder = std::env::temp_dir().join(format!("medulla-gateway-bench-{port}"));
    std::fs::create_dir_all(&folder).expect("folder");
    let write = |name: &str, text: String| std::fs::write(folder.join(name), text).expect("written");
    write(
        "gateway.ini",
        format!("[gateway]\nlisten = 127.0.0.1:{port}\n{more}\n[agent]\nurl = {}mmc-agent/\n", sim.url()),
    );
    let (login, password) = (medulla_sim::AGENT_LOGIN, medulla_sim::AGENT_PASSWORD);
    write("agent-config.ini", format!("[main]\nlogin = {login}\npassword = {password}\nenablessl = 0\n"));
    let child = tokio::process::Command::new(&program)
        .env("CREDENTIALS_DIRECTORY", &folder)
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{}: {e} (build it: cargo build --release -p medulla-imaging-gateway)", program.display())
        });
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(10), "the gateway did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Gateway { child, base: format!("http://127.0.0.1:{port}/api/v1"), folder }
}

pub async fn sign_in(http: &reqwest::Client, base: &str) -> String {
    let body = format!(r#"{{"login": "{}", "password": "{}"}}"#, medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD);
    let answer = http
        .post(format!("{base}/sessions"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    let cookie = answer.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("a session").to_string();
    cookie.split(';').next().unwrap_or_default().to_string()
}
