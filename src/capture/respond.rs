//! What hookcatch answers. Pure: given the settings, the live mode and what
//! was captured, decide status, headers, body and delay (or to drop the
//! connection, or to pass the forward target's answer through). The server
//! only carries it out.
//!
//! Order: the limits (413, 408), then the live response mode, then the
//! live custom answer (`M` in the TUI; in normal and slow mode, slow
//! delaying it), then `--enforce-auth` (401), then the first matching rule, then the forward
//! target's answer (`--forward` in proxy mode), then the default answer.
//! Requests hookcatch accepted (not 413/408/401) also go to the forward
//! target, in the background when something else decided the answer.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde_json::json;

use super::custom::CustomAnswer;
use super::mode::{Mode, RETRY_AFTER_SECS, SLOW_DELAY};
use super::rules;
use super::server::CaptureSettings;
use super::settings::ResponseConfig;
use crate::inspect::Verdict;
use crate::model::{CapturedRequest, CapturedResponse, HeaderField, Outcome};
use crate::replay::build::origin_form;
use crate::replay::forward::ForwardMode;

/// What to do with a captured request once it is stored.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Answer this; `forward` sends a copy to the forward target in the background.
    /// `own`: hookcatch's own verdict on the request (a limit, a live mode,
    /// an `--enforce-auth` refusal), which nobody else's answer replaces (a
    /// relay holds only the others for a subscriber's answer).
    Answer {
        planned: Planned,
        forward: bool,
        own: bool,
    },
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
    custom: Option<&CustomAnswer>,
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
        Outcome::Malformed { detail } => Some(
            Planned::error(400, "malformed request body", json!({ "detail": detail })).closing(),
        ),
        Outcome::Complete => None,
    };
    if let Some(planned) = limit {
        return Decision::Answer {
            planned,
            forward: false,
            own: true,
        };
    }
    let forwarding = settings.forward.is_some();
    let mode_answer = |planned| Decision::Answer {
        planned,
        forward: forwarding,
        own: true,
    };
    match mode {
        Mode::Normal | Mode::Slow => {
            if let Some(custom) = custom {
                let mut planned = custom.planned();
                if mode == Mode::Slow {
                    planned.delay = SLOW_DELAY;
                }
                return mode_answer(planned);
            }
        }
        Mode::ServerError => {
            return mode_answer(Planned::error(
                500,
                "internal server error (hookcatch response mode 500)",
                json!({}),
            ));
        }
        Mode::Unauthorized => {
            let mut p =
                Planned::error(401, "unauthorized (hookcatch response mode 401)", json!({}));
            p.headers.push(("www-authenticate".into(), "Bearer".into()));
            return mode_answer(p);
        }
        Mode::TooManyRequests => {
            let mut p = Planned::error(
                429,
                "too many requests (hookcatch response mode 429)",
                json!({ "retry_after": RETRY_AFTER_SECS }),
            );
            p.headers
                .push(("retry-after".into(), RETRY_AFTER_SECS.to_string()));
            return mode_answer(p);
        }
        Mode::Drop => {
            return Decision::Drop {
                forward: forwarding,
            };
        }
    }
    // Only a configured scheme can be valid: anything else (invalid, missing,
    // or a credential hookcatch has no secret for) proves nothing.
    if settings.enforce_auth && verdict != Verdict::Valid {
        return Decision::Answer {
            planned: Planned::error(401, "unauthorized", json!({ "auth": verdict.as_str() })),
            forward: false,
            own: true,
        };
    }
    let path = origin_form(&captured.target);
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let rule = rules::first_match(&settings.rules, &captured.method, path, &captured.body);
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
    Decision::Answer {
        planned,
        forward: forwarding,
        own: false,
    }
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

    /// Build the hyper response and the record of exactly what it sends:
    /// headers in the order hyper writes them (grouped by name), including
    /// the `date` and `content-length` it would otherwise add unseen, and no
    /// body where none goes out (HEAD, 1xx, 204, 304). Header names and
    /// values were validated with the config; any that still fail are
    /// skipped rather than failing the answer.
    pub fn into_response(
        self,
        method: &http::Method,
        version: http::Version,
    ) -> (Response<Full<Bytes>>, CapturedResponse) {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        // A 2xx to CONNECT opens a tunnel: no body, no length (RFC 9110 9.3.6).
        let tunnel = method == http::Method::CONNECT && status.is_success();
        let bodiless = no_body(status) || tunnel;
        let body = if bodiless { Vec::new() } else { self.body };
        let mut headers = http::HeaderMap::new();
        for (name, value) in &self.headers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.append(n, v);
            }
        }
        frame(&mut headers, !bodiless, body.len());
        // HTTP/2 has no Connection header (hyper would drop it unsent); the
        // stream ends on its own.
        if self.close && version != http::Version::HTTP_2 {
            headers.insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        }
        let record = CapturedResponse {
            status: status.as_u16(),
            headers: headers
                .iter()
                .map(|(n, v)| HeaderField::new(n.as_str(), v.as_bytes()))
                .collect(),
            // A HEAD answer says how long the body would be, and sends none.
            body: if method == http::Method::HEAD {
                Vec::new()
            } else {
                body.clone()
            },
            latency_ms: 0.0,
        };
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        (response, record)
    }
}

