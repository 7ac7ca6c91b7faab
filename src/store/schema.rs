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
    // v2: deliveries, every replay or forward attempt of a request (see
    // deliveries.rs). The original request is never changed by one. A failed
    // attempt has no status and an error kind (refused, timeout, tls, other);
    // `sent_*` hold what an edited replay sent instead of the original (NULL:
    // unchanged). Deleting a request deletes its deliveries (the foreign key
    // with `PRAGMA foreign_keys`, and a trigger for connections without it).
    "CREATE TABLE deliveries (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id    INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
        at            TEXT    NOT NULL,
        kind          TEXT    NOT NULL,
        target        TEXT    NOT NULL,
        method        TEXT    NOT NULL,
        path          TEXT    NOT NULL,
        status        INTEGER,
        latency_ms    REAL    NOT NULL,
        error_kind    TEXT,
        error_message TEXT,
        resp_headers  BLOB    NOT NULL,
        resp_body     BLOB    NOT NULL,
        sent_headers  BLOB,
        sent_body     BLOB
    );
    CREATE INDEX deliveries_request ON deliveries(request_id, id);
    CREATE TRIGGER requests_delete_deliveries AFTER DELETE ON requests
    BEGIN
        DELETE FROM deliveries WHERE request_id = OLD.id;
    END;",
    // v3: what was decided when the request arrived, kept with it so every
    // reader shows that and never judges again with its own secrets:
    // `findings` is JSON (model::findings::StoredFindings: the auth verdict
    // with its diagnosis, the event), `duplicate_of` the first earlier
    // request with the same idempotency key at that moment. Rows stored
    // before have NULL findings; readers judge those on read and say so.
    "ALTER TABLE requests ADD COLUMN findings TEXT;
    ALTER TABLE requests ADD COLUMN duplicate_of INTEGER;",
    // v4: why a request has no answer recorded: `pending` while it is still
    // to be sent (stored before a delayed or proxied answer), else what
    // happened instead (`client gave up after 10.0 s`). NULL when answered,
    // and in rows stored before v4.
    "ALTER TABLE requests ADD COLUMN resp_reason TEXT;",
    // v5: the relay. On a relay's store `channel` is the channel a request
    // was posted to (its stream reads by channel and id). On a subscriber's
    // store `relay_url`, `relay_channel` and `relay_id` say which relay
    // request a row is a copy of, and `relay_cursors` the last relay id
    // stored per relay and channel, written in the same transaction as the
    // copy: a restart resumes after it, nothing lost and nothing twice.
    "ALTER TABLE requests ADD COLUMN channel TEXT;
    ALTER TABLE requests ADD COLUMN relay_url TEXT;
    ALTER TABLE requests ADD COLUMN relay_channel TEXT;
    ALTER TABLE requests ADD COLUMN relay_id INTEGER;
    CREATE INDEX requests_channel ON requests(channel, id) WHERE channel IS NOT NULL;
    CREATE TABLE relay_cursors (
        url     TEXT    NOT NULL,
        channel TEXT    NOT NULL,
        last_id INTEGER NOT NULL,
        PRIMARY KEY (url, channel)
    );",
    // v6: `meta` holds facts about the store itself by key (meta.rs: the
    // URL of the listener running on it, so `replay` and `send-test` find
    // it); `refused` the last requests hyper refused as malformed before
    // any handler saw them (refused.rs), capped.
    "CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE refused (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        at          TEXT    NOT NULL,
        remote_addr TEXT    NOT NULL,
        reason      TEXT    NOT NULL
    );",
    // v7: the store's identity, a random id made once with the store (or
    // when an older one is migrated). A relay sends it to subscribers; a
    // subscriber keeps the one its cursor counts in (`relay_cursors.store_id`,
    // NULL: not known yet), so a relay on a new store, whose ids start at 1
    // again, is noticed instead of skipped up to the old cursor.
    "INSERT INTO meta (key, value) VALUES ('store_id', lower(hex(randomblob(16))));
    ALTER TABLE relay_cursors ADD COLUMN store_id TEXT;",
    // v8: where a subscriber left each relay store it followed, per
    // channel: `relay_cursors` holds the live cursor by URL; when the relay
    // it names moves to another store, the one left is kept here, so a
    // relay given its old store back resumes where that store was left.
    "CREATE TABLE relay_store_cursors (
        store_id TEXT    NOT NULL,
        channel  TEXT    NOT NULL,
        last_id  INTEGER NOT NULL,
        PRIMARY KEY (store_id, channel)
    );",
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

    /// Each store gets its own identity, and keeps it across migrations.
    #[test]
    fn every_store_has_an_identity_of_its_own() {
        let id_of = |conn: &Connection| {
            conn.query_row("SELECT value FROM meta WHERE key = 'store_id'", [], |r| {
                r.get::<_, String>(0)
            })
            .unwrap()
        };
        let mut a = Connection::open_in_memory().unwrap();
        let mut b = Connection::open_in_memory().unwrap();
        migrate(&mut a).unwrap();
        migrate(&mut b).unwrap();
        let first = id_of(&a);
        assert_eq!(first.len(), 32);
        assert_ne!(first, id_of(&b));
        migrate(&mut a).unwrap();
        assert_eq!(id_of(&a), first);
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
