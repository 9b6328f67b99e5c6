//! The REST transport: the contract of `public/openapi.yaml`, spoken by a
//! gateway in front of the MMC agent. Same interface, timeouts and
//! cancellation as the agent client; the readers of its JSON are pure
//! functions, and any body (wrong types, cut JSON, an HTML page from a
//! proxy, nothing) becomes a typed error.

use super::http::{Answer, Fetch, Http, Method, Request};
use super::{ApiError, ImagingApi, SyncOutcome};
use crate::config::Config;
use crate::domain::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The prefix of every problem `type` of the contract.
pub const PROBLEM_PREFIX: &str = "urn:medulla:problem:";

pub struct RestClient {
    base: String,
    timeout_ms: u32,
}

#[derive(Serialize, Debug, PartialEq)]
#[serde(untagged)]
pub enum SignIn<'a> {
    Password { login: &'a str, password: &'a str },
    Token { login: &'a str, token: &'a str },
}

#[derive(Deserialize, Debug)]
pub struct Session {
    pub login: String,
}

#[derive(Deserialize)]
struct EntityList {
    items: Vec<EntityJson>,
}

#[derive(Deserialize)]
struct EntityJson {
    id: String,
    name: String,
    full_path: String,
    depth: u32,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "snake_case")]
enum StatusKind {
    Available,
    Offline,
    ConnectionError,
    NotLinked,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "snake_case")]
enum RelayKind {
    Present,
    Absent,
    NotFound,
    NoAddress,
    Unknown,
}

impl From<RelayKind> for RelayPresence {
    fn from(r: RelayKind) -> Self {
        match r {
            RelayKind::Present => RelayPresence::Present,
            RelayKind::Absent => RelayPresence::Absent,
            RelayKind::NotFound => RelayPresence::NotFound,
            RelayKind::NoAddress => RelayPresence::NoAddress,
            RelayKind::Unknown => RelayPresence::Unknown,
        }
    }
}

#[derive(Deserialize)]
struct EntityRef {
    id: String,
}

#[derive(Deserialize)]
struct StatusJson {
    entity_id: String,
    checked_at: String,
    status: StatusKind,
    served_by: Option<EntityRef>,
    server_name: Option<String>,
    #[serde(default)]
    relay: Option<RelayKind>,
    statistics: Option<Statistics>,
}

#[derive(Deserialize)]
struct Statistics {
    computers: Computers,
    masters: u64,
    image_store: Option<ImageStoreJson>,
    filesystems: Vec<FilesystemJson>,
    memory: Option<MemoryJson>,
    uptime_seconds: Option<u64>,
}

#[derive(Deserialize)]
struct Computers {
    registered: u64,
    with_custom_boot_menu: Option<u64>,
    with_rescue_image: u64,
}

#[derive(Deserialize)]
struct ImageStoreJson {
    used_percent: f64,
    free_bytes: u64,
    size_bytes: Option<u64>,
}

#[derive(Deserialize)]
struct FilesystemJson {
    device: String,
    mount_point: String,
    size_bytes: u64,
    used_bytes: u64,
    available_bytes: u64,
}

#[derive(Deserialize)]
struct MemoryJson {
    total_bytes: u64,
    used_bytes: u64,
    free_bytes: u64,
    buff_cache_bytes: u64,
    available_bytes: u64,
    swap_total_bytes: u64,
    swap_used_bytes: u64,
}

#[derive(Deserialize)]
struct ActivityPage {
    items: Vec<ActivityJson>,
}

#[derive(Deserialize)]
struct ActivityJson {
    timestamp: Option<String>,
    computer: ComputerJson,
    message: String,
    phase: String,
    state: String,
}

#[derive(Deserialize)]
struct ComputerJson {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct Synchronisation {
    succeeded: bool,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    succeeded: bool,
    detail: String,
}

#[derive(Deserialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: String,
    title: String,
    detail: Option<String>,
}

fn kib(bytes: u64) -> u64 {
    bytes / 1024
}

fn json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::Malformed(format!("{what}: {e}")))
}

/// A failed answer as an error: 401 is signed out; otherwise the problem
/// document's type and detail when there is one, else the bare status.
pub fn failure(answer: &Answer) -> ApiError {
    if answer.status == 401 {
        return ApiError::SignedOut;
    }
    match serde_json::from_slice::<Problem>(&answer.body) {
        Ok(p) => ApiError::Problem {
            status: answer.status,
            kind: p.kind.strip_prefix(PROBLEM_PREFIX).unwrap_or(&p.kind).to_string(),
            detail: p.detail.unwrap_or(p.title),
        },
        Err(_) => ApiError::Http(answer.status),
    }
}

/// The body of a 2xx answer, or the error it stands for.
fn body(answer: &Answer) -> Result<&[u8], ApiError> {
    match answer.status {
        200..=299 => Ok(&answer.body),
        _ => Err(failure(answer)),
    }
}

