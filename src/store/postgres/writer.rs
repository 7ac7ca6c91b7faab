//! The one writer on PostgreSQL: the same commands as the SQLite writer
//! (`store::writer`), on a thread of its own with a single-threaded tokio
//! runtime. Whatever is waiting when a transaction starts goes into it
//! (group commit); nobody is answered before COMMIT has returned.
//!
//! Ids are handed out under a transaction-scoped advisory lock, so the
//! writers of several relays commit their requests in id order: a reader
//! that has seen id N has seen every committed id below N, and catching up
//! "after the last id I saw" is exact across relays. The committing
//! transaction notifies (`pg_notify`) once per relay channel it wrote; the
//! notification is only a wake-up (see `read.rs`).
//!
//! When the database cannot be written (down, unreachable, read-only), the
//! batch fails, every caller gets the error (the listener answers 503), and
//! the next batch connects again: the writer recovers by itself.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, mpsc};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Statement};

use super::{NOTIFY_CHANNEL, PgError, PgTarget, schema};
use crate::model::RequestId;
use crate::model::findings::StoredFindings;
use crate::store::events::{self, Answer, StoreEvent, Subscribe};
use crate::store::writer::{
    Command, NewRequest, QUEUE, StoreWriter, Waiting, WriteFailed, WriterThread, admit, stored,
    take_waiting,
};
use crate::store::{StoreError, codec};

/// The lock every relay's writer takes to hand out ids (any constant:
/// "hookcids" in ASCII).
const ID_LOCK: i64 = 0x686f_6f6b_6369_6473;

/// After a failed connection attempt, the next waits this long at least,
/// so a store that is down costs one quick refusal per batch, not a storm.
const RECONNECT_PAUSE: Duration = Duration::from_millis(100);

const INSERT: &str = "INSERT INTO requests (received_at, remote_addr, method, target, http_version,
        headers, body, body_size, outcome, resp_status, resp_headers, resp_body, latency_ms,
        provider, event_type, dup_key, findings, duplicate_of, resp_reason, channel, relay_url,
        relay_channel, relay_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
        (SELECT MIN(d.id) FROM requests d WHERE d.dup_key = $16), $18, $19, $20, $21, $22)
    RETURNING id, duplicate_of";

const CURSOR: &str = "INSERT INTO relay_cursors (url, channel, last_id) VALUES ($1, $2, $3)
    ON CONFLICT (url, channel) DO UPDATE SET last_id = GREATEST(relay_cursors.last_id, excluded.last_id)";

const SET_RESPONSE: &str =
    "UPDATE requests SET resp_status = $1, resp_headers = $2, resp_body = $3,
    latency_ms = $4, resp_reason = $6 WHERE id = $5";

const SET_NO_ANSWER: &str = "UPDATE requests SET resp_status = NULL, resp_headers = NULL,
    resp_body = NULL, latency_ms = NULL, resp_reason = $1 WHERE id = $2";

/// A connection with the writer's statements prepared on it.
struct Conn {
    client: Client,
    insert: Statement,
    cursor: Statement,
    set_response: Statement,
    set_no_answer: Statement,
    lock: Statement,
    notify: Statement,
}

impl Conn {
    async fn open(target: &PgTarget) -> Result<Conn, PgError> {
        let mut client = target.connect().await?;
        schema::migrate(&mut client).await?;
        Ok(Conn {
            insert: client.prepare(INSERT).await?,
            cursor: client.prepare(CURSOR).await?,
            set_response: client.prepare(SET_RESPONSE).await?,
            set_no_answer: client.prepare(SET_NO_ANSWER).await?,
            lock: client.prepare("SELECT pg_advisory_xact_lock($1)").await?,
            notify: client.prepare("SELECT pg_notify($1, $2)").await?,
            client,
        })
    }
}

/// Start the writer on `target`: connect and migrate first, so a wrong URL
/// or an unreachable server is an error at start, not a 503 later.
pub fn spawn(target: &PgTarget) -> Result<(StoreWriter, WriterThread), StoreError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::Postgres(PgError::Runtime(e)))?;
    let (tx, rx) = mpsc::channel(QUEUE);
    let (events, _) = broadcast::channel(events::CAPACITY);
    let subscribe = Subscribe::new(&events);
    let (opened_tx, opened_rx) = std::sync::mpsc::channel();
    let target_for_thread = target.clone();
    let handle = std::thread::Builder::new()
        .name("hookcatch-store".into())
        .spawn(move || {
            runtime.block_on(async move {
                let conn = match Conn::open(&target_for_thread).await {
                    Ok(conn) => {
                        let _ = opened_tx.send(Ok(()));
                        conn
                    }
                    Err(e) => {
                        let _ = opened_tx.send(Err(e));
                        return;
                    }
                };
                run(&target_for_thread, Some(conn), rx, &events).await;
            });
        })
        .map_err(|source| StoreError::Open {
            path: target.masked(),
            source,
        })?;
    let writer_thread = WriterThread::new(handle);
    match opened_rx.recv() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            writer_thread.join();
            return Err(StoreError::Postgres(e));
        }
        Err(_) => {
            writer_thread.join();
            return Err(StoreError::WriterGone);
        }
    }
    Ok((StoreWriter::new(tx, subscribe), writer_thread))
}

