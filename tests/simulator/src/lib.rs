//! A simulated Medulla MMC agent, for the demo and the tests. On the wire it
//! behaves like the real one (`shared/medulla-api.md`, and the README's
//! table of sources): XML-RPC over HTTP POST, the agent's Basic
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

pub mod headers;
mod proxy;
pub mod world;
pub mod xmlrpc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use world::{Failure, ServerState, Verdict, World, STORE_TOTAL_KIB};
use xmlrpc::V;

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

/// A request of the control endpoint; every field is optional and all that
/// are given apply.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// With `status`: the entity to change.
    pub entity: Option<String>,
    /// `available`, `offline` (the host is down: no relay, and
    /// `getGlobalStatus` waits for the connect timeout), `connection_error`
    /// (the imaging service is down: `{}` at once), or `unlinked`.
    pub status: Option<String>,
    /// With `entity`: whether its server's `url` holds its address (`false`:
    /// `https://:9990/imaging_api`, as with Medulla's empty `public_ip`).
    pub server_address: Option<bool>,
    /// With `entity`: whether its server's relay is on the XMPP bus
    /// (`false`: off it, although the host may answer).
    pub relay_present: Option<bool>,
    /// How long `getGlobalStatus` waits for a server whose host is down.
    pub connect_timeout_ms: Option<u64>,
    /// Delay before every agent answer.
    pub latency_ms: Option<u64>,
    /// `latency_ms` only for what a browser asks (the tab's calls to the
    /// agent or to the REST API), not for a gateway's calls to the agent:
    /// a console reached over a VPN, its gateway beside the agent.
    pub latency_browser_only: Option<bool>,
    /// REST: the statuses are as old as this (a cache between the tab and
    /// the gateway, which ignores `no-cache`): the proxy sets their
    /// `checked_at` that far in the past.
    pub rest_check_age_ms: Option<u64>,
    /// Delay before answers about one entity: `{"uuid": "UUID2", "ms": 3000}`
    /// (`ms` 0 removes it).
    pub slow_entity: Option<SlowEntity>,
    /// Delay before `imaging.getGlobalStatus` of one entity only: its
    /// imaging server keeps the agent waiting, Medulla's database does not
    /// (same form as `slow_entity`).
    pub slow_server: Option<SlowEntity>,
    /// Fail the next `count` agent calls (of `method` only, if given).
    pub fail: Option<Fail>,
    /// Every open session expires: the next call answers HTTP 401.
    pub expire_sessions: Option<bool>,
    /// Boot-menu synchronisation fails even on an available server.
    pub sync_fails: Option<bool>,
    /// The free space of every imaging server's image store, in MiB
    /// (`df -m`); a negative value gives back the slowly shrinking default.
    pub store_free_mib: Option<i64>,
    /// Replaces the served `config.json` with this JSON value...
    pub config: Option<serde_json::Value>,
    /// ...or with this raw text (to serve a broken file).
    pub config_text: Option<String>,
    /// `config.json` answers 404.
    pub config_missing: Option<bool>,
    /// Origins the served Content-Security-Policy lets frame the tab
    /// besides those of `embed_allowed_origins`: a server policy looser than
    /// the tab's config, to test the tab's own defence.
    pub frame_ancestors: Option<Vec<String>>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct SlowEntity {
    pub uuid: String,
    pub ms: u64,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Fail {
    /// `http_500`, `garbage` (an HTML page), `truncated` (cut XML),
    /// `hang` (no answer for two minutes), `fault` (fault 8004), or
    /// `exception` (the function raised: its database is lost), `huge` (a
    /// 33 MB answer, its length announced) or `huge_stream` (the same, sent
    /// in chunks without a length).
    pub mode: String,
    /// 0 takes back a failure not yet used.
    #[serde(default = "one")]
    pub count: u32,
    pub method: Option<String>,
}

fn one() -> u32 {
    1
}

struct Session {
    last_seen: Instant,
    expired: bool,
    login: String,
}

/// How long a sign-on token lives (`magic_link_ttl_minutes`, default 5).
pub const TOKEN_TTL: Duration = Duration::from_secs(300);

/// The size of a `huge` answer: more than the app reads.
const HUGE_BYTES: usize = 33 * 1024 * 1024;

/// A single sign-on token, as the console's `get_token()` stores it.
struct Token {
    login: String,
    made: Instant,
}

pub struct Sim {
    world: Mutex<World>,
    sessions: Mutex<HashMap<String, Session>>,
    session_timeout: Duration,
    latency_ms: Mutex<u64>,
    latency_browser_only: Mutex<bool>,
    connect_timeout: Mutex<Duration>,
    rest_check_age_ms: Mutex<u64>,
    slow: Mutex<HashMap<String, u64>>,
    slow_server: Mutex<HashMap<String, u64>>,
    fail: Mutex<Option<Fail>>,
    /// `None`: `config.json` is missing.
    config: Mutex<Option<String>>,
    calls: Mutex<HashMap<String, usize>>,
    /// The agent's waits for a dead host, by the entity asked about:
    /// `(in progress, most at once)`.
    dead_waits: Mutex<HashMap<String, (usize, usize)>>,
    /// By protocol: `(when the current round began, rounds counted)`.
    rounds: Mutex<HashMap<String, (Instant, usize)>>,
    /// Single sign-on tokens, by token.
    tokens: Mutex<HashMap<String, Token>>,
    pub(crate) hang: Duration,
    dist: PathBuf,
    host_app_origin: Option<String>,
    base_path: String,
    rest_upstream: Option<String>,
    /// The proxy's client, towards `rest_upstream`.
    http: reqwest::Client,
    /// Content-Security-Policy violations the browser reported.
    csp_reports: Mutex<Vec<String>>,
    /// The agent calls browsers made, in their order (the latest
    /// [`LOG_CALLS`]).
    call_log: Mutex<std::collections::VecDeque<Logged>>,
    /// When the simulator started: the log's times count from it.
    started: Instant,
    frame_ancestors: Mutex<Vec<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How many calls [`Sim::call_log`] keeps.
pub const LOG_CALLS: usize = 100_000;

/// An agent call a browser made: when it came and when it was answered
/// (the delays asked of the simulator added), in ms since the simulator
/// started; its method and the entity it is about.
#[derive(Clone, Debug)]
pub struct Logged {
    pub at_ms: u64,
    pub answered_ms: u64,
    pub method: String,
    pub entity: Option<String>,
}

/// What [`Sim::calls`] counts the readings of `config.json` under.
pub const CONFIG_READS: &str = "config.json";

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

impl Sim {
    pub fn new(options: &Options) -> Arc<Self> {
        let mut world = World::demo();
        world.add_many(options.extra_entities, options.extra_servers);
        Arc::new(Self {
            world: Mutex::new(world),
            sessions: Mutex::new(HashMap::new()),
            session_timeout: options.session_timeout,
            latency_ms: Mutex::new(0),
            latency_browser_only: Mutex::new(false),
            connect_timeout: Mutex::new(options.connect_timeout),
            rest_check_age_ms: Mutex::new(0),
            slow: Mutex::new(HashMap::new()),
            slow_server: Mutex::new(HashMap::new()),
            fail: Mutex::new(None),
            config: Mutex::new(Some(demo_config(&options.transport).to_string())),
            calls: Mutex::new(HashMap::new()),
            dead_waits: Mutex::new(HashMap::new()),
            rounds: Mutex::default(),
            tokens: Mutex::new(HashMap::new()),
            hang: options.hang,
            dist: options.dist.clone(),
            host_app_origin: options.host_app_origin.clone(),
            base_path: format!("/{}/", options.base_path.trim_matches('/')).replace("//", "/"),
            csp_reports: Mutex::new(Vec::new()),
            call_log: Mutex::default(),
            started: Instant::now(),
            frame_ancestors: Mutex::new(Vec::new()),
            rest_upstream: options.rest_upstream.clone(),
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default(),
        })
    }

    /// The status the simulated Medulla gives an entity now, named as the
    /// REST contract names it (`available`, `connection_error`, `offline`,
    /// `not_linked`).
    pub fn truth(&self, uuid: &str) -> Option<&'static str> {
        let world = self.world();
        let i = world.index(uuid)?;
        Some(match world.verdict(i).0 {
            Verdict::Available => "available",
            Verdict::ConnectionError => "connection_error",
            Verdict::Offline(_) => "offline",
            Verdict::NotLinked => "not_linked",
        })
    }

    /// Every count of calls, by protocol and method.
    pub fn all_calls(&self) -> Vec<(String, usize)> {
        let mut calls: Vec<_> = lock(&self.calls).iter().map(|(k, v)| (k.clone(), *v)).collect();
        calls.sort();
        calls
    }

    /// The Content-Security-Policy violations the browser reported.
    pub fn csp_reports(&self) -> Vec<String> {
        lock(&self.csp_reports).clone()
    }

    /// Takes the violations reported so far (a test that provokes one).
    pub fn take_csp_reports(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.csp_reports))
    }

    /// `embed_allowed_origins` of the served `config.json`.
    pub(crate) fn embed_allowed_origins(&self) -> Vec<String> {
        let config = lock(&self.config).clone().unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(&config).unwrap_or_default();
        let origins = json["embed_allowed_origins"].as_array().cloned().unwrap_or_default();
        // Only origins go into the header: anything else is left out.
        let extra = lock(&self.frame_ancestors).clone();
        origins
            .iter()
            .filter_map(|o| o.as_str())
            .chain(extra.iter().map(String::as_str))
            .filter(|o| o.bytes().all(|b| b.is_ascii_alphanumeric() || b":/.-[]".contains(&b)))
            .map(str::to_string)
            .collect()
    }

    /// How old the REST statuses say they are.
    pub(crate) fn rest_check_age_ms(&self) -> u64 {
        *lock(&self.rest_check_age_ms)
    }

    /// Applies a control request.
    pub fn control(&self, c: Control) -> Result<(), String> {
        if let Some(status) = &c.status {
            let entity = c.entity.as_deref().ok_or("\"status\" needs \"entity\"")?;
            let state = match status.as_str() {
                "available" => Some(ServerState::Available),
                "offline" => Some(ServerState::Offline),
                "connection_error" => Some(ServerState::ConnectionError),
                "unlinked" => None,
                other => return Err(format!("unknown status {other:?}")),
            };
            lock(&self.world).set_state(entity, state)?;
        }
        if c.server_address.is_some() || c.relay_present.is_some() {
            let entity = c.entity.as_deref().ok_or("\"server_address\" and \"relay_present\" need \"entity\"")?;
            let mut world = lock(&self.world);
            let server = world.server_mut(entity)?;
            server.address_in_url = c.server_address.unwrap_or(server.address_in_url);
            server.relay_lost = !c.relay_present.unwrap_or(!server.relay_lost);
        }
        if let Some(ms) = c.connect_timeout_ms {
            *lock(&self.connect_timeout) = Duration::from_millis(ms);
        }
        if let Some(only) = c.latency_browser_only {
            *lock(&self.latency_browser_only) = only;
        }
        if let Some(ms) = c.latency_ms {
            *lock(&self.latency_ms) = ms;
        }
        if let Some(ms) = c.rest_check_age_ms {
            *lock(&self.rest_check_age_ms) = ms;
        }
        for (slow, delays) in [(c.slow_server, &self.slow_server), (c.slow_entity, &self.slow)] {
            if let Some(SlowEntity { uuid, ms }) = slow {
                let mut delays = lock(delays);
                if ms == 0 {
                    delays.remove(&uuid);
                } else {
                    delays.insert(uuid, ms);
                }
            }
        }
        if let Some(fail) = c.fail {
            const MODES: [&str; 8] =
                ["http_500", "garbage", "truncated", "hang", "fault", "exception", "huge", "huge_stream"];
            if !MODES.contains(&fail.mode.as_str()) {
                return Err(format!("unknown fail mode {:?}", fail.mode));
            }
            *lock(&self.fail) = Some(fail);
        }
        if c.expire_sessions == Some(true) {
            lock(&self.sessions).values_mut().for_each(|s| s.expired = true);
        }
        if let Some(mib) = c.store_free_mib {
            lock(&self.world).store_free_kib = (mib >= 0).then(|| mib.saturating_mul(1024).min(STORE_TOTAL_KIB / 2));
        }
        if let Some(fails) = c.sync_fails {
            lock(&self.world).sync_fails = fails;
        }
        if let Some(config) = c.config {
            *lock(&self.config) = Some(config.to_string());
        }
        if let Some(text) = c.config_text {
            *lock(&self.config) = Some(text);
        }
        if let Some(origins) = c.frame_ancestors {
            *lock(&self.frame_ancestors) = origins;
        }
        if c.config_missing == Some(true) {
            *lock(&self.config) = None;
        }
        Ok(())
    }

    /// A sign-on token for `login`, as the console's PHP `get_token()`
    /// makes one (web/includes/config.inc.php): it replaces the user's
    /// earlier tokens, and can be used until it expires.
    pub fn create_token(&self, login: &str) -> String {
        let token = new_session_id();
        let mut tokens = lock(&self.tokens);
        tokens.retain(|_, t| t.login != login);
        tokens.insert(token.clone(), Token { login: login.to_string(), made: Instant::now() });
        token
    }

    /// A new session, and its `Set-Cookie` header with these attributes.
    pub(crate) fn open_session(&self, attributes: &str, login: &str) -> Option<HeaderValue> {
        let id = new_session_id();
        let session = Session { last_seen: Instant::now(), expired: false, login: login.to_string() };
        lock(&self.sessions).insert(id.clone(), session);
        HeaderValue::from_str(&format!("TWISTED_SESSION={id}; {attributes}")).ok()
    }

    /// The transport the served `config.json` names.
    pub fn transport(&self) -> String {
        let config = lock(&self.config).clone().unwrap_or_default();
        serde_json::from_str::<serde_json::Value>(&config)
            .ok()
            .and_then(|c| c["transport"].as_str().map(String::from))
            .unwrap_or_else(|| "?".into())
    }

    /// A request of `protocol` arriving more than half its `delay` after
    /// the current round began begins a new round: requests sent together
    /// arrive within far less, a request sent after an answer at least a
    /// delay later (an abandoned request still waiting changes nothing).
    fn count_round(&self, protocol: &str, delay: u64) {
        let mut rounds = lock(&self.rounds);
        let now = Instant::now();
        let (began, count) = rounds.entry(protocol.to_string()).or_insert((now, 0));
        if *count == 0 || now.duration_since(*began) > Duration::from_millis(delay / 2) {
            (*began, *count) = (now, *count + 1);
        }
    }

    /// How many rounds of requests of `protocol` (`XML-RPC`, `REST`) came,
    /// while `latency_ms` is set (see [`Sim::count_round`]). A check in one
    /// round trip adds 1.
    pub fn rounds(&self, protocol: &str) -> usize {
        lock(&self.rounds).get(protocol).map_or(0, |r| r.1)
    }

    /// How many times the agent was called with `method` (or with a
    /// protocol: `XML-RPC`, `REST`).
    /// The most `getGlobalStatus` calls about `entity` that waited for its
    /// dead host at once.
    pub fn most_dead_waits_at_once(&self, entity: &str) -> usize {
        lock(&self.dead_waits).get(entity).map_or(0, |(_, most)| *most)
    }

    /// `getGlobalStatus` calls waiting for a dead host now, in all.
    pub fn dead_waits_now(&self) -> usize {
        lock(&self.dead_waits).values().map(|(now, _)| now).sum()
    }

    pub fn calls(&self, method: &str) -> usize {
        lock(&self.calls).get(method).copied().unwrap_or(0)
    }

    /// The failure to inject into a call of `method`, if any is pending.
    /// A failure asked of this method by name only (never one for any call).
    pub(crate) fn take_failure_of(&self, method: &str) -> Option<String> {
        let named = lock(&self.fail).as_ref().is_some_and(|f| f.method.as_deref() == Some(method));
        named.then(|| self.take_failure(method)).flatten()
    }

    pub(crate) fn take_failure(&self, method: &str) -> Option<String> {
        let mut pending = lock(&self.fail);
        let fail = pending.as_mut()?;
        if fail.count == 0 {
            *pending = None;
            return None;
        }
        if fail.method.as_deref().is_some_and(|m| m != method) {
            return None;
        }
        let mode = fail.mode.clone();
        fail.count = fail.count.saturating_sub(1);
        if fail.count == 0 {
            *pending = None;
        }
        Some(mode)
    }
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

