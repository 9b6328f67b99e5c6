//! The MMC agent client: Medulla's existing XML-RPC API, as the console
//! itself calls it. Each endpoint is a few lines over [`MmcAgent::call`];
//! the readers of the agent's answers are pure functions, tested natively
//! on golden documents.
//!
//! The agent as it really answers (see the README's table of sources):
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

use super::http::{basic_authorization, Fetch, Http, Method, Request};
use super::xmlrpc::{decode_response, encode_call, Response, Value};
use super::{ApiError, Counted, ImagingApi, OnProgress, OnRow, Progress, SyncOutcome};
use crate::config::Config;
use crate::domain::figures::{parse_df, parse_free, parse_uptime};
use crate::domain::*;
use crate::sync::lock;
use futures::future::{join, join3, join_all, select, Either};
use futures::stream::{self, StreamExt};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

/// How many lines of recent activity the tab shows.
pub const ACTIVITY_LINES: i64 = 10;

/// How many imaging servers an overview checks at once (and how many
/// entities it learns at once): Medulla's agent is one process, and the
/// browser's connections to it are few.
pub const OVERVIEW_CONCURRENCY: usize = 4;

/// How many entities an overview learns before checking their servers.
const OVERVIEW_SLICE: usize = 100;

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

/// Once the relay list has answered, how long the imaging server may take
/// before the screen says that it is slow to answer.
const SLOW_SERVER_MS: u32 = 2_000;

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

/// The entity whose imaging server serves an entity, and that server;
/// `None`: no server serves it.
pub type Serving = Option<(String, ServerConfig)>;

/// How long a topology learnt or confirmed is used without asking Medulla
/// again, by the checks of the monitor and of a switch: re-linking a
/// server is a rare act of an administrator, seen by the next check after
/// this, at once by "Refresh now" and by the pre-flight of every imaging
/// action (they ask with a `max_age` of 0), and by the learner's round.
pub const TOPOLOGY_VALID_MS: u64 = 5 * 60 * 1000;

/// A topology learnt, and when (ms since 1970).
#[derive(Clone)]
struct Known {
    serving: Serving,
    at_ms: u64,
}

