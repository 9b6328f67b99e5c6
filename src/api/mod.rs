//! Talking to Medulla. The views depend on [`ImagingApi`] only; each
//! transport implements it. No reactive types here.

pub mod http;
pub mod mmc_agent;
pub mod rest;
pub mod xmlrpc;

use crate::config::{Config, Transport};
use crate::domain::{Entity, StatusReport};
use std::fmt;

pub use mmc_agent::MmcAgent;
pub use rest::RestClient;

/// One more in `count` while it lives: work in flight that other work
/// waits for (a check, a user's call waiting for its turn).
pub struct Counted<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Counted<'a> {
    pub fn enter(count: &'a std::sync::atomic::AtomicUsize) -> Self {
        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Why a call to Medulla failed.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// HTTP 401 or fault 8003: the user session is gone.
    SignedOut,
    /// Medulla answered with a fault.
    Fault { code: i64, message: String },
    /// A function of Medulla's raised: the agent answers it as a normal
    /// result holding `faultCode` (a text: the exception's type and message).
    Exception(String),
    /// No answer within the configured time.
    Timeout,
    /// The request did not reach Medulla (network, DNS, CORS, TLS).
    Network(String),
    /// Medulla or a proxy answered with an HTTP error.
    Http(u16),
    /// The answer could not be read.
    Malformed(String),
    /// The answer was larger than [`http::MAX_BODY_BYTES`].
    TooLarge,
    /// The REST gateway answered with a problem document (RFC 9457):
    /// `kind` is its type without the contract's prefix.
    Problem { status: u16, kind: String, detail: String },
}

impl ApiError {
    /// An agent fault, mapped as the status rules say (8003 is signed out).
    pub fn fault(code: i64, message: String) -> Self {
        if code == 8003 {
            ApiError::SignedOut
        } else {
            ApiError::Fault { code, message }
        }
    }
}

impl ApiError {
    /// The kind of failure, for the words the screen shows.
    pub fn trouble(&self) -> crate::domain::Trouble {
        use crate::domain::Trouble;
        match self {
            ApiError::Timeout => Trouble::Timeout,
            ApiError::Network(_) => Trouble::Network,
            ApiError::Http(code) => Trouble::Http(*code),
            ApiError::Malformed(_) => Trouble::Unreadable,
            ApiError::TooLarge => Trouble::TooLarge,
            ApiError::Fault { code, .. } => Trouble::Fault(*code),
            ApiError::Exception(_) => Trouble::Exception,
            ApiError::Problem { kind, .. } if kind == "upstream-timeout" => Trouble::Timeout,
            ApiError::Problem { kind, .. } if kind == "gateway-busy" || kind == "too-many-requests" => Trouble::Busy,
            ApiError::Problem { status, .. } => Trouble::Http(*status),
            ApiError::SignedOut => Trouble::Http(401),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::SignedOut => f.write_str("signed out (HTTP 401 or fault 8003)"),
            ApiError::Fault { code, message } => write!(f, "fault {code}: {message}"),
            ApiError::Exception(what) => write!(f, "exception in Medulla: {what}"),
            ApiError::Timeout => f.write_str("no answer in time"),
            ApiError::Network(m) => write!(f, "network error: {m}"),
            ApiError::Http(code) => write!(f, "HTTP {code}"),
            ApiError::Malformed(m) => write!(f, "unreadable answer: {m}"),
            ApiError::TooLarge => write!(f, "answer larger than {} MB: refused", http::MAX_BODY_BYTES / (1024 * 1024)),
            ApiError::Problem { status, kind, detail } => write!(f, "HTTP {status} ({kind}): {detail}"),
        }
    }
}

/// The result of a boot-menu synchronisation.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncOutcome {
    Done,
    /// The details of the steps that failed.
    Failed(Vec<String>),
}

/// What a check of an entity learnt before its end.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    /// Medulla answers, but the imaging server has not yet: the agent waits
    /// for it (up to its 30-second connect timeout when the host is down).
    ImagingServerSlow,
    /// The status that holds unless the imaging server's late answer says
    /// otherwise (its relay is off the XMPP bus: Offline).
    Provisional(StatusReport),
}

/// Hears what a check learns before its end. `Sync`, so that a check can
/// run on a thread pool (the gateway) as well as in the browser.
pub type OnProgress<'a> = dyn Fn(Progress) + Sync + 'a;

/// An entity of an overview, and its status or why it is unknown.
pub type Row = (String, Result<StatusReport, ApiError>);

/// Hears the status of each entity of an overview as it is known (an
/// early Offline may be followed by the final word), or why it is not.
pub type OnRow<'a> = dyn Fn(&str, Result<StatusReport, ApiError>) + Sync + 'a;

