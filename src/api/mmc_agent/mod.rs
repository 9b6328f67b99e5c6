//! The MMC agent client: Medulla's existing XML-RPC API, as the console
//! itself calls it. Each endpoint is a few lines over [`MmcAgent::call`].
//! Here the client and its session; what serves an entity in `topology`,
//! one check in `check`, the overview in `overview`, and the pure readers
//! of the agent's answers (tested natively on golden documents) in
//! `answers`.
//!
//! The agent as it really answers (see the table of sources in docs/design.md):
//! numbers come as strings, a failed call comes as a normal answer holding
//! `faultCode`, and `imaging.getGlobalStatus` takes 30 seconds when the
//! imaging server's host is down. So a check asks for the relay list at the
//! same time, says Offline as soon as the relay is known absent, and gives
//! that one call a longer deadline than the others.
//!
//! One round trip per check: what rarely changes (which entity's imaging
//! server serves an entity, and that server: its topology) is learnt once
//! and kept; a check then asks, all at once, the server's status, the relay
//! list, the counts and the activity. A topology older than
//! [`TOPOLOGY_VALID_MS`], and any check the user asks for ("Refresh now",
//! the pre-flight of an imaging action), also asks the server Medulla
//! resolves for the entity now, which confirms the topology kept (or, when
//! it differs, has it learnt again before anything is shown).

mod answers;
mod check;
mod overview;
mod topology;

pub use answers::*;
pub use overview::OVERVIEW_CONCURRENCY;
pub use topology::{still_serving, ServerConfig, Serving, TOPOLOGY_VALID_MS};

use super::http::{basic_authorization, Fetch, Http, Method, Request};
use super::xmlrpc::{decode_response, encode_call, Response, Value};
use super::{ApiError, Counted, ImagingApi, OnProgress, OnRow, Progress, SyncOutcome};
use crate::config::Config;
use crate::domain::*;
use crate::sync::lock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use topology::{Known, Look};

/// How many lines of recent activity the tab shows.
pub const ACTIVITY_LINES: i64 = 10;

/// One imaging server: its owner, address and name (a server at a new
/// address is another check).
pub fn server_key(owner: &str, server: &ServerConfig) -> String {
    format!("{owner}\n{}\n{}", server.url.as_deref().unwrap_or(""), server.name.as_deref().unwrap_or(""))
}

/// How long the agent waits for an imaging server whose host is down
/// before answering `{}`: its proxy to the server sets no timeout
/// (`getGlobalStatus` in services/mmc/plugins/imaging/functions.py calls
/// `ImagingApi(url).imagingServerStatus()`), so the TCP connect timeout of
/// Twisted's client, 30 seconds, decides.
pub const AGENT_CONNECT_TIMEOUT_SECONDS: u32 = 30;

/// The agent client over `H`: the browser's fetch in the tab, a native
/// client in a program on the server.
pub struct MmcAgent<H = Fetch> {
    http: H,
    url: String,
    authorization: Option<String>,
    timeout_ms: u32,
    /// `imaging.getGlobalStatus` only: the agent's own wait, plus the
    /// usual request timeout.
    status_timeout_ms: u32,
    /// The topology learnt so far, by entity, with when it was learnt or
    /// last confirmed.
    topology: Mutex<HashMap<String, Known>>,
    /// What Medulla said at first of an entity whose server is inherited,
    /// looked at ahead of its first check (see [`MmcAgent::look_ahead`]).
    looked: Mutex<HashMap<String, Look>>,
    /// What this session's checks saw of each server (since when, last
    /// figures).
    history: Mutex<History>,
    /// Checks in flight: while there is one, no background call leaves
    /// (see [`MmcAgent::background_turn`]).
    foreground: AtomicUsize,
}

/// How often background work looks whether the checks are over.
const BACKGROUND_POLL_MS: u32 = 25;

impl MmcAgent {
    pub fn new(config: &Config) -> Self {
        Self::with(Fetch, config)
    }
}

impl<H: Http> MmcAgent<H> {
    /// A client of the agent that `config` names, over `http`.
    pub fn with(http: H, config: &Config) -> Self {
        let seconds = config.request_timeout_seconds;
        Self {
            http,
            url: config.agent_url.clone(),
            authorization: config.agent_basic_auth.as_ref().map(|b| basic_authorization(&b.login, &b.password)),
            timeout_ms: seconds.saturating_mul(1000),
            status_timeout_ms: seconds.saturating_add(AGENT_CONNECT_TIMEOUT_SECONDS).saturating_mul(1000),
            topology: Mutex::default(),
            looked: Mutex::default(),
            history: Mutex::default(),
            foreground: AtomicUsize::new(0),
        }
    }

    /// Waits until no check is in flight: background work (topology
    /// learning) sends nothing while the user waits for a status, so that
    /// the check never queues behind it for the browser's connections.
    async fn background_turn(&self) {
        while self.foreground.load(Ordering::SeqCst) > 0 {
            self.http.sleep(BACKGROUND_POLL_MS).await;
        }
    }