/// `now` (what `getImagingServerConfig` of an entity says today) is the
/// server of `known`, the entity's topology learnt before, as it was then
/// (its name and address too: the relay is matched by the address).
pub fn still_serving(now: &Option<ServerConfig>, known: &Serving) -> bool {
    match (now, known) {
        (None, None) => true,
        (Some(now), Some((_, server))) => now == server,
        _ => false,
    }
}

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

    async fn parent_path(&self, entity: &str) -> Result<Vec<String>, ApiError> {
        parent_path_from(&self.call("medulla_server.getLocationParentPath", &[Value::str(entity)]).await?)
    }

    async fn has_server(&self, entity: &str) -> Result<bool, ApiError> {
        let v = self.call("imaging.doesLocationHasImagingServer", &[Value::str(entity)]).await?;
        v.as_flag().ok_or_else(|| malformed("doesLocationHasImagingServer: not a boolean"))
    }

    /// The imaging server Medulla resolves for `entity` now.
    pub async fn server_config(&self, entity: &str) -> Result<Option<ServerConfig>, ApiError> {
        Ok(server_config_from(&self.call("imaging.getImagingServerConfig", &[Value::str(entity)]).await?))
    }

    fn topology(&self) -> MutexGuard<'_, HashMap<String, Known>> {
        lock(&self.topology)
    }

    /// The topology of `entity` learnt before, if it was.
    fn known(&self, entity: &str) -> Option<Serving> {
        self.topology().get(entity).map(|k| k.serving.clone())
    }

    /// The topology of `entity` learnt or confirmed within
    /// [`TOPOLOGY_VALID_MS`].
    fn valid(&self, entity: &str) -> Option<Serving> {
        let now = self.http.now_ms();
        let known = self.topology().get(entity).cloned()?;
        (now.saturating_sub(known.at_ms) < TOPOLOGY_VALID_MS).then_some(known.serving)
    }

    /// The server `ancestor` resolves to; with `known`, from its topology
    /// if it is known.
    async fn ancestor_config(&self, ancestor: &str, known: bool) -> Result<Option<ServerConfig>, ApiError> {
        match self.known(ancestor).filter(|_| known) {
            Some(serving) => Ok(serving.map(|(_, server)| server)),
            None => self.server_config(ancestor).await,
        }
    }

    /// Asks, while the entity list loads, what a first check of `entity`
    /// asks first: then its status is on screen one round after the list,
    /// its own server or an inherited one (whose owner is read in the
    /// check's round, [`MmcAgent::status_inherited`]). What cannot be asked
    /// now is left to the check.
    pub async fn look_ahead(&self, entity: &str) {
        if self.known(entity).is_some() {
            return;
        }
        match self.first_look(entity).await {
            Ok(Look::Settled(serving)) => _ = self.learnt(entity, serving),
            Ok(look) => _ = lock(&self.looked).insert(entity.to_string(), look),
            Err(_) => {}
        }
    }

    /// Learns the topology of `entities` (all of them when `again`, else
    /// those not known yet), one after the other and in their order (an
    /// entity's ancestors come before it in the user's list, so that its
    /// walk up reads theirs): a background task that leaves the browser's
    /// connections to the checks. An entity that cannot be learnt now is
    /// left to its first check; a lost session stops the walk.
    pub async fn learn_topology(&self, entities: &[String], again: bool) -> Result<(), ApiError> {
        for entity in entities {
            if again || self.known(entity).is_none() {
                if let Err(ApiError::SignedOut) = self.learn(entity).await {
                    return Err(ApiError::SignedOut);
                }
            }
        }
        Ok(())
    }

    /// What serves `entity`, learnt in the background: after the checks in
    /// flight, at most two calls at a time (the server Medulla resolves for
    /// it, and whether that is its own), then, only when it is inherited,
    /// its ancestors (whose topology, learnt before it, names the owner).
    async fn learn(&self, entity: &str) -> Result<Serving, ApiError> {
        self.background_turn().await;
        let (own, resolved) = join(self.has_server(entity), self.server_config(entity)).await;
        let serving = match settled(entity, own, resolved)? {
            Ok(serving) => serving,
            Err(server) => {
                self.background_turn().await;
                Some((self.owner_among(&self.parent_path(entity).await?, &server, true).await?, server))
            }
        };
        Ok(self.learnt(entity, serving))
    }

    /// The entity whose imaging server serves `entity`, and that server, as
    /// Medulla resolves it when it images (`getImagingServerByEntityUUID`,
    /// services/pulse2/database/imaging/__init__.py): the entity's own, else
    /// the *farthest* ancestor's linked recursively. Medulla names the
    /// server (`getImagingServerConfig` of the entity); its owner is the
    /// farthest ancestor that Medulla resolves to the same server (an
    /// ancestor in between inherits it from that one). Asked of Medulla
    /// (the parent path at once, in case the server is inherited), then
    /// kept for the next checks.
    pub async fn serving_server(&self, entity: &str) -> Result<Serving, ApiError> {
        let serving = match self.first_look(entity).await? {
            Look::Settled(serving) => serving,
            Look::Inherited(server, path) => Some((self.owner_among(&path, &server, false).await?, server)),
        };
        Ok(self.learnt(entity, serving))
    }

    /// What Medulla says of `entity` in one round: the server it resolves
    /// for it, whether that server is the entity's own, and (in case it is
    /// inherited) the entity's ancestors.
    async fn first_look(&self, entity: &str) -> Result<Look, ApiError> {
        let (own, resolved, path) =
            join3(self.has_server(entity), self.server_config(entity), self.parent_path(entity)).await;
        Ok(match settled(entity, own, resolved)? {
            Ok(serving) => Look::Settled(serving),
            Err(server) => Look::Inherited(server, path?),
        })
    }

    /// The ancestor among `path` (nearest first) that owns `server`: the
    /// farthest one Medulla resolves to that same server (one in between
    /// inherits it from there).
    async fn owner_among(&self, path: &[String], server: &ServerConfig, known: bool) -> Result<String, ApiError> {
        let configs = join_all(path.iter().map(|a| self.ancestor_config(a, known))).await;
        for (ancestor, config) in path.iter().zip(configs).rev() {
            if config?.is_some_and(|c| c.same_server(server)) {
                return Ok(ancestor.clone());
            }
        }
        Err(malformed("getImagingServerConfig: the server serving the entity belongs to none of its ancestors"))
    }

    /// Keeps the topology learnt of `entity` (a look ahead at it is then
    /// superseded).
    fn learnt(&self, entity: &str, serving: Serving) -> Serving {
        lock(&self.looked).remove(entity);
        let known = Known { serving: serving.clone(), at_ms: self.http.now_ms() };
        self.topology().insert(entity.to_string(), known);
        serving
    }

    /// The relays, or `None` when the list is unreadable.
    async fn relays(&self) -> Result<Option<Vec<Relay>>, ApiError> {
        let params = [Value::Int(-1), Value::Int(-1), Value::str(""), Value::str("all")];
        Ok(relays_from(&self.call("xmppmaster.get_xmpprelays_list", &params).await?))
    }

    /// What the imaging server of `owner` says of itself, with the relay
    /// list asked at the same time: `Ok(figures)` when it answered, else
    /// `Err(presence of its relay)`. While the server keeps the agent
    /// waiting, `progress` hears it, and a server whose relay is absent is
    /// reported Offline at once (`provisional`).
    async fn server_answer(
        &self,
        owner: &str,
        url: Option<&str>,
        provisional: &StatusReport,
        progress: &OnProgress<'_>,
    ) -> Result<Result<ServerFigures, RelayPresence>, ApiError> {
        let global = Box::pin(async {
            let params = [Value::str(owner)];
            figures_from(&self.call_within("imaging.getGlobalStatus", &params, true).await?)
        });
        let relays = Box::pin(self.relays());
        let (global, relays) = match select(global, relays).await {
            Either::Left((global, relays)) => {
                if let Ok(Some(figures)) = global {
                    return Ok(Ok(figures));
                }
                (global, relays.await)
            }
            Either::Right((relays, global)) => {
                let presence = relays.as_ref().ok().map(|r| relay_presence(url, r.as_deref()));
                let global = match presence {
                    Some(RelayPresence::Absent) => {
                        let offline = ServerStatus::Offline(RelayPresence::Absent);
                        progress(Progress::Provisional(StatusReport { status: offline, ..provisional.clone() }));
                        global.await
                    }
                    Some(_) => match select(global, Box::pin(self.http.sleep(SLOW_SERVER_MS))).await {
                        Either::Left((global, _)) => global,
                        Either::Right((_, global)) => {
                            progress(Progress::ImagingServerSlow);
                            global.await
                        }
                    },
                    None => global.await,
                };
                (global, relays)
            }
        };
        let relays = match relays {
            Ok(relays) => Some(relays),
            Err(ApiError::SignedOut) => return Err(ApiError::SignedOut),
            Err(_) => None,
        };
        let figures = match global {
            Ok(figures) => figures,
            // The agent answers the other calls: it is the imaging server
            // that does not answer.
            Err(ApiError::Timeout) if relays.is_some() => None,
            Err(e) => return Err(e),
        };
        Ok(figures.ok_or_else(|| relay_presence(url, relays.flatten().as_deref())))
    }

    /// The status of `server`, the imaging server of `owner`, with its
    /// figures when it answers; `report` is what a provisional answer says
    /// besides the status. Asked about the owner: the same server as for
    /// an entity it serves, and the counts of Medulla's database mean
    /// something only there (`getEntityStatus` counts the computers of the
    /// entity asked about that sit on a server of that same entity).
    pub async fn check_server(
        &self,
        report: &StatusReport,
        owner: &str,
        server: &ServerConfig,
        progress: &OnProgress<'_>,
    ) -> Result<ServerStatus, ApiError> {
        // The counts and the activity come from Medulla's database, not
        // from the imaging server (`getCustomMenuCount`, `getLogs4Location`
        // in services/mmc/plugins/imaging/functions.py): asked at the same
        // time as its status, and used only if it answers.
        let page = [Value::Int(0), Value::Int(ACTIVITY_LINES), Value::str("")];
        let (answer, custom, activity) = join3(
            self.server_answer(owner, server.url.as_deref(), report, progress),
            self.optional("imaging.getCustomMenuCount", owner, &[], |v| v.as_i64().map(|n| n.max(0) as u64)),
            self.optional("imaging.getLogs4Location", owner, &page, |v| Some(activity_from(v))),
        )
        .await;
        Ok(match answer? {
            Ok(mut figures) => {
                figures.custom_menus = custom?;
                figures.activity = activity?.unwrap_or_default();
                ServerStatus::Available(Box::new(figures))
            }
            Err(relay) => server_status(None, relay),
        })
    }

    /// The status of `entity` served as `serving` says.
    async fn status_served(
        &self,
        entity: &str,
        serving: &Serving,
        progress: &OnProgress<'_>,
    ) -> Result<StatusReport, ApiError> {
        let mut report = StatusReport::not_linked(entity);
        let Some((owner, server)) = serving else { return Ok(report) };
        if owner != entity {
            report.inherited_from = Some(owner.clone());
        }
        report.server_name = server.name.clone();
        report.status = self.check_server(&report, owner, server, progress).await?;
        Ok(report)
    }

    /// The status of `entity` by its topology `known`, confirmed in the same
    /// round by the server Medulla resolves for it now; `None` when that
    /// server is another (the topology is then forgotten). What the check
    /// learns early is passed on once the topology is confirmed.
    async fn status_confirmed(
        &self,
        entity: &str,
        known: &Serving,
        progress: &OnProgress<'_>,
    ) -> Result<Option<StatusReport>, ApiError> {
        let held = Held::new(progress, |_: &(), p| p);
        let confirm = Box::pin(async {
            let holds = still_serving(&self.server_config(entity).await?, known);
            if holds {
                self.learnt(entity, known.clone());
            }
            held.settle(holds.then_some(()));
            Ok::<_, ApiError>(holds)
        });
        let hear = |p| held.hear(p);
        let check = Box::pin(self.status_served(entity, known, &hear));
        // Contradicted: the topology is forgotten, the check of it dropped.
        let forget = || {
            self.topology().remove(entity);
            Ok(None)
        };
        let report = match select(confirm, check).await {
            Either::Left((holds, check)) => match holds? {
                true => check.await,
                false => return forget(),
            },
            Either::Right((report, confirm)) => match confirm.await? {
                true => report,
                false => return forget(),
            },
        };
        report.map(Some)
    }

    /// The status of `entity`, whose server `server` is inherited from one
    /// of its ancestors `path`, not known yet. Which one is learnt in the
    /// same round as the server is asked about `entity` itself: Medulla
    /// resolves the same server for it (`getGlobalStatus` through
    /// `chooseImagingApiUrl`, services/mmc/plugins/imaging/functions.py),
    /// so its answer is the verdict. A server that does not answer is
    /// reported then; one that answers is shown at once, its counts and
    /// activity marked pending, then checked for its owner, where Medulla's
    /// counts mean something (`getEntityStatus` counts 0 for an entity
    /// that inherits its server): a first check takes two rounds to its
    /// verdict, not three.
    async fn status_inherited(
        &self,
        entity: &str,
        server: ServerConfig,
        path: &[String],
        progress: &OnProgress<'_>,
    ) -> Result<StatusReport, ApiError> {
        let mut report = StatusReport::not_linked(entity);
        report.server_name = server.name.clone();
        // What the check hears early says whose server it is, once known.
        let held = Held::new(progress, |owner: &String, p| match p {
            Progress::Provisional(report) => {
                Progress::Provisional(StatusReport { inherited_from: Some(owner.clone()), ..report })
            }
            p => p,
        });
        let owner = async {
            let owner = self.owner_among(path, &server, false).await;
            held.settle(owner.as_ref().ok().cloned());
            owner
        };
        let hear = |p| held.hear(p);
        let answer = self.server_answer(entity, server.url.as_deref(), &report, &hear);
        let (owner, answer) = join(owner, answer).await;
        let owner = owner?;
        report.inherited_from = Some(owner.clone());
        let serving = self.learnt(entity, Some((owner, server)));
        match answer? {
            Err(relay) => {
                report.status = server_status(None, relay);
                Ok(report)
            }
            Ok(figures) => {
                let figures = ServerFigures { counts_pending: true, ..figures };
                let verdict = StatusReport { status: ServerStatus::Available(Box::new(figures)), ..report };
                progress(Progress::Provisional(verdict));
                self.status_served(entity, &serving, progress).await
            }
        }
    }

    /// The status of `entity`: by its topology when it is valid and `may_trust`
    /// it, else when it is known and still holds, else learnt now.
    async fn status_now(
        &self,
        entity: &str,
        may_trust: bool,
        progress: &OnProgress<'_>,
    ) -> Result<StatusReport, ApiError> {
        if let Some(valid) = self.valid(entity).filter(|_| may_trust) {
            return self.status_served(entity, &valid, progress).await;
        }
        if let Some(known) = self.known(entity) {
            if let Some(report) = self.status_confirmed(entity, &known, progress).await? {
                return Ok(report);
            }
        }
        // Taken out of its lock before any wait.
        let looked = lock(&self.looked).remove(entity);
        let look = match looked {
            Some(look) => look,
            None => self.first_look(entity).await?,
        };
        let serving = match look {
            Look::Settled(serving) => serving,
            Look::Inherited(server, path) => return self.status_inherited(entity, server, &path, progress).await,
        };
        let serving = self.learnt(entity, serving);
        self.status_served(entity, &serving, progress).await
    }

    /// Extra figures of an available server; a failure other than a lost
    /// session leaves them out rather than hiding the status.
    async fn optional<T>(
        &self,
        method: &str,
        entity: &str,
        extra: &[Value],
        read: fn(&Value) -> Option<T>,
    ) -> Result<Option<T>, ApiError> {
        let mut params = vec![Value::str(entity)];
        params.extend_from_slice(extra);
        match self.call(method, &params).await {
            Ok(v) => Ok(read(&v)),
            Err(ApiError::SignedOut) => Err(ApiError::SignedOut),
            Err(_) => Ok(None),
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

    /// Learns what serves each entity not known yet, then checks each
    /// imaging server once for all the entities it serves, at most
    /// [`OVERVIEW_CONCURRENCY`] requests of each kind at a time. A server
    /// whose relay is absent is said Offline at once, before the agent's
    /// own answer.
    async fn overview(&self, entities: &[Entity], _max_age: u32, on_row: &OnRow<'_>) -> Result<(), ApiError> {
        let at = self.http.now_ms();
        let history = &self.history;
        // `report` of the owner, said of every entity the server serves.
        let tell = |owner: &str, served: &[&str], report: &StatusReport, record: bool| {
            for entity in served {
                let mut row = StatusReport {
                    entity: entity.to_string(),
                    inherited_from: (owner != *entity).then(|| owner.to_string()),
                    ..report.clone()
                };
                match record {
                    true => lock(history).record(&mut row, at),
                    false => lock(history).annotate(&mut row, at),
                }
                on_row(entity, Ok(row));
            }
        };
        // Each server's word this round, by [`server_key`].
        let mut checked: HashMap<String, Result<StatusReport, ApiError>> = HashMap::new();
        // A slice of the entities at a time: the first rows come once a
        // slice is learnt, not once all of them are.
        for slice in entities.chunks(OVERVIEW_SLICE) {
            let unknown = slice.iter().filter(|e| self.known(&e.uuid).is_none());
            let mut learning = stream::iter(unknown)
                .map(|e| async move { (e, self.learn(&e.uuid).await) })
                .buffer_unordered(OVERVIEW_CONCURRENCY);
            while let Some((e, learnt)) = learning.next().await {
                match learnt {
                    Err(ApiError::SignedOut) => return Err(ApiError::SignedOut),
                    Err(error) => on_row(&e.uuid, Err(error)),
                    Ok(_) => {}
                }
            }
            drop(learning);
            // The slice's entities by imaging server (owner and server).
            let mut servers: Vec<((String, ServerConfig), Vec<&str>)> = Vec::new();
            let mut index: HashMap<String, usize> = HashMap::new();
            for e in slice {
                match self.known(&e.uuid) {
                    Some(Some((owner, server))) => {
                        let i = *index.entry(server_key(&owner, &server)).or_insert_with(|| {
                            servers.push(((owner, server), Vec::new()));
                            servers.len() - 1
                        });
                        servers[i].1.push(&e.uuid);
                    }
                    Some(None) => {
                        let mut report = StatusReport::not_linked(&e.uuid);
                        lock(history).record(&mut report, at);
                        on_row(&e.uuid, Ok(report));
                    }
                    None => {}
                }
            }
            // A server checked already this round is not checked again.
            servers.retain(|((owner, server), served)| match checked.get(&server_key(owner, server)) {
                Some(Ok(report)) => {
                    tell(owner, served, report, false);
                    false
                }
                Some(Err(error)) => {
                    served.iter().for_each(|e| on_row(e, Err(error.clone())));
                    false
                }
                None => true,
            });
            let mut checks = stream::iter(servers)
                .map(|((owner, server), served)| async move {
                    let report = StatusReport { server_name: server.name.clone(), ..StatusReport::not_linked(&owner) };
                    let early = |p: Progress| {
                        if let Progress::Provisional(report) = p {
                            tell(&owner, &served, &report, false);
                        }
                    };
                    let result = self.check_server(&report, &owner, &server, &early).await;
                    let result = result.map(|status| StatusReport { status, ..report });
                    match &result {
                        Ok(report) => tell(&owner, &served, report, true),
                        Err(ApiError::SignedOut) => {}
                        Err(error) => served.iter().for_each(|e| on_row(e, Err(error.clone()))),
                    }
                    (server_key(&owner, &server), result)
                })
                .buffer_unordered(OVERVIEW_CONCURRENCY);
            while let Some((key, result)) = checks.next().await {
                if result == Err(ApiError::SignedOut) {
                    return Err(ApiError::SignedOut);
                }
                checked.insert(key, result);
            }
        }
        Ok(())
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

/// The failure an answer reports, if it does. The agent answers a function
/// that raised with a normal result `{faultString, faultCode: "<type>:
/// <message>", faultTraceback}` (agent/mmc/agent.py, `_ebRender`), and its
/// own faults (8003 no session, 8004, 8005) as a normal result too:
/// `_cbRender` passes `(Fault(...),)` to `xmlrpc.client.dumps`, which writes
/// an exception inside a tuple as a struct of its attributes.
pub fn failure_in(v: &Value) -> Option<ApiError> {
    let code = v.get("faultCode")?;
    let message = v.get("faultString").and_then(Value::as_str).unwrap_or_default().to_string();
    Some(match code {
        Value::Int(code) => ApiError::fault(*code, message),
        Value::Str(text) => match text.trim().parse() {
            Ok(code) => ApiError::fault(code, message),
            Err(_) => ApiError::Exception(text.clone()),
        },
        other => ApiError::Exception(format!("faultCode: {}", other.kind())),
    })
}

/// What the tab reads of `imaging.getImagingServerConfig`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ServerConfig {
    pub name: Option<String>,
    pub url: Option<String>,
    /// `UUID<n>` of the server's record.
    pub imaging_uuid: Option<String>,
}

impl ServerConfig {
    /// The same imaging server: by its record's id, else by name and address.
    fn same_server(&self, other: &ServerConfig) -> bool {
        match (&self.imaging_uuid, &other.imaging_uuid) {
            (Some(a), Some(b)) => a == b,
            _ => (&self.name, &self.url) == (&other.name, &other.url),
        }
    }
}

/// What Medulla says of an entity at first: its topology when that is all
/// (no server, or its own), or a server inherited from one of its
/// ancestors (nearest first), whose owner is still to be read.
enum Look {
    Settled(Serving),
    Inherited(ServerConfig, Vec<String>),
}

/// What a check hears before something it depends on is settled: held
/// until then, then passed on (changed by `apply` with what was settled)
/// or, when it is settled against, dropped.
struct Held<'a, T> {
    settled: Mutex<Option<Option<T>>>,
    heard: Mutex<Vec<Progress>>,
    progress: &'a OnProgress<'a>,
    apply: fn(&T, Progress) -> Progress,
}

impl<'a, T: Clone> Held<'a, T> {
    fn new(progress: &'a OnProgress<'a>, apply: fn(&T, Progress) -> Progress) -> Self {
        Held { settled: Mutex::new(None), heard: Mutex::new(Vec::new()), progress, apply }
    }

    fn hear(&self, p: Progress) {
        let settled = lock(&self.settled).clone();
        match settled {
            None => lock(&self.heard).push(p),
            Some(Some(value)) => (self.progress)((self.apply)(&value, p)),
            Some(None) => {}
        }
    }

    /// Settles with `Some(value)` (what was heard is passed on) or `None`
    /// (dropped).
    fn settle(&self, to: Option<T>) {
        *lock(&self.settled) = Some(to.clone());
        let heard = std::mem::take(&mut *lock(&self.heard));
        if let Some(value) = to {
            heard.into_iter().for_each(|p| (self.progress)((self.apply)(&value, p)));
        }
    }
}

/// A lock that a panic elsewhere does not poison for good.
/// What serves `entity`, from whether it has a server of its own (`own`)
/// and the server Medulla resolves for it: settled (`Ok`: its own, or
/// none), or a server it inherits (`Err`), whose owner is among its
/// ancestors.
fn settled(
    entity: &str,
    own: Result<bool, ApiError>,
    resolved: Result<Option<ServerConfig>, ApiError>,
) -> Result<Result<Serving, ServerConfig>, ApiError> {
    Ok(match resolved? {
        None => Ok(None),
        Some(server) if own? => Ok(Some((entity.to_string(), server))),
        Some(server) => Err(server),
    })
}

fn malformed(what: &str) -> ApiError {
    ApiError::Malformed(what.to_string())
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string).filter(|s| !s.is_empty())
}

