//! The REST contract of `public/openapi.yaml`, served in front of the MMC
//! agent with the app's own agent client and status rules.
//!
//! - Users sign in through the gateway (their Medulla login, or a console
//!   token); each gets one agent session, kept here, and a cookie of the
//!   gateway's own (`HttpOnly; Secure; SameSite=Strict`) that lasts as long
//!   as the agent's idle timeout.
//! - It answers only about entities the user's own `getUserLocations`
//!   lists (any other id: 404, whether it exists or not).
//! - A server's status is checked at most once per interval and shared
//!   between users, each status with its `checked_at`; a client that needs
//!   a younger one says so (`Cache-Control: max-age=N` or `no-cache`).
//!   One check of a server at a time (`shared.rs`); at most
//!   `max_agent_calls` calls to the agent at once, and apart from them the
//!   calls that wait on imaging servers (`agent_http.rs`), so that a dead
//!   server holds up nobody.
//! - Every request has a deadline; sessions have an idle and an absolute
//!   lifetime, and are capped per login and in all.
//! - One log line per request (no cookie, no query, no body), `/healthz`,
//!   Prometheus `/metrics`.

use crate::agent_http::{AgentLink, Limits};
use crate::bodies;
use crate::metrics::Metrics;
use crate::rights::Rights;
use crate::shared::Shared;
use crate::sign_in::{sign_in, UsedTokens};
use crate::single_flight::SingleFlight;
use crate::throttle::Throttle;
use crate::AgentHttp;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::from_fn;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use futures::future::{select, Either};
use futures::stream::{self, StreamExt};
use medulla_imaging_status::api::mmc_agent::{server_key, still_serving, ServerConfig, Serving, TOPOLOGY_VALID_MS};
use medulla_imaging_status::api::rest::wire;
use medulla_imaging_status::api::xmlrpc::Value as XmlValue;
use medulla_imaging_status::api::{ApiError, ImagingApi, MmcAgent, Progress, SyncOutcome};
use medulla_imaging_status::config::{BasicAuth, Config};
use medulla_imaging_status::domain::{Entity, History, ServerStatus, StatusReport};
use medulla_imaging_status::sync::lock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::Semaphore;

/// The agent's own wait for a dead host (`getGlobalStatus`), beyond the
/// request timeout.
const AGENT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

pub const COOKIE: &str = "medulla_imaging_gateway";
const PROBLEM_PREFIX: &str = "urn:medulla:problem:";

/// How the gateway reaches the agent and shares its checks.
#[derive(Clone, Debug)]
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
        }
    }

    /// How long any request may take: a status may wait for the agent's
    /// connect timeout and a request timeout, plus the wait for a turn;
    /// under the 60 s Apache gives the gateway (`ProxyPass ... timeout=60`).
    pub fn deadline(&self) -> Duration {
        let longest = Duration::from_secs(self.request_timeout_seconds.into()) + AGENT_CONNECT_TIMEOUT;
        (longest + self.agent_call_wait + Duration::from_secs(1)).min(Duration::from_secs(55))
    }

    fn limits(&self) -> Limits {
        Limits { agent_calls: self.max_agent_calls, server_calls: self.max_server_calls, wait: self.agent_call_wait }
    }
}

pub(crate) struct UserSession {
    pub(crate) login: String,
    pub(crate) agent: MmcAgent<AgentHttp>,
    /// The same agent session, for work in the background (the overview):
    /// its calls never take more than half of the agent calls.
    pub(crate) background: MmcAgent<AgentHttp>,
    /// Shared with every session that sees the same list (see
    /// [`Gateway::shared_list`]).
    pub(crate) entities: Mutex<Arc<Vec<Entity>>>,
    /// When the entities were last read, which also kept the agent
    /// session alive.
    pub(crate) entities_read: Mutex<Instant>,
    pub(crate) signed_in: Instant,
    pub(crate) last_seen: Mutex<Instant>,
    /// The user's own re-reading of their entities in flight.
    pub(crate) rereading: SingleFlight<(), Result<(), ApiError>>,
    /// This session's requests in progress (at most
    /// [`REQUESTS_PER_SESSION`]: one user cannot take every agent call).
    pub(crate) in_flight: Arc<Semaphore>,
    /// What the user may do in the imaging module, read again with the
    /// entities.
    pub(crate) rights: Mutex<Rights>,
}

impl UserSession {
    fn agent(&self, priority: Priority) -> &MmcAgent<AgentHttp> {
        match priority {
            Priority::Now => &self.agent,
            Priority::Background => &self.background,
        }
    }
}

/// Whether someone waits for a call now, or it is background work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Priority {
    Now,
    Background,
}

/// Requests of one session in progress at once; a tab makes a few.
pub(crate) const REQUESTS_PER_SESSION: usize = 8;

/// How often an active user's entities are read again: their rights stay
/// current, and their agent session, which the agent ends after
/// `sessiontimeout` without a call (agent/mmc/agent.py, the session's
/// `lastModified` against `sessiontimeout`), stays alive even when every
/// status they see comes from another user's check.
fn reread_every(session_timeout: Duration) -> Duration {
    (session_timeout / 3).min(Duration::from_secs(300))
}

/// A status, and when its check began.
struct Checked {
    report: StatusReport,
    at: SystemTime,
}

