//! What a store holds, counted in SQL: how many requests, their bytes, the
//! time span, and counts by sender, event type and auth verdict. The verdict
//! counted is the one stored at arrival (the `findings` column), never one
//! judged now; rows stored before verdicts were kept are counted apart.

use std::collections::BTreeMap;

use rusqlite::Connection;

/// The verdict key for rows without a readable stored verdict.
pub const NOT_RECORDED: &str = "not recorded";
/// The sender and event key for requests from no known sender.
pub const NONE: &str = "none";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub requests: u64,
    /// Body bytes received, summed.
    pub bytes: u64,
    /// RFC 3339 times of the earliest and latest `received_at`.
    pub oldest: Option<String>,
    pub newest: Option<String>,
    /// By provider (`github`, `pingara`, ... or [`NONE`]).
    pub by_sender: BTreeMap<String, u64>,
    /// By `provider/type` (or [`NONE`]).
    pub by_event: BTreeMap<String, u64>,
    /// By stored verdict (`valid`, `invalid`, `missing`, `unconfigured`,
    /// or [`NOT_RECORDED`]).
    pub by_verdict: BTreeMap<String, u64>,
}

/// Count everything in one pass over the table per grouping.
pub fn collect(conn: &Connection) -> rusqlite::Result<Stats> {
    let (requests, bytes, oldest, newest) = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(body_size), 0), MIN(received_at), MAX(received_at)
         FROM requests",
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        },
    )?;
    Ok(Stats {
        requests: requests.max(0) as u64,
        bytes: bytes.max(0) as u64,
        oldest,
        newest,
        by_sender: grouped(conn, &format!("COALESCE(provider, '{NONE}')"))?,
        by_event: grouped(
            conn,
            &format!("COALESCE(provider || '/' || event_type, event_type, '{NONE}')"),
        )?,
        // An unreadable findings text must not fail the whole count.
        by_verdict: grouped(
            conn,
            &format!(
                "COALESCE(CASE WHEN json_valid(findings) THEN \
                 json_extract(findings, '$.auth.verdict') END, '{NOT_RECORDED}')"
            ),
        )?,
    })
}

fn grouped(conn: &Connection, key: &str) -> rusqlite::Result<BTreeMap<String, u64>> {
    let sql = format!("SELECT {key} AS k, COUNT(*) FROM requests GROUP BY k");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_stored_columns() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        assert_eq!(collect(&conn).unwrap(), Stats::default());
        // received_at, provider, event_type, findings, body_size
        type Row<'a> = (
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            i64,
        );
        let rows: [Row<'_>; 4] = [
            (
                "2026-01-02T00:00:00.000Z",
                Some("pingara"),
                Some("incident.created"),
                Some(
                    r#"{"judged":"at arrival","auth":{"scheme":"s","verdict":"valid","detail":""},"event":null}"#,
                ),
                10,
            ),
            (
                "2026-01-01T00:00:00.000Z",
                Some("pingara"),
                Some("incident.created"),
                Some(
                    r#"{"judged":"at arrival","auth":{"scheme":"s","verdict":"invalid","detail":""},"event":null}"#,
                ),
                5,
            ),
            ("2026-01-03T00:00:00.000Z", None, None, None, 1),
            (
                "2026-01-04T00:00:00.000Z",
                Some("github"),
                Some("push"),
                Some("{broken"),
                0,
            ),
        ];
        for (at, provider, event, findings, size) in rows {
            conn.execute(
                "INSERT INTO requests (received_at, remote_addr, method, target, http_version,
                 headers, body, body_size, outcome, provider, event_type, findings)
                 VALUES (?1, '', 'POST', '/', 'HTTP/1.1', x'', x'', ?2, '', ?3, ?4, ?5)",
                rusqlite::params![at, size, provider, event, findings],
            )
            .unwrap();
        }
        let stats = collect(&conn).unwrap();
        assert_eq!(stats.requests, 4);
        assert_eq!(stats.bytes, 16);
        assert_eq!(stats.oldest.as_deref(), Some("2026-01-01T00:00:00.000Z"));
        assert_eq!(stats.newest.as_deref(), Some("2026-01-04T00:00:00.000Z"));
        let map = |pairs: &[(&str, u64)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect::<BTreeMap<_, _>>()
        };
        assert_eq!(
            stats.by_sender,
            map(&[("github", 1), ("none", 1), ("pingara", 2)])
        );
        assert_eq!(
            stats.by_event,
            map(&[
                ("github/push", 1),
                ("none", 1),
                ("pingara/incident.created", 2)
            ])
        );
        assert_eq!(
            stats.by_verdict,
            map(&[("invalid", 1), ("not recorded", 2), ("valid", 1)])
        );
    }
}
