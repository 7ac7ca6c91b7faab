//! Pure inspection of a captured request: what its body says, whether its
//! authentication holds, which webhook event it carries. No IO and no clock
//! reads (the time comes in as a parameter), so the TUI, headless output,
//! `show` and `list` all share one truth and plain unit tests cover it.

pub mod auth;
pub mod body;
pub mod event;
pub mod provider;
pub mod stored;

use chrono::{DateTime, Utc};

use crate::model::CapturedRequest;
use crate::model::findings::Judged;

pub use auth::{AuthConfig, AuthVerdict, Verdict};
pub use body::BodyView;
pub use event::Event;
pub use provider::Provider;

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
    /// When the verdict was reached (see [`stored`]).
    pub judged: Judged,
}

/// Inspect one request. `now` is used only for signature timestamp tolerance
/// (pass the time the request was received to judge it as it arrived).
pub fn inspect(req: &CapturedRequest, auth_config: &AuthConfig, now: DateTime<Utc>) -> Inspection {
    let Summary {
        auth,
        event,
        duplicate_key,
        slow_answer,
        judged,
    } = summary_of(req, auth_config, now, event::decode_and_key(req));
    Inspection {
        body: body::decode(req),
        auth,
        event,
        duplicate_key,
        slow_answer,
        judged,
    }
}

/// What the listener and the list need: no body view, the body parsed once.
#[derive(Clone, Debug)]
pub struct Summary {
    pub auth: AuthVerdict,
    pub event: Option<Event>,
    pub duplicate_key: Option<String>,
    pub slow_answer: Option<String>,
    /// When the verdict was reached: [`Judged::AtArrival`] for a fresh
    /// inspection (the listener's); readers get it from [`stored`].
    pub judged: Judged,
}

impl Summary {
    /// The columns the store finds this request by.
    pub fn keys(&self) -> crate::model::RequestKeys {
        crate::model::RequestKeys {
            provider: self.event.as_ref().map(|e| e.provider.as_str().to_string()),
            event_type: self.event.as_ref().map(|e| e.kind.clone()),
            dup_key: self.duplicate_key.clone(),
        }
    }
}

/// The event's field list for the Event tab ([`event::Event::fields`]) is
/// left empty; [`inspect`] fills it.
pub fn summarize(req: &CapturedRequest, auth_config: &AuthConfig, now: DateTime<Utc>) -> Summary {
    summary_of(req, auth_config, now, event::decode_brief_and_key(req))
}

fn summary_of(
    req: &CapturedRequest,
    auth_config: &AuthConfig,
    now: DateTime<Utc>,
    (event, duplicate_key): (Option<Event>, Option<String>),
) -> Summary {
    Summary {
        auth: auth::verify(req, auth_config, now),
        slow_answer: event::slow_answer(req, event.as_ref()),
        event,
        duplicate_key,
        judged: Judged::AtArrival,
    }
}

/// What JSON output and lists read of an inspection: the verdicts, not the
/// body view. Both [`Inspection`] and the cheaper [`Summary`] provide it.
pub trait Findings {
    fn auth(&self) -> &AuthVerdict;
    fn event(&self) -> Option<&Event>;
    fn slow_answer(&self) -> Option<&str>;
    fn judged(&self) -> Judged;
}

impl Findings for Inspection {
    fn auth(&self) -> &AuthVerdict {
        &self.auth
    }
    fn event(&self) -> Option<&Event> {
        self.event.as_ref()
    }
    fn slow_answer(&self) -> Option<&str> {
        self.slow_answer.as_deref()
    }
    fn judged(&self) -> Judged {
        self.judged
    }
}

impl Findings for Summary {
    fn auth(&self) -> &AuthVerdict {
        &self.auth
    }
    fn event(&self) -> Option<&Event> {
        self.event.as_ref()
    }
    fn slow_answer(&self) -> Option<&str> {
        self.slow_answer.as_deref()
    }
    fn judged(&self) -> Judged {
        self.judged
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HeaderField;

    const GUIDE: &str = include_str!("../../tests/fixtures/pingara/guide-incident-created.json");

    /// The capture path skips the Event tab's field list; the detail view
    /// gets it, and both agree on everything else.
    #[test]
    fn summarize_leaves_fields_to_inspect() {
        let req = CapturedRequest::new(
            "POST",
            "/hook",
            vec![HeaderField::new("content-type", b"application/json")],
            GUIDE.as_bytes().to_vec(),
        );
        let now = req.received_at;
        let brief = summarize(&req, &AuthConfig::default(), now).event.unwrap();
        let full = inspect(&req, &AuthConfig::default(), now).event.unwrap();
        assert!(brief.fields.is_empty());
        assert!(full.fields.iter().any(|(k, _)| k == "monitor.name"));
        assert_eq!(
            (&brief.kind, &brief.summary, &brief.problems),
            (&full.kind, &full.summary, &full.problems)
        );
    }
}
