//! Which webhook event a request carries, decoded from its headers and body.
//!
//! Pure: no IO, no clock. One parse of the body feeds detection, decoding and
//! the idempotency key. Detection order, most specific first:
//!
//! 1. sender headers: `X-Pingara-Secret`, `X-GitHub-Event`, `X-Shopify-Topic`,
//!    `X-Gitlab-Event`, `Stripe-Signature` (or a Stripe event body),
//!    `webhook-*`/`svix-*` (Standard Webhooks), `X-Slack-Signature` (or a Slack
//!    envelope, interactivity `payload=` form or slash-command form);
//! 2. Pingara's body shape: `event` string, `timestamp`, and a `monitor`,
//!    `incident` or `ssl` object;
//! 3. a generic JSON object with a top-level `event`/`type`/`event_type`/`action`.
//!
//! A sender found by its headers always yields an [`Event`], even when the body
//! is broken: what is wrong goes into [`Event::problems`], never a panic.

mod generic;
mod github;
mod gitlab;
mod pingara;
mod request;
mod shape;
mod shopify;
mod slack;
mod standard_webhooks;
mod stripe;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::time::Duration;

pub(crate) use request::{Body, Ctx};

use crate::model::CapturedRequest;

/// Who sent the webhook: the one provider enum, shared with `auth`.
pub use crate::inspect::provider::Provider;

/// A decoded webhook event. Every string in it is clipped and sanitized
/// (`text::sanitize`), so it is safe to print as is.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Event {
    pub provider: Provider,
    /// The sender's event type: `incident.created`, GitHub `pull_request`,
    /// Shopify `orders/create`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A sub-type where the sender has one: GitHub/GitLab `action`, Slack `subtype`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// One line, parts joined by ` · `.
    pub summary: String,
    /// How the request deviates from what the sender documents.
    pub problems: Vec<String>,
    /// Decoded key fields for the Event tab, e.g. `("monitor.name", "API Production")`.
    #[serde(skip)]
    pub fields: Vec<(String, String)>,
}

impl Event {
    pub(crate) fn new(provider: Provider, kind: &str) -> Self {
        Event {
            provider,
            kind: shape::clip(kind, shape::KIND_MAX),
            action: None,
            summary: String::new(),
            problems: Vec::new(),
            fields: Vec::new(),
        }
    }

    /// `kind.action` when there is an action, else `kind`.
    pub fn label(&self) -> String {
        match &self.action {
            Some(a) => format!("{}.{a}", self.kind),
            None => self.kind.clone(),
        }
    }
}

/// Decode the event a request carries; `None` when no sender is recognised.
#[must_use]
pub fn decode(req: &CapturedRequest) -> Option<Event> {
    decode_and_key(req).0
}

/// The sender's idempotency key, prefixed with the provider
/// (`pingara:inc_789ghi012:incident.created`). Retries of one event share a
/// key; different events never do. `None` when the sender gives nothing stable.
#[must_use]
pub fn idempotency_key(req: &CapturedRequest) -> Option<String> {
    decode_and_key(req).1
}

/// [`decode`] and [`idempotency_key`] with one parse of the body.
#[must_use]
pub fn decode_and_key(req: &CapturedRequest) -> (Option<Event>, Option<String>) {
    decode_in(&Ctx::new(req))
}

/// [`decode_and_key`] without [`Event::fields`] (left empty): what capture,
/// JSON output and lists need.
#[must_use]
pub fn decode_brief_and_key(req: &CapturedRequest) -> (Option<Event>, Option<String>) {
    decode_in(&Ctx::brief(req))
}

