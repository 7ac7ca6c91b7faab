//! The one writer. It owns the write connection on its own thread and commits
//! whatever is waiting as one transaction (group commit): under concurrency
//! many requests share one commit, so durability costs little throughput.
//! Nobody is answered before their transaction commits.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, Transaction, params};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::{Location, StoreError, codec};
use crate::inspect::Event;
use crate::model::{CapturedRequest, CapturedResponse, HeaderField, Notice, Outcome, RequestId};

/// How many queued commands one transaction takes at most.
const MAX_BATCH: usize = 1024;
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
    pub started: Instant,
    pub planned_delay: Duration,
    pub provider: Option<String>,
    pub event_type: Option<String>,
    pub dup_key: Option<String>,
}

impl NewRequest {
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
            started,
            planned_delay,
            provider: event.map(|e| e.provider.as_str().to_string()),
            event_type: event.map(|e| e.kind.clone()),
            dup_key,
        }
    }
}

type Job = Box<dyn FnOnce(&Transaction<'_>) + Send>;

enum Command {
    Insert(Box<NewRequest>, oneshot::Sender<Result<RequestId, String>>),
    SetResponse(RequestId, CapturedResponse),
    /// Any other write, run inside the current batch's transaction; the
    /// notice goes out after it commits.
    Run(Job, Option<Notice>),
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
        let conn = location.open_writer(fsync)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let thread_notices = notices.clone();
        let handle = std::thread::Builder::new()
            .name("hookcatch-store".into())
            .spawn(move || run(conn, rx, thread_notices))
            .map_err(|source| StoreError::Open {
                path: location.describe(),
                source,
            })?;
        Ok((StoreWriter { tx, notices }, WriterThread(handle)))
    }

    pub fn notices(&self) -> broadcast::Sender<Notice> {
        self.notices.clone()
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
        let _ = self.tx.send(Command::SetResponse(id, response)).await;
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
            let _ = reply.send(f(tx));
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

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Command>, notices: broadcast::Sender<Notice>) {
    let mut failing = false;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(cmd) => batch.push(cmd),
                Err(_) => break,
            }
        }
        let mut waiting = Vec::new();
        match commit_batch(&mut conn, batch.drain(..), &mut waiting) {
            Ok(done) => {
                if failing {
                    failing = false;
                    let _ = notices.send(Notice::StoreRecovered);
                }
                for (id, reply) in waiting {
                    let _ = reply.send(Ok(id));
                    let _ = notices.send(Notice::Captured(id));
                }
                for notice in done {
                    let _ = notices.send(notice);
                }
            }
            Err(e) => {
                failing = true;
                let message = e.to_string();
                for (_, reply) in waiting {
                    let _ = reply.send(Err(message.clone()));
                }
                let _ = notices.send(Notice::StoreFailed(message));
            }
        }
    }
}

type Reply = oneshot::Sender<Result<RequestId, String>>;

/// Write the batch in one transaction. Every insert's reply ends up in
/// `waiting`, so the caller answers them all, after COMMIT or with the error.
fn commit_batch(
    conn: &mut Connection,
    batch: impl Iterator<Item = Command>,
    waiting: &mut Vec<(RequestId, Reply)>,
) -> rusqlite::Result<Vec<Notice>> {
    let mut batch = batch.peekable();
    let result = write_batch(conn, &mut batch, waiting);
    // Commands never reached after an error still get their answer.
    for cmd in batch {
        if let Command::Insert(_, reply) = cmd {
            waiting.push((0, reply));
        }
    }
    result
}

fn write_batch(
    conn: &mut Connection,
    batch: &mut impl Iterator<Item = Command>,
    waiting: &mut Vec<(RequestId, Reply)>,
) -> rusqlite::Result<Vec<Notice>> {
    let tx = conn.transaction()?;
    let mut notices = Vec::new();
    for cmd in batch.by_ref() {
        match cmd {
            Command::Insert(request, reply) => {
                let inserted = insert(&tx, &request);
                waiting.push((*inserted.as_ref().unwrap_or(&0), reply));
                inserted?;
            }
            Command::SetResponse(id, response) => {
                set_response(&tx, id, &response)?;
                notices.push(Notice::Updated(id));
            }
            Command::Run(job, notice) => {
                job(&tx);
                notices.extend(notice);
            }
        }
    }
    tx.commit()?;
    Ok(notices)
}

fn insert(tx: &Transaction<'_>, r: &NewRequest) -> rusqlite::Result<RequestId> {
    let outcome =
        serde_json::to_string(&r.outcome).unwrap_or_else(|_| r#"{"kind":"complete"}"#.into());
    // The answer goes out right after this commit (plus the planned delay); a
    // WAL commit takes microseconds, so this is the latency the sender sees.
    let latency_ms = (r.started.elapsed() + r.planned_delay).as_secs_f64() * 1000.0;
    let (status, headers, body, latency) = match &r.response {
        Some(resp) => (
            Some(resp.status),
            Some(codec::encode_headers(&resp.headers)),
            Some(resp.body.as_slice()),
            Some(latency_ms),
        ),
        None => (None, None, None, None),
    };
    tx.prepare_cached(
        "INSERT INTO requests (received_at, remote_addr, method, target, http_version, headers, body,
             body_size, outcome, resp_status, resp_headers, resp_body, latency_ms, provider, event_type, dup_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
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
    ])?;
    Ok(tx.last_insert_rowid())
}

fn set_response(
    tx: &Transaction<'_>,
    id: RequestId,
    resp: &CapturedResponse,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE requests SET resp_status = ?1, resp_headers = ?2, resp_body = ?3, latency_ms = ?4 WHERE id = ?5",
    )?
    .execute(params![
        resp.status,
        codec::encode_headers(&resp.headers),
        resp.body,
        resp.latency_ms,
        id
    ])?;
    Ok(())
}
