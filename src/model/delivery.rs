//! Deliveries: every time hookcatch sent a captured request somewhere (a
//! replay, a forward, a ladder step, an edited replay) and what came back.
//! A noun every part shares; the store keeps them (`store::deliveries`).

use chrono::{DateTime, Utc};

use super::{HeaderField, RequestId};

/// Why a request was sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryKind {
    /// `hookcatch replay`, `r` in the TUI.
    Replay,
    /// `--forward`: the live copy sent to the user's app.
    Forward,
    /// One step of Pingara's retry schedule (`--ladder`, `R`).
    Ladder,
    /// A replay with the method, path, headers or body edited first.
    Edited,
}

impl DeliveryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Replay => "replay",
            DeliveryKind::Forward => "forward",
            DeliveryKind::Ladder => "ladder",
            DeliveryKind::Edited => "edited",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Replay, Self::Forward, Self::Ladder, Self::Edited]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// How a delivery failed before any answer arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryErrorKind {
    /// Nothing listens there (connection refused).
    Refused,
    /// No complete answer within the timeout.
    Timeout,
    /// The TLS handshake failed (self-signed certificate without `--insecure`...).
    Tls,
    /// Anything else: DNS, reset connection, malformed answer.
    Other,
}

impl DeliveryErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryErrorKind::Refused => "refused",
            DeliveryErrorKind::Timeout => "timeout",
            DeliveryErrorKind::Tls => "tls",
            DeliveryErrorKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Self {
        match text {
            "refused" => DeliveryErrorKind::Refused,
            "timeout" => DeliveryErrorKind::Timeout,
            "tls" => DeliveryErrorKind::Tls,
            _ => DeliveryErrorKind::Other,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryError {
    pub kind: DeliveryErrorKind,
    /// For people; may quote the target's address, never captured bytes.
    pub message: String,
}

/// One attempt and its answer. `id` is 0 until stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub request_id: RequestId,
    pub at: DateTime<Utc>,
    pub kind: DeliveryKind,
    /// The full URL the request went to.
    pub target: String,
    /// Method and path-and-query actually sent.
    pub method: String,
    pub path: String,
    /// None when no answer arrived (see `error`).
    pub status: Option<u16>,
    pub latency_ms: f64,
    pub error: Option<DeliveryError>,
    pub response_headers: Vec<HeaderField>,
    pub response_body: Vec<u8>,
    /// What an edited replay sent instead of the captured headers/body.
    pub sent_headers: Option<Vec<HeaderField>>,
    pub sent_body: Option<Vec<u8>>,
}

impl Delivery {
    /// A 2xx answer: the target accepted it.
    pub fn is_success(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// `200`, `500`, `refused`, `timeout`: the one word a list shows.
    pub fn outcome_label(&self) -> String {
        match (&self.error, self.status) {
            (Some(e), _) => e.kind.as_str().to_string(),
            (None, Some(s)) => s.to_string(),
            (None, None) => "-".to_string(),
        }
    }
}