fn decode_in(ctx: &Ctx<'_>) -> (Option<Event>, Option<String>) {
    let Some(provider) = detect_in(ctx) else {
        return (None, None);
    };
    let mut event = match provider {
        Provider::Pingara => pingara::decode(ctx),
        Provider::Github => github::decode(ctx),
        Provider::Stripe => stripe::decode(ctx),
        Provider::StandardWebhooks => standard_webhooks::decode(ctx),
        Provider::Slack => slack::decode(ctx),
        Provider::Shopify => shopify::decode(ctx),
        Provider::Gitlab => gitlab::decode(ctx),
        Provider::Generic => generic::decode(ctx),
    };
    for note in &ctx.body_notes {
        if !event.problems.contains(note) {
            event.problems.push(note.clone());
        }
    }
    let key = match provider {
        Provider::Pingara => pingara::key(ctx),
        Provider::Github => github::key(ctx),
        Provider::Stripe => stripe::key(ctx),
        Provider::StandardWebhooks => standard_webhooks::key(ctx),
        Provider::Slack => slack::key(ctx),
        Provider::Shopify => shopify::key(ctx),
        Provider::Gitlab => gitlab::key(ctx),
        Provider::Generic => None,
    };
    (
        Some(event),
        key.map(|k| format!("{}:{}", provider.as_str(), k)),
    )
}

/// Which sender a request comes from, by the order in the module docs.
#[must_use]
pub fn detect(req: &CapturedRequest) -> Option<Provider> {
    detect_in(&Ctx::new(req))
}

fn detect_in(ctx: &Ctx<'_>) -> Option<Provider> {
    let by_headers = [
        (Provider::Pingara, pingara::by_header(ctx)),
        (Provider::Github, github::matches(ctx)),
        (Provider::Shopify, shopify::matches(ctx)),
        (Provider::Gitlab, gitlab::matches(ctx)),
    ];
    if let Some((p, _)) = by_headers.into_iter().find(|(_, hit)| *hit) {
        return Some(p);
    }
    if stripe::matches(ctx) {
        Some(Provider::Stripe)
    } else if standard_webhooks::matches(ctx) {
        Some(Provider::StandardWebhooks)
    } else if slack::matches(ctx) {
        Some(Provider::Slack)
    } else if pingara::by_shape(ctx) {
        Some(Provider::Pingara)
    } else if generic::matches(ctx) {
        Some(Provider::Generic)
    } else {
        None
    }
}

/// How long the sender waits for an answer before it counts the delivery as
/// failed: Pingara 10 s (its guide), GitHub 10 s, Shopify 5 s, Slack 3 s.
#[must_use]
pub fn sender_timeout(provider: Provider) -> Option<Duration> {
    match provider {
        Provider::Pingara | Provider::Github => Some(Duration::from_secs(10)),
        Provider::Shopify => Some(Duration::from_secs(5)),
        Provider::Slack => Some(Duration::from_secs(3)),
        _ => None,
    }
}

/// Set when the recorded answer took longer than the sender waits: the sender
/// has counted the delivery as failed, whatever the status said.
#[must_use]
pub fn slow_answer(req: &CapturedRequest, event: Option<&Event>) -> Option<String> {
    let event = event?;
    let timeout = sender_timeout(event.provider)?;
    let latency_ms = req.response.as_ref()?.latency_ms;
    if !latency_ms.is_finite() || latency_ms <= timeout.as_secs_f64() * 1000.0 {
        return None;
    }
    let then = match event.provider {
        Provider::Pingara => "it counted this delivery as failed and will retry \
                              (next in 30 s, then after 2 min, 10 min and 30 min)"
            .to_string(),
        Provider::Github => "it recorded this delivery as failed; GitHub does not retry \
                             on its own (redeliver it from the webhook's Recent Deliveries)"
            .to_string(),
        Provider::Shopify => {
            "it counted this delivery as failed and will retry (8 times over 4 hours)".to_string()
        }
        Provider::Slack => slack::late_consequence(req, event),
        _ => "it counted this delivery as failed".to_string(),
    };
    Some(format!(
        "answered after {:.1} s; {} waits {} s, so {then}",
        latency_ms / 1000.0,
        event.provider.label(),
        timeout.as_secs(),
    ))
}
