//! What changed between two deliveries' answers: the status, the headers
//! (added, removed, changed) and a line diff of the decoded bodies, so "it
//! failed, I fixed my handler, it passes" shows at a glance. Pure.
//!
//! The body diff is an LCS over lines after the common head and tail are cut;
//! a middle larger than [`MAX_LCS_LINES`] a side is shown as all removed then
//! all added rather than spending quadratic time on it. Strings are as
//! decoded: sanitize them before display (`text::sanitize`).

use crate::inspect::body::{BodyView, decode_bytes};
use crate::model::HeaderField;
use crate::store::Delivery;

/// Lines a side the LCS handles (1000 x 1000 cells at most).
pub const MAX_LCS_LINES: usize = 1000;
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
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut out: Vec<DiffLine> = a[..head]
        .iter()
        .map(|l| DiffLine::Same((*l).into()))
        .collect();
    if mid_a.len() <= MAX_LCS_LINES && mid_b.len() <= MAX_LCS_LINES {
        lcs(mid_a, mid_b, &mut out);
    } else {
        out.extend(mid_a.iter().map(|l| DiffLine::Removed((*l).into())));
        out.extend(mid_b.iter().map(|l| DiffLine::Added((*l).into())));
    }
    out.extend(
        a[a.len() - tail..]
            .iter()
            .map(|l| DiffLine::Same((*l).into())),
    );
    (out, cut)
}

fn lcs(a: &[&str], b: &[&str], out: &mut Vec<DiffLine>) {
    let (n, m) = (a.len(), b.len());
    // table[i][j]: LCS length of a[i..] and b[j..].
    let mut table = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[at(i, j)] = if a[i] == b[j] {
                table[at(i + 1, j + 1)] + 1
            } else {
                table[at(i + 1, j)].max(table[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(DiffLine::Same(a[i].into()));
            i += 1;
            j += 1;
        } else if table[at(i + 1, j)] >= table[at(i, j + 1)] {
            out.push(DiffLine::Removed(a[i].into()));
            i += 1;
        } else {
            out.push(DiffLine::Added(b[j].into()));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| DiffLine::Removed((*l).into())));
    out.extend(b[j..].iter().map(|l| DiffLine::Added((*l).into())));
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
