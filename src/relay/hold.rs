//! `--hold SECS`: the sender waits for the first subscriber's answer.
//!
//! A held request is registered right after it is stored, before its
//! channel's streams are woken; a stream that read it from the store a
//! moment earlier (woken by an earlier request) still marks it `hold` (it is
//! stored pending), so an answer may arrive before the registration: it is
//! kept briefly and taken by the registration. Only then: a request is
//! [`Holds::reserve`]d before it is stored, and an answer for an id nobody
//! waits for is kept only while a reservation on its channel could still
//! become that id (its id is above every id seen before the reservation).
//! Any other answer, for an unknown id, another channel's, one answered
//! already or one whose hold ended, is not used.
//!
//! A hold ends with the first answer, after SECS, or when the relay stops:
//! the sender then gets the relay's own answer at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::model::{CapturedResponse, RequestId};

/// A held request: its channel and id (a channel's token answers only its own).
type Key = (String, RequestId);

/// Answers kept for requests not registered yet, at most.
const EARLY_MAX: usize = 1024;
/// Ended holds remembered (so a late answer is told it was not used), at most.
const ENDED_MAX: usize = 65_536;

/// Why a held sender gets the relay's own answer once the relay stops.
pub const STOPPING: &str = "relay's own answer: relay stopping";
/// Why a held sender gets the relay's own answer once its channel's last
/// subscriber has gone.
pub const NO_SUBSCRIBER_LEFT: &str = "relay's own answer: no subscriber left";

#[derive(Default)]
struct Inner {
    waiting: HashMap<Key, oneshot::Sender<CapturedResponse>>,
    early: HashMap<Key, (CapturedResponse, Instant)>,
    /// Requests being stored: their ticket, channel and the newest id seen
    /// before they began (their own id will be above it).
    storing: HashMap<u64, (String, RequestId)>,
    next_ticket: u64,
    /// The newest id registered or ended.
    newest: RequestId,
    /// Holds that ended (answered, timed out, not held after all), and when.
    ended: HashMap<Key, Instant>,
}

pub struct Holds {
    pub secs: Duration,
    inner: Mutex<Inner>,
}

/// What became of a subscriber's answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    /// It goes to the sender.
    Used,
    /// Another subscriber answered first, the hold ended, or no request of
    /// this channel is held (or about to be) with this id.
    Late,
}

/// A request on its way into the store that may be held: see [`Holds::reserve`].
pub struct Reservation {
    holds: Arc<Holds>,
    ticket: u64,
    channel: String,
}

impl Reservation {
    /// The request is stored as `id` and held: wait for its answer.
    pub fn register(self, id: RequestId) -> oneshot::Receiver<CapturedResponse> {
        let (tx, rx) = oneshot::channel();
        let key = (self.channel.clone(), id);
        self.holds.with(|inner| {
            inner.storing.remove(&self.ticket);
            inner.newest = inner.newest.max(id);
            match inner.early.remove(&key) {
                Some((answer, _)) => {
                    let _ = tx.send(answer);
                }
                None => {
                    inner.waiting.insert(key, tx);
                }
            }
        });
        rx
    }

    /// The request is stored as `id` but not held (the relay's own answer
    /// went out): an answer for it is not used.
    pub fn not_held(self, id: RequestId) {
        let key = (self.channel.clone(), id);
        self.holds.with(|inner| {
            inner.storing.remove(&self.ticket);
            inner.early.remove(&key);
            inner.end(key);
        });
    }
}

impl Drop for Reservation {
    /// Not stored, or done with: no answer waits on this reservation.
    fn drop(&mut self) {
        self.holds.with(|inner| {
            inner.storing.remove(&self.ticket);
        });
    }
}

impl Inner {
    fn end(&mut self, key: Key) {
        if self.ended.len() >= ENDED_MAX {
            // The oldest half goes; an answer that late is refused by the
            // reservation check anyway (its id is not above any floor).
            let mut times: Vec<Instant> = self.ended.values().copied().collect();
            times.sort_unstable();
            let cut = times[times.len() / 2];
            self.ended.retain(|_, at| *at > cut);
        }
        self.newest = self.newest.max(key.1);
        self.ended.insert(key, Instant::now());
    }

    /// A reservation on `channel` may still become `id`.
    fn may_become(&self, channel: &str, id: RequestId) -> bool {
        self.storing
            .values()
            .any(|(c, floor)| c == channel && id > *floor)
    }
}

impl Holds {
    pub fn new(secs: Duration) -> Holds {
        Holds {
            secs,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut inner)
    }

    /// A request for `channel` is about to be stored; once it has an id,
    /// [`Reservation::register`] it (held) or [`Reservation::not_held`].
    pub fn reserve(self: &Arc<Self>, channel: &str) -> Reservation {
        let ticket = self.with(|inner| {
            let ticket = inner.next_ticket;
            inner.next_ticket += 1;
            let floor = inner.newest;
            inner.storing.insert(ticket, (channel.to_string(), floor));
            ticket
        });
        Reservation {
            holds: self.clone(),
            ticket,
            channel: channel.to_string(),
        }
    }

    /// Note a stored id that is never held (a channel nobody follows): an
    /// answer for it is not kept for a reservation.
    pub fn seen(&self, id: RequestId) {
        self.with(|inner| inner.newest = inner.newest.max(id));
    }

