//! The simulator on the wire, as a browser (or the console) meets it: CORS,
//! the agent's Basic credentials, fault 8003 without a session, the session
//! cookie from `base.ldapAuth`, HTTP 401 once the session has expired.

mod common;

use common::request;
use medulla_sim::{start, Options};
use std::time::Duration;

const BASIC: (&str, &str) = ("Authorization", "Basic bW1jOnMzY3IzdA==");

fn call(method: &str, params: &[&str]) -> String {
    let params: String = params.iter().map(|p| format!("<param><value><string>{p}</string></value></param>")).collect();
    format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>{method}</methodName><params>{params}</params></methodCall>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_protocol_as_medulla_speaks_it() {
    let options = Options { session_timeout: Duration::from_secs(1), ..Options::default() };
    let running = start(options).await.expect("started");
    let addr = running.addr;
    tokio::task::spawn_blocking(move || {
        // CORS preflight echoes the origin, with credentials.
        let pre = request(addr, "OPTIONS", "/mmc-agent/", &[("Origin", "https://console.example.org")], "");
        assert_eq!(pre.status, 200);
        assert_eq!(pre.header("access-control-allow-origin"), Some("https://console.example.org"));
        assert_eq!(pre.header("access-control-allow-credentials"), Some("true"));
        assert_eq!(pre.header("access-control-allow-headers"), Some("content-type, authorization"));

        // Without the agent's credentials: 401 with a fault.
        let no_basic = request(addr, "POST", "/mmc-agent/", &[], &call("medulla_server.getUserLocations", &[]));
        assert_eq!(no_basic.status, 401);
        assert!(no_basic.body.contains("<fault>"));

        // Without a session: fault 8003.
        let no_session = request(addr, "POST", "/mmc-agent/", &[BASIC], &call("medulla_server.getUserLocations", &[]));
        assert_eq!(no_session.status, 200);
        assert!(no_session.body.contains("<int>8003</int>"), "{}", no_session.body);

        // A wrong password: false, no cookie.
        let refused = request(addr, "POST", "/mmc-agent/", &[BASIC], &call("base.ldapAuth", &["admin", "nope"]));
        assert!(refused.body.contains("<boolean>0</boolean>"));
        assert_eq!(refused.header("set-cookie"), None);

        // Sign-in sets TWISTED_SESSION; with it, calls answer.
        let login = request(
            addr,
            "POST",
            "/mmc-agent/",
            &[BASIC, ("Origin", "http://x.test")],
            &call("base.ldapAuth", &["admin", "medulla"]),
        );
        assert!(login.body.contains("<boolean>1</boolean>"));
        assert_eq!(login.header("access-control-allow-origin"), Some("http://x.test"));
        let cookie = login.header("set-cookie").and_then(|c| c.split(';').next()).expect("session cookie").to_string();
        assert!(cookie.starts_with("TWISTED_SESSION="));
        let locations = request(
            addr,
            "POST",
            "/mmc-agent/",
            &[BASIC, ("Cookie", &cookie)],
            &call("medulla_server.getUserLocations", &[]),
        );
        assert!(locations.body.contains("<string>General &gt; Public &gt; Library</string>"), "{}", locations.body);

        // Idle past the session timeout: HTTP 401 with an empty body, then 8003.
        std::thread::sleep(Duration::from_millis(1_300));
        let expired = request(
            addr,
            "POST",
            "/mmc-agent/",
            &[BASIC, ("Cookie", &cookie)],
            &call("imaging.getGlobalStatus", &["UUID2"]),
        );
        assert_eq!(expired.status, 401);
        assert!(expired.body.is_empty());
        let after = request(
            addr,
            "POST",
            "/mmc-agent/",
            &[BASIC, ("Cookie", &cookie)],
            &call("imaging.getGlobalStatus", &["UUID2"]),
        );
        assert!(after.body.contains("<int>8003</int>"));
    })
    .await
    .expect("wire checks");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_endpoint_drives_it() {
    let running = start(Options::default()).await.expect("started");
    let addr = running.addr;
    let sim = running.sim.clone();
    tokio::task::spawn_blocking(move || {
        let json = [("Content-Type", "application/json")];
        let ok = request(
            addr,
            "POST",
            "/_sim/control",
            &json,
            r#"{"entity": "UUID2", "status": "offline", "config": {"language": "fr"}}"#,
        );
        assert_eq!(ok.status, 200, "{}", ok.body);
        let config = request(addr, "GET", "/config.json", &[], "");
        assert_eq!(config.body, r#"{"language":"fr"}"#);
        let bad = request(addr, "POST", "/_sim/control", &json, r#"{"entity": "UUID2", "status": "sleepy"}"#);
        assert_eq!(bad.status, 400);
        let unknown = request(addr, "POST", "/_sim/control", &json, r#"{"explode": true}"#);
        assert_eq!(unknown.status, 422);
        let console = request(addr, "GET", "/mmc/main.php?module=imaging&location=UUID2", &[], "");
        assert!(console.body.contains("main.php?module=imaging&amp;location=UUID2"));
    })
    .await
    .expect("control checks");
    assert_eq!(sim.calls("imaging.getGlobalStatus"), 0);
}
