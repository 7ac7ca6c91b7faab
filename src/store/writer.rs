//! The one writer. It owns the write connection on its own thread and commits
//! whatever is waiting as one transaction (group commit): under concurrency
//! many requests share one commit, so durability costs little throughput.
//! Nobody is answered before their transaction commits.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, Statement, Transaction, params};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::StoredRequest;
use super::checkpoint::Checkpointer;
use super::{Location, StoreError, codec};
use crate::inspect::Event;
use crate::model::findings::StoredFindings;
use crate::model::{
    CapturedRequest, CapturedResponse, HeaderField, Notice, Outcome, RelayRef, RequestId,
};

/// How many queued commands one transaction takes at most.
const MAX_BATCH: usize = 1024;

/// How long a commit waits for more requests once several arrived together.
/// Fewer, larger commits write fewer WAL frames per request (pages shared by
/// a batch are written once), so the log is rewound less often: at 50
/// concurrent senders p99 went from ~15 ms to ~3.5 ms at the same throughput
/// (bench/RESULTS.md). Longer waits cost throughput; 250 µs is the knee.
const LINGER: Duration = Duration::from_micros(250);
const QUEUE: usize = 8192;

/// A request ready to be stored, as the listener saw it.
#[derive(Debug)]
pub struct NewRequest {
    pub received_at: DateTime<Utc>,
    pub remote_addr: String,
    pub method: String,
    pub target: String,
    pub http_version: String,
    pub headers: Vec<HeaderField>,
    pub body: Vec<u8>,
    pub body_size: u64,
    pub outcome: Outcome,
    /// The planned answer; its latency is set at write time as
    /// (now - `started`) + `planned_delay`.
    pub response: Option<CapturedResponse>,
    /// Why there is no response yet, or none ([`CapturedRequest::response_reason`]).
    pub response_reason: Option<String>,
    pub started: Instant,
    pub planned_delay: Duration,
    pub provider: Option<String>,
    pub event_type: Option<String>,
    pub dup_key: Option<String>,
    /// What inspection decided at arrival: stored with the request, so no
    /// reader judges it again with other secrets. `None` stores NULL (readers
    /// then judge on read, as for rows from before findings were kept).
    pub findings: Option<StoredFindings>,
    /// The answer comes later (`--forward` proxy mode): a tap should wait
    /// for [`Tapped::Answered`] before printing it.
    pub awaiting_answer: bool,
    /// The answer's latency is already known (an imported request): kept as
    /// it is instead of measured at write time.
    pub latency_known: bool,
    /// On a relay: the channel it was posted to.
    pub channel: Option<String>,
    /// On a subscriber: the relay request this is a copy of; the relay's
    /// cursor advances to it in the same transaction.
    pub relay: Option<RelayRef>,
}

/// A request as committed, for a tap (headless output) to print without
/// reading it back: the stored form, findings included.
#[derive(Debug)]
pub struct Committed {
    pub stored: StoredRequest,
    /// See [`NewRequest::awaiting_answer`].
    pub awaiting_answer: bool,
}

/// What the writer hands a tap after each commit.
#[derive(Debug)]
pub enum Tapped {
    /// The requests the commit inserted, in id order.
    Committed(Vec<Committed>),
    /// The final answer of a request stored earlier without one.
    Answered(RequestId, CapturedResponse),
    /// A request stored pending whose answer never went out, and why.
    Unanswered(RequestId, String),
}

/// Where the writer hands committed requests, one batch per commit (one
/// wake-up of the reader, not one per request); when it is full the batch is
/// skipped and the reader catches up from the store (ids are sequential).
pub type Tap = std::sync::mpsc::SyncSender<Tapped>;

impl NewRequest {
    /// Store what inspection decided at arrival with the request.
    pub fn with_findings(mut self, findings: StoredFindings) -> Self {
        self.findings = Some(findings);
        self
    }

    /// Mark a request whose answer is recorded later ([`NewRequest::awaiting_answer`]).
    pub fn awaiting_answer(mut self, awaiting: bool) -> Self {
        self.awaiting_answer = awaiting;
        self
    }