    /// Wait for the answer registered for `id`, within the hold time, or
    /// until `stopping` (the relay is shutting down).
    pub async fn wait(
        &self,
        channel: &str,
        id: RequestId,
        rx: oneshot::Receiver<CapturedResponse>,
        stopping: &CancellationToken,
    ) -> Result<CapturedResponse, String> {
        let got = tokio::select! {
            got = tokio::time::timeout(self.secs, rx) => Some(got),
            () = stopping.cancelled() => None,
        };
        let key = (channel.to_string(), id);
        self.with(|inner| {
            inner.waiting.remove(&key);
            inner.end(key);
        });
        match got {
            Some(Ok(Ok(answer))) => Ok(answer),
            None => Err(STOPPING.to_string()),
            // Its slot was let go: the channel's last subscriber left.
            Some(Ok(Err(_))) => Err(NO_SUBSCRIBER_LEFT.to_string()),
            Some(_) => Err(format!(
                "relay's own answer: no subscriber answered within {} s",
                self.secs.as_secs_f64()
            )),
        }
    }

    /// The last stream of `channel` has gone: every sender held there gets
    /// the relay's own answer now, not after the hold time.
    pub fn release(&self, channel: &str) {
        self.with(|inner| inner.waiting.retain(|(c, _), _| c != channel));
    }

    /// A subscriber's answer for `id`; the first one wins.
    pub fn answer(&self, channel: &str, id: RequestId, answer: CapturedResponse) -> Taken {
        let key = (channel.to_string(), id);
        self.with(|inner| {
            if let Some(tx) = inner.waiting.remove(&key) {
                return if tx.send(answer).is_ok() {
                    Taken::Used
                } else {
                    Taken::Late
                };
            }
            let now = Instant::now();
            let keep = self.secs;
            inner
                .early
                .retain(|_, (_, at)| now.duration_since(*at) < keep);
            if inner.ended.contains_key(&key)
                || inner.early.contains_key(&key)
                || inner.early.len() >= EARLY_MAX
                || !inner.may_become(channel, id)
            {
                return Taken::Late;
            }
            inner.early.insert(key, (answer, now));
            Taken::Used
        })
    }
}

/// Kept by each stream of a holding relay: when the last stream of its
/// channel goes, the channel's held senders are released (see
/// [`Holds::release`]). Declared after the stream's
/// [`super::channels::Following`], so that is dropped (uncounted) first.
pub struct LastOut {
    pub holds: Arc<Holds>,
    pub channels: Arc<super::channels::Channels>,
    pub channel: String,
    /// The relay is stopping: its streams end because of that, and the
    /// held senders get its answer for that reason instead.
    pub stopping: CancellationToken,
}

impl Drop for LastOut {
    fn drop(&mut self) {
        if !self.stopping.is_cancelled() && self.channels.streams(&self.channel) == 0 {
            self.holds.release(&self.channel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16) -> CapturedResponse {
        CapturedResponse {
            status,
            headers: vec![],
            body: vec![],
            latency_ms: 0.0,
        }
    }

    fn holds(secs: Duration) -> Arc<Holds> {
        Arc::new(Holds::new(secs))
    }

    #[tokio::test]
    async fn the_first_answer_wins_even_before_registration() {
        let holds = holds(Duration::from_secs(5));
        let stopping = CancellationToken::new();
        let storing = holds.reserve("c");
        assert_eq!(holds.answer("c", 1, answer(500)), Taken::Used);
        assert_eq!(holds.answer("c", 1, answer(201)), Taken::Late);
        let rx = storing.register(1);
        assert_eq!(holds.wait("c", 1, rx, &stopping).await.unwrap().status, 500);
        assert_eq!(
            holds.answer("c", 1, answer(202)),
            Taken::Late,
            "answered already"
        );
    }

    #[tokio::test]
    async fn an_answer_nobody_waits_for_is_not_used() {
        let holds = holds(Duration::from_secs(5));
        // Nothing is being stored: an unknown id.
        assert_eq!(holds.answer("c", 9, answer(200)), Taken::Late);
        // Something is, on another channel, or below what was seen before it.
        holds.seen(10);
        let storing = holds.reserve("c");
        assert_eq!(holds.answer("other", 11, answer(200)), Taken::Late);
        assert_eq!(holds.answer("c", 10, answer(200)), Taken::Late);
        storing.not_held(11);
        assert_eq!(holds.answer("c", 11, answer(200)), Taken::Late);
    }

    #[tokio::test]
    async fn no_answer_is_a_reason() {
        let holds = holds(Duration::from_millis(10));
        let stopping = CancellationToken::new();
        let rx = holds.reserve("c").register(2);
        let why = holds.wait("c", 2, rx, &stopping).await.unwrap_err();
        assert!(why.contains("no subscriber answered"), "{why}");
        assert_eq!(holds.answer("c", 2, answer(200)), Taken::Late, "ended");
    }

    #[tokio::test]
    async fn releasing_a_channel_ends_its_holds_at_once() {
        let holds = holds(Duration::from_secs(300));
        let stopping = CancellationToken::new();
        let rx = holds.reserve("c").register(4);
        let other = holds.reserve("d").register(5);
        holds.release("c");
        let why = tokio::time::timeout(Duration::from_secs(5), holds.wait("c", 4, rx, &stopping))
            .await
            .expect("at once")
            .unwrap_err();
        assert_eq!(why, NO_SUBSCRIBER_LEFT);
        assert_eq!(
            holds.answer("d", 5, answer(201)),
            Taken::Used,
            "d still held"
        );
        assert_eq!(
            holds.wait("d", 5, other, &stopping).await.unwrap().status,
            201
        );
    }

    #[tokio::test]
    async fn stopping_ends_a_hold_at_once() {
        let holds = holds(Duration::from_secs(300));
        let stopping = CancellationToken::new();
        let rx = holds.reserve("c").register(3);
        stopping.cancel();
        let why = tokio::time::timeout(Duration::from_secs(5), holds.wait("c", 3, rx, &stopping))
            .await
            .expect("at once")
            .unwrap_err();
        assert_eq!(why, STOPPING);
    }
}
