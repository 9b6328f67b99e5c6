//! `GET /history-summary`: per imaging server serving the user's entities
//! (as far as the gateway knows what serves them), its availability over
//! the last 7 days and the line of its store's free space: the overview's
//! columns. Each server's is read from the history at most every 5 minutes.

use super::history::{at, availability_body, cut};
use crate::checks::ms;
use crate::problem::{json_answer, problem};
use crate::routes::User;
use crate::server::Gateway;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use medulla_imaging_status::api::rest::wire;
use medulla_imaging_status::domain::forecast::{trend, FreeSample};
use medulla_imaging_status::domain::timeline::availability;
use medulla_imaging_status::sync::lock;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

pub(crate) const SUMMARY_DAYS: u32 = 7;
/// A summary is read again after this long.
const SUMMARY_FOR: Duration = Duration::from_secs(300);

pub(crate) async fn history_summary(State(gateway): State<Arc<Gateway>>, User(user): User) -> Response {
    // The servers of the user's entities, as the topology learnt says:
    // no agent call here.
    let keys: BTreeSet<String> = lock(&user.entities)
        .iter()
        .filter_map(|e| gateway.topology.peek(&e.uuid)?.serving.as_ref().map(|(owner, _)| owner.clone()))
        .collect();
    let reader = gateway.clone();
    let summaries = tokio::task::spawn_blocking(move || reader.summaries(keys)).await;
    match summaries {
        Ok(Ok(items)) => {
            let summaries = wire::HistorySummaries { days: SUMMARY_DAYS, recorded: gateway.store.is_some(), items };
            json_answer(StatusCode::OK, summaries)
        }
        Ok(Err(e)) => {
            eprintln!("medulla-imaging-gateway: history summary not read: {e}");
            let detail = "The gateway's history database could not be read; the statuses are still checked.";
            problem(StatusCode::SERVICE_UNAVAILABLE, "history-unavailable", "History unavailable", detail)
        }
        Err(_) => problem(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "The summary stopped."),
    }
}

impl Gateway {
    /// The summary of each server of `keys` (blocking: reads the history).
    fn summaries(&self, keys: BTreeSet<String>) -> rusqlite::Result<Vec<wire::HistorySummary>> {
        let Some(store) = &self.store else { return Ok(Vec::new()) };
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let kept = lock(&self.summaries).get(&key).filter(|(made, _)| made.elapsed() < SUMMARY_FOR).cloned();
            let summary = match kept {
                Some((_, summary)) => summary,
                None => {
                    let to = ms(SystemTime::now());
                    let from = to.saturating_sub(u64::from(SUMMARY_DAYS) * 86_400_000);
                    let read = store.read(&key, from, to, 336)?;
                    let samples: Vec<FreeSample> = read
                        .samples
                        .iter()
                        .filter_map(|s| {
                            Some(FreeSample { at_ms: s.at_ms, free_bytes: s.store_free_mib? as f64 * 1_048_576.0 })
                        })
                        .collect();
                    let summary = wire::HistorySummary {
                        owner_id: key.clone(),
                        availability: availability_body(&availability(&cut(&read, from, to), from, to)),
                        store_trend: trend(&samples, to).map(|t| wire::StoreTrend {
                            at: at(t.at_ms),
                            free_bytes: t.free_bytes,
                            bytes_per_day: t.bytes_per_ms * 86_400_000.0,
                        }),
                    };
                    lock(&self.summaries).insert(key, (Instant::now(), summary.clone()));
                    summary
                }
            };
            out.push(summary);
        }
        Ok(out)
    }
}
