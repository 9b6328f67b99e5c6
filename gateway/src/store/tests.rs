use super::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Default)]
struct Counted {
    written: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    full_in: Mutex<Vec<(String, Option<u64>)>>,
}

impl StoreMetricsSink for Counted {
    fn written(&self, n: u64) {
        self.written.fetch_add(n, Ordering::SeqCst);
    }
    fn failed(&self, n: u64) {
        self.failed.fetch_add(n, Ordering::SeqCst);
    }
    fn dropped(&self) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
    }
    fn full_in(&self, server: &str, _name: &str, ms: Option<u64>) {
        medulla_imaging_status::sync::lock(&self.full_in).push((server.to_string(), ms));
    }
}

/// A file of its own in the temporary directory, removed at the end.
struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("mis-history-{}-{name}.sqlite3", std::process::id()));
        Self::remove(&path);
        Self(path)
    }
    fn remove(path: &Path) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        Self::remove(&self.0);
    }
}

const MIN: u64 = 60_000;
const DAY: u64 = 86_400_000;
/// A time of these days (ms since 1970), so that pruning keeps it.
fn t0() -> u64 {
    now_ms() - 2 * DAY
}

fn statistics(free_gib: u64) -> wire::Statistics {
    wire::Statistics {
        computers: wire::Computers { registered: 12, with_custom_boot_menu: Some(1), with_rescue_image: 0 },
        masters: 3,
        image_store: Some(wire::ImageStore {
            used_percent: 41.5,
            free_bytes: free_gib << 30,
            size_bytes: Some(100 << 30),
        }),
        filesystems: Vec::new(),
        memory: None,
        uptime_seconds: Some(3600),
    }
}

fn check(kind: StatusKind, at_ms: u64, free_gib: Option<u64>) -> Check {
    Check {
        server: "UUID2".into(),
        name: "General > Public".into(),
        kind,
        relay: (kind == StatusKind::Offline).then_some("absent"),
        at_ms,
        statistics: free_gib.map(statistics),
    }
}

fn open(db: &TempDb, metrics: &Arc<Counted>) -> (HistoryStore, Vec<(String, Kept)>) {
    HistoryStore::open(&db.0, 90, metrics.clone()).expect("the history opens")
}

#[test]
fn what_the_checks_saw_comes_back_after_a_restart() {
    let db = TempDb::new("restart");
    let metrics = Arc::new(Counted::default());
    let (store, kept) = open(&db, &metrics);
    assert!(kept.is_empty(), "a new file");
    let t = t0();
    store.record(check(StatusKind::Available, t, Some(60)));
    store.record(check(StatusKind::Available, t + MIN, Some(59)));
    store.record(check(StatusKind::Offline, t + 2 * MIN, None));
    store.record(check(StatusKind::Offline, t + 3 * MIN, None));
    store.close();
    assert_eq!(metrics.written.load(Ordering::SeqCst), 4);

    let (store, kept) = open(&db, &metrics);
    let [(key, kept)] = kept.as_slice() else { panic!("one server: {kept:?}") };
    assert_eq!(key, "UUID2");
    assert_eq!(
        (kept.kind, kept.since, kept.change_seen, kept.last_check),
        (StatusKind::Offline, t + 2 * MIN, true, t + 3 * MIN)
    );
    let (figures, read_at) = kept.last_available.as_ref().expect("the last figures");
    assert_eq!((figures.masters, figures.registered, *read_at), (3, 12, t + MIN));
    assert_eq!(figures.image_store.as_ref().map(|s| s.free_mib), Some(59 * 1024));

    let read = store.read("UUID2", t - DAY, t + DAY, 300).expect("readable");
    let spans: Vec<_> =
        read.spans.iter().map(|s| (s.span.kind, s.span.from_ms, s.span.to_ms, s.relay.clone())).collect();
    assert_eq!(
        spans,
        vec![
            (StatusKind::Available, t, t + 2 * MIN, None),
            (StatusKind::Offline, t + 2 * MIN, t + 3 * MIN, Some("absent".into())),
        ]
    );
    assert_eq!(read.before, None);
    // One sample: the second Available came within 5 minutes of the first.
    assert_eq!(read.samples.len(), 1);
    assert_eq!((read.samples[0].store_free_mib, read.samples[0].store_used_tenths), (Some(60 * 1024), Some(415)));
    assert_eq!(store.read("UUID9", t - DAY, t + DAY, 300).expect("readable"), Read::default(), "unknown server");
    store.close();
}

