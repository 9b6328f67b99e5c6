//! The REST transport: the contract of `public/openapi.yaml`, spoken by a
//! gateway in front of the MMC agent. Same interface, timeouts and
//! cancellation as the agent client; the readers of its JSON are pure
//! functions, and any body (wrong types, cut JSON, an HTML page from a
//! proxy, nothing) becomes a typed error.

use super::http::{Answer, Fetch, Http, Method, Request};
use super::{ApiError, ImagingApi, Row, SyncOutcome};
use crate::config::Config;
use crate::domain::*;
use crate::json::{self, Json};

/// What the overview's request may take beyond `request_timeout_seconds`.
pub const OVERVIEW_EXTRA_MS: u32 = 120_000;

/// The prefix of every problem `type` of the contract.
pub const PROBLEM_PREFIX: &str = "urn:medulla:problem:";

pub struct RestClient {
    base: String,
    timeout_ms: u32,
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
        let (login, key, secret) = match self {
            SignIn::Password { login, password } => (login, "password", password),
            SignIn::Token { login, token } => (login, "token", token),
        };
        json::object([("login", (*login).into()), (key, (*secret).into())]).to_string()
    }
}

/// An object of the contract, read field by field; `what` names it in the
/// errors. Absent and `null` are the same for an optional field.
#[derive(Clone, Copy)]
struct Obj<'a> {
    json: &'a Json,
    what: &'a str,
}

impl<'a> Obj<'a> {
    fn new(json: &'a Json, what: &'a str) -> Result<Self, ApiError> {
        match json {
            Json::Object(_) => Ok(Self { json, what }),
            other => Err(ApiError::Malformed(format!("{what}: expected an object, found {other}"))),
        }
    }

    fn wrong(&self, key: &str, expected: &str) -> ApiError {
        ApiError::Malformed(format!("{}: {key}: expected {expected}", self.what))
    }

    fn opt(&self, key: &str) -> Option<&'a Json> {
        self.json.get(key).filter(|v| !v.is_null())
    }

    fn read<T>(&self, key: &str, expected: &str, read: impl Fn(&'a Json) -> Option<T>) -> Result<T, ApiError> {
        self.opt(key).and_then(read).ok_or_else(|| self.wrong(key, expected))
    }

    fn read_opt<T>(
        &self,
        key: &str,
        expected: &str,
        read: impl Fn(&'a Json) -> Option<T>,
    ) -> Result<Option<T>, ApiError> {
        self.opt(key).map(|v| read(v).ok_or_else(|| self.wrong(key, expected))).transpose()
    }

    fn str(&self, key: &str) -> Result<String, ApiError> {
        self.read(key, "a string", |v| v.as_str().map(String::from))
    }

    fn opt_str(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.read_opt(key, "a string", |v| v.as_str().map(String::from))
    }

    fn u64(&self, key: &str) -> Result<u64, ApiError> {
        self.read(key, "a whole number", Json::as_u64)
    }

    fn opt_u64(&self, key: &str) -> Result<Option<u64>, ApiError> {
        self.read_opt(key, "a whole number", Json::as_u64)
    }

    /// An RFC 3339 time, in ms since 1970.
    fn time_ms(&self, key: &str) -> Result<i64, ApiError> {
        self.read(key, "an RFC 3339 time", |v| v.as_str().and_then(Timestamp::rfc3339_ms))
    }

    fn bool(&self, key: &str) -> Result<bool, ApiError> {
        self.read(key, "true or false", Json::as_bool)
    }

    fn obj(&self, key: &str) -> Result<Obj<'a>, ApiError> {
        Obj::new(self.opt(key).ok_or_else(|| self.wrong(key, "an object"))?, self.what)
    }

    fn opt_obj(&self, key: &str) -> Result<Option<Obj<'a>>, ApiError> {
        self.opt(key).map(|v| Obj::new(v, self.what)).transpose()
    }

    /// The array `key`, each item an object.
    fn objects(&self, key: &str) -> Result<Vec<Obj<'a>>, ApiError> {
        let items = self.read(key, "an array", Json::as_array)?;
        items.iter().map(|item| Obj::new(item, self.what)).collect()
    }

    /// One of `names`, as its index.
    fn one_of(&self, key: &str, names: &[&str]) -> Result<usize, ApiError> {
        self.read(key, &names.join(" or "), |v| names.iter().position(|n| Some(*n) == v.as_str()))
    }
}

/// The object in `body`, named `what` in errors.
fn read<T>(body: &[u8], what: &str, read: impl FnOnce(Obj) -> Result<T, ApiError>) -> Result<T, ApiError> {
    let json = json::parse_bytes(body).map_err(|e| ApiError::Malformed(format!("{what}: {e}")))?;
    read(Obj::new(&json, what)?)
}

fn kib(bytes: u64) -> u64 {
    bytes / 1024
}

