//! `--hold SECS`: the sender waits for the first subscriber's answer.
//!
//! A held request is registered right after it is stored, before its
//! channel's streams are woken; a stream that read it from the store a
//! moment earlier (woken by an earlier request) still marks it `hold` (it is
//! stored pending), so an answer may arrive before the registration: it is
//! kept briefly and taken by the registration.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::model::{CapturedResponse, RequestId};

/// A held request: its channel and id (a channel's token answers only its own).
type Key = (String, RequestId);

/// Answers kept for requests not registered yet, at most.
const EARLY_MAX: usize = 1024;

#[derive(Default)]
struct Inner {
    waiting: HashMap<Key, oneshot::Sender<CapturedResponse>>,
    early: HashMap<Key, (CapturedResponse, Instant)>,
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
    /// Another subscriber answered first, or the hold ended.
    Late,
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

    /// Start waiting for `id`'s answer.
    pub fn register(&self, channel: &str, id: RequestId) -> oneshot::Receiver<CapturedResponse> {
        let (tx, rx) = oneshot::channel();
        let id = (channel.to_string(), id);
        self.with(|inner| match inner.early.remove(&id) {
            Some((answer, _)) => {
                let _ = tx.send(answer);
            }
            None => {
                inner.waiting.insert(id, tx);
            }
        });
        rx
    }

    /// Wait for the answer registered for `id`, within the hold time.
    pub async fn wait(
        &self,
        channel: &str,
        id: RequestId,
        rx: oneshot::Receiver<CapturedResponse>,
    ) -> Result<CapturedResponse, String> {
        let got = tokio::time::timeout(self.secs, rx).await;
        self.with(|inner| inner.waiting.remove(&(channel.to_string(), id)));
        match got {
            Ok(Ok(answer)) => Ok(answer),
            _ => Err(format!(
                "relay's own answer: no subscriber answered within {} s",
                self.secs.as_secs_f64()
            )),
        }
    }

    /// A subscriber's answer for `id`; the first one wins.
    pub fn answer(&self, channel: &str, id: RequestId, answer: CapturedResponse) -> Taken {
        let id = (channel.to_string(), id);
        self.with(|inner| {
            if let Some(tx) = inner.waiting.remove(&id) {
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
            if inner.early.len() >= EARLY_MAX || inner.early.contains_key(&id) {
                return Taken::Late;
            }
            inner.early.insert(id, (answer, now));
            Taken::Used
        })
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

    #[tokio::test]
    async fn the_first_answer_wins_even_before_registration() {
        let holds = Holds::new(Duration::from_secs(5));
        assert_eq!(holds.answer("c", 1, answer(500)), Taken::Used);
        assert_eq!(holds.answer("c", 1, answer(201)), Taken::Late);
        let rx = holds.register("c", 1);
        assert_eq!(holds.wait("c", 1, rx).await.unwrap().status, 500);
    }

    #[tokio::test]
    async fn no_answer_is_a_reason() {
        let holds = Holds::new(Duration::from_millis(10));
        let rx = holds.register("c", 2);
        let why = holds.wait("c", 2, rx).await.unwrap_err();
        assert!(why.contains("no subscriber answered"), "{why}");
    }
}