/// What the tab needs from Medulla, whatever the transport.
#[allow(async_fn_in_trait)]
pub trait ImagingApi {
    /// Signs the user in; `Ok(false)` when the login or password is refused.
    async fn sign_in(&self, login: &str, password: &str) -> Result<bool, ApiError>;
    /// Single sign-on with a token the console made for this user;
    /// `Ok(false)` when it is refused.
    async fn sign_in_with_token(&self, login: &str, token: &str) -> Result<bool, ApiError>;
    /// The entities the user may see.
    async fn entities(&self) -> Result<Vec<Entity>, ApiError>;
    /// The imaging server status of an entity, with its figures when
    /// available; `progress` hears what is known before the end.
    /// `max_age_seconds`: the oldest shared check (a gateway's) the caller
    /// accepts, 0 for a check made now; the agent always checks now.
    async fn status(
        &self,
        entity: &str,
        max_age_seconds: u32,
        progress: &OnProgress<'_>,
    ) -> Result<StatusReport, ApiError>;
    /// The status of every entity of `entities`, each imaging server
    /// checked once for all the entities it serves; `max_age_seconds` as
    /// for [`ImagingApi::status`].
    async fn overview(&self, entities: &[Entity], max_age_seconds: u32, on_row: &OnRow<'_>) -> Result<(), ApiError>;
    /// Regenerates the boot menus of an entity on its imaging server.
    async fn synchronise(&self, entity: &str) -> Result<SyncOutcome, ApiError>;
    /// Ends the user's session as far as the transport can.
    async fn sign_out(&self) -> Result<(), ApiError>;
}

/// The transport chosen in `config.json`.
pub enum Client {
    MmcAgent(MmcAgent),
    Rest(RestClient),
}

impl Client {
    pub fn new(config: &Config) -> Self {
        match config.transport {
            Transport::MmcAgent => Client::MmcAgent(MmcAgent::new(config)),
            Transport::Rest => Client::Rest(RestClient::new(config)),
        }
    }

    /// Learns ahead of their checks what rarely changes about `entities`
    /// (see [`MmcAgent::learn_topology`]); a gateway keeps its own.
    pub async fn learn_topology(&self, entities: &[String], again: bool) -> Result<(), ApiError> {
        match self {
            Client::MmcAgent(c) => c.learn_topology(entities, again).await,
            Client::Rest(_) => Ok(()),
        }
    }

    /// Asks ahead, with the entity list, what a first check of `entity`
    /// needs first: from the agent, what serves it (see
    /// [`MmcAgent::look_ahead`]); from a gateway, which knows that, its
    /// status for a check that accepts one `max_age` old (see
    /// [`RestClient::look_ahead`]).
    pub async fn look_ahead(&self, entity: &str, max_age: u32) {
        match self {
            Client::MmcAgent(c) => c.look_ahead(entity).await,
            Client::Rest(c) => c.look_ahead(entity, max_age),
        }
    }

    /// The status of `entity` asked ahead through a gateway, once it is in
    /// (see [`RestClient::ahead_report`]); none straight to the agent,
    /// which is asked what serves the entity first.
    pub fn ahead_report(&self, entity: &str) -> Option<StatusReport> {
        match self {
            Client::MmcAgent(_) => None,
            Client::Rest(c) => c.ahead_report(entity),
        }
    }

    /// Ends when what [`Client::look_ahead`] asked has its answers: from a
    /// gateway, the status (see [`RestClient::ahead_answered`]); from the
    /// agent, at once (what serves the entity came with the list).
    pub async fn ahead_answered(&self) {
        if let Client::Rest(c) = self {
            c.ahead_answered().await
        }
    }
}

impl ImagingApi for Client {
    async fn sign_in(&self, login: &str, password: &str) -> Result<bool, ApiError> {
        match self {
            Client::MmcAgent(c) => c.sign_in(login, password).await,
            Client::Rest(c) => c.sign_in(login, password).await,
        }
    }

    async fn sign_in_with_token(&self, login: &str, token: &str) -> Result<bool, ApiError> {
        match self {
            Client::MmcAgent(c) => c.sign_in_with_token(login, token).await,
            Client::Rest(c) => c.sign_in_with_token(login, token).await,
        }
    }

    async fn entities(&self) -> Result<Vec<Entity>, ApiError> {
        match self {
            Client::MmcAgent(c) => c.entities().await,
            Client::Rest(c) => c.entities().await,
        }
    }

    async fn status(&self, entity: &str, max_age: u32, progress: &OnProgress<'_>) -> Result<StatusReport, ApiError> {
        match self {
            Client::MmcAgent(c) => c.status(entity, max_age, progress).await,
            Client::Rest(c) => c.status(entity, max_age, progress).await,
        }
    }

    async fn overview(&self, entities: &[Entity], max_age: u32, on_row: &OnRow<'_>) -> Result<(), ApiError> {
        match self {
            Client::MmcAgent(c) => c.overview(entities, max_age, on_row).await,
            Client::Rest(c) => c.overview(entities, max_age, on_row).await,
        }
    }

    async fn synchronise(&self, entity: &str) -> Result<SyncOutcome, ApiError> {
        match self {
            Client::MmcAgent(c) => c.synchronise(entity).await,
            Client::Rest(c) => c.synchronise(entity).await,
        }
    }

    async fn sign_out(&self) -> Result<(), ApiError> {
        match self {
            Client::MmcAgent(c) => c.sign_out().await,
            Client::Rest(c) => c.sign_out().await,
        }
    }
}

/// A login or token of sane length, as Medulla and its console make them
/// (the tab reads them from the host page, the gateway from a sign-in).
pub fn is_credential(text: &str) -> bool {
    !text.is_empty() && text.len() <= 256
}