pub fn router(sim: Arc<Sim>) -> Router {
    let dist = sim.dist.clone();
    // As the package's Apache serves it: the precompressed assets
    // (scripts/compress.sh) to a browser that accepts them.
    let files = tower_http::services::ServeDir::new(&dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(tower_http::services::ServeFile::new(dist.join("index.html")));
    // The tab, its config.json and its REST API, where it is served.
    let rest = Router::new().route("/{*path}", axum::routing::any(proxy::forward));
    let tab = Router::new()
        .route("/config.json", get(config))
        .nest("/api/v1", rest)
        .fallback_service(files)
        .layer(axum::middleware::from_fn_with_state(sim.clone(), headers::production_headers));
    let machine = Router::new()
        .route("/mmc-agent/", post(agent).options(preflight))
        .route("/mmc-agent", post(agent).options(preflight))
        .route("/_sim/control", post(control))
        .route("/_sim/host.html", get(host_page))
        .route(headers::REPORT_PATH, post(headers::report))
        .route("/mmc/", get(console))
        .route("/mmc/{*page}", get(console));
    let routes = match sim.base_path.trim_end_matches('/') {
        "" => machine.merge(tab),
        // `nest` leaves out the prefix itself (`/imaging-status/`): there,
        // the tab's router gives its index page.
        base => machine.route_service(&format!("{base}/"), tab.clone().with_state(sim.clone())).nest(base, tab),
    };
    routes.with_state(sim)
}

/// Whether a request names this machine's loopback as its `Host`: a page
/// of another site that a DNS rebinding pointed at the simulator names its
/// own host, and is refused what drives the simulator or mints tokens.
fn local_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
    let name = host
        .rsplit_once(':')
        .map_or(host, |(name, port)| if port.bytes().all(|b| b.is_ascii_digit()) { name } else { host });
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, "only for this machine (Host: 127.0.0.1 or localhost)\n").into_response()
}