#[test]
fn a_status_that_holds_across_a_time_not_observed_keeps_its_since() {
    let db = TempDb::new("gap");
    let metrics = Arc::new(Counted::default());
    let (store, _) = open(&db, &metrics);
    let t = t0();
    store.record(check(StatusKind::Offline, t, None));
    store.record(check(StatusKind::Offline, t + 60 * MIN, None));
    store.record(check(StatusKind::Available, t + 61 * MIN, Some(50)));
    // A late answer of an older check is not a change.
    store.record(check(StatusKind::Offline, t + 30 * MIN, None));
    store.close();
    let (store, kept) = open(&db, &metrics);
    assert_eq!((kept[0].1.kind, kept[0].1.since, kept[0].1.change_seen), (StatusKind::Available, t + 61 * MIN, true));
    let read = store.read("UUID2", t + 30 * MIN, t + 2 * DAY, 300).expect("readable");
    let kinds: Vec<_> = read.spans.iter().map(|s| (s.span.kind, s.span.from_ms, s.span.to_ms)).collect();
    assert_eq!(
        kinds,
        vec![(StatusKind::Offline, t + 60 * MIN, t + 61 * MIN), (StatusKind::Available, t + 61 * MIN, t + 61 * MIN)]
    );
    assert_eq!(read.before, Some(StatusKind::Offline), "the span before the period");
    store.close();
}

#[test]
fn old_history_is_pruned_and_old_samples_thinned() {
    let db = TempDb::new("prune");
    let metrics = Arc::new(Counted::default());
    let (store, _) = open(&db, &metrics);
    let now = now_ms();
    // Every 10 minutes for 10 days, up to an hour ago.
    let start = now - 10 * DAY;
    for i in 0..(10 * 24 * 6) {
        store.record(check(StatusKind::Available, start + i * 10 * MIN, Some(80 - i / 200)));
    }
    store.close();
    // Reopened with 9 days kept: the first day goes, the week before the
    // last is one sample an hour.
    let (store, _) = HistoryStore::open(&db.0, 9, metrics.clone()).expect("reopens");
    store.close();
    let (store, _) = open(&db, &metrics);
    let read = store.read("UUID2", now - 10 * DAY, now, 1_000_000).expect("readable");
    let first = read.samples.first().map(|s| s.at_ms).expect("samples");
    assert!(first >= now - 9 * DAY, "older than 9 days pruned");
    let week_ago = now - 7 * DAY;
    let older = read.samples.iter().filter(|s| s.at_ms < week_ago).count() as u64;
    let hours = (week_ago - first).div_ceil(3_600_000);
    assert!(older <= hours + 1, "one an hour: {older} samples over {hours} hours");
    let newer = read.samples.iter().filter(|s| s.at_ms >= week_ago).count();
    assert!(newer > 7 * 24 * 6 - 10, "the last week kept whole: {newer}");
    store.close();
}

#[test]
fn a_shrinking_store_has_a_forecast() {
    let db = TempDb::new("forecast");
    let metrics = Arc::new(Counted::default());
    let (store, _) = open(&db, &metrics);
    let now = now_ms();
    // 100 GiB free a day ago, 1 GiB lost an hour: full in about 76 hours.
    for h in 0..=24 {
        store.record(check(StatusKind::Available, now - DAY + h * 3_600_000, Some(100 - h)));
    }
    store.close();
    let said = medulla_imaging_status::sync::lock(&metrics.full_in).clone();
    let (server, left) = said.last().cloned().expect("a forecast said");
    assert_eq!(server, "UUID2");
    let hours = left.expect("a falling trend") as f64 / 3_600_000.0;
    assert!((hours - 76.0).abs() < 0.5, "{hours} hours");
}

#[test]
fn a_file_that_cannot_be_written_is_an_error_at_open() {
    let metrics: StoreMetrics = Arc::new(Counted::default());
    let nowhere = Path::new("/proc/medulla-imaging-history.sqlite3");
    assert!(HistoryStore::open(nowhere, 90, metrics).is_err());
}

#[test]
fn a_newer_file_is_refused() {
    let db = TempDb::new("newer");
    let c = Connection::open(&db.0).expect("a file");
    c.pragma_update(None, "user_version", schema::VERSION + 1).expect("set");
    drop(c);
    let metrics: StoreMetrics = Arc::new(Counted::default());
    let e = HistoryStore::open(&db.0, 90, metrics).err().expect("refused");
    assert!(e.to_string().contains("newer than this gateway"), "{e}");
}

#[test]
fn a_broken_database_is_counted_and_the_checks_go_on() {
    let db = TempDb::new("broken");
    let metrics = Arc::new(Counted::default());
    let (store, _) = open(&db, &metrics);
    store.record(check(StatusKind::Available, t0(), Some(60)));
    // Another hand breaks the file under the writer (as a disk error would
    // fail its writes).
    let vandal = Connection::open(&db.0).expect("opened");
    vandal.busy_timeout(std::time::Duration::from_secs(5)).expect("a timeout");
    vandal.execute_batch("DROP TABLE samples").expect("dropped");
    let started = std::time::Instant::now();
    for i in 1..=20 {
        store.record(check(StatusKind::Available, t0() + i * 10 * MIN, Some(60)));
    }
    assert!(started.elapsed() < std::time::Duration::from_millis(100), "recording never waits on the disk");
    store.close();
    assert!(metrics.failed.load(Ordering::SeqCst) >= 1, "failed writes counted");
    // Every check written or counted failed (a failed pruning counts one too).
    assert!(metrics.written.load(Ordering::SeqCst) + metrics.failed.load(Ordering::SeqCst) >= 21);
}