pub fn entities_from(v: &Value) -> Result<Vec<Entity>, ApiError> {
    let items = v.as_array().ok_or_else(|| malformed("getUserLocations: not an array"))?;
    items
        .iter()
        .map(|item| {
            let uuid = text(item.get("uuid")).ok_or_else(|| malformed("getUserLocations: entity without uuid"))?;
            let name = text(item.get("name")).unwrap_or_else(|| uuid.clone());
            Ok(Entity {
                completename: text(item.get("completename")).unwrap_or_else(|| name.clone()),
                level: item.get("level").and_then(Value::as_i64).unwrap_or(0).max(0) as u32,
                uuid,
                name,
            })
        })
        .collect()
}

pub fn parent_path_from(v: &Value) -> Result<Vec<String>, ApiError> {
    match v {
        // `false` is how the agent's clean-up step says "none".
        Value::Bool(false) | Value::Nil => Ok(Vec::new()),
        Value::Array(items) => Ok(items.iter().filter_map(|i| text(Some(i))).collect()),
        _ => Err(malformed("getLocationParentPath: not an array")),
    }
}

/// `[server, default_menu]` when a server serves the entity; `[false,
/// message]` when none does, or `[false, message, server]` when the entity
/// has no default boot menu; `""` when it has neither (the agent sends
/// `None` as `""`). Only the server matters here.
pub fn server_config_from(v: &Value) -> Option<ServerConfig> {
    let items = v.as_array()?;
    let server = match items.first()? {
        first @ Value::Struct(_) => first,
        _ => items.get(2).filter(|s| matches!(s, Value::Struct(_)))?,
    };
    Some(ServerConfig {
        name: text(server.get("name")),
        url: text(server.get("url")),
        imaging_uuid: text(server.get("imaging_uuid")),
    })
}

