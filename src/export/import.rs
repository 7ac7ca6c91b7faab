//! And back in: requests read from what `export` writes (JSON lines, or HAR
//! 1.2 from hookcatch or another tool), so a capture made on one machine can
//! be inspected and replayed on another. Pure: text in, requests and the
//! problems found out; storing them is the caller's.
//!
//! What an export cannot carry does not come back: header values that were
//! not UTF-8 (exports write them as text), and deliveries. The auth verdict
//! an export carries (`auth`, HAR `_hookcatch.auth`) does: it was decided
//! when the request arrived, with secrets this machine may not have.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::findings::{Judged, StoredAuth};
use crate::model::{CapturedRequest, CapturedResponse, HeaderField, Outcome};

/// One request read back, with the verdict its record carried, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub request: CapturedRequest,
    /// When and what was decided (only verdicts reached at arrival or at
    /// an earlier import are kept; one judged on read was no verdict of
    /// the capture's own).
    pub verdict: Option<(Judged, StoredAuth)>,
}

/// Why one entry was skipped; `line` is 1-based for JSON lines, the entry
/// number (also 1-based) for HAR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// Requests read from `text`, in file order, and the entries skipped.
pub fn parse(text: &str) -> (Vec<CapturedRequest>, Vec<Problem>) {
    let (read, problems) = parse_records(text);
    (read.into_iter().map(|r| r.request).collect(), problems)
}

/// [`parse`], with the verdict each record carried.
pub fn parse_records(text: &str) -> (Vec<Imported>, Vec<Problem>) {
    if let Ok(Value::Object(whole)) = serde_json::from_str::<Value>(text)
        && let Some(log) = whole.get("log")
    {
        return parse_har(log);
    }
    let mut requests = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let read = serde_json::from_str::<Value>(line)
            .map_err(|e| format!("not JSON: {e}"))
            .and_then(|v| {
                Ok(Imported {
                    request: from_line(&v)?,
                    verdict: verdict(v.get("auth")),
                })
            });
        match read {
            Ok(req) => requests.push(req),
            Err(message) => problems.push(Problem {
                line: i + 1,
                message,
            }),
        }
    }
    (requests, problems)
}

fn parse_har(log: &Value) -> (Vec<Imported>, Vec<Problem>) {
    let Some(entries) = log.get("entries").and_then(Value::as_array) else {
        let problem = Problem {
            line: 1,
            message: "a HAR file without `log.entries`".into(),
        };
        return (Vec::new(), vec![problem]);
    };
    let mut requests = Vec::new();
    let mut problems = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        match from_har_entry(entry) {
            Ok(request) => requests.push(Imported {
                request,
                verdict: verdict(entry.get("_hookcatch").and_then(|h| h.get("auth"))),
            }),
            Err(message) => problems.push(Problem {
                line: i + 1,
                message,
            }),
        }
    }
    (requests, problems)
}

