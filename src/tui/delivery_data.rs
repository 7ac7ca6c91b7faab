//! What the Deliveries tab shows, built by the loader off the UI thread and
//! sanitized here, once: every attempt as a line, the picked attempt's answer
//! (headers, and the body decoded and prepared for highlighting exactly like
//! a request body), and what changed between two answers.

use chrono::{DateTime, Utc};

use super::data::{TextDoc, ViewText, header_value, view_text};
use crate::replay::diff::{self, DiffLine, HeaderChange, response_view};
use crate::secrets::Masking;
use crate::store::Delivery;
use crate::text::{human_size, sanitize};

/// One replay or forward attempt, for the list of attempts.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryLine {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `replay`, `forward`, `ladder`, `edited`.
    pub kind: &'static str,
    /// Where it went (the full URL) as stored: unmasked and not sanitized.
    /// Shown only through [`DeliveryLine::shown_target`].
    target: String,
    pub status: Option<u16>,
    pub latency_ms: f64,
    /// The error kind (`refused`, `timeout`, `tls`, `other`) and message, sanitized.
    pub error: Option<(&'static str, String)>,
    /// A 2xx answer.
    pub success: bool,
    /// `200`, `refused`: the outcome in one word.
    pub label: String,
}

impl DeliveryLine {
    pub fn build(d: &Delivery) -> DeliveryLine {
        DeliveryLine {
            id: d.id,
            at: d.at,
            kind: d.kind.as_str(),
            target: d.target.clone(),
            status: d.status,
            latency_ms: d.latency_ms,
            error: d
                .error
                .as_ref()
                .map(|e| (e.kind.as_str(), sanitize(&e.message).into_owned())),
            success: d.is_success(),
            label: sanitize(&d.outcome_label()).into_owned(),
        }
    }
}

impl DeliveryLine {
    /// The target as `masking` shows it (query tokens and passwords masked
    /// until `v`), sanitized.
    pub fn shown_target(&self, masking: &Masking) -> String {
        sanitize(&masking.url(&self.target)).into_owned()
    }
}

/// One delivery's answer, prepared like a request body.
#[derive(Clone, Debug)]
pub struct ResponseDoc {
    pub delivery: i64,
    /// The method sent, sanitized.
    pub method: String,
    /// The path and query sent as stored: unmasked and not sanitized. Shown
    /// only through [`ResponseDoc::sent`].
    path: String,
    /// What an edited replay changed: "headers", "body (12 B)".
    pub edited: Vec<String>,
    /// In received order, sanitized (names lowercase as hyper gives them).
    pub headers: Vec<(String, String)>,
    /// "json", "text", "binary", "empty", ...
    pub kind: &'static str,
    pub content_type: Option<String>,
    /// Bytes received.
    pub size: usize,
    /// What decoding did, sanitized.
    pub notes: Vec<String>,
    pub invalid: Option<String>,
    pub body: TextDoc,
}

impl ResponseDoc {
    pub fn build(d: &Delivery) -> ResponseDoc {
        let view = response_view(&d.response_headers, &d.response_body);
        let shown = view_text(&view, false);
        let body = shown.doc();
        let ViewText { invalid, .. } = shown;
        let mut edited = Vec::new();
        if d.sent_headers.is_some() {
            edited.push("headers".to_string());
        }
        if let Some(body) = &d.sent_body {
            edited.push(format!("body ({})", human_size(body.len() as u64)));
        }
        ResponseDoc {
            delivery: d.id,
            method: sanitize(&d.method).into_owned(),
            path: d.path.clone(),
            edited,
            headers: d
                .response_headers
                .iter()
                .map(|h| (sanitize(&h.name).into_owned(), header_value(&h.value)))
                .collect(),
            kind: view.kind(),
            content_type: view
                .content_type
                .as_deref()
                .map(|c| sanitize(c).into_owned()),
            size: d.response_body.len(),
            notes: view
                .notes
                .iter()
                .map(|n| sanitize(n).into_owned())
                .collect(),
            invalid,
            body,
        }
    }
}

impl ResponseDoc {
    /// The request line actually sent (`PUT /changed?token=••••`): the path's
    /// query tokens as `masking` shows them, sanitized.
    pub fn sent(&self, masking: &Masking) -> String {
        format!("{} {}", self.method, sanitize(&masking.url(&self.path)))
    }
}

/// How a diff line relates the two answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Same,
    Removed,
    Added,
}