async fn control(State(sim): State<Arc<Sim>>, headers: HeaderMap, Json(c): Json<Control>) -> Response {
    if !local_host(&headers) {
        return forbidden();
    }
    match sim.control(c) {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    }
}

async fn config(State(sim): State<Arc<Sim>>) -> Response {
    *lock(&sim.calls).entry(CONFIG_READS.into()).or_default() += 1;
    match lock(&sim.config).clone() {
        Some(text) => {
            // As the package's Apache serves it: asked again at every load.
            ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-cache")], text).into_response()
        }
        None => (StatusCode::NOT_FOUND, "config.json not found").into_response(),
    }
}

#[derive(Deserialize)]
struct HostQuery {
    app: Option<String>,
    /// With `app`: the token to hand to it (else none).
    token: Option<String>,
    /// `none`: the page and its iframe send no referrer
    /// (`Referrer-Policy: no-referrer`), so the tab cannot tell its origin.
    referrer: Option<String>,
}

/// A console-like page that embeds the tab in an iframe, as the console's
/// imaging page of the integration kit does: by default the tab of this
/// simulator with `?embed=1&sso=1`, handed a fresh sign-on token by
/// message once it is ready; `?app=PATH[&token=T]` embeds the tab at
/// another path (of `host_app_origin` when the simulator was started so).
async fn host_page(State(sim): State<Arc<Sim>>, headers: HeaderMap, Query(q): Query<HostQuery>) -> Response {
    // Only a path: the page never embeds what a link names.
    let path = |app: &str| app.starts_with('/') && !app.starts_with("//") && !app.contains('\\');
    if !local_host(&headers) || q.app.as_deref().is_some_and(|a| !path(a)) {
        return forbidden();
    }
    let (app, token) = match q.app {
        Some(app) => (app, q.token),
        None => (format!("{}?embed=1&sso=1", sim.base_path), Some(sim.create_token(USER_LOGIN))),
    };
    let app = format!("{}{app}", sim.host_app_origin.as_deref().unwrap_or(""));
    let sign_on = token.map(|token| serde_json::json!({"login": USER_LOGIN, "token": token}));
    let literal = |v: serde_json::Value| v.to_string().replace("</", "<\\/");
    let policy = if q.referrer.as_deref() == Some("none") { "no-referrer" } else { "strict-origin-when-cross-origin" };
    let html = include_str!("host.html")
        .replace("APP_URL", &literal(app.into()))
        .replace("SIGN_ON", &literal(sign_on.unwrap_or_default()))
        .replace("REFERRER_POLICY", &literal(policy.into()));
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::REFERRER_POLICY, policy)], html).into_response()
}