/// One object of `export --format ndjson` (or `show --json`, `--headless`).
fn from_line(v: &Value) -> Result<CapturedRequest, String> {
    let path = text(v, "path")?;
    let target = match v.get("query").and_then(Value::as_str) {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    let body = body_of(v, "body", "body_base64")?;
    let mut req = CapturedRequest::new(text(v, "method")?, &target, pairs(v.get("headers"))?, body);
    req.received_at = time(v.get("received_at"))?;
    if let Some(addr) = v.get("remote_addr").and_then(Value::as_str) {
        req.remote_addr = addr.to_string();
    }
    if let Some(version) = v.get("http_version").and_then(Value::as_str) {
        req.http_version = version.to_string();
    }
    req.outcome = outcome(v.get("outcome"), v.get("outcome_detail"));
    if let Some(size) = v.get("body_size").and_then(Value::as_u64) {
        req.body_size = size.max(req.body.len() as u64);
    }
    req.response = match v.get("response") {
        None | Some(Value::Null) => None,
        Some(r) => Some(CapturedResponse {
            status: status(r.get("status"))?,
            headers: pairs(r.get("headers"))?,
            body: body_of(r, "body", "body_base64")?,
            latency_ms: r.get("latency_ms").and_then(Value::as_f64).unwrap_or(0.0),
        }),
    };
    Ok(req)
}

/// One HAR entry: hookcatch's own (with `_hookcatch`) or another tool's.
fn from_har_entry(entry: &Value) -> Result<CapturedRequest, String> {
    let request = entry.get("request").ok_or("an entry without `request`")?;
    let url = text(request, "url")?;
    let body = match request.get("postData") {
        Some(post) => har_content(post)?,
        None => Vec::new(),
    };
    let mut req = CapturedRequest::new(
        text(request, "method")?,
        &target_of(url),
        named(request.get("headers"))?,
        body,
    );
    req.received_at = time(entry.get("startedDateTime"))?;
    if let Some(version) = request.get("httpVersion").and_then(Value::as_str) {
        req.http_version = version.to_string();
    }
    if let Some(extra) = entry.get("_hookcatch") {
        if let Some(addr) = extra.get("remote_addr").and_then(Value::as_str) {
            req.remote_addr = addr.to_string();
        }
        req.outcome = outcome(extra.get("outcome"), None);
    }
    let response = entry.get("response");
    let answered = response
        .and_then(|r| r.get("status"))
        .and_then(Value::as_u64)
        .is_some_and(|s| s > 0);
    if let (Some(r), true) = (response, answered) {
        req.response = Some(CapturedResponse {
            status: status(r.get("status"))?,
            headers: named(r.get("headers"))?,
            body: match r.get("content") {
                Some(content) => har_content(content)?,
                None => Vec::new(),
            },
            latency_ms: entry.get("time").and_then(Value::as_f64).unwrap_or(0.0),
        });
    }
    Ok(req)
}

/// Longest detail kept from a file (a verdict's detail is one line).
const DETAIL_MAX: usize = 1000;

/// An `auth` object as exports write it: `scheme`, `verdict` (one of the
/// four words), `detail`, `judged`. Anything else carries no verdict; the
/// request is then judged at import. Text from a file is made one clean line.
fn verdict(auth: Option<&Value>) -> Option<(Judged, StoredAuth)> {
    let auth = auth?;
    let word = auth.get("verdict")?.as_str()?;
    crate::inspect::stored::parse_verdict(word)?;
    let judged = match auth.get("judged").and_then(Value::as_str) {
        // Exports from before `judged` existed: the verdict the export showed.
        None => Judged::AtArrival,
        Some(text) => match Judged::parse(text)? {
            Judged::OnRead => return None,
            kept => kept,
        },
    };
    let line = |key: &str| {
        let text = auth.get(key).and_then(Value::as_str).unwrap_or("");
        crate::text::sanitize(text)
            .chars()
            .take(DETAIL_MAX)
            .collect::<String>()
    };
    Some((
        judged,
        StoredAuth {
            scheme: line("scheme"),
            verdict: word.to_string(),
            detail: line("detail"),
            diagnosis: Vec::new(),
            presented: None,
            signed: false,
        },
    ))
}

/// The path and query of an absolute URL (`/` when it has no path).
fn target_of(url: &str) -> String {
    let Some((_, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => rest[i..].to_string(),
        Some(i) => format!("/{}", &rest[i..]),
        None => "/".to_string(),
    }
}

fn text<'v>(v: &'v Value, key: &str) -> Result<&'v str, String> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing `{key}` (a string)"))
}

fn status(v: Option<&Value>) -> Result<u16, String> {
    v.and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=999).contains(s))
        .ok_or_else(|| "a response without a valid `status`".to_string())
}

fn time(v: Option<&Value>) -> Result<DateTime<Utc>, String> {
    let Some(v) = v else {
        return Ok(Utc::now());
    };
    v.as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("not an RFC 3339 time: {v}"))
}

/// `[[name, value], ...]`.
fn pairs(v: Option<&Value>) -> Result<Vec<HeaderField>, String> {
    let Some(items) = v.and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|pair| match pair.as_array().map(Vec::as_slice) {
            Some([Value::String(n), Value::String(v)]) => Ok(header(n, v)),
            // A value that is not UTF-8: its exact bytes are the third element.
            Some([Value::String(n), Value::String(_), Value::String(exact)]) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(exact)
                    .map_err(|_| format!("a header value that is not base64: {pair}"))?;
                Ok(HeaderField::new(n.to_ascii_lowercase(), bytes))
            }
            _ => Err(format!(
                "a header that is not [name, value] or [name, value, value_base64]: {pair}"
            )),
        })
        .collect()
}

