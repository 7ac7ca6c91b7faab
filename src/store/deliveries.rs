//! Deliveries: every time hookcatch sent a captured request somewhere (a
//! replay, a forward to the user's app, a step of the retry ladder, an edited
//! replay) and what came back. The captured request itself never changes; its
//! deliveries accumulate beside it, oldest first.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, Row, params, params_from_iter};

use super::StoreEvent;
use super::{StoreError, StoreWriter, codec};
use crate::model::RequestId;

pub use crate::model::{Delivery, DeliveryError, DeliveryErrorKind, DeliveryKind};

/// What the request list shows of a request's deliveries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryMark {
    pub count: u32,
    pub last_status: Option<u16>,
    pub last_error: Option<DeliveryErrorKind>,
}

impl DeliveryMark {
    pub fn last_success(&self) -> bool {
        self.last_error.is_none() && self.last_status.is_some_and(|s| (200..300).contains(&s))
    }

    /// `200`, `refused`: the last attempt's outcome in one word.
    pub fn last_label(&self) -> String {
        match (self.last_error, self.last_status) {
            (Some(e), _) => e.as_str().to_string(),
            (None, Some(s)) => s.to_string(),
            (None, None) => "-".to_string(),
        }
    }
}

/// Store a delivery in the writer's next transaction; subscribers get
/// [`StoreEvent::DeliveryAdded`] once it has committed. Returns its id once
/// committed, so a read right after sees it.
pub async fn insert(writer: &StoreWriter, delivery: Delivery) -> Result<i64, StoreError> {
    let request_id = delivery.request_id;
    writer
        .run_then(
            move |conn| insert_in(conn, &delivery),
            move |delivery| {
                Some(StoreEvent::DeliveryAdded {
                    request: request_id,
                    delivery: *delivery,
                })
            },
        )
        .await
}

/// The insert itself, for a caller already inside a transaction.
pub fn insert_in(conn: &Connection, d: &Delivery) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO deliveries (request_id, at, kind, target, method, path, status, latency_ms,
             error_kind, error_message, resp_headers, resp_body, sent_headers, sent_body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        d.request_id,
        d.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        d.kind.as_str(),
        d.target,
        d.method,
        d.path,
        d.status,
        d.latency_ms,
        d.error.as_ref().map(|e| e.kind.as_str()),
        d.error.as_ref().map(|e| e.message.as_str()),
        codec::encode_headers(&d.response_headers),
        d.response_body,
        d.sent_headers.as_deref().map(codec::encode_headers),
        d.sent_body,
    ])?;
    Ok(conn.last_insert_rowid())
}

const COLUMNS: &str = "id, request_id, at, kind, target, method, path, status, latency_ms,
     error_kind, error_message, resp_headers, resp_body, sent_headers, sent_body";

/// Every delivery of a request, oldest first.
pub fn list_for(conn: &Connection, request_id: RequestId) -> rusqlite::Result<Vec<Delivery>> {
    let sql = format!("SELECT {COLUMNS} FROM deliveries WHERE request_id = ?1 ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.query_map([request_id], from_row)?.collect()
}

/// One delivery by its own id.
pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Delivery>> {
    let sql = format!("SELECT {COLUMNS} FROM deliveries WHERE id = ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query_map([id], from_row)?;
    rows.next().transpose()
}

/// Deliveries stored after delivery `after`, as `(request, delivery)` in id
/// order; no bodies read. For readers that did not see them committed
/// (another process replayed).
pub fn added_after(conn: &Connection, after: i64) -> rusqlite::Result<Vec<(RequestId, i64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT request_id, id FROM deliveries WHERE id > ?1 ORDER BY id")?;
    stmt.query_map([after], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// The newest delivery's id, 0 when there is none.
pub fn last_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(id), 0) FROM deliveries", [], |r| {
        r.get(0)
    })
}