/// The figures in `imaging.getGlobalStatus`; `None` when the agent got no
/// answer from the imaging server (an empty struct). An answer is
/// well-formed only with the database's counts (`short_status`) and the
/// image store (`space_available`, `[-1, -1]` when unknown).
pub fn figures_from(v: &Value) -> Result<Option<ServerFigures>, ApiError> {
    match v {
        Value::Struct(m) if m.is_empty() => return Ok(None),
        Value::Bool(false) | Value::Nil => return Ok(None),
        Value::Str(s) if s.is_empty() => return Ok(None),
        Value::Struct(_) => {}
        _ => return Err(malformed("getGlobalStatus: not a struct")),
    }
    if let Some(error) = failure_in(v) {
        return Err(error);
    }
    let lines = |key: &str| -> Vec<String> {
        v.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|l| l.as_str().map(String::from)).collect())
            .unwrap_or_default()
    };
    let short_status = v.get("short_status").ok_or_else(|| malformed("getGlobalStatus: no short_status"))?;
    let count = |key: &str| -> Result<u64, ApiError> {
        let n = short_status.get(key).and_then(Value::as_i64);
        n.map(|n| n.max(0) as u64).ok_or_else(|| malformed(&format!("getGlobalStatus: short_status.{key} unreadable")))
    };
    let space = v.get("space_available").and_then(Value::as_array).filter(|a| a.len() == 2);
    let space = space.ok_or_else(|| malformed("getGlobalStatus: space_available unreadable"))?;
    let (used, free) = match (space[0].as_f64(), space[1].as_f64()) {
        (Some(used), Some(free)) if used.is_finite() && free.is_finite() => (used, free),
        _ => return Err(malformed("getGlobalStatus: space_available unreadable")),
    };
    let filesystems = parse_df(&lines("disk_info"));
    let image_store = (used >= 0.0 && free >= 0.0).then(|| {
        let free_mib = free as u64;
        // `df -m` rounds up: the same filesystem in `df -k` has this free
        // space within a MiB.
        let size_kib =
            filesystems.iter().find(|fs| (fs.available_kib / 1024).abs_diff(free_mib) <= 1).map(|fs| fs.size_kib);
        ImageStore { used_percent: used.min(100.0), free_mib, size_kib }
    });
    Ok(Some(ServerFigures {
        registered: count("total")?,
        custom_menus: None,
        rescue: count("rescue")?,
        masters: count("master")?,
        image_store,
        filesystems,
        memory: parse_free(&lines("mem_info")),
        uptime_seconds: v.get("uptime").and_then(Value::as_str).and_then(parse_uptime),
        activity: Vec::new(),
        counts_pending: false,
    }))
}

