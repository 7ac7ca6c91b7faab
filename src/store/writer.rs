//! The one writer. It owns the write connection on its own thread and commits
//! whatever is waiting as one transaction (group commit): under concurrency
//! many requests share one commit, so durability costs little throughput.
//! Nobody is answered before their transaction commits.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use std::sync::Arc;

use chrono::SecondsFormat;
use rusqlite::{Connection, Statement, Transaction, params};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::StoredRequest;
use super::checkpoint::Checkpointer;
use super::events::{self, Answer, StoreEvent, Subscribe, Subscription};
use super::{Location, StoreError, codec};
use crate::model::findings::StoredFindings;
use crate::model::{CapturedRequest, CapturedResponse, RelayRef, RequestId, RequestKeys};

/// How many queued commands one transaction takes at most.
pub(super) const MAX_BATCH: usize = 1024;

/// How long a commit waits for more requests once several arrived together.
/// Fewer, larger commits write fewer WAL frames per request (pages shared by
/// a batch are written once), so the log is rewound less often: at 50
/// concurrent senders p99 went from ~15 ms to ~3.5 ms at the same throughput
/// (bench/RESULTS.md). Longer waits cost throughput; 250 µs is the knee.
const LINGER: Duration = Duration::from_micros(250);
pub(super) const QUEUE: usize = 8192;

/// A request ready to be stored, as the listener saw it, with what was
/// decided about it at arrival.
#[derive(Debug)]
pub struct NewRequest {
    /// The request as captured (its id is given by the insert). A planned
    /// answer's latency is set at write time as (now - `started`) +
    /// `planned_delay`, unless `latency_known`.
    pub request: CapturedRequest,
    pub started: Instant,
    pub planned_delay: Duration,
    /// The columns it is found by (provider, event type, idempotency key).
    pub keys: RequestKeys,
    /// What inspection decided at arrival: stored with the request, so no
    /// reader judges it again with other secrets. `None` stores NULL (readers
    /// then judge on read, as for rows from before findings were kept).
    pub findings: Option<StoredFindings>,
    /// The answer's latency is already known (an imported request): kept as
    /// it is instead of measured at write time.
    pub latency_known: bool,
    /// On a relay: the channel it was posted to.
    pub channel: Option<String>,
    /// On a subscriber: the relay request this is a copy of; the relay's
    /// cursor advances to it in the same transaction.
    pub relay: Option<RelayRef>,
}

impl NewRequest {
    /// Wrap a captured request (response already planned) for storing.
    pub fn from_captured(
        request: CapturedRequest,
        started: Instant,
        planned_delay: Duration,
        keys: RequestKeys,
    ) -> Self {
        NewRequest {
            request,
            started,
            planned_delay,
            keys,
            findings: None,
            latency_known: false,
            channel: None,
            relay: None,
        }
    }

    /// Store what inspection decided at arrival with the request.
    pub fn with_findings(mut self, findings: StoredFindings) -> Self {
        self.findings = Some(findings);
        self
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

    /// The answer's latency, decided at write time (see [`NewRequest::started`])
    /// and set on the planned response.
    pub(super) fn answer_latency(&mut self) -> f64 {
        let r = &mut self.request;
        // The answer goes out right after this commit (plus the planned delay); a
        // WAL commit takes microseconds, so this is the latency the sender sees.
        let latency_ms = match (&r.response, self.latency_known) {
            (Some(resp), true) => resp.latency_ms,
            _ => (self.started.elapsed() + self.planned_delay).as_secs_f64() * 1000.0,
        };
        if let Some(resp) = r.response.as_mut() {
            resp.latency_ms = latency_ms;
        }
        latency_ms
    }
}

/// Why a write did not commit, shared by everyone in the batch.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WriteFailed {
    #[error("{0}")]
    Commit(Arc<rusqlite::Error>),
    /// The store opened but its statements could not be prepared: every
    /// write is refused.
    #[error("cannot prepare the store's statements: {0}")]
    Unprepared(Arc<rusqlite::Error>),
    /// PostgreSQL did not commit (or could not be reached): its words.
    #[error("{0}")]
    Postgres(Arc<str>),
}