/// For the list: how many deliveries each of these requests has and how the
/// last one went. Requests without deliveries are absent from the map. One
/// indexed query per 500 ids, no bodies read.
pub fn marks(
    conn: &Connection,
    ids: &[RequestId],
) -> rusqlite::Result<HashMap<RequestId, DeliveryMark>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT g.request_id, g.n, l.status, l.error_kind FROM
               (SELECT request_id, COUNT(*) AS n, MAX(id) AS last FROM deliveries
                WHERE request_id IN ({marks}) GROUP BY request_id) g
             JOIN deliveries l ON l.id = g.last"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(chunk), |r| {
            Ok((
                r.get::<_, RequestId>(0)?,
                DeliveryMark {
                    count: r.get::<_, i64>(1)?.clamp(0, i64::from(u32::MAX)) as u32,
                    last_status: r.get(2)?,
                    last_error: r
                        .get::<_, Option<String>>(3)?
                        .map(|k| DeliveryErrorKind::parse(&k)),
                },
            ))
        })?;
        for row in rows {
            let (id, mark) = row?;
            out.insert(id, mark);
        }
    }
    Ok(out)
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Delivery> {
    let at = DateTime::parse_from_rfc3339(&row.get::<_, String>(2)?)
        .map_or(DateTime::<Utc>::UNIX_EPOCH, |t| t.with_timezone(&Utc));
    let error = match row.get::<_, Option<String>>(9)? {
        Some(kind) => Some(DeliveryError {
            kind: DeliveryErrorKind::parse(&kind),
            message: row.get::<_, Option<String>>(10)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Delivery {
        id: row.get(0)?,
        request_id: row.get(1)?,
        at,
        kind: DeliveryKind::parse(&row.get::<_, String>(3)?).unwrap_or(DeliveryKind::Replay),
        target: row.get(4)?,
        method: row.get(5)?,
        path: row.get(6)?,
        status: row.get(7)?,
        latency_ms: row.get(8)?,
        error,
        response_headers: codec::decode_headers(&row.get::<_, Vec<u8>>(11)?),
        response_body: row.get(12)?,
        sent_headers: row
            .get::<_, Option<Vec<u8>>>(13)?
            .map(|b| codec::decode_headers(&b)),
        sent_body: row.get(14)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema;

    fn db_with_request() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        schema::migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO requests (received_at, remote_addr, method, target, http_version, headers,
                 body, body_size, outcome) VALUES ('2026-01-01T00:00:00Z', 'x', 'POST', '/a', 'HTTP/1.1', x'', x'', 0, '{\"kind\":\"complete\"}')",
            [],
        )
        .unwrap();
        conn
    }

    fn delivery(status: Option<u16>, error: Option<DeliveryErrorKind>) -> Delivery {
        Delivery {
            id: 0,
            request_id: 1,
            at: Utc::now(),
            kind: DeliveryKind::Replay,
            target: "http://127.0.0.1:1/a".into(),
            method: "POST".into(),
            path: "/a".into(),
            status,
            latency_ms: 1.5,
            error: error.map(|kind| DeliveryError {
                kind,
                message: "nope".into(),
            }),
            response_headers: vec![crate::model::HeaderField::new("x", vec![0xff])],
            response_body: b"ok".to_vec(),
            sent_headers: None,
            sent_body: Some(b"edited".to_vec()),
        }
    }

    #[test]
    fn round_trip_oldest_first_and_marks() {
        let conn = db_with_request();
        let first = insert_in(&conn, &delivery(Some(500), None)).unwrap();
        insert_in(&conn, &delivery(None, Some(DeliveryErrorKind::Refused))).unwrap();
        let all = list_for(&conn, 1).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].id, first);
        assert_eq!(all[0].status, Some(500));
        assert_eq!(all[0].response_headers[0].value, vec![0xff]);
        assert_eq!(all[1].outcome_label(), "refused");
        let marks = marks(&conn, &[1, 2]).unwrap();
        assert_eq!(marks.len(), 1);
        assert_eq!(marks[&1].count, 2);
        assert_eq!(marks[&1].last_label(), "refused");
    }

    #[test]
    fn deleting_the_request_deletes_its_deliveries() {
        let conn = db_with_request();
        insert_in(&conn, &delivery(Some(200), None)).unwrap();
        conn.execute("DELETE FROM requests", []).unwrap();
        assert!(list_for(&conn, 1).unwrap().is_empty());
        assert!(insert_in(&conn, &delivery(Some(200), None)).is_err());
    }
}