/// The problem document in `body`: its type, and its detail (else its
/// title).
fn problem(body: &[u8]) -> Option<(String, String)> {
    read(body, "problem", |p| {
        let detail = match p.opt_str("detail")? {
            Some(detail) => detail,
            None => p.str("title")?,
        };
        Ok((p.str("type")?, detail))
    })
    .ok()
}

/// A failed answer as an error: 401 is signed out; otherwise the problem
/// document's type and detail when there is one, else the bare status.
pub fn failure(answer: &Answer) -> ApiError {
    if answer.status == 401 {
        return ApiError::SignedOut;
    }
    match problem(&answer.body) {
        Some((kind, detail)) => {
            let kind = kind.strip_prefix(PROBLEM_PREFIX).unwrap_or(&kind).to_string();
            ApiError::Problem { status: answer.status, kind, detail }
        }
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
    read(body, "entities", |list| {
        list.objects("items")?
            .into_iter()
            .map(|e| {
                let depth = e.u64("depth")?;
                Ok(Entity {
                    uuid: e.str("id")?,
                    name: e.str("name")?,
                    completename: e.str("full_path")?,
                    level: u32::try_from(depth).map_err(|_| e.wrong("depth", "a depth"))?,
                })
            })
            .collect()
    })
}

/// The report in `body`; `server_now_ms` is the gateway's clock when it
/// answered (its `Date`), which tells how old its shared check already was.
pub fn report_from(body: &[u8], server_now_ms: i64) -> Result<StatusReport, ApiError> {
    read(body, "imaging-server-status", |s| report_in(s, server_now_ms))
}

/// The report in the contract's `ImagingServerStatus` object `s`.
fn report_in(s: Obj, server_now_ms: i64) -> Result<StatusReport, ApiError> {
    let checked_at = s.time_ms("checked_at")?;
    // How long before the check `key`'s time was.
    let before_check =
        |o: Obj, key| Ok::<_, ApiError>(u64::try_from(checked_at.saturating_sub(o.time_ms(key)?)).unwrap_or(0));
    let since = match s.opt_obj("since")? {
        Some(o) => Some(Since { held_ms: before_check(o, "at")?, change_seen: o.bool("change_seen")? }),
        None => None,
    };
    let last_available = match s.opt_obj("last_available")? {
        Some(o) => Some(LastKnown {
            figures: Box::new(figures_from(o.obj("statistics")?)?),
            age_ms: before_check(o, "checked_at")?,
        }),
        None => None,
    };
    let relays = [
        ("present", RelayPresence::Present),
        ("absent", RelayPresence::Absent),
        ("not_found", RelayPresence::NotFound),
        ("no_address", RelayPresence::NoAddress),
        ("unknown", RelayPresence::Unknown),
    ];
    let relay = match s.opt("relay") {
        None => None,
        Some(_) => Some(relays[s.one_of("relay", &relays.map(|r| r.0))?].1),
    };
    let status = match s.one_of("status", &["available", "offline", "connection_error", "not_linked"])? {
        0 => match s.opt_obj("statistics")? {
            Some(stats) => ServerStatus::Available(Box::new(figures_from(stats)?)),
            None => return Err(ApiError::Malformed("available without statistics".into())),
        },
        1 => ServerStatus::Offline(relay.unwrap_or(RelayPresence::Unknown)),
        2 => ServerStatus::ConnectionError,
        _ => ServerStatus::NotLinked,
    };
    Ok(StatusReport {
        entity: s.str("entity_id")?,
        inherited_from: s.opt_obj("served_by")?.map(|e| e.str("id")).transpose()?,
        server_name: s.opt_str("server_name")?.filter(|n| !n.is_empty()),
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
    let json = json::parse_bytes(body).map_err(|e| ApiError::Malformed(format!("imaging-overview: {e}")))?;
    let o = Obj::new(&json, "imaging-overview")?;
    let mut rows = Vec::new();
    for item in o.objects("items")? {
        let report = report_in(item, server_now_ms)?;
        rows.push((report.entity.clone(), Ok(report)));
    }
    for item in o.objects("unreachable")? {
        let problem = item.obj("problem")?;
        let kind = problem.str("type")?;
        let error = ApiError::Problem {
            status: problem.u64("status")?.min(599) as u16,
            kind: kind.strip_prefix(PROBLEM_PREFIX).unwrap_or(&kind).to_string(),
            detail: problem.str("detail")?,
        };
        rows.push((item.str("entity_id")?, Err(error)));
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

fn figures_from(s: Obj) -> Result<ServerFigures, ApiError> {
    let computers = s.obj("computers")?;
    Ok(ServerFigures {
        registered: computers.u64("registered")?,
        custom_menus: computers.opt_u64("with_custom_boot_menu")?,
        rescue: computers.u64("with_rescue_image")?,
        masters: s.u64("masters")?,
        image_store: match s.opt_obj("image_store")? {
            Some(i) => Some(ImageStore {
                used_percent: i.read("used_percent", "a number", Json::as_f64)?.clamp(0.0, 100.0),
                free_mib: i.u64("free_bytes")? / (1024 * 1024),
                size_kib: i.opt_u64("size_bytes")?.map(kib),
            }),
            None => None,
        },
        filesystems: s
            .objects("filesystems")?
            .into_iter()
            .map(|f| {
                Ok(Filesystem {
                    device: f.str("device")?,
                    mount: f.str("mount_point")?,
                    size_kib: kib(f.u64("size_bytes")?),
                    used_kib: kib(f.u64("used_bytes")?),
                    available_kib: kib(f.u64("available_bytes")?),
                })
            })
            .collect::<Result<_, ApiError>>()?,
        memory: match s.opt_obj("memory")? {
            Some(m) => Some(Memory {
                total_kib: kib(m.u64("total_bytes")?),
                used_kib: kib(m.u64("used_bytes")?),
                free_kib: kib(m.u64("free_bytes")?),
                buff_cache_kib: kib(m.u64("buff_cache_bytes")?),
                available_kib: kib(m.u64("available_bytes")?),
                swap_total_kib: kib(m.u64("swap_total_bytes")?),
                swap_used_kib: kib(m.u64("swap_used_bytes")?),
            }),
            None => None,
        },
        uptime_seconds: s.opt_u64("uptime_seconds")?,
        activity: Vec::new(),
        counts_pending: false,
    })
}

/// `2026-11-25T09:05:07` (the server's local time).
fn timestamp(text: &str) -> Option<Timestamp> {
    let (date, time) = text.split_once('T')?;
    let numbers: Vec<i64> = date.split('-').chain(time.split(':')).map(|n| n.parse().ok()).collect::<Option<_>>()?;
    (numbers.len() == 6).then(|| Timestamp::from_tuple(&numbers)).flatten()
}

pub fn activity_from(body: &[u8]) -> Result<Vec<Activity>, ApiError> {
    read(body, "imaging-activities", |page| {
        page.objects("items")?
            .into_iter()
            .map(|a| {
                let computer = a.obj("computer")?;
                let (id, name) = (computer.str("id")?, computer.str("name")?);
                Ok(Activity {
                    timestamp: a.opt_str("timestamp")?.as_deref().and_then(timestamp),
                    computer: if name.is_empty() { id } else { name },
                    message: a.str("message")?,
                    phase: Phase::from_label(&a.str("phase")?),
                    state: match a.str("state")?.as_str() {
                        "done" => ActivityState::Done,
                        "running" => ActivityState::Running,
                        "failed" => ActivityState::Failed,
                        _ => ActivityState::Unknown,
                    },
                })
            })
            .collect()
    })
}

pub fn sync_outcome_from(body: &[u8]) -> Result<SyncOutcome, ApiError> {
    read(body, "boot-menu-synchronisations", |s| {
        let mut failed = Vec::new();
        for step in s.objects("steps")? {
            let detail = step.str("detail")?;
            if !step.bool("succeeded")? {
                failed.push(detail);
            }
        }
        Ok(if s.bool("succeeded")? && failed.is_empty() { SyncOutcome::Done } else { SyncOutcome::Failed(failed) })
    })
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
        Fetch.send(Request { method, url: &url, body, headers, timeout_ms, waits_on_server: false }).await
    }

    async fn sign_in_with(&self, body: SignIn<'_>) -> Result<bool, ApiError> {
        let answer = self.request(Method::Post, "sessions", Some(body.body())).await?;
        match answer.status {
            200..=299 => read(&answer.body, "sessions", |session| session.str("login")).map(|_| true),
            401 => match problem(&answer.body) {
                Some((kind, _)) if kind.strip_prefix(PROBLEM_PREFIX) == Some("invalid-credentials") => Ok(false),
                _ => Err(ApiError::Http(401)),
            },
            _ => Err(failure(&answer)),
        }
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
        let cache = cache_control(max_age);
        let path = format!("entities/{id}/imaging-server-status");
        let activities =
            format!("entities/{id}/imaging-activities?offset=0&limit={}", super::mmc_agent::ACTIVITY_LINES);
        // The activity is asked at the same time (one round trip), of the
        // same shared check, and used only if the server is available.
        let (answer, activity) = futures::future::join(
            self.request_with(Method::Get, &path, None, &[("Cache-Control", &cache)]),
            self.request_with(Method::Get, &activities, None, &[("Cache-Control", &cache)]),
        )
        .await;
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
        let timeout_ms = self.timeout_ms.saturating_add(OVERVIEW_EXTRA_MS);
        let headers = [("Cache-Control", cache.as_str())];
        let answer = self.request_within(Method::Get, "imaging-overview", None, &headers, timeout_ms).await?;
        for (entity, row) in overview_from(body(&answer)?, server_now(&answer))? {
            on_row(&entity, row);
        }
        Ok(())
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
