//! `medulla-imaging-gateway [--config PATH]`: the REST gateway, configured
//! by its own file (default `/etc/medulla-imaging-gateway/gateway.ini`).
//!
//! Under systemd, the unit hands it root-only files as credentials
//! (`LoadCredential=`, read in `$CREDENTIALS_DIRECTORY`): `gateway.ini`,
//! `agent-config.ini` (the agent's `config.ini`) and `agent-cacert.pem`; each
//! one there is used in place of its default path. Medulla installs the
//! agent's `config.ini` and `keys/cacert.pem` mode 0640 root:root
//! (packaging/rpm/rhel/SPECS/medulla.spec, `%attr(0640,root,root)`), so a
//! service of its own user cannot read them otherwise.
//!
//! ```ini
//! [gateway]
//! listen = 127.0.0.1:7081
//! check_interval_seconds = 30
//! request_timeout_seconds = 10
//! ; calls to the agent at once, and apart from them calls that wait on
//! ; imaging servers (getGlobalStatus: 30 s for a dead host)
//! max_agent_calls = 4
//! max_server_calls = 32
//! ; how long a call waits for its turn before a 503
//! agent_call_wait_seconds = 5
//! ; sessions: an absolute lifetime, and caps per login and in all
//! session_max_hours = 12
//! max_sessions_per_login = 50
//! max_sessions = 1000
//! ; sign-in with the console's sign-on tokens only (no password form)
//! token_sign_in_only = no
//! ; the history's SQLite file (default: history.sqlite3 in the unit's
//! ; StateDirectory, /var/lib/medulla-imaging-gateway; none: in memory only)
//! ; history = /var/lib/medulla-imaging-gateway/history.sqlite3
//! history_days = 90
//! ; a Medulla account of its own (may view the imaging module) with which
//! ; the gateway checks every imaging server while nobody looks
//! ; monitor_login = imaging-monitor
//! ; monitor_password = ...
//! monitor_seconds = 60
//! ; where the agent's own settings are (root-readable only)
//! agent_config = /etc/mmc/agent/config.ini
//! [agent]
//! ; each overrides what the agent's config.ini says
//! ; url = https://127.0.0.1:7080/
//! ; login = mmc
//! ; password = s3cr3t
//! ; cacert = /etc/mmc/agent/keys/cacert.pem
//! ```

use medulla_imaging_gateway::agent_config::{parse_ini, AgentSettings};
use medulla_imaging_gateway::monitor::MonitorAccount;
use medulla_imaging_gateway::router::serve;
use medulla_imaging_gateway::server::Gateway;
use medulla_imaging_gateway::settings::Settings;
use std::time::Duration;

const DEFAULT_CONFIG: &str = "/etc/medulla-imaging-gateway/gateway.ini";
const AGENT_CONFIG: &str = "/etc/mmc/agent/config.ini";

fn fail(problem: &str) -> ! {
    eprintln!("medulla-imaging-gateway: {problem}");
    std::process::exit(2)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")))
}

fn main() {
    // Four workers are plenty for a console's users; the unit's TasksMax=
    // counts on a bounded number of threads whatever the machine's cores.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .max_blocking_threads(8)
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("runtime: {e}")));
    runtime.block_on(run())
}

