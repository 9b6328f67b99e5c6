//! The status rules of the tab: from what Medulla reports about an entity's
//! imaging server to one of Available, Offline, Connection error or No
//! imaging server linked, and from there to whether imaging actions may run.

use super::figures::{Filesystem, Memory};
use super::history::{LastKnown, Since};

/// An entity (site, department, tenant) the user may see.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    /// `UUID<n>`, the root being `UUID0`.
    pub uuid: String,
    pub name: String,
    /// Full path, e.g. `General > Public > Library`.
    pub completename: String,
    pub level: u32,
}

/// `UUID<n>`, as Medulla names entities (at most 12 digits).
pub fn looks_like_entity_id(text: &str) -> bool {
    text.strip_prefix("UUID").is_some_and(|n| (1..=12).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
}

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

/// Figures of an available imaging server and of its entity.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ServerFigures {
    /// Computers registered for imaging.
    pub registered: u64,
    /// Computers with a custom boot menu, when it could be read.
    pub custom_menus: Option<u64>,
    /// Computers with a rescue image.
    pub rescue: u64,
    pub masters: u64,
    pub image_store: Option<ImageStore>,
    pub filesystems: Vec<Filesystem>,
    pub memory: Option<Memory>,
    pub uptime_seconds: Option<u64>,
    pub activity: Vec<Activity>,
    /// The counts and the activity are still being read for the entity
    /// that owns the server (a first check of an inherited server shows its
    /// verdict before them): not to be shown as figures.
    pub counts_pending: bool,
}

/// The filesystem holding the masters, as the imaging server reports it
/// (`df -m`: the used share and the free space).
#[derive(Clone, Debug, PartialEq)]
pub struct ImageStore {
    pub used_percent: f64,
    pub free_mib: u64,
    /// Its size, when a line of `df -k` can be told to be the same
    /// filesystem (same free space).
    pub size_kib: Option<u64>,
}

/// A line of recent imaging activity.
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    pub timestamp: Option<Timestamp>,
    pub computer: String,
    pub message: String,
    pub phase: Phase,
    pub state: ActivityState,
}

/// The phase of imaging a log line is about: Medulla's `imaging_log_state`
/// (`ImagingLogState` nomenclature of the imaging database).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Boot,
    Menu,
    Restoration,
    Backup,
    Postinstall,
    Error,
    Delete,
    Inventory,
    Unknown,
}

impl Phase {
    pub fn from_label(label: &str) -> Self {
        match label.trim().to_ascii_lowercase().as_str() {
            "boot" => Self::Boot,
            "menu" => Self::Menu,
            "restoration" | "restore" => Self::Restoration,
            "backup" => Self::Backup,
            "postinstall" | "postinst" => Self::Postinstall,
            "error" => Self::Error,
            "delete" => Self::Delete,
            "inventory" => Self::Inventory,
            _ => Self::Unknown,
        }
    }

    /// Its label, as [`Phase::from_label`] reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Boot => "boot",
            Self::Menu => "menu",
            Self::Restoration => "restoration",
            Self::Backup => "backup",
            Self::Postinstall => "postinstall",
            Self::Error => "error",
            Self::Delete => "delete",
            Self::Inventory => "inventory",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivityState {
    Done,
    Running,
    Failed,
    Unknown,
}

impl ActivityState {
    /// The outcome of a log line: Medulla logs phases, the outcome is in the
    /// free text (`detail`: "restoration started", "restoration finished",
    /// "end-of-backup failure: …", "hardware inventory not stored", the
    /// messages of services/pulse2/package_server/imaging/pxe/). Failure
    /// words win, then completion, then progress; the `error` phase is a
    /// failure whatever it says.
    pub fn from_phase(phase: Phase, detail: &str) -> Self {
        let detail = detail.to_ascii_lowercase();
        let says = |words: &[&str]| words.iter().any(|w| detail.contains(w));
        if phase == Phase::Error
            || says(&[
                "fail",
                "error",
                "not stored",
                "not updated",
                "unable",
                "cannot",
                "échec",
                "erreur",
                "impossible",
            ])
        {
            Self::Failed
        } else if says(&["success", "finished", "done", "complete", "shown", "sent", "received", "updated", "booted"]) {
            Self::Done
        } else if says(&["started", "request", "in progress", "running"]) {
            Self::Running
        } else {
            Self::Unknown
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Running => "running",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
        }
    }
}

/// A server time, as the agent sends it (a Python time tuple).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Timestamp {
    /// From the 9 integers of a Python time tuple (only the first 6 count);
    /// `None` unless they make a real date and time.
    pub fn from_tuple(t: &[i64]) -> Option<Self> {
        let part = |i: usize| t.get(i).copied().and_then(|v| u8::try_from(v).ok());
        let ts = Self {
            year: t.first().copied().filter(|y| (1..=9999).contains(y))? as i32,
            month: part(1)?,
            day: part(2)?,
            hour: part(3)?,
            minute: part(4)?,
            // Python's tuples allow the leap seconds 60 and 61.
            second: part(5).filter(|s| *s <= 61)?,
        };
        ts.date_time().map(|_| ts)
    }

