//! Pingara against its guide: the guide's own payloads decode with zero
//! problems, realistic payloads for the other five types too, and keys follow
//! the guide's dedupe rule. The fixtures here are shared with `problem_tests`.

use serde_json::{Value, json};

use crate::inspect::event::tests::{json_req, req};
use crate::inspect::event::{Provider, decode, idempotency_key};

/// The guide's "Standard Payload Structure", verbatim (shared with the
/// end-to-end tests).
pub(super) const GUIDE_STANDARD: &str =
    include_str!("../../../../tests/fixtures/pingara/guide-incident-created.json");

/// The guide's incident.resolved example, verbatim.
pub(super) const GUIDE_RESOLVED: &str = r#"{
  "event": "incident.resolved",
  "timestamp": "2024-01-15T14:44:00.000Z",
  "monitor": {
    "id": "m_abc123def456",
    "name": "API Production",
    "url": "https://api.example.com/health",
    "status": "up"
  },
  "incident": {
    "id": "inc_789ghi012",
    "status": "resolved",
    "startedAt": "2024-01-15T14:32:00.000Z",
    "resolvedAt": "2024-01-15T14:44:00.000Z",
    "duration": 720
  }
}"#;

/// The guide's ssl.expiring example, verbatim.
pub(super) const GUIDE_SSL: &str = r#"{
  "event": "ssl.expiring",
  "timestamp": "2024-01-15T00:00:00.000Z",
  "monitor": {
    "id": "m_abc123def456",
    "name": "API Production",
    "url": "https://api.example.com"
  },
  "ssl": {
    "daysUntilExpiry": 14,
    "expiresAt": "2024-01-29T23:59:59.000Z",
    "issuer": "Let's Encrypt Authority X3"
  }
}"#;

pub(super) fn monitor() -> Value {
    json!({"id": "m_abc123def456", "name": "API Production", "url": "https://api.example.com/health", "status": "up"})
}

/// Built from the guide's table: updated status and notes.
pub(super) fn updated() -> Value {
    json!({
        "event": "incident.updated",
        "timestamp": "2024-01-15T14:38:12.000Z",
        "monitor": monitor(),
        "incident": {
            "id": "inc_789ghi012",
            "status": "identified",
            "startedAt": "2024-01-15T14:32:00.000Z",
            "resolvedAt": null,
            "notes": "Upstream DNS provider outage, failing over"
        },
        "organization": {"id": "org_xyz789", "name": "Acme Corp"}
    })
}

/// Performance metrics only.
pub(super) fn degraded() -> Value {
    json!({
        "event": "monitor.degraded",
        "timestamp": "2024-01-15T09:10:00.000Z",
        "monitor": {"id": "m_abc123def456", "name": "API Production", "url": "https://api.example.com/health", "status": "degraded", "region": "eu-west-1"},
        "incident": {"metrics": {"dnsLookupTime": 12, "tcpConnectTime": 40, "tlsHandshakeTime": 85, "ttfb": 1200, "totalDuration": 3400, "statusCode": 200, "responseSize": 5120}}
    })
}

/// Previous and current metrics.
pub(super) fn recovered() -> Value {
    json!({
        "event": "monitor.recovered",
        "timestamp": "2024-01-15T09:40:00.000Z",
        "monitor": monitor(),
        "incident": {"metrics": {
            "previous": {"ttfb": 1200, "totalDuration": 3400, "statusCode": 200},
            "current": {"ttfb": 90, "totalDuration": 210, "statusCode": 200}
        }}
    })
}

pub(super) fn paused(event: &str, ts: &str) -> Value {
    json!({"event": event, "timestamp": ts, "monitor": monitor(), "organization": {"id": "org_xyz789", "name": "Acme Corp"}})
}

pub(super) fn all_eight() -> Vec<(String, &'static str)> {
    vec![
        (
            GUIDE_STANDARD.to_string(),
            "incident.created · API Production down · timeout in us-east-1, eu-west-1",
        ),
        (
            GUIDE_RESOLVED.to_string(),
            "incident.resolved · API Production up · after 12m 0s",
        ),
        (
            updated().to_string(),
            "incident.updated · API Production · status identified · Upstream DNS provider outage, failing over",
        ),
        (
            degraded().to_string(),
            "monitor.degraded · API Production · total 3400 ms, ttfb 1200 ms",
        ),
        (
            recovered().to_string(),
            "monitor.recovered · API Production · total 210 ms, ttfb 90 ms",
        ),
        (
            GUIDE_SSL.to_string(),
            "ssl.expiring · API Production · 14 days left (Let's Encrypt Authority X3)",
        ),
        (
            paused("monitor.paused", "2024-01-15T10:00:00.000Z").to_string(),
            "monitor.paused · API Production",
        ),
        (
            paused("monitor.resumed", "2024-01-15T11:00:00.000Z").to_string(),
            "monitor.resumed · API Production",
        ),
    ]
}

