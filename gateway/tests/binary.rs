//! The gateway's program as its systemd unit starts it: no argument, its
//! files handed over as credentials (`$CREDENTIALS_DIRECTORY`: gateway.ini,
//! the agent's config.ini and config.ini.local, and "none" for a CA
//! certificate the agent does not have); it signs a user in through the
//! simulated agent, whatever proxy the environment names, and stops on
//! SIGTERM. Settings it must not run with stop it at start, saying why.

use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn started_as_the_unit_does_with_its_credentials() {
    let sim = medulla_sim::start(medulla_sim::Options::default()).await.expect("simulator");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
    let credentials = std::env::temp_dir().join(format!("medulla-gateway-credentials-{port}"));
    std::fs::create_dir_all(&credentials).expect("folder");
    let write = |name: &str, text: String| std::fs::write(credentials.join(name), text).expect("written");
    write("gateway.ini", format!("[gateway]\nlisten = 127.0.0.1:{port}\n[agent]\nurl = {}mmc-agent/\n", sim.url()));
    // The right password is in config.ini.local only, as the agent reads it.
    write(
        "agent-config.ini",
        format!("[main]\nlogin = {}\npassword = wrong\nenablessl = 0\n", medulla_sim::AGENT_LOGIN),
    );
    write("agent-config.ini.local", format!("[main]\npassword = {}\n", medulla_sim::AGENT_PASSWORD));
    write("agent-cacert.pem", "none\n".into());
    let mut gateway = tokio::process::Command::new(env!("CARGO_BIN_EXE_medulla-imaging-gateway"))
        .env("CREDENTIALS_DIRECTORY", &credentials)
        // A proxy that answers nothing (the discard port): never used.
        .envs(
            ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"].map(|v| (v, "http://127.0.0.1:9")),
        )
        .kill_on_drop(true)
        .spawn()
        .expect("started");
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(gateway.try_wait().expect("state").is_none(), "the gateway stopped at start");
        assert!(started.elapsed() < Duration::from_secs(10), "the gateway did not listen on {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let answer = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/sessions"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"login": "{}", "password": "{}"}}"#, medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD))
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status().as_u16(), 201);
    let id = gateway.id().expect("a pid").to_string();
    std::process::Command::new("kill").args(["-TERM", &id]).status().expect("kill");
    let stopped = tokio::time::timeout(Duration::from_secs(10), gateway.wait()).await.expect("stopped on SIGTERM");
    assert!(stopped.expect("status").success(), "a graceful stop");
    let _ = std::fs::remove_dir_all(credentials);
}

/// The gateway started with `gateway_ini` (and an agent config.ini saying
/// nothing): its exit code and what it said.
async fn start_with(name: &str, gateway_ini: &str) -> (Option<i32>, String) {
    let folder = std::env::temp_dir().join(format!("medulla-gateway-refused-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("folder");
    let (ini, agent) = (folder.join("gateway.ini"), folder.join("config.ini"));
    std::fs::write(&agent, "[main]\nenablessl = 0\n").expect("written");
    std::fs::write(&ini, format!("[gateway]\nlisten = 127.0.0.1:0\nagent_config = {}\n{gateway_ini}", agent.display()))
        .expect("written");
    let run =
        tokio::process::Command::new(env!("CARGO_BIN_EXE_medulla-imaging-gateway")).arg("--config").arg(&ini).output();
    let output = tokio::time::timeout(Duration::from_secs(10), run).await.expect("stopped at once").expect("ran");
    let _ = std::fs::remove_dir_all(folder);
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_it_must_not_run_with_stop_it_at_start_saying_why() {
    let (code, said) = start_with("http", "[agent]\nurl = http://192.0.2.10:7080/\n").await;
    assert!(code == Some(2) && said.contains("plain HTTP") && said.contains("base.ldapAuth"), "{code:?} {said}");
    let weak = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/weak-cert.pem");
    let (code, said) = start_with("weak", &format!("[agent]\nurl = https://127.0.0.1:7080/\ncacert = {weak}\n")).await;
    assert!(code == Some(2) && said.contains("1024 bits"), "{code:?} {said}");
    let (code, said) = start_with("token", "token_sign_in_only = perhaps\n").await;
    assert!(code == Some(2) && said.contains("token_sign_in_only"), "{code:?} {said}");
}
