//! `hookcatch demo`: the guide's life cycle, told to hookcatch's own listener
//! in a fixed order, once per episode with fresh ids:
//!
//! ```text
//!  1 incident.created   A  API goes down                  -> /pingara-webhook
//!  2 monitor.degraded   B  another monitor slows down
//!  3 incident.created   C  to a receiver that is down     -> /down/pingara-webhook (503)
//!                          Pingara retries it: 30 s, 2 min (scaled), 503 again; the
//!                          receiver is back for the retry after 10 min: 200, done.
//!                          The same bytes each time, so each retry is a duplicate
//!  4 incident.updated   A
//!  5 monitor.recovered  B
//!  6 ssl.expiring       D  sent with a wrong secret (auth verdict: invalid)
//!  7 incident.resolved  A
//!  8 monitor.paused     E
//!  9 monitor.resumed    E
//! ```
//!
//! Every incident's `incident.created` goes before its `incident.updated`
//! and `incident.resolved`; the receiver that is down is one of the demo
//! listener's response rules ([`down_rule`]), so the retries are the
//! listener's own answers at work, not a simulation.

use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::generate::{self, Subject};
use super::send_test::{self as st, Auth};
use crate::capture::rules::Rule;
use crate::replay::ladder::{self, Step};
use crate::replay::send::{SendOptions, Sender};

/// The shared secret the demo uses unless one is configured.
pub const DEMO_SECRET: &str = "demo-secret";

/// Where the receiver that is down listens.
pub const DOWN_PATH: &str = "/down/pingara-webhook";

/// The guide's schedule in seconds instead of minutes (30 s -> 0.5 s).
pub const DEFAULT_SCALE: f64 = 1.0 / 60.0;

/// Attempts of each delivery the receiver that is down refuses: the first
/// and the retries after 30 s and 2 min; the one after 10 min gets through.
pub const DOWN_FOR: u32 = 3;

/// The demo listener's rule for the receiver that is down: 503 to the first
/// [`DOWN_FOR`] attempts of each delivery, then it has recovered and the
/// default answer (200) stops the ladder, as in the guide's story of a
/// receiver back before the last retry.
pub fn down_rule() -> Result<Rule, String> {
    Rule::new(
        "POST",
        DOWN_PATH,
        503,
        Vec::new(),
        br#"{"error":"receiver unavailable"}"#.to_vec(),
        Duration::ZERO,
    )
    .map(|rule| rule.recovering_after(DOWN_FOR))
}

/// Which subject of an episode a beat is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    A,
    B,
    C,
    D,
    E,
}

/// One delivery of the story.
#[derive(Clone, Copy, Debug)]
struct Beat {
    event: &'static str,
    who: Who,
    /// To the receiver that is down, retried on the schedule.
    down: bool,
    wrong_secret: bool,
}

const fn beat(event: &'static str, who: Who) -> Beat {
    Beat {
        event,
        who,
        down: false,
        wrong_secret: false,
    }
}

const STORY: [Beat; 9] = [
    beat("incident.created", Who::A),
    beat("monitor.degraded", Who::B),
    Beat {
        down: true,
        ..beat("incident.created", Who::C)
    },
    beat("incident.updated", Who::A),
    beat("monitor.recovered", Who::B),
    Beat {
        wrong_secret: true,
        ..beat("ssl.expiring", Who::D)
    },
    beat("incident.resolved", Who::A),
    beat("monitor.paused", Who::E),
    beat("monitor.resumed", Who::E),
];

/// The story posted to a listener: one beat every `interval`, `count`
/// beats in all (or until shutdown); retries run beside it.
pub struct DemoStream {
    pub secret: String,
    pub secret_header: String,
    pub interval: Duration,
    pub count: Option<u64>,
    /// Multiplies the guide's retry waits.
    pub scale: f64,
}

impl DemoStream {
    pub async fn run(self, listen_url: String, options: SendOptions, shutdown: CancellationToken) {
        let sender = Sender::new(options);
        let mut rng = fastrand::Rng::new();
        let mut cast: Vec<Subject> = Vec::new();
        for n in 0..self.count.unwrap_or(u64::MAX) {
            let step = (n % STORY.len() as u64) as usize;
            if step == 0 {
                cast = (0..5)
                    .map(|_| Subject::fresh(&mut rng, Utc::now()))
                    .collect();
            }
            let beat = STORY[step];
            let subject = &cast[beat.who as usize];
            let body = generate::generate_for(beat.event, subject, Utc::now(), &mut rng)
                .map_or_else(|| b"{}".to_vec(), |p| p.to_bytes());
            let auth = Auth::Secret {
                header: self.secret_header.clone(),
                value: if beat.wrong_secret {
                    "wrong-secret".into()
                } else {
                    self.secret.clone()
                },
            };
            // A path-less URL gets the guide's path (one rule: `Target::for_replay`).
            let url = if beat.down {
                format!("{listen_url}{DOWN_PATH}")
            } else {
                listen_url.clone()
            };
            if let Ok(out) = st::outgoing(&url, body, &auth) {
                if beat.down {
                    tokio::spawn(retried(sender.clone(), out, self.scale, shutdown.clone()));
                } else {
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        _ = sender.send(&out) => {}
                    }
                }
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(self.interval) => {}
            }
        }
    }
}

/// Send `out` as Pingara does: again on its schedule until a 2xx, the
/// same bytes each time (the guide's idempotency: same event, same ids).
async fn retried(
    sender: Sender,
    out: crate::replay::Outgoing,
    scale: f64,
    stop: CancellationToken,
) {
    let (events, _) = tokio::sync::mpsc::unbounded_channel();
    ladder::run(scale, &stop, &events, |attempt| {
        let (sender, out) = (&sender, &out);
        async move {
            let answer = sender.send(out).await;
            Step {
                attempt,
                success: answer.is_success(),
                label: answer.status.unwrap_or(0).to_string(),
                latency_ms: answer.latency_ms,
                delivery_id: None,
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_incident_is_created_before_it_changes_and_the_rule_is_valid() {
        for (i, beat) in STORY.iter().enumerate() {
            if beat.event.starts_with("incident.") && beat.event != "incident.created" {
                assert!(
                    STORY[..i]
                        .iter()
                        .any(|b| b.who == beat.who && b.event == "incident.created"),
                    "{beat:?}"
                );
            }
        }
        let names: std::collections::HashSet<&str> = STORY.iter().map(|b| b.event).collect();
        assert_eq!(names.len(), generate::EVENTS.len(), "all eight event types");
        assert_eq!(down_rule().map(|r| r.status), Ok(503));
    }
}