/// The imaging server Medulla resolves for an entity, as of `at`.
struct Resolved {
    server: Option<ServerConfig>,
    at: SystemTime,
}

/// How long the topology of an entity is kept: every status confirms it
/// (see [`Gateway::shared_status`]), and it is learnt again when that
/// contradicts it.
const TOPOLOGY_MAX_AGE: Duration = Duration::from_secs(600);

/// The entity whose imaging server serves an entity, and that server
/// (`None`: no server), as learnt at `at`.
struct Topology {
    serving: Serving,
    at: SystemTime,
}

pub struct Gateway {
    pub(crate) settings: Settings,
    pub(crate) agent_config: Config,
    pub(crate) link: Arc<AgentLink>,
    sessions: Mutex<HashMap<String, Arc<UserSession>>>,
    topology: Arc<Shared<Arc<Topology>>>,
    /// The server each entity resolves to now, which confirms its topology.
    resolved: Arc<Shared<Arc<Resolved>>>,
    /// Statuses by the entity that owns the imaging server (and that
    /// server's address and name).
    checks: Arc<Shared<Arc<Checked>>>,
    /// What the checks saw of each imaging server, for every user: since
    /// when its status holds, its last figures.
    history: Mutex<History>,
    /// Sign-ins asking the agent at once (anyone may try one: never
    /// queued, a 429 past it).
    pub(crate) sign_ins: Semaphore,
    /// The entity lists sessions hold, each once.
    entity_lists: Mutex<Vec<std::sync::Weak<Vec<Entity>>>>,
    pub(crate) throttle: Throttle,
    pub(crate) used_tokens: UsedTokens,
    /// Boot-menu synchronisations in flight, by entity.
    synchronising: SingleFlight<String, Result<SyncOutcome, ApiError>>,
    /// One synchronisation at a time per imaging server (by its owner
    /// entity): the server regenerates boot menus one entity after another.
    synchronising_servers: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    metrics: Metrics,
}

impl Gateway {
    /// The gateway; an error when the agent's certificate is unusable.
    pub fn new(settings: Settings) -> Result<Arc<Self>, String> {
        let agent_config = Config {
            agent_url: settings.agent_url.clone(),
            agent_basic_auth: Some(BasicAuth {
                login: settings.agent_login.clone(),
                password: settings.agent_password.clone(),
            }),
            request_timeout_seconds: settings.request_timeout_seconds,
            ..Config::default()
        };
        let link = AgentLink::new(settings.agent_certificate.as_deref(), settings.limits())?;
        Ok(Arc::new(Self {
            link,
            sign_ins: Semaphore::new(4),
            entity_lists: Mutex::default(),
            throttle: Throttle::default(),
            used_tokens: UsedTokens::default(),
            synchronising: SingleFlight::default(),
            synchronising_servers: Mutex::default(),
            settings,
            agent_config,
            sessions: Mutex::new(HashMap::new()),
            topology: Arc::default(),
            resolved: Arc::default(),
            checks: Arc::default(),
            history: Mutex::new(History::default()),
            metrics: Metrics::default(),
        }))
    }

    /// Whether `session` has ended: idle longer than the agent's timeout,
    /// or older than `session_max_age`.
    fn over(&self, session: &UserSession) -> bool {
        lock(&session.last_seen).elapsed() > self.settings.session_timeout
            || session.signed_in.elapsed() > self.settings.session_max_age
    }

    /// The session of the request's cookie, if live; one that is over ends.
    /// An active user's entities are read again every few minutes (see
    /// [`reread_every`]), on the side.
    fn session(self: &Arc<Self>, headers: &HeaderMap) -> Option<Arc<UserSession>> {
        let id = cookie(headers, COOKIE)?;
        let session = {
            let mut sessions = lock(&self.sessions);
            let session = sessions.get(&id)?.clone();
            if self.over(&session) {
                sessions.remove(&id);
                return None;
            }
            session
        };
        *lock(&session.last_seen) = Instant::now();
        if lock(&session.entities_read).elapsed() > reread_every(self.settings.session_timeout) {
            let (gateway, user) = (self.clone(), session.clone());
            tokio::spawn(async move {
                let read = gateway.reread_entities(&user).await;
                // Signed out of the agent, or no longer allowed: it ends.
                if read == Err(ApiError::SignedOut) || !lock(&user.rights).may_view_imaging() {
                    lock(&gateway.sessions).remove(&id);
                }
            });
        }
        Some(session)
    }

    /// Reads the user's entities again in their own agent session (one
    /// reading at a time per user).
    async fn reread_entities(self: &Arc<Self>, user: &Arc<UserSession>) -> Result<(), ApiError> {
        let (gateway, asker) = (self.clone(), user.clone());
        user.rereading
            .run((), || async move {
                let list = asker.agent.entities().await?;
                let acl = asker.agent.call("base.getUserAcl", &[XmlValue::str(&asker.login)]).await?;
                *lock(&asker.rights) = Rights::of(&asker.login, acl.as_str().unwrap_or_default());
                *lock(&asker.entities) = gateway.shared_list(list);
                *lock(&asker.entities_read) = Instant::now();
                Ok(())
            })
            .await
    }

