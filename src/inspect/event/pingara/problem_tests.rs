//! Each kind of deviation from the Pingara guide becomes exactly one problem,
//! and broken or hostile bodies become problems, never panics.

use serde_json::{Value, json};

use super::tests::{
    GUIDE_RESOLVED, GUIDE_SSL, GUIDE_STANDARD, degraded, mutate, paused, recovered, updated,
};
use crate::inspect::event::tests::req;
use crate::inspect::event::{Provider, decode};

#[test]
fn each_deviation_is_one_problem() {
    let cases: Vec<(&str, &str, Option<Value>, &str)> = vec![
        (
            GUIDE_STANDARD,
            "incident.id",
            None,
            "missing field `incident.id`",
        ),
        (
            GUIDE_STANDARD,
            "monitor.name",
            Some(json!(42)),
            "wrong type `monitor.name`: expected string, got number",
        ),
        (
            GUIDE_STANDARD,
            "monitor",
            Some(json!("API")),
            "wrong type `monitor`: expected object, got string",
        ),
        (
            GUIDE_STANDARD,
            "incident.id",
            Some(Value::Null),
            "null field `incident.id`: expected string",
        ),
        (
            GUIDE_STANDARD,
            "incident",
            Some(Value::Null),
            "null field `incident`: expected object",
        ),
        (
            GUIDE_STANDARD,
            "timestamp",
            Some(json!("15/01/2024 14:32")),
            "invalid timestamp `timestamp`: \"15/01/2024 14:32\" is not RFC 3339 (like 2024-01-15T14:32:05.000Z)",
        ),
        (
            GUIDE_STANDARD,
            "timestamp",
            Some(json!(1705329125)),
            "wrong type `timestamp`: expected RFC 3339 timestamp string, got number",
        ),
        (
            GUIDE_STANDARD,
            "incident.startedAt",
            Some(json!("2024-01-15T25:00:00Z")),
            "invalid timestamp `incident.startedAt`: \"2024-01-15T25:00:00Z\" is not RFC 3339 (like 2024-01-15T14:32:05.000Z)",
        ),
        (
            GUIDE_STANDARD,
            "incident.resolvedAt",
            Some(json!("2024-01-15T14:44:00.000Z")),
            "`incident.resolvedAt` is set on incident.created: the guide sends null until the incident resolves",
        ),
        (
            GUIDE_STANDARD,
            "incident.metrics.statusCode",
            Some(json!("503")),
            "wrong type `incident.metrics.statusCode`: expected number, got string",
        ),
        (
            GUIDE_STANDARD,
            "incident.metrics.ttfb",
            Some(Value::Null),
            "null field `incident.metrics.ttfb`: expected number",
        ),
        (
            GUIDE_STANDARD,
            "incident.affectedRegions",
            Some(json!(["us-east-1", 2])),
            "wrong type `incident.affectedRegions[1]`: expected string, got number",
        ),
        (
            GUIDE_STANDARD,
            "organization.name",
            Some(json!(false)),
            "wrong type `organization.name`: expected string, got boolean",
        ),
        (
            GUIDE_STANDARD,
            "monitor.region",
            Some(Value::Null),
            "null field `monitor.region`: expected string",
        ),
        (
            GUIDE_STANDARD,
            "event",
            Some(json!("incident.exploded")),
            "unknown event type \"incident.exploded\": Pingara sends incident.created, incident.resolved, incident.updated, monitor.degraded, monitor.recovered, ssl.expiring, monitor.paused, monitor.resumed",
        ),
        (
            GUIDE_RESOLVED,
            "incident.resolvedAt",
            Some(Value::Null),
            "null field `incident.resolvedAt`: expected RFC 3339 timestamp string",
        ),
        (
            GUIDE_RESOLVED,
            "incident.duration",
            None,
            "missing field `incident.duration`",
        ),
        (
            GUIDE_RESOLVED,
            "incident.duration",
            Some(json!("720")),
            "wrong type `incident.duration`: expected number, got string",
        ),
        (
            GUIDE_RESOLVED,
            "incident.resolvedAt",
            Some(json!("2024-01-15T14:00:00.000Z")),
            "`incident.resolvedAt` is before `incident.startedAt`",
        ),
        (
            GUIDE_RESOLVED,
            "monitor.url",
            None,
            "missing field `monitor.url`",
        ),
        (GUIDE_SSL, "ssl", None, "missing field `ssl`"),
        (
            GUIDE_SSL,
            "ssl.daysUntilExpiry",
            Some(json!("14")),
            "wrong type `ssl.daysUntilExpiry`: expected number, got string",
        ),
        (
            GUIDE_SSL,
            "ssl.expiresAt",
            Some(json!("next month")),
            "invalid timestamp `ssl.expiresAt`: \"next month\" is not RFC 3339 (like 2024-01-15T14:32:05.000Z)",
        ),
        (
            GUIDE_SSL,
            "ssl.issuer",
            Some(Value::Null),
            "null field `ssl.issuer`: expected string",
        ),
    ];
    for (body, path, value, want) in cases {
        let ev = decode(&req(&[], &mutate(body, path, value.clone()))).expect("still Pingara");
        assert_eq!(ev.provider, Provider::Pingara, "{path} = {value:?}");
        assert_eq!(ev.problems, [want], "{path} = {value:?}");
    }
}