async fn run(
    target: &PgTarget,
    mut conn: Option<Conn>,
    mut rx: mpsc::Receiver<Command>,
    events: &broadcast::Sender<StoreEvent>,
) {
    let publish = |event: StoreEvent| {
        let _ = events.send(event);
    };
    let mut failing = false;
    let mut batch = Vec::with_capacity(crate::store::writer::MAX_BATCH);
    while let Some(first) = rx.recv().await {
        admit(&mut rx, &mut batch, first);
        take_waiting(&mut rx, &mut batch);
        if batch.is_empty() {
            continue;
        }
        if conn.as_ref().is_none_or(|c| c.client.is_closed()) {
            conn = match Conn::open(target).await {
                Ok(c) => Some(c),
                Err(e) => {
                    fail(batch.drain(..), &e.to_string(), &publish);
                    failing = true;
                    tokio::time::sleep(RECONNECT_PAUSE).await;
                    continue;
                }
            };
        }
        let Some(c) = conn.as_mut() else { continue };
        let mut waiting = Waiting::default();
        let result = commit_batch(c, &mut batch, &mut waiting).await;
        // Whatever the batch did not reach is answered with its error.
        let rest = std::mem::take(&mut batch);
        match result {
            Ok(()) => {
                if failing {
                    failing = false;
                    publish(StoreEvent::WriteRecovered);
                }
                waiting.answer(None, &publish);
            }
            Err(e) => {
                failing = true;
                let failed = WriteFailed::Postgres(e.to_string().into());
                waiting.answer(Some(&failed), &publish);
                fail(rest.into_iter(), &e.to_string(), &publish);
                if c.client.is_closed() {
                    conn = None;
                }
            }
        }
    }
}

/// Answer every command of a batch that never reached the database.
fn fail(batch: impl Iterator<Item = Command>, why: &str, publish: &impl Fn(StoreEvent)) {
    let failed = WriteFailed::Postgres(why.into());
    for cmd in batch {
        if let Command::Insert(_, reply) = cmd {
            let _ = reply.send(Err(failed.clone()));
        }
        // Answers not recorded stay as they are (pending); a job for the
        // SQLite writer is dropped, and its caller hears the writer gave up.
    }
    publish(StoreEvent::WriteFailed(failed));
}

/// One transaction for the whole batch, in two round trips: BEGIN, the
/// id lock and the inserts are sent together, then the other writes, the
/// notifications and COMMIT. Statements sent together run one after
/// another, in order (the pipeline of one connection). Commands are taken
/// from `batch` as they are written; on an error the rest stay in it.
async fn commit_batch(
    c: &mut Conn,
    batch: &mut Vec<Command>,
    waiting: &mut Waiting,
) -> Result<(), tokio_postgres::Error> {
    let result = write_batch(c, batch, waiting).await;
    if result.is_err() && !c.client.is_closed() {
        // Whatever failed, nothing of this batch stays.
        let _ = c.client.batch_execute("ROLLBACK").await;
    }
    result
}

