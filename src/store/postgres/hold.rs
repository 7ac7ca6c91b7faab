//! Hold mode across relays on one database. A sender waits on the relay
//! it posted to; its subscriber's answer may be posted to another relay.
//! The answer goes through the database: the relay it is posted to stores
//! it in `hold_answers` (the first answer for a request wins, whichever
//! relay took it) and notifies `ANSWERS_CHANNEL`; every relay hears that,
//! and the one holding the sender reads the answer and gives it.
//!
//! Whether a channel has a subscriber anywhere: each relay keeps a row per
//! channel it has streams for in `relay_presence`, refreshed every second
//! ([`PRESENCE_EVERY`]); a row not refreshed for [`PRESENCE_FOR`] counts
//! no more (a relay killed leaves one behind that long).

use std::time::Duration;

use tokio_postgres::types::ToSql;

use super::read::PgReader;
use super::{ANSWERS_CHANNEL, PgError};
use crate::model::{CapturedResponse, RequestId};
use crate::store::{StoreError, codec};

/// How often a relay says which channels it has streams for.
pub const PRESENCE_EVERY: Duration = Duration::from_secs(1);

/// How long such a row counts.
const PRESENCE_FOR: &str = "5 seconds";

impl PgReader {
    /// This relay (`relay`, a random id of the process) has streams for
    /// exactly `channels` now.
    pub async fn present(&self, relay: &str, channels: &[String]) -> Result<(), StoreError> {
        let c = self.client().await?;
        c.execute(
            "DELETE FROM relay_presence WHERE relay = $1 AND NOT (channel = ANY($2))",
            &[&relay, &channels],
        )
        .await
        .map_err(PgError::from)?;
        if !channels.is_empty() {
            c.execute(
                "INSERT INTO relay_presence (relay, channel, seen)
                 SELECT $1, unnest($2::text[]), now()
                 ON CONFLICT (relay, channel) DO UPDATE SET seen = excluded.seen",
                &[&relay, &channels],
            )
            .await
            .map_err(PgError::from)?;
        }
        Ok(())
    }

    /// Does another relay (not `relay`) have a stream for `channel` now?
    pub async fn followed_elsewhere(&self, relay: &str, channel: &str) -> Result<bool, StoreError> {
        let c = self.client().await?;
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM relay_presence WHERE channel = $1 AND relay <> $2
                 AND seen > now() - interval '{PRESENCE_FOR}')"
        );
        let row = c
            .query_one(&sql, &[&channel, &relay])
            .await
            .map_err(PgError::from)?;
        Ok(row.get(0))
    }

    /// Store a subscriber's answer for request `id` of `channel` and tell
    /// every relay; `false` when another answer came first (or there is no
    /// such request).
    pub async fn post_answer(
        &self,
        channel: &str,
        id: RequestId,
        answer: &CapturedResponse,
    ) -> Result<bool, StoreError> {
        let c = self.client().await?;
        let payload = super::notify::payload(channel, id);
        let headers = codec::encode_headers(&answer.headers);
        let status = i32::from(answer.status);
        let params: [&(dyn ToSql + Sync); 7] = [
            &id,
            &channel,
            &status,
            &headers,
            &answer.body,
            &ANSWERS_CHANNEL,
            &payload,
        ];
        let rows = c
            .query(
                "WITH stored AS (
                     INSERT INTO hold_answers (request_id, channel, status, headers, body)
                     SELECT $1, $2, $3, $4, $5 WHERE EXISTS (
                         SELECT 1 FROM requests WHERE id = $1 AND channel = $2)
                     ON CONFLICT (request_id) DO NOTHING
                     RETURNING request_id)
                 SELECT pg_notify($6, $7) FROM stored",
                &params,
            )
            .await
            .map_err(PgError::from)?;
        Ok(!rows.is_empty())
    }

    /// The answer stored for request `id` of `channel`, if any.
    pub async fn answer_for(
        &self,
        channel: &str,
        id: RequestId,
    ) -> Result<Option<CapturedResponse>, StoreError> {
        let c = self.client().await?;
        let row = c
            .query_opt(
                "SELECT status, headers, body FROM hold_answers WHERE request_id = $1 AND channel = $2",
                &[&id, &channel],
            )
            .await
            .map_err(PgError::from)?;
        Ok(row.map(|row| CapturedResponse {
            status: u16::try_from(row.get::<_, i32>(0)).unwrap_or(0),
            headers: codec::decode_headers(&row.get::<_, Vec<u8>>(1)),
            body: row.get(2),
            latency_ms: 0.0,
        }))
    }
}