#[test]
fn event_specific_requirements() {
    let updated_without_status = mutate(&updated().to_string(), "incident.status", None);
    assert_eq!(
        decode(&req(&[], &updated_without_status)).unwrap().problems,
        ["missing field `incident.status`"]
    );
    let updated_bad_notes = mutate(&updated().to_string(), "incident.notes", Some(json!(7)));
    assert_eq!(
        decode(&req(&[], &updated_bad_notes)).unwrap().problems,
        ["wrong type `incident.notes`: expected string or array, got number"]
    );
    let paused_with_incident = mutate(
        &paused("monitor.paused", "2024-01-15T10:00:00Z").to_string(),
        "incident",
        Some(json!({"id": "inc_1"})),
    );
    assert_eq!(
        decode(&req(&[], &paused_with_incident)).unwrap().problems,
        ["unexpected field `incident` on monitor.paused: the guide sends no incident data"]
    );
    let recovered_bad = mutate(
        &recovered().to_string(),
        "incident.metrics.current.ttfb",
        Some(json!("fast")),
    );
    assert_eq!(
        decode(&req(&[], &recovered_bad)).unwrap().problems,
        ["wrong type `incident.metrics.current.ttfb`: expected number, got string"]
    );
    let degraded_no_incident = mutate(&degraded().to_string(), "incident", None);
    assert_eq!(
        decode(&req(&[], &degraded_no_incident)).unwrap().problems,
        Vec::<String>::new()
    );
}

#[test]
fn several_problems_are_all_listed() {
    let body = json!({"event": "incident.created", "timestamp": "soon", "monitor": {"id": 1}, "incident": {}});
    let ev = decode(&req(&[], &body.to_string())).unwrap();
    assert_eq!(
        ev.problems,
        [
            "invalid timestamp `timestamp`: \"soon\" is not RFC 3339 (like 2024-01-15T14:32:05.000Z)",
            "wrong type `monitor.id`: expected string, got number",
            "missing field `monitor.name`",
            "missing field `monitor.url`",
            "missing field `incident.id`",
            "missing field `incident.status`",
            "missing field `incident.startedAt`",
        ]
    );
    assert_eq!(ev.summary, "incident.created · 1 down");
}

#[test]
fn broken_bodies_with_the_secret_header_are_problems_not_crashes() {
    let secret = [("x-pingara-secret", "s3cret")];
    let ev = decode(&req(&secret, &GUIDE_STANDARD[..200])).unwrap();
    assert_eq!(ev.provider, Provider::Pingara);
    assert_eq!(ev.kind, "unknown");
    assert_eq!(ev.problems.len(), 1);
    assert!(
        ev.problems[0].starts_with("invalid JSON: EOF while parsing"),
        "{:?}",
        ev.problems
    );
    assert!(
        ev.problems[0].contains(" line ") && ev.problems[0].contains(" column "),
        "{:?}",
        ev.problems
    );

    let ev = decode(&req(&secret, "")).unwrap();
    assert_eq!(ev.problems, ["empty body: expected a JSON document"]);
    let ev = decode(&req(&secret, "[1,2]")).unwrap();
    assert_eq!(ev.problems, ["expected a JSON object, got array"]);
    let ev = decode(&req(&secret, r#"{"event": 5, "timestamp": "2024-01-15T00:00:00Z", "monitor": {"id": "m", "name": "n", "url": "u"}}"#)).unwrap();
    assert_eq!(
        ev.problems,
        ["wrong type `event`: expected string, got number"]
    );
    assert_eq!(ev.kind, "unknown");
}

#[test]
fn unknown_event_type_stays_pingara() {
    let body = mutate(GUIDE_SSL, "event", Some(json!("ssl.renewed")));
    let ev = decode(&req(&[], &body)).unwrap();
    assert_eq!(ev.provider, Provider::Pingara);
    assert_eq!(ev.kind, "ssl.renewed");
    assert_eq!(ev.problems.len(), 1);
    assert!(ev.problems[0].starts_with("unknown event type \"ssl.renewed\""));
    assert_eq!(ev.summary, "ssl.renewed · API Production");
}

#[test]
fn hostile_strings_are_clipped_and_escaped() {
    let name = format!("\u{1b}]0;pwned\u{7}{}", "A".repeat(10_000));
    let body = mutate(GUIDE_STANDARD, "monitor.name", Some(json!(name)));
    let ev = decode(&req(&[], &body)).unwrap();
    assert!(ev.summary.chars().count() <= 201, "{}", ev.summary.len());
    assert!(!ev.summary.contains('\u{1b}'));
    assert!(ev.summary.contains("\\x1b]0;pwned\\x07"));
    assert!(
        ev.fields
            .iter()
            .all(|(_, v)| v.chars().count() <= 121 && !v.contains('\u{1b}'))
    );
    let kind = mutate(GUIDE_STANDARD, "event", Some(json!("e".repeat(5000))));
    assert!(decode(&req(&[], &kind)).unwrap().kind.chars().count() <= 81);
}
