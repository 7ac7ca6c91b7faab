//! A receiver that comes back: a rule that answers its status to the first
//! few attempts of each delivery, then gives way to the rules after it and
//! the default answer. `hookcatch demo`'s receiver that is down is one, so a
//! retry on Pingara's schedule is seen to succeed. An attempt is known by
//! its bytes: a sender's retry sends the same bytes again.
//!
//! The one piece of state a rule has; the request path counts under a lock
//! held for a map lookup, never across an await.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Recovery {
    /// Attempts of one delivery that still get the rule's answer.
    failures: u32,
    /// Attempts seen so far, by a hash of the body.
    seen: Mutex<HashMap<u64, u32>>,
}

impl Recovery {
    pub fn new(failures: u32) -> Recovery {
        Recovery {
            failures,
            seen: Mutex::default(),
        }
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Count this attempt: `true` while the rule still answers it. The
    /// delivery is forgotten once it got through.
    pub fn still_failing(&self, body: &[u8]) -> bool {
        let mut hasher = DefaultHasher::new();
        body.hash(&mut hasher);
        let key = hasher.finish();
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let attempts = seen.entry(key).or_insert(0);
        *attempts += 1;
        if *attempts > self.failures {
            seen.remove(&key);
            return false;
        }
        true
    }
}

/// Rules compare by what they say, not by what they have counted.
impl PartialEq for Recovery {
    fn eq(&self, other: &Recovery) -> bool {
        self.failures == other.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_delivery_fails_its_first_attempts_then_gets_through() {
        let recovery = Recovery::new(2);
        let attempts: Vec<bool> = (0..3).map(|_| recovery.still_failing(b"one")).collect();
        assert_eq!(attempts, [true, true, false]);
        assert!(
            recovery.still_failing(b"two"),
            "another delivery counts alone"
        );
        assert!(recovery.still_failing(b"one"), "forgotten once through");
    }
}
