//! The readers of the gateway's answers: pure functions from a body of the
//! contract to the domain's types; any other body is a typed error.

use super::{wire, PROBLEM_PREFIX};
use crate::api::http::Answer;
use crate::api::{ApiError, Row, SyncOutcome};
use crate::domain::*;

/// The contract's object in `body`, named `what` in errors.
pub(super) fn read<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    wire::decode(body, what).map_err(ApiError::Malformed)
}

pub(super) fn kib(bytes: u64) -> u64 {
    bytes / 1024
}

/// The problem document in `body`, if it is one.
pub(super) fn problem(body: &[u8]) -> Option<wire::Problem> {
    read(body, "problem").ok()
}

/// `problem`, answered with `status`, as an error: its type without the
/// contract's prefix, and its detail (else its title).
pub(super) fn problem_error(problem: wire::Problem, status: u16) -> ApiError {
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
pub(super) fn body(answer: &Answer) -> Result<&[u8], ApiError> {
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

/// An RFC 3339 time of the contract's object `what`, in ms since 1970.
pub(super) fn time_in(what: &str, text: &str, key: &str) -> Result<i64, ApiError> {
    let wrong = || ApiError::Malformed(format!("{what}: {key}: expected an RFC 3339 time"));
    Timestamp::rfc3339_ms(text).ok_or_else(wrong)
}

/// The same, of a status (`ImagingServerStatus`).
pub(super) fn time_ms(text: &str, key: &str) -> Result<i64, ApiError> {
    time_in("imaging-server-status", text, key)
}

/// The same, of a history's time: after 1970.
fn history_ms(what: &str, text: &str, key: &str) -> Result<u64, ApiError> {
    let ms = time_in(what, text, key)?;
    u64::try_from(ms).map_err(|_| ApiError::Malformed(format!("{what}: {key}: before 1970")))
}

/// The report in the contract's `ImagingServerStatus` object `s`.
pub(super) fn report_in(s: wire::ServerStatus, server_now_ms: i64) -> Result<StatusReport, ApiError> {
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

/// The figures a contract's `statistics` says (the gateway's history
/// reads back those it stored the same way).
pub fn figures_from(s: wire::Statistics) -> ServerFigures {
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
pub(super) fn timestamp(text: &str) -> Option<Timestamp> {
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

/// A history of the contract (`History`): its spans (those of a status the
/// tab does not know are left out) and its image store's samples.
pub fn history_from(body: &[u8]) -> Result<HistoryView, ApiError> {
    let h: wire::History = read(body, "history")?;
    let at = |text: &str, key: &str| history_ms("history", text, key);
    let (from_ms, to_ms) = (at(&h.from, "from")?, at(&h.to, "to")?);
    let mut spans = Vec::with_capacity(h.spans.len());
    for s in &h.spans {
        let (from_ms, to_ms, kind) = (at(&s.from, "spans.from")?, at(&s.to, "spans.to")?, s.status.into());
        let span = timeline::Span { from_ms, to_ms, kind };
        if span.from_ms > span.to_ms || spans.last().is_some_and(|l: &timeline::Span| l.to_ms > span.from_ms) {
            return Err(ApiError::Malformed("history: spans out of order".into()));
        }
        spans.push(span);
    }
    let mut samples = Vec::with_capacity(h.samples.len());
    for s in &h.samples {
        if let Some(free) = s.store_free_bytes {
            let size = s.store_size_bytes.map(|b| b as f64);
            samples.push(StoreSample { at_ms: at(&s.at, "samples.at")?, free_bytes: free as f64, size_bytes: size });
        }
    }
    let source = match h.recorded {
        true => HistorySource::Gateway { monitored: h.monitored },
        false => HistorySource::NotRecorded,
    };
    Ok(HistoryView { from_ms, to_ms, spans, samples, source })
}

/// The overview's columns (`HistorySummaries`): each server's (by the
/// entity that owns it) availability and store trend.
pub fn summaries_from(body: &[u8]) -> Result<Vec<(String, HistorySummary)>, ApiError> {
    let s: wire::HistorySummaries = read(body, "history-summary")?;
    let mut out = Vec::with_capacity(s.items.len());
    for item in s.items {
        let a = &item.availability;
        let availability = timeline::Availability {
            period_ms: a.period_seconds.saturating_mul(1000),
            observed_ms: a.observed_seconds.saturating_mul(1000),
            available_ms: a.available_seconds.saturating_mul(1000),
        };
        let trend = match item.store_trend {
            Some(t) => {
                let at = history_ms("history-summary", &t.at, "store_trend.at")?;
                Some(forecast::Trend {
                    at_ms: at,
                    free_bytes: t.free_bytes,
                    bytes_per_ms: t.bytes_per_day / 86_400_000.0,
                })
            }
            None => None,
        };
        out.push((item.owner_id, HistorySummary { availability, trend }));
    }
    Ok(out)
}
