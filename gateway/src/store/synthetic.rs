//! A made-up history at Medulla's scale, for the bench (gateway/examples/
//! history.rs): `servers` imaging servers over `days`, as the store holds
//! them after that long with a check every minute: outages now and then
//! (a few minutes to a few hours), the gateway stopped now and then (time
//! not observed), a sample every 5 minutes thinned to one an hour past a
//! week, the image stores filling up.

use super::schema;
use super::writer::Writer;
use super::StoreMetricsSink;
use medulla_imaging_status::domain::StatusKind;
use rusqlite::{params, Connection};
use std::path::Path;
use std::sync::Arc;

const MIN: u64 = 60_000;
const DAY: u64 = 1_440 * MIN;

/// xorshift64*: the same history for the same seed, no crate for a bench.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// In `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Quiet;

impl StoreMetricsSink for Quiet {
    fn written(&self, _: u64) {}
    fn failed(&self, _: u64) {}
    fn dropped(&self) {}
    fn full_in(&self, _: &str, _: &str, _: Option<u64>) {}
}

/// Writes the history of the servers owned by `keys` over the `days`
/// before `now_ms` into a new file at `path`; then prunes it as the store
/// does every hour, and says how long that took.
pub fn generate(path: &Path, keys: &[String], days: u32, now_ms: u64) -> rusqlite::Result<std::time::Duration> {
    let mut db = Connection::open(path)?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "NORMAL")?;
    schema::migrate(&mut db)?;
    let start = now_ms - u64::from(days) * DAY;
    let tx = db.transaction()?;
    {
        let mut server =
            tx.prepare("INSERT INTO servers (id, key, name, last_available_ms) VALUES (?1, ?2, ?3, ?4)")?;
        let mut span = tx.prepare(
            "INSERT INTO spans (server, from_ms, to_ms, status, relay, since_ms, change_seen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)",
        )?;
        let mut sample = tx.prepare(
            "INSERT INTO samples (server, at_ms, store_free_mib, store_size_mib, store_used_tenths,
               memory_used_mib, memory_total_mib, registered, masters) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for (i, key) in keys.iter().enumerate() {
            let id = i as i64 + 1;
            let mut dice = Dice(0x9e37_79b9_7f4a_7c15 ^ (id as u64).wrapping_mul(0x1000_0000_01b3));
            server.execute(params![id, key, format!("General > Site {key}"), now_ms])?;
            // Spans: Available, broken by an outage on 3 days in 10 and a
            // stop of the gateway (not observed) on 1 day in 20.
            let (mut at, mut status, mut since) = (start, StatusKind::Available, start);
            while at < now_ms {
                let next_day = (at + DAY).min(now_ms);
                let roll = dice.below(20);
                let (kind, length, observed) = match roll {
                    0..=5 => (
                        if roll == 0 { StatusKind::ConnectionError } else { StatusKind::Offline },
                        5 * MIN + dice.below(175) * MIN,
                        true,
                    ),
                    6 => (StatusKind::Available, 30 * MIN + dice.below(150) * MIN, false),
                    _ => (StatusKind::Available, 0, true),
                };
                let cut = (at + dice.below(DAY / 2)).min(next_day);
                let end = (cut + length).min(next_day);
                let mut put = |from: u64, to: u64, kind: StatusKind| -> rusqlite::Result<()> {
                    if kind != status {
                        (status, since) = (kind, from);
                    }
                    let relay = (kind != StatusKind::Available).then_some("absent");
                    span.execute(params![id, from, to, kind.word(), relay, since])?;
                    Ok(())
                };
                if length == 0 {
                    put(at, next_day, StatusKind::Available)?;
                } else if observed {
                    put(at, cut, StatusKind::Available)?;
                    put(cut, end, kind)?;
                    if end < next_day {
                        put(end, next_day, StatusKind::Available)?;
                    }
                } else {
                    put(at, cut, StatusKind::Available)?;
                    if end < next_day {
                        put(end, next_day, StatusKind::Available)?;
                    }
                }
                at = next_day;
            }
            // Samples: every 5 minutes, one an hour past a week (as the
            // hourly pruning leaves them); the store filling by 50 to 500
            // MiB a day.
            let size_mib: u64 = 500 * 1024;
            let per_day = 50 + dice.below(450);
            let fine_from = now_ms - 7 * DAY;
            let mut t = start;
            while t <= now_ms {
                let used = 100 * 1024 + (t - start) / DAY * per_day + dice.below(200);
                let free = size_mib.saturating_sub(used);
                sample.execute(params![
                    id,
                    t,
                    free,
                    size_mib,
                    (used * 1000 / size_mib) as i64,
                    2048 + dice.below(1024),
                    8192,
                    100 + dice.below(50),
                    5 + dice.below(10),
                ])?;
                t += if t < fine_from { 60 * MIN } else { 5 * MIN };
            }
        }
    }
    tx.commit()?;
    let mut writer = Writer::new(db, days, Arc::new(Quiet));
    let pruning = std::time::Instant::now();
    writer.prune(now_ms, false)?;
    Ok(pruning.elapsed())
}

/// One server's history for a test: its spans (`since` is each span's own
/// start, a change seen) and samples of its image store (free and total
/// bytes), written into the history at `path` (created when missing).
pub fn seed(
    path: &Path,
    key: &str,
    spans: &[(u64, u64, StatusKind)],
    samples: &[(u64, u64, u64)],
) -> rusqlite::Result<()> {
    let mut db = Connection::open(path)?;
    schema::migrate(&mut db)?;
    let tx = db.transaction()?;
    tx.execute("INSERT OR IGNORE INTO servers (key, name) VALUES (?1, ?1)", [key])?;
    let id: i64 = tx.query_row("SELECT id FROM servers WHERE key = ?1", [key], |r| r.get(0))?;
    for (from, to, kind) in spans {
        let relay = (*kind != StatusKind::Available).then_some("absent");
        tx.execute(
            "INSERT INTO spans (server, from_ms, to_ms, status, relay, since_ms, change_seen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?2, 1)",
            params![id, from, to, kind.word(), relay],
        )?;
    }
    for (at, free, size) in samples {
        let mib = |b: &u64| b / 1_048_576;
        let used_tenths = (size.saturating_sub(*free)) * 1000 / (*size).max(1);
        tx.execute(
            "INSERT INTO samples (server, at_ms, store_free_mib, store_size_mib, store_used_tenths, registered, masters)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, 0)",
            params![id, at, mib(free), mib(size), used_tenths],
        )?;
    }
    tx.commit()
}
