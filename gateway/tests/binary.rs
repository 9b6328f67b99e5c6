//! The gateway's program as its systemd unit starts it: no argument, its
//! files handed over as credentials (`$CREDENTIALS_DIRECTORY`: gateway.ini,
//! the agent's config.ini, and "none" for a CA certificate the agent does
//! not have); it signs a user in through the simulated agent, and stops on
//! SIGTERM.

use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn started_as_the_unit_does_with_its_credentials() {
    let sim = medulla_sim::start(medulla_sim::Options::default()).await.expect("simulator");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
    let credentials = std::env::temp_dir().join(format!("medulla-gateway-credentials-{port}"));
    std::fs::create_dir_all(&credentials).expect("folder");
    let write = |name: &str, text: String| std::fs::write(credentials.join(name), text).expect("written");
    write("gateway.ini", format!("[gateway]\nlisten = 127.0.0.1:{port}\n[agent]\nurl = {}mmc-agent/\n", sim.url()));
    write(
        "agent-config.ini",
        format!(
            "[main]\nlogin = {}\npassword = {}\nenablessl = 0\n",
            medulla_sim::AGENT_LOGIN,
            medulla_sim::AGENT_PASSWORD
        ),
    );
    write("agent-cacert.pem", "none\n".into());
    let mut gateway = tokio::process::Command::new(env!("CARGO_BIN_EXE_medulla-imaging-gateway"))
        .env("CREDENTIALS_DIRECTORY", &credentials)
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
