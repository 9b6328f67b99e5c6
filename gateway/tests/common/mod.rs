//! The gateway in front of a simulated agent, and a client of it that
//! signs in as a browser does.

#![allow(dead_code)]

use medulla_imaging_gateway::router::serve;
use medulla_imaging_gateway::server::Gateway;
use medulla_imaging_gateway::settings::Settings;
use medulla_sim::Running;
use serde_json::{json, Value};
use std::time::Duration;

pub struct Setup {
    pub sim: Running,
    pub base: String,
    pub http: reqwest::Client,
}

pub async fn setup(session_timeout: Duration) -> Setup {
    setup_with(|s| s.session_timeout = session_timeout).await
}

pub async fn setup_with(tune: impl FnOnce(&mut Settings)) -> Setup {
    let options = medulla_sim::Options { connect_timeout: Duration::from_millis(300), ..Default::default() };
    setup_on(options, tune).await
}

/// The gateway in front of a simulator started with `options`.
pub async fn setup_on(options: medulla_sim::Options, tune: impl FnOnce(&mut Settings)) -> Setup {
    let sim = medulla_sim::start(options).await.expect("simulator");
    let agent = format!("{}mmc-agent/", sim.url());
    let mut settings = Settings {
        request_timeout_seconds: 2,
        max_agent_calls: 2,
        ..Settings::new(agent, medulla_sim::AGENT_LOGIN, medulla_sim::AGENT_PASSWORD)
    };
    tune(&mut settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("listener");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(serve(Gateway::new(settings).expect("gateway"), listener, std::future::pending()));
    Setup { sim, base, http: reqwest::Client::new() }
}

impl Setup {
    /// Signs in; the cookie to send back.
    pub async fn sign_in(&self, password: &str) -> Result<String, (u16, Value)> {
        self.sign_in_as(medulla_sim::USER_LOGIN, password).await
    }

    pub async fn sign_in_as(&self, login: &str, password: &str) -> Result<String, (u16, Value)> {
        let answer = self
            .http
            .post(format!("{}/api/v1/sessions", self.base))
            .json(&json!({"login": login, "password": password}))
            .send()
            .await
            .expect("sent");
        let status = answer.status().as_u16();
        let set_cookie = answer.headers().get("set-cookie").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body: Value = answer.json().await.unwrap_or_default();
        match (status, set_cookie) {
            (201, Some(cookie)) => {
                for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
                    assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
                }
                Ok(cookie.split(';').next().unwrap_or_default().to_string())
            }
            (status, _) => Err((status, body)),
        }
    }

    /// `method` on `path` (under `api/v1/`) with the session's cookie, as
    /// the tab's browser sends it (a fetch of its own origin).
    pub async fn send(&self, method: reqwest::Method, cookie: &str, path: &str) -> reqwest::Response {
        let url = format!("{}/api/v1/{path}", self.base);
        let request = self.http.request(method, url).header("cookie", cookie).header("sec-fetch-site", "same-origin");
        request.send().await.expect("sent")
    }

    pub async fn get(&self, cookie: &str, path: &str, cache_control: Option<&str>) -> (u16, Vec<u8>) {
        let mut request = self.http.get(format!("{}/api/v1/{path}", self.base)).header("cookie", cookie);
        if let Some(c) = cache_control {
            request = request.header("cache-control", c);
        }
        let answer = request.send().await.expect("sent");
        let header = |name: &str| answer.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert_eq!(header("cache-control"), "no-store");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert!(header("content-security-policy").starts_with("default-src 'none'; frame-ancestors 'none'"));
        (answer.status().as_u16(), answer.bytes().await.expect("body").to_vec())
    }
}

/// A history database of its own for a test, in the temporary directory
/// (any left from an earlier run removed).
pub fn temp_history(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("mis-gateway-test-{}-{name}.sqlite3", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}
