//! A simulated Medulla MMC agent, for the demo and the tests. On the wire it
//! behaves like the real one (`shared/medulla-api.md`, and the
//! table of sources in docs/design.md): XML-RPC over HTTP POST, the agent's Basic
//! credentials, a `TWISTED_SESSION` cookie from `base.ldapAuth`, fault 8003
//! without a session (as a normal answer holding `faultCode`, like every
//! agent fault), HTTP 401 once a session has expired, CORS that echoes the
//! origin, results through the agent's clean-up step, a function that
//! raises answered with the exception struct, and `getGlobalStatus` that
//! waits for the connect timeout when the imaging server's host is down.
//! It also serves the built app, its `config.json`, and a stand-in for the
//! console's pages.
//!
//! It is driven while running by `POST /_sim/control` (see [`Control`]).

mod agent;
mod control;
pub mod headers;
mod proxy;
mod state;
mod web;
pub mod world;
pub mod xmlrpc;

pub use control::{Control, Fail, SlowEntity, SlowMethod};
pub use state::{Logged, Sim, CONFIG_READS, LOG_CALLS, TOKEN_TTL};
use web::router;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub const AGENT_LOGIN: &str = "mmc";
pub const AGENT_PASSWORD: &str = "s3cr3t";
pub const USER_LOGIN: &str = "admin";
pub const USER_PASSWORD: &str = "medulla";
/// A user whose own entity is General > Public (UUID2): Medulla lists them
/// that entity and those below it only (`getUserLocations`).
pub const SCOPED_LOGIN: &str = "tech";
pub const SCOPED_PASSWORD: &str = "imaging";
/// A user whose profile lacks the imaging module (`base.getUserAcl`): the
/// console would not show them its pages.
pub const NO_IMAGING_LOGIN: &str = "helpdesk";
pub const NO_IMAGING_PASSWORD: &str = "helpdesk";

pub struct Options {
    /// 0 picks a free port.
    pub port: u16,
    /// The built app (Trunk's `dist/`).
    pub dist: PathBuf,
    pub session_timeout: Duration,
    /// Extra entities, to try the selector and the overview at scale...
    pub extra_entities: usize,
    /// ...and how many of them have an imaging server of their own.
    pub extra_servers: usize,
    /// How long a `hang` failure keeps the caller waiting.
    pub hang: Duration,
    /// How long `getGlobalStatus` waits for an imaging server whose host is
    /// down before answering `{}` (the agent's TCP connect timeout).
    pub connect_timeout: Duration,
    /// The transport of the served `config.json`: `mmc-agent` or `rest`.
    pub transport: String,
    /// The base URL of our REST gateway (`http://127.0.0.1:7081`) to which
    /// the tab's `api/v1/` is passed; without it, the tab has no REST API.
    pub rest_upstream: Option<String>,
    /// Where the tab is served: `/` or a prefix such as `/imaging-status/`
    /// (with its `config.json` and REST API; the agent stays at
    /// `/mmc-agent/`, as behind the console's Apache).
    pub base_path: String,
    /// The origin of the tab that `/_sim/host.html` embeds (a console page
    /// on another origin, as in the embedding tests); this simulator's own
    /// when `None`. Set when starting, never by a request.
    pub host_app_origin: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            port: 0,
            dist: PathBuf::from("dist"),
            session_timeout: Duration::from_secs(900),
            extra_entities: 0,
            extra_servers: 0,
            hang: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(30),
            transport: "mmc-agent".into(),
            host_app_origin: None,
            base_path: "/".into(),
            rest_upstream: None,
        }
    }
}

/// The `config.json` the simulator serves by default, for a transport
/// (`mmc-agent` or `rest`).
pub fn demo_config(transport: &str) -> serde_json::Value {
    let mut config = serde_json::json!({
        "transport": transport,
        "agent_url": "/mmc-agent/",
        "rest_url": "api/v1/",
        "poll_seconds": 30,
        "request_timeout_seconds": 10,
        "console_url": "/mmc/",
        "language": "auto"
    });
    // Straight to the agent, the browser needs the agent's own credentials
    // (the simulator is on the loopback: the tab accepts them there only).
    if transport == "mmc-agent" {
        config["agent_basic_auth"] = serde_json::json!({"login": AGENT_LOGIN, "password": AGENT_PASSWORD});
    }
    config
}

pub struct Running {
    pub addr: SocketAddr,
    pub sim: Arc<Sim>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

/// Starts the simulator on 127.0.0.1 in the current Tokio runtime.
pub async fn start(options: Options) -> std::io::Result<Running> {
    let sim = Sim::new(&options);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
    let addr = listener.local_addr()?;
    let app = router(sim.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("simulator stopped: {e}");
        }
    });
    Ok(Running { addr, sim })
}