    /// Wrap a captured request (response already planned) for storing.
    pub fn from_captured(
        captured: CapturedRequest,
        started: Instant,
        planned_delay: Duration,
        event: Option<&Event>,
        dup_key: Option<String>,
    ) -> Self {
        NewRequest {
            received_at: captured.received_at,
            remote_addr: captured.remote_addr,
            method: captured.method,
            target: captured.target,
            http_version: captured.http_version,
            headers: captured.headers,
            body: captured.body,
            body_size: captured.body_size,
            outcome: captured.outcome,
            response: captured.response,
            response_reason: captured.response_reason,
            started,
            planned_delay,
            provider: event.map(|e| e.provider.as_str().to_string()),
            event_type: event.map(|e| e.kind.clone()),
            dup_key,
            findings: None,
            awaiting_answer: false,
            latency_known: false,
            channel: None,
            relay: None,
        }
    }

    /// On a relay: posted to this channel.
    pub fn on_channel(mut self, channel: Option<String>) -> Self {
        self.channel = channel;
        self
    }

    /// On a subscriber: a copy of this relay request.
    pub fn relayed(mut self, relay: Option<RelayRef>) -> Self {
        self.relay = relay;
        self
    }

    /// Keep the response's recorded latency (see [`NewRequest::latency_known`]).
    pub fn with_known_latency(mut self) -> Self {
        self.latency_known = true;
        self
    }
}

/// A write run inside the batch's transaction. It returns how to answer its
/// caller, called only once the outcome of COMMIT is known.
type Job = Box<dyn FnOnce(&Transaction<'_>) -> Answer + Send>;
type Answer = Box<dyn FnOnce(Option<&str>) + Send>;

enum Command {
    Insert(Box<NewRequest>, oneshot::Sender<Result<RequestId, String>>),
    /// The final answer, and why it is not the one expected (if it is not).
    SetResponse(RequestId, CapturedResponse, Option<String>),
    /// A pending answer that never went out, and why.
    SetNoAnswer(RequestId, String),
    /// Any other write, run inside the current batch's transaction; the
    /// notice goes out after it commits.
    Run(Job, Option<Notice>),
    /// Take nothing more: what is queued commits, then the thread ends.
    Close,
}

/// A cheap, cloneable handle to the writer thread.
#[derive(Clone)]
pub struct StoreWriter {
    tx: mpsc::Sender<Command>,
    notices: broadcast::Sender<Notice>,
}

pub struct WriterThread(JoinHandle<()>);

impl WriterThread {
    /// Wait for every queued write to commit. Drop all `StoreWriter`s first.
    pub fn join(self) {
        let _ = self.0.join();
    }
}

impl StoreWriter {
    /// Open the store for writing and start the writer thread.
    pub fn spawn(
        location: &Location,
        fsync: bool,
        notices: broadcast::Sender<Notice>,
    ) -> Result<(StoreWriter, WriterThread), StoreError> {
        Self::spawn_tapped(location, fsync, notices, None)
    }

    /// Like [`spawn`](Self::spawn), and every committed request is also
    /// offered to `tap` (never waiting for it).
    pub fn spawn_tapped(
        location: &Location,
        fsync: bool,
        notices: broadcast::Sender<Notice>,
        tap: Option<Tap>,
    ) -> Result<(StoreWriter, WriterThread), StoreError> {
        let mut conn = location.open_writer(fsync)?;
        let checkpoints = match location {
            Location::File(_) => Some(Checkpointer::spawn(location)?),
            Location::Memory(_) => None,
        };
        if let Some(c) = &checkpoints {
            c.install_rewind(&mut conn)?;
        }
        let (tx, rx) = mpsc::channel(QUEUE);
        let thread_notices = notices.clone();
        let handle = std::thread::Builder::new()
            .name("hookcatch-store".into())
            .spawn(move || {
                run(conn, rx, thread_notices, checkpoints.as_ref(), tap);
                if let Some(c) = checkpoints {
                    c.finish();
                }
            })
            .map_err(|source| StoreError::Open {
                path: location.describe(),
                source,
            })?;
        Ok((StoreWriter { tx, notices }, WriterThread(handle)))
    }

    pub fn notices(&self) -> broadcast::Sender<Notice> {
        self.notices.clone()
    }

    /// A handle that can end the writer while others still hold a
    /// `StoreWriter` (a forward or replay waiting for its answer), without
    /// keeping it alive itself.
    pub fn closer(&self) -> WriterCloser {
        WriterCloser(self.tx.downgrade())
    }

    /// Store a request; returns its id once the transaction has committed.
    pub async fn insert(&self, request: NewRequest) -> Result<RequestId, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Command::Insert(Box::new(request), reply))
            .await
            .map_err(|_| StoreError::WriterGone)?;
        match answer.await {
            Ok(Ok(id)) => Ok(id),
            Ok(Err(message)) => Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                Some(message),
            ))),
            Err(_) => Err(StoreError::WriterGone),
        }
    }

    /// Record the final answer of a request answered later (forwarding).
    pub async fn set_response(&self, id: RequestId, response: CapturedResponse) {
        let _ = self.tx.send(Command::SetResponse(id, response, None)).await;
    }

    /// Record the final answer with why it was given instead of the one
    /// awaited (a relay's own answer when no subscriber gave one in time).
    pub async fn set_response_because(
        &self,
        id: RequestId,
        response: CapturedResponse,
        why: String,
    ) {
        let _ = self
            .tx
            .send(Command::SetResponse(id, response, Some(why)))
            .await;
    }

    /// Record that the answer of a request stored pending never went out.
    pub async fn set_no_answer(&self, id: RequestId, reason: String) {
        let _ = self.tx.send(Command::SetNoAnswer(id, reason)).await;
    }

    /// [`set_no_answer`](Self::set_no_answer) without waiting, for a drop
    /// guard; lost only when the queue is full (the record stays pending).
    pub fn try_set_no_answer(&self, id: RequestId, reason: String) {
        let _ = self.tx.try_send(Command::SetNoAnswer(id, reason));
    }

    /// Run any write in the writer's next transaction and get its result.
    /// `notice` is sent to watchers once it has committed.
    pub async fn run<T, F>(&self, notice: Option<Notice>, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |tx: &Transaction<'_>| {
            let result = f(tx);
            // Answer after COMMIT: a failed commit turns success into its error.
            Box::new(move |commit_error: Option<&str>| {
                let result = match (result, commit_error) {
                    (Ok(_), Some(why)) => Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                        Some(why.to_string()),
                    )),
                    (result, _) => result,
                };
                let _ = reply.send(result);
            }) as Answer
        });
        self.tx
            .send(Command::Run(job, notice))
            .await
            .map_err(|_| StoreError::WriterGone)?;
        answer
            .await
            .map_err(|_| StoreError::WriterGone)?
            .map_err(StoreError::from)
    }
}

