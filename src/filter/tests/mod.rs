//! Fixtures shared by the filter tests: realistic requests and a fixed clock.
//! `parse.rs` covers syntax and errors, `matching.rs` what filters keep.

mod matching;
mod parse;

use chrono::{DateTime, TimeDelta, Utc};

use super::eval::Expr;
use super::*;
use crate::model::{CapturedResponse, HeaderField};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn answered(status: u16) -> CapturedResponse {
    CapturedResponse {
        status,
        headers: vec![],
        body: vec![],
        latency_ms: 1.5,
    }
}

/// A Pingara incident, 5 minutes old, answered 200, signed correctly.
fn pingara() -> CapturedRequest {
    let body =
        br#"{"type":"incident.created","incident":{"monitor":"api","error":"Timeout after 30s"}}"#;
    let mut r = CapturedRequest::new(
        "POST",
        "/pingara-webhook",
        vec![
            HeaderField::new("content-type", "application/json; charset=utf-8"),
            HeaderField::new("x-pingara-secret", "s3cret"),
            HeaderField::new("x-pingara-event", "incident.created"),
        ],
        body.to_vec(),
    );
    r.id = 42;
    r.received_at = now() - TimeDelta::minutes(5);
    r.response = Some(answered(200));
    r
}

/// A health-check GET with a query, 3 hours old, answered 404.
fn get_with_query() -> CapturedRequest {
    let mut r = CapturedRequest::new(
        "GET",
        "/status?foo=bar&verbose=1",
        vec![HeaderField::new("accept", "*/*")],
        vec![],
    );
    r.id = 7;
    r.received_at = now() - TimeDelta::hours(3);
    r.response = Some(answered(404));
    r
}

/// A GitHub push, 2 days old, not answered (yet), a redelivery.
fn github_push() -> CapturedRequest {
    let mut r = CapturedRequest::new(
        "POST",
        "/hooks/github",
        vec![
            HeaderField::new("content-type", "application/json"),
            HeaderField::new("x-github-event", "push"),
            HeaderField::new("x-hub-signature-256", "sha256=00"),
        ],
        br#"{"ref":"refs/heads/main","commits":[{"message":"Fix timeout"}]}"#.to_vec(),
    );
    r.id = 15;
    r.received_at = now() - TimeDelta::days(2);
    r
}

/// A GitHub pull request opened, 2 hours old (10:00 UTC), answered 502.
fn github_pr() -> CapturedRequest {
    let mut r = CapturedRequest::new(
        "POST",
        "/hooks/github",
        vec![HeaderField::new("x-github-event", "pull_request")],
        br#"{"action":"opened","number":3}"#.to_vec(),
    );
    r.id = 20;
    r.received_at = now() - TimeDelta::hours(2);
    r.response = Some(answered(502));
    r
}

fn subject(req: &CapturedRequest) -> Subject<'_> {
    let mut s = Subject::new(req, now());
    match req.id {
        42 => {
            s.provider = Some("pingara");
            s.event_type = Some("incident.created");
            s.auth = Some("valid");
        }
        15 => {
            s.provider = Some("github");
            s.event_type = Some("push");
            s.auth = Some("invalid");
            s.duplicate = true;
        }
        20 => {
            s.provider = Some("github");
            s.event_type = Some("pull_request");
            s.event_action = Some("opened");
            s.auth = Some("missing");
        }
        _ => {}
    }
    s
}

/// Ids of the fixtures the filter keeps, in id order.
fn hits(expr: &str) -> Vec<i64> {
    let filter = parse(expr).unwrap_or_else(|e| panic!("{expr:?}: {e}"));
    let mut ids: Vec<i64> = [pingara(), get_with_query(), github_push(), github_pr()]
        .iter()
        .filter(|r| filter.matches(&subject(r)))
        .map(|r| r.id)
        .collect();
    ids.sort_unstable();
    ids
}

fn root(expr: &str) -> Expr {
    parse(expr).unwrap().root.unwrap()
}

fn err(expr: &str) -> (String, usize) {
    let e = parse(expr).expect_err(expr);
    (e.to_string(), e.position)
}
