//! Reads: the list (summaries, no bodies), one request whole, and deletes.
//! `duplicate_of` is what was decided when the request arrived: it keeps
//! naming the first copy even after that copy is deleted (it is a fact about
//! the delivery, like its verdict). Rows stored before it was kept have it
//! computed from the idempotency key at read time.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Row, params, params_from_iter};

use super::codec;
use crate::model::findings::StoredFindings;
use crate::model::{CapturedRequest, CapturedResponse, Outcome, RelayRef, RequestId};

/// What the list needs of a request: no bodies, no headers.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestSummary {
    pub id: RequestId,
    pub received_at: DateTime<Utc>,
    pub method: String,
    pub target: String,
    pub body_size: u64,
    pub outcome: Outcome,
    pub status: Option<u16>,
    pub latency_ms: Option<f64>,
    pub provider: Option<String>,
    pub event_type: Option<String>,
    pub duplicate_of: Option<RequestId>,
}

/// A request read back whole, with what the store knows about it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRequest {
    pub request: CapturedRequest,
    pub duplicate_of: Option<RequestId>,
    /// What was decided at arrival; `None` for rows stored before findings
    /// were kept (or unreadable ones): readers judge those themselves.
    pub findings: Option<StoredFindings>,
    /// On a relay's store: the channel it was posted to.
    pub channel: Option<String>,
    /// On a subscriber's store: the relay request it is a copy of.
    pub relay: Option<RelayRef>,
}

impl StoredRequest {
    /// The relay channel: the one it was posted to (a relay's store), else
    /// the one it came from (a subscriber's).
    pub fn relay_channel(&self) -> Option<&str> {
        self.channel
            .as_deref()
            .or(self.relay.as_ref().map(|r| r.channel.as_str()))
    }
}

/// The stored decision, or for rows from before it was stored, the first
/// earlier request with the same key now.
const DUPLICATE_OF: &str = "CASE WHEN r.findings IS NOT NULL THEN r.duplicate_of ELSE (SELECT MIN(d.id) FROM requests d WHERE r.dup_key IS NOT NULL AND d.dup_key = r.dup_key AND d.id < r.id) END";

fn summary_columns() -> String {
    format!(
        "r.id, r.received_at, r.method, r.target, r.body_size, r.outcome, r.resp_status, r.latency_ms,
         r.provider, r.event_type, {DUPLICATE_OF}"
    )
}

fn full_columns() -> String {
    columns_with_body("r.body")
}

/// [`full_columns`] with `body` in the body's place.
fn columns_with_body(body: &str) -> String {
    format!(
        "r.id, r.received_at, r.remote_addr, r.method, r.target, r.http_version, r.headers, {body},
         r.body_size, r.outcome, r.resp_status, r.resp_headers, r.resp_body, r.latency_ms, {DUPLICATE_OF},
         r.findings, r.resp_reason, r.channel, r.relay_url, r.relay_channel, r.relay_id"
    )
}

/// The first request before `?2` with idempotency key `?1`: what
/// `duplicate_of` means, for a request whose key is known.
pub const FIRST_WITH_KEY: &str = "SELECT MIN(id) FROM requests WHERE dup_key = ?1 AND id < ?2";

pub fn first_with_key(
    conn: &Connection,
    key: &str,
    id: RequestId,
) -> rusqlite::Result<Option<RequestId>> {
    conn.prepare_cached(FIRST_WITH_KEY)?
        .query_row(params![key, id], |r| r.get(0))
}

pub fn count(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COUNT(*) FROM requests", [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

pub fn max_id(conn: &Connection) -> rusqlite::Result<RequestId> {
    conn.query_row("SELECT COALESCE(MAX(id), 0) FROM requests", [], |r| {
        r.get(0)
    })
}

/// Every id, oldest first: the TUI keeps this (8 bytes a request) and loads
/// rows only for what is visible.
pub fn all_ids(conn: &Connection) -> rusqlite::Result<Vec<RequestId>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM requests ORDER BY id")?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// Ids greater than `after`, oldest first.
pub fn ids_after(conn: &Connection, after: RequestId) -> rusqlite::Result<Vec<RequestId>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM requests WHERE id > ?1 ORDER BY id")?;
    stmt.query_map([after], |r| r.get(0))?.collect()
}