    /// `list`, or the same list another session already holds: a
    /// thousand sessions of a site of 5,000 entities keep it once, not a
    /// thousand times.
    pub(crate) fn shared_list(&self, list: Vec<Entity>) -> Arc<Vec<Entity>> {
        let mut lists = lock(&self.entity_lists);
        lists.retain(|l| l.strong_count() > 0);
        if let Some(same) = lists.iter().filter_map(std::sync::Weak::upgrade).find(|l| **l == list) {
            return same;
        }
        let list = Arc::new(list);
        lists.push(Arc::downgrade(&list));
        list
    }

    /// Whether the user's own agent session is live: a check shared with
    /// other users may have run in another one. Read within the last few
    /// seconds: live.
    async fn confirm_session(self: &Arc<Self>, user: &Arc<UserSession>) -> Result<(), ApiError> {
        if lock(&user.entities_read).elapsed() < Duration::from_secs(5) {
            return Ok(());
        }
        self.reread_entities(user).await
    }

    /// Ends every session that is over.
    pub(crate) fn forget_ended_sessions(&self) {
        lock(&self.sessions).retain(|_, s| !self.over(s));
    }

    /// Keeps `session` under `id`, ending the oldest sessions of its login
    /// and of all past their caps.
    pub(crate) fn open_session(&self, id: String, session: UserSession) {
        let mut sessions = lock(&self.sessions);
        let login = session.login.clone();
        sessions.insert(id, Arc::new(session));
        let oldest = |sessions: &HashMap<String, Arc<UserSession>>, of: Option<&str>| {
            let mut ids: Vec<(Instant, String)> = sessions
                .iter()
                .filter(|(_, s)| of.is_none_or(|login| s.login == login))
                .map(|(id, s)| (s.signed_in, id.clone()))
                .collect();
            ids.sort();
            ids.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
        };
        let of_login = oldest(&sessions, Some(&login));
        for id in of_login.iter().take(of_login.len().saturating_sub(self.settings.max_sessions_per_login.max(1))) {
            sessions.remove(id);
        }
        let all = oldest(&sessions, None);
        for id in all.iter().take(all.len().saturating_sub(self.settings.max_sessions.max(1))) {
            sessions.remove(id);
        }
    }

