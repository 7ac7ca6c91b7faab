//! `hookcatch list --refused`: the refusal log (see [`crate::store::refused`]),
//! oldest first, as a table or JSON lines. Reasons are hyper's words and may
//! quote the client's bytes: sanitized in the table, JSON-escaped in JSON.

use std::process::ExitCode;

use anyhow::Context as _;
use chrono::SecondsFormat;

use crate::app::AppError;
use crate::store::refused;
use crate::text::sanitize;

pub(in crate::app) fn print(
    conn: &rusqlite::Connection,
    limit: usize,
    json: bool,
) -> Result<ExitCode, AppError> {
    let rows = refused::newest(conn, limit).context("cannot read the store")?;
    if !json {
        outln!("{:<23}  {:<21}  REASON", "TIME (UTC)", "FROM");
    }
    for r in rows {
        if json {
            let line = serde_json::json!({
                "id": r.id,
                "at": r.at.to_rfc3339_opts(SecondsFormat::Millis, true),
                "remote_addr": r.remote_addr,
                "reason": r.reason,
            });
            outln!("{}", crate::text::json_string(&line));
        } else {
            outln!(
                "{:<23}  {:<21}  {}",
                r.at.format("%Y-%m-%d %H:%M:%S%.3f"),
                sanitize(&r.remote_addr),
                sanitize(&r.reason)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
