//! The refusal log: requests hyper refused as malformed (answering its own
//! 400, or 431 for a head too large) before any handler saw them, so there
//! is no request to store, only who sent it, when, and hyper's reason. The
//! user is usually debugging exactly such a sender. Capped at [`KEEP`]
//! entries: a client spraying garbage cannot grow the store without end.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, params};

use super::{StoreError, StoreEvent, StoreWriter};

/// How many refusals are kept, the newest.
pub const KEEP: i64 = 1000;

/// One refused request. `reason` is hyper's words and may quote client
/// bytes: sanitize before display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub remote_addr: String,
    pub reason: String,
}

/// Log a refusal (dropping the oldest past [`KEEP`]); subscribers get
/// [`StoreEvent::Refused`] once it has committed.
pub async fn record(
    writer: &StoreWriter,
    remote_addr: String,
    reason: String,
) -> Result<i64, StoreError> {
    let mut refusal = Refusal {
        id: 0,
        at: Utc::now(),
        remote_addr,
        reason,
    };
    writer
        .run_then(
            {
                let refusal = refusal.clone();
                move |conn| insert(conn, &refusal)
            },
            move |id| {
                refusal.id = *id;
                Some(StoreEvent::Refused(Arc::new(refusal)))
            },
        )
        .await
}

fn insert(conn: &Connection, r: &Refusal) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO refused (at, remote_addr, reason) VALUES (?1, ?2, ?3)",
        params![
            r.at.to_rfc3339_opts(SecondsFormat::Millis, true),
            r.remote_addr,
            r.reason
        ],
    )?;
    let id = conn.last_insert_rowid();
    conn.execute("DELETE FROM refused WHERE id <= ?1", [id - KEEP])?;
    Ok(id)
}

/// The newest `limit` refusals, oldest first.
pub fn newest(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<Refusal>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare(
        "SELECT id, at, remote_addr, reason FROM
           (SELECT * FROM refused ORDER BY id DESC LIMIT ?1)
         ORDER BY id",
    )?;
    stmt.query_map([limit], |row| {
        Ok(Refusal {
            id: row.get(0)?,
            at: super::query::parse_time(&row.get::<_, String>(1)?),
            remote_addr: row.get(2)?,
            reason: row.get(3)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_and_lists_them_oldest_first() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        let refusal = |n: usize| Refusal {
            id: 0,
            at: Utc::now(),
            remote_addr: format!("127.0.0.1:{n}"),
            reason: format!("invalid HTTP method parsed ({n})"),
        };
        for n in 0..(KEEP as usize + 5) {
            insert(&conn, &refusal(n)).unwrap();
        }
        let count: i64 = conn
            .query_row("SELECT count(*) FROM refused", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, KEEP);
        let last = newest(&conn, 2).unwrap();
        assert_eq!(last.len(), 2);
        assert!(last[0].id < last[1].id);
        assert_eq!(last[1].remote_addr, format!("127.0.0.1:{}", KEEP + 4));
    }
}
