//! `GET /entities/{id}/history?days=N`: what the history database has of
//! the entity's imaging server over the last N days: its status spans,
//! its changes, samples of its figures, and its availability.

use crate::bodies::rfc3339;
use crate::checks::{ms, TOPOLOGY_MAX_AGE};
use crate::problem::{json_answer, problem, signed_out_upstream};
use crate::routes::{full_paths, path_of, UserOf};
use crate::server::Gateway;
use crate::sessions::Priority;
use crate::store::Read;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use medulla_imaging_status::api::rest::wire;
use medulla_imaging_status::domain::timeline::{availability, Availability, Span};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The most days asked (ten years, the most `history_days` may be).
const MAX_DAYS: u32 = 3650;
/// The most samples an answer has: one per equal part of the period.
const MAX_SAMPLES: u64 = 336;

#[derive(serde::Deserialize)]
pub(crate) struct Days {
    days: Option<String>,
}

pub(crate) async fn history(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    UserOf(user, id): UserOf,
    days: Result<Query<Days>, QueryRejection>,
) -> Response {
    let days = days.ok().and_then(|Query(d)| d.days.as_deref().map_or(Some(7), |d| d.parse::<u32>().ok()));
    let Some(days) = days.filter(|d| (1..=MAX_DAYS).contains(d)) else {
        let detail = format!("days is a whole number from 1 to {MAX_DAYS}.");
        return problem(StatusCode::BAD_REQUEST, "bad-request", "Bad request", &detail);
    };
    // No more than the gateway keeps: the answer's `from` says so.
    let days = days.min(gateway.settings.history_days);
    // The server that serves the entity now: its history is the entity's.
    let topology = match gateway.topology(&user, &id, TOPOLOGY_MAX_AGE, Priority::Now).await {
        Ok(topology) => topology,
        Err(e) => return signed_out_upstream(&gateway, &headers, &e),
    };
    let owner = topology.serving.as_ref().map(|(owner, _)| owner.clone());
    let server = owner.clone().unwrap_or_else(|| id.clone());
    let to = SystemTime::now();
    let from = to.checked_sub(Duration::from_secs(u64::from(days) * 86_400)).unwrap_or(UNIX_EPOCH);
    let reader = gateway.clone();
    let read = tokio::task::spawn_blocking(move || {
        reader.store.as_ref().map(|store| store.read(&server, ms(from), ms(to), MAX_SAMPLES))
    })
    .await;
    let (recorded, read) = match read {
        Ok(None) => (false, Read::default()),
        Ok(Some(Ok(read))) => (true, read),
        Ok(Some(Err(e))) => {
            eprintln!("medulla-imaging-gateway: history of {id} not read: {e}");
            return history_unreadable();
        }
        Err(_) => return history_unreadable(),
    };
    let paths = full_paths(&user);
    let served_by = owner
        .filter(|owner| *owner != id)
        .map(|owner| wire::EntityRef { full_path: path_of(&paths)(&owner), id: owner });
    let period = Period { from: ms(from), to: ms(to), recorded, monitored: gateway.monitored() };
    json_answer(StatusCode::OK, body(&id, served_by, &period, &read))
}

fn history_unreadable() -> Response {
    let detail =
        "The gateway's history database could not be read; the statuses are still checked. See the gateway's log.";
    problem(StatusCode::SERVICE_UNAVAILABLE, "history-unavailable", "History unavailable", detail)
}

/// The period asked, in ms since 1970, and what the gateway records.
pub(crate) struct Period {
    pub(crate) from: u64,
    pub(crate) to: u64,
    pub(crate) recorded: bool,
    pub(crate) monitored: bool,
}

pub(crate) fn at(ms: u64) -> String {
    rfc3339(UNIX_EPOCH + Duration::from_millis(ms))
}

/// The spans of `read`, cut to `from..to`.
pub(crate) fn cut(read: &Read, from: u64, to: u64) -> Vec<Span> {
    read.spans
        .iter()
        .map(|s| Span { from_ms: s.span.from_ms.max(from), to_ms: s.span.to_ms.min(to), ..s.span })
        .collect()
}

/// The contract's availability.
pub(crate) fn availability_body(a: &Availability) -> wire::HistoryAvailability {
    wire::HistoryAvailability {
        period_seconds: a.period_ms / 1000,
        observed_seconds: a.observed_ms / 1000,
        available_seconds: a.available_ms / 1000,
        not_observed_seconds: a.not_observed_ms() / 1000,
        ratio: a.share(),
    }
}