/// Ends the writer thread on demand; see [`StoreWriter::closer`].
pub struct WriterCloser(mpsc::WeakSender<Command>);

impl WriterCloser {
    /// How many `StoreWriter` handles are still alive.
    pub fn handles(&self) -> usize {
        self.0.strong_count()
    }

    /// Refuse every later write (`StoreError::WriterGone`); what is already
    /// queued still commits, then the thread ends and can be joined.
    pub async fn close(&self) {
        if let Some(tx) = self.0.upgrade() {
            let _ = tx.send(Command::Close).await;
        }
    }
}

/// The writer's statements, prepared once for the life of the thread.
/// `prepare_cached` would not do: the statement cache clears bindings when a
/// statement goes back, and with STAT4 (bundled SQLite) that expires any
/// statement whose plan looked at a bound value, so the duplicate lookup was
/// parsed and planned again for every request (a fifth of capture CPU).
struct Statements<'c> {
    insert: Statement<'c>,
    first_with_key: Statement<'c>,
    cursor: Statement<'c>,
}

impl<'c> Statements<'c> {
    fn prepare(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(Statements {
            insert: conn.prepare(
                "INSERT INTO requests (received_at, remote_addr, method, target, http_version, headers, body,
                     body_size, outcome, resp_status, resp_headers, resp_body, latency_ms, provider, event_type, dup_key,
                     findings, duplicate_of, resp_reason, channel, relay_url, relay_channel, relay_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                     ?20, ?21, ?22, ?23)",
            )?,
            first_with_key: conn.prepare(super::query::FIRST_WITH_KEY)?,
            cursor: conn.prepare(
                "INSERT INTO relay_cursors (url, channel, last_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (url, channel) DO UPDATE SET last_id = MAX(last_id, excluded.last_id)",
            )?,
        })
    }
}