async fn run() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let credential = |name: &str| {
        let path = std::path::Path::new(&std::env::var_os("CREDENTIALS_DIRECTORY")?).join(name);
        // "none" is the unit's default where a file is missing.
        let present = std::fs::read(&path).is_ok_and(|data| data.trim_ascii() != b"none");
        present.then(|| path.to_string_lossy().into_owned())
    };
    let path = match args.as_slice() {
        [] => credential("gateway.ini").unwrap_or_else(|| DEFAULT_CONFIG.to_string()),
        [flag, path] if flag == "--config" => path.clone(),
        _ => fail("usage: medulla-imaging-gateway [--config PATH]"),
    };
    let ini = parse_ini(&read(&path));
    let get = |section: &str, key: &str| ini.get(&(section.to_string(), key.to_string())).cloned();
    let number = |key: &str, default: u64| match get("gateway", key) {
        Some(v) => {
            v.parse::<u64>().unwrap_or_else(|_| fail(&format!("{path}: [gateway] {key}: {v:?} is not a number")))
        }
        None => default,
    };
    // The agent reads its config.ini, then config.ini.local over it
    // (agent/bin/mmc-agent: `cp.read(options.inifile)`, then
    // `cp.read(f'{options.inifile}.local')`); so does the gateway.
    let (agent_config, local) = match (get("gateway", "agent_config"), credential("agent-config.ini")) {
        (Some(path), _) => (path.clone(), Some(format!("{path}.local"))),
        (None, Some(path)) => (path, credential("agent-config.ini.local")),
        (None, None) => (AGENT_CONFIG.to_string(), Some(format!("{AGENT_CONFIG}.local"))),
    };
    let local = local.and_then(|path| std::fs::read_to_string(path).ok());
    let agent = AgentSettings::from_files(&read(&agent_config), local.as_deref())
        .unwrap_or_else(|e| fail(&format!("{agent_config}: {e}")));
    // The agent's own cacert where it says (readable here when not run by
    // the unit), else the unit's credential of it, else none.
    let readable = |path: &String| std::fs::metadata(path).is_ok_and(|m| m.is_file());
    let cacert = get("agent", "cacert")
        .or_else(|| agent.cacert.clone().filter(readable))
        .or_else(|| credential("agent-cacert.pem"))
        .or(agent.cacert.clone());
    let agent_url = get("agent", "url").unwrap_or(agent.url);
    // Users' passwords travel in `base.ldapAuth`: never in clear beyond
    // this machine.
    if let Err(e) = medulla_imaging_gateway::agent_config::safe_url(&agent_url) {
        fail(&e);
    }
    let settings = Settings {
        agent_url,
        agent_login: get("agent", "login").unwrap_or(agent.login),
        agent_password: get("agent", "password").unwrap_or(agent.password),
        agent_certificate: cacert.map(|p| std::fs::read(&p).unwrap_or_else(|e| fail(&format!("{p}: {e}")))),
        session_timeout: Duration::from_secs(agent.session_timeout_seconds),
        check_interval: Duration::from_secs(number("check_interval_seconds", 30).max(1)),
        request_timeout_seconds: number("request_timeout_seconds", 10).clamp(1, 300) as u32,
        max_agent_calls: number("max_agent_calls", 4).clamp(1, 64) as usize,
        max_server_calls: number("max_server_calls", 32).clamp(1, 1024) as usize,
        agent_call_wait: Duration::from_secs(number("agent_call_wait_seconds", 5).clamp(1, 30)),
        session_max_age: Duration::from_secs(number("session_max_hours", 12).clamp(1, 24 * 31) * 3600),
        max_sessions_per_login: number("max_sessions_per_login", 50).clamp(1, 1000) as usize,
        max_sessions: number("max_sessions", 1000).clamp(1, 100_000) as usize,
        token_sign_in_only: match get("gateway", "token_sign_in_only").as_deref() {
            None | Some("no" | "false" | "0" | "off") => false,
            Some("yes" | "true" | "1" | "on") => true,
            Some(v) => fail(&format!("{path}: [gateway] token_sign_in_only: {v:?} is not yes or no")),
        },
        // Where it says, else in the unit's StateDirectory= (systemd sets
        // $STATE_DIRECTORY, its first path is ours), else nowhere.
        history_path: match get("gateway", "history") {
            Some(v) if v == "none" => None,
            Some(v) => Some(v.into()),
            None => std::env::var("STATE_DIRECTORY")
                .ok()
                .and_then(|dirs| dirs.split(':').next().map(|d| std::path::Path::new(d).join("history.sqlite3"))),
        },
        history_days: number("history_days", 90).clamp(1, 3650) as u32,
        monitor: match (get("gateway", "monitor_login"), get("gateway", "monitor_password")) {
            (Some(login), Some(password)) if !login.is_empty() && !password.is_empty() => Some(MonitorAccount {
                login,
                password,
                every: Duration::from_secs(number("monitor_seconds", 60).clamp(10, 3600)),
            }),
            (None, None) => None,
            _ => fail(&format!("{path}: [gateway] monitor_login and monitor_password go together")),
        },
    };
    // A certificate file that cannot be read stops the start, not a sign-in.
    let gateway = Gateway::new(settings.clone()).unwrap_or_else(|e| fail(&e));
    let listen = get("gateway", "listen").unwrap_or_else(|| "127.0.0.1:7081".into());
    let listener = tokio::net::TcpListener::bind(&listen).await.unwrap_or_else(|e| fail(&format!("{listen}: {e}")));
    eprintln!("medulla-imaging-gateway: listening on {listen}, agent {}", settings.agent_url);
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .unwrap_or_else(|e| fail(&format!("SIGTERM: {e}")));
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        eprintln!("medulla-imaging-gateway: stopping, finishing the requests in flight");
    };
    let served = serve(gateway.clone(), listener, shutdown).await;
    gateway.close();
    if let Err(e) = served {
        fail(&e.to_string());
    }
}
