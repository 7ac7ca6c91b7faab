//! What changed between two deliveries' answers: the status, the headers
//! (added, removed, changed) and a line diff of the decoded bodies, so "it
//! failed, I fixed my handler, it passes" shows at a glance. Pure.
//!
//! The body diff is `similar`'s Myers diff over lines (common head and tail
//! cut first), with a deadline: past it, the rest of a very different pair of
//! bodies is shown as removed then added rather than spending more time on
//! it. Strings are as decoded: sanitize them before display
//! (`text::sanitize`).

use std::time::Duration;

use similar::{Algorithm, ChangeTag, TextDiff};

use crate::inspect::body::{BodyView, decode_bytes};
use crate::model::HeaderField;
use crate::store::Delivery;

/// How long the line diff may search for the smallest edit before settling
/// for a coarser one (it runs on the UI's data path).
const DIFF_DEADLINE: Duration = Duration::from_millis(200);
/// Body lines considered at most; beyond, the diff says it was cut.
pub const MAX_BODY_LINES: usize = 20_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderChange {
    Added {
        name: String,
        value: String,
    },
    Removed {
        name: String,
        value: String,
    },
    Changed {
        name: String,
        old: String,
        new: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Removed(String),
    Added(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseDiff {
    /// `(before, after)` when the status (or the error) changed: `500` -> `200`.
    pub status: Option<(String, String)>,
    pub headers: Vec<HeaderChange>,
    pub body: Vec<DiffLine>,
    /// The bodies were longer than [`MAX_BODY_LINES`] and only the start was compared.
    pub body_cut: bool,
}

impl ResponseDiff {
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.headers.is_empty()
            && self.body.iter().all(|l| matches!(l, DiffLine::Same(_)))
    }
}

/// Decode an answer's body for display (Content-Type, Content-Encoding).
pub fn response_view(headers: &[HeaderField], body: &[u8]) -> BodyView {
    let first = |name: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value_str().into_owned())
    };
    decode_bytes(
        first("content-type").as_deref(),
        first("content-encoding").as_deref(),
        body,
    )
}

/// Compare `before`'s answer with `after`'s.
pub fn diff(before: &Delivery, after: &Delivery) -> ResponseDiff {
    let (a, b) = (before.outcome_label(), after.outcome_label());
    let old_body = response_view(&before.response_headers, &before.response_body).to_text();
    let new_body = response_view(&after.response_headers, &after.response_body).to_text();
    let (body, body_cut) = diff_lines(&old_body, &new_body);
    ResponseDiff {
        status: (a != b).then_some((a, b)),
        headers: diff_headers(&before.response_headers, &after.response_headers),
        body,
        body_cut,
    }
}

/// Header changes by name (case-insensitive; repeated headers joined with ", ").
/// Headers that differ on every answer anyway (`date`) are ignored.
pub fn diff_headers(before: &[HeaderField], after: &[HeaderField]) -> Vec<HeaderChange> {
    fn grouped(headers: &[HeaderField]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for h in headers {
            let name = h.name.to_ascii_lowercase();
            if name == "date" {
                continue;
            }
            let value = h.value_str().into_owned();
            match out.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) => {
                    v.push_str(", ");
                    v.push_str(&value);
                }
                None => out.push((name, value)),
            }
        }
        out
    }
    let (old, new) = (grouped(before), grouped(after));
    let mut changes = Vec::new();
    for (name, value) in &old {
        match new.iter().find(|(n, _)| n == name) {
            None => changes.push(HeaderChange::Removed {
                name: name.clone(),
                value: value.clone(),
            }),
            Some((_, v)) if v != value => changes.push(HeaderChange::Changed {
                name: name.clone(),
                old: value.clone(),
                new: v.clone(),
            }),
            Some(_) => {}
        }
    }
    for (name, value) in &new {
        if !old.iter().any(|(n, _)| n == name) {
            changes.push(HeaderChange::Added {
                name: name.clone(),
                value: value.clone(),
            });
        }
    }
    changes
}