/// A write run inside the batch's transaction. It returns how to answer its
/// caller, called only once the outcome of COMMIT is known.
/// Its event (if any) goes out once the batch has committed.
type Job = Box<dyn FnOnce(&Transaction<'_>) -> (Reply, Option<StoreEvent>) + Send>;
type Reply = Box<dyn FnOnce(Option<&WriteFailed>) + Send>;

pub(super) enum Command {
    Insert(Box<NewRequest>, InsertReply),
    /// The final answer, and why it is not the one expected (if it is not).
    SetResponse(RequestId, CapturedResponse, Option<String>),
    /// A pending answer that never went out, and why.
    SetNoAnswer(RequestId, String),
    /// Any other write, run inside the current batch's transaction.
    Run(Job),
    /// Take nothing more: what is queued commits, then the thread ends.
    Close,
}

/// A cheap, cloneable handle to the writer thread.
#[derive(Clone)]
pub struct StoreWriter {
    tx: mpsc::Sender<Command>,
    /// Only the writer thread holds the stream's sender, so its end ends
    /// every subscription, however many handles still live.
    events: Subscribe,
}

pub struct WriterThread(JoinHandle<()>);

impl WriterThread {
    pub(super) fn new(handle: JoinHandle<()>) -> Self {
        WriterThread(handle)
    }

    /// Wait for every queued write to commit. Drop all `StoreWriter`s first.
    pub fn join(self) {
        let _ = self.0.join();
    }
}

impl StoreWriter {
    pub(super) fn new(tx: mpsc::Sender<Command>, events: Subscribe) -> Self {
        StoreWriter { tx, events }
    }

    /// Open the store for writing and start the writer thread. Subscribe
    /// before anything is written to see every event
    /// ([`subscribe`](Self::subscribe)).
    pub fn spawn(
        location: &Location,
        fsync: bool,
    ) -> Result<(StoreWriter, WriterThread), StoreError> {
        if let Location::Postgres(target) = location {
            return super::postgres::writer::spawn(target);
        }
        let mut conn = location.open_writer(fsync)?;
        let checkpoints = match location {
            Location::File(_) => Some(Checkpointer::spawn(location)?),
            Location::Memory(_) | Location::Postgres(_) => None,
        };
        if let Some(c) = &checkpoints {
            c.install_rewind(&mut conn)?;
        }
        let (tx, rx) = mpsc::channel(QUEUE);
        let (events, _) = broadcast::channel(events::CAPACITY);
        let subscribe = Subscribe::new(&events);
        let handle = std::thread::Builder::new()
            .name("hookcatch-store".into())
            .spawn(move || {
                run(conn, rx, &events, checkpoints.as_ref());
                if let Some(c) = checkpoints {
                    c.finish();
                }
            })
            .map_err(|source| StoreError::Open {
                path: location.describe(),
                source,
            })?;
        Ok((
            StoreWriter {
                tx,
                events: subscribe,
            },
            WriterThread(handle),
        ))
    }

    /// Everything committed from now on ([`events`](super::events)). The
    /// stream ends when the writer thread does.
    pub fn subscribe(&self) -> Subscription {
        self.events.subscribe()
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
            Ok(Err(failed)) => Err(StoreError::Write(failed)),
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

    /// Delete these requests (and their deliveries); subscribers get
    /// [`StoreEvent::Deleted`] once it has committed. Returns how many existed.
    pub async fn delete(&self, ids: Vec<RequestId>) -> Result<usize, StoreError> {
        let deleted: Arc<[RequestId]> = ids.into();
        let event = StoreEvent::Deleted(deleted.clone());
        self.run_then(
            move |conn| super::query::delete(conn, &deleted),
            |_| Some(event),
        )
        .await
    }

    /// Run any write in the writer's next transaction and get its result,
    /// once it has committed.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.run_then(f, |_| None).await
    }

    /// [`run`](Self::run), and `event` (made from the write's result) goes
    /// to subscribers once it has committed.
    pub async fn run_then<T, F, E>(&self, f: F, event: E) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
        E: FnOnce(&T) -> Option<StoreEvent> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |tx: &Transaction<'_>| {
            let result = f(tx);
            let event = result.as_ref().ok().and_then(event);
            // Answer after COMMIT: a failed commit turns success into its error.
            let reply = Box::new(move |failed: Option<&WriteFailed>| {
                let result = match (result, failed) {
                    (Ok(_), Some(failed)) => Err(StoreError::Write(failed.clone())),
                    (result, _) => result.map_err(StoreError::from),
                };
                let _ = reply.send(result);
            }) as Reply;
            (reply, event)
        });
        self.tx
            .send(Command::Run(job))
            .await
            .map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
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
    events: &broadcast::Sender<StoreEvent>,
    checkpoints: Option<&Checkpointer>,
) {
    // Sent to subscribers after COMMIT; a send with none subscribed is
    // dropped, and nobody subscribed is never waited for.
    let publish = |event: StoreEvent| {
        let _ = events.send(event);
    };
    let mut statements = match Statements::prepare(&conn) {
        Ok(statements) => statements,
        Err(e) => {
            // The schema was just migrated on this connection, so this is a
            // broken store: every write is refused with the reason.
            let failed = WriteFailed::Unprepared(Arc::new(e));
            publish(StoreEvent::WriteFailed(failed.clone()));
            refuse_all(rx, &failed);
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
        match commit_batch(&conn, &mut statements, batch.drain(..), &mut waiting) {
            Ok(()) => {
                if let Some(c) = checkpoints {
                    c.poke();
                }
                if failing {
                    failing = false;
                    publish(StoreEvent::WriteRecovered);
                }
                waiting.answer(None, &publish);
            }
            Err(e) => {
                failing = true;
                let failed = WriteFailed::Commit(Arc::new(e));
                waiting.answer(Some(&failed), &publish);
                publish(StoreEvent::WriteFailed(failed.clone()));
            }
        }
    }
}

/// Move whatever is queued (up to [`MAX_BATCH`]) into `batch`, without waiting.
pub(super) fn take_waiting(rx: &mut mpsc::Receiver<Command>, batch: &mut Vec<Command>) {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(cmd) => admit(rx, batch, cmd),
            Err(_) => break,
        }
    }
}

