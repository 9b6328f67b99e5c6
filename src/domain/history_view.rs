//! A server's history as the tab shows it: its status spans and its image
//! store's samples over a period, from the gateway's database or from what
//! this browser session saw (straight to the agent there is no gateway),
//! with its availability and its store's forecast.

use super::forecast::{self, FreeSample};
use super::timeline::{self, Availability, Span};
use super::{ServerStatus, StatusKind, StatusReport};
use std::collections::HashMap;

const DAY_MS: u64 = 86_400_000;
/// What this session keeps of each server: 30 days of spans, 7 of samples
/// (the longest views), a sample at most every 5 minutes.
const SPANS_FOR_MS: u64 = 30 * DAY_MS;
const SAMPLES_FOR_MS: u64 = 7 * DAY_MS;
const SAMPLE_EVERY_MS: u64 = 5 * 60_000;

/// Where a history comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistorySource {
    /// The gateway's database; `monitored`: the gateway checks every
    /// server on its own (else only users' checks, with gaps).
    Gateway { monitored: bool },
    /// The gateway keeps no history database.
    NotRecorded,
    /// What this browser session saw (straight to the agent).
    ThisSession,
}

/// A reading of an image store.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StoreSample {
    pub at_ms: u64,
    pub free_bytes: f64,
    pub size_bytes: Option<f64>,
}

/// A server's history over `from_ms..to_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryView {
    pub from_ms: u64,
    pub to_ms: u64,
    /// Oldest first, not overlapping, within the period.
    pub spans: Vec<Span>,
    pub samples: Vec<StoreSample>,
    pub source: HistorySource,
}

impl HistoryView {
    /// The availability over the last `days` of the period.
    pub fn availability(&self, days: u64) -> Availability {
        let from = self.to_ms.saturating_sub(days * DAY_MS).max(self.from_ms);
        timeline::availability(&self.spans, from, self.to_ms)
    }

    /// The spans of the last `days`, cut to them.
    pub fn last_days(&self, days: u64) -> Vec<Span> {
        let from = self.to_ms.saturating_sub(days * DAY_MS);
        self.spans.iter().filter(|s| s.to_ms >= from).map(|s| Span { from_ms: s.from_ms.max(from), ..*s }).collect()
    }

    /// How long until the store's free space reaches `floor_bytes` at the
    /// rate of its last 7 days (see [`forecast::time_to_floor`]).
    pub fn time_to_floor(&self, floor_bytes: f64) -> Option<u64> {
        self.trend()?.time_to(floor_bytes)
    }

    /// The line of its store's free space over the last 7 days.
    fn trend(&self) -> Option<forecast::Trend> {
        let samples: Vec<FreeSample> =
            self.samples.iter().map(|s| FreeSample { at_ms: s.at_ms, free_bytes: s.free_bytes }).collect();
        forecast::trend(&samples, self.to_ms)
    }

    /// Its availability over the last `days` and its store's trend.
    pub fn summary(&self, days: u64) -> HistorySummary {
        HistorySummary { availability: self.availability(days), trend: self.trend() }
    }
}

/// A server's history in two figures, for the overview: its availability
/// over the last days, and the line of its store's free space.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HistorySummary {
    pub availability: Availability,
    pub trend: Option<forecast::Trend>,
}

#[derive(Default)]
struct ServerLog {
    spans: Vec<Span>,
    samples: Vec<StoreSample>,
}

/// What this browser session saw of each server (by the entity that owns
/// it), from the final status of each of its checks.
#[derive(Default)]
pub struct SessionLog {
    servers: HashMap<String, ServerLog>,
}

