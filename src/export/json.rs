//! The one JSON shape of a captured request, shared by the headless NDJSON
//! stream, `list --json` and `show --json`. Keys are part of the interface:
//! scripts depend on them (see README "Headless output").

use base64::Engine as _;
use chrono::SecondsFormat;
use serde_json::{Map, Value, json};

use serde::Serialize;
use serde::ser::SerializeSeq as _;

use crate::inspect::{AuthVerdict, Event, Findings};
use crate::model::{HeaderField, Outcome};
use crate::store::{Delivery, StoredRequest};

fn headers_json(headers: &[HeaderField]) -> Value {
    serde_json::to_value(Headers(headers)).unwrap_or(Value::Null)
}

/// `body` when the bytes are UTF-8, else `body_base64`.
fn put_body(obj: &mut Map<String, Value>, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => obj.insert("body".into(), Value::String(text.into())),
        Err(_) => obj.insert(
            "body_base64".into(),
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
        ),
    };
}

/// The request object, serialised straight from borrowed data: the headless
/// stream writes one per request, so no intermediate `Value` map is built.
/// Key order is the order of the fields.
#[derive(Serialize)]
pub struct RequestLine<'a> {
    id: i64,
    received_at: String,
    remote_addr: &'a str,
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    http_version: &'a str,
    headers: Headers<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
    body_size: u64,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome_detail: Option<OutcomeDetail<'a>>,
    response: Option<ResponseLine<'a>>,
    /// Why `response` is null: `pending`, or what happened instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    response_reason: Option<&'a str>,
    auth: AuthLine<'a>,
    event: Option<&'a Event>,
    duplicate_of: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slow_answer: Option<&'a str>,
    /// A copy of a relay's request (`listen --from`): `{url, channel, id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    relay: Option<RelayLine<'a>>,
    /// On a relay's store: the channel the request was posted to.
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<&'a str>,
    /// Only in `show --json --recheck`: the verdict with the current
    /// secrets, beside (never instead of) the stored `auth`.
    #[serde(skip_serializing_if = "Option::is_none")]
    recheck: Option<RecheckLine<'a>>,
    /// Only in `show --json`: every replay and forward, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    deliveries: Option<Vec<Value>>,
}

/// A relay copy's origin. Stores written before `--from` URLs lost their
/// user and password may hold one: masked here, so no JSON shows it.
#[derive(Serialize)]
struct RelayLine<'a> {
    url: std::borrow::Cow<'a, str>,
    channel: &'a str,
    id: i64,
}

#[derive(Serialize)]
struct RecheckLine<'a> {
    scheme: &'a str,
    verdict: &'static str,
    detail: &'a str,
    /// Always `current`: judged with the reading process's secrets.
    secrets: &'static str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum OutcomeDetail<'a> {
    TooLarge { declared: Option<u64>, seen: u64 },
    Incomplete { reason: &'a str },
    Malformed { detail: &'a str },
}

#[derive(Serialize)]
struct ResponseLine<'a> {
    status: u16,
    latency_ms: f64,
    headers: Headers<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
}

#[derive(Serialize)]
struct AuthLine<'a> {
    scheme: &'a str,
    verdict: &'static str,
    detail: &'a str,
    /// `at arrival`, or `at import` / `on read` for a verdict reached later
    /// (see `model::findings::Judged`).
    judged: &'static str,
}

/// `[[name, value], ...]`, values as text; a value that is not UTF-8
/// (shown with replacement characters) adds its exact bytes as a third
/// element, base64, as the relay stream does, so byte identity can be
/// checked from any JSON output.
struct Headers<'a>(&'a [HeaderField]);

impl Serialize for Headers<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for h in self.0 {
            if std::str::from_utf8(&h.value).is_ok() {
                seq.serialize_element(&(&h.name, h.value_str()))?;
            } else {
                let exact = base64::engine::general_purpose::STANDARD.encode(&h.value);
                seq.serialize_element(&(&h.name, h.value_str(), exact))?;
            }
        }
        seq.end()
    }
}

/// `body` when the bytes are UTF-8, else `body_base64`.
fn text_or_base64(bytes: &[u8]) -> (Option<&str>, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (Some(text), None),
        Err(_) => (
            None,
            Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
        ),
    }
}

fn rounded_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

