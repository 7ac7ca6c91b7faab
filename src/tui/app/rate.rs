//! Requests a second, for the status bar.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

/// Requests a second over the last few seconds.
#[derive(Debug, Default)]
pub struct Rate {
    buckets: VecDeque<(i64, u32)>,
}

const RATE_WINDOW: i64 = 5;

impl Rate {
    pub fn record(&mut self, now: DateTime<Utc>, n: u32) {
        let second = now.timestamp();
        match self.buckets.back_mut() {
            Some((s, count)) if *s == second => *count += n,
            _ => self.buckets.push_back((second, n)),
        }
        while self
            .buckets
            .front()
            .is_some_and(|(s, _)| *s <= second - RATE_WINDOW)
        {
            self.buckets.pop_front();
        }
    }

    pub fn per_second(&self, now: DateTime<Utc>) -> f64 {
        let second = now.timestamp();
        let n: u32 = self
            .buckets
            .iter()
            .filter(|(s, _)| *s > second - RATE_WINDOW)
            .map(|(_, c)| c)
            .sum();
        f64::from(n) / RATE_WINDOW as f64
    }
}
