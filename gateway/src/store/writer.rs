//! The history's writer: a thread of its own that owns the database's
//! writing connection, takes the checks from a queue (a check never waits
//! on the disk), writes them in batches, one transaction each, and prunes
//! what is older than the retention.

use super::{Check, StoreMetrics, SAMPLE_EVERY_MS};
use medulla_imaging_status::domain::forecast::{self, FreeSample};
use medulla_imaging_status::domain::timeline::{self, Span, Step};
use medulla_imaging_status::domain::StatusKind;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Samples older than this are thinned to one an hour.
const FINE_FOR_MS: u64 = 7 * 86_400_000;
const HOUR_MS: u64 = 3_600_000;
/// The most checks written in one transaction.
const BATCH: usize = 500;

/// The last span of a server, and since when its status holds.
#[derive(Clone, Copy)]
struct Last {
    span: Span,
    since_ms: u64,
    change_seen: bool,
}

pub(super) struct Writer {
    db: Connection,
    days: u32,
    metrics: StoreMetrics,
    ids: HashMap<String, (i64, String)>,
    last: HashMap<i64, Last>,
    last_sample: HashMap<i64, u64>,
}

impl Writer {
    pub(super) fn new(db: Connection, days: u32, metrics: StoreMetrics) -> Self {
        Self { db, days, metrics, ids: HashMap::new(), last: HashMap::new(), last_sample: HashMap::new() }
    }

    /// Writes what comes from `queue` until every sender is gone; prunes at
    /// start, then every hour.
    pub(super) fn run(mut self, queue: Receiver<Check>) {
        let mut pruned = None;
        loop {
            if pruned.is_none_or(|at: Instant| at.elapsed() >= Duration::from_secs(3600)) {
                let first = pruned.is_none();
                if let Err(e) = self.prune(super::now_ms(), first) {
                    self.failed(&e, 0);
                }
                pruned = Some(Instant::now());
            }
            let first = match queue.recv_timeout(Duration::from_secs(600)) {
                Ok(check) => check,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            let mut batch = vec![first];
            batch.extend(queue.try_iter().take(BATCH - 1));
            let n = batch.len() as u64;
            match self.write(&batch) {
                Ok(()) => self.metrics.written(n),
                Err(e) => {
                    // What the cache of last spans said may not be on disk:
                    // it is read again from the file.
                    self.last.clear();
                    self.last_sample.clear();
                    self.ids.clear();
                    self.failed(&e, n);
                }
            }
        }
    }

    fn failed(&self, e: &rusqlite::Error, checks: u64) {
        eprintln!("medulla-imaging-gateway: history not written ({checks} checks): {e}");
        self.metrics.failed(checks.max(1));
    }

    fn write(&mut self, batch: &[Check]) -> rusqlite::Result<()> {
        let tx = self.db.transaction()?;
        let mut forecasts = Vec::new();
        for check in batch {
            if let Some(forecast) = apply(&tx, &mut self.ids, &mut self.last, &mut self.last_sample, check)? {
                forecasts.push(forecast);
            }
        }
        tx.commit()?;
        for (check, left) in forecasts {
            self.metrics.full_in(&check.server, &check.name, left);
        }
        Ok(())
    }

    /// Drops what is older than the retention, and thins the samples older
    /// than a week to one an hour (all of them at start, then those that
    /// crossed the week since).
    pub(super) fn prune(&mut self, now: u64, all: bool) -> rusqlite::Result<()> {
        let cutoff = now.saturating_sub(u64::from(self.days) * 86_400_000);
        let fine = now.saturating_sub(FINE_FOR_MS);
        let from = if all { 0 } else { fine.saturating_sub(3 * HOUR_MS) / HOUR_MS * HOUR_MS };
        let tx = self.db.transaction()?;
        tx.execute("DELETE FROM spans WHERE to_ms < ?1", [cutoff])?;
        tx.execute("DELETE FROM samples WHERE at_ms < ?1", [cutoff])?;
        tx.execute(
            "DELETE FROM samples WHERE at_ms >= ?1 AND at_ms < ?2 AND (server, at_ms) NOT IN
               (SELECT server, MIN(at_ms) FROM samples WHERE at_ms >= ?1 AND at_ms < ?2
                GROUP BY server, at_ms / 3600000)",
            params![from, fine],
        )?;
        tx.commit()?;
        self.last.retain(|_, l| l.span.to_ms >= cutoff);
        Ok(())
    }
}

/// A check written: the forecast of its server's store, when it brought a
/// sample of it.
type Forecast<'a> = (&'a Check, Option<u64>);

