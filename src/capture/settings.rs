//! What the listener is configured with: its limits and its default
//! answer, and the rules for answer headers and bodies. Owned here; the
//! configuration loader fills them and the wiring (`app/`) hands them over.

use std::time::Duration;

/// The default answer hookcatch gives.
#[derive(Clone, Debug)]
pub struct ResponseConfig {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

#[derive(Clone, Debug)]
pub struct Limits {
    pub max_body: u64,
    pub header_timeout: Duration,
    /// An open connection with no request in flight is closed after this.
    pub idle_timeout: Duration,
    pub body_timeout: Duration,
    pub max_headers: usize,
    /// Bytes of request line plus headers hyper buffers at most.
    pub max_header_bytes: usize,
}

/// `--response-body` (and a rule's `body=`): text, or `@FILE`.
pub fn response_body(spec: &str) -> Result<Vec<u8>, String> {
    match spec.strip_prefix('@') {
        Some(path) => {
            std::fs::read(path).map_err(|e| format!("--response-body @{path}: cannot read: {e}"))
        }
        None => Ok(spec.as_bytes().to_vec()),
    }
}

/// `Name: value` as an answer header, or what is wrong with it.
pub fn parse_header(spec: &str) -> Result<(String, String), String> {
    let (name, value) = spec
        .split_once(':')
        .ok_or("expected 'Name: value' (e.g. 'X-Caught-By: hookcatch')")?;
    let name = name.trim();
    let value = value.trim();
    if http::HeaderName::from_bytes(name.as_bytes()).is_err()
        || http::HeaderValue::from_str(value).is_err()
    {
        return Err("not a valid header name and value (expected 'Name: value')".into());
    }
    if let Some(why) = refused_header(name) {
        return Err(why);
    }
    Ok((name.to_string(), value.to_string()))
}

/// Why an answer may not carry this header, if it may not: the headers that
/// frame the body or manage the connection are hookcatch's (and hyper's) to
/// set; a wrong `Content-Length` would leave the sender waiting for bytes
/// that never come.
pub fn refused_header(name: &str) -> Option<String> {
    let lower = name.trim().to_ascii_lowercase();
    match lower.as_str() {
        "content-length" | "transfer-encoding" => Some(format!(
            "{name} frames the body and hookcatch sets it itself; remove this header"
        )),
        // `Connection: close` stays allowed: hyper honours it, and closing
        // after each answer is a receiver behaviour worth testing against.
        "keep-alive" | "proxy-connection" | "upgrade" | "te" | "trailer" => Some(format!(
            "{name} is a hop-by-hop header and hookcatch sets it itself; remove this header"
        )),
        _ => None,
    }
}

pub fn guess_content_type(body: &[u8]) -> &'static str {
    let trimmed = body.trim_ascii_start();
    if (trimmed.starts_with(b"{") || trimmed.starts_with(b"["))
        && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
    {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    }
}
