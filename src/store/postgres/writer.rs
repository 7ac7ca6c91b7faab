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

use std::collections::{BTreeMap, HashMap};
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
    Command, InsertReply, NewRequest, QUEUE, StoreWriter, Waiting, WriteFailed, WriterThread,
    admit, stored, take_waiting,
};
use crate::store::{StoreError, codec};

/// The lock every relay's writer takes to hand out ids (any constant:
/// "hookcids" in ASCII).
const ID_LOCK: i64 = 0x686f_6f6b_6369_6473;

/// After a failed connection attempt, the next waits this long at least,
/// so a store that is down costs one quick refusal per batch, not a storm.
const RECONNECT_PAUSE: Duration = Duration::from_millis(100);

/// The whole batch in one statement: a row per element of the arrays.
const INSERT: &str = "INSERT INTO requests (id, received_at, remote_addr, method, target,
        http_version, headers, body, body_size, outcome, resp_status, resp_headers, resp_body,
        latency_ms, provider, event_type, dup_key, findings, duplicate_of, resp_reason, channel,
        relay_url, relay_channel, relay_id)
    SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
        $6::text[], $7::bytea[], $8::bytea[], $9::bigint[], $10::text[], $11::int[], $12::bytea[],
        $13::bytea[], $14::float8[], $15::text[], $16::text[], $17::text[], $18::text[],
        $19::bigint[], $20::text[], $21::text[], $22::text[], $23::text[], $24::bigint[])";

/// N ids for a batch, taken under the id lock (so in order across relays).
const IDS: &str =
    "SELECT nextval(pg_get_serial_sequence('requests', 'id')) FROM generate_series(1, $1::int)";

/// The first stored request with each of these idempotency keys.
/// A subquery per key, so each is one step down the (dup_key, id) index
/// (a GROUP BY would read every copy of a key, and keys repeat).
const FIRST_WITH_KEYS: &str = "SELECT k, (SELECT MIN(id) FROM requests WHERE dup_key = k)
    FROM unnest($1::text[]) AS k";

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
    ids: Statement,
    first_with_keys: Statement,
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
            ids: client.prepare(IDS).await?,
            first_with_keys: client.prepare(FIRST_WITH_KEYS).await?,
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

/// One transaction for the whole batch, in two round trips: BEGIN, the id
/// lock, the batch's ids and the first stored copy of each idempotency key
/// are sent together; then one INSERT of every request (a row per element
/// of [`Columns`]' arrays), the other writes, the notifications and
/// COMMIT. Statements sent together run one after another, in order (the
/// pipeline of one connection). One INSERT per batch rather than one per
/// request: the server's work per statement was the cost (bench/RESULTS.md).
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
    // First flight: BEGIN, the id lock (held to COMMIT, so every relay's
    // ids become visible in order), the batch's ids, and the first stored
    // request of each idempotency key in it.
    let inserting = !inserts.is_empty();
    let count = i32::try_from(inserts.len()).unwrap_or(i32::MAX);
    let keys: Vec<&str> = inserts
        .iter()
        .filter_map(|(new, _)| new.keys.dup_key.as_deref())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let taken = async {
        if !inserting {
            return Ok((Vec::new(), Vec::new()));
        }
        let lock: [&(dyn ToSql + Sync); 1] = [&ID_LOCK];
        let ids: [&(dyn ToSql + Sync); 1] = [&count];
        let firsts: [&(dyn ToSql + Sync); 1] = [&keys];
        let (locked, ids, firsts) = futures::join!(
            client.execute(&c.lock, &lock),
            client.query(&c.ids, &ids),
            client.query(&c.first_with_keys, &firsts)
        );
        locked?;
        Ok::<_, tokio_postgres::Error>((ids?, firsts?))
    };
    let (begun, taken) = futures::join!(client.batch_execute("BEGIN"), taken);
    let (ids, firsts) = match begun.and(taken) {
        Ok(taken) => taken,
        Err(e) => {
            for (_, reply) in inserts {
                waiting.inserts.push((0, reply));
            }
            batch.extend(others);
            return Err(e);
        }
    };
    let mut ids: Vec<RequestId> = ids.iter().map(|r| r.get(0)).collect();
    ids.sort_unstable();
    let mut first: HashMap<String, RequestId> = firsts
        .iter()
        .filter_map(|r| Some((r.get(0), r.get::<_, Option<RequestId>>(1)?)))
        .collect();
    // A copy earlier in the same batch counts too.
    let duplicates: Vec<Option<RequestId>> = inserts
        .iter()
        .zip(&ids)
        .map(|((new, _), id)| {
            let key = new.keys.dup_key.as_ref()?;
            match first.get(key) {
                Some(earlier) => Some(*earlier),
                None => {
                    first.insert(key.clone(), *id);
                    None
                }
            }
        })
        .collect();
    let mut channels = BTreeMap::new();
    for ((new, _), id) in inserts.iter().zip(&ids) {
        channels.insert(new.channel.clone().unwrap_or_default(), *id);
    }
    // The answer's latency is decided now, as the batch goes out.
    for (new, _) in &mut inserts {
        new.answer_latency();
    }
    let columns = Columns::of(&inserts, &ids, &duplicates);
    let insert = async {
        if inserting {
            client.execute(&c.insert, &columns.params()).await.map(drop)
        } else {
            Ok(())
        }
    };
    // Second flight: cursors, answers, notifications, COMMIT.
    let cursors = inserts.iter().filter_map(|(new, _)| new.relay.as_ref());
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
    let (inserted, cursors, answers, notified, committed) = futures::join!(
        insert,
        cursors,
        answers,
        notified,
        client.batch_execute("COMMIT")
    );
    drop(columns);
    let stored_ids = ids.into_iter().zip(duplicates);
    for ((new, reply), (id, duplicate_of)) in inserts.into_iter().zip(stored_ids) {
        waiting.inserts.push((id, reply));
        waiting.captured.push(stored(id, duplicate_of, *new));
    }
    // COMMIT of a transaction a statement failed in rolls it back without
    // an error of its own: any failure before it is the batch's.
    let failed = inserted
        .err()
        .or_else(|| cursors.into_iter().chain(notified).find_map(Result::err));
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

