//! `hookcatch list`: the newest requests as a table or JSON lines, and
//! `--follow` for what arrives after.

use std::process::ExitCode;

use anyhow::Context as _;

use super::{AppError, open_existing, parse_filter};
use crate::cli::{GlobalArgs, ListArgs};
use crate::export::json::request_line;
use crate::inspect::{self, AuthConfig};
use crate::model::RequestId;
use crate::secrets::Masking;
use crate::store::postgres::snapshot::Scope;
use crate::store::{deliveries, query};
use crate::text::{human_size, sanitize};

mod refused;

pub(super) fn list(global: &GlobalArgs, args: &ListArgs) -> Result<ExitCode, AppError> {
    let filter = parse_filter(args.filter.as_deref())?;
    let limit = args.limit.unwrap_or(50);
    // On PostgreSQL, the newest `limit` are all an unfiltered list reads.
    let scope = match (&filter, args.refused) {
        (None, false) => Scope::Newest(limit),
        _ => Scope::All,
    };
    let (conn, auth, location) = open_existing(global, scope)?;
    if args.refused && location.is_postgres() {
        return Err(AppError::Usage(format!(
            "list --refused works on a SQLite store only: a PostgreSQL store ({}) keeps no log \
             of refused requests",
            location.describe()
        )));
    }
    if args.follow && location.is_postgres() {
        return Err(AppError::Usage(format!(
            "list --follow works on a SQLite store only, not on PostgreSQL ({}): \
             run `hookcatch listen --from` on a relay instead",
            location.describe()
        )));
    }
    if args.refused {
        return refused::print(&conn, limit, args.json);
    }
    // Following starts after the newest request at this moment; read first,
    // so one committed while the listing is read is printed once, by follow.
    let mut last = query::max_id(&conn).context("cannot read the store")?;
    let mut rows = match &filter {
        None => recent_whole(&conn, &auth, limit)?,
        Some(filter) => matching(&conn, filter, &auth, limit)?,
    };
    if args.follow {
        rows.retain(|(s, _)| s.request.id <= last);
    }
    let masking = Masking::new(&auth.secret_header, args.secrets.masks(args.json));
    mask_rows(&mut rows, &masking);
    if !args.json {
        out!(
            "{}\n",
            table_line([
                "ID",
                "TIME (UTC)",
                "METHOD",
                "PATH",
                "STATUS",
                "SIZE",
                "EVENT",
                "AUTH"
            ])
        );
    }
    out!("{}", list_rows(&conn, &rows, args.json)?);
    if !args.follow {
        return Ok(ExitCode::SUCCESS);
    }
    loop {
        std::thread::sleep(FOLLOW_POLL);
        let ids = query::ids_after(&conn, last).context("cannot read the store")?;
        // A burst is printed a chunk at a time: bodies are not all held at once.
        for chunk in ids.chunks(FOLLOW_CHUNK) {
            let mut rows = Vec::with_capacity(chunk.len());
            for &id in chunk {
                last = id;
                let Some(stored) = query::get(&conn, id).context("cannot read the store")? else {
                    continue; // deleted since
                };
                let wanted = filter.as_ref().is_none_or(|f| {
                    crate::filter::scan::matches(f, &stored, &auth, chrono::Utc::now())
                });
                if wanted {
                    let inspection = judged(&stored, &auth);
                    rows.push((stored, inspection));
                }
            }
            mask_rows(&mut rows, &masking);
            out!("{}", list_rows(&conn, &rows, args.json)?);
        }
    }
}

/// Mask the rows about to be printed; after inspection, which needs the
/// exact values.
fn mask_rows(rows: &mut [Inspected], masking: &Masking) {
    for (stored, _) in rows {
        masking.request(&mut stored.request);
    }
}

/// How often `list --follow` looks for new requests. A WAL reader sees a
/// commit on its next query; a tenth of a second is "at once" to a person
/// and nothing to the listener.
const FOLLOW_POLL: std::time::Duration = std::time::Duration::from_millis(100);
const FOLLOW_CHUNK: usize = 64;

