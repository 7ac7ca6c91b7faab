//! Pingara's retry schedule, from its guide: when an attempt is not answered
//! with a 2xx (an error status, a timeout, nothing listening), retry after
//! 30 s, then 2 min, then 10 min, then 30 min; after that final retry the
//! notification is marked failed. Five attempts at most; a 2xx stops it.
//!
//! `scale` compresses the waits for demos and tests (`--ladder-scale 0.01`
//! waits 0.3 s, 1.2 s, 6 s, 18 s). The ladder is cancellable through its
//! token and reports each step on a channel, so the TUI can show a live
//! countdown (`Waiting::next_at`) and each attempt's outcome.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Edits, Replayer, Target};
use crate::model::RequestId;
use crate::store::DeliveryKind;

/// Pingara's waits before the 1st, 2nd, 3rd and final retry.
pub const SCHEDULE: [Duration; 4] = [
    Duration::from_secs(30),
    Duration::from_secs(2 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(30 * 60),
];

/// The first send plus four retries.
pub const MAX_ATTEMPTS: u32 = SCHEDULE.len() as u32 + 1;

/// The waits at this scale. A scale that is not a positive finite number
/// counts as 1 (the real schedule).
pub fn delays(scale: f64) -> [Duration; 4] {
    let scale = if scale.is_finite() && scale > 0.0 {
        scale.min(1000.0)
    } else {
        1.0
    };
    SCHEDULE.map(|d| d.mul_f64(scale))
}

/// How one attempt went, in a few words.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// 1 for the first send, 2..=5 for the retries.
    pub attempt: u32,
    pub success: bool,
    /// `200`, `500`, `timeout`, `refused`.
    pub label: String,
    pub latency_ms: f64,
    /// The stored delivery, when the attempt was recorded.
    pub delivery_id: Option<i64>,
}

/// What the ladder tells its watcher, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum LadderEvent {
    /// Attempt `attempt` is going out now.
    Sending { attempt: u32 },
    /// It came back (or failed).
    Attempted(Step),
    /// Waiting `delay` before attempt `attempt`, due at `next_at` (wall clock,
    /// for a countdown).
    Waiting {
        attempt: u32,
        delay: Duration,
        next_at: DateTime<Utc>,
    },
    /// The end; always the last event.
    Finished(LadderOutcome),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LadderOutcome {
    /// Attempt `attempt` got a 2xx.
    Succeeded { attempt: u32 },
    /// Every attempt failed: the notification is marked failed.
    Failed { attempts: u32 },
    /// Cancelled after `attempts` attempts.
    Cancelled { attempts: u32 },
}

impl LadderOutcome {
    pub fn label(&self) -> String {
        match self {
            LadderOutcome::Succeeded { attempt } => format!("succeeded on attempt {attempt}"),
            LadderOutcome::Failed { attempts } => {
                format!("failed after {attempts} attempts (Pingara marks it failed)")
            }
            LadderOutcome::Cancelled { attempts } => {
                format!("cancelled after {attempts} attempt(s)")
            }
        }
    }
}

/// A running ladder: its events, its cancel switch, its task.
pub struct LadderHandle {
    pub events: mpsc::UnboundedReceiver<LadderEvent>,
    pub cancel: CancellationToken,
    pub task: JoinHandle<LadderOutcome>,
}

/// Run the schedule with any attempt function (replay, send-test). Cancelling
/// drops an attempt in flight. Events go to `events` (a closed receiver is fine).
pub async fn run<F, Fut>(
    scale: f64,
    cancel: &CancellationToken,
    events: &mpsc::UnboundedSender<LadderEvent>,
    mut attempt: F,
) -> LadderOutcome
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Step>,
{
    let waits = delays(scale);
    let mut done = 0;
    let outcome = loop {
        let n = done + 1;
        let _ = events.send(LadderEvent::Sending { attempt: n });
        let step = tokio::select! {
            () = cancel.cancelled() => break LadderOutcome::Cancelled { attempts: done },
            step = attempt(n) => step,
        };
        done = n;
        let success = step.success;
        let _ = events.send(LadderEvent::Attempted(step));
        if success {
            break LadderOutcome::Succeeded { attempt: n };
        }
        let Some(delay) = waits.get(n as usize - 1).copied() else {
            break LadderOutcome::Failed { attempts: n };
        };
        let next_at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
        let _ = events.send(LadderEvent::Waiting {
            attempt: n + 1,
            delay,
            next_at,
        });
        tokio::select! {
            () = cancel.cancelled() => break LadderOutcome::Cancelled { attempts: done },
            () = tokio::time::sleep(delay) => {}
        }
    };
    let _ = events.send(LadderEvent::Finished(outcome));
    outcome
}