/// `[{"name", "value"}, ...]` (HAR).
fn named(v: Option<&Value>) -> Result<Vec<HeaderField>, String> {
    let Some(items) = v.and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    items
        .iter()
        .map(|h| match (h.get("name"), h.get("value")) {
            (Some(Value::String(n)), Some(Value::String(v))) => Ok(header(n, v)),
            _ => Err(format!("a header without name and value: {h}")),
        })
        .collect()
}

/// Stored names are lowercase, as the listener stores them.
fn header(name: &str, value: &str) -> HeaderField {
    HeaderField::new(name.to_ascii_lowercase(), value.as_bytes().to_vec())
}

fn body_of(v: &Value, text_key: &str, base64_key: &str) -> Result<Vec<u8>, String> {
    if let Some(text) = v.get(text_key).and_then(Value::as_str) {
        return Ok(text.as_bytes().to_vec());
    }
    match v.get(base64_key).and_then(Value::as_str) {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| format!("`{base64_key}` is not base64: {e}")),
        None => Ok(Vec::new()),
    }
}

/// HAR `postData` or `content`: `text`, base64 when `encoding` says so.
fn har_content(v: &Value) -> Result<Vec<u8>, String> {
    let text = v.get("text").and_then(Value::as_str).unwrap_or("");
    if v.get("encoding").and_then(Value::as_str) == Some("base64") {
        return base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| format!("a base64 body that does not decode: {e}"));
    }
    Ok(text.as_bytes().to_vec())
}

fn outcome(kind: Option<&Value>, detail: Option<&Value>) -> Outcome {
    let detail = detail.unwrap_or(&Value::Null);
    match kind.and_then(Value::as_str) {
        Some("too_large") => Outcome::TooLarge {
            declared: detail.get("declared").and_then(Value::as_u64),
            seen: detail.get("seen").and_then(Value::as_u64).unwrap_or(0),
        },
        Some("incomplete") => Outcome::Incomplete {
            reason: detail
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or("incomplete when exported")
                .to_string(),
        },
        Some("malformed") => Outcome::Malformed {
            detail: detail
                .get("detail")
                .and_then(Value::as_str)
                .unwrap_or("malformed when exported")
                .to_string(),
        },
        _ => Outcome::Complete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_targets() {
        assert_eq!(target_of("http://h:1/a/b?x=1"), "/a/b?x=1");
        assert_eq!(target_of("https://h"), "/");
        assert_eq!(target_of("http://h?x"), "/?x");
        assert_eq!(target_of("/already"), "/already");
    }

    #[test]
    fn bad_lines_are_named_and_skipped() {
        let text = concat!(
            r#"{"method":"POST","path":"/a","headers":[["x-a","1"]],"body":"hi"}"#,
            "\n\nnot json\n",
            r#"{"path":"/no-method"}"#,
            "\n",
            r#"{"method":"GET","path":"/b","body_base64":"%%%"}"#,
            "\n",
        );
        let (requests, problems) = parse(text);
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].body, b"hi");
        assert_eq!(requests[0].headers[0].name, "x-a");
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 4, 5]);
        assert!(problems[1].message.contains("`method`"), "{problems:?}");
    }

    #[test]
    fn a_har_from_another_tool_reads() {
        let har = r#"{"log":{"version":"1.2","entries":[
            {"startedDateTime":"2026-01-02T03:04:05.678Z","time":12.5,
             "request":{"method":"POST","url":"https://example.com/hook?a=1","httpVersion":"HTTP/2",
               "headers":[{"name":"Content-Type","value":"application/json"}],
               "postData":{"mimeType":"application/json","text":"{\"a\":1}"}},
             "response":{"status":202,"headers":[],"content":{"size":3,"text":"b2s=","encoding":"base64"}}},
            {"request":{"method":"GET"}}
        ]}}"#;
        let (requests, problems) = parse(har);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 2);
        let req = &requests[0];
        assert_eq!(req.target, "/hook?a=1");
        assert_eq!(req.headers[0].name, "content-type");
        assert_eq!(req.body, br#"{"a":1}"#);
        assert_eq!(
            req.received_at.to_rfc3339(),
            "2026-01-02T03:04:05.678+00:00"
        );
        let resp = req.response.as_ref().unwrap();
        assert_eq!(
            (resp.status, resp.body.as_slice(), resp.latency_ms),
            (202, &b"ok"[..], 12.5)
        );
    }
}
