//! The one stream of committed events. Everything that leaves the store
//! leaves here, after COMMIT, once per commit: the TUI, the headless printer
//! and the relay's stream each hold a [`Subscription`] and read the same
//! events, as stored (findings included), never re-inspected.
//!
//! The writer never waits for a subscriber: the stream is a bounded
//! broadcast, and one that falls behind gets [`Received::Lagged`] instead
//! of the events it missed. It then catches up by id from the store
//! ([`catch_up`]: request ids are sequential, so "everything after the last
//! id I saw" is exact) and drops the `Captured` events it has already read.
//! Answers, deliveries and deletes missed while lagging are in the store
//! too: a lagged subscriber re-reads what it shows.

use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::broadcast;

use super::StoredRequest;
use crate::model::{CapturedResponse, RequestId};

/// How many commits may wait for the slowest subscriber before it lags.
/// Each holds its requests' bodies until every subscriber has read it, so
/// this bounds memory, not correctness (a lagging subscriber catches up).
pub const CAPACITY: usize = 1024;

/// Something the store committed (or could not).
#[derive(Clone, Debug, PartialEq)]
pub enum StoreEvent {
    /// The requests one commit inserted, in id order, as stored: findings
    /// decided at arrival included. One event per commit, not per request:
    /// under load a commit holds dozens, and every event wakes each subscriber.
    Captured(Arc<[StoredRequest]>),
    /// The final answer of a request stored pending (proxied, or delayed).
    Answered(RequestId, Arc<Answer>),
    /// A replay, edited replay, ladder step or forward was stored for `request`.
    DeliveryAdded { request: RequestId, delivery: i64 },
    /// These requests were deleted (with their deliveries).
    Deleted(Arc<[RequestId]>),
    /// hyper refused a malformed request before any handler saw it; its
    /// trace was logged (see [`refused`](super::refused)).
    Refused(Arc<super::refused::Refusal>),
    /// Not a commit: the store could not be written; requests are answered
    /// 503 meanwhile.
    WriteFailed(super::WriteFailed),
    /// Not a commit: writes succeed again after a failure.
    WriteRecovered,
}

/// How a pending answer ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// It went out (or the proxied app answered): what the sender got.
    Sent(CapturedResponse),
    /// It never went out, and why (the sender left, shutdown cut it).
    NotSent(String),
}

/// What [`Subscription::recv`] gives.
#[derive(Debug)]
pub enum Received {
    Event(StoreEvent),
    /// Events were dropped because this subscriber fell behind: catch up by
    /// id from the store ([`catch_up`]) and re-read whatever is shown.
    Lagged,
}

/// The sending side, held by the writer thread only: when the thread ends,
/// every subscription sees the end of the stream.
pub(super) type Sender = broadcast::Sender<StoreEvent>;

/// A way to subscribe that does not keep the stream open.
#[derive(Clone)]
pub(super) struct Subscribe(broadcast::WeakSender<StoreEvent>);

impl Subscribe {
    pub(super) fn new(sender: &Sender) -> Self {
        Subscribe(sender.downgrade())
    }

    pub(super) fn subscribe(&self) -> Subscription {
        match self.0.upgrade() {
            Some(sender) => Subscription(sender.subscribe()),
            // The writer is gone: a stream that has already ended.
            None => Subscription(broadcast::channel(1).1),
        }
    }
}

/// One subscriber's view of the stream: events from the moment it
/// subscribed, in commit order.
#[derive(Debug)]
pub struct Subscription(broadcast::Receiver<StoreEvent>);

impl Subscription {
    /// The next event; `None` once the writer has stopped and all is read.
    pub async fn recv(&mut self) -> Option<Received> {
        match self.0.recv().await {
            Ok(event) => Some(Received::Event(event)),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(Received::Lagged),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The next event if one is waiting (`Ok(None)`: none yet), or `Err`
    /// once the writer has stopped and all is read.
    pub fn try_recv(&mut self) -> Result<Option<Received>, Ended> {
        match self.0.try_recv() {
            Ok(event) => Ok(Some(Received::Event(event))),
            Err(broadcast::error::TryRecvError::Lagged(_)) => Ok(Some(Received::Lagged)),
            Err(broadcast::error::TryRecvError::Empty) => Ok(None),
            Err(broadcast::error::TryRecvError::Closed) => Err(Ended),
        }
    }

    /// [`recv`](Self::recv) from a plain thread (not a runtime worker),
    /// waiting at most `timeout` when given (`Err(TimedOut)` then). Needs the
    /// handle of the runtime for the timer.
    pub fn blocking_recv(
        &mut self,
        runtime: &tokio::runtime::Handle,
        timeout: Option<std::time::Duration>,
    ) -> Result<Option<Received>, TimedOut> {
        match timeout {
            None => Ok(runtime.block_on(self.recv())),
            // The timer is made inside the runtime: it needs its context.
            Some(wait) => runtime
                .block_on(async { tokio::time::timeout(wait, self.recv()).await })
                .map_err(|_| TimedOut),
        }
    }
}

impl Subscription {
    /// A stream not fed by a writer, for tests that play a subscriber's
    /// part (events in any order, some missed).
    pub fn detached(capacity: usize) -> (broadcast::Sender<StoreEvent>, Subscription) {
        let (tx, rx) = broadcast::channel(capacity);
        (tx, Subscription(rx))
    }
}

/// The stream has ended: the writer stopped and every event was read.
#[derive(Debug, PartialEq, Eq)]
pub struct Ended;

/// [`Subscription::blocking_recv`] waited its whole timeout.
#[derive(Debug, PartialEq, Eq)]
pub struct TimedOut;

/// Catching up by id: up to `limit` stored requests after `last` (the
/// newest id the subscriber has), oldest first. Call again until it
/// returns fewer than `limit`; then skip `Captured` requests with an id
/// at or below the newest read.
pub fn catch_up(
    conn: &Connection,
    last: RequestId,
    limit: usize,
) -> rusqlite::Result<Vec<StoredRequest>> {
    super::query::after(conn, last, limit)
}
