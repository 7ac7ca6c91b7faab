//! The live response mode: an override of every answer, switched while the
//! listener runs (a key in the TUI, `--mode` at start), to see on the spot how
//! a sender retries. The cycle:
//!
//! normal -> 500 -> 401 -> 429 (with `Retry-After`) -> slow (answer after
//! 12 s, past the 10 s a sender like Pingara waits) -> drop (close the
//! connection without answering) -> normal.
//!
//! Whatever the mode, the request is stored before anything else happens.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::custom::CustomAnswer;

/// Slow mode answers after this long: beyond Pingara's (and GitHub's) 10 s.
pub const SLOW_DELAY: Duration = Duration::from_secs(12);
/// `Retry-After` in 429 mode, in seconds (Pingara's first retry delay).
pub const RETRY_AFTER_SECS: u64 = 30;

/// `--mode` takes the labels (and a few aliases) as a clap value, so help
/// and shell completions list them; the environment and config file parse
/// the same names through [`Mode::parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// Rules and the default answer apply.
    #[default]
    Normal,
    /// `500` with a JSON error.
    #[value(name = "500", aliases = ["error", "server-error"])]
    ServerError,
    /// `401` with a JSON error and `WWW-Authenticate`.
    #[value(name = "401", alias = "unauthorized")]
    Unauthorized,
    /// `429` with `Retry-After: 30`.
    #[value(name = "429", aliases = ["rate-limit", "too-many-requests"])]
    TooManyRequests,
    /// The normal answer, after [`SLOW_DELAY`].
    Slow,
    /// Close the connection without an answer.
    #[value(alias = "close")]
    Drop,
}

impl std::str::FromStr for Mode {
    type Err = UnknownMode;
    fn from_str(text: &str) -> Result<Mode, UnknownMode> {
        Mode::parse(text).ok_or(UnknownMode)
    }
}

/// A name that is no mode.
#[derive(Debug)]
pub struct UnknownMode;

impl Mode {
    /// In cycle order.
    pub const ALL: [Mode; 6] = [
        Mode::Normal,
        Mode::ServerError,
        Mode::Unauthorized,
        Mode::TooManyRequests,
        Mode::Slow,
        Mode::Drop,
    ];

    /// Short, for the status bar and `--mode`: `normal`, `500`, `401`, `429`, `slow`, `drop`.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::ServerError => "500",
            Mode::Unauthorized => "401",
            Mode::TooManyRequests => "429",
            Mode::Slow => "slow",
            Mode::Drop => "drop",
        }
    }

    /// One line for help and notifications.
    pub fn describe(self) -> &'static str {
        match self {
            Mode::Normal => "answer by the rules and the default answer",
            Mode::ServerError => "answer 500 Internal Server Error",
            Mode::Unauthorized => "answer 401 Unauthorized",
            Mode::TooManyRequests => "answer 429 Too Many Requests with Retry-After: 30",
            Mode::Slow => "answer after 12 s, past the sender's 10 s limit",
            Mode::Drop => "close the connection without answering",
        }
    }

    /// The mode after this one in the cycle.
    pub fn next(self) -> Mode {
        let i = Mode::ALL.iter().position(|m| *m == self).unwrap_or(0);
        Mode::ALL[(i + 1) % Mode::ALL.len()]
    }

    /// Accepts the labels, plus `error`, `unauthorized`, `rate-limit`,
    /// `close`, in any case: the names `--mode` takes.
    pub fn parse(text: &str) -> Option<Mode> {
        <Mode as clap::ValueEnum>::from_str(text.trim(), true).ok()
    }

    fn from_u8(n: u8) -> Mode {
        Mode::ALL.get(usize::from(n)).copied().unwrap_or_default()
    }

    fn to_u8(self) -> u8 {
        Mode::ALL.iter().position(|m| *m == self).unwrap_or(0) as u8
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The mode and the custom answer, shared by the listener and whoever
/// switches them (the TUI). The request path reads each once per request:
/// the mode without a lock, the custom answer as a snapshot (a clone of an
/// `Arc`, the lock held only for that), so the listener never waits on the UI.
#[derive(Debug, Default)]
pub struct ResponseMode {
    mode: AtomicU8,
    custom: RwLock<Option<Arc<CustomAnswer>>>,
}

impl ResponseMode {
    pub fn new(mode: Mode) -> Self {
        ResponseMode {
            mode: AtomicU8::new(mode.to_u8()),
            custom: RwLock::default(),
        }
    }

    pub fn get(&self) -> Mode {
        Mode::from_u8(self.mode.load(Ordering::Relaxed))
    }

    pub fn set(&self, mode: Mode) {
        self.mode.store(mode.to_u8(), Ordering::Relaxed);
    }

    /// The custom answer in force, if one is.
    pub fn custom(&self) -> Option<Arc<CustomAnswer>> {
        // A writer that panicked left a whole `Option` behind: still good.
        self.custom
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Give `answer` to the next requests (`None`: back to the rules and
    /// the default answer).
    pub fn set_custom(&self, answer: Option<CustomAnswer>) {
        *self
            .custom
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = answer.map(Arc::new);
    }

    /// Switch to the next mode in the cycle and return it.
    pub fn cycle(&self) -> Mode {
        let previous = self
            .mode
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(Mode::from_u8(n).next().to_u8())
            })
            .unwrap_or(0);
        Mode::from_u8(previous).next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_through_every_mode_back_to_normal() {
        let mode = ResponseMode::default();
        let seen: Vec<&str> = (0..6).map(|_| mode.cycle().label()).collect();
        assert_eq!(seen, ["500", "401", "429", "slow", "drop", "normal"]);
        assert_eq!(mode.get(), Mode::Normal);
    }

    #[test]
    fn parses_labels_and_aliases() {
        for m in Mode::ALL {
            assert_eq!(Mode::parse(m.label()), Some(m));
        }
        assert_eq!(Mode::parse("Close"), Some(Mode::Drop));
        assert_eq!(Mode::parse("nope"), None);
        let shared = ResponseMode::new(Mode::Slow);
        assert_eq!(shared.get(), Mode::Slow);
        shared.set(Mode::Drop);
        assert_eq!(shared.cycle(), Mode::Normal);
    }
}