/// The contract's `History` of `read`, the spans cut to the period.
pub(crate) fn body(entity: &str, served_by: Option<wire::EntityRef>, period: &Period, read: &Read) -> wire::History {
    let relay = |r: &Option<String>| r.as_ref().and_then(|r| serde_json::from_value(r.as_str().into()).ok());
    let spans = cut(read, period.from, period.to);
    let mut before = read.before;
    let mut changes = Vec::new();
    for (row, span) in read.spans.iter().zip(&spans) {
        if before.is_some_and(|b| b != span.kind) && row.span.from_ms >= period.from {
            changes.push(wire::HistoryChange {
                at: at(span.from_ms),
                status: span.kind.into(),
                relay: relay(&row.relay),
            });
        }
        before = Some(span.kind);
    }
    let a = availability(&spans, period.from, period.to);
    let mib = |m: Option<u64>| m.map(|m| m.saturating_mul(1_048_576));
    wire::History {
        entity_id: entity.to_string(),
        served_by,
        from: at(period.from),
        to: at(period.to),
        recorded: period.recorded,
        monitored: period.monitored,
        spans: read
            .spans
            .iter()
            .zip(&spans)
            .map(|(row, s)| wire::HistorySpan {
                from: at(s.from_ms),
                to: at(s.to_ms),
                status: s.kind.into(),
                relay: relay(&row.relay),
            })
            .collect(),
        changes,
        samples: read
            .samples
            .iter()
            .map(|s| wire::HistorySample {
                at: at(s.at_ms),
                store_free_bytes: mib(s.store_free_mib),
                store_size_bytes: mib(s.store_size_mib),
                store_used_percent: s.store_used_tenths.map(|t| t as f64 / 10.0),
                memory_used_bytes: mib(s.memory_used_mib),
                memory_total_bytes: mib(s.memory_total_mib),
                computers_registered: s.registered,
                masters: s.masters,
            })
            .collect(),
        availability: availability_body(&a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SampleRow, SpanRow};
    use medulla_imaging_status::domain::StatusKind;

    const MIN: u64 = 60_000;
    const T: u64 = 1_796_000_000_000;

    fn row(from: u64, to: u64, kind: StatusKind, relay: Option<&str>) -> SpanRow {
        SpanRow { span: Span { from_ms: T + from * MIN, to_ms: T + to * MIN, kind }, relay: relay.map(str::to_string) }
    }

    #[test]
    fn spans_are_cut_to_the_period_and_changes_said_once() {
        let read = Read {
            spans: vec![
                row(0, 30, StatusKind::Available, None),
                row(30, 40, StatusKind::Offline, Some("absent")),
                row(100, 160, StatusKind::Offline, Some("absent")),
                row(160, 200, StatusKind::Available, None),
            ],
            before: None,
            samples: vec![SampleRow {
                at_ms: T,
                store_free_mib: Some(1024),
                store_size_mib: None,
                store_used_tenths: Some(415),
                memory_used_mib: None,
                memory_total_mib: None,
                registered: 12,
                masters: 3,
            }],
        };
        let period = Period { from: T + 10 * MIN, to: T + 190 * MIN, recorded: true, monitored: false };
        let h = body("UUID3", None, &period, &read);
        assert_eq!(h.spans[0].from, at(T + 10 * MIN), "cut at the period's start");
        assert_eq!(h.spans[3].to, at(T + 190 * MIN), "and at its end");
        let changes: Vec<_> = h.changes.iter().map(|c| (c.at.clone(), c.status, c.relay)).collect();
        assert_eq!(
            changes,
            vec![
                (at(T + 30 * MIN), wire::Status::Offline, Some(wire::Relay::Absent)),
                (at(T + 160 * MIN), wire::Status::Available, None),
            ],
            "the span after a gap in the same status is not a change"
        );
        // 180 minutes; observed 20 + 10 + 60 + 30 = 120, of which Available 50.
        let a = &h.availability;
        assert_eq!(
            (a.period_seconds, a.observed_seconds, a.available_seconds, a.not_observed_seconds),
            (10_800, 7_200, 3_000, 3_600)
        );
        assert_eq!(a.ratio, Some(3_000.0 / 7_200.0));
        assert_eq!((h.samples[0].store_free_bytes, h.samples[0].store_used_percent), (Some(1 << 30), Some(41.5)));

        // The tab reads it back: the same spans (to the second), the sample.
        let json = serde_json::to_vec(&h).expect("written");
        let view = medulla_imaging_status::api::rest::history_from(&json).expect("read back");
        let kinds: Vec<_> = view.spans.iter().map(|s| (s.kind, s.from_ms, s.to_ms)).collect();
        assert_eq!(kinds[0], (StatusKind::Available, T + 10 * MIN, T + 30 * MIN));
        assert_eq!(kinds.len(), 4);
        assert_eq!(view.source, medulla_imaging_status::domain::HistorySource::Gateway { monitored: false });
        assert_eq!(view.samples[0].free_bytes, (1u64 << 30) as f64);
        let mut swapped = h.clone();
        swapped.spans.swap(0, 1);
        let bad = serde_json::to_vec(&swapped).expect("written");
        assert!(medulla_imaging_status::api::rest::history_from(&bad).is_err(), "spans out of order");
    }
}
