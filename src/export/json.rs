//! The one JSON shape of a captured request, shared by the headless NDJSON
//! stream, `list --json` and `show --json`. Keys are part of the interface:
//! scripts depend on them (see README "Headless output").

use base64::Engine as _;
use chrono::SecondsFormat;
use serde_json::{Map, Value, json};

use crate::inspect::{Findings, Inspection};
use crate::model::{HeaderField, Outcome};
use crate::store::{Delivery, StoredRequest};

fn headers_json(headers: &[HeaderField]) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|h| json!([h.name, h.value_str()]))
            .collect(),
    )
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

pub fn request_json(stored: &StoredRequest, inspection: &impl Findings) -> Value {
    let req = &stored.request;
    let mut obj = Map::new();
    obj.insert("id".into(), json!(req.id));
    obj.insert(
        "received_at".into(),
        json!(req.received_at.to_rfc3339_opts(SecondsFormat::Millis, true)),
    );
    obj.insert("remote_addr".into(), json!(req.remote_addr));
    obj.insert("method".into(), json!(req.method));
    obj.insert("path".into(), json!(req.path()));
    obj.insert("query".into(), json!(req.query()));
    obj.insert("http_version".into(), json!(req.http_version));
    obj.insert("headers".into(), headers_json(&req.headers));
    put_body(&mut obj, &req.body);
    obj.insert("body_size".into(), json!(req.body_size));
    obj.insert("outcome".into(), json!(req.outcome.label()));
    match &req.outcome {
        Outcome::Complete => {}
        Outcome::TooLarge { declared, seen } => {
            obj.insert(
                "outcome_detail".into(),
                json!({ "declared": declared, "seen": seen }),
            );
        }
        Outcome::Incomplete { reason } => {
            obj.insert("outcome_detail".into(), json!({ "reason": reason }));
        }
    }
    let response = req.response.as_ref().map(|r| {
        let mut resp = Map::new();
        resp.insert("status".into(), json!(r.status));
        resp.insert(
            "latency_ms".into(),
            json!((r.latency_ms * 1000.0).round() / 1000.0),
        );
        resp.insert("headers".into(), headers_json(&r.headers));
        put_body(&mut resp, &r.body);
        Value::Object(resp)
    });
    obj.insert("response".into(), response.unwrap_or(Value::Null));
    obj.insert(
        "auth".into(),
        json!({
            "scheme": inspection.auth().scheme,
            "verdict": inspection.auth().verdict.as_str(),
            "detail": inspection.auth().detail,
        }),
    );
    obj.insert(
        "event".into(),
        inspection
            .event()
            .and_then(|e| serde_json::to_value(e).ok())
            .unwrap_or(Value::Null),
    );
    obj.insert("duplicate_of".into(), json!(stored.duplicate_of));
    if let Some(slow) = inspection.slow_answer() {
        obj.insert("slow_answer".into(), json!(slow));
    }
    Value::Object(obj)
}

/// `show --json`: the request's object plus `deliveries`, oldest first.
pub fn request_json_with_deliveries(
    stored: &StoredRequest,
    inspection: &Inspection,
    deliveries: &[Delivery],
) -> Value {
    let mut value = request_json(stored, inspection);
    if let Value::Object(obj) = &mut value {
        obj.insert(
            "deliveries".into(),
            Value::Array(deliveries.iter().map(delivery_json).collect()),
        );
    }
    value
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