/// `{total, datas: {hostname: [...], ip_xmpp: [...], enabled: [...]}}`,
/// one value per relay in each column.
pub fn relays_from(v: &Value) -> Option<Vec<Relay>> {
    let datas = v.get("datas")?;
    let column = |key: &str| datas.get(key).and_then(Value::as_array).unwrap_or(&[]);
    let (hosts, ips, enabled) = (column("hostname"), column("ip_xmpp"), column("enabled"));
    let count = hosts.len().max(ips.len());
    if enabled.len() < count {
        return None;
    }
    Some(
        (0..count)
            .map(|i| Relay {
                hostname: hosts.get(i).and_then(Value::as_str).unwrap_or_default().to_string(),
                ip: ips.get(i).and_then(Value::as_str).unwrap_or_default().to_string(),
                enabled: enabled[i].as_flag() == Some(true),
            })
            .collect(),
    )
}

/// `[count, logs]` of `imaging.getLogs4Location`, newest first.
pub fn activity_from(v: &Value) -> Vec<Activity> {
    let logs = v.as_array().and_then(|a| a.get(1)).and_then(Value::as_array).unwrap_or(&[]);
    let mut activity: Vec<Activity> = logs
        .iter()
        .map(|log| {
            let tuple: Vec<i64> = log
                .get("timestamp")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default();
            let target = log.get("target");
            let message = text(log.get("detail")).unwrap_or_default();
            let phase = text(log.get("imaging_log_state")).map_or(Phase::Unknown, |s| Phase::from_label(&s));
            Activity {
                timestamp: Timestamp::from_tuple(&tuple),
                computer: text(target.and_then(|t| t.get("name")))
                    .or_else(|| text(target.and_then(|t| t.get("uuid"))))
                    .unwrap_or_default(),
                state: ActivityState::from_phase(phase, &message),
                phase,
                message,
            }
        })
        .collect();
    activity.sort_by_key(|a| std::cmp::Reverse(a.timestamp));
    activity
}

