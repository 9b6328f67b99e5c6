//! The simulator on the wire, as a browser (or the console) meets it: CORS,
//! the agent's Basic credentials, fault 8003 without a session, the session
//! cookie from `base.ldapAuth`, HTTP 401 once the session has expired; and
//! the real agent's ways: numbers as strings, exception structs, the wait
//! for a dead imaging server, fault 8005 for a failed synchronisation.

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

        // Without the agent's credentials: 401, with the fault as a struct
        // in a normal answer (as every agent fault is).
        let no_basic = request(addr, "POST", "/mmc-agent/", &[], &call("medulla_server.getUserLocations", &[]));
        assert_eq!(no_basic.status, 401);
        assert!(no_basic.body.contains("<name>faultCode</name>\n<value><int>401</int>"), "{}", no_basic.body);
        assert!(!no_basic.body.contains("<fault>"));

        // Without a session: fault 8003, in a normal answer.
        let no_session = request(addr, "POST", "/mmc-agent/", &[BASIC], &call("medulla_server.getUserLocations", &[]));
        assert_eq!(no_session.status, 200);
        assert!(no_session.body.contains("<int>8003</int>"), "{}", no_session.body);
        assert!(no_session.body.contains("<params>") && !no_session.body.contains("<fault>"));

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
        // A page of another site, its name pointed here (DNS rebinding):
        // neither the control endpoint nor the token-minting host page.
        let rebound = [("Host", "evil.example.org:8080"), ("Content-Type", "application/json")];
        let refused = request(addr, "POST", "/_sim/control", &rebound, r#"{"expire_sessions": true}"#);
        assert_eq!(refused.status, 403);
        assert_eq!(request(addr, "GET", "/_sim/host.html", &rebound[..1], "").status, 403);
        assert_eq!(request(addr, "GET", "/_sim/host.html", &[("Host", "localhost:1")], "").status, 200);
        for elsewhere in
            ["https://evil.example.org/", "http://127.0.0.1:9/", "//evil.example.org/", "/\\evil.example.org/"]
        {
            let answer = request(addr, "GET", &format!("/_sim/host.html?app={elsewhere}"), &[], "");
            assert_eq!(answer.status, 403, "the host page embeds only a path: {elsewhere}");
        }
        assert_eq!(request(addr, "GET", "/_sim/host.html?app=/?embed=1", &[], "").status, 200);
        let console = request(addr, "GET", "/mmc/main.php?module=imaging&location=UUID2", &[], "");
        assert!(console.body.contains("main.php?module=imaging&amp;location=UUID2"));
    })
    .await
    .expect("control checks");
    assert_eq!(sim.calls("imaging.getGlobalStatus"), 0);
}