/// The newest `limit` summaries, oldest first (like a log's tail).
pub fn recent(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<RequestSummary>> {
    let sql = format!(
        "SELECT * FROM (SELECT {} FROM requests r ORDER BY r.id DESC LIMIT ?1) ORDER BY id",
        summary_columns()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.query_map([limit as i64], summary_from_row)?.collect()
}

/// Summaries for these ids, in the order given (missing ids are skipped).
pub fn summaries(conn: &Connection, ids: &[RequestId]) -> rusqlite::Result<Vec<RequestSummary>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT {} FROM requests r WHERE r.id IN ({marks})",
            summary_columns()
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows: Vec<RequestSummary> = stmt
            .query_map(params_from_iter(chunk), summary_from_row)?
            .collect::<Result<_, _>>()?;
        rows.sort_by_key(|s| chunk.iter().position(|id| *id == s.id));
        out.extend(rows);
    }
    Ok(out)
}

/// One request, whole.
pub fn get(conn: &Connection, id: RequestId) -> rusqlite::Result<Option<StoredRequest>> {
    let sql = format!("SELECT {} FROM requests r WHERE r.id = ?1", full_columns());
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query_map([id], stored_from_row)?;
    rows.next().transpose()
}

/// One request, whole when its body is at most `whole` bytes; else with its
/// body left empty and the body's length given, for a reader that sends
/// the body a piece at a time ([`body_piece`]) and never holds all of it.
pub fn get_in_pieces(
    conn: &Connection,
    id: RequestId,
    whole: usize,
) -> rusqlite::Result<Option<(StoredRequest, Option<usize>)>> {
    // One query; `length()` of a blob does not read it.
    let sql = format!(
        "SELECT {}, length(r.body) FROM requests r WHERE r.id = ?2",
        columns_with_body("CASE WHEN length(r.body) <= ?1 THEN r.body ELSE x'' END")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let len_at = stmt.column_count() - 1;
    let whole_i64 = i64::try_from(whole).unwrap_or(i64::MAX);
    let mut rows = stmt.query_map(params![whole_i64, id], |row| {
        Ok((stored_from_row(row)?, row.get::<_, i64>(len_at)?))
    })?;
    Ok(rows.next().transpose()?.map(|(stored, len)| {
        let len = usize::try_from(len).unwrap_or(0);
        (stored, (len > whole).then_some(len))
    }))
}

/// `len` bytes of request `id`'s body from `offset`, read from the file
/// without loading the rest (an error if the request is gone).
pub fn body_piece(
    conn: &Connection,
    id: RequestId,
    offset: usize,
    len: usize,
) -> rusqlite::Result<Vec<u8>> {
    let blob = conn.blob_open(rusqlite::MAIN_DB, "requests", "body", id, true)?;
    let mut piece = vec![0; len];
    blob.read_at_exact(&mut piece, offset)?;
    Ok(piece)
}

/// Whole requests with ids above `after`, oldest first, at most `limit`.
pub fn after(
    conn: &Connection,
    after: RequestId,
    limit: usize,
) -> rusqlite::Result<Vec<StoredRequest>> {
    let sql = format!(
        "SELECT {} FROM requests r WHERE r.id > ?1 ORDER BY r.id LIMIT ?2",
        full_columns()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.query_map(params![after, limit as i64], stored_from_row)?
        .collect()
}

/// Delete these ids; returns how many existed.
pub fn delete(conn: &Connection, ids: &[RequestId]) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare_cached("DELETE FROM requests WHERE id = ?1")?;
    let mut n = 0;
    for id in ids {
        n += stmt.execute([id])?;
    }
    Ok(n)
}

pub fn delete_all(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM requests", [])
}

pub(super) fn parse_time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map_or(DateTime::<Utc>::UNIX_EPOCH, |t| t.with_timezone(&Utc))
}

