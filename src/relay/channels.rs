//! What the relay keeps in memory per channel: a wake-up for its streams
//! (the newest stored id; streams read the requests themselves from the
//! store, by id), how many streams follow it, and its rate budget.
//!
//! Anyone may post to any channel name, so nothing here grows with the
//! names posted to: a channel's entry exists while a stream follows it or
//! while its rate budget is not yet full again, and is pruned after that.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::model::RequestId;

/// `--rate N/s` (or `N/m`): a token bucket per channel, refilled at N per
/// second (minute), holding N at most (a burst of N is fine).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
}

impl Rate {
    /// `N/s`, `N` (per second), or `N/m` (per minute).
    pub fn parse(text: &str) -> Option<Rate> {
        let text = text.trim();
        let (n, per) = match text.split_once('/') {
            Some((n, unit)) => match unit.trim() {
                "s" | "sec" | "second" => (n, 1.0),
                "m" | "min" | "minute" => (n, 60.0),
                _ => return None,
            },
            None => (text, 1.0),
        };
        let n: f64 = n.trim().parse().ok()?;
        (n.is_finite() && n > 0.0).then_some(Rate {
            per_second: n / per,
            burst: n.max(1.0),
        })
    }
}

/// As `--rate` takes it: `N/m` when it was given a minute (its burst is a
/// minute's worth), else `N/s`.
impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let a_minutes_worth = (self.per_second * 60.0 - self.burst).abs() < 1e-9;
        if a_minutes_worth && self.per_second != self.burst {
            write!(f, "{}/m", self.burst)
        } else {
            write!(f, "{}/s", self.per_second)
        }
    }
}

#[derive(Default)]
struct Channel {
    /// Streams wait on this; it holds the newest id stored for the channel
    /// by this process (a hint: the store is the truth).
    head: Option<watch::Sender<RequestId>>,
    streams: usize,
    tokens: f64,
    refilled: Option<Instant>,
}

/// Every channel someone follows or posts to.
#[derive(Default)]
pub struct Channels {
    inner: Mutex<HashMap<String, Channel>>,
}

/// Entries beyond this are pruned of channels nobody follows.
const PRUNE_ABOVE: usize = 4096;

impl Channels {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Channel>) -> T) -> T {
        let mut map = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut map)
    }

    /// A stream starts following `channel`: its wake-up, and a guard that
    /// counts it while it lives.
    pub fn follow(self: &std::sync::Arc<Self>, channel: &str) -> Following {
        let rx = self.with(|map| {
            let entry = map.entry(channel.to_string()).or_default();
            entry.streams += 1;
            entry
                .head
                .get_or_insert_with(|| watch::channel(0).0)
                .subscribe()
        });
        Following {
            channels: self.clone(),
            channel: channel.to_string(),
            wake: rx,
        }
    }

    /// How many streams follow `channel` now.
    pub fn streams(&self, channel: &str) -> usize {
        self.with(|map| map.get(channel).map_or(0, |c| c.streams))
    }

    /// A request was stored for `channel`: wake its streams.
    pub fn stored(&self, channel: &str, id: RequestId) {
        self.with(|map| {
            if let Some(head) = map.get(channel).and_then(|c| c.head.as_ref()) {
                head.send_if_modified(|last| {
                    let newer = id > *last;
                    *last = (*last).max(id);
                    newer
                });
            }
        });
    }

    /// The channels with at least one stream now.
    pub fn followed(&self) -> Vec<String> {
        self.with(|map| {
            map.iter()
                .filter(|(_, c)| c.streams > 0)
                .map(|(name, _)| name.clone())
                .collect()
        })
    }

    /// Wake every stream: requests may have been stored that no wake-up
    /// named (another relay's, while its notifications were not heard).
    pub fn wake_all(&self) {
        self.with(|map| {
            for head in map.values().filter_map(|c| c.head.as_ref()) {
                head.send_modify(|_| {});
            }
        });
    }

    /// Take one request from `channel`'s budget; when it is spent, how long
    /// until the next one.
    pub fn admit(&self, channel: &str, rate: Rate, now: Instant) -> Result<(), Duration> {
        self.with(|map| {
            if map.len() > PRUNE_ABOVE {
                prune(map, rate, now);
            }
            let entry = map.entry(channel.to_string()).or_default();
            let last = entry.refilled.unwrap_or(now);
            let burst = rate.burst;
            entry.tokens = if entry.refilled.is_none() {
                burst
            } else {
                (entry.tokens + now.duration_since(last).as_secs_f64() * rate.per_second).min(burst)
            };
            entry.refilled = Some(now);
            if entry.tokens >= 1.0 {
                entry.tokens -= 1.0;
                Ok(())
            } else {
                Err(Duration::from_secs_f64(
                    (1.0 - entry.tokens) / rate.per_second,
                ))
            }
        })
    }
}

/// Drop the entries of channels nobody follows whose budget is full again
/// (they are as good as new).
fn prune(map: &mut HashMap<String, Channel>, rate: Rate, now: Instant) {
    let full_after = Duration::from_secs_f64(rate.burst / rate.per_second);
    map.retain(|_, c| {
        c.streams > 0
            || c.refilled
                .is_some_and(|t| now.duration_since(t) < full_after)
    });
}

/// A stream's hold on its channel: the wake-up, counted while alive.
pub struct Following {
    channels: std::sync::Arc<Channels>,
    channel: String,
    pub wake: watch::Receiver<RequestId>,
}

impl Drop for Following {
    fn drop(&mut self) {
        self.channels.with(|map| {
            if let Some(entry) = map.get_mut(&self.channel) {
                entry.streams = entry.streams.saturating_sub(1);
                if entry.streams == 0 {
                    entry.head = None;
                    if entry.refilled.is_none() {
                        map.remove(&self.channel);
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        assert_eq!(Rate::parse("10/s").map(|r| r.per_second), Some(10.0));
        assert_eq!(Rate::parse("5").map(|r| r.per_second), Some(5.0));
        assert_eq!(Rate::parse("60/m").map(|r| r.per_second), Some(1.0));
        assert!(Rate::parse("0/s").is_none());
        assert!(Rate::parse("x").is_none());
        for text in ["10/s", "600/m", "1/m", "0.5/s", "2/m"] {
            assert_eq!(Rate::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Rate::parse("5").unwrap().to_string(), "5/s");
    }

    #[test]
    fn a_spent_budget_says_how_long_to_wait() {
        let channels = Channels::default();
        let rate = Rate {
            per_second: 2.0,
            burst: 2.0,
        };
        let now = Instant::now();
        assert!(channels.admit("a", rate, now).is_ok());
        assert!(channels.admit("a", rate, now).is_ok());
        let wait = channels.admit("a", rate, now).unwrap_err();
        assert!(wait <= Duration::from_millis(500));
        // Another channel has its own budget.
        assert!(channels.admit("b", rate, now).is_ok());
        assert!(
            channels
                .admit("a", rate, now + Duration::from_secs(1))
                .is_ok()
        );
    }
}
