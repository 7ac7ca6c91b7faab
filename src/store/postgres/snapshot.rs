//! `list`, `show` and `export` on PostgreSQL: the rows a command reads are
//! copied, as they are, into a private in-memory SQLite database with the
//! SQLite store's schema, and the command runs its usual code on that.
//! The output is the SQLite store's by construction (same filter, same
//! formatting, same order); what it costs is reading those rows from the
//! server: one request for `show`, the newest N for `list`, every request
//! for `list --filter` and `export` (the filter is evaluated in Rust over
//! the rows, as on SQLite; it is not translated to SQL).

use chrono::{DateTime, SecondsFormat, Utc};
use futures::{StreamExt as _, pin_mut};
use rusqlite::{Connection, params};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::{PgError, PgTarget};
use crate::model::RequestId;
use crate::store::{StoreError, schema};

/// Which requests a command reads.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    All,
    /// The newest N (by id).
    Newest(usize),
    One(RequestId),
}

const COLUMNS: &str = "id, received_at, remote_addr, method, target, http_version, headers, body,
    body_size, outcome, resp_status, resp_headers, resp_body, latency_ms, provider, event_type,
    dup_key, findings, duplicate_of, resp_reason, channel, relay_url, relay_channel, relay_id";

const DELIVERY_COLUMNS: &str = "id, request_id, at, kind, target, method, path, status, latency_ms,
    error_kind, error_message, resp_headers, resp_body, sent_headers, sent_body";

/// The requests in `scope` (with their deliveries and the store's
/// identity), copied into a fresh in-memory SQLite store.
pub fn copy(target: &PgTarget, scope: Scope) -> Result<Connection, StoreError> {
    let mut conn = Connection::open_in_memory()?;
    schema::migrate(&mut conn)?;
    let conn = target.blocking(async move |client| {
        let (filter, arg): (&str, i64) = match scope {
            Scope::All => ("", 0),
            Scope::Newest(n) => (
                "WHERE id >= COALESCE((SELECT id FROM requests ORDER BY id DESC OFFSET ($1::bigint - 1) LIMIT 1), 0)",
                i64::try_from(n.max(1)).unwrap_or(i64::MAX),
            ),
            Scope::One(id) => ("WHERE id = $1", id),
        };
        let params: Vec<&(dyn ToSql + Sync)> = if filter.is_empty() {
            Vec::new()
        } else {
            vec![&arg]
        };
        let requests = format!("SELECT {COLUMNS} FROM requests {filter} ORDER BY id");
        let rows = client.query_raw(&requests, params.iter().copied()).await?;
        pin_mut!(rows);
        let tx = conn.unchecked_transaction().map_err(sqlite)?;
        while let Some(row) = rows.next().await {
            put_request(&tx, &row?).map_err(sqlite)?;
        }
        let deliveries = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE request_id IN (SELECT id FROM requests {filter}) ORDER BY id"
        );
        let rows = client
            .query_raw(&deliveries, params.iter().copied())
            .await?;
        pin_mut!(rows);
        while let Some(row) = rows.next().await {
            put_delivery(&tx, &row?).map_err(sqlite)?;
        }
        if let Some(row) = client
            .query_opt("SELECT value FROM meta WHERE key = 'store_id'", &[])
            .await?
        {
            tx.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'store_id'",
                [row.get::<_, String>(0)],
            )
            .map_err(sqlite)?;
        }
        tx.commit().map_err(sqlite)?;
        Ok(conn)
    })?;
    Ok(conn)
}

/// A SQLite error while filling the copy (in memory: out of memory, or a bug).
fn sqlite(e: rusqlite::Error) -> PgError {
    PgError::Runtime(std::io::Error::other(format!(
        "copying into memory failed: {e}"
    )))
}

/// A time as the SQLite store writes it (RFC 3339, milliseconds, `Z`).
fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn put_request(tx: &Connection, row: &Row) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "INSERT INTO requests (id, received_at, remote_addr, method, target, http_version, headers,
             body, body_size, outcome, resp_status, resp_headers, resp_body, latency_ms, provider,
             event_type, dup_key, findings, duplicate_of, resp_reason, channel, relay_url,
             relay_channel, relay_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20, ?21, ?22, ?23, ?24)",
    )?
    .execute(params![
        row.get::<_, i64>(0),
        time_text(row.get(1)),
        row.get::<_, String>(2),
        row.get::<_, String>(3),
        row.get::<_, String>(4),
        row.get::<_, String>(5),
        row.get::<_, Vec<u8>>(6),
        row.get::<_, Vec<u8>>(7),
        row.get::<_, i64>(8),
        row.get::<_, String>(9),
        row.get::<_, Option<i32>>(10),
        row.get::<_, Option<Vec<u8>>>(11),
        row.get::<_, Option<Vec<u8>>>(12),
        row.get::<_, Option<f64>>(13),
        row.get::<_, Option<String>>(14),
        row.get::<_, Option<String>>(15),
        row.get::<_, Option<String>>(16),
        row.get::<_, Option<String>>(17),
        row.get::<_, Option<i64>>(18),
        row.get::<_, Option<String>>(19),
        row.get::<_, Option<String>>(20),
        row.get::<_, Option<String>>(21),
        row.get::<_, Option<String>>(22),
        row.get::<_, Option<i64>>(23),
    ])
}

fn put_delivery(tx: &Connection, row: &Row) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "INSERT INTO deliveries (id, request_id, at, kind, target, method, path, status,
             latency_ms, error_kind, error_message, resp_headers, resp_body, sent_headers, sent_body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        row.get::<_, i64>(0),
        row.get::<_, i64>(1),
        row.get::<_, String>(2),
        row.get::<_, String>(3),
        row.get::<_, String>(4),
        row.get::<_, String>(5),
        row.get::<_, String>(6),
        row.get::<_, Option<i32>>(7),
        row.get::<_, f64>(8),
        row.get::<_, Option<String>>(9),
        row.get::<_, Option<String>>(10),
        row.get::<_, Vec<u8>>(11),
        row.get::<_, Vec<u8>>(12),
        row.get::<_, Option<Vec<u8>>>(13),
        row.get::<_, Option<Vec<u8>>>(14),
    ])
}

/// Delete these requests (their deliveries go with them); how many existed.
pub fn delete(target: &PgTarget, ids: Option<&[RequestId]>) -> Result<usize, StoreError> {
    let ids = ids.map(<[RequestId]>::to_vec);
    let n = target.blocking(async move |client| {
        let n = match ids {
            Some(ids) => {
                client
                    .execute("DELETE FROM requests WHERE id = ANY($1)", &[&ids])
                    .await?
            }
            None => client.execute("DELETE FROM requests", &[]).await?,
        };
        Ok(n)
    })?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}
