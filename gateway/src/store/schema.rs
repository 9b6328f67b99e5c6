//! The history database's schema, migrated by version (SQLite's
//! `user_version`): each step runs once, in order, in one transaction.

use rusqlite::Connection;

/// The steps, the first taking an empty file to version 1.
const MIGRATIONS: [&str; 1] = [
    // Sizes in MiB and percents in tenths: 90 days of 200 servers stay
    // tens of MB (docs/performance.md).
    "CREATE TABLE servers (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,        -- the entity that owns the server
        name TEXT NOT NULL,              -- its full path, when last seen
        last_available_ms INTEGER,       -- when its last figures were read
        last_statistics TEXT             -- those figures, the contract's JSON
    );
    CREATE TABLE spans (
        server INTEGER NOT NULL REFERENCES servers(id),
        from_ms INTEGER NOT NULL,
        to_ms INTEGER NOT NULL,
        status TEXT NOT NULL,            -- the contract's word
        relay TEXT,                      -- why not available, when known
        since_ms INTEGER NOT NULL,       -- since when the status holds
        change_seen INTEGER NOT NULL,    -- 1: a check saw it begin
        PRIMARY KEY (server, from_ms)
    ) WITHOUT ROWID;
    CREATE TABLE samples (
        server INTEGER NOT NULL REFERENCES servers(id),
        at_ms INTEGER NOT NULL,
        store_free_mib INTEGER,
        store_size_mib INTEGER,
        store_used_tenths INTEGER,
        memory_used_mib INTEGER,
        memory_total_mib INTEGER,
        registered INTEGER NOT NULL,
        masters INTEGER NOT NULL,
        PRIMARY KEY (server, at_ms)
    ) WITHOUT ROWID;",
];

/// The version this build writes.
pub const VERSION: usize = MIGRATIONS.len();

/// Brings `db` to [`VERSION`]; an error when the file is newer than this
/// build (a downgrade) or a step fails.
pub fn migrate(db: &mut Connection) -> rusqlite::Result<()> {
    let found: usize = db.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > VERSION {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "the history database is of version {found}, newer than this gateway's {VERSION}"
        )));
    }
    for (done, step) in MIGRATIONS.iter().enumerate().skip(found) {
        let tx = db.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", done + 1)?;
        tx.commit()?;
    }
    Ok(())
}