pub(super) fn parse_outcome(text: &str) -> Outcome {
    serde_json::from_str(text).unwrap_or(Outcome::Complete)
}

fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<RequestSummary> {
    Ok(RequestSummary {
        id: row.get(0)?,
        received_at: parse_time(&row.get::<_, String>(1)?),
        method: row.get(2)?,
        target: row.get(3)?,
        body_size: row.get::<_, i64>(4)? as u64,
        outcome: parse_outcome(&row.get::<_, String>(5)?),
        status: row.get(6)?,
        latency_ms: row.get(7)?,
        provider: row.get(8)?,
        event_type: row.get(9)?,
        duplicate_of: row.get(10)?,
    })
}

fn stored_from_row(row: &Row<'_>) -> rusqlite::Result<StoredRequest> {
    let response = match row.get::<_, Option<u16>>(10)? {
        Some(status) => Some(CapturedResponse {
            status,
            headers: codec::decode_headers(&row.get::<_, Option<Vec<u8>>>(11)?.unwrap_or_default()),
            body: row.get::<_, Option<Vec<u8>>>(12)?.unwrap_or_default(),
            latency_ms: row.get::<_, Option<f64>>(13)?.unwrap_or(0.0),
        }),
        None => None,
    };
    Ok(StoredRequest {
        request: CapturedRequest {
            id: row.get(0)?,
            received_at: parse_time(&row.get::<_, String>(1)?),
            remote_addr: row.get(2)?,
            method: row.get(3)?,
            target: row.get(4)?,
            http_version: row.get(5)?,
            headers: codec::decode_headers(&row.get::<_, Vec<u8>>(6)?),
            body: row.get(7)?,
            body_size: row.get::<_, i64>(8)? as u64,
            outcome: parse_outcome(&row.get::<_, String>(9)?),
            response,
            response_reason: row.get(16)?,
        },
        duplicate_of: row.get(14)?,
        findings: row
            .get::<_, Option<String>>(15)?
            .as_deref()
            .and_then(StoredFindings::from_json),
        channel: row.get(17)?,
        relay: match (row.get(18)?, row.get(19)?, row.get(20)?) {
            (Some(url), Some(channel), Some(id)) => Some(RelayRef { url, channel, id }),
            _ => None,
        },
    })
}

/// Whole requests posted to `channel` with ids above `after`, oldest
/// first, at most `limit`: what a relay stream sends next.
pub fn channel_after(
    conn: &Connection,
    channel: &str,
    after: RequestId,
    limit: usize,
) -> rusqlite::Result<Vec<StoredRequest>> {
    let sql = format!(
        "SELECT {} FROM requests r WHERE r.channel = ?1 AND r.id > ?2 ORDER BY r.id LIMIT ?3",
        full_columns()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.query_map(params![channel, after, limit as i64], stored_from_row)?
        .collect()
}

/// Ids of requests posted to `channel` above `after`, oldest first, at most `limit`.
pub fn channel_ids_after(
    conn: &Connection,
    channel: &str,
    after: RequestId,
    limit: usize,
) -> rusqlite::Result<Vec<RequestId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM requests WHERE channel = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
    )?;
    stmt.query_map(params![channel, after, limit as i64], |r| r.get(0))?
        .collect()
}

