//! HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the format
//! browsers' developer tools, mitmproxy, Charles, Insomnia and Postman read:
//! one entry per captured request with hookcatch's answer as the response.
//!
//! Bytes are kept whole: a body that is not UTF-8 goes out base64 with
//! `"encoding": "base64"` (HAR 1.2 defines that field for response content;
//! request `postData` gets the same field, as several tools write and read
//! it). What HAR has no field for (request id, remote address, how the
//! capture ended, auth verdict, event, duplicate) is under `_hookcatch`
//! (custom fields start with `_` in HAR).

use base64::Engine as _;
use chrono::SecondsFormat;
use serde_json::{Value, json};

use crate::inspect::Findings;
use crate::inspect::body::form::percent_decode;
use crate::model::{CapturedRequest, CapturedResponse, HeaderField};
use crate::store::StoredRequest;

/// What goes before the first entry: the array of entries stays open so a
/// whole store streams out one entry at a time.
pub fn head() -> String {
    let log = json!({ "name": "hookcatch", "version": env!("CARGO_PKG_VERSION") });
    format!("{{\"log\":{{\"version\":\"1.2\",\"creator\":{log},\"entries\":[")
}

/// What closes [`head`].
pub const TAIL: &str = "]}}\n";

/// One entry: the request, hookcatch's answer, timings and `_hookcatch`.
pub fn entry(stored: &StoredRequest, findings: &impl Findings) -> Value {
    let req = &stored.request;
    let latency = req.response.as_ref().map_or(0.0, |r| r.latency_ms);
    json!({
        "startedDateTime": req.received_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        "time": latency,
        "request": request(req),
        "response": response(req),
        "cache": {},
        "timings": { "send": 0, "wait": latency, "receive": 0 },
        "serverIPAddress": "",
        "_hookcatch": {
            "id": req.id,
            "remote_addr": req.remote_addr,
            "outcome": req.outcome.label(),
            "auth": {
                "scheme": findings.auth().scheme,
                "verdict": findings.auth().verdict.as_str(),
                "detail": findings.auth().detail,
                "judged": findings.judged().as_str(),
            },
            "event": findings.event(),
            "duplicate_of": stored.duplicate_of,
        },
    })
}

fn request(req: &CapturedRequest) -> Value {
    let mut out = json!({
        "method": req.method,
        "url": url(req),
        "httpVersion": req.http_version,
        "cookies": [],
        "headers": headers(&req.headers),
        "queryString": query_string(req.query()),
        "headersSize": -1,
        "bodySize": req.body_size,
    });
    if !req.body.is_empty() {
        let mut post = content(&req.body, mime(&req.headers));
        if let Some(obj) = post.as_object_mut() {
            obj.remove("size");
        }
        out["postData"] = post;
    }
    out
}

/// hookcatch's answer; a dropped connection or a request still waiting has
/// none, written as status 0 like browsers write a failed request.
fn response(req: &CapturedRequest) -> Value {
    let Some(CapturedResponse {
        status,
        headers: answer_headers,
        body,
        ..
    }) = &req.response
    else {
        return json!({
            "status": 0,
            "statusText": "",
            "httpVersion": req.http_version,
            "cookies": [],
            "headers": [],
            "content": { "size": 0, "mimeType": "" },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        });
    };
    let reason = http::StatusCode::from_u16(*status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    json!({
        "status": status,
        "statusText": reason,
        "httpVersion": req.http_version,
        "cookies": [],
        "headers": headers(answer_headers),
        "content": content(body, mime(answer_headers)),
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": body.len(),
    })
}

/// `text` when the bytes are UTF-8, else base64 with `encoding`.
fn content(bytes: &[u8], mime_type: &str) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(text) => json!({ "size": bytes.len(), "mimeType": mime_type, "text": text }),
        Err(_) => json!({
            "size": bytes.len(),
            "mimeType": mime_type,
            "text": base64::engine::general_purpose::STANDARD.encode(bytes),
            "encoding": "base64",
        }),
    }
}