pub fn entities_from(body: &[u8]) -> Result<Vec<Entity>, ApiError> {
    let list: EntityList = json(body, "entities")?;
    Ok(list
        .items
        .into_iter()
        .map(|e| Entity { uuid: e.id, name: e.name, completename: e.full_path, level: e.depth })
        .collect())
}

/// The report in `body`; `server_now_ms` is the gateway's clock when it
/// answered (its `Date`), which tells how old its shared check already was.
pub fn report_from(body: &[u8], server_now_ms: i64) -> Result<StatusReport, ApiError> {
    let s: StatusJson = json(body, "imaging-server-status")?;
    let checked_at = Timestamp::rfc3339_ms(&s.checked_at)
        .ok_or_else(|| ApiError::Malformed(format!("imaging-server-status: checked_at {:?}", s.checked_at)))?;
    let status = match (s.status, s.statistics) {
        (StatusKind::Available, Some(stats)) => ServerStatus::Available(Box::new(figures_from(stats))),
        (StatusKind::Available, None) => return Err(ApiError::Malformed("available without statistics".into())),
        (StatusKind::Offline, _) => ServerStatus::Offline(s.relay.map_or(RelayPresence::Unknown, RelayPresence::from)),
        (StatusKind::ConnectionError, _) => ServerStatus::ConnectionError,
        (StatusKind::NotLinked, _) => ServerStatus::NotLinked,
    };
    Ok(StatusReport {
        entity: s.entity_id,
        inherited_from: s.served_by.map(|e| e.id),
        server_name: s.server_name.filter(|n| !n.is_empty()),
        status,
        // A gateway's clock a little ahead of its own Date makes it 0.
        age_ms: u64::try_from(server_now_ms.saturating_sub(checked_at)).unwrap_or(0),
    })
}

/// The report about `entity`: a report about any other is refused, never
/// shown under this one's name.
pub fn report_for(body: &[u8], entity: &str, server_now_ms: i64) -> Result<StatusReport, ApiError> {
    let report = report_from(body, server_now_ms)?;
    if report.entity != entity {
        let about = &report.entity;
        return Err(ApiError::Malformed(format!(
            "imaging-server-status: asked about {entity}, answered about {about}"
        )));
    }
    Ok(report)
}

fn figures_from(s: Statistics) -> ServerFigures {
    ServerFigures {
        registered: s.computers.registered,
        custom_menus: s.computers.with_custom_boot_menu,
        rescue: s.computers.with_rescue_image,
        masters: s.masters,
        image_store: s.image_store.map(|i| ImageStore {
            used_percent: i.used_percent.clamp(0.0, 100.0),
            free_mib: i.free_bytes / (1024 * 1024),
            size_kib: i.size_bytes.map(kib),
        }),
        filesystems: s
            .filesystems
            .into_iter()
            .map(|f| Filesystem {
                device: f.device,
                mount: f.mount_point,
                size_kib: kib(f.size_bytes),
                used_kib: kib(f.used_bytes),
                available_kib: kib(f.available_bytes),
            })
            .collect(),
        memory: s.memory.map(|m| Memory {
            total_kib: kib(m.total_bytes),
            used_kib: kib(m.used_bytes),
            free_kib: kib(m.free_bytes),
            buff_cache_kib: kib(m.buff_cache_bytes),
            available_kib: kib(m.available_bytes),
            swap_total_kib: kib(m.swap_total_bytes),
            swap_used_kib: kib(m.swap_used_bytes),
        }),
        uptime_seconds: s.uptime_seconds,
        activity: Vec::new(),
    }
}

/// `2026-11-25T09:05:07` (the server's local time).
fn timestamp(text: &str) -> Option<Timestamp> {
    let (date, time) = text.split_once('T')?;
    let numbers: Vec<i64> = date.split('-').chain(time.split(':')).map(|n| n.parse().ok()).collect::<Option<_>>()?;
    (numbers.len() == 6).then(|| Timestamp::from_tuple(&numbers)).flatten()
}

pub fn activity_from(body: &[u8]) -> Result<Vec<Activity>, ApiError> {
    let page: ActivityPage = json(body, "imaging-activities")?;
    Ok(page
        .items
        .into_iter()
        .map(|a| Activity {
            timestamp: a.timestamp.as_deref().and_then(timestamp),
            computer: if a.computer.name.is_empty() { a.computer.id } else { a.computer.name },
            message: a.message,
            phase: Phase::from_label(&a.phase),
            state: match a.state.as_str() {
                "done" => ActivityState::Done,
                "running" => ActivityState::Running,
                "failed" => ActivityState::Failed,
                _ => ActivityState::Unknown,
            },
        })
        .collect())
}