/// A stand-in for the console's pages that the imaging actions open.
async fn console(uri: Uri) -> Response {
    let page = uri.path_and_query().map_or(String::new(), |p| p.to_string());
    let escaped = page.replace('&', "&amp;").replace('<', "&lt;");
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Medulla console (simulated)</title></head>\
         <body><h1>Medulla console (simulated)</h1><p>The real console would show <code id=\"page\">{escaped}</code>.</p>\
         <p><a href=\"javascript:history.back()\">Back to the imaging status</a></p></body></html>"
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

fn cors(headers: &HeaderMap, response: &mut Response) {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

async fn preflight(headers: HeaderMap) -> Response {
    let mut response = StatusCode::OK.into_response();
    cors(&headers, &mut response);
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, authorization"));
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, OPTIONS"));
    response
}

fn xml(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/xml")], body).into_response()
}

fn basic_ok(headers: &HeaderMap) -> bool {
    let expected = format!("{AGENT_LOGIN}:{AGENT_PASSWORD}");
    let Some(given) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
    given.strip_prefix("Basic ").and_then(decode_base64).is_some_and(|d| d == expected.as_bytes())
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.trim().trim_end_matches('=').bytes().map(value).collect::<Option<_>>()?;
    let mut out = Vec::new();
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &d)| n | (d as u32) << (18 - 6 * i));
        out.extend(n.to_be_bytes()[1..chunk.len()].iter());
    }
    Some(out)
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("TWISTED_SESSION=").map(str::to_string))
}

