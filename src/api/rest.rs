//! The REST transport: the contract of `public/openapi.yaml`, spoken by a
//! gateway in front of the MMC agent. Same interface, timeouts and
//! cancellation as the agent client; the readers of its JSON are pure
//! functions (`answers.rs`), and any body (wrong types, cut JSON, an HTML
//! page from a proxy, nothing) becomes a typed error.

use super::http::{Answer, Fetch, Http, Method, Request};
use super::{ApiError, ImagingApi, SyncOutcome};
use crate::config::Config;
use crate::domain::*;
use crate::sync::lock;
use futures::channel::oneshot;
use futures::future::{FutureExt, Shared};
use std::sync::Mutex;

/// What the overview's request may take beyond `request_timeout_seconds`.
pub const OVERVIEW_EXTRA_MS: u32 = 120_000;

/// The prefix of every problem `type` of the contract.
pub const PROBLEM_PREFIX: &str = "urn:medulla:problem:";

mod answers;
pub mod wire;

pub use answers::*;

pub struct RestClient {
    at: Endpoint,
    /// The status of the entity most likely shown first, asked with the
    /// entity list (see [`RestClient::look_ahead`]).
    ahead: Mutex<Option<Ahead>>,
}

/// A status asked ahead: for which entity, and its report, shared: the
/// first check takes it, the tab's start may look at it before (see
/// [`RestClient::ahead_answered`], [`RestClient::ahead_report`]).
struct Ahead {
    entity: String,
    report: Shared<oneshot::Receiver<Result<StatusReport, ApiError>>>,
}

/// Where the gateway is, and how long a request may take.
#[derive(Clone)]
struct Endpoint {
    base: String,
    timeout_ms: u32,
}

/// The answers a status is read from: the status, and the activity.
type StatusAnswers = (Result<Answer, ApiError>, Result<Answer, ApiError>);

/// `entity`'s report, read from its status's answers (the activity only
/// when the server is available).
fn report_from_answers((answer, activity): StatusAnswers, entity: &str) -> Result<StatusReport, ApiError> {
    let answer = answer?;
    let mut report = report_for(body(&answer)?, entity, server_now(&answer))?;
    if let ServerStatus::Available(figures) = &mut report.status {
        // Activity is extra: only a lost session stops the report.
        match activity {
            Ok(a) if (200..300).contains(&a.status) => figures.activity = activity_from(&a.body).unwrap_or_default(),
            Ok(a) if a.status == 401 => return Err(ApiError::SignedOut),
            _ => {}
        }
    }
    Ok(report)
}

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
        let (send, report) = oneshot::channel();
        let (at, id) = (self.at.clone(), entity.to_string());
        crate::task::spawn_now(async move {
            let _ = send.send(report_from_answers(at.status_answers(&id, max_age).await, &id));
        });
        *lock(&self.ahead) = Some(Ahead { entity: entity.to_string(), report: report.shared() });
    }

    /// The status of `entity` asked ahead, if [`Self::ahead_answered`] has
    /// seen it in and it was read: left for the first check all the same.
    pub fn ahead_report(&self, entity: &str) -> Option<StatusReport> {
        let ahead = lock(&self.ahead);
        let ahead = ahead.as_ref().filter(|a| a.entity == entity)?;
        ahead.report.peek()?.as_ref().ok()?.as_ref().ok().cloned()
    }

    /// Ends when the status asked ahead has its answers (at once if none
    /// was asked), leaving them for the check that takes them.
    pub fn ahead_answered(&self) -> impl std::future::Future<Output = ()> + 'static {
        let report = lock(&self.ahead).as_ref().map(|a| a.report.clone());
        async move {
            if let Some(report) = report {
                let _ = report.await;
            }
        }
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

impl RestClient {
    /// `GET /entities/{id}/history?days=N`: what the gateway's database has
    /// of the entity's imaging server.
    pub async fn history(&self, entity: &str, days: u32) -> Result<HistoryView, ApiError> {
        let path = format!("entities/{}/history?days={days}", segment(entity));
        history_from(body(&self.at.request(Method::Get, &path, None).await?)?)
    }

    /// `GET /history-summary`: the overview's columns, by server owner.
    pub async fn history_summary(&self) -> Result<Vec<(String, HistorySummary)>, ApiError> {
        summaries_from(body(&self.at.request(Method::Get, "history-summary", None).await?)?)
    }
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
        let ahead = lock(&self.ahead).take().filter(|a| a.entity == entity && max_age > 0);
        if let Some(ahead) = ahead {
            if let Ok(read) = ahead.report.await {
                return read;
            }
        }
        report_from_answers(self.at.status_answers(entity, max_age).await, entity)
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
