//! The REST transport: the contract of `public/openapi.yaml`, spoken by a
//! gateway in front of the MMC agent. Same interface, timeouts and
//! cancellation as the agent client; the readers of its JSON are pure
//! functions, and any body (wrong types, cut JSON, an HTML page from a
//! proxy, nothing) becomes a typed error.

use super::http::{Answer, Fetch, Http, Method, Request};
use super::{ApiError, ImagingApi, Row, SyncOutcome};
use crate::config::Config;
use crate::domain::*;
use crate::sync::lock;
use futures::channel::oneshot;
use std::sync::Mutex;

/// What the overview's request may take beyond `request_timeout_seconds`.
pub const OVERVIEW_EXTRA_MS: u32 = 120_000;

/// The prefix of every problem `type` of the contract.
pub const PROBLEM_PREFIX: &str = "urn:medulla:problem:";

pub mod wire;

pub struct RestClient {
    at: Endpoint,
    /// The status of the entity most likely shown first, asked with the
    /// entity list (see [`RestClient::look_ahead`]).
    ahead: Mutex<Option<(String, oneshot::Receiver<StatusAnswers>)>>,
}

/// Where the gateway is, and how long a request may take.
#[derive(Clone)]
struct Endpoint {
    base: String,
    timeout_ms: u32,
}

/// The answers a status is read from: the status, and the activity.
type StatusAnswers = (Result<Answer, ApiError>, Result<Answer, ApiError>);

/// The body of `POST /sessions`.
#[derive(Debug, PartialEq)]
pub enum SignIn<'a> {
    Password { login: &'a str, password: &'a str },
    Token { login: &'a str, token: &'a str },
}

impl SignIn<'_> {
    /// As JSON.
    pub fn body(&self) -> String {
        let body = match *self {
            SignIn::Password { login, password } => {
                wire::SignIn { login: login.into(), password: Some(password.into()), token: None }
            }
            SignIn::Token { login, token } => {
                wire::SignIn { login: login.into(), password: None, token: Some(token.into()) }
            }
        };
        wire::encode(&body)
    }
}

/// The contract's object in `body`, named `what` in errors.
fn read<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    wire::decode(body, what).map_err(ApiError::Malformed)
}

fn kib(bytes: u64) -> u64 {
    bytes / 1024
}

/// The problem document in `body`, if it is one.
fn problem(body: &[u8]) -> Option<wire::Problem> {
    read(body, "problem").ok()
}

/// `problem`, answered with `status`, as an error: its type without the
/// contract's prefix, and its detail (else its title).
fn problem_error(problem: wire::Problem, status: u16) -> ApiError {
    let kind = problem.kind.strip_prefix(PROBLEM_PREFIX).unwrap_or(&problem.kind).to_string();
    ApiError::Problem { status, kind, detail: problem.detail.unwrap_or(problem.title) }
}

