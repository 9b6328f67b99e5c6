//! The gateway's settings: how it reaches the agent, shares its checks and
//! bounds its sessions.

use crate::agent_http::Limits;
use std::time::Duration;

/// The agent's own wait for a dead host (`getGlobalStatus`), beyond the
/// request timeout.
pub(crate) const AGENT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How the gateway reaches the agent and shares its checks. Not `Debug`:
/// it holds the agent's password (and the monitoring account's), which no
/// log or panic message may show.
#[derive(Clone)]
pub struct Settings {
    pub agent_url: String,
    pub agent_login: String,
    pub agent_password: String,
    /// PEM of the CA of the agent's certificate.
    pub agent_certificate: Option<Vec<u8>>,
    /// The agent's idle timeout: a gateway session idle this long ends.
    pub session_timeout: Duration,
    /// A status younger than this is shared rather than asked again.
    pub check_interval: Duration,
    pub request_timeout_seconds: u32,
    /// Calls to the agent at once, besides those waiting on imaging servers.
    pub max_agent_calls: usize,
    /// Calls waiting on imaging servers at once (`getGlobalStatus`, one per
    /// server at a time).
    pub max_server_calls: usize,
    /// How long a call waits for its turn before the gateway answers 503.
    pub agent_call_wait: Duration,
    /// A session ends this long after its sign-in, however active.
    pub session_max_age: Duration,
    /// Sessions open at once, per login and in all (the oldest ends first).
    pub max_sessions_per_login: usize,
    pub max_sessions: usize,
    /// Sign-in with the console's sign-on tokens only, no password form:
    /// the console is the only door.
    pub token_sign_in_only: bool,
    /// The history's SQLite file (`None`: kept in memory only, lost at a
    /// restart), and how many days it keeps.
    pub history_path: Option<std::path::PathBuf>,
    pub history_days: u32,
    /// A Medulla account of its own with which the gateway checks every
    /// imaging server while nobody looks (`None`: only users' checks).
    pub monitor: Option<crate::monitor::MonitorAccount>,
}

impl Settings {
    /// An agent reached in plain HTTP with these credentials; the agent's
    /// default idle timeout, checks shared for 30 s, 10 s per request, 4
    /// agent calls and 32 waiting on servers at once, each waiting 5 s at
    /// most for its turn; sessions of 12 hours at most, 50 per login and
    /// 1,000 in all (a team may share one Medulla login).
    pub fn new(agent_url: String, agent_login: &str, agent_password: &str) -> Self {
        Self {
            agent_url,
            agent_login: agent_login.into(),
            agent_password: agent_password.into(),
            agent_certificate: None,
            session_timeout: Duration::from_secs(900),
            check_interval: Duration::from_secs(30),
            request_timeout_seconds: 10,
            max_agent_calls: 4,
            max_server_calls: 32,
            agent_call_wait: Duration::from_secs(5),
            session_max_age: Duration::from_secs(12 * 3600),
            max_sessions_per_login: 50,
            max_sessions: 1000,
            token_sign_in_only: false,
            history_path: None,
            history_days: 90,
            monitor: None,
        }
    }

    /// How long any request may take: a status may wait for the agent's
    /// connect timeout and a request timeout, plus the wait for a turn;
    /// under the 60 s Apache gives the gateway (`ProxyPass ... timeout=60`).
    pub fn deadline(&self) -> Duration {
        let longest = Duration::from_secs(self.request_timeout_seconds.into()) + AGENT_CONNECT_TIMEOUT;
        (longest + self.agent_call_wait + Duration::from_secs(1)).min(Duration::from_secs(55))
    }

    pub(crate) fn limits(&self) -> Limits {
        Limits { agent_calls: self.max_agent_calls, server_calls: self.max_server_calls, wait: self.agent_call_wait }
    }
}