/// How many requests posted to `channel` have ids above `after`.
pub fn channel_count_after(
    conn: &Connection,
    channel: &str,
    after: RequestId,
) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT COUNT(*) FROM requests WHERE channel = ?1 AND id > ?2")?
        .query_row(params![channel, after], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

/// The last relay id stored from this relay URL and channel (0: none yet),
/// and the identity of the relay store that id belongs to (`None`: not
/// known yet, a cursor kept before stores had one).
pub fn relay_cursor(
    conn: &Connection,
    url: &str,
    channel: &str,
) -> rusqlite::Result<(RequestId, Option<String>)> {
    conn.prepare_cached(
        "SELECT last_id, store_id FROM relay_cursors WHERE url = ?1 AND channel = ?2",
    )?
    .query_row(params![url, channel], |r| Ok((r.get(0)?, r.get(1)?)))
    .or_else(|e| match e {
        rusqlite::Error::QueryReturnedNoRows => Ok((0, None)),
        e => Err(e),
    })
}

/// Count this relay URL and channel's cursor in the relay store
/// `store_id` from now on, and return where it resumes: the cursor is the
/// relay store's and channel's, whatever URL reached it. The last id is
/// the highest this store reached under any spelling of the relay's URL,
/// or when it was left before; a cursor kept before stores had an identity
/// (`store_id` NULL) counts in this one. The store being left is kept in
/// `relay_store_cursors` (schema v8) for a switch back.
pub fn switch_relay_store(
    conn: &Connection,
    url: &str,
    channel: &str,
    store_id: &str,
) -> rusqlite::Result<RequestId> {
    conn.prepare_cached(
        "INSERT INTO relay_store_cursors (store_id, channel, last_id)
         SELECT store_id, channel, last_id FROM relay_cursors
             WHERE url = ?1 AND channel = ?2 AND store_id IS NOT NULL AND store_id <> ?3
         ON CONFLICT (store_id, channel) DO UPDATE SET last_id = MAX(last_id, excluded.last_id)",
    )?
    .execute(params![url, channel, store_id])?;
    let last: RequestId = conn
        .prepare_cached(
            "SELECT COALESCE(MAX(last_id), 0) FROM (
                 SELECT last_id FROM relay_cursors
                     WHERE channel = ?2 AND (store_id = ?3 OR (url = ?1 AND store_id IS NULL))
                 UNION ALL
                 SELECT last_id FROM relay_store_cursors WHERE store_id = ?3 AND channel = ?2)",
        )?
        .query_row(params![url, channel, store_id], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO relay_cursors (url, channel, last_id, store_id) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (url, channel) DO UPDATE SET store_id = excluded.store_id,
             last_id = excluded.last_id",
    )?
    .execute(params![url, channel, last, store_id])?;
    Ok(last)
}

/// This store's identity (see schema v7).
pub fn store_id(conn: &Connection) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT value FROM meta WHERE key = 'store_id'")?
        .query_row([], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the writer does with each copied request (writer.rs).
    fn stored(conn: &Connection, url: &str, channel: &str, id: RequestId) {
        conn.execute(
            "INSERT INTO relay_cursors (url, channel, last_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (url, channel) DO UPDATE SET last_id = MAX(last_id, excluded.last_id)",
            params![url, channel, id],
        )
        .unwrap();
    }

    #[test]
    fn the_relay_cursor_is_the_relay_stores_and_channels() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        let (a, b) = ("http://127.0.0.1:9", "http://localhost:9");
        // A cursor kept before stores had an identity counts in the first.
        stored(&conn, a, "ch", 4);
        assert_eq!(switch_relay_store(&conn, a, "ch", "A").unwrap(), 4);
        stored(&conn, a, "ch", 5);
        // A new store starts at 0; the first one back resumes at 5.
        assert_eq!(switch_relay_store(&conn, a, "ch", "B").unwrap(), 0);
        stored(&conn, a, "ch", 2);
        assert_eq!(switch_relay_store(&conn, a, "ch", "A").unwrap(), 5);
        assert_eq!(switch_relay_store(&conn, a, "ch", "B").unwrap(), 2);
        // Another spelling of the relay, and another channel.
        assert_eq!(switch_relay_store(&conn, b, "ch", "B").unwrap(), 2);
        assert_eq!(switch_relay_store(&conn, b, "other", "B").unwrap(), 0);
        assert_eq!(relay_cursor(&conn, b, "ch").unwrap(), (2, Some("B".into())));
    }
}