    pub(crate) fn end_session(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, COOKIE) {
            lock(&self.sessions).remove(&id);
        }
    }

    /// The status of `entity`, as `user` may see it. What serves the entity
    /// (its topology) and the status of that imaging server are each shared
    /// while younger than `max_age`: checked once for every user and every
    /// entity that server serves. A check runs on its own: its first word
    /// is the answer (an Offline known from the relay, while the agent still
    /// waits up to 30 s for a dead host, as the tab does with the agent
    /// itself), and its last word is kept for the next requests.
    async fn status(
        self: &Arc<Self>,
        user: Arc<UserSession>,
        entity: &str,
        max_age: Duration,
    ) -> Result<Arc<Checked>, ApiError> {
        let checked = match self.shared_status(user.clone(), entity, max_age).await {
            // The session that ran a shared check may be another user's:
            // this user's own says whether they are signed out; if not, the
            // check is asked again, shared as before (a new run, begun in
            // the session of whoever asks first).
            Err(ApiError::SignedOut) => {
                self.confirm_session(&user).await?;
                self.shared_status(user.clone(), entity, max_age).await?
            }
            other => other?,
        };
        self.metrics.reported(entity, bodies::status_of(&checked.report.status).as_str());
        Ok(self.annotated(&checked))
    }

    /// `checked` with what the history says of its server (since when,
    /// last figures).
    fn annotated(&self, checked: &Checked) -> Arc<Checked> {
        let mut report = checked.report.clone();
        lock(&self.history).annotate(&mut report, ms(checked.at));
        Arc::new(Checked { report, at: checked.at })
    }

    /// The status of every entity of `user`: the topology of each (kept
    /// [`TOPOLOGY_MAX_AGE`]) and the shared check of each imaging server,
    /// so one check per server whatever the number of entities it serves.
    /// No per-entity confirmation of the topology here (a status asked of
    /// one entity confirms it): thousands of entities would be thousands
    /// of agent calls.
    async fn overview(
        self: &Arc<Self>,
        user: Arc<UserSession>,
        max_age: Duration,
    ) -> Result<Vec<(String, Result<Arc<Checked>, ApiError>)>, ApiError> {
        let entities: Vec<String> = lock(&user.entities).iter().map(|e| e.uuid.clone()).collect();
        let started = SystemTime::now();
        // What is known by shortly before the request's deadline is
        // answered; the rest is said not known yet (a timeout), and the
        // next round goes on from what this one learnt.
        let answer_by = tokio::time::Instant::now() + self.settings.deadline().saturating_sub(Duration::from_secs(3));
        let mut rows = Vec::with_capacity(entities.len());
        let mut checks = stream::iter(entities.clone())
            .map(|entity| {
                let user = user.clone();
                async move {
                    let checked = async {
                        let topology = self.topology(&user, &entity, TOPOLOGY_MAX_AGE, Priority::Background).await?;
                        // A check begun during this overview is as new as
                        // the client asked: one check per server per round,
                        // however long the round.
                        let max_age = max_age.max(started.elapsed().unwrap_or_default());
                        let checked =
                            self.check_of(user.clone(), &entity, &topology, max_age, Priority::Background).await?;
                        Ok(self.annotated(&checked))
                    };
                    (entity.clone(), checked.await)
                }
            })
            // As many at a time as background work has agent calls: its
            // calls never wait long for their turn.
            .buffer_unordered(self.settings.max_agent_calls.div_ceil(2).max(1));
        let _ = tokio::time::timeout_at(answer_by, async {
            while let Some(row) = checks.next().await {
                rows.push(row);
            }
        })
        .await;
        if rows.len() < entities.len() {
            let done: std::collections::HashSet<&String> = rows.iter().map(|(entity, _)| entity).collect();
            let late: Vec<String> = entities.iter().filter(|e| !done.contains(e)).cloned().collect();
            rows.extend(late.into_iter().map(|entity| (entity, Err(ApiError::Timeout))));
        }
        if rows.iter().any(|(_, row)| matches!(row, Err(ApiError::SignedOut))) {
            // A shared check may have run in another user's session: this
            // user's own says whether they are signed out.
            self.confirm_session(&user).await?;
        }
        Ok(rows)
    }

    /// Synchronises the boot menus of `entity`, served by `owner`'s imaging
    /// server. One synchronisation of an entity at a time: a second request
    /// joins the one in progress (the boot menus are generated once); and
    /// one per imaging server, its other entities waiting their turn.
    async fn synchronise(
        self: &Arc<Self>,
        user: &Arc<UserSession>,
        entity: &str,
        owner: &str,
    ) -> Result<SyncOutcome, ApiError> {
        let server = lock(&self.synchronising_servers).entry(owner.to_string()).or_default().clone();
        let (asker, entity) = (user.clone(), entity.to_string());
        self.synchronising
            .run(entity.clone(), || async move {
                let _one_per_server = server.lock_owned().await;
                asker.agent.synchronise(&entity).await
            })
            .await
    }

    /// Records in the history the final status of a check begun at `at`.
    fn observe(&self, report: &StatusReport, at: SystemTime) {
        lock(&self.history).observe(report, ms(at));
    }

    /// `entity` served by no imaging server, as learnt at `at`.
    fn not_linked(&self, entity: &str, at: SystemTime) -> Arc<Checked> {
        let report = StatusReport::not_linked(entity);
        self.observe(&report, at);
        Arc::new(Checked { report, at })
    }

    /// The status of `entity`: its topology is kept long
    /// ([`TOPOLOGY_MAX_AGE`]), the server it resolves to now is asked at
    /// the same time as that server's status (unless asked within
    /// [`TOPOLOGY_VALID_MS`]), shared like it; when the
    /// two differ, the topology is learnt again and the right server
    /// checked.
    async fn shared_status(
        self: &Arc<Self>,
        user: Arc<UserSession>,
        entity: &str,
        max_age: Duration,
    ) -> Result<Arc<Checked>, ApiError> {
        let topology = self.topology(&user, entity, TOPOLOGY_MAX_AGE, Priority::Now).await?;
        let (asker, id) = (user.clone(), entity.to_string());
        // Confirmed at most every `TOPOLOGY_VALID_MS`, at once for a check
        // asked with no cache (as the tab does on its own).
        let confirmed_within = match max_age.is_zero() {
            true => Duration::ZERO,
            false => max_age.max(Duration::from_millis(TOPOLOGY_VALID_MS)),
        };
        let resolved = Box::pin(self.resolved.get(entity, confirmed_within, move |_| async move {
            let at = SystemTime::now();
            Ok(Arc::new(Resolved { server: asker.agent.server_config(&id).await?, at }))
        }));
        // What was resolved before the topology was learnt says nothing new.
        let holds =
            |resolved: &Arc<Resolved>| resolved.at < topology.at || still_serving(&resolved.server, &topology.serving);
        if topology.serving.is_none() {
            let resolved = resolved.await?;
            if holds(&resolved) {
                return Ok(self.not_linked(entity, resolved.at));
            }
        } else {
            let held = match select(
                resolved,
                Box::pin(self.check_of(user.clone(), entity, &topology, max_age, Priority::Now)),
            )
            .await
            {
                // Contradicted: the check of the old topology is dropped.
                Either::Left((resolved, check)) => match holds(&resolved?) {
                    true => Some(check.await),
                    false => None,
                },
                Either::Right((checked, resolved)) => holds(&resolved.await?).then_some(checked),
            };
            if let Some(checked) = held {
                return checked;
            }
        }
        let topology = self.topology(&user, entity, Duration::ZERO, Priority::Now).await?;
        self.check_of(user, entity, &topology, max_age, Priority::Now).await
    }

    /// What serves `entity`, learnt within `max_age`.
    async fn topology(
        self: &Arc<Self>,
        user: &Arc<UserSession>,
        entity: &str,
        max_age: Duration,
        priority: Priority,
    ) -> Result<Arc<Topology>, ApiError> {
        let (asker, id) = (user.clone(), entity.to_string());
        self.topology
            .get(entity, max_age, move |_| async move {
                let at = SystemTime::now();
                Ok(Arc::new(Topology { serving: asker.agent(priority).serving_server(&id).await?, at }))
            })
            .await
    }

    /// The status of `entity` served as `topology` says, from the shared
    /// check of its server's owner.
    async fn check_of(
        self: &Arc<Self>,
        user: Arc<UserSession>,
        entity: &str,
        topology: &Topology,
        max_age: Duration,
        priority: Priority,
    ) -> Result<Arc<Checked>, ApiError> {
        let Some((owner, server)) = topology.serving.clone() else {
            return Ok(self.not_linked(entity, topology.at));
        };
        let mut report = StatusReport::not_linked(entity);
        let (gateway, of_owner) = (self.clone(), owner.clone());
        // By the owner and the server as the topology knows it: a check of
        // the server at an address that has changed is never joined.
        let key = server_key(&owner, &server);
        let check = self
            .checks
            .get(&key, max_age, move |words| async move {
                let at = SystemTime::now();
                let mut report =
                    StatusReport { server_name: server.name.clone(), ..StatusReport::not_linked(&of_owner) };
                // Once all it waits for is the imaging server, the check
                // steps aside: a new one may start, and shares that wait.
                let progress = |p: Progress| match p {
                    Progress::Provisional(report) => words.provisional(Arc::new(Checked { report, at })),
                    Progress::ImagingServerSlow => words.waiting_on_server(),
                };
                let started = Instant::now();
                let result = user.agent(priority).check_server(&report, &of_owner, &server, &progress).await;
                gateway.count_check(&result, started.elapsed());
                report.status = result?;
                gateway.observe(&report, at);
                Ok(Arc::new(Checked { report, at }))
            })
            .await?;
        report.inherited_from = (owner != entity).then_some(owner);
        report.server_name = check.report.server_name.clone();
        report.status = check.report.status.clone();
        Ok(Arc::new(Checked { report, at: check.at }))
    }

    fn count_check<T>(&self, result: &Result<T, ApiError>, took: Duration) {
        let outcome = match result {
            Ok(_) => "ok",
            Err(e) => error_kind(e),
        };
        self.metrics.checked(outcome, took);
    }
}

