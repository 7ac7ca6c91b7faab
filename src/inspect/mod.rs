//! Pure inspection of a captured request: what its body says, whether its
//! authentication holds, which webhook event it carries. No IO and no clock
//! reads (the time comes in as a parameter), so the TUI, headless output,
//! `show` and `list` all share one truth and plain unit tests cover it.

pub mod auth;
pub mod body;
pub mod event;

use chrono::{DateTime, Utc};

use crate::model::CapturedRequest;

pub use auth::{AuthConfig, AuthVerdict, Verdict};
pub use body::BodyView;
pub use event::{Event, Provider};

/// Everything inspection says about one request.
#[derive(Clone, Debug)]
pub struct Inspection {
    pub body: BodyView,
    pub auth: AuthVerdict,
    pub event: Option<Event>,
    /// The sender's idempotency key; equal keys mean a retry or a duplicate.
    pub duplicate_key: Option<String>,
    /// Set when hookcatch answered slower than the sender waits: the sender
    /// counted the delivery as failed and will retry.
    pub slow_answer: Option<String>,
}

/// Inspect one request. `now` is used only for signature timestamp tolerance.
pub fn inspect(req: &CapturedRequest, auth_config: &AuthConfig, now: DateTime<Utc>) -> Inspection {
    let event = event::decode(req);
    Inspection {
        body: body::decode(req),
        auth: auth::verify(req, auth_config, now),
        duplicate_key: event::idempotency_key(req),
        slow_answer: event::slow_answer(req, event.as_ref()),
        event,
    }
}

/// Only what the list and the listener need: cheap, no body view.
pub fn inspect_summary(
    req: &CapturedRequest,
    auth_config: &AuthConfig,
    now: DateTime<Utc>,
) -> (AuthVerdict, Option<Event>) {
    (auth::verify(req, auth_config, now), event::decode(req))
}