/// A write joins the batch; `Close` closes the queue, so the loop ends once
/// what is already in it has committed.
pub(super) fn admit(rx: &mut mpsc::Receiver<Command>, batch: &mut Vec<Command>, cmd: Command) {
    match cmd {
        Command::Close => rx.close(),
        cmd => batch.push(cmd),
    }
}

/// Answer every command with `why` until all senders are gone.
fn refuse_all(mut rx: mpsc::Receiver<Command>, why: &WriteFailed) {
    while let Some(cmd) = rx.blocking_recv() {
        match cmd {
            Command::Insert(_, reply) => {
                let _ = reply.send(Err(why.clone()));
            }
            Command::Close => rx.close(),
            // A job dropped unrun tells its caller the writer gave up.
            Command::SetResponse(..) | Command::SetNoAnswer(..) | Command::Run(..) => {}
        }
    }
}

pub(super) type InsertReply = oneshot::Sender<Result<RequestId, WriteFailed>>;

/// Everyone in a batch waiting to hear how COMMIT went, and what the
/// subscribers are told once it has.
#[derive(Default)]
pub(super) struct Waiting {
    pub(super) inserts: Vec<(RequestId, InsertReply)>,
    jobs: Vec<Reply>,
    /// The requests inserted, as stored: one [`StoreEvent::Captured`].
    pub(super) captured: Vec<StoredRequest>,
    /// Answers and jobs' events, in commit order, after `captured`.
    pub(super) events: Vec<StoreEvent>,
}

impl Waiting {
    /// Tell everyone how COMMIT went: committed (`None`), the events go out
    /// first, then the answers; failed, each gets the error (the failure
    /// itself is published by the caller).
    pub(super) fn answer(self, failed: Option<&WriteFailed>, publish: &impl Fn(StoreEvent)) {
        match failed {
            None => {
                // Events before answers: whoever subscribes once a write
                // has returned never sees that write's event.
                if !self.captured.is_empty() {
                    publish(StoreEvent::Captured(self.captured.into()));
                }
                for event in self.events {
                    publish(event);
                }
                for (id, reply) in self.inserts {
                    let _ = reply.send(Ok(id));
                }
                for reply in self.jobs {
                    reply(None);
                }
            }
            Some(failed) => {
                for (_, reply) in self.inserts {
                    let _ = reply.send(Err(failed.clone()));
                }
                for reply in self.jobs {
                    reply(Some(failed));
                }
            }
        }
    }
}

