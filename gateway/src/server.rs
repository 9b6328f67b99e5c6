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

use crate::agent_http::AgentLink;
use crate::checks::{Checked, Resolved, Topology};
use crate::metrics::Metrics;
use crate::sessions::UserSession;
use crate::settings::Settings;
use crate::shared::Shared;
use crate::sign_in::UsedTokens;
use crate::single_flight::SingleFlight;
use crate::store::HistoryStore;
use crate::throttle::Throttle;
use medulla_imaging_status::api::{ApiError, SyncOutcome};
use medulla_imaging_status::config::{BasicAuth, Config};
use medulla_imaging_status::domain::{Entity, History};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

pub struct Gateway {
    pub(crate) settings: Settings,
    pub(crate) agent_config: Config,
    pub(crate) link: Arc<AgentLink>,
    pub(crate) sessions: Mutex<HashMap<String, Arc<UserSession>>>,
    pub(crate) topology: Arc<Shared<Arc<Topology>>>,
    /// The server each entity resolves to now, which confirms its topology.
    pub(crate) resolved: Arc<Shared<Arc<Resolved>>>,
    /// Statuses by the entity that owns the imaging server (and that
    /// server's address and name).
    pub(crate) checks: Arc<Shared<Arc<Checked>>>,
    /// What the checks saw of each imaging server, for every user: since
    /// when its status holds, its last figures.
    pub(crate) history: Mutex<History>,
    /// The same, on disk: it survives restarts (`None`: not configured, or
    /// the file could not be opened).
    pub(crate) store: Option<HistoryStore>,
    /// Each server's history summary, and when it was read.
    pub(crate) summaries:
        Mutex<HashMap<String, (std::time::Instant, medulla_imaging_status::api::rest::wire::HistorySummary)>>,
    /// Whether the monitoring account's last round checked every server.
    pub(crate) monitoring: std::sync::atomic::AtomicBool,
    /// Sign-ins asking the agent at once (anyone may try one: never
    /// queued, a 429 past it).
    pub(crate) sign_ins: Semaphore,
    /// The entity lists sessions hold, each once.
    pub(crate) entity_lists: Mutex<Vec<std::sync::Weak<Vec<Entity>>>>,
    pub(crate) throttle: Throttle,
    pub(crate) used_tokens: UsedTokens,
    /// Boot-menu synchronisations in flight, by entity.
    pub(crate) synchronising: SingleFlight<String, Result<SyncOutcome, ApiError>>,
    /// One synchronisation at a time per imaging server (by its owner
    /// entity): the server regenerates boot menus one entity after another.
    pub(crate) synchronising_servers: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    pub(crate) metrics: Metrics,
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
        let metrics = Metrics::default();
        let mut history = History::default();
        let store = settings.history_path.as_ref().and_then(|path| {
            match HistoryStore::open(path, settings.history_days, Arc::new(metrics.history.clone())) {
                Ok((store, kept)) => {
                    for (server, kept) in kept {
                        history.restore(&server, kept);
                    }
                    Some(store)
                }
                // The checks go on without it: said in the log and counted.
                Err(e) => {
                    eprintln!("medulla-imaging-gateway: history {}: {e}; kept in memory only", path.display());
                    crate::store::StoreMetricsSink::failed(&metrics.history, 1);
                    None
                }
            }
        });
        Ok(Arc::new(Self {
            store,
            monitoring: std::sync::atomic::AtomicBool::new(false),
            summaries: Mutex::default(),
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
            history: Mutex::new(history),
            metrics,
        }))
    }

    /// Whether the gateway checks every imaging server on its own, whoever
    /// looks (a monitoring account).
    pub(crate) fn monitored(&self) -> bool {
        self.monitoring.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Writes what the history has queued (at the gateway's stop).
    pub fn close(&self) {
        if let Some(store) = &self.store {
            store.close();
        }
    }
}
