//! Reading the history: what it kept of each server at start, and one
//! server's spans and samples over a period.

use medulla_imaging_status::api::rest::{figures_from, wire};
use medulla_imaging_status::domain::timeline::Span;
use medulla_imaging_status::domain::{Kept, StatusKind};
use rusqlite::{params, Connection, OptionalExtension};

/// A span of one status, and why the server was not available then.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanRow {
    pub span: Span,
    pub relay: Option<String>,
}

/// A sample of a server's figures (sizes in MiB, the store's use in
/// tenths of a percent).
#[derive(Clone, Debug, PartialEq)]
pub struct SampleRow {
    pub at_ms: u64,
    pub store_free_mib: Option<u64>,
    pub store_size_mib: Option<u64>,
    pub store_used_tenths: Option<u64>,
    pub memory_used_mib: Option<u64>,
    pub memory_total_mib: Option<u64>,
    pub registered: u64,
    pub masters: u64,
}

/// A server's history over a period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Read {
    /// The spans that overlap the period, oldest first.
    pub spans: Vec<SpanRow>,
    /// The status of the span before them: whether the first is a change.
    pub before: Option<StatusKind>,
    pub samples: Vec<SampleRow>,
}

/// Each server's last status, since when it holds, and its last figures.
pub(super) fn kept(db: &Connection) -> rusqlite::Result<Vec<(String, Kept)>> {
    let mut query = db.prepare(
        "SELECT s.key, sp.status, sp.since_ms, sp.change_seen, sp.to_ms, s.last_available_ms, s.last_statistics
         FROM servers s JOIN spans sp ON sp.server = s.id
         WHERE sp.from_ms = (SELECT MAX(from_ms) FROM spans WHERE server = s.id)",
    )?;
    let rows = query
        .query_map([], |r| {
            let row: (String, String, u64, bool, u64, Option<u64>, Option<String>) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?);
            Ok(row)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let kept = rows
        .into_iter()
        .filter_map(|(key, status, since, change_seen, last_check, read_at, statistics)| {
            // Figures this build cannot read are not figures: left out.
            let figures = statistics
                .and_then(|json| serde_json::from_str::<wire::Statistics>(&json).ok())
                .map(|s| Box::new(figures_from(s)));
            let kind = StatusKind::from_word(&status)?;
            Some((key, Kept { kind, since, change_seen, last_check, last_available: figures.zip(read_at) }))
        })
        .collect();
    Ok(kept)
}

pub(super) fn read(
    db: &Connection,
    server: &str,
    from_ms: u64,
    to_ms: u64,
    max_samples: u64,
) -> rusqlite::Result<Read> {
    let Some(id) = db
        .prepare_cached("SELECT id FROM servers WHERE key = ?1")?
        .query_row([server], |r| r.get::<_, i64>(0))
        .optional()?
    else {
        return Ok(Read::default());
    };
    let spans = db
        .prepare_cached(
            "SELECT from_ms, to_ms, status, relay FROM spans WHERE server = ?1 AND to_ms >= ?2 AND from_ms <= ?3
             ORDER BY from_ms",
        )?
        .query_map(params![id, from_ms, to_ms], |r| {
            let row: (u64, u64, String, Option<String>) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            Ok(row)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter_map(|(from_ms, to_ms, status, relay)| {
            let kind = StatusKind::from_word(&status)?;
            Some(SpanRow { span: Span { from_ms, to_ms, kind }, relay })
        })
        .collect();
    let before = db
        .prepare_cached("SELECT status FROM spans WHERE server = ?1 AND to_ms < ?2 ORDER BY from_ms DESC LIMIT 1")?
        .query_row(params![id, from_ms], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|word| StatusKind::from_word(&word));
    // One sample per equal part of the period (SQLite gives the columns of
    // the row of `MIN(at_ms)` in each group).
    let part = (to_ms.saturating_sub(from_ms) / max_samples.max(1)).max(1);
    let samples = db
        .prepare_cached(
            "SELECT MIN(at_ms), store_free_mib, store_size_mib, store_used_tenths, memory_used_mib,
               memory_total_mib, registered, masters
             FROM samples WHERE server = ?1 AND at_ms >= ?2 AND at_ms <= ?3 GROUP BY at_ms / ?4 ORDER BY 1",
        )?
        .query_map(params![id, from_ms, to_ms, part], |r| {
            Ok(SampleRow {
                at_ms: r.get(0)?,
                store_free_mib: r.get(1)?,
                store_size_mib: r.get(2)?,
                store_used_tenths: r.get(3)?,
                memory_used_mib: r.get(4)?,
                memory_total_mib: r.get(5)?,
                registered: r.get(6)?,
                masters: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Read { spans, before, samples })
}