/// Replay a stored request on the schedule; each attempt is a `ladder`
/// delivery. The request is read once, so every attempt sends the same bytes.
pub fn start_replay(replayer: Replayer, id: RequestId, target: String, scale: f64) -> LadderHandle {
    let (tx, events) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    let task = tokio::spawn(async move {
        let prepared = match Target::parse(&target) {
            Ok(t) => replayer.load(id).await.map(|req| (t, req)),
            Err(e) => Err(e.into()),
        };
        let (target, req) = match prepared {
            Ok(pair) => pair,
            Err(e) => {
                let step = Step {
                    attempt: 1,
                    success: false,
                    label: e.to_string(),
                    latency_ms: 0.0,
                    delivery_id: None,
                };
                let _ = tx.send(LadderEvent::Attempted(step));
                let outcome = LadderOutcome::Failed { attempts: 1 };
                let _ = tx.send(LadderEvent::Finished(outcome));
                return outcome;
            }
        };
        run(scale, &token, &tx, |n| {
            let (replayer, req, target) = (&replayer, &req, &target);
            async move {
                match replayer
                    .deliver_loaded(req, target, DeliveryKind::Ladder, &Edits::default())
                    .await
                {
                    Ok(d) => Step {
                        attempt: n,
                        success: d.is_success(),
                        label: d.outcome_label(),
                        latency_ms: d.latency_ms,
                        delivery_id: Some(d.id),
                    },
                    Err(e) => Step {
                        attempt: n,
                        success: false,
                        label: e.to_string(),
                        latency_ms: 0.0,
                        delivery_id: None,
                    },
                }
            }
        })
        .await
    });
    LadderHandle {
        events,
        cancel,
        task,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(attempt: u32, success: bool) -> Step {
        Step {
            attempt,
            success,
            label: if success { "200" } else { "500" }.into(),
            latency_ms: 1.0,
            delivery_id: None,
        }
    }

    #[test]
    fn schedule_scales() {
        assert_eq!(delays(1.0)[3], Duration::from_secs(1800));
        assert_eq!(delays(0.01)[0], Duration::from_millis(300));
        assert_eq!(delays(f64::NAN), SCHEDULE);
        assert_eq!(delays(-1.0), SCHEDULE);
    }

    /// 1/10,000 of the real schedule: 3 ms, 12 ms, 60 ms, 180 ms.
    const TINY: f64 = 0.0001;

    #[tokio::test]
    async fn follows_the_schedule_until_failed() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let cancel = CancellationToken::new();
        let started = tokio::time::Instant::now();
        let outcome = run(TINY, &cancel, &tx, |n| async move { step(n, false) }).await;
        assert_eq!(outcome, LadderOutcome::Failed { attempts: 5 });
        assert!(started.elapsed() >= Duration::from_millis(3 + 12 + 60 + 180));
        let mut events = Vec::new();
        while let Ok(ev) = rx.try_recv() {
            events.push(ev);
        }
        let waits: Vec<(u32, u128)> = events
            .iter()
            .filter_map(|ev| match ev {
                LadderEvent::Waiting { delay, attempt, .. } => Some((*attempt, delay.as_millis())),
                _ => None,
            })
            .collect();
        assert_eq!(waits, [(2, 3), (3, 12), (4, 60), (5, 180)]);
        let attempts = events
            .iter()
            .filter(|ev| matches!(ev, LadderEvent::Attempted(_)))
            .count();
        assert_eq!(attempts, 5);
        assert_eq!(
            events.last(),
            Some(&LadderEvent::Finished(LadderOutcome::Failed {
                attempts: 5
            }))
        );
    }

    #[tokio::test]
    async fn a_2xx_stops_it() {
        let (tx, _rx) = mpsc::unbounded_channel();
        let cancel = CancellationToken::new();
        let outcome = run(TINY, &cancel, &tx, |n| async move { step(n, n == 3) }).await;
        assert_eq!(outcome, LadderOutcome::Succeeded { attempt: 3 });
    }

    #[tokio::test]
    async fn cancel_stops_the_wait() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let cancel = CancellationToken::new();
        let token = cancel.clone();
        let task =
            tokio::spawn(
                async move { run(1.0, &token, &tx, |n| async move { step(n, false) }).await },
            );
        // The first attempt fails at once; cancel while it waits 30 s.
        loop {
            if let Some(LadderEvent::Waiting { .. }) = rx.recv().await {
                break;
            }
        }
        cancel.cancel();
        assert_eq!(
            task.await.unwrap(),
            LadderOutcome::Cancelled { attempts: 1 }
        );
    }
}
