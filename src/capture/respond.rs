//! What hookcatch answers. Pure: given the settings, the live mode and what
//! was captured, decide status, headers, body and delay (or to drop the
//! connection, or to pass the forward target's answer through). The server
//! only carries it out.
//!
//! Order: the limits (413, 408), then the live response mode, then
//! `--enforce-auth` (401), then the first matching rule, then the forward
//! target's answer (`--forward` in proxy mode), then the default answer.
//! Requests hookcatch accepted (not 413/408/401) also go to the forward
//! target, in the background when something else decided the answer.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde_json::json;

use super::mode::{Mode, RETRY_AFTER_SECS, SLOW_DELAY};
use super::rules;
use super::server::CaptureSettings;
use crate::config::ResponseConfig;
use crate::inspect::Verdict;
use crate::model::{CapturedRequest, CapturedResponse, HeaderField, Outcome};
use crate::replay::build::origin_form;
use crate::replay::forward::ForwardMode;

/// What to do with a captured request once it is stored.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Answer this; `forward` sends a copy to the forward target in the background.
    Answer { planned: Planned, forward: bool },
    /// Close the connection without answering (drop mode).
    Drop { forward: bool },
    /// Forward and give the sender the target's answer (proxy mode).
    Proxy,
}

/// Decide the answer (see the module docs for the order).
pub fn plan(
    captured: &CapturedRequest,
    settings: &CaptureSettings,
    mode: Mode,
    verdict: Verdict,
) -> Decision {
    let limit = match &captured.outcome {
        Outcome::TooLarge { declared, seen } => Some(
            Planned::error(
                413,
                "request body too large",
                json!({ "limit": settings.limits.max_body, "declared": declared, "seen": seen }),
            )
            .closing(),
        ),
        Outcome::Incomplete { reason } => Some(Planned::error(408, reason, json!({})).closing()),
        Outcome::Complete => None,
    };
    if let Some(planned) = limit {
        return Decision::Answer {
            planned,
            forward: false,
        };
    }
    let forwarding = settings.forward.is_some();
    let answer = |planned| Decision::Answer {
        planned,
        forward: forwarding,
    };
    match mode {
        Mode::Normal | Mode::Slow => {}
        Mode::ServerError => {
            return answer(Planned::error(
                500,
                "internal server error (hookcatch response mode 500)",
                json!({}),
            ));
        }
        Mode::Unauthorized => {
            let mut p =
                Planned::error(401, "unauthorized (hookcatch response mode 401)", json!({}));
            p.headers.push(("www-authenticate".into(), "Bearer".into()));
            return answer(p);
        }
        Mode::TooManyRequests => {
            let mut p = Planned::error(
                429,
                "too many requests (hookcatch response mode 429)",
                json!({ "retry_after": RETRY_AFTER_SECS }),
            );
            p.headers
                .push(("retry-after".into(), RETRY_AFTER_SECS.to_string()));
            return answer(p);
        }
        Mode::Drop => {
            return Decision::Drop {
                forward: forwarding,
            };
        }
    }
    if settings.enforce_auth && matches!(verdict, Verdict::Invalid | Verdict::Missing) {
        return Decision::Answer {
            planned: Planned::error(401, "unauthorized", json!({ "auth": verdict.as_str() })),
            forward: false,
        };
    }
    let path = origin_form(&captured.target);
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let rule = rules::first_match(&settings.rules, &captured.method, path);
    let proxy = settings
        .forward
        .as_ref()
        .is_some_and(|f| f.mode() == ForwardMode::Proxy);
    let mut planned = match rule {
        Some(rule) => Planned::from_rule(rule),
        None if proxy && mode == Mode::Normal => return Decision::Proxy,
        None => Planned::default_answer(&settings.response),
    };
    if mode == Mode::Slow {
        planned.delay = planned.delay.max(SLOW_DELAY);
    }
    answer(planned)
}

/// An answer decided but not yet sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// Close the connection after answering (a body was left unread).
    pub close: bool,
}

impl Planned {
    /// The configured default answer.
    pub fn default_answer(config: &ResponseConfig) -> Self {
        Planned {
            status: config.status,
            headers: config.headers.clone(),
            body: config.body.clone(),
            delay: config.delay,
            close: false,
        }
    }

    /// A response rule's answer.
    pub fn from_rule(rule: &rules::Rule) -> Self {
        Planned {
            status: rule.status,
            headers: rule.headers.clone(),
            body: rule.body.clone(),
            delay: rule.delay,
            close: false,
        }
    }

    /// A JSON error of hookcatch's own (413, 408, 401, 503...).
    pub fn error(status: u16, message: &str, extra: serde_json::Value) -> Self {
        let mut body = serde_json::json!({ "error": message });
        if let (Some(obj), serde_json::Value::Object(more)) = (body.as_object_mut(), extra) {
            obj.extend(more);
        }
        Planned {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            delay: Duration::ZERO,
            close: false,
        }
    }

    pub fn closing(mut self) -> Self {
        self.close = true;
        self
    }

    /// The record of this answer kept with the request (latency set by the store).
    pub fn record(&self) -> CapturedResponse {
        CapturedResponse {
            status: self.status,
            headers: self
                .headers
                .iter()
                .map(|(n, v)| HeaderField::new(n.to_ascii_lowercase(), v.as_bytes()))
                .collect(),
            body: self.body.clone(),
            latency_ms: 0.0,
        }
    }

    /// Build the hyper response. Header names/values were validated with the
    /// config; any that still fail are skipped rather than failing the answer.
    pub fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(Bytes::from(self.body)));
        *response.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.append(n, v);
            }
        }
        if self.close {
            headers.insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_json() {
        let p = Planned::error(413, "body too large", serde_json::json!({"limit": 10}));
        let v: serde_json::Value = serde_json::from_slice(&p.body).unwrap();
        assert_eq!(v["error"], "body too large");
        assert_eq!(v["limit"], 10);
        assert_eq!(p.into_response().status(), 413);
    }

    #[test]
    fn closing_sets_connection_close() {
        let r = Planned::error(408, "slow", serde_json::Value::Null)
            .closing()
            .into_response();
        assert_eq!(r.headers()["connection"], "close");
    }
}