pub fn request_line<'a>(stored: &'a StoredRequest, findings: &'a impl Findings) -> RequestLine<'a> {
    let req = &stored.request;
    let (body, body_base64) = text_or_base64(&req.body);
    let outcome_detail = match &req.outcome {
        Outcome::Complete => None,
        Outcome::TooLarge { declared, seen } => Some(OutcomeDetail::TooLarge {
            declared: *declared,
            seen: *seen,
        }),
        Outcome::Incomplete { reason } => Some(OutcomeDetail::Incomplete { reason }),
        Outcome::Malformed { detail } => Some(OutcomeDetail::Malformed { detail }),
    };
    let response = req.response.as_ref().map(|r| {
        let (body, body_base64) = text_or_base64(&r.body);
        ResponseLine {
            status: r.status,
            latency_ms: rounded_ms(r.latency_ms),
            headers: Headers(&r.headers),
            body,
            body_base64,
        }
    });
    let auth = findings.auth();
    RequestLine {
        id: req.id,
        received_at: req.received_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        remote_addr: &req.remote_addr,
        method: &req.method,
        path: req.path(),
        query: req.query(),
        http_version: &req.http_version,
        headers: Headers(&req.headers),
        body,
        body_base64,
        body_size: req.body_size,
        outcome: req.outcome.label(),
        outcome_detail,
        response,
        // With a response too: why it is not the one awaited (a relay's
        // own answer when no subscriber gave one in its hold time).
        response_reason: req
            .response_reason
            .as_deref()
            .filter(|r| req.response.is_none() || *r != crate::model::PENDING),
        auth: AuthLine {
            scheme: &auth.scheme,
            verdict: auth.verdict.as_str(),
            detail: &auth.detail,
            judged: findings.judged().as_str(),
        },
        event: findings.event(),
        duplicate_of: stored.duplicate_of,
        slow_answer: findings.slow_answer(),
        relay: stored.relay.as_ref().map(|r| RelayLine {
            url: crate::secrets::mask_url(&r.url),
            channel: &r.channel,
            id: r.id,
        }),
        channel: stored.channel.as_deref(),
        recheck: None,
        deliveries: None,
    }
}

/// `show --json`: the request's object plus `deliveries`, oldest first, in
/// the same key order as the headless lines; with `recheck` (`--recheck`),
/// that verdict too, under its own key.
pub fn request_json_with_deliveries(
    stored: &StoredRequest,
    findings: &impl Findings,
    deliveries: &[Delivery],
    recheck: Option<&AuthVerdict>,
) -> String {
    let mut line = request_line(stored, findings);
    line.recheck = recheck.map(|r| RecheckLine {
        scheme: &r.scheme,
        verdict: r.verdict.as_str(),
        detail: &r.detail,
        secrets: "current",
    });
    line.deliveries = Some(deliveries.iter().map(delivery_json).collect());
    crate::text::json_string(&line)
}

/// One delivery: `at`, `target`, `status` (null on error), `latency_ms`,
/// `error` (null, or `{"kind": "refused"|"timeout"|"tls"|"other", "message"}`),
/// `response` (null on error, else `{"headers", "body"|"body_base64"}`), plus
/// `id`, `kind` (replay, forward, ladder, edited), `method` and `path` sent.
pub fn delivery_json(d: &Delivery) -> Value {
    let mut obj = Map::new();
    obj.insert("id".into(), json!(d.id));
    obj.insert(
        "at".into(),
        json!(d.at.to_rfc3339_opts(SecondsFormat::Millis, true)),
    );
    obj.insert("kind".into(), json!(d.kind.as_str()));
    obj.insert("target".into(), json!(d.target));
    obj.insert("method".into(), json!(d.method));
    obj.insert("path".into(), json!(d.path));
    obj.insert("status".into(), json!(d.status));
    obj.insert(
        "latency_ms".into(),
        json!((d.latency_ms * 1000.0).round() / 1000.0),
    );
    obj.insert(
        "error".into(),
        d.error.as_ref().map_or(
            Value::Null,
            |e| json!({ "kind": e.kind.as_str(), "message": e.message }),
        ),
    );
    let response = d.status.map(|_| {
        let mut resp = Map::new();
        resp.insert("headers".into(), headers_json(&d.response_headers));
        put_body(&mut resp, &d.response_body);
        Value::Object(resp)
    });
    obj.insert("response".into(), response.unwrap_or(Value::Null));
    if d.sent_headers.is_some() || d.sent_body.is_some() {
        let mut sent = Map::new();
        if let Some(h) = &d.sent_headers {
            sent.insert("headers".into(), headers_json(h));
        }
        if let Some(b) = &d.sent_body {
            put_body(&mut sent, b);
        }
        obj.insert("sent".into(), Value::Object(sent));
    }
    Value::Object(obj)
}