/// A line diff, bounded in time and size.
pub fn diff_lines(old: &str, new: &str) -> (Vec<DiffLine>, bool) {
    let a: Vec<&str> = old.lines().take(MAX_BODY_LINES).collect();
    let b: Vec<&str> = new.lines().take(MAX_BODY_LINES).collect();
    let cut =
        old.lines().nth(MAX_BODY_LINES).is_some() || new.lines().nth(MAX_BODY_LINES).is_some();
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .timeout(DIFF_DEADLINE)
        .diff_slices(&a, &b);
    let out = diff
        .iter_all_changes()
        .map(|change| {
            let line = (*change.value()).to_string();
            match change.tag() {
                ChangeTag::Equal => DiffLine::Same(line),
                ChangeTag::Delete => DiffLine::Removed(line),
                ChangeTag::Insert => DiffLine::Added(line),
            }
        })
        .collect();
    (out, cut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{DeliveryError, DeliveryErrorKind, DeliveryKind};

    fn delivery(status: Option<u16>, headers: &[(&str, &str)], body: &str) -> Delivery {
        Delivery {
            id: 0,
            request_id: 1,
            at: chrono::Utc::now(),
            kind: DeliveryKind::Replay,
            target: "http://h/".into(),
            method: "POST".into(),
            path: "/".into(),
            status,
            latency_ms: 1.0,
            error: status.is_none().then(|| DeliveryError {
                kind: DeliveryErrorKind::Refused,
                message: "refused".into(),
            }),
            response_headers: headers
                .iter()
                .map(|(n, v)| HeaderField::new(*n, v.as_bytes()))
                .collect(),
            response_body: body.as_bytes().to_vec(),
            sent_headers: None,
            sent_body: None,
        }
    }

    #[test]
    fn status_headers_and_json_body() {
        let before = delivery(
            Some(500),
            &[
                ("content-type", "application/json"),
                ("x-old", "1"),
                ("date", "a"),
            ],
            r#"{"error":"boom","n":1}"#,
        );
        let after = delivery(
            Some(200),
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("x-new", "2"),
                ("date", "b"),
            ],
            r#"{"ok":true,"n":1}"#,
        );
        let d = diff(&before, &after);
        assert_eq!(d.status, Some(("500".into(), "200".into())));
        assert_eq!(d.headers.len(), 3);
        assert!(
            matches!(&d.headers[0], HeaderChange::Changed { name, .. } if name == "content-type")
        );
        assert!(matches!(&d.headers[1], HeaderChange::Removed { name, .. } if name == "x-old"));
        assert!(matches!(&d.headers[2], HeaderChange::Added { name, .. } if name == "x-new"));
        assert!(
            d.body
                .contains(&DiffLine::Removed("  \"error\": \"boom\",".into()))
        );
        assert!(d.body.contains(&DiffLine::Added("  \"ok\": true,".into())));
        assert!(d.body.contains(&DiffLine::Same("  \"n\": 1".into())));
        assert!(!d.is_empty());
    }

    #[test]
    fn error_to_answer_and_identical() {
        let refused = delivery(None, &[], "");
        let ok = delivery(Some(200), &[], "fine");
        assert_eq!(
            diff(&refused, &ok).status,
            Some(("refused".into(), "200".into()))
        );
        assert!(diff(&ok, &ok).is_empty());
    }

    #[test]
    fn line_diff_is_minimal_and_bounded() {
        let (lines, cut) = diff_lines("a\nb\nc\nd", "a\nc\nd\ne");
        assert!(!cut);
        assert_eq!(
            lines,
            [
                DiffLine::Same("a".into()),
                DiffLine::Removed("b".into()),
                DiffLine::Same("c".into()),
                DiffLine::Same("d".into()),
                DiffLine::Added("e".into()),
            ]
        );
        let big_a: String = (0..3000).map(|i| format!("x{i}\n")).collect();
        let big_b: String = (0..3000).map(|i| format!("y{i}\n")).collect();
        let (lines, _) = diff_lines(&big_a, &big_b);
        assert_eq!(lines.len(), 6000);
    }
}