/// The batch's requests as one array per column, for [`INSERT`].
struct Columns<'a> {
    ids: &'a [RequestId],
    received_at: Vec<DateTime<Utc>>,
    remote_addr: Vec<&'a str>,
    method: Vec<&'a str>,
    target: Vec<&'a str>,
    http_version: Vec<&'a str>,
    headers: Vec<Vec<u8>>,
    body: Vec<&'a [u8]>,
    body_size: Vec<i64>,
    outcome: Vec<String>,
    resp_status: Vec<Option<i32>>,
    resp_headers: Vec<Option<Vec<u8>>>,
    resp_body: Vec<Option<&'a [u8]>>,
    latency_ms: Vec<Option<f64>>,
    provider: Vec<Option<&'a str>>,
    event_type: Vec<Option<&'a str>>,
    dup_key: Vec<Option<&'a str>>,
    findings: Vec<Option<String>>,
    duplicate_of: &'a [Option<RequestId>],
    resp_reason: Vec<Option<&'a str>>,
    channel: Vec<Option<&'a str>>,
    relay_url: Vec<Option<&'a str>>,
    relay_channel: Vec<Option<&'a str>>,
    relay_id: Vec<Option<RequestId>>,
}

impl<'a> Columns<'a> {
    fn of(
        inserts: &'a [(Box<NewRequest>, InsertReply)],
        ids: &'a [RequestId],
        duplicate_of: &'a [Option<RequestId>],
    ) -> Columns<'a> {
        let news: Vec<&'a NewRequest> = inserts.iter().map(|(new, _)| &**new).collect();
        let map = |f: &dyn Fn(&'a NewRequest) -> Option<&'a str>| -> Vec<Option<&'a str>> {
            news.iter().map(|n| f(n)).collect()
        };
        Columns {
            ids,
            received_at: news.iter().map(|n| n.request.received_at).collect(),
            remote_addr: news
                .iter()
                .map(|n| n.request.remote_addr.as_str())
                .collect(),
            method: news.iter().map(|n| n.request.method.as_str()).collect(),
            target: news.iter().map(|n| n.request.target.as_str()).collect(),
            http_version: news
                .iter()
                .map(|n| n.request.http_version.as_str())
                .collect(),
            headers: news
                .iter()
                .map(|n| codec::encode_headers(&n.request.headers))
                .collect(),
            body: news.iter().map(|n| n.request.body.as_slice()).collect(),
            body_size: news.iter().map(|n| n.request.body_size as i64).collect(),
            outcome: news
                .iter()
                .map(|n| {
                    serde_json::to_string(&n.request.outcome)
                        .unwrap_or_else(|_| r#"{"kind":"complete"}"#.into())
                })
                .collect(),
            resp_status: news
                .iter()
                .map(|n| n.request.response.as_ref().map(|r| i32::from(r.status)))
                .collect(),
            resp_headers: news
                .iter()
                .map(|n| {
                    n.request
                        .response
                        .as_ref()
                        .map(|r| codec::encode_headers(&r.headers))
                })
                .collect(),
            resp_body: news
                .iter()
                .map(|n| n.request.response.as_ref().map(|r| r.body.as_slice()))
                .collect(),
            latency_ms: news
                .iter()
                .map(|n| n.request.response.as_ref().map(|r| r.latency_ms))
                .collect(),
            provider: map(&|n| n.keys.provider.as_deref()),
            event_type: map(&|n| n.keys.event_type.as_deref()),
            dup_key: map(&|n| n.keys.dup_key.as_deref()),
            findings: news
                .iter()
                .map(|n| n.findings.as_ref().map(StoredFindings::to_json))
                .collect(),
            duplicate_of,
            resp_reason: map(&|n| n.request.response_reason.as_deref()),
            channel: map(&|n| n.channel.as_deref()),
            relay_url: map(&|n| n.relay.as_ref().map(|o| o.url.as_str())),
            relay_channel: map(&|n| n.relay.as_ref().map(|o| o.channel.as_str())),
            relay_id: news
                .iter()
                .map(|n| n.relay.as_ref().map(|o| o.id))
                .collect(),
        }
    }

    fn params(&self) -> [&(dyn ToSql + Sync); 24] {
        [
            &self.ids,
            &self.received_at,
            &self.remote_addr,
            &self.method,
            &self.target,
            &self.http_version,
            &self.headers,
            &self.body,
            &self.body_size,
            &self.outcome,
            &self.resp_status,
            &self.resp_headers,
            &self.resp_body,
            &self.latency_ms,
            &self.provider,
            &self.event_type,
            &self.dup_key,
            &self.findings,
            &self.duplicate_of,
            &self.resp_reason,
            &self.channel,
            &self.relay_url,
            &self.relay_channel,
            &self.relay_id,
        ]
    }
}