impl SessionLog {
    /// Records the final status of a check made at `at_ms`.
    pub fn record(&mut self, report: &StatusReport, at_ms: u64) {
        if report.status == ServerStatus::NotLinked {
            return;
        }
        let log = self.servers.entry(report.server_key().to_string()).or_default();
        timeline::record(&mut log.spans, StatusKind::of(&report.status), at_ms);
        log.spans.retain(|s| s.to_ms + SPANS_FOR_MS >= at_ms);
        let store = match &report.status {
            ServerStatus::Available(figures) => figures.image_store.as_ref(),
            _ => None,
        };
        if let Some(store) = store {
            if log.samples.last().is_none_or(|last| at_ms >= last.at_ms + SAMPLE_EVERY_MS) {
                log.samples.push(StoreSample {
                    at_ms,
                    free_bytes: store.free_mib as f64 * 1_048_576.0,
                    size_bytes: store.size_kib.map(|k| k as f64 * 1024.0),
                });
            }
            log.samples.retain(|s| s.at_ms + SAMPLES_FOR_MS >= at_ms);
        }
    }

    /// The servers it saw anything of.
    pub fn servers(&self) -> impl Iterator<Item = &str> {
        self.servers.keys().map(String::as_str)
    }

    /// What it saw of the server owned by `key` over the last `days` before
    /// `now_ms`.
    pub fn view(&self, key: &str, days: u64, now_ms: u64) -> HistoryView {
        let from_ms = now_ms.saturating_sub(days * DAY_MS);
        let log = self.servers.get(key);
        let spans = log.map_or_else(Vec::new, |l| {
            l.spans
                .iter()
                .filter(|s| s.to_ms >= from_ms)
                .map(|s| Span { from_ms: s.from_ms.max(from_ms), to_ms: s.to_ms.min(now_ms), ..*s })
                .collect()
        });
        let samples = log.map_or_else(Vec::new, |l| l.samples.iter().filter(|s| s.at_ms >= from_ms).copied().collect());
        HistoryView { from_ms, to_ms: now_ms, spans, samples, source: HistorySource::ThisSession }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ImageStore, RelayPresence, ServerFigures};

    const MIN: u64 = 60_000;

    fn report(status: ServerStatus) -> StatusReport {
        StatusReport { inherited_from: Some("UUID2".into()), status, ..StatusReport::not_linked("UUID3") }
    }

    fn available(free_mib: u64) -> ServerStatus {
        let store = ImageStore { used_percent: 50.0, free_mib, size_kib: Some(100 << 20) };
        ServerStatus::Available(Box::new(ServerFigures { image_store: Some(store), ..Default::default() }))
    }

    #[test]
    fn a_session_keeps_what_its_checks_saw_of_each_server() {
        let mut log = SessionLog::default();
        let t = 40 * DAY_MS;
        log.record(&report(available(50_000)), t);
        log.record(&report(available(49_000)), t + MIN);
        log.record(&report(ServerStatus::Offline(RelayPresence::Absent)), t + 2 * MIN);
        log.record(&report(available(48_000)), t + 10 * MIN);
        log.record(&StatusReport::not_linked("UUID4"), t + 10 * MIN);
        let v = log.view("UUID2", 7, t + 10 * MIN);
        assert_eq!(v.source, HistorySource::ThisSession);
        let kinds: Vec<_> = v.spans.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [StatusKind::Available, StatusKind::Offline, StatusKind::Available]);
        // A sample at most every 5 minutes.
        assert_eq!(v.samples.iter().map(|s| s.at_ms).collect::<Vec<_>>(), [t, t + 10 * MIN]);
        let a = v.availability(7);
        assert_eq!((a.observed_ms, a.available_ms), (10 * MIN, 2 * MIN));
        assert!(log.view("UUID4", 7, t).spans.is_empty(), "no server, no history");
    }

    #[test]
    fn the_views_cut_to_their_days() {
        let mut log = SessionLog::default();
        let t = 40 * DAY_MS;
        for i in 0..=20 {
            log.record(&report(available(60_000 - i * 1_000)), t + i * 8 * MIN);
        }
        let v = log.view("UUID2", 1, t + DAY_MS);
        assert_eq!(v.spans.len(), 1);
        assert_eq!(v.spans[0].from_ms, t, "within the day");
        let later = v.last_days(0);
        assert!(later.iter().all(|s| s.from_ms >= v.to_ms), "{later:?}");
    }
}
