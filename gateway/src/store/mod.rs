//! The history that survives restarts: every status change of every
//! imaging server and a sample of its figures at most every 5 minutes, in
//! an SQLite file (`$STATE_DIRECTORY`, or `history` in gateway.ini), kept
//! `history_days`. Checks hand what they saw to a writer thread and never
//! wait on the disk; a write that fails is logged and counted in
//! `/metrics`, and the checks go on. At start, since when each status holds
//! and the last figures of each server are read back.

mod read;
mod schema;
pub mod synthetic;
mod writer;

pub use read::{Read, SampleRow, SpanRow};

use medulla_imaging_status::api::rest::wire;
use medulla_imaging_status::domain::{Kept, StatusKind};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Mutex;

/// A sample of a server's figures at most this often.
pub const SAMPLE_EVERY_MS: u64 = 5 * 60_000;
/// Checks waiting to be written; past it they are dropped (and counted).
const QUEUE: usize = 10_000;

/// What a check ended on, for the history.
pub struct Check {
    /// The entity that owns the imaging server, and its full path.
    pub server: String,
    pub name: String,
    pub kind: StatusKind,
    /// Why it is not available, as the contract's `relay` says.
    pub relay: Option<&'static str>,
    pub at_ms: u64,
    /// Its figures, when it is Available, as the contract writes them.
    pub statistics: Option<wire::Statistics>,
}

/// Where the history's writes are counted, and the stores' forecasts said.
pub trait StoreMetricsSink: Send + Sync {
    fn written(&self, checks: u64);
    fn failed(&self, checks: u64);
    fn dropped(&self);
    /// How long until the image store of `server` is full at its rate of
    /// the last 7 days (`None`: no falling trend).
    fn full_in(&self, server: &str, name: &str, ms: Option<u64>);
}

pub type StoreMetrics = std::sync::Arc<dyn StoreMetricsSink>;

pub struct HistoryStore {
    queue: Mutex<Option<SyncSender<Check>>>,
    reader: Mutex<Connection>,
    metrics: StoreMetrics,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

pub(crate) fn now_ms() -> u64 {
    crate::checks::ms(std::time::SystemTime::now())
}

fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let db = Connection::open_with_flags(path, flags)?;
    db.busy_timeout(std::time::Duration::from_secs(5))?;
    db.pragma_update(None, "foreign_keys", true)?;
    Ok(db)
}

impl HistoryStore {
    /// Opens (creating it when missing) and migrates the history at
    /// `path`, kept `days`; with what it kept of each server.
    pub fn open(path: &Path, days: u32, metrics: StoreMetrics) -> rusqlite::Result<(Self, Vec<(String, Kept)>)> {
        let mut db = connect(path, OpenFlags::default())?;
        // Readers never wait on the writer; a power cut loses at most the
        // last transactions, never the file.
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        schema::migrate(&mut db)?;
        let kept = read::kept(&db)?;
        let reader = connect(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        let (queue, checks) = sync_channel(QUEUE);
        let writer = writer::Writer::new(db, days.max(1), metrics.clone());
        let thread = std::thread::Builder::new()
            .name("history".into())
            .spawn(move || writer.run(checks))
            .map_err(|e| rusqlite::Error::InvalidParameterName(format!("history writer: {e}")))?;
        let store = Self {
            queue: Mutex::new(Some(queue)),
            reader: Mutex::new(reader),
            metrics,
            writer: Mutex::new(Some(thread)),
        };
        Ok((store, kept))
    }

    /// Hands `check` to the writer, never waiting: when its queue is full
    /// (a disk far too slow), the check is dropped and counted.
    pub fn record(&self, check: Check) {
        let queue = medulla_imaging_status::sync::lock(&self.queue);
        let Some(queue) = queue.as_ref() else { return };
        match queue.try_send(check) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => self.metrics.dropped(),
        }
    }

    /// What the history has of `server` over `from_ms..to_ms`, with at most
    /// about `max_samples` samples (one per equal part of the period).
    /// Blocking: run it off the async workers.
    pub fn read(&self, server: &str, from_ms: u64, to_ms: u64, max_samples: u64) -> rusqlite::Result<Read> {
        read::read(&medulla_imaging_status::sync::lock(&self.reader), server, from_ms, to_ms, max_samples)
    }

    /// Writes what is queued and stops the writer (at the gateway's stop).
    pub fn close(&self) {
        drop(medulla_imaging_status::sync::lock(&self.queue).take());
        if let Some(thread) = medulla_imaging_status::sync::lock(&self.writer).take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests;
