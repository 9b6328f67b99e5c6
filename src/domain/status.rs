//! The status rules of the tab: from what Medulla reports about an entity's
//! imaging server to one of Available, Offline, Connection error or No
//! imaging server linked, and from there to whether imaging actions may run.

use super::figures::ServerFigures;
use super::history::{LastKnown, Since};

/// Whether the relay hosting an imaging server is on the XMPP bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelayPresence {
    Present,
    Absent,
    /// No relay has the host of the server's address.
    NotFound,
    /// The server's address has no host (Medulla's `public_ip` is empty by
    /// default), so no relay can be matched to it.
    NoAddress,
    /// The relay list could not be read.
    Unknown,
}

/// The status of the imaging server serving an entity.
#[derive(Clone, Debug, PartialEq)]
pub enum ServerStatus {
    Available(Box<ServerFigures>),
    /// The relay hosting the server is up, but Medulla cannot talk to the
    /// server's imaging API.
    ConnectionError,
    /// Its imaging API does not answer, and its relay is not known to be
    /// present: absent, not identified, or unreadable (the reason shown).
    Offline(RelayPresence),
    NotLinked,
}

/// A status without its details: what a history keeps and compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusKind {
    Available,
    ConnectionError,
    Offline,
    NotLinked,
}

impl StatusKind {
    pub fn of(status: &ServerStatus) -> Self {
        match status {
            ServerStatus::Available(_) => Self::Available,
            ServerStatus::ConnectionError => Self::ConnectionError,
            ServerStatus::Offline(_) => Self::Offline,
            ServerStatus::NotLinked => Self::NotLinked,
        }
    }

    /// As the REST contract spells it (`available`, `connection_error`...).
    pub fn word(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::ConnectionError => "connection_error",
            Self::Offline => "offline",
            Self::NotLinked => "not_linked",
        }
    }

    /// As the screen names its state (`Health::as_str`, the stylesheet).
    pub fn state(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::ConnectionError => "connection-error",
            Self::Offline => "offline",
            Self::NotLinked => "not-linked",
        }
    }

    pub fn from_word(word: &str) -> Option<Self> {
        [Self::Available, Self::ConnectionError, Self::Offline, Self::NotLinked].into_iter().find(|k| k.word() == word)
    }
}

/// Everything known of an entity's imaging server after one check.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusReport {
    /// The entity the check was made for.
    pub entity: String,
    /// The entity whose server serves it, when that is an ancestor.
    pub inherited_from: Option<String>,
    pub server_name: Option<String>,
    pub status: ServerStatus,
    /// How old the check already was when its answer left the server:
    /// 0 from the agent (checked for this request), the age of the
    /// gateway's shared check on REST.
    pub age_ms: u64,
    /// Since when the status holds, when a history of the server has it.
    pub since: Option<Since>,
    /// The server's last figures, when it is not Available now.
    pub last_available: Option<LastKnown>,
}

impl StatusReport {
    /// `entity` without an imaging server, as of now: what a check starts
    /// from.
    pub fn not_linked(entity: &str) -> Self {
        Self {
            entity: entity.to_string(),
            inherited_from: None,
            server_name: None,
            status: ServerStatus::NotLinked,
            age_ms: 0,
            since: None,
            last_available: None,
        }
    }

    /// The imaging server the report is about, for its history: the entity
    /// that owns it, or the entity itself when none serves it.
    pub fn server_key(&self) -> &str {
        self.inherited_from.as_deref().unwrap_or(&self.entity)
    }
}

/// The status rule for a linked server: the server answered, or else the
/// presence of its relay tells an unreachable API from a host that is down.
pub fn server_status(answer: Option<ServerFigures>, relay: RelayPresence) -> ServerStatus {
    match (answer, relay) {
        (Some(figures), _) => ServerStatus::Available(Box::new(figures)),
        (None, RelayPresence::Present) => ServerStatus::ConnectionError,
        (None, relay) => ServerStatus::Offline(relay),
    }
}

/// Why Medulla's own API could not tell the status.
#[derive(Clone, Debug, PartialEq)]
pub enum Trouble {
    Timeout,
    Network,
    Http(u16),
    Unreadable,
    Fault(i64),
    /// An answer too large to be read.
    TooLarge,
    /// A function of Medulla's raised an exception (its database or a
    /// plugin failed).
    Exception,
    /// The user may see no entity at all.
    NoEntity,
    /// The REST gateway has too many calls to Medulla in progress (503
    /// `gateway-busy`, 429): a later try will do.
    Busy,
}

/// What the screen shows for the selected entity; the one thing that decides
/// whether imaging actions are allowed.
#[derive(Clone, Debug, PartialEq)]
pub enum Health {
    /// No answer yet for this entity.
    Checking,
    Known(StatusReport),
    /// Medulla's own API failed: the status is unknown, never guessed. The
    /// text is the technical detail, for support.
    Unreachable(Trouble, String),
    SignedOut,
}

impl Health {
    pub fn allows_imaging(&self) -> bool {
        matches!(self, Health::Known(StatusReport { status: ServerStatus::Available(_), .. }))
    }

    /// The CSS modifier and test hook for this state.
    pub fn as_str(&self) -> &'static str {
        match self {
            Health::Checking => "checking",
            Health::Unreachable(..) => "unreachable",
            Health::SignedOut => "signed-out",
            Health::Known(r) => StatusKind::of(&r.status).state(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_statuses_follow_the_rules() {
        let figures = ServerFigures { registered: 3, ..Default::default() };
        assert!(matches!(server_status(Some(figures), RelayPresence::Absent), ServerStatus::Available(_)));
        assert_eq!(server_status(None, RelayPresence::Present), ServerStatus::ConnectionError);
        for relay in [RelayPresence::Absent, RelayPresence::NotFound, RelayPresence::NoAddress, RelayPresence::Unknown]
        {
            assert_eq!(server_status(None, relay), ServerStatus::Offline(relay), "{relay:?}");
        }
    }

    #[test]
    fn only_an_available_server_allows_imaging() {
        let report = |status| {
            // Last figures kept from when it answered allow nothing.
            let last_available = Some(LastKnown { figures: Box::default(), age_ms: 0 });
            Health::Known(StatusReport { status, last_available, ..StatusReport::not_linked("UUID1") })
        };
        assert!(report(ServerStatus::Available(Box::default())).allows_imaging());
        for h in [
            report(ServerStatus::Offline(RelayPresence::Absent)),
            report(ServerStatus::ConnectionError),
            report(ServerStatus::NotLinked),
            Health::Checking,
            Health::SignedOut,
            Health::Unreachable(Trouble::Timeout, "no answer in time".into()),
        ] {
            assert!(!h.allows_imaging(), "{h:?}");
        }
    }
}
