//! The schema and its migrations. `PRAGMA user_version` holds the version; each
//! migration runs once, in order, inside a transaction.

use rusqlite::Connection;

/// Migrations by version: index 0 brings a new database to version 1.
const MIGRATIONS: &[&str] = &[
    // v1: captured requests. Headers are byte-exact blobs (see codec.rs);
    // provider, event type and idempotency key are derived at capture time so
    // the list and duplicate marks never need to parse bodies.
    "CREATE TABLE requests (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        received_at   TEXT    NOT NULL,
        remote_addr   TEXT    NOT NULL,
        method        TEXT    NOT NULL,
        target        TEXT    NOT NULL,
        http_version  TEXT    NOT NULL,
        headers       BLOB    NOT NULL,
        body          BLOB    NOT NULL,
        body_size     INTEGER NOT NULL,
        outcome       TEXT    NOT NULL,
        resp_status   INTEGER,
        resp_headers  BLOB,
        resp_body     BLOB,
        latency_ms    REAL,
        provider      TEXT,
        event_type    TEXT,
        dup_key       TEXT
    );
    CREATE INDEX requests_dup_key ON requests(dup_key) WHERE dup_key IS NOT NULL;",
];

pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "the store was written by a newer hookcatch (schema v{found}, this one knows v{CURRENT_VERSION}); upgrade hookcatch"
    )]
    TooNew { found: i64 },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Bring the database up to [`CURRENT_VERSION`].
pub fn migrate(conn: &mut Connection) -> Result<(), SchemaError> {
    let found = version(conn)?;
    if found > CURRENT_VERSION {
        return Err(SchemaError::TooNew { found });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Add a migration by appending to `MIGRATIONS`; this test keeps them sound.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_fresh_and_is_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), CURRENT_VERSION);
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), CURRENT_VERSION);
    }

    #[test]
    fn refuses_newer_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", CURRENT_VERSION + 5)
            .unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(SchemaError::TooNew { .. })
        ));
    }
}