/// `at` in ms since 1970, the history's clock.
fn ms(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn error_kind(e: &ApiError) -> &'static str {
    match e {
        ApiError::SignedOut => "signed_out",
        ApiError::Fault { .. } => "fault",
        ApiError::Exception(_) => "exception",
        ApiError::Timeout => "timeout",
        ApiError::Network(_) => "network",
        ApiError::Http(_) => "http",
        ApiError::Malformed(_) => "malformed",
        ApiError::TooLarge => "too_large",
        ApiError::Problem { .. } => "problem",
    }
}

/// The values of cookie `name` in the request (read by the `cookie` crate).
fn cookies<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = String> + 'a {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse(v).filter_map(Result::ok))
        .filter(move |c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// The value of cookie `name` in the request.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    cookies(headers, name).next().filter(|v| !v.is_empty())
}

/// The `Set-Cookie` of the gateway's session `id` (`None`: its removal).
pub(crate) fn session_cookie(id: Option<&str>) -> Option<HeaderValue> {
    let mut c = cookie::Cookie::build((COOKIE, id.unwrap_or_default().to_string()))
        .path("/")
        .http_only(true)
        .secure(true)
        .same_site(cookie::SameSite::Strict)
        .build();
    if id.is_none() {
        c.set_max_age(cookie::time::Duration::ZERO);
    }
    HeaderValue::from_str(&c.to_string()).ok()
}

/// 128 random bits, from the kernel.
pub(crate) fn new_session_id() -> Result<String, std::io::Error> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub(crate) fn problem(status: StatusCode, kind: &str, title: &str, detail: &str) -> Response {
    let (status, body) = problem_body(status, kind, title, detail);
    problem_answer(status, &body)
}

fn problem_answer(status: StatusCode, body: &wire::Problem) -> Response {
    let text = serde_json::to_string(body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/problem+json")], text).into_response()
}

fn problem_body(status: StatusCode, kind: &str, title: &str, detail: &str) -> (StatusCode, wire::Problem) {
    let body = wire::Problem {
        kind: format!("{PROBLEM_PREFIX}{kind}"),
        title: title.into(),
        status: status.as_u16(),
        detail: Some(detail.into()),
        imaging_status: None,
    };
    (status, body)
}

fn signed_out() -> Response {
    upstream(&ApiError::SignedOut)
}

fn not_found(entity: &str) -> Response {
    let detail = format!("{entity} is not one of your entities.");
    problem(StatusCode::NOT_FOUND, "entity-not-found", "Entity not found", &detail)
}

/// A failure of the agent, as the contract words it.
pub(crate) fn upstream(e: &ApiError) -> Response {
    let (status, body) = upstream_problem(e);
    let mut response = problem_answer(status, &body);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
    }
    response
}

/// When a client told to wait (503, 429) should try again.
const RETRY_AFTER_SECONDS: &str = "5";

