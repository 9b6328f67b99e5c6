//! The simulator's state: its world, sessions and tokens, and what it counts
//! and logs of the calls it answers.

use crate::agent::{new_session_id, session_cookie};
use crate::world::{Verdict, World};
use crate::{
    demo_config, Fail, Options, NO_IMAGING_LOGIN, NO_IMAGING_PASSWORD, SCOPED_LOGIN, SCOPED_PASSWORD, USER_LOGIN,
    USER_PASSWORD,
};
use axum::http::{HeaderMap, HeaderValue};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub(crate) struct Session {
    pub(crate) last_seen: Instant,
    pub(crate) expired: bool,
    pub(crate) login: String,
}

/// How long a sign-on token lives (`magic_link_ttl_minutes`, default 5).
pub const TOKEN_TTL: Duration = Duration::from_secs(300);

/// The size of a `huge` answer: more than the app reads.
pub(crate) const HUGE_BYTES: usize = 33 * 1024 * 1024;

/// A single sign-on token, as the console's `get_token()` stores it.
pub(crate) struct Token {
    pub(crate) login: String,
    pub(crate) made: Instant,
}

pub struct Sim {
    pub(crate) world: Mutex<World>,
    pub(crate) sessions: Mutex<HashMap<String, Session>>,
    pub(crate) session_timeout: Duration,
    pub(crate) latency_ms: Mutex<u64>,
    pub(crate) latency_browser_only: Mutex<bool>,
    pub(crate) connect_timeout: Mutex<Duration>,
    pub(crate) rest_check_age_ms: Mutex<u64>,
    pub(crate) slow: Mutex<HashMap<String, u64>>,
    /// Delays by method (see `Control::slow_method`).
    pub(crate) slow_methods: Mutex<HashMap<String, u64>>,
    pub(crate) slow_server: Mutex<HashMap<String, u64>>,
    pub(crate) fail: Mutex<Option<Fail>>,
    /// `None`: `config.json` is missing.
    pub(crate) config: Mutex<Option<String>>,
    pub(crate) calls: Mutex<HashMap<String, usize>>,
    /// The agent's waits for a dead host, by the entity asked about:
    /// `(in progress, most at once)`.
    pub(crate) dead_waits: Mutex<HashMap<String, (usize, usize)>>,
    /// By protocol: `(when the current round began, rounds counted)`.
    pub(crate) rounds: Mutex<HashMap<String, (Instant, usize)>>,
    /// Single sign-on tokens, by token.
    pub(crate) tokens: Mutex<HashMap<String, Token>>,
    pub(crate) hang: Duration,
    pub(crate) dist: PathBuf,
    pub(crate) host_app_origin: Option<String>,
    pub(crate) base_path: String,
    pub(crate) rest_upstream: Option<String>,
    /// The proxy's client, towards `rest_upstream`.
    pub(crate) http: reqwest::Client,
    /// Content-Security-Policy violations the browser reported.
    pub(crate) csp_reports: Mutex<Vec<String>>,
    /// The agent calls browsers made, in their order (the latest
    /// [`LOG_CALLS`]).
    pub(crate) call_log: Mutex<std::collections::VecDeque<Logged>>,
    /// When the simulator started: the log's times count from it.
    pub(crate) started: Instant,
    pub(crate) frame_ancestors: Mutex<Vec<String>>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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
            slow_methods: Mutex::new(HashMap::new()),
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
    pub(crate) fn count_round(&self, protocol: &str, delay: u64) {
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
        delay += lock(&self.slow_methods).get(method).copied().unwrap_or(0);
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
