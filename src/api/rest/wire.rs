//! The bodies of the REST contract (`public/openapi.yaml`) as serde types:
//! the gateway writes them, the tab reads them, so the two cannot drift
//! apart. Absent and `null` read alike for the optional fields; unknown
//! fields are ignored in answers (a newer gateway may add some).

use crate::domain::StatusKind;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A body of the contract read from JSON; `what` names it in the error,
/// with serde's words (which say the field and what it expected). In the
/// tab, from the browser's `JSON.parse` (serde-wasm-bindgen: 14 KB of
/// brotli lighter than serde_json's parser there, measured); natively by
/// serde_json.
pub fn decode<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, String> {
    #[cfg(target_arch = "wasm32")]
    {
        let text = std::str::from_utf8(body).map_err(|_| format!("{what}: not UTF-8"))?;
        let value = js_sys::JSON::parse(text).map_err(|e| format!("{what}: {}", js_sys::Error::from(e).message()))?;
        serde_wasm_bindgen::from_value(value).map_err(|e| format!("{what}: {e}"))
    }
    #[cfg(not(target_arch = "wasm32"))]
    serde_json::from_slice(body).map_err(|e| format!("{what}: {e}"))
}

/// A body of the contract as JSON text (as [`decode`] reads it).
pub fn encode<T: Serialize>(value: &T) -> String {
    #[cfg(target_arch = "wasm32")]
    return serde_wasm_bindgen::to_value(value)
        .ok()
        .and_then(|v| js_sys::JSON::stringify(&v).ok())
        .map(String::from)
        .unwrap_or_default();
    #[cfg(not(target_arch = "wasm32"))]
    serde_json::to_string(value).unwrap_or_default()
}

/// `POST /sessions`: a login with its password or a sign-on token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub login: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub login: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub id: String,
    pub name: String,
    pub full_path: String,
    pub depth: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntityList {
    pub items: Vec<Entity>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntityRef {
    pub id: String,
    pub full_path: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Available,
    Offline,
    ConnectionError,
    NotLinked,
}

impl Status {
    /// As the contract spells it (serde's name for it, the domain's word).
    pub fn as_str(self) -> &'static str {
        StatusKind::from(self).word()
    }
}

impl From<StatusKind> for Status {
    fn from(kind: StatusKind) -> Self {
        match kind {
            StatusKind::Available => Status::Available,
            StatusKind::ConnectionError => Status::ConnectionError,
            StatusKind::Offline => Status::Offline,
            StatusKind::NotLinked => Status::NotLinked,
        }
    }
}

impl From<Status> for StatusKind {
    fn from(status: Status) -> Self {
        match status {
            Status::Available => StatusKind::Available,
            Status::ConnectionError => StatusKind::ConnectionError,
            Status::Offline => StatusKind::Offline,
            Status::NotLinked => StatusKind::NotLinked,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relay {
    Present,
    Absent,
    NotFound,
    NoAddress,
    Unknown,
}

impl Relay {
    /// As the contract spells it (serde's name for it).
    pub fn as_str(self) -> &'static str {
        match self {
            Relay::Present => "present",
            Relay::Absent => "absent",
            Relay::NotFound => "not_found",
            Relay::NoAddress => "no_address",
            Relay::Unknown => "unknown",
        }
    }
}

/// `ImagingServerStatus`; times in RFC 3339.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerStatus {
    pub entity_id: String,
    pub status: Status,
    pub checked_at: String,
    pub since: Option<Since>,
    pub served_by: Option<EntityRef>,
    pub server_name: Option<String>,
    pub reason: Option<String>,
    pub relay: Option<Relay>,
    pub statistics: Option<Statistics>,
    pub last_available: Option<LastAvailable>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Since {
    pub at: String,
    pub change_seen: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastAvailable {
    pub checked_at: String,
    pub statistics: Statistics,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    pub computers: Computers,
    pub masters: u64,
    pub image_store: Option<ImageStore>,
    pub filesystems: Vec<Filesystem>,
    pub memory: Option<Memory>,
    pub uptime_seconds: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Computers {
    pub registered: u64,
    pub with_custom_boot_menu: Option<u64>,
    pub with_rescue_image: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageStore {
    pub used_percent: f64,
    pub free_bytes: u64,
    pub size_bytes: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Filesystem {
    pub device: String,
    pub mount_point: String,
    pub size_bytes: u64,
    pub used_bytes: u64,
    pub available_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    pub total_bytes: u64,
    pub used_bytes: u64,
    pub free_bytes: u64,
    pub buff_cache_bytes: u64,
    pub available_bytes: u64,
    pub swap_total_bytes: u64,
    pub swap_used_bytes: u64,
}

/// `GET /imaging-overview`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub items: Vec<ServerStatus>,
    pub unreachable: Vec<Unreachable>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unreachable {
    pub entity_id: String,
    pub problem: Problem,
}

/// A problem document (RFC 9457).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// With `imaging-server-unavailable`: the status that refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imaging_status: Option<Status>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    pub items: Vec<Activity>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// The imaging server's local time, `2026-11-25T09:05:07`.
    pub timestamp: Option<String>,
    pub computer: Computer,
    pub message: String,
    pub phase: String,
    pub state: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Computer {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Synchronisation {
    pub succeeded: bool,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub succeeded: bool,
    pub detail: String,
}

/// `History`: what the gateway's history has of an entity's imaging
/// server over the last `days`; times in RFC 3339.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub entity_id: String,
    pub served_by: Option<EntityRef>,
    pub from: String,
    pub to: String,
    /// Whether the gateway keeps a history database (false: `history =
    /// none`, or the file could not be opened).
    pub recorded: bool,
    /// Whether the gateway checks every server on its own (a monitoring
    /// account); false: only users' checks are recorded, with gaps.
    pub monitored: bool,
    pub spans: Vec<HistorySpan>,
    pub changes: Vec<HistoryChange>,
    pub samples: Vec<HistorySample>,
    pub availability: HistoryAvailability,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistorySpan {
    pub from: String,
    pub to: String,
    pub status: Status,
    pub relay: Option<Relay>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryChange {
    pub at: String,
    pub status: Status,
    pub relay: Option<Relay>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistorySample {
    pub at: String,
    pub store_free_bytes: Option<u64>,
    pub store_size_bytes: Option<u64>,
    pub store_used_percent: Option<f64>,
    pub memory_used_bytes: Option<u64>,
    pub memory_total_bytes: Option<u64>,
    pub computers_registered: u64,
    pub masters: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryAvailability {
    pub period_seconds: u64,
    pub observed_seconds: u64,
    pub available_seconds: u64,
    pub not_observed_seconds: u64,
    /// The share of the observed time it was Available; null when nothing
    /// was observed.
    pub ratio: Option<f64>,
}

/// `HistorySummaries`: per imaging server serving the user's entities, its
/// availability over the last `days` and the line of its store's free
/// space (the overview's columns).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistorySummaries {
    pub days: u32,
    pub recorded: bool,
    pub items: Vec<HistorySummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistorySummary {
    /// The entity that owns the imaging server.
    pub owner_id: String,
    pub availability: HistoryAvailability,
    pub store_trend: Option<StoreTrend>,
}

/// The least-squares line through the store's free space of the last 7
/// days, as of `at`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreTrend {
    pub at: String,
    pub free_bytes: f64,
    pub bytes_per_day: f64,
}