fn run(
    conn: Connection,
    mut rx: mpsc::Receiver<Command>,
    notices: broadcast::Sender<Notice>,
    checkpoints: Option<&Checkpointer>,
    tap: Option<Tap>,
) {
    let mut statements = match Statements::prepare(&conn) {
        Ok(statements) => statements,
        Err(e) => {
            // The schema was just migrated on this connection, so this is a
            // broken store: every write is refused with the reason.
            let message = format!("cannot prepare the store's statements: {e}");
            let _ = notices.send(Notice::StoreFailed(message.clone()));
            refuse_all(rx, &message);
            return;
        }
    };
    let mut failing = false;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        admit(&mut rx, &mut batch, first);
        take_waiting(&mut rx, &mut batch);
        if batch.len() > 1 && batch.len() < MAX_BATCH {
            // Requests are arriving together: let the ones a moment behind
            // join this commit. A lone request never waits.
            std::thread::sleep(LINGER);
            take_waiting(&mut rx, &mut batch);
        }
        if batch.is_empty() {
            continue;
        }
        let mut waiting = Waiting::default();
        let mut kept = tap.as_ref().map(|_| Kept::default());
        match commit_batch(
            &conn,
            &mut statements,
            batch.drain(..),
            &mut waiting,
            kept.as_mut(),
        ) {
            Ok(done) => {
                if let Some(c) = checkpoints {
                    c.poke();
                }
                if failing {
                    failing = false;
                    let _ = notices.send(Notice::StoreRecovered);
                }
                let captured = waiting.inserts.last().map(|(last, _)| Notice::Captured {
                    last: *last,
                    count: waiting.inserts.len() as u32,
                });
                for (id, reply) in waiting.inserts {
                    let _ = reply.send(Ok(id));
                }
                if let Some(captured) = captured {
                    let _ = notices.send(captured);
                }
                for answer in waiting.jobs {
                    answer(None);
                }
                for notice in done {
                    let _ = notices.send(notice);
                }
                if let (Some(tap), Some(kept)) = (&tap, kept) {
                    kept.hand_to(tap);
                }
            }
            Err(e) => {
                failing = true;
                let message = e.to_string();
                for (_, reply) in waiting.inserts {
                    let _ = reply.send(Err(message.clone()));
                }
                for answer in waiting.jobs {
                    answer(Some(&message));
                }
                let _ = notices.send(Notice::StoreFailed(message));
            }
        }
    }
}

/// Move whatever is queued (up to [`MAX_BATCH`]) into `batch`, without waiting.
fn take_waiting(rx: &mut mpsc::Receiver<Command>, batch: &mut Vec<Command>) {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(cmd) => admit(rx, batch, cmd),
            Err(_) => break,
        }
    }
}

/// A write joins the batch; `Close` closes the queue, so the loop ends once
/// what is already in it has committed.
fn admit(rx: &mut mpsc::Receiver<Command>, batch: &mut Vec<Command>, cmd: Command) {
    match cmd {
        Command::Close => rx.close(),
        cmd => batch.push(cmd),
    }
}

/// Answer every command with `why` until all senders are gone.
fn refuse_all(mut rx: mpsc::Receiver<Command>, why: &str) {
    while let Some(cmd) = rx.blocking_recv() {
        match cmd {
            Command::Insert(_, reply) => {
                let _ = reply.send(Err(why.to_string()));
            }
            Command::Close => rx.close(),
            // A job dropped unrun tells its caller the writer gave up.
            Command::SetResponse(..) | Command::SetNoAnswer(..) | Command::Run(..) => {}
        }
    }
}

type Reply = oneshot::Sender<Result<RequestId, String>>;

/// What a commit hands to the tap once it has succeeded.
#[derive(Default)]
struct Kept {
    committed: Vec<Committed>,
    /// [`Tapped::Answered`] and [`Tapped::Unanswered`], in commit order.
    answered: Vec<Tapped>,
}

impl Kept {
    /// Never waits on output: what a full tap misses, the reader catches up
    /// from the store.
    fn hand_to(self, tap: &Tap) {
        if !self.committed.is_empty() {
            let _ = tap.try_send(Tapped::Committed(self.committed));
        }
        for answered in self.answered {
            let _ = tap.try_send(answered);
        }
    }
}

/// Everyone in a batch waiting to hear how COMMIT went.
#[derive(Default)]
struct Waiting {
    inserts: Vec<(RequestId, Reply)>,
    jobs: Vec<Answer>,
}