    /// One XML-RPC call within `request_timeout_seconds`.
    pub async fn call(&self, method: &str, params: &[Value]) -> Result<Value, ApiError> {
        self.call_within(method, params, false).await
    }

    /// One XML-RPC call; a fault 8003 or HTTP 401 is [`ApiError::SignedOut`],
    /// an answer holding `faultCode` is the failure it reports.
    /// `waits_on_server`: the agent asks an imaging server on the way, and
    /// may wait its connect timeout for it (see [`Request::waits_on_server`]).
    async fn call_within(&self, method: &str, params: &[Value], waits_on_server: bool) -> Result<Value, ApiError> {
        let body = encode_call(method, params);
        let headers: Vec<(&str, &str)> = self.authorization.iter().map(|a| ("Authorization", a.as_str())).collect();
        let request = Request {
            method: Method::Post,
            url: &self.url,
            body: Some(("text/xml", body)),
            headers: &headers,
            timeout_ms: if waits_on_server { self.status_timeout_ms } else { self.timeout_ms },
            waits_on_server,
            cached_if_current: false,
        };
        let answer = self.http.send(request).await?;
        match answer.status {
            401 => return Err(ApiError::SignedOut),
            200..=299 => {}
            code => return Err(ApiError::Http(code)),
        }
        match decode_response(&answer.body) {
            Ok(Response::Success(value)) => match failure_in(&value) {
                Some(error) => Err(error),
                None => Ok(value),
            },
            Ok(Response::Fault { code, message }) => Err(ApiError::fault(code, message)),
            Err(e) => Err(ApiError::Malformed(format!("{method}: {e}"))),
        }
    }

    /// A sign-in call. A 401 here is the agent refusing the connection
    /// itself (its Basic credentials), not a session that ended.
    async fn login_call(&self, method: &str, login: &str, secret: &str) -> Result<bool, ApiError> {
        match self.call(method, &[Value::str(login), Value::str(secret)]).await {
            Ok(v) => Ok(v.as_flag() == Some(true)),
            Err(ApiError::SignedOut) => Err(ApiError::Http(401)),
            Err(e) => Err(e),
        }
    }
}

impl<H: Http> ImagingApi for MmcAgent<H> {
    async fn sign_in(&self, login: &str, password: &str) -> Result<bool, ApiError> {
        self.login_call("base.ldapAuth", login, password).await
    }

    async fn sign_in_with_token(&self, login: &str, token: &str) -> Result<bool, ApiError> {
        self.login_call("base.tokenAuthenticate", login, token).await
    }

    async fn entities(&self) -> Result<Vec<Entity>, ApiError> {
        entities_from(&self.call("medulla_server.getUserLocations", &[]).await?)
    }

    /// The agent has no sign-out call: `agent/mmc/agent.py` only ever sets
    /// `loggedin` to true (`_cbRender`, on a true answer of a login call)
    /// or false on its idle timeout. The session ends for this browser when
    /// its cookie is forgotten, which the tab does (see
    /// `ui::browser::forget_agent_session`); the agent drops it after
    /// `sessiontimeout` seconds, as it does for the console's own logout.
    async fn sign_out(&self) -> Result<(), ApiError> {
        self.topology().clear();
        lock(&self.looked).clear();
        *lock(&self.history) = History::default();
        Ok(())
    }

    /// The status of `entity`, with since when it holds and, when its
    /// server does not answer, its last figures (this session's history).
    /// With a `max_age` of 0 (a check the user asked for), its topology is
    /// confirmed even when it is valid.
    async fn status(&self, entity: &str, max_age: u32, progress: &OnProgress<'_>) -> Result<StatusReport, ApiError> {
        // Counted also when dropped half-way (a selection that changed aborts it).
        let _foreground = Counted::enter(&self.foreground);
        let at = self.http.now_ms();
        let history = &self.history;
        let annotated = |p: Progress| match p {
            Progress::Provisional(mut report) => {
                lock(history).annotate(&mut report, at);
                progress(Progress::Provisional(report))
            }
            other => progress(other),
        };
        let mut report = self.status_now(entity, max_age > 0, &annotated).await?;
        lock(&self.history).record(&mut report, at);
        Ok(report)
    }

    /// See [`MmcAgent::overview_rows`].
    async fn overview(&self, entities: &[Entity], _max_age: u32, on_row: &OnRow<'_>) -> Result<(), ApiError> {
        self.overview_rows(entities, on_row).await
    }

    async fn synchronise(&self, entity: &str) -> Result<SyncOutcome, ApiError> {
        match self.call("imaging.synchroLocation", &[Value::str(entity)]).await {
            Ok(v) => sync_outcome_from(&v),
            // A failed step holds a Twisted `Failure`, which the agent cannot
            // serialise (agent/mmc/agent.py, `_cbRender`: fault 8005).
            Err(ApiError::Fault { code: 8005, .. }) => Ok(SyncOutcome::Failed(Vec::new())),
            Err(e) => Err(e),
        }
    }
}