/// `429 Too Many Requests`, to try again in `seconds`.
pub(crate) fn too_many(detail: &str, seconds: u64) -> Response {
    let mut response = problem(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many requests", detail);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// [`upstream`]'s status and problem document.
fn upstream_problem(e: &ApiError) -> (StatusCode, wire::Problem) {
    match e {
        ApiError::SignedOut => problem_body(
            StatusCode::UNAUTHORIZED,
            "signed-out",
            "Signed out",
            "No session, or it has expired: sign in again.",
        ),
        ApiError::Timeout => problem_body(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream-timeout",
            "Medulla did not answer in time",
            "The MMC agent did not answer within the request timeout.",
        ),
        // The gateway's own (a call that got no turn in time).
        ApiError::Problem { status, kind, detail } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            problem_body(status, kind, "The gateway is busy", detail)
        }
        // What Medulla said may hold its internals (an LDAP URI in a
        // fault's message, SQL in an exception, the agent's address and
        // TLS details in a network error): the log has it, the answer says
        // what kind of failure it was.
        e => {
            eprintln!("medulla-imaging-gateway: the MMC agent failed: {e}");
            let detail = match e {
                ApiError::Network(_) => "The gateway cannot reach the MMC agent; its log says why.".to_string(),
                ApiError::Fault { code, .. } => {
                    format!("Medulla reported fault {code}; the gateway's log has its message.")
                }
                ApiError::Exception(_) => {
                    "A function of Medulla's failed (its database or a plugin); the gateway's log has the error.".into()
                }
                ApiError::Http(code) => format!("The MMC agent answered HTTP {code}."),
                ApiError::Malformed(_) => "The MMC agent sent an unreadable answer; the gateway's log says why.".into(),
                other => other.to_string(),
            };
            problem_body(StatusCode::BAD_GATEWAY, "upstream-failure", "Medulla failed", &detail)
        }
    }
}

pub(crate) fn json_answer(status: StatusCode, body: impl serde::Serialize) -> Response {
    let text = serde_json::to_string(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// The oldest status the client accepts: `Cache-Control: no-cache` (0) or
/// `max-age=N` (read by the `headers` crate), else the check interval.
fn max_age(headers: &HeaderMap, interval: Duration) -> Duration {
    use headers::HeaderMapExt;
    let asked = headers.typed_get::<headers::CacheControl>().and_then(|c| match c.no_cache() {
        true => Some(Duration::ZERO),
        false => c.max_age(),
    });
    asked.map_or(interval, |asked| asked.min(interval))
}

pub fn router(gateway: Arc<Gateway>) -> Router {
    let api = Router::new()
        // The writes, only as the tab sends them (a method a route does not
        // take is still a 405).
        .route("/sessions", post(sign_in).route_layer(from_fn(writes_from_the_tab)))
        .route("/sessions/current", delete(sign_out).route_layer(from_fn(writes_from_the_tab)))
        .route("/entities", get(entities))
        .route("/imaging-overview", get(overview))
        .route("/entities/{id}/imaging-server-status", get(status))
        .route("/entities/{id}/imaging-activities", get(activities))
        .route("/entities/{id}/boot-menu-synchronisations", post(synchronise).route_layer(from_fn(writes_from_the_tab)))
        .layer(axum::middleware::from_fn_with_state(gateway.clone(), a_few_per_session));
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(gateway.clone(), within_deadline))
        // A panic answers 500 to its request only (the gateway's profile
        // unwinds); the log line and the headers still go with it.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(as_problem))
        .layer(axum::middleware::from_fn_with_state(gateway.clone(), log_and_no_store))
        .with_state(gateway)
}

/// A `POST` or `DELETE` only as the tab sends them: JSON (which another
/// site's form cannot send without a preflight, which the gateway never
/// grants), or a fetch the browser says is of this origin.
async fn writes_from_the_tab(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if matches!(*request.method(), axum::http::Method::POST | axum::http::Method::DELETE) {
        let headers = request.headers();
        let value = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let json = value(header::CONTENT_TYPE)
            .split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
        let same_origin = value(header::HeaderName::from_static("sec-fetch-site")) == "same-origin";
        if !json && !same_origin {
            let detail = "A POST or DELETE is sent as JSON, or by a page of this origin.";
            return problem(StatusCode::FORBIDDEN, "cross-site-request", "Request refused", detail);
        }
    }
    next.run(request).await
}

/// A session's requests, [`REQUESTS_PER_SESSION`] at once at most, else
/// 429: one user asking for hundreds of new checks at once would take
/// every agent call from the others.
async fn a_few_per_session(
    State(gateway): State<Arc<Gateway>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let session = cookie(request.headers(), COOKIE).and_then(|id| lock(&gateway.sessions).get(&id).cloned());
    let _permit = match session.map(|s| s.in_flight.clone().try_acquire_owned()) {
        Some(Err(_)) => return too_many("Too many requests of this session at once: try again in a moment.", 1),
        Some(Ok(permit)) => Some(permit),
        None => None,
    };
    next.run(request).await
}

/// The largest request body read (a sign-in is a few hundred bytes).
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Every request within [`Settings::deadline`], else a 504 problem.
async fn within_deadline(
    State(gateway): State<Arc<Gateway>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(gateway.settings.deadline(), next.run(request)).await {
        Ok(response) => response,
        Err(_) => upstream(&ApiError::Timeout),
    }
}

/// Every failure as a problem document, as the contract promises, those of
/// the framework included (a wrong method: 405 with its `Allow`; a body too
/// large: 413; a body or query it cannot read; a panic's 500).
async fn as_problem(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/problem+json"));
    if status.is_success() || is_problem || status == StatusCode::NOT_MODIFIED || status.is_redirection() {
        return response;
    }
    let (kind, title, detail) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "Method not allowed",
            "This resource does not take that method: see the Allow header.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ("payload-too-large", "Request body too large", "The request body is larger than the gateway reads.")
        }
        StatusCode::NOT_FOUND => ("not-found", "Not found", "No such resource."),
        s if s.is_client_error() => ("bad-request", "Bad request", "The request could not be read."),
        _ => ("internal-error", "Internal error", "The gateway failed; its log says why."),
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut answer = problem(status, kind, title, detail);
    if let Some(allow) = allow {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    answer
}

/// One line per request: method, path (no query), status, time; and on
/// every answer `Cache-Control: no-store` and the headers of a document
/// that is never a page: nothing may run in it, frame it, or sniff it.
async fn log_and_no_store(
    State(gateway): State<Arc<Gateway>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let started = Instant::now();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    gateway.metrics.answered();
    eprintln!("{method} {path} {} {} ms", response.status().as_u16(), started.elapsed().as_millis());
    response
}

async fn metrics(State(gateway): State<Arc<Gateway>>) -> Response {
    let text = gateway.metrics.text(gateway.link.in_flight());
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response()
}

async fn sign_out(State(gateway): State<Arc<Gateway>>, headers: HeaderMap) -> Response {
    // The agent has no sign-out call: its session, whose cookie the
    // gateway drops here, ends at its idle timeout.
    gateway.end_session(&headers);
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(clear) = session_cookie(None) {
        response.headers_mut().insert(header::SET_COOKIE, clear);
    }
    response
}

/// Why a request is not answered.
enum Refused {
    SignedOut,
    /// Two session cookies: which one is meant cannot be told.
    TwoSessions,
    /// Not one of the user's entities.
    NotFound(String),
}

impl Refused {
    fn answer(self) -> Response {
        match self {
            Refused::SignedOut => signed_out(),
            Refused::TwoSessions => {
                let detail = "The request carries two session cookies: sign out, then sign in again.";
                problem(StatusCode::BAD_REQUEST, "bad-request", "Bad request", detail)
            }
            Refused::NotFound(id) => not_found(&id),
        }
    }
}

/// The user's session.
fn user(gateway: &Arc<Gateway>, headers: &HeaderMap) -> Result<Arc<UserSession>, Refused> {
    if cookies(headers, COOKIE).count() > 1 {
        return Err(Refused::TwoSessions);
    }
    gateway.session(headers).ok_or(Refused::SignedOut)
}

fn signed_out_upstream(gateway: &Gateway, headers: &HeaderMap, e: &ApiError) -> Response {
    if *e == ApiError::SignedOut {
        gateway.end_session(headers);
    }
    upstream(e)
}

async fn entities(State(gateway): State<Arc<Gateway>>, headers: HeaderMap) -> Response {
    let user = match user(&gateway, &headers) {
        Ok(u) => u,
        Err(r) => return r.answer(),
    };
    match user.agent.entities().await {
        Ok(list) => {
            let body = bodies::entities(&list);
            *lock(&user.entities) = gateway.shared_list(list);
            json_answer(StatusCode::OK, body)
        }
        Err(e) => signed_out_upstream(&gateway, &headers, &e),
    }
}

/// The user and the entity, when it is one of theirs.
fn user_and_entity(gateway: &Arc<Gateway>, headers: &HeaderMap, id: &str) -> Result<Arc<UserSession>, Refused> {
    let user = user(gateway, headers)?;
    if lock(&user.entities).iter().any(|e| e.uuid == id) {
        Ok(user)
    } else {
        Err(Refused::NotFound(id.to_string()))
    }
}

/// The `{id}` of the path; one that does not decode is no entity's (a
/// 404 problem like any other unknown id, not axum's plain-text 400).
struct EntityId(String);

impl<S: Send + Sync> FromRequestParts<S> for EntityId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let id = Path::<String>::from_request_parts(parts, state).await.map(|Path(id)| id);
        Ok(EntityId(id.unwrap_or_default()))
    }
}

