//! Reads on PostgreSQL: what a relay stream reads by channel and id, and
//! what the headless printer reads to catch up. One client is shared by
//! every reader (tokio-postgres pipelines concurrent queries on it); a
//! client the server dropped is replaced at the next read.

use std::sync::Arc;

use tokio::sync::Mutex;
use tokio_postgres::{Client, Row};

use super::{PgError, PgTarget};
use crate::model::findings::StoredFindings;
use crate::model::{CapturedRequest, CapturedResponse, RelayRef, RequestId};
use crate::store::query::{StoredRequest, parse_outcome};
use crate::store::{StoreError, codec};

const COLUMNS: &str = "r.id, r.received_at, r.remote_addr, r.method, r.target, r.http_version,
    r.headers, {body}, r.body_size, r.outcome, r.resp_status, r.resp_headers, r.resp_body,
    r.latency_ms, r.duplicate_of, r.findings, r.resp_reason, r.channel, r.relay_url,
    r.relay_channel, r.relay_id";

fn columns_with_body(body: &str) -> String {
    COLUMNS.replace("{body}", body)
}

pub struct PgReader {
    target: PgTarget,
    client: Mutex<Option<Arc<Client>>>,
}

impl PgReader {
    pub fn new(target: PgTarget) -> PgReader {
        PgReader {
            target,
            client: Mutex::new(None),
        }
    }

    /// The shared client, connected (again) if need be.
    pub(super) async fn client(&self) -> Result<Arc<Client>, PgError> {
        let mut slot = self.client.lock().await;
        if let Some(client) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(client.clone());
        }
        let client = Arc::new(self.target.connect().await?);
        *slot = Some(client.clone());
        Ok(client)
    }

    /// The newest id stored (0: none).
    pub async fn max_id(&self) -> Result<RequestId, StoreError> {
        let c = self.client().await?;
        let row = c
            .query_one("SELECT COALESCE(MAX(id), 0) FROM requests", &[])
            .await
            .map_err(PgError::from)?;
        Ok(row.get(0))
    }

    pub async fn get(&self, id: RequestId) -> Result<Option<StoredRequest>, StoreError> {
        let c = self.client().await?;
        let sql = format!(
            "SELECT {} FROM requests r WHERE r.id = $1",
            columns_with_body("r.body")
        );
        let row = c.query_opt(&sql, &[&id]).await.map_err(PgError::from)?;
        Ok(row.as_ref().map(stored_from_row))
    }

    /// Whole requests with ids above `after`, oldest first, at most `limit`.
    pub async fn after(
        &self,
        after: RequestId,
        limit: usize,
    ) -> Result<Vec<StoredRequest>, StoreError> {
        let c = self.client().await?;
        let sql = format!(
            "SELECT {} FROM requests r WHERE r.id > $1 ORDER BY r.id LIMIT $2",
            columns_with_body("r.body")
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = c
            .query(&sql, &[&after, &limit])
            .await
            .map_err(PgError::from)?;
        Ok(rows.iter().map(stored_from_row).collect())
    }

    /// Ids of requests posted to `channel` above `after`, oldest first.
    pub async fn channel_ids_after(
        &self,
        channel: &str,
        after: RequestId,
        limit: usize,
    ) -> Result<Vec<RequestId>, StoreError> {
        let c = self.client().await?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = c
            .query(
                "SELECT id FROM requests WHERE channel = $1 AND id > $2 ORDER BY id LIMIT $3",
                &[&channel, &after, &limit],
            )
            .await
            .map_err(PgError::from)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub async fn channel_count_after(
        &self,
        channel: &str,
        after: RequestId,
    ) -> Result<u64, StoreError> {
        let c = self.client().await?;
        let row = c
            .query_one(
                "SELECT COUNT(*) FROM requests WHERE channel = $1 AND id > $2",
                &[&channel, &after],
            )
            .await
            .map_err(PgError::from)?;
        Ok(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0))
    }

    /// As `query::get_in_pieces`: whole when the body is at most `whole`
    /// bytes, else without its body and with the body's length.
    pub async fn get_in_pieces(
        &self,
        id: RequestId,
        whole: usize,
    ) -> Result<Option<(StoredRequest, Option<usize>)>, StoreError> {
        let c = self.client().await?;
        let sql = format!(
            "SELECT {}, octet_length(r.body) FROM requests r WHERE r.id = $2",
            columns_with_body(
                "CASE WHEN octet_length(r.body) <= $1 THEN r.body ELSE ''::bytea END"
            )
        );
        let whole_i32 = i32::try_from(whole).unwrap_or(i32::MAX);
        let row = c
            .query_opt(&sql, &[&whole_i32, &id])
            .await
            .map_err(PgError::from)?;
        Ok(row.map(|row| {
            let len = usize::try_from(row.get::<_, i32>(21)).unwrap_or(0);
            (stored_from_row(&row), (len > whole).then_some(len))
        }))
    }

    /// `len` bytes of request `id`'s body from `offset` (the body is stored
    /// uncompressed, so only that piece is read); an error if it is gone.
    pub async fn body_piece(
        &self,
        id: RequestId,
        offset: usize,
        len: usize,
    ) -> Result<Vec<u8>, StoreError> {
        let c = self.client().await?;
        let from = i32::try_from(offset + 1).unwrap_or(i32::MAX);
        let n = i32::try_from(len).unwrap_or(i32::MAX);
        let row = c
            .query_one(
                "SELECT substring(body FROM $2 FOR $3) FROM requests WHERE id = $1",
                &[&id, &from, &n],
            )
            .await
            .map_err(PgError::from)?;
        Ok(row.get(0))
    }

    /// This store's identity (`meta.store_id`).
    pub async fn store_id(&self) -> Result<String, StoreError> {
        let c = self.client().await?;
        let row = c
            .query_one("SELECT value FROM meta WHERE key = 'store_id'", &[])
            .await
            .map_err(PgError::from)?;
        Ok(row.get(0))
    }
}

fn stored_from_row(row: &Row) -> StoredRequest {
    let response = row
        .get::<_, Option<i32>>(10)
        .map(|status| CapturedResponse {
            status: u16::try_from(status).unwrap_or(0),
            headers: codec::decode_headers(&row.get::<_, Option<Vec<u8>>>(11).unwrap_or_default()),
            body: row.get::<_, Option<Vec<u8>>>(12).unwrap_or_default(),
            latency_ms: row.get::<_, Option<f64>>(13).unwrap_or(0.0),
        });
    StoredRequest {
        request: CapturedRequest {
            id: row.get(0),
            received_at: row.get(1),
            remote_addr: row.get(2),
            method: row.get(3),
            target: row.get(4),
            http_version: row.get(5),
            headers: codec::decode_headers(&row.get::<_, Vec<u8>>(6)),
            body: row.get(7),
            body_size: u64::try_from(row.get::<_, i64>(8)).unwrap_or(0),
            outcome: parse_outcome(row.get(9)),
            response,
            response_reason: row.get(16),
        },
        duplicate_of: row.get(14),
        findings: row
            .get::<_, Option<String>>(15)
            .as_deref()
            .and_then(StoredFindings::from_json),
        channel: row.get(17),
        relay: match (row.get(18), row.get(19), row.get(20)) {
            (Some(url), Some(channel), Some(id)) => Some(RelayRef { url, channel, id }),
            _ => None,
        },
    }
}