fn new_session_id() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let a = RandomState::new().hash_one(nanos);
    let b = RandomState::new().hash_one(a);
    format!("{a:016x}{b:016x}")
}

/// The agent's endpoint.
async fn agent(State(sim): State<Arc<Sim>>, method: Method, headers: HeaderMap, body: String) -> Response {
    // Browsers mark their fetches; the gateway's calls are not marked.
    if headers.contains_key("sec-fetch-mode") {
        *lock(&sim.calls).entry("XML-RPC from a browser".into()).or_default() += 1;
    }
    let mut response = answer(&sim, &method, &headers, &body).await;
    cors(&headers, &mut response);
    response
}

/// Whether a request comes with a live user session.
pub(crate) enum SessionCheck {
    /// Live, for this login.
    Live(String),
    /// No session cookie, or an unknown one.
    Missing,
    /// It was live but has expired (idle too long, or expired by control).
    Expired,
}

impl Sim {
    /// Checks the request's session, and keeps it alive.
    pub(crate) fn check_session(&self, headers: &HeaderMap) -> SessionCheck {
        let mut sessions = lock(&self.sessions);
        let Some(id) = session_cookie(headers) else { return SessionCheck::Missing };
        let Some(session) = sessions.get_mut(&id) else { return SessionCheck::Missing };
        if session.expired || session.last_seen.elapsed() > self.session_timeout {
            sessions.remove(&id);
            return SessionCheck::Expired;
        }
        session.last_seen = Instant::now();
        SessionCheck::Live(session.login.clone())
    }