async fn status(State(gateway): State<Arc<Gateway>>, headers: HeaderMap, EntityId(id): EntityId) -> Response {
    let user = match user_and_entity(&gateway, &headers, &id) {
        Ok(u) => u,
        Err(r) => return r.answer(),
    };
    let max_age = max_age(&headers, gateway.settings.check_interval);
    match gateway.status(user.clone(), &id, max_age).await {
        Ok(checked) => {
            let paths = full_paths(&user);
            json_answer(StatusCode::OK, bodies::status(&checked.report, checked.at, path_of(&paths)))
        }
        Err(e) => signed_out_upstream(&gateway, &headers, &e),
    }
}

/// The full path of each of the user's entities, by id.
fn full_paths(user: &UserSession) -> HashMap<String, String> {
    lock(&user.entities).iter().map(|e| (e.uuid.clone(), e.completename.clone())).collect()
}

/// The full path of an entity in `paths`; its id when it is not there.
fn path_of(paths: &HashMap<String, String>) -> impl Fn(&str) -> String + Copy + '_ {
    move |uuid| paths.get(uuid).cloned().unwrap_or_else(|| uuid.to_string())
}

/// `GET /imaging-overview`: every entity of the user, from the shared
/// checks of their imaging servers.
async fn overview(State(gateway): State<Arc<Gateway>>, headers: HeaderMap) -> Response {
    let user = match user(&gateway, &headers) {
        Ok(u) => u,
        Err(r) => return r.answer(),
    };
    let max_age = max_age(&headers, gateway.settings.check_interval);
    match gateway.overview(user.clone(), max_age).await {
        Ok(rows) => {
            let paths = full_paths(&user);
            let (mut items, mut unreachable) = (Vec::new(), Vec::new());
            for (entity, row) in rows {
                match row {
                    Ok(checked) => items.push(bodies::status(&checked.report, checked.at, path_of(&paths))),
                    Err(e) => {
                        unreachable.push(wire::Unreachable { entity_id: entity, problem: upstream_problem(&e).1 })
                    }
                }
            }
            json_answer(StatusCode::OK, wire::Overview { items, unreachable })
        }
        Err(e) => signed_out_upstream(&gateway, &headers, &e),
    }
}