/// The table rows (or JSON lines) of `list`.
fn list_rows(
    conn: &rusqlite::Connection,
    rows: &[Inspected],
    json: bool,
) -> Result<String, AppError> {
    let mut out = String::new();
    let ids: Vec<RequestId> = rows.iter().map(|(s, _)| s.request.id).collect();
    let marks = deliveries::marks(conn, &ids).context("cannot read the store")?;
    for (stored, inspection) in rows {
        if json {
            out.push_str(&crate::text::json_string(&request_line(stored, inspection)));
            out.push('\n');
            continue;
        }
        let req = &stored.request;
        let event = inspection.event.as_ref().map_or_else(
            || "-".to_string(),
            |e| format!("{}/{}", e.provider.as_str(), e.kind),
        );
        // The marks after the table, as the TUI's list shows them.
        let mut dup = match inspection.event.as_ref().map_or(0, |e| e.problems.len()) {
            0 => String::new(),
            1 => " ⚠1 problem".to_string(),
            n => format!(" ⚠{n} problems"),
        };
        if let Some(d) = stored.duplicate_of {
            dup.push_str(&format!(" dup of #{d}"));
        }
        if let Some(mark) = marks.get(&req.id) {
            dup.push_str(&format!(
                " sent {}x, last {}",
                mark.count,
                mark.last_label()
            ));
        }
        let status = match &req.response {
            Some(r) => r.status.to_string(),
            None if req.is_pending() => crate::model::PENDING.to_string(),
            None => "-".to_string(),
        };
        out.push_str(&table_line([
            &req.id.to_string(),
            &req.received_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            &sanitize(&req.method),
            &clip(&sanitize(req.path()), PATH_WIDTH),
            &status,
            &human_size(req.body_size),
            &clip(&sanitize(&event), EVENT_WIDTH),
            &verdict_label(inspection),
        ]));
        out.push_str(&dup);
        out.push('\n');
    }
    Ok(out)
}

const PATH_WIDTH: usize = 32;
const EVENT_WIDTH: usize = 28;

/// One line of the table, header or row: the column widths live here only.
fn table_line([id, time, method, path, status, size, event, auth]: [&str; 8]) -> String {
    format!(
        "{id:>6}  {time:<19}  {method:<7} {path:<PATH_WIDTH$} {status:>6} {size:>9}  {event:<EVENT_WIDTH$} {auth}"
    )
}

type Inspected = (crate::store::StoredRequest, inspect::Inspection);

/// A stored request with the findings decided at arrival; `auth` (the
/// reading process's secrets) judges only a request stored without them.
pub(super) fn judged(
    stored: &crate::store::StoredRequest,
    auth: &AuthConfig,
) -> inspect::Inspection {
    inspect::stored::inspection(&stored.request, stored.findings.as_ref(), auth)
}

/// The AUTH column: the verdict, and when it was not reached at arrival, that.
fn verdict_label(inspection: &inspect::Inspection) -> String {
    let verdict = inspection.auth.verdict.as_str();
    match inspection.judged.caveat() {
        Some(caveat) => format!("{verdict} ({caveat})"),
        None => verdict.to_string(),
    }
}

/// The newest `limit` requests, oldest first, inspected.
fn recent_whole(
    conn: &rusqlite::Connection,
    auth: &AuthConfig,
    limit: usize,
) -> Result<Vec<Inspected>, AppError> {
    let summaries = query::recent(conn, limit).context("cannot read the store")?;
    let mut rows = Vec::with_capacity(summaries.len());
    for summary in summaries {
        if let Some(stored) = query::get(conn, summary.id).context("cannot read the store")? {
            let inspection = judged(&stored, auth);
            rows.push((stored, inspection));
        }
    }
    Ok(rows)
}

/// The newest `limit` requests of the whole store that match `filter`, with
/// exactly the semantics of the TUI's `/` (one scan for both).
fn matching(
    conn: &rusqlite::Connection,
    filter: &crate::filter::Filter,
    auth: &AuthConfig,
    limit: usize,
) -> Result<Vec<Inspected>, AppError> {
    let ids = crate::filter::scan::matching_ids(conn, filter, auth, chrono::Utc::now())
        .context("cannot read the store")?;
    let mut rows = Vec::with_capacity(limit.min(ids.len()));
    for id in &ids[ids.len().saturating_sub(limit)..] {
        if let Some(stored) = query::get(conn, *id).context("cannot read the store")? {
            let inspection = judged(&stored, auth);
            rows.push((stored, inspection));
        }
    }
    Ok(rows)
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(width.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}