fn apply<'a>(
    tx: &rusqlite::Transaction,
    ids: &mut HashMap<String, (i64, String)>,
    last: &mut HashMap<i64, Last>,
    last_sample: &mut HashMap<i64, u64>,
    check: &'a Check,
) -> rusqlite::Result<Option<Forecast<'a>>> {
    let id = server_id(tx, ids, &check.server, &check.name)?;
    if let std::collections::hash_map::Entry::Vacant(e) = last.entry(id) {
        if let Some(l) = last_span(tx, id)? {
            e.insert(l);
        }
    }
    let before = last.get(&id).copied();
    let (kind, at) = (check.kind, check.at_ms);
    let new_span = |since_ms, change_seen| Last { span: Span { from_ms: at, to_ms: at, kind }, since_ms, change_seen };
    let insert = |l: &Last| {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO spans (server, from_ms, to_ms, status, relay, since_ms, change_seen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![id, at, at, kind.word(), check.relay, l.since_ms, l.change_seen])
    };
    let extend = |b: &Last| {
        tx.prepare_cached("UPDATE spans SET to_ms = ?3 WHERE server = ?1 AND from_ms = ?2")?.execute(params![
            id,
            b.span.from_ms,
            at
        ])
    };
    let next = match (timeline::step(before.as_ref().map(|b| &b.span), kind, at), before) {
        (Step::Ignore, _) => return Ok(None),
        (Step::Extend, Some(b)) => {
            extend(&b)?;
            Last { span: Span { to_ms: at, ..b.span }, ..b }
        }
        (Step::Change, Some(b)) => {
            extend(&b)?;
            let l = new_span(at, true);
            insert(&l)?;
            l
        }
        // After a time not observed, the status may still be the one seen
        // before: it holds since then, as the tab's own history says.
        (Step::Resume, Some(b)) if b.span.kind == kind => {
            let l = new_span(b.since_ms, b.change_seen);
            insert(&l)?;
            l
        }
        (_, b) => {
            let l = new_span(at, b.is_some());
            insert(&l)?;
            l
        }
    };
    last.insert(id, next);
    let Some(statistics) = &check.statistics else { return Ok(None) };
    tx.prepare_cached("UPDATE servers SET last_available_ms = ?2, last_statistics = ?3 WHERE id = ?1")?
        .execute(params![id, at, serde_json::to_string(statistics).unwrap_or_default()])?;
    let previous = match last_sample.get(&id) {
        Some(at) => Some(*at),
        None => {
            tx.query_row("SELECT MAX(at_ms) FROM samples WHERE server = ?1", [id], |r| r.get::<_, Option<u64>>(0))?
        }
    };
    if previous.is_some_and(|p| at < p.saturating_add(SAMPLE_EVERY_MS)) {
        return Ok(None);
    }
    let mib = |bytes: u64| bytes / 1_048_576;
    let store = statistics.image_store.as_ref();
    let memory = statistics.memory.as_ref();
    tx.prepare_cached(
        "INSERT OR REPLACE INTO samples (server, at_ms, store_free_mib, store_size_mib, store_used_tenths,
           memory_used_mib, memory_total_mib, registered, masters) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id,
        at,
        store.map(|s| mib(s.free_bytes)),
        store.and_then(|s| s.size_bytes).map(mib),
        store.map(|s| (s.used_percent * 10.0).round() as i64),
        memory.map(|m| mib(m.used_bytes)),
        memory.map(|m| mib(m.total_bytes)),
        statistics.computers.registered,
        statistics.masters,
    ])?;
    last_sample.insert(id, at);
    if store.is_none() {
        return Ok(None);
    }
    let samples = tx
        .prepare_cached(
            "SELECT at_ms, store_free_mib FROM samples WHERE server = ?1 AND at_ms >= ?2 AND store_free_mib IS NOT NULL",
        )?
        .query_map(params![id, at.saturating_sub(forecast::WINDOW_MS)], |r| {
            Ok(FreeSample { at_ms: r.get(0)?, free_bytes: r.get::<_, u64>(1)? as f64 * 1_048_576.0 })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // The metric's forecast is of a full store (the tab's, of its floor).
    Ok(Some((check, forecast::time_to_floor(&samples, 0.0, at))))
}

fn server_id(
    tx: &rusqlite::Transaction,
    ids: &mut HashMap<String, (i64, String)>,
    key: &str,
    name: &str,
) -> rusqlite::Result<i64> {
    if let Some((id, known)) = ids.get(key) {
        if known == name {
            return Ok(*id);
        }
    }
    tx.prepare_cached(
        "INSERT INTO servers (key, name) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET name = excluded.name",
    )?
    .execute(params![key, name])?;
    let id = tx.query_row("SELECT id FROM servers WHERE key = ?1", [key], |r| r.get(0))?;
    ids.insert(key.to_string(), (id, name.to_string()));
    Ok(id)
}

fn last_span(tx: &rusqlite::Transaction, id: i64) -> rusqlite::Result<Option<Last>> {
    tx.query_row(
        "SELECT from_ms, to_ms, status, since_ms, change_seen FROM spans WHERE server = ?1
         ORDER BY from_ms DESC LIMIT 1",
        [id],
        |r| {
            let row: (u64, u64, String, u64, bool) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            Ok(row)
        },
    )
    .optional()
    .map(|row| {
        let (from_ms, to_ms, word, since_ms, change_seen) = row?;
        let kind = StatusKind::from_word(&word)?;
        Some(Last { span: Span { from_ms, to_ms, kind }, since_ms, change_seen })
    })
}