#[derive(serde::Deserialize)]
struct Page {
    offset: Option<String>,
    limit: Option<String>,
}

impl Page {
    /// `(offset, limit)`: offset from 0 to 10,000, limit from 1 to 100 (10
    /// when absent); anything else is a bad request.
    fn read(&self) -> Option<(usize, usize)> {
        let offset = self.offset.as_deref().map_or(Some(0), |o| o.parse().ok()).filter(|o| *o <= 10_000)?;
        let limit = self.limit.as_deref().map_or(Some(10), |l| l.parse().ok()).filter(|l| (1..=100).contains(l))?;
        Some((offset, limit))
    }
}

async fn activities(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    EntityId(id): EntityId,
    page: Result<Query<Page>, QueryRejection>,
) -> Response {
    let user = match user_and_entity(&gateway, &headers, &id) {
        Ok(u) => u,
        Err(r) => return r.answer(),
    };
    let Some((offset, limit)) = page.ok().and_then(|Query(page)| page.read()) else {
        let detail = "offset is a whole number from 0 to 10000, limit from 1 to 100.";
        return problem(StatusCode::BAD_REQUEST, "bad-request", "Bad request", detail);
    };
    // From the same shared check as the status, asked with the same
    // `Cache-Control`: a client asking both at once gets one check.
    match gateway.status(user.clone(), &id, max_age(&headers, gateway.settings.check_interval)).await {
        Ok(checked) => {
            let lines = match &checked.report.status {
                ServerStatus::Available(f) => f.activity.clone(),
                _ => Vec::new(),
            };
            json_answer(StatusCode::OK, bodies::activities(&lines, offset, limit))
        }
        Err(e) => signed_out_upstream(&gateway, &headers, &e),
    }
}

async fn synchronise(State(gateway): State<Arc<Gateway>>, headers: HeaderMap, EntityId(id): EntityId) -> Response {
    let user = match user_and_entity(&gateway, &headers, &id) {
        Ok(u) => u,
        Err(r) => return r.answer(),
    };
    if !lock(&user.rights).may_synchronise() {
        let detail = "Your Medulla account may not synchronise boot menus.";
        return problem(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail);
    }
    // Only on an available server, as of a check made now.
    let checked = match gateway.status(user.clone(), &id, Duration::ZERO).await {
        Ok(checked) => checked,
        Err(e) => return signed_out_upstream(&gateway, &headers, &e),
    };
    if !matches!(checked.report.status, ServerStatus::Available(_)) {
        let status = &checked.report.status;
        let body = wire::Problem {
            kind: format!("{PROBLEM_PREFIX}imaging-server-unavailable"),
            title: "The imaging server is not available".into(),
            status: 409,
            detail: bodies::reason(status).map(String::from),
            imaging_status: Some(bodies::status_of(status)),
        };
        return problem_answer(StatusCode::CONFLICT, &body);
    }
    let owner = checked.report.inherited_from.clone().unwrap_or_else(|| id.clone());
    let mut outcome = gateway.synchronise(&user, &id, &owner).await;
    // Joined, it ran in another user's session: this user's own says
    // whether they are signed out; if not, once more.
    if outcome == Err(ApiError::SignedOut) && gateway.confirm_session(&user).await.is_ok() {
        outcome = gateway.synchronise(&user, &id, &owner).await;
    }
    match outcome {
        Ok(SyncOutcome::Done) => {
            json_answer(StatusCode::CREATED, wire::Synchronisation { succeeded: true, steps: Vec::new() })
        }
        Ok(SyncOutcome::Failed(reasons)) => {
            let steps = reasons.into_iter().map(|detail| wire::Step { succeeded: false, detail }).collect();
            json_answer(StatusCode::CREATED, wire::Synchronisation { succeeded: false, steps })
        }
        Err(e) => signed_out_upstream(&gateway, &headers, &e),
    }
}

/// Answers from `listener` until `shutdown` resolves, then finishes the
/// requests in flight.
pub async fn serve(
    gateway: Arc<Gateway>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(gateway).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        use crate::bodies::rfc3339;
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_597_507);
        assert_eq!(rfc3339(at), "2026-11-25T09:05:07Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn a_client_may_ask_for_a_younger_status_never_an_older_one() {
        let interval = Duration::from_secs(30);
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_str(v).expect("header"));
            max_age(&h, interval)
        };
        assert_eq!(max_age(&HeaderMap::new(), interval), interval);
        assert_eq!(with("no-cache"), Duration::ZERO);
        assert_eq!(with("max-age=0"), Duration::ZERO);
        assert_eq!(with("max-age=5"), Duration::from_secs(5));
        assert_eq!(with("max-age=3600"), interval);
        assert_eq!(with("private, max-age=2"), Duration::from_secs(2));
    }

    #[test]
    fn the_session_cookie_is_read_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; medulla_imaging_gateway=abc; b=2"));
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("abc"));
        h.insert(header::COOKIE, HeaderValue::from_static("medulla_imaging_gatewayx=abc"));
        assert_eq!(cookie(&h, COOKIE), None);
    }
}