/// Write the batch in one transaction. Every caller ends up in `waiting`, so
/// they are all answered after COMMIT, or with the error.
fn commit_batch(
    conn: &Connection,
    statements: &mut Statements<'_>,
    batch: impl Iterator<Item = Command>,
    waiting: &mut Waiting,
    kept: Option<&mut Kept>,
) -> rusqlite::Result<Vec<Notice>> {
    let mut batch = batch.peekable();
    let result = write_batch(conn, statements, &mut batch, waiting, kept);
    // Commands never reached after an error: inserts get the error; a job
    // that never ran is dropped, and its caller hears that the writer gave up.
    for cmd in batch {
        if let Command::Insert(_, reply) = cmd {
            waiting.inserts.push((0, reply));
        }
    }
    result
}

fn write_batch(
    conn: &Connection,
    statements: &mut Statements<'_>,
    batch: &mut impl Iterator<Item = Command>,
    waiting: &mut Waiting,
    mut kept: Option<&mut Kept>,
) -> rusqlite::Result<Vec<Notice>> {
    // Rolled back when dropped uncommitted, like `transaction()`; unchecked
    // only because the statements above borrow the connection too.
    let tx = conn.unchecked_transaction()?;
    let mut notices = Vec::new();
    for cmd in batch.by_ref() {
        match cmd {
            Command::Insert(mut request, reply) => {
                let inserted = insert(conn, statements, &mut request);
                waiting
                    .inserts
                    .push((inserted.as_ref().map_or(0, |(id, _)| *id), reply));
                let (id, duplicate_of) = inserted?;
                if let Some(kept) = kept.as_deref_mut() {
                    kept.committed.push(committed(id, duplicate_of, *request));
                }
            }
            Command::SetResponse(id, response, why) => {
                set_response(&tx, id, &response, why.as_deref())?;
                notices.push(Notice::Updated(id));
                if let Some(kept) = kept.as_deref_mut() {
                    kept.answered.push(Tapped::Answered(id, response));
                }
            }
            Command::SetNoAnswer(id, reason) => {
                set_no_answer(&tx, id, &reason)?;
                notices.push(Notice::Updated(id));
                if let Some(kept) = kept.as_deref_mut() {
                    kept.answered.push(Tapped::Unanswered(id, reason));
                }
            }
            Command::Run(job, notice) => {
                waiting.jobs.push(job(&tx));
                notices.extend(notice);
            }
            // Taken out by `admit` before a batch forms.
            Command::Close => {}
        }
    }
    tx.commit()?;
    Ok(notices)
}

/// The stored form of a request just inserted, as a reader would get it.
fn committed(id: RequestId, duplicate_of: Option<RequestId>, r: NewRequest) -> Committed {
    Committed {
        stored: StoredRequest {
            request: CapturedRequest {
                id,
                received_at: r.received_at,
                remote_addr: r.remote_addr,
                method: r.method,
                target: r.target,
                http_version: r.http_version,
                headers: r.headers,
                body: r.body,
                body_size: r.body_size,
                outcome: r.outcome,
                response: r.response,
                response_reason: r.response_reason,
            },
            duplicate_of,
            findings: r.findings,
            channel: r.channel,
            relay: r.relay,
        },
        awaiting_answer: r.awaiting_answer,
    }
}