    /// The simulator's clock: ms since it started (as [`Sim::call_log`]).
    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The agent calls browsers made, oldest first (the latest [`LOG_CALLS`]).
    pub fn call_log(&self) -> Vec<Logged> {
        lock(&self.call_log).iter().cloned().collect()
    }

    /// Counts the call (by method, and by protocol: `XML-RPC` or `REST`),
    /// then waits as the control endpoint asked: the global latency (for a
    /// `browser`'s request, or for any), plus the slow entity's when the
    /// call is about it.
    pub(crate) async fn before_answer(&self, protocol: &str, method: &str, entity: Option<&str>, browser: bool) {
        for key in [protocol, method] {
            *lock(&self.calls).entry(key.to_string()).or_default() += 1;
        }
        let mut delay = if browser || !*lock(&self.latency_browser_only) { *lock(&self.latency_ms) } else { 0 };
        if let Some(entity) = entity {
            delay += lock(&self.slow).get(entity).copied().unwrap_or(0);
            if method == "imaging.getGlobalStatus" {
                delay += lock(&self.slow_server).get(entity).copied().unwrap_or(0);
            }
        }
        if browser {
            let at_ms = self.now_ms();
            let mut log = lock(&self.call_log);
            if log.len() == LOG_CALLS {
                log.pop_front();
            }
            let (method, entity) = (method.to_string(), entity.map(String::from));
            log.push_back(Logged { at_ms, answered_ms: at_ms + delay, method, entity });
        }
        if delay > 0 {
            self.count_round(protocol, delay);
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
    }

    /// Whether `user` with `password` is a user of the simulated Medulla.
    pub(crate) fn password_ok(user: &str, password: &str) -> bool {
        [(USER_LOGIN, USER_PASSWORD), (SCOPED_LOGIN, SCOPED_PASSWORD), (NO_IMAGING_LOGIN, NO_IMAGING_PASSWORD)]
            .contains(&(user, password))
    }

    /// Whether `token` is a live sign-on token of `user`.
    pub fn token_ok(&self, user: &str, token: &str) -> bool {
        lock(&self.tokens).get(token).is_some_and(|t| t.login == user && t.made.elapsed() < TOKEN_TTL)
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }
}

impl Sim {
    /// The injected failures a proxy in front of either side would show
    /// (`http_500`, `garbage`); after a `hang`'s wait, and for the failures
    /// each side shows its own way (`truncated`, `fault`), `None`.
    pub(crate) async fn proxy_failure(&self, mode: &str) -> Option<Response> {
        match mode {
            "http_500" => Some((StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()),
            "garbage" => Some(
                (StatusCode::OK, [(header::CONTENT_TYPE, "text/html")], "<html><body><h1>Proxy error</h1>")
                    .into_response(),
            ),
            "hang" => {
                tokio::time::sleep(self.hang).await;
                None
            }
            // Past the 32 MB the app reads: refused, with or without a length.
            "huge" => Some((StatusCode::OK, "x".repeat(HUGE_BYTES)).into_response()),
            "huge_stream" => {
                let chunks = (0..HUGE_BYTES / 65_536).map(|_| Ok::<_, std::convert::Infallible>("x".repeat(65_536)));
                Some(axum::body::Body::from_stream(futures::stream::iter(chunks)).into_response())
            }
            _ => None,
        }
    }
}

/// A failure injected by the control endpoint, as the agent's side shows it.
async fn agent_failure(sim: &Sim, mode: &str, method: &str, params: &[V]) -> Response {
    if let Some(response) = sim.proxy_failure(mode).await {
        return response;
    }
    match mode {
        "truncated" => {
            xml(StatusCode::OK, xmlrpc::response(&V::Struct(vec![("total".into(), V::Int(1))]))[..60].to_string())
        }
        "hang" => StatusCode::GATEWAY_TIMEOUT.into_response(),
        "exception" => xml(
            StatusCode::OK,
            xmlrpc::exception(
                method,
                params,
                "sqlalchemy.exc.OperationalError",
                "(2006, 'MySQL server has gone away')",
            ),
        ),
        _ => xml(StatusCode::OK, xmlrpc::fault(8004, "L'agent MMC ne peut pas fournir de contexte de sécurité")),
    }
}

/// One wait for a dead host in progress, counted out when it ends.
struct DeadWait<'a>(&'a Sim, String);

impl Drop for DeadWait<'_> {
    fn drop(&mut self) {
        if let Some((now, _)) = lock(&self.0.dead_waits).get_mut(&self.1) {
            *now = now.saturating_sub(1);
        }
    }
}