async fn write_batch(
    c: &Conn,
    batch: &mut Vec<Command>,
    waiting: &mut Waiting,
) -> Result<(), tokio_postgres::Error> {
    let client = &c.client;
    let mut inserts = Vec::new();
    let mut others = Vec::new();
    for cmd in batch.drain(..) {
        match cmd {
            Command::Insert(new, reply) => inserts.push((new, reply)),
            other => others.push(other),
        }
    }
    // First flight. The lock (taken only to insert) is held to COMMIT, so
    // every relay's ids become visible in order.
    let inserting = !inserts.is_empty();
    let lock = async {
        if !inserting {
            Ok(0)
        } else {
            client.execute(&c.lock, &[&ID_LOCK]).await
        }
    };
    let writes = inserts
        .iter_mut()
        .map(|(new, _)| insert_one(client, &c.insert, new));
    let (begun, locked, rows) = futures::join!(
        client.batch_execute("BEGIN"),
        lock,
        futures::future::join_all(writes)
    );
    let mut error = begun.err().or(locked.err());
    let mut channels = BTreeMap::new();
    for ((new, reply), row) in inserts.into_iter().zip(rows) {
        match row {
            Ok((id, duplicate_of)) => {
                channels.insert(new.channel.clone().unwrap_or_default(), id);
                waiting.inserts.push((id, reply));
                waiting.captured.push(stored(id, duplicate_of, *new));
            }
            Err(e) => {
                waiting.inserts.push((0, reply));
                error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = error {
        batch.extend(others);
        return Err(e);
    }
    // Second flight: cursors, answers, notifications, COMMIT.
    let cursors = waiting.captured.iter().filter_map(|r| r.relay.as_ref());
    let cursors = futures::future::join_all(cursors.map(|relay| async move {
        client
            .execute(&c.cursor, &[&relay.url, &relay.channel, &relay.id])
            .await
    }));
    let statuses: Vec<i32> = others
        .iter()
        .map(|cmd| match cmd {
            Command::SetResponse(_, response, _) => i32::from(response.status),
            _ => 0,
        })
        .collect();
    let headers: Vec<Vec<u8>> = others
        .iter()
        .map(|cmd| match cmd {
            Command::SetResponse(_, response, _) => codec::encode_headers(&response.headers),
            _ => Vec::new(),
        })
        .collect();
    let answers = futures::future::join_all(others.iter().zip(&statuses).zip(&headers).map(
        |((cmd, status), headers)| async move {
            match cmd {
                Command::SetResponse(id, response, why) => client
                    .execute(
                        &c.set_response,
                        &[
                            status,
                            headers,
                            &response.body,
                            &response.latency_ms,
                            id,
                            why,
                        ],
                    )
                    .await
                    .map(|_| {
                        let answer = Arc::new(Answer::Sent(response.clone()));
                        Some(StoreEvent::Answered(*id, answer))
                    }),
                Command::SetNoAnswer(id, reason) => client
                    .execute(&c.set_no_answer, &[reason, id])
                    .await
                    .map(|_| {
                        let answer = Arc::new(Answer::NotSent(reason.clone()));
                        Some(StoreEvent::Answered(*id, answer))
                    }),
                // A closure over a SQLite transaction cannot run here:
                // dropped, its caller hears that the writer gave up.
                Command::Run(_) | Command::Close | Command::Insert(..) => Ok(None),
            }
        },
    ));
    // Ids rise through the batch: the last per channel is its newest.
    let payloads: Vec<String> = channels
        .iter()
        .map(|(channel, id)| super::notify::payload(channel, *id))
        .collect();
    let notified = futures::future::join_all(payloads.iter().map(|payload| async move {
        client.execute(&c.notify, &[&NOTIFY_CHANNEL, payload]).await
    }));
    let (cursors, answers, notified, committed) =
        futures::join!(cursors, answers, notified, client.batch_execute("COMMIT"));
    // COMMIT of a transaction a statement failed in rolls it back without
    // an error of its own: any failure before it is the batch's.
    let failed = cursors.into_iter().chain(notified).find_map(Result::err);
    let mut events = Vec::new();
    let mut answer_failed = None;
    for answer in answers {
        match answer {
            Ok(event) => events.extend(event),
            Err(e) => {
                answer_failed.get_or_insert(e);
            }
        }
    }
    if let Some(e) = failed.or(answer_failed) {
        batch.extend(others);
        return Err(e);
    }
    committed?;
    waiting.events.extend(events);
    Ok(())
}

/// Insert one request; its id and the first earlier request with its
/// idempotency key (decided in the insert, inside the batch's transaction).
async fn insert_one(
    tx: &Client,
    statement: &Statement,
    new: &mut NewRequest,
) -> Result<(RequestId, Option<RequestId>), tokio_postgres::Error> {
    let findings = new.findings.as_ref().map(StoredFindings::to_json);
    let latency_ms = new.answer_latency();
    let r = &new.request;
    let outcome =
        serde_json::to_string(&r.outcome).unwrap_or_else(|_| r#"{"kind":"complete"}"#.into());
    let (status, headers, body, latency) = match &r.response {
        Some(resp) => (
            Some(i32::from(resp.status)),
            Some(codec::encode_headers(&resp.headers)),
            Some(resp.body.as_slice()),
            Some(latency_ms),
        ),
        None => (None, None, None, None),
    };
    let received_at: DateTime<Utc> = r.received_at;
    let request_headers = codec::encode_headers(&r.headers);
    let body_size = r.body_size as i64;
    let relay_url = new.relay.as_ref().map(|o| o.url.as_str());
    let relay_channel = new.relay.as_ref().map(|o| o.channel.as_str());
    let relay_id = new.relay.as_ref().map(|o| o.id);
    let params: [&(dyn ToSql + Sync); 22] = [
        &received_at,
        &r.remote_addr,
        &r.method,
        &r.target,
        &r.http_version,
        &request_headers,
        &r.body,
        &body_size,
        &outcome,
        &status,
        &headers,
        &body,
        &latency,
        &new.keys.provider,
        &new.keys.event_type,
        &new.keys.dup_key,
        &findings,
        &r.response_reason,
        &new.channel,
        &relay_url,
        &relay_channel,
        &relay_id,
    ];
    let row = tx.query_one(statement, &params).await?;
    Ok((row.get(0), row.get(1)))
}