/// Apply `value` at a dotted path (`None` removes the field).
pub(super) fn mutate(body: &str, path: &str, value: Option<Value>) -> String {
    let mut root: Value = serde_json::from_str(body).unwrap();
    let (parent, key) = path.rsplit_once('.').map_or(("", path), |(p, k)| (p, k));
    let target = if parent.is_empty() {
        &mut root
    } else {
        root.pointer_mut(&format!("/{}", parent.replace('.', "/")))
            .unwrap()
    };
    let obj = target.as_object_mut().unwrap();
    match value {
        Some(v) => obj.insert(key.into(), v),
        None => obj.remove(key),
    };
    root.to_string()
}

#[test]
fn all_eight_events_decode_without_problems() {
    for (body, summary) in all_eight() {
        for headers in [&[][..], &[("x-pingara-secret", "s3cret")][..]] {
            let ev = decode(&req(headers, &body)).expect("recognised");
            assert_eq!(ev.provider, Provider::Pingara, "{summary}");
            assert_eq!(ev.problems, Vec::<String>::new(), "{summary}");
            assert_eq!(ev.summary, summary);
            assert_eq!(Some(ev.kind.as_str()), summary.split(" · ").next());
            assert_eq!(ev.action, None);
        }
    }
}

#[test]
fn fields_carry_the_decoded_values() {
    let ev = decode(&req(&[], GUIDE_STANDARD)).unwrap();
    let get = |k: &str| {
        ev.fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("monitor.name"), Some("API Production"));
    assert_eq!(get("incident.id"), Some("inc_789ghi012"));
    assert_eq!(
        get("incident.affectedRegions"),
        Some("us-east-1, eu-west-1")
    );
    assert_eq!(get("incident.resolvedAt"), Some("null"));
    assert_eq!(get("organization.name"), Some("Acme Corp"));
    let ssl = decode(&req(&[], GUIDE_SSL)).unwrap();
    assert!(
        ssl.fields
            .contains(&("ssl.daysUntilExpiry".into(), "14".into()))
    );
}
#[test]
fn keys_follow_the_guide() {
    let created = idempotency_key(&req(&[], GUIDE_STANDARD));
    assert_eq!(
        created.as_deref(),
        Some("pingara:inc_789ghi012:incident.created")
    );
    // A retry is the same payload again, maybe with different auth or formatting.
    let retry = json_req(
        &[("x-pingara-secret", "other")],
        &serde_json::from_str(GUIDE_STANDARD).unwrap(),
    );
    assert_eq!(idempotency_key(&retry), created);
    let resolved = idempotency_key(&req(&[], GUIDE_RESOLVED));
    assert_eq!(
        resolved.as_deref(),
        Some("pingara:inc_789ghi012:incident.resolved")
    );

    let ssl = idempotency_key(&req(&[], GUIDE_SSL));
    assert_eq!(
        ssl.as_deref(),
        Some("pingara:m_abc123def456:ssl.expiring:2024-01-15T00:00:00.000Z")
    );
    let pause = |ts| idempotency_key(&json_req(&[], &paused("monitor.paused", ts)));
    assert_eq!(pause("2024-01-15T10:00:00Z"), pause("2024-01-15T10:00:00Z"));
    assert_ne!(pause("2024-01-15T10:00:00Z"), pause("2024-01-16T10:00:00Z"));
    let resume = idempotency_key(&json_req(
        &[],
        &paused("monitor.resumed", "2024-01-15T10:00:00Z"),
    ));
    assert_ne!(pause("2024-01-15T10:00:00Z"), resume);

    // Two updates of one incident are two events.
    let update = |ts: &str| {
        idempotency_key(&json_req(
            &[],
            &serde_json::from_str(&mutate(
                &updated().to_string(),
                "timestamp",
                Some(json!(ts)),
            ))
            .unwrap(),
        ))
    };
    assert_eq!(
        update("2024-01-15T14:38:12.000Z").as_deref(),
        Some("pingara:inc_789ghi012:incident.updated:2024-01-15T14:38:12.000Z")
    );
    assert_ne!(
        update("2024-01-15T14:38:12.000Z"),
        update("2024-01-15T14:40:00.000Z")
    );

    let keys: std::collections::HashSet<_> = all_eight()
        .iter()
        .map(|(b, _)| idempotency_key(&req(&[], b)))
        .collect();
    assert_eq!(keys.len(), 8);
    assert!(keys.iter().all(Option::is_some));
    // Nothing stable to key on.
    assert_eq!(
        idempotency_key(&req(
            &[("x-pingara-secret", "s")],
            r#"{"event":"monitor.paused"}"#
        )),
        None
    );
}