/// `imaging.synchroLocation`: `[[ok, detail], ...]` (one pair per step),
/// a bare `true`, or `[false, reasons...]`.
pub fn sync_outcome_from(v: &Value) -> Result<SyncOutcome, ApiError> {
    let describe = |v: &Value| match v {
        Value::Str(s) => s.clone(),
        Value::Nil => String::new(),
        other => other.kind().to_string(),
    };
    match v {
        Value::Bool(true) => Ok(SyncOutcome::Done),
        Value::Bool(false) => Ok(SyncOutcome::Failed(Vec::new())),
        Value::Array(items) if items.iter().all(|i| matches!(i, Value::Array(_))) => {
            let failures: Vec<String> = items
                .iter()
                .filter_map(Value::as_array)
                .filter(|pair| !pair.first().is_some_and(Value::truthy))
                .map(|pair| pair.get(1).map(describe).unwrap_or_default())
                .collect();
            if items.is_empty() || !failures.is_empty() {
                Ok(SyncOutcome::Failed(failures))
            } else {
                Ok(SyncOutcome::Done)
            }
        }
        Value::Array(items) => match items.split_first() {
            Some((first, _)) if first.truthy() => Ok(SyncOutcome::Done),
            Some((_, rest)) => Ok(SyncOutcome::Failed(rest.iter().map(describe).collect())),
            None => Ok(SyncOutcome::Failed(Vec::new())),
        },
        _ => Err(malformed("synchroLocation: unexpected answer")),
    }
}

#[cfg(test)]
mod tests;