pub fn sync_outcome_from(body: &[u8]) -> Result<SyncOutcome, ApiError> {
    let s: Synchronisation = json(body, "boot-menu-synchronisations")?;
    let failed: Vec<String> = s.steps.into_iter().filter(|step| !step.succeeded).map(|step| step.detail).collect();
    Ok(if s.succeeded && failed.is_empty() { SyncOutcome::Done } else { SyncOutcome::Failed(failed) })
}

impl RestClient {
    pub fn new(config: &Config) -> Self {
        Self {
            base: config.rest_url.trim_end_matches('/').to_string(),
            timeout_ms: config.request_timeout_seconds.saturating_mul(1000),
        }
    }

    async fn request(&self, method: Method, path: &str, body: Option<String>) -> Result<Answer, ApiError> {
        self.request_with(method, path, body, &[]).await
    }

    async fn request_with(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Result<Answer, ApiError> {
        let url = format!("{}/{path}", self.base);
        let body = body.map(|b| ("application/json", b));
        Fetch.send(Request { method, url: &url, body, headers, timeout_ms: self.timeout_ms }).await
    }

    async fn sign_in_with(&self, body: SignIn<'_>) -> Result<bool, ApiError> {
        let text = serde_json::to_string(&body).map_err(|e| ApiError::Malformed(e.to_string()))?;
        let answer = self.request(Method::Post, "sessions", Some(text)).await?;
        match answer.status {
            200..=299 => json::<Session>(&answer.body, "sessions").map(|_| true),
            401 => match serde_json::from_slice::<Problem>(&answer.body) {
                Ok(p) if p.kind == format!("{PROBLEM_PREFIX}invalid-credentials") => Ok(false),
                _ => Err(ApiError::Http(401)),
            },
            _ => Err(failure(&answer)),
        }
    }
}

/// Entity ids go into paths: anything but letters and digits is encoded.
fn segment(id: &str) -> String {
    id.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

impl ImagingApi for RestClient {
    async fn sign_in(&self, login: &str, password: &str) -> Result<bool, ApiError> {
        self.sign_in_with(SignIn::Password { login, password }).await
    }

    async fn sign_in_with_token(&self, login: &str, token: &str) -> Result<bool, ApiError> {
        self.sign_in_with(SignIn::Token { login, token }).await
    }

    async fn entities(&self) -> Result<Vec<Entity>, ApiError> {
        entities_from(body(&self.request(Method::Get, "entities", None).await?)?)
    }

    async fn status(&self, entity: &str, max_age: u32, _: &super::OnProgress<'_>) -> Result<StatusReport, ApiError> {
        let id = segment(entity);
        // The gateway shares its checks between users: how old one may be.
        let cache = if max_age == 0 { "no-cache".to_string() } else { format!("max-age={max_age}") };
        let path = format!("entities/{id}/imaging-server-status");
        let activities = format!("entities/{id}/imaging-activities?offset=0&limit={}", super::mmc_agent::ACTIVITY_LINES);
        // The activity is asked at the same time (one round trip), of the
        // same shared check, and used only if the server is available.
        let (answer, activity) = futures::future::join(
            self.request_with(Method::Get, &path, None, &[("Cache-Control", &cache)]),
            self.request_with(Method::Get, &activities, None, &[("Cache-Control", &cache)]),
        )
        .await;
        let answer = answer?;
        // The gateway's clock, so that its own clock's drift from the
        // browser's does not count; the browser's when it gives none.
        let server_now = answer.date.as_deref().and_then(Timestamp::http_date_ms);
        let server_now = server_now.unwrap_or_else(|| js_sys::Date::now() as i64);
        let mut report = report_for(body(&answer)?, entity, server_now)?;
        if let ServerStatus::Available(figures) = &mut report.status {
            // Activity is extra: only a lost session stops the report.
            match activity {
                Ok(a) if (200..300).contains(&a.status) => {
                    figures.activity = activity_from(&a.body).unwrap_or_default()
                }
                Ok(a) if a.status == 401 => return Err(ApiError::SignedOut),
                _ => {}
            }
        }
        Ok(report)
    }

    /// `DELETE /sessions/current`: the gateway ends the session and clears
    /// its cookie.
    async fn sign_out(&self) -> Result<(), ApiError> {
        body(&self.request(Method::Delete, "sessions/current", None).await?).map(|_| ())
    }

    async fn synchronise(&self, entity: &str) -> Result<SyncOutcome, ApiError> {
        let path = format!("entities/{}/boot-menu-synchronisations", segment(entity));
        let answer = self.request(Method::Post, &path, Some("{}".into())).await?;
        match (answer.status, failure(&answer)) {
            (200..=299, _) => sync_outcome_from(&answer.body),
            (409, ApiError::Problem { detail, .. }) => Ok(SyncOutcome::Failed(vec![detail])),
            (_, error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests;
