//! The nouns every module shares: a captured request, the answer hookcatch gave,
//! and how the capture ended. Raw bytes stay raw here; decoding is `inspect`'s job.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod delivery;
pub mod findings;

pub use delivery::{Delivery, DeliveryError, DeliveryErrorKind, DeliveryKind};

/// Monotonic id assigned by the store when a request is committed.
pub type RequestId = i64;

/// One header as it arrived. hyper lowercases names; the value keeps its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderField {
    pub name: String,
    pub value: Vec<u8>,
}

impl HeaderField {
    pub fn new(name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }

    /// The value as text; invalid UTF-8 is replaced, never dropped.
    pub fn value_str(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.value)
    }
}

/// How the capture of a request ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// The whole body arrived.
    Complete,
    /// The body passed `--max-body`; what arrived before the cut is not kept.
    TooLarge { declared: Option<u64>, seen: u64 },
    /// The client stalled or went away before the body was complete.
    Incomplete { reason: String },
    /// The body's framing was broken (a bad chunk size, say): answered
    /// `400`, and what arrived before the fault is kept.
    Malformed { detail: String },
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Complete => "complete",
            Outcome::TooLarge { .. } => "too_large",
            Outcome::Incomplete { .. } => "incomplete",
            Outcome::Malformed { .. } => "malformed",
        }
    }
}

/// What hookcatch (or the forwarded app) answered, and how long it took.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CapturedResponse {
    pub status: u16,
    pub headers: Vec<HeaderField>,
    pub body: Vec<u8>,
    pub latency_ms: f64,
}

/// A request exactly as it arrived.
#[derive(Clone, Debug, PartialEq)]
pub struct CapturedRequest {
    pub id: RequestId,
    pub received_at: DateTime<Utc>,
    pub remote_addr: String,
    pub method: String,
    /// Path and query as sent, percent-encoding kept.
    pub target: String,
    pub http_version: String,
    /// Every header in received order, duplicates kept.
    pub headers: Vec<HeaderField>,
    pub body: Vec<u8>,
    /// Bytes seen on the wire (for a rejected body, how far it got).
    pub body_size: u64,
    pub outcome: Outcome,
    pub response: Option<CapturedResponse>,
    /// Why `response` is `None`: [`PENDING`] while the answer is still to
    /// go out (a delay, slow mode, the app in proxy mode), else what
    /// happened instead, e.g. `client gave up after 10.0 s`. `None` when
    /// there is a response, and in records made before this was kept.
    pub response_reason: Option<String>,
}

/// Where a request came from when a relay caught it first (`listen --from`):
/// the relay's URL (up to `/c/CHANNEL`), the channel, and the relay's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayRef {
    pub url: String,
    pub channel: String,
    pub id: RequestId,
}

/// [`CapturedRequest::response_reason`] while the answer is being waited on.
pub const PENDING: &str = "pending";

impl CapturedRequest {
    /// The path part of the target (before `?`).
    pub fn path(&self) -> &str {
        self.target
            .split_once('?')
            .map_or(self.target.as_str(), |(p, _)| p)
    }

    /// The raw query string (after `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// First value of a header, case-insensitive, when it is valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .find_map(|h| std::str::from_utf8(&h.value).ok())
    }

    /// Every header with this name, case-insensitive, in received order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a HeaderField> {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
    }

    /// The answer is still to be sent (or was, when the record was read).
    pub fn is_pending(&self) -> bool {
        self.response.is_none() && self.response_reason.as_deref() == Some(PENDING)
    }

    /// The body as text when it is valid UTF-8.
    pub fn body_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    /// A request with only the essentials set; handy for tests and generators.
    pub fn new(method: &str, target: &str, headers: Vec<HeaderField>, body: Vec<u8>) -> Self {
        Self {
            id: 0,
            received_at: DateTime::<Utc>::UNIX_EPOCH,
            remote_addr: "127.0.0.1:0".into(),
            method: method.into(),
            target: target.into(),
            http_version: "HTTP/1.1".into(),
            body_size: body.len() as u64,
            headers,
            body,
            outcome: Outcome::Complete,
            response: None,
            response_reason: None,
        }
    }
}

/// The columns a request is found by (`list --provider`, `--event`, and
/// the duplicate lookup), read from its body at capture; none depends on a
/// secret. Inspection fills them, the store keeps them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestKeys {
    pub provider: Option<String>,
    pub event_type: Option<String>,
    /// The idempotency key: an earlier request with the same one makes this a duplicate.
    pub dup_key: Option<String>,
}