    /// As the `time` crate's, which checks the calendar (no 31 February).
    fn date_time(&self) -> Option<time::PrimitiveDateTime> {
        let month = time::Month::try_from(self.month).ok()?;
        let date = time::Date::from_calendar_date(self.year, month, self.day).ok()?;
        date.with_hms(self.hour, self.minute, self.second.min(59)).ok()
    }

    /// Seconds since 1970-01-01 00:00:00, reading it as UTC.
    pub fn unix_seconds(&self) -> i64 {
        self.date_time().map_or(0, |t| t.assume_utc().unix_timestamp())
    }

    /// `2026-11-25T09:05:07`.
    pub fn iso(&self) -> String {
        let Self { year, month, day, hour, minute, second } = self;
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}")
    }

    /// An RFC 3339 time (`2026-11-25T09:05:07Z`, `…07.250+01:00`), in
    /// milliseconds since 1970 (read by the `time` crate).
    pub fn rfc3339_ms(text: &str) -> Option<i64> {
        let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
        i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
    }

    /// An HTTP date (`Sat, 28 Nov 2026 09:07:19 GMT`), in milliseconds
    /// since 1970 (read by the `httpdate` crate).
    pub fn http_date_ms(text: &str) -> Option<i64> {
        let at = httpdate::parse_http_date(text).ok()?;
        let since = at.duration_since(std::time::UNIX_EPOCH).ok()?;
        i64::try_from(since.as_millis()).ok()
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

/// The host of an imaging server's URL (`https://10.0.0.5:9990/imaging_api`
/// gives `10.0.0.5`), lower-cased, IPv6 brackets removed.
/// Hand-written, not a URL parser: an address may come without a host
/// (`https://:9990/`, from Medulla's default empty `public_ip`, see
/// medulla-api.md) or without a scheme (`10.1.2.3:9990`), which a URL
/// parser refuses where this must still say which relay, or none, it names.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host =
        if let Some(v6) = authority.strip_prefix('[') { v6.split(']').next()? } else { authority.split(':').next()? };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// One relay of `xmppmaster.get_xmpprelays_list`.
#[derive(Clone, Debug, PartialEq)]
pub struct Relay {
    pub hostname: String,
    pub ip: String,
    pub enabled: bool,
}

/// Finds the relay hosting the server at `server_url` (by host name or
/// address) and says whether it is present.
pub fn relay_presence(server_url: Option<&str>, relays: Option<&[Relay]>) -> RelayPresence {
    let Some(host) = server_url.and_then(url_host) else { return RelayPresence::NoAddress };
    let Some(relays) = relays else { return RelayPresence::Unknown };
    let matches = |r: &&Relay| {
        r.ip.eq_ignore_ascii_case(&host)
            || r.hostname.eq_ignore_ascii_case(&host)
            || r.hostname.split('.').next().is_some_and(|short| short.eq_ignore_ascii_case(&host))
    };
    let mut found = relays.iter().filter(matches).peekable();
    if found.peek().is_none() {
        return RelayPresence::NotFound;
    }
    if found.any(|r| r.enabled) {
        RelayPresence::Present
    } else {
        RelayPresence::Absent
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
            Health::Known(r) => match r.status {
                ServerStatus::Available(_) => "available",
                ServerStatus::ConnectionError => "connection-error",
                ServerStatus::Offline(_) => "offline",
                ServerStatus::NotLinked => "not-linked",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay(host: &str, ip: &str, enabled: bool) -> Relay {
        Relay { hostname: host.into(), ip: ip.into(), enabled }
    }

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
    fn entity_ids() {
        assert!(looks_like_entity_id("UUID0") && looks_like_entity_id("UUID123456789012"));
        for not in ["", "UUID", "uuid3", "UUID3x", "UUID1234567890123", "<b>UUID3</b>", "UUID-3"] {
            assert!(!looks_like_entity_id(not), "{not}");
        }
    }

    #[test]
    fn url_host_handles_ports_users_and_ipv6() {
        assert_eq!(url_host("https://10.0.0.5:9990/imaging_api").as_deref(), Some("10.0.0.5"));
        assert_eq!(url_host("http://Relay-1.Example.org/x").as_deref(), Some("relay-1.example.org"));
        assert_eq!(url_host("https://u:p@[fd00::5]:9990/").as_deref(), Some("fd00::5"));
        assert_eq!(url_host("10.1.2.3:9990").as_deref(), Some("10.1.2.3"));
        assert_eq!(url_host("https:///nohost"), None);
        assert_eq!(url_host(""), None);
    }

    #[test]
    fn relay_is_found_by_address_or_host_name() {
        let relays = [relay("rs-paris.example.org", "10.0.0.5", true), relay("rs-lyon", "10.0.0.6", false)];
        let p = |url: &str| relay_presence(Some(url), Some(&relays));
        assert_eq!(p("https://10.0.0.5:9990/imaging_api"), RelayPresence::Present);
        assert_eq!(p("https://rs-paris:9990/imaging_api"), RelayPresence::Present);
        assert_eq!(p("https://RS-LYON:9990/imaging_api"), RelayPresence::Absent);
        assert_eq!(p("https://10.9.9.9:9990/imaging_api"), RelayPresence::NotFound);
        assert_eq!(relay_presence(None, Some(&relays)), RelayPresence::NoAddress);
        assert_eq!(relay_presence(Some("https://10.0.0.5/"), None), RelayPresence::Unknown);
    }

    #[test]
    fn a_server_address_without_host_matches_no_relay() {
        // `proto://public_ip:9990/mount` with Medulla's default empty public_ip.
        let relays = [relay("", "", true)];
        assert_eq!(relay_presence(Some("https://:9990/imaging_api"), Some(&relays)), RelayPresence::NoAddress);
        assert_eq!(relay_presence(Some("https://:9990/imaging_api"), None), RelayPresence::NoAddress);
    }

    #[test]
    fn times_of_the_rest_gateway_are_read_in_milliseconds_since_1970() {
        assert_eq!(Timestamp::rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(Timestamp::rfc3339_ms("2026-11-25T09:05:07Z"), Some(1_795_597_507_000));
        assert_eq!(Timestamp::rfc3339_ms("2026-11-25T10:05:07.25+01:00"), Some(1_795_597_507_250));
        assert_eq!(Timestamp::rfc3339_ms("2024-02-29T23:59:59-00:30"), Some(1_709_252_999_000));
        assert_eq!(Timestamp::http_date_ms("Wed, 25 Nov 2026 09:05:07 GMT"), Some(1_795_597_507_000));
        let leap_day = Timestamp::from_tuple(&[2000, 2, 29, 0, 0, 0]).expect("a leap day");
        assert_eq!(leap_day.unix_seconds(), 951_782_400);
        assert_eq!(Timestamp::rfc3339_ms(&format!("{}Z", leap_day.iso())), Some(951_782_400_000));
        for bad in [
            "",
            "2026-11-25",
            "2026-11-25T09:05:07",
            "2026-13-25T09:05:07Z",
            "2026-11-25T09:05:07+1",
            "2026-11-25T09:05Z",
            "2026-11-25T09:05:07:01Z",
            "2026-11-25T09:05:07.x5Z",
            "2026-11-25T+9:05:07Z",
            "2026-02-31T09:05:07Z",
        ] {
            assert_eq!(Timestamp::rfc3339_ms(bad), None, "{bad}");
        }
        for bad in ["", "Wed, 25 Nov 2026 09:05:07", "Wed, 25 Foo 2026 09:05:07 GMT", "Wed, 25 Nov 2026 09:05 GMT"] {
            assert_eq!(Timestamp::http_date_ms(bad), None, "{bad}");
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

    #[test]
    fn python_time_tuples_become_timestamps() {
        assert_eq!(
            Timestamp::from_tuple(&[2026, 11, 25, 9, 5, 7, 2, 329, -1]),
            Some(Timestamp { year: 2026, month: 11, day: 25, hour: 9, minute: 5, second: 7 })
        );
        assert_eq!(Timestamp::from_tuple(&[2026, 13, 1, 0, 0, 0]), None);
        assert_eq!(Timestamp::from_tuple(&[2026, 2, 31, 0, 0, 0]), None, "no 31 February");
        assert_eq!(Timestamp::from_tuple(&[2025, 2, 29, 0, 0, 0]), None, "2025 is not a leap year");
        assert_eq!(Timestamp::from_tuple(&[2026]), None);
    }

    #[test]
    fn activity_outcomes_from_phase_and_detail() {
        use ActivityState::*;
        let state = |phase: &str, detail: &str| ActivityState::from_phase(Phase::from_label(phase), detail);
        // Medulla's own messages.
        assert_eq!(state("restoration", "restoration finished"), Done);
        assert_eq!(state("restoration", "restoration started"), Running);
        assert_eq!(state("backup", "end-of-backup success: UUID12"), Done);
        assert_eq!(state("backup", "end-of-backup failure: UUID12"), Failed);
        assert_eq!(state("backup", "image UUID request"), Running);
        assert_eq!(state("backup", "failed to summon an image UUID"), Failed);
        assert_eq!(state("inventory", "hardware inventory not stored"), Failed);
        assert_eq!(state("inventory", "hardware inventory not updated: timeout"), Failed);
        assert_eq!(state("inventory", "hardware inventory updated"), Done);
        assert_eq!(state("menu", "boot menu shown"), Done);
        assert_eq!(state("menu", "identification failure"), Failed);
        assert_eq!(state("error", "critical error"), Failed);
        assert_eq!(state("error", "Something happened"), Failed);
        assert_eq!(state("unknown", "choosen menu entry"), Unknown);
        assert_eq!(Phase::from_label("POSTINSTALL"), Phase::Postinstall);
        assert_eq!(Phase::from_label("restore_done"), Phase::Unknown);
    }
}