fn mime(headers: &[HeaderField]) -> &str {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-type"))
        .and_then(|h| std::str::from_utf8(&h.value).ok())
        .unwrap_or("")
}

/// Names as stored (lowercase, hyper's), values as text (invalid UTF-8
/// replaced: HAR headers are strings).
fn headers(headers: &[HeaderField]) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|h| json!({ "name": h.name, "value": h.value_str() }))
            .collect(),
    )
}

/// HAR wants an absolute URL: the target as sent when it is one (a proxy
/// client), else `http://` + the `Host` header (`localhost` without one).
fn url(req: &CapturedRequest) -> String {
    if req.target.starts_with("http://") || req.target.starts_with("https://") {
        return req.target.clone();
    }
    let host = req
        .header("host")
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost");
    format!("http://{host}{}", req.target)
}

/// The query's pairs, decoded (`+` is a space), in order, duplicates kept.
fn query_string(query: Option<&str>) -> Value {
    let decode = |s: &str| String::from_utf8_lossy(&percent_decode(s.as_bytes())).into_owned();
    Value::Array(
        query
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                json!({ "name": decode(name), "value": decode(value) })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::{self, AuthConfig};

    fn stored(req: CapturedRequest) -> StoredRequest {
        StoredRequest {
            request: req,
            duplicate_of: None,
            findings: None,
            channel: None,
            relay: None,
        }
    }

    #[test]
    fn an_entry_keeps_request_and_answer() {
        let mut req = CapturedRequest::new(
            "POST",
            "/hook?a=1&b=x+y%21&a=2",
            vec![
                HeaderField::new("host", b"127.0.0.1:9797".to_vec()),
                HeaderField::new("content-type", b"application/json".to_vec()),
            ],
            br#"{"event":"monitor.paused"}"#.to_vec(),
        );
        req.id = 7;
        req.response = Some(CapturedResponse {
            status: 201,
            headers: vec![HeaderField::new(
                "content-type",
                b"application/json".to_vec(),
            )],
            body: br#"{"received": true}"#.to_vec(),
            latency_ms: 1.5,
        });
        let s = stored(req);
        let found = inspect::inspect(&s.request, &AuthConfig::default(), s.request.received_at);
        let e = entry(&s, &found);
        assert_eq!(
            e["request"]["url"],
            "http://127.0.0.1:9797/hook?a=1&b=x+y%21&a=2"
        );
        assert_eq!(
            e["request"]["queryString"],
            json!([
                {"name": "a", "value": "1"},
                {"name": "b", "value": "x y!"},
                {"name": "a", "value": "2"},
            ])
        );
        assert_eq!(e["request"]["postData"]["mimeType"], "application/json");
        assert_eq!(
            e["request"]["postData"]["text"],
            r#"{"event":"monitor.paused"}"#
        );
        assert_eq!(e["response"]["status"], 201);
        assert_eq!(e["response"]["statusText"], "Created");
        assert_eq!(e["response"]["content"]["text"], r#"{"received": true}"#);
        assert_eq!(e["time"], 1.5);
        assert_eq!(e["_hookcatch"]["id"], 7);
    }

    #[test]
    fn binary_bodies_go_out_base64_and_no_answer_is_status_0() {
        let req = CapturedRequest::new("PUT", "http://example.com/x", vec![], vec![0xff, 0, 1]);
        let s = stored(req);
        let found = inspect::inspect(&s.request, &AuthConfig::default(), s.request.received_at);
        let e = entry(&s, &found);
        assert_eq!(e["request"]["url"], "http://example.com/x");
        assert_eq!(e["request"]["postData"]["encoding"], "base64");
        assert_eq!(e["request"]["postData"]["text"], "/wAB");
        assert_eq!(e["response"]["status"], 0);
        let whole: Value =
            serde_json::from_str(&format!("{}{}{}", head(), e, TAIL)).expect("valid JSON");
        assert_eq!(whole["log"]["version"], "1.2");
        assert_eq!(whole["log"]["entries"].as_array().map(Vec::len), Some(1));
    }
}
