//! `relay --keep N` (per channel) and `--keep-days N`: what the relay keeps,
//! pruned at start and then every minute, inside the writer's transaction
//! (a stream that reads a deleted id skips it).

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, params};

use crate::model::Notice;
use crate::store::StoreWriter;

/// How often the relay prunes.
const EVERY: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Keep {
    /// Requests kept per channel, newest first.
    pub per_channel: Option<u64>,
    pub days: Option<u64>,
}

impl Keep {
    pub fn is_unlimited(&self) -> bool {
        self.per_channel.is_none() && self.days.is_none()
    }
}

/// Delete what falls outside `keep`; returns how many requests went.
pub fn prune(conn: &Connection, keep: Keep) -> rusqlite::Result<usize> {
    let mut deleted = 0;
    if let Some(days) = keep.days {
        let days = i64::try_from(days).unwrap_or(i64::MAX).min(365_000);
        let cutoff = Utc::now() - chrono::Duration::days(days);
        // Stored as RFC 3339 UTC with milliseconds: text order is time order.
        deleted += conn.execute(
            "DELETE FROM requests WHERE received_at < ?1",
            params![cutoff.to_rfc3339_opts(SecondsFormat::Millis, true)],
        )?;
    }
    if let Some(n) = keep.per_channel {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        deleted += conn.execute(
            "DELETE FROM requests WHERE id IN (
                 SELECT id FROM (
                     SELECT id, ROW_NUMBER() OVER (PARTITION BY channel ORDER BY id DESC) AS newer
                     FROM requests WHERE channel IS NOT NULL
                 ) WHERE newer > ?1
             )",
            params![n],
        )?;
    }
    Ok(deleted)
}

/// Prune now and every [`EVERY`] until the writer is gone.
pub async fn run(writer: StoreWriter, keep: Keep, shutdown: tokio_util::sync::CancellationToken) {
    if keep.is_unlimited() {
        return;
    }
    loop {
        if writer
            .run(Some(Notice::Deleted), move |c| prune(c, keep))
            .await
            .is_err()
        {
            return;
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(EVERY) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_per_channel() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        for (i, channel) in ["a", "a", "a", "b", "a", "b"].iter().enumerate() {
            conn.execute(
                "INSERT INTO requests (received_at, remote_addr, method, target, http_version, headers,
                     body, body_size, outcome, channel)
                 VALUES ('2020-01-01T00:00:00.000Z', '', 'POST', '/', 'HTTP/1.1', x'', x'', 0, '{}', ?1)",
                params![channel],
            )
            .unwrap();
            let _ = i;
        }
        let keep = Keep {
            per_channel: Some(2),
            days: None,
        };
        assert_eq!(prune(&conn, keep).unwrap(), 2);
        let left: Vec<i64> = conn
            .prepare("SELECT id FROM requests ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(left, vec![3, 4, 5, 6]);
        let keep = Keep {
            per_channel: None,
            days: Some(1),
        };
        assert_eq!(prune(&conn, keep).unwrap(), 4);
    }
}
