//! Filtering the whole store, not only what the UI holds: a scan walks the
//! requests in id order, a chunk at a time, so the loader can answer other
//! reads between chunks and drop a scan the user replaced.
//!
//! Bodies are read only when the filter needs them (`body:`, bare words) or
//! needs inspection (`auth:`, `event:`: the findings stored at arrival, or for
//! requests stored without them, a verdict judged now over the body);
//! otherwise a light query reads method, target, headers, status and time.
//!
//! `hookcatch list --filter` and the TUI's `/` share it, so both give the
//! same answer.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use crate::filter::{Filter, Subject};
use crate::inspect::{self, AuthConfig};
use crate::model::findings::StoredFindings;
use crate::model::{CapturedRequest, CapturedResponse, RequestId};
use crate::store::query::StoredRequest;
use crate::store::{codec, query};

/// Requests read per chunk when bodies are needed, and when they are not.
const FULL_CHUNK: usize = 256;
const LIGHT_CHUNK: usize = 4096;

/// Does this request pass the filter? `auth:` and `event:` terms read the
/// findings stored at arrival; `auth` judges only a request stored without
/// them, and only when the filter needs it.
pub fn matches(
    filter: &Filter,
    stored: &StoredRequest,
    auth: &AuthConfig,
    now: DateTime<Utc>,
) -> bool {
    matches_parts(
        filter,
        &stored.request,
        stored.relay_channel(),
        stored.duplicate_of,
        stored.findings.as_ref(),
        auth,
        now,
    )
}

/// [`matches`] over the parts a light read has too.
fn matches_parts(
    filter: &Filter,
    req: &CapturedRequest,
    channel: Option<&str>,
    duplicate_of: Option<RequestId>,
    findings: Option<&StoredFindings>,
    auth: &AuthConfig,
    now: DateTime<Utc>,
) -> bool {
    let mut subject = Subject::new(req, now);
    subject.channel = channel;
    subject.duplicate = duplicate_of.is_some();
    // The body as the Body tab shows it: a gzip body is searched decoded.
    let unencoded = filter
        .needs_body()
        .then(|| inspect::body::unencoded(req).bytes);
    subject.body = unencoded.as_deref();
    if !filter.needs_inspection() {
        return filter.matches(&subject);
    }
    let summary = inspect::stored::summary(req, findings, auth);
    let (verdict, event) = (summary.auth, summary.event);
    subject.provider = event.as_ref().map(|e| e.provider.as_str());
    subject.event_type = event.as_ref().map(|e| e.kind.as_str());
    subject.event_action = event.as_ref().and_then(|e| e.action.as_deref());
    subject.auth = Some(verdict.verdict.as_str());
    subject.problems = event.as_ref().map_or(0, |e| e.problems.len());
    filter.matches(&subject)
}

/// A scan in progress over ids in `(after, upto]`.
pub struct Scan {
    filter: Arc<Filter>,
    auth: AuthConfig,
    now: DateTime<Utc>,
    after: RequestId,
    upto: RequestId,
    light: bool,
}

/// What one chunk found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Step {
    pub matched: Vec<RequestId>,
    /// Requests examined in this chunk.
    pub examined: usize,
    pub done: bool,
}

impl Scan {
    pub fn new(filter: Arc<Filter>, auth: AuthConfig, now: DateTime<Utc>, upto: RequestId) -> Scan {
        let light = !filter.needs_body() && !filter.needs_inspection();
        Scan {
            filter,
            auth,
            now,
            after: 0,
            upto,
            light,
        }
    }

    /// Examine the next chunk.
    pub fn step(&mut self, conn: &Connection) -> rusqlite::Result<Step> {
        let mut step = Step::default();
        if self.light {
            let batch = light_after(conn, self.after, self.upto, LIGHT_CHUNK)?;
            step.done = batch.len() < LIGHT_CHUNK;
            for (req, channel) in &batch {
                step.examined += 1;
                let channel = channel.as_deref();
                if matches_parts(&self.filter, req, channel, None, None, &self.auth, self.now) {
                    step.matched.push(req.id);
                }
            }
            self.after = batch.last().map_or(self.upto, |(r, _)| r.id);
        } else {
            let batch = query::after(conn, self.after, FULL_CHUNK)?;
            step.done = batch.len() < FULL_CHUNK;
            for stored in batch.iter().take_while(|s| s.request.id <= self.upto) {
                step.examined += 1;
                if matches(&self.filter, stored, &self.auth, self.now) {
                    step.matched.push(stored.request.id);
                }
            }
            self.after = batch.last().map_or(self.upto, |s| s.request.id);
        }
        if self.after >= self.upto {
            step.done = true;
        }
        Ok(step)
    }
}

/// Which of these ids pass (new arrivals while a filter is active).
pub fn filter_ids(
    conn: &Connection,
    filter: &Filter,
    auth: &AuthConfig,
    now: DateTime<Utc>,
    ids: &[RequestId],
) -> rusqlite::Result<Vec<RequestId>> {
    let mut out = Vec::new();
    for &id in ids {
        if let Some(stored) = query::get(conn, id)?
            && matches(filter, &stored, auth, now)
        {
            out.push(id);
        }
    }
    Ok(out)
}

/// Every id passing the filter, oldest first (for `hookcatch list --filter`).
pub fn matching_ids(
    conn: &Connection,
    filter: &Filter,
    auth: &AuthConfig,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<RequestId>> {
    let upto = query::max_id(conn)?;
    let mut scan = Scan::new(Arc::new(filter.clone()), auth.clone(), now, upto);
    let mut out = Vec::new();
    loop {
        let step = scan.step(conn)?;
        out.extend(step.matched);
        if step.done {
            return Ok(out);
        }
    }
}

/// Requests without their bodies: enough for method, path, query, header,
/// status, time, id and channel terms; each with its relay channel (as
/// [`StoredRequest::relay_channel`] gives it).
fn light_after(
    conn: &Connection,
    after: RequestId,
    upto: RequestId,
    limit: usize,
) -> rusqlite::Result<Vec<(CapturedRequest, Option<String>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, received_at, method, target, headers, resp_status,
                COALESCE(channel, relay_channel) FROM requests
         WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![after, upto, limit as i64], |row| {
        let received: String = row.get(1)?;
        let headers: Vec<u8> = row.get(4)?;
        let mut req = CapturedRequest::new(
            &row.get::<_, String>(2)?,
            &row.get::<_, String>(3)?,
            codec::decode_headers(&headers),
            Vec::new(),
        );
        req.id = row.get(0)?;
        req.received_at = DateTime::parse_from_rfc3339(&received)
            .map_or(DateTime::<Utc>::UNIX_EPOCH, |t| t.with_timezone(&Utc));
        req.response = row
            .get::<_, Option<u16>>(5)?
            .map(|status| CapturedResponse {
                status,
                headers: Vec::new(),
                body: Vec::new(),
                latency_ms: 0.0,
            });
        Ok((req, row.get(6)?))
    })?;
    rows.collect()
}