/// What changed from one delivery's answer to another's, sanitized.
#[derive(Clone, Debug, PartialEq)]
pub struct DiffDoc {
    pub before: i64,
    pub after: i64,
    /// `(before, after)` outcome labels when they differ: `500` -> `200`.
    pub status: Option<(String, String)>,
    /// `name: value` lines, removed then added for a changed header.
    pub headers: Vec<(Change, String)>,
    pub body: Vec<(Change, String)>,
    /// Only the start of long bodies was compared.
    pub body_cut: bool,
    /// Nothing changed (the `date` header aside).
    pub same: bool,
}

impl DiffDoc {
    pub fn build(before: &Delivery, after: &Delivery) -> DiffDoc {
        let d = diff::diff(before, after);
        let mut headers = Vec::new();
        for change in &d.headers {
            let line = |name: &str, value: &str| format!("{}: {}", sanitize(name), sanitize(value));
            match change {
                HeaderChange::Added { name, value } => {
                    headers.push((Change::Added, line(name, value)))
                }
                HeaderChange::Removed { name, value } => {
                    headers.push((Change::Removed, line(name, value)))
                }
                HeaderChange::Changed { name, old, new } => {
                    headers.push((Change::Removed, line(name, old)));
                    headers.push((Change::Added, line(name, new)));
                }
            }
        }
        let body = d
            .body
            .iter()
            .map(|l| match l {
                DiffLine::Same(t) => (Change::Same, sanitize(t).into_owned()),
                DiffLine::Removed(t) => (Change::Removed, sanitize(t).into_owned()),
                DiffLine::Added(t) => (Change::Added, sanitize(t).into_owned()),
            })
            .collect();
        DiffDoc {
            before: before.id,
            after: after.id,
            same: d.is_empty(),
            status: d
                .status
                .as_ref()
                .map(|(a, b)| (sanitize(a).into_owned(), sanitize(b).into_owned())),
            headers,
            body,
            body_cut: d.body_cut,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HeaderField;
    use crate::store::{DeliveryError, DeliveryErrorKind, DeliveryKind};

    fn delivery(id: i64, status: Option<u16>, body: &str) -> Delivery {
        Delivery {
            id,
            request_id: 1,
            at: DateTime::<Utc>::UNIX_EPOCH,
            kind: DeliveryKind::Edited,
            target: "http://127.0.0.1:1/a\x1b[2J".into(),
            method: "PUT".into(),
            path: "/a".into(),
            status,
            latency_ms: 1.0,
            error: status.is_none().then(|| DeliveryError {
                kind: DeliveryErrorKind::Refused,
                message: "refused\x1b]0;x\x07".into(),
            }),
            response_headers: vec![
                HeaderField::new("content-type", b"application/json".to_vec()),
                HeaderField::new("x-evil", b"\x1b[31mred".to_vec()),
            ],
            response_body: body.as_bytes().to_vec(),
            sent_headers: Some(Vec::new()),
            sent_body: Some(b"{}".to_vec()),
        }
    }

    #[test]
    fn lines_and_answers_are_sanitized_and_decoded() {
        let failed = delivery(1, None, "");
        let line = DeliveryLine::build(&failed);
        assert_eq!(line.label, "refused");
        for on in [true, false] {
            let shown = line.shown_target(&Masking::new("x-pingara-secret", on));
            assert!(!shown.contains('\x1b'), "{shown}");
        }
        assert!(!line.error.as_ref().unwrap().1.contains('\x1b'));
        let ok = delivery(2, Some(200), r#"{"ok":"\u001b[2J"}"#);
        let doc = ResponseDoc::build(&ok);
        assert_eq!(doc.kind, "json");
        assert_eq!(doc.sent(&Masking::new("x-pingara-secret", true)), "PUT /a");
        assert_eq!(doc.edited, ["headers", "body (2 B)"]);
        assert_eq!(doc.headers[1].1, "\\x1b[31mred");
        assert!(doc.body.syntax.is_some(), "JSON answers are highlighted");
        assert!(doc.body.lines.iter().all(|l| !l.contains('\x1b')));
    }

    #[test]
    fn diff_shows_status_headers_and_body() {
        let before = delivery(1, Some(500), r#"{"error":"boom"}"#);
        let mut after = delivery(2, Some(200), r#"{"ok":true}"#);
        after.response_headers[1].value = b"blue".to_vec();
        let doc = DiffDoc::build(&before, &after);
        assert_eq!(doc.status, Some(("500".into(), "200".into())));
        assert_eq!(
            doc.headers,
            [
                (Change::Removed, "x-evil: \\x1b[31mred".to_string()),
                (Change::Added, "x-evil: blue".to_string()),
            ]
        );
        assert!(doc.body.contains(&(Change::Added, "  \"ok\": true".into())));
        assert!(!doc.same);
    }
}