async fn answer(sim: &Sim, _method: &Method, headers: &HeaderMap, body: &str) -> Response {
    if !basic_ok(headers) {
        let message = "Non autorisé : identifiants invalides pour se connecter à l'agent MMC, authentification HTTP Basic requise";
        return xml(StatusCode::UNAUTHORIZED, xmlrpc::fault(401, message));
    }
    let (name, params) = match xmlrpc::parse_call(body) {
        Ok(call) => call,
        Err(e) => return xml(StatusCode::OK, xmlrpc::fault(8002, &format!("Bad request: {e}"))),
    };
    let browser = headers.contains_key("sec-fetch-mode");
    sim.before_answer("XML-RPC", &name, params.first().and_then(V::as_str), browser).await;
    if let Some(mode) = sim.take_failure(&name) {
        return agent_failure(sim, &mode, &name, &params).await;
    }
    let text = |n: usize| params.get(n).and_then(V::as_str).unwrap_or_default();
    let signed_in = match name.as_str() {
        "base.ldapAuth" | "base.authenticate" => Some(Sim::password_ok(text(0), text(1))),
        "base.tokenAuthenticate" => Some(sim.token_ok(text(0), text(1))),
        // The forgotten-password flow: it mails a link and answers true; it
        // makes no sign-on token (those come from the console's get_token()).
        "base.createAuthToken" => return xml(StatusCode::OK, xmlrpc::response(&V::Bool(true))),
        _ => None,
    };
    if let Some(ok) = signed_in {
        let mut response = xml(StatusCode::OK, xmlrpc::response(&V::Bool(ok)));
        // As Twisted writes it: `Path=/`, no `HttpOnly`, no `SameSite`
        // (twisted/web/server.py, `Request.getSession`).
        if let Some(cookie) = ok.then(|| sim.open_session("Path=/", text(0))).flatten() {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        return response;
    }
    let login = match sim.check_session(headers) {
        SessionCheck::Live(login) => login,
        SessionCheck::Missing => {
            return xml(StatusCode::OK, xmlrpc::fault(8003, &format!("Authentification nécessaire : {name}")))
        }
        SessionCheck::Expired => return StatusCode::UNAUTHORIZED.into_response(),
    };
    if sim.world().waits_for_dead_host(&name, &params) {
        let entity = text(0).to_string();
        let wait = *lock(&sim.connect_timeout);
        {
            let mut waits = lock(&sim.dead_waits);
            let (now, most) = waits.entry(entity.clone()).or_default();
            *now += 1;
            *most = (*most).max(*now);
        }
        // Counted out even when the caller goes away mid-wait.
        let _counted = DeadWait(sim, entity);
        tokio::time::sleep(wait).await;
        return xml(StatusCode::OK, xmlrpc::response(&V::Struct(vec![])));
    }
    let result = sim.world().call(&name, &params, &login);
    match result {
        Ok(value) => xml(StatusCode::OK, xmlrpc::response(&value)),
        Err(Failure::Fault(code, message)) => xml(StatusCode::OK, xmlrpc::fault(code, &message)),
        Err(Failure::Exception(kind, message)) => {
            xml(StatusCode::OK, xmlrpc::exception(&name, &params, kind, &message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_basic_credentials() {
        assert_eq!(decode_base64("bW1jOnMzY3IzdA==").as_deref(), Some(&b"mmc:s3cr3t"[..]));
        assert_eq!(decode_base64("Zm8=").as_deref(), Some(&b"fo"[..]));
        assert_eq!(decode_base64("!!"), None);
    }

    #[test]
    fn failures_are_counted_and_filtered_by_method() {
        let sim = Sim::new(&Options::default());
        let fail = Fail { mode: "garbage".into(), count: 2, method: Some("imaging.getGlobalStatus".into()) };
        sim.control(Control { fail: Some(fail), ..Default::default() }).expect("control");
        assert_eq!(sim.take_failure("medulla_server.getUserLocations"), None);
        assert_eq!(sim.take_failure("imaging.getGlobalStatus").as_deref(), Some("garbage"));
        assert_eq!(sim.take_failure("imaging.getGlobalStatus").as_deref(), Some("garbage"));
        assert_eq!(sim.take_failure("imaging.getGlobalStatus"), None);
        let bad = Control { fail: Some(Fail { mode: "explode".into(), count: 1, method: None }), ..Default::default() };
        assert!(sim.control(bad).is_err());
    }
}
