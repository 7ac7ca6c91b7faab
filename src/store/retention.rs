//! Retention: how much of the store to keep (the newest N requests, the
//! last D days), and pruning the rest in small batches, so a store can run
//! for months without growing without bound. The rule is data
//! ([`Retention`]) that any long-running writer (the listener, a relay)
//! hands to [`prune_in_batches`]; the deletes go through the caller's
//! `delete` (the store writer's transaction, or a plain connection), a batch
//! at a time, so no write waits behind one long transaction. A request's
//! deliveries go with it (the foreign key and the v2 trigger).

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, params};

use crate::model::RequestId;

/// How many requests one delete removes: small enough that a capture
/// queued behind it waits milliseconds, not seconds.
pub const BATCH: usize = 500;

/// What to keep. Both limits apply when both are set; neither keeps all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// Keep the newest N requests (by id: the order they were stored in).
    pub keep: Option<u64>,
    /// Keep requests received in the last D days.
    pub keep_days: Option<u64>,
    /// `keep` counts each relay channel on its own (a relay: one busy
    /// channel never pushes out another's history).
    pub per_channel: bool,
}

impl Retention {
    pub fn is_active(&self) -> bool {
        self.keep.is_some() || self.keep_days.is_some()
    }

    /// For messages: `newest 1000, last 30 days`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.keep {
            let per = if self.per_channel { " per channel" } else { "" };
            parts.push(format!("newest {n}{per}"));
        }
        if let Some(d) = self.keep_days {
            parts.push(format!("last {d} day{}", if d == 1 { "" } else { "s" }));
        }
        if parts.is_empty() {
            "everything".into()
        } else {
            parts.join(", ")
        }
    }

    /// Received before this instant: too old to keep.
    fn cutoff(&self, now: DateTime<Utc>) -> Option<String> {
        let days = i64::try_from(self.keep_days?).unwrap_or(i64::MAX);
        let cutoff = chrono::Duration::try_days(days)
            .and_then(|d| now.checked_sub_signed(d))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        // Stored times are RFC 3339 UTC with milliseconds and `Z`: they sort
        // as text in time order.
        Some(cutoff.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

/// Up to `limit` ids, oldest first, that `retention` does not keep.
pub fn doomed(
    conn: &Connection,
    retention: &Retention,
    now: DateTime<Utc>,
    limit: usize,
) -> rusqlite::Result<Vec<RequestId>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut ids = Vec::new();
    if let Some(keep) = retention.keep.filter(|_| retention.per_channel) {
        // Beyond the keep-th newest of its own channel (channels are few;
        // this reads the ids and channels only, not the bodies).
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY channel ORDER BY id DESC)
             AS newer FROM requests) WHERE newer > ?1 ORDER BY id LIMIT ?2",
        )?;
        ids = stmt
            .query_map(params![keep, limit], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<RequestId>>>()?;
    } else if let Some(keep) = retention.keep.filter(|&k| k > 0) {
        // Everything older than the keep-th newest id. With fewer requests
        // than that the subquery is NULL and nothing matches.
        let offset = i64::try_from(keep - 1).unwrap_or(i64::MAX);
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM requests WHERE id < (SELECT id FROM requests ORDER BY id DESC
             LIMIT 1 OFFSET ?1) ORDER BY id LIMIT ?2",
        )?;
        ids = stmt
            .query_map(params![offset, limit], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<RequestId>>>()?;
    } else if retention.keep == Some(0) {
        ids = conn
            .prepare_cached("SELECT id FROM requests ORDER BY id LIMIT ?1")?
            .query_map([limit], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
    }
    if let Some(cutoff) = retention.cutoff(now) {
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM requests WHERE received_at < ?1 ORDER BY id LIMIT ?2",
        )?;
        let old = stmt
            .query_map(params![cutoff, limit], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<RequestId>>>()?;
        ids.extend(old);
        ids.sort_unstable();
        ids.dedup();
        ids.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    Ok(ids)
}

/// Delete what `retention` does not keep, [`BATCH`] ids at a time: `find`
/// reads the next batch, `delete` removes it (each call its own short
/// transaction) and says how many existed. Returns how many were removed.
pub fn prune_in_batches<E>(
    retention: &Retention,
    now: DateTime<Utc>,
    mut find: impl FnMut(&Retention, DateTime<Utc>) -> Result<Vec<RequestId>, E>,
    mut delete: impl FnMut(Vec<RequestId>) -> Result<usize, E>,
) -> Result<u64, E> {
    let mut removed = 0u64;
    if !retention.is_active() {
        return Ok(0);
    }
    loop {
        let ids = find(retention, now)?;
        if ids.is_empty() {
            return Ok(removed);
        }
        let gone = delete(ids)?;
        if gone == 0 {
            // Someone else deleted them meanwhile: never spin on a batch.
            return Ok(removed);
        }
        removed += gone as u64;
    }
}

/// Prune on one connection (`hookcatch prune`): each batch its own
/// transaction, so a listener writing beside it waits at most one batch.
pub fn prune(
    conn: &mut Connection,
    retention: &Retention,
    now: DateTime<Utc>,
) -> rusqlite::Result<u64> {
    let conn = &*conn;
    prune_in_batches(
        retention,
        now,
        |r, now| doomed(conn, r, now, BATCH),
        |ids| {
            let tx = conn.unchecked_transaction()?;
            let n = super::query::delete(&tx, &ids)?;
            tx.commit()?;
            Ok(n)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(times: &[&str]) -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        for t in times {
            conn.execute(
                "INSERT INTO requests (received_at, remote_addr, method, target, http_version,
                 headers, body, body_size, outcome) VALUES (?1, '', 'POST', '/', 'HTTP/1.1', x'', x'', 0, '')",
                [t],
            )
            .unwrap();
        }
        conn
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn keep_n_keeps_the_newest_n() {
        let mut conn = store(&["2026-03-10T00:00:00.000Z"; 7]);
        let keep = Retention {
            keep: Some(3),
            keep_days: None,
            per_channel: false,
        };
        assert_eq!(doomed(&conn, &keep, now(), 100).unwrap(), vec![1, 2, 3, 4]);
        assert_eq!(doomed(&conn, &keep, now(), 2).unwrap(), vec![1, 2]);
        assert_eq!(prune(&mut conn, &keep, now()).unwrap(), 4);
        assert_eq!(super::super::query::all_ids(&conn).unwrap(), vec![5, 6, 7]);
        let more = Retention {
            keep: Some(10),
            keep_days: None,
            per_channel: false,
        };
        assert_eq!(prune(&mut conn, &more, now()).unwrap(), 0);
    }

    #[test]
    fn keep_days_removes_older_requests_and_both_rules_apply() {
        let mut conn = store(&[
            "2026-01-01T00:00:00.000Z",
            "2026-03-01T00:00:00.000Z",
            "2026-03-09T13:00:00.000Z",
            "2026-03-10T11:00:00.000Z",
        ]);
        let days = Retention {
            keep: None,
            keep_days: Some(7),
            per_channel: false,
        };
        assert_eq!(doomed(&conn, &days, now(), 100).unwrap(), vec![1, 2]);
        let both = Retention {
            keep: Some(1),
            keep_days: Some(7),
            per_channel: false,
        };
        assert_eq!(doomed(&conn, &both, now(), 100).unwrap(), vec![1, 2, 3]);
        assert_eq!(prune(&mut conn, &both, now()).unwrap(), 3);
        assert_eq!(super::super::query::all_ids(&conn).unwrap(), vec![4]);
    }

    #[test]
    fn nothing_is_pruned_without_a_rule() {
        let mut conn = store(&["2000-01-01T00:00:00.000Z"]);
        assert_eq!(prune(&mut conn, &Retention::default(), now()).unwrap(), 0);
        assert_eq!(Retention::default().describe(), "everything");
    }
}