/// Insert one request; its id, and the first earlier request with the same
/// idempotency key, decided now, inside the batch's transaction (so a copy
/// earlier in the same batch counts) and stored with it.
fn insert(
    conn: &Connection,
    statements: &mut Statements<'_>,
    r: &mut NewRequest,
) -> rusqlite::Result<(RequestId, Option<RequestId>)> {
    let duplicate_of: Option<RequestId> = match &r.dup_key {
        // Every stored id is below the one this insert gets.
        Some(key) => statements
            .first_with_key
            .query_row(params![key, RequestId::MAX], |row| row.get(0))?,
        None => None,
    };
    let outcome =
        serde_json::to_string(&r.outcome).unwrap_or_else(|_| r#"{"kind":"complete"}"#.into());
    // The answer goes out right after this commit (plus the planned delay); a
    // WAL commit takes microseconds, so this is the latency the sender sees.
    let latency_ms = match (&r.response, r.latency_known) {
        (Some(resp), true) => resp.latency_ms,
        _ => (r.started.elapsed() + r.planned_delay).as_secs_f64() * 1000.0,
    };
    if let Some(resp) = r.response.as_mut() {
        resp.latency_ms = latency_ms;
    }
    let (status, headers, body, latency) = match &r.response {
        Some(resp) => (
            Some(resp.status),
            Some(codec::encode_headers(&resp.headers)),
            Some(resp.body.as_slice()),
            Some(latency_ms),
        ),
        None => (None, None, None, None),
    };
    let findings = r.findings.as_ref().map(StoredFindings::to_json);
    statements.insert.execute(params![
        r.received_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        r.remote_addr,
        r.method,
        r.target,
        r.http_version,
        codec::encode_headers(&r.headers),
        r.body,
        r.body_size as i64,
        outcome,
        status,
        headers,
        body,
        latency,
        r.provider,
        r.event_type,
        r.dup_key,
        findings,
        duplicate_of,
        r.response_reason,
        r.channel,
        r.relay.as_ref().map(|o| o.url.as_str()),
        r.relay.as_ref().map(|o| o.channel.as_str()),
        r.relay.as_ref().map(|o| o.id),
    ])?;
    let id = conn.last_insert_rowid();
    if let Some(relay) = &r.relay {
        statements
            .cursor
            .execute(params![relay.url, relay.channel, relay.id])?;
    }
    Ok((id, duplicate_of))
}

fn set_response(
    tx: &Transaction<'_>,
    id: RequestId,
    resp: &CapturedResponse,
    why: Option<&str>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE requests SET resp_status = ?1, resp_headers = ?2, resp_body = ?3, latency_ms = ?4,
             resp_reason = ?6 WHERE id = ?5",
    )?
    .execute(params![
        resp.status,
        codec::encode_headers(&resp.headers),
        resp.body,
        resp.latency_ms,
        id,
        why
    ])?;
    Ok(())
}

/// Records still pending when a listener starts were left by one that
/// stopped before answering (only one listener writes a store): say so.
pub fn settle_stale_pending(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE requests SET resp_reason = 'listener stopped before answering'
         WHERE resp_reason = 'pending' AND resp_status IS NULL",
        [],
    )
}

/// A pending answer did not go out: no response, and why.
fn set_no_answer(tx: &Transaction<'_>, id: RequestId, reason: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE requests SET resp_status = NULL, resp_headers = NULL, resp_body = NULL,
             latency_ms = NULL, resp_reason = ?1 WHERE id = ?2",
    )?
    .execute(params![reason, id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `run` answers after COMMIT: another connection sees the write at once.
    #[test]
    fn run_answers_after_commit() {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::File(dir.path().join("w.db"));
        let (notices, _) = broadcast::channel(16);
        let (writer, thread) = StoreWriter::spawn(&location, false, notices).unwrap();
        let reader = location.open_reader().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for i in 1..=20 {
            let req = CapturedRequest::new("POST", "/x", vec![], b"b".to_vec());
            let new = NewRequest::from_captured(req, Instant::now(), Duration::ZERO, None, None);
            let id = runtime.block_on(writer.insert(new)).unwrap();
            let deleted = runtime
                .block_on(writer.run(None, move |conn| super::super::query::delete(conn, &[id])))
                .unwrap();
            assert_eq!(deleted, 1);
            assert_eq!(super::super::query::count(&reader).unwrap(), 0, "round {i}");
        }
        drop(writer);
        thread.join();
    }

    /// A closer ends the thread while another handle (a forward still
    /// waiting for its app) lives: what was stored stays, later writes are
    /// refused instead of waiting for a thread that is gone.
    #[test]
    fn a_closer_ends_the_writer_while_handles_live() {
        let dir = tempfile::tempdir().unwrap();
        let location = Location::File(dir.path().join("w.db"));
        let (notices, _) = broadcast::channel(16);
        let (writer, thread) = StoreWriter::spawn(&location, false, notices).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let new = || {
            let req = CapturedRequest::new("POST", "/x", vec![], b"b".to_vec());
            NewRequest::from_captured(req, Instant::now(), Duration::ZERO, None, None)
        };
        runtime.block_on(writer.insert(new())).unwrap();
        let lingering = writer.clone();
        let closer = writer.closer();
        drop(writer);
        assert_eq!(closer.handles(), 1);
        runtime.block_on(closer.close());
        thread.join();
        assert!(matches!(
            runtime.block_on(lingering.insert(new())),
            Err(StoreError::WriterGone)
        ));
        let reader = location.open_reader().unwrap();
        assert_eq!(super::super::query::count(&reader).unwrap(), 1);
    }
}