/// Write the batch in one transaction. Every caller ends up in `waiting`, so
/// they are all answered after COMMIT, or with the error.
fn commit_batch(
    conn: &Connection,
    statements: &mut Statements<'_>,
    batch: impl Iterator<Item = Command>,
    waiting: &mut Waiting,
) -> rusqlite::Result<()> {
    let mut batch = batch.peekable();
    let result = write_batch(conn, statements, &mut batch, waiting);
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
) -> rusqlite::Result<()> {
    // Rolled back when dropped uncommitted, like `transaction()`; unchecked
    // only because the statements above borrow the connection too.
    let tx = conn.unchecked_transaction()?;
    for cmd in batch.by_ref() {
        match cmd {
            Command::Insert(mut request, reply) => {
                let inserted = insert(conn, statements, &mut request);
                waiting
                    .inserts
                    .push((inserted.as_ref().map_or(0, |(id, _)| *id), reply));
                let (id, duplicate_of) = inserted?;
                waiting.captured.push(stored(id, duplicate_of, *request));
            }
            Command::SetResponse(id, response, why) => {
                set_response(&tx, id, &response, why.as_deref())?;
                let answer = Arc::new(Answer::Sent(response));
                waiting.events.push(StoreEvent::Answered(id, answer));
            }
            Command::SetNoAnswer(id, reason) => {
                set_no_answer(&tx, id, &reason)?;
                let answer = Arc::new(Answer::NotSent(reason));
                waiting.events.push(StoreEvent::Answered(id, answer));
            }
            Command::Run(job) => {
                let (reply, event) = job(&tx);
                waiting.jobs.push(reply);
                waiting.events.extend(event);
            }
            // Taken out by `admit` before a batch forms.
            Command::Close => {}
        }
    }
    tx.commit()
}

/// The stored form of a request just inserted, as a reader would get it.
pub(super) fn stored(
    id: RequestId,
    duplicate_of: Option<RequestId>,
    r: NewRequest,
) -> StoredRequest {
    let mut request = r.request;
    request.id = id;
    StoredRequest {
        request,
        duplicate_of,
        findings: r.findings,
        channel: r.channel,
        relay: r.relay,
    }
}

/// Insert one request; its id, and the first earlier request with the same
/// idempotency key, decided now, inside the batch's transaction (so a copy
/// earlier in the same batch counts) and stored with it.
fn insert(
    conn: &Connection,
    statements: &mut Statements<'_>,
    new: &mut NewRequest,
) -> rusqlite::Result<(RequestId, Option<RequestId>)> {
    let findings = new.findings.as_ref().map(StoredFindings::to_json);
    let latency_ms = new.answer_latency();
    let keys = &new.keys;
    let (channel, relay) = (&new.channel, &new.relay);
    let r = &new.request;
    let duplicate_of: Option<RequestId> = match &keys.dup_key {
        // Every stored id is below the one this insert gets.
        Some(key) => statements
            .first_with_key
            .query_row(params![key, RequestId::MAX], |row| row.get(0))?,
        None => None,
    };
    let outcome = codec::encode_outcome(&r.outcome);
    let (status, headers, body, latency) = match &r.response {
        Some(resp) => (
            Some(resp.status),
            Some(codec::encode_headers(&resp.headers)),
            Some(resp.body.as_slice()),
            Some(latency_ms),
        ),
        None => (None, None, None, None),
    };
    statements.insert.execute(params![
        r.received_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        r.remote_addr,
        r.method,
        r.target,
        r.http_version,
        codec::encode_headers(&r.headers),
        r.body,
        r.body_size as i64,
        outcome.as_ref(),
        status,
        headers,
        body,
        latency,
        keys.provider,
        keys.event_type,
        keys.dup_key,
        findings,
        duplicate_of,
        r.response_reason,
        channel,
        relay.as_ref().map(|o| o.url.as_str()),
        relay.as_ref().map(|o| o.channel.as_str()),
        relay.as_ref().map(|o| o.id),
    ])?;
    let id = conn.last_insert_rowid();
    if let Some(relay) = relay {
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
mod tests;