/// A failed answer as an error: 401 is signed out; otherwise the problem
/// document's type and detail when there is one, else the bare status.
pub fn failure(answer: &Answer) -> ApiError {
    if answer.status == 401 {
        return ApiError::SignedOut;
    }
    match problem(&answer.body) {
        Some(problem) => problem_error(problem, answer.status),
        None => ApiError::Http(answer.status),
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
    let list: wire::EntityList = read(body, "entities")?;
    Ok(list
        .items
        .into_iter()
        .map(|e| Entity { uuid: e.id, name: e.name, completename: e.full_path, level: e.depth })
        .collect())
}

/// The report in `body`; `server_now_ms` is the gateway's clock when it
/// answered (its `Date`), which tells how old its shared check already was.
pub fn report_from(body: &[u8], server_now_ms: i64) -> Result<StatusReport, ApiError> {
    report_in(read(body, "imaging-server-status")?, server_now_ms)
}

/// An RFC 3339 time of the contract, in ms since 1970.
fn time_ms(text: &str, key: &str) -> Result<i64, ApiError> {
    let wrong = || ApiError::Malformed(format!("imaging-server-status: {key}: expected an RFC 3339 time"));
    Timestamp::rfc3339_ms(text).ok_or_else(wrong)
}

/// The report in the contract's `ImagingServerStatus` object `s`.
fn report_in(s: wire::ServerStatus, server_now_ms: i64) -> Result<StatusReport, ApiError> {
    let checked_at = time_ms(&s.checked_at, "checked_at")?;
    // How long before the check a time was.
    let before_check = |at: i64| u64::try_from(checked_at.saturating_sub(at)).unwrap_or(0);
    let since = match s.since {
        Some(o) => Some(Since { held_ms: before_check(time_ms(&o.at, "since.at")?), change_seen: o.change_seen }),
        None => None,
    };
    let last_available = match s.last_available {
        Some(o) => Some(LastKnown {
            figures: Box::new(figures_from(o.statistics)),
            age_ms: before_check(time_ms(&o.checked_at, "last_available.checked_at")?),
        }),
        None => None,
    };
    let relay = s.relay.map(|r| match r {
        wire::Relay::Present => RelayPresence::Present,
        wire::Relay::Absent => RelayPresence::Absent,
        wire::Relay::NotFound => RelayPresence::NotFound,
        wire::Relay::NoAddress => RelayPresence::NoAddress,
        wire::Relay::Unknown => RelayPresence::Unknown,
    });
    let status = match s.status {
        wire::Status::Available => match s.statistics {
            Some(stats) => ServerStatus::Available(Box::new(figures_from(stats))),
            None => return Err(ApiError::Malformed("available without statistics".into())),
        },
        wire::Status::Offline => ServerStatus::Offline(relay.unwrap_or(RelayPresence::Unknown)),
        wire::Status::ConnectionError => ServerStatus::ConnectionError,
        wire::Status::NotLinked => ServerStatus::NotLinked,
    };
    Ok(StatusReport {
        entity: s.entity_id,
        inherited_from: s.served_by.map(|e| e.id),
        server_name: s.server_name.filter(|n| !n.is_empty()),
        status,
        // A gateway's clock a little ahead of its own Date makes it 0.
        age_ms: u64::try_from(server_now_ms.saturating_sub(checked_at)).unwrap_or(0),
        since,
        last_available,
    })
}

/// The rows of an overview: each entity's status, or the problem that
/// kept it unknown (`unreachable`). An item that cannot be read is an
/// error for the whole answer.
pub fn overview_from(body: &[u8], server_now_ms: i64) -> Result<Vec<Row>, ApiError> {
    let overview: wire::Overview = read(body, "imaging-overview")?;
    let mut rows = Vec::new();
    for item in overview.items {
        let report = report_in(item, server_now_ms)?;
        rows.push((report.entity.clone(), Ok(report)));
    }
    for item in overview.unreachable {
        let status = item.problem.status;
        rows.push((item.entity_id, Err(problem_error(item.problem, status))));
    }
    Ok(rows)
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

fn figures_from(s: wire::Statistics) -> ServerFigures {
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
        counts_pending: false,
    }
}

/// `2026-11-25T09:05:07` (the server's local time).
fn timestamp(text: &str) -> Option<Timestamp> {
    let (date, time) = text.split_once('T')?;
    let numbers: Vec<i64> = date.split('-').chain(time.split(':')).map(|n| n.parse().ok()).collect::<Option<_>>()?;
    (numbers.len() == 6).then(|| Timestamp::from_tuple(&numbers)).flatten()
}

pub fn activity_from(body: &[u8]) -> Result<Vec<Activity>, ApiError> {
    let page: wire::ActivityPage = read(body, "imaging-activities")?;
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
    let s: wire::Synchronisation = read(body, "boot-menu-synchronisations")?;
    let failed: Vec<String> = s.steps.into_iter().filter(|step| !step.succeeded).map(|step| step.detail).collect();
    Ok(if s.succeeded && failed.is_empty() { SyncOutcome::Done } else { SyncOutcome::Failed(failed) })
}

impl RestClient {
    pub fn new(config: &Config) -> Self {
        let at = Endpoint {
            base: config.rest_url.trim_end_matches('/').to_string(),
            timeout_ms: config.request_timeout_seconds.saturating_mul(1000),
        };
        Self { at, ahead: Mutex::default() }
    }

    /// Asks now, in the same round as the entity list that also checks the
    /// session, the status of `entity`, most likely the first shown: the
    /// gateway knows what serves it, so its status is on screen with the
    /// list. Kept for the first check of `entity` that accepts a check
    /// `max_age` old; left unread when another entity is shown first (the
    /// list decides what may be shown).
    pub fn look_ahead(&self, entity: &str, max_age: u32) {
        let (answers, ahead) = oneshot::channel();
        let (at, id) = (self.at.clone(), entity.to_string());
        wasm_bindgen_futures::spawn_local(async move {
            let _ = answers.send(at.status_answers(&id, max_age).await);
        });
        *lock(&self.ahead) = Some((entity.to_string(), ahead));
    }

    async fn sign_in_with(&self, body: SignIn<'_>) -> Result<bool, ApiError> {
        // What was asked ahead of another session is not this one's.
        *lock(&self.ahead) = None;
        let answer = self.at.request(Method::Post, "sessions", Some(body.body())).await?;
        match answer.status {
            200..=299 => read::<wire::Session>(&answer.body, "sessions").map(|_| true),
            401 => match problem(&answer.body).map(|p| problem_error(p, 401)) {
                Some(ApiError::Problem { kind, .. }) if kind == "invalid-credentials" => Ok(false),
                _ => Err(ApiError::Http(401)),
            },
            _ => Err(failure(&answer)),
        }
    }
}

impl Endpoint {
    /// What a status of `entity` is read from, in one round trip: the
    /// activity is asked at the same time, of the same shared check.
    async fn status_answers(&self, entity: &str, max_age: u32) -> StatusAnswers {
        let id = segment(entity);
        let cache = cache_control(max_age);
        let path = format!("entities/{id}/imaging-server-status");
        let activities =
            format!("entities/{id}/imaging-activities?offset=0&limit={}", super::mmc_agent::ACTIVITY_LINES);
        futures::future::join(
            self.request_with(Method::Get, &path, None, &[("Cache-Control", &cache)]),
            self.request_with(Method::Get, &activities, None, &[("Cache-Control", &cache)]),
        )
        .await
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
        self.request_within(method, path, body, headers, self.timeout_ms).await
    }

    async fn request_within(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
        timeout_ms: u32,
    ) -> Result<Answer, ApiError> {
        let url = format!("{}/{path}", self.base);
        let body = body.map(|b| ("application/json", b));
        let request =
            Request { method, url: &url, body, headers, timeout_ms, waits_on_server: false, cached_if_current: false };
        Fetch.send(request).await
    }
}

/// The gateway shares its checks between users: how old one may be.
fn cache_control(max_age: u32) -> String {
    if max_age == 0 {
        "no-cache".to_string()
    } else {
        format!("max-age={max_age}")
    }
}

/// The gateway's clock when it answered (its `Date`), so that its drift
/// from the browser's does not count; the browser's when it gives none.
fn server_now(answer: &Answer) -> i64 {
    let server_now = answer.date.as_deref().and_then(Timestamp::http_date_ms);
    server_now.unwrap_or_else(|| js_sys::Date::now() as i64)
}

/// Entity ids go into paths, encoded.
fn segment(id: &str) -> String {
    crate::config::url_encode(id)
}

impl ImagingApi for RestClient {
    async fn sign_in(&self, login: &str, password: &str) -> Result<bool, ApiError> {
        self.sign_in_with(SignIn::Password { login, password }).await
    }

    async fn sign_in_with_token(&self, login: &str, token: &str) -> Result<bool, ApiError> {
        self.sign_in_with(SignIn::Token { login, token }).await
    }

    async fn entities(&self) -> Result<Vec<Entity>, ApiError> {
        entities_from(body(&self.at.request(Method::Get, "entities", None).await?)?)
    }

    async fn status(&self, entity: &str, max_age: u32, _: &super::OnProgress<'_>) -> Result<StatusReport, ApiError> {
        // Asked ahead: taken once, by a check that accepts a shared one.
        let ahead = lock(&self.ahead).take().filter(|(e, _)| e == entity && max_age > 0);
        let asked = match ahead {
            Some((_, answers)) => answers.await.ok(),
            None => None,
        };
        let (answer, activity) = match asked {
            Some(answers) => answers,
            None => self.at.status_answers(entity, max_age).await,
        };
        // The activity is used only if the server is available.
        let answer = answer?;
        let mut report = report_for(body(&answer)?, entity, server_now(&answer))?;
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

    /// `GET /imaging-overview`: the gateway answers from its shared checks,
    /// one per imaging server.
    async fn overview(&self, _entities: &[Entity], max_age: u32, on_row: &super::OnRow<'_>) -> Result<(), ApiError> {
        let cache = cache_control(max_age);
        // A gateway that has not learnt what serves thousands of entities
        // learns it first (3 agent calls each): more than a usual request.
        let timeout_ms = self.at.timeout_ms.saturating_add(OVERVIEW_EXTRA_MS);
        let headers = [("Cache-Control", cache.as_str())];
        let answer = self.at.request_within(Method::Get, "imaging-overview", None, &headers, timeout_ms).await?;
        for (entity, row) in overview_from(body(&answer)?, server_now(&answer))? {
            on_row(&entity, row);
        }
        Ok(())
    }

    /// `DELETE /sessions/current`: the gateway ends the session and clears
    /// its cookie.
    async fn sign_out(&self) -> Result<(), ApiError> {
        *lock(&self.ahead) = None;
        body(&self.at.request(Method::Delete, "sessions/current", None).await?).map(|_| ())
    }

    async fn synchronise(&self, entity: &str) -> Result<SyncOutcome, ApiError> {
        let path = format!("entities/{}/boot-menu-synchronisations", segment(entity));
        let answer = self.at.request(Method::Post, &path, Some("{}".into())).await?;
        match (answer.status, failure(&answer)) {
            (200..=299, _) => sync_outcome_from(&answer.body),
            (409, ApiError::Problem { detail, .. }) => Ok(SyncOutcome::Failed(vec![detail])),
            (_, error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests;