/// The framing headers hyper would add on its own (`Content-Length` where a
/// body may go, `Date`), set here so that the record holds them: what the
/// sender got, not less.
fn frame(headers: &mut http::HeaderMap, has_body: bool, len: usize) {
    if has_body {
        headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    headers.insert(http::header::DATE, date_now());
}

/// Another party's answer (a relay subscriber's) as this listener sends it
/// on, and its record: the same status, headers and body, framed here.
pub fn relayed_answer(answer: CapturedResponse) -> (Response<Full<Bytes>>, CapturedResponse) {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let body = if no_body(status) {
        Vec::new()
    } else {
        answer.body
    };
    // Hop-by-hop and framing headers stay with the hop they came over, as
    // on the --forward path.
    let headers = answer
        .headers
        .into_iter()
        .filter(|h| crate::replay::forward::passes_on(&h.name))
        .collect();
    let mut response =
        crate::replay::forward::into_response((answer.status, headers, body.clone()));
    frame(response.headers_mut(), !no_body(status), body.len());
    let record = CapturedResponse {
        status: response.status().as_u16(),
        headers: crate::replay::send::fields(response.headers()),
        body,
        latency_ms: 0.0,
    };
    (response, record)
}

/// Statuses whose answer carries no body (RFC 9110 6.4.1).
fn no_body(status: StatusCode) -> bool {
    status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
}

/// The `Date` header for now, formatted once a second per thread, as hyper
/// does for the date it would add itself.
fn date_now() -> HeaderValue {
    thread_local! {
        static CACHED: std::cell::RefCell<(u64, HeaderValue)> =
            const { std::cell::RefCell::new((u64::MAX, HeaderValue::from_static(""))) };
    }
    let now = SystemTime::now();
    let second = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    CACHED.with_borrow_mut(|(at, value)| {
        if *at != second {
            let text = httpdate::fmt_http_date(now);
            *value = HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""));
            *at = second;
        }
        value.clone()
    })
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
        let (response, record) = p.into_response(&http::Method::POST, http::Version::HTTP_11);
        assert_eq!(response.status(), 413);
        assert_eq!(record.status, 413);
    }

    #[test]
    fn closing_sets_connection_close() {
        let (r, record) = Planned::error(408, "slow", serde_json::Value::Null)
            .closing()
            .into_response(&http::Method::POST, http::Version::HTTP_11);
        assert_eq!(r.headers()["connection"], "close");
        assert!(record.headers.iter().any(|h| h.name == "connection"));
    }

    fn settings() -> CaptureSettings {
        let response = ResponseConfig {
            status: 200,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        };
        let limits = super::super::settings::Limits {
            max_body: 1 << 20,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_headers: 100,
            max_header_bytes: 1 << 16,
        };
        CaptureSettings::new(
            response,
            limits,
            crate::inspect::auth::AuthConfig::default(),
        )
    }

    /// The custom answer sits with the modes: the fixed ones answer before
    /// it, slow delays it, and it answers before `--enforce-auth`.
    #[test]
    fn the_custom_answer_comes_after_the_fixed_modes_and_before_auth() {
        let captured = CapturedRequest::new("POST", "/hook", Vec::new(), b"{}".to_vec());
        let custom = CustomAnswer::parse("418", ["X-Teapot: yes"], "short").unwrap();
        let mut settings = settings();
        settings.enforce_auth = true;
        let status = |mode, custom| match plan(&captured, &settings, mode, custom, Verdict::Missing)
        {
            Decision::Answer { planned, .. } => (planned.status, planned.delay),
            other => panic!("{other:?}"),
        };
        assert_eq!(status(Mode::Normal, None).0, 401, "enforce-auth without it");
        assert_eq!(status(Mode::Normal, Some(&custom)), (418, Duration::ZERO));
        assert_eq!(status(Mode::Slow, Some(&custom)), (418, SLOW_DELAY));
        assert_eq!(status(Mode::ServerError, Some(&custom)).0, 500);
        let Decision::Answer { planned, .. } = plan(
            &captured,
            &settings,
            Mode::Normal,
            Some(&custom),
            Verdict::Missing,
        ) else {
            panic!("an answer");
        };
        assert_eq!(planned.body, b"short");
        assert!(planned.headers.contains(&("X-Teapot".into(), "yes".into())));
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Planned {
        Planned {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
            close: false,
        }
    }

    /// The record lists the headers as hyper writes them: grouped by name,
    /// with the date and length it would otherwise add unseen.
    #[test]
    fn record_is_what_goes_on_the_wire() {
        let planned = answer(200, &[("X-A", "1"), ("X-B", "two"), ("X-A", "again")], "ok");
        let (response, record) = planned.into_response(&http::Method::POST, http::Version::HTTP_11);
        let names: Vec<&str> = record.headers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["x-a", "x-a", "x-b", "content-length", "date"]);
        assert_eq!(record.headers[3].value, b"2");
        assert_eq!(record.body, b"ok");
        let wire: Vec<&str> = response.headers().keys().map(|k| k.as_str()).collect();
        assert_eq!(wire, ["x-a", "x-b", "content-length", "date"]);
    }

    /// 204, 304 and 1xx answers carry no body, and HEAD answers send none.
    #[test]
    fn no_body_recorded_where_none_is_sent() {
        for status in [204, 304] {
            let (_, record) = answer(status, &[], "{\"received\": true}")
                .into_response(&http::Method::POST, http::Version::HTTP_11);
            assert!(record.body.is_empty(), "{status}");
            assert!(!record.headers.iter().any(|h| h.name == "content-length"));
        }
        let (_, record) =
            answer(200, &[], "12345").into_response(&http::Method::HEAD, http::Version::HTTP_11);
        assert!(record.body.is_empty());
        let length = record.headers.iter().find(|h| h.name == "content-length");
        assert_eq!(length.map(|h| h.value.as_slice()), Some(&b"5"[..]));
    }

    #[test]
    fn http2_answers_have_no_connection_header() {
        let (response, record) = Planned::error(413, "big", serde_json::Value::Null)
            .closing()
            .into_response(&http::Method::POST, http::Version::HTTP_2);
        assert!(!response.headers().contains_key("connection"));
        assert!(!record.headers.iter().any(|h| h.name == "connection"));
    }
}