/// Signs in through the wire; the session cookie.
fn sign_in(addr: std::net::SocketAddr) -> String {
    let login = request(addr, "POST", "/mmc-agent/", &[BASIC], &call("base.ldapAuth", &["admin", "medulla"]));
    login.header("set-cookie").and_then(|c| c.split(';').next()).expect("session cookie").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_answers_as_medullas_code_does() {
    let options = Options { connect_timeout: Duration::from_millis(800), ..Options::default() };
    let running = start(options).await.expect("started");
    let addr = running.addr;
    tokio::task::spawn_blocking(move || {
        let cookie = sign_in(addr);
        let ask = |method: &str, params: &[&str]| {
            request(addr, "POST", "/mmc-agent/", &[BASIC, ("Cookie", &cookie)], &call(method, params))
        };
        // The clean-up step: integers as strings, except where the function skips it.
        let locations = ask("medulla_server.getUserLocations", &[]).body;
        assert!(locations.contains("<name>level</name>\n<value><string>1</string>"), "{locations}");
        let config = ask("imaging.getImagingServerConfig", &["UUID0"]).body;
        assert!(config.contains("<name>is_recursive</name>\n<value><string>0</string>"), "{config}");
        assert!(ask("imaging.getCustomMenuCount", &["UUID2"]).body.contains("<int>7</int>"));
        let relays = ask("xmppmaster.get_xmpprelays_list", &[]).body;
        assert!(relays.contains("<value><int>0</int></value>"), "relays are not cleaned: {relays}");
        // `[used %, free MiB]`, as strings.
        let status = ask("imaging.getGlobalStatus", &["UUID2"]).body;
        let space = status.split("<name>space_available</name>").nth(1).expect("space_available");
        assert!(space.trim_start().starts_with("<value><array><data>\n<value><string>"), "{space}");
        // Library inherits Public's server: Medulla resolves it, but counts
        // none of Library's computers on it.
        let inherited = ask("imaging.getGlobalStatus", &["UUID3"]).body;
        assert!(inherited.contains("<name>short_status</name>"), "{inherited}");
        assert!(inherited.contains("<name>total</name>\n<value><string>0</string>"), "{inherited}");
        // No server for Workshop (General's is not recursive): the function raises.
        let raised = ask("imaging.getGlobalStatus", &["UUID4"]).body;
        assert!(raised.contains("<name>faultCode</name>\n<value><string>&lt;class 'AttributeError'&gt;"), "{raised}");
        assert!(raised.contains("<string>imaging.getGlobalStatus ('UUID4',)</string>"), "{raised}");
        // Private's imaging service is down: `{}` at once.
        let started = std::time::Instant::now();
        assert!(ask("imaging.getGlobalStatus", &["UUID1"]).body.contains("<value><struct>\n</struct></value>"));
        assert!(started.elapsed() < Duration::from_millis(800));
        // General's host is down: `{}` after the connect timeout.
        let started = std::time::Instant::now();
        assert!(ask("imaging.getGlobalStatus", &["UUID0"]).body.contains("<value><struct>\n</struct></value>"));
        assert!(started.elapsed() >= Duration::from_millis(800));
        // The forgotten-password call makes no token.
        assert!(ask("base.createAuthToken", &["admin", "host", "en"]).body.contains("<boolean>1</boolean>"));
    })
    .await
    .expect("wire checks");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_as_the_agent_sends_them() {
    let running = start(Options::default()).await.expect("started");
    let (addr, sim) = (running.addr, running.sim.clone());
    tokio::task::spawn_blocking(move || {
        let cookie = sign_in(addr);
        let ask = |method: &str, params: &[&str]| {
            request(addr, "POST", "/mmc-agent/", &[BASIC, ("Cookie", &cookie)], &call(method, params))
        };
        // A failed synchronisation step cannot be serialised: fault 8005.
        let control = |c: serde_json::Value| sim.control(serde_json::from_value(c).expect("control")).expect("applied");
        control(serde_json::json!({"sync_fails": true}));
        let sync = ask("imaging.synchroLocation", &["UUID2"]).body;
        assert!(sync.contains("<int>8005</int>") && !sync.contains("<fault>"), "{sync}");
        // A lost database: the exception struct, HTTP 200.
        control(serde_json::json!({"fail": {"mode": "exception", "method": "imaging.getGlobalStatus"}}));
        let lost = ask("imaging.getGlobalStatus", &["UUID2"]);
        assert_eq!(lost.status, 200);
        assert!(lost.body.contains("MySQL server has gone away") && lost.body.contains("faultTraceback"));
        // An address without host.
        control(serde_json::json!({"entity": "UUID1", "server_address": false}));
        let config = ask("imaging.getImagingServerConfig", &["UUID1"]).body;
        assert!(config.contains("<string>https://:9990/imaging_api</string>"), "{config}");
    })
    .await
    .expect("wire checks");
}

#[test]
fn sign_on_tokens_live_until_they_expire_and_replace_the_earlier_ones() {
    let sim = medulla_sim::Sim::new(&Options::default());
    let first = sim.create_token("admin");
    assert!(sim.token_ok("admin", &first));
    assert!(sim.token_ok("admin", &first), "reusable until it expires");
    assert!(!sim.token_ok("other", &first));
    let second = sim.create_token("admin");
    assert!(!sim.token_ok("admin", &first), "making a token deletes the user's earlier ones");
    assert!(sim.token_ok("admin", &second));
}
