use serde_json::Value;

use super::*;
use crate::inspect::{self, AuthConfig, Provider, Verdict};
use crate::pingara::send_test::{Auth, request};

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn value(payload: Payload) -> Value {
    serde_json::from_slice(&payload.to_bytes()).unwrap()
}

fn config(secret: &str) -> AuthConfig {
    AuthConfig {
        secret: Some(secret.into()),
        ..AuthConfig::default()
    }
}

/// Every generated event passes hookcatch's own inspector with zero problems,
/// authenticates with the matching secret and not with another.
#[test]
fn all_eight_round_trip_through_the_inspector() {
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..20 {
        for event in EVENTS {
            let payload = generate(event, now(), &mut rng).expect("known event");
            let body = payload.to_bytes();
            let value: Value = serde_json::from_slice(&body).unwrap();
            let auth = Auth::Secret {
                header: "X-Pingara-Secret".into(),
                value: "s3cret".into(),
            };
            let req = request("/pingara-webhook", body, &auth);
            let seen = inspect::inspect(&req, &config("s3cret"), now());
            let ev = seen.event.expect("recognised");
            assert_eq!(ev.provider, Provider::Pingara);
            assert_eq!(ev.kind, event);
            assert!(
                ev.problems.is_empty(),
                "{event}: {:?}\n{value:#}",
                ev.problems
            );
            assert_eq!(seen.auth.verdict, Verdict::Valid, "{event}");
            assert!(
                seen.duplicate_key.is_some(),
                "{event} has an idempotency key"
            );
            let other = inspect::inspect(&req, &config("another"), now());
            assert_eq!(other.auth.verdict, Verdict::Invalid);
        }
    }
}

#[test]
fn fresh_ids_and_current_timestamps() {
    let mut rng = fastrand::Rng::with_seed(1);
    let t = now();
    let a = value(generate("incident.created", t, &mut rng).unwrap());
    let b = value(generate("incident.created", t, &mut rng).unwrap());
    assert_ne!(a["incident"]["id"], b["incident"]["id"]);
    let id = a["incident"]["id"].as_str().unwrap();
    assert!(id.starts_with("inc_") && id.len() == 13, "{id}");
    assert!(a["monitor"]["id"].as_str().unwrap().starts_with("m_"));
    assert_eq!(a["timestamp"], ts(t));
    assert!(a["incident"]["resolvedAt"].is_null());
    assert!(generate("incident.exploded", t, &mut rng).is_none());
}

#[test]
fn guide_shapes_for_resolved_and_ssl() {
    let mut rng = fastrand::Rng::with_seed(3);
    let r = value(generate("incident.resolved", now(), &mut rng).unwrap());
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&r), ["event", "incident", "monitor", "timestamp"]);
    assert_eq!(
        keys(&r["incident"]),
        ["duration", "id", "resolvedAt", "startedAt", "status"]
    );
    assert_eq!(keys(&r["monitor"]), ["id", "name", "status", "url"]);
    let s = value(generate("ssl.expiring", now(), &mut rng).unwrap());
    assert_eq!(keys(&s), ["event", "monitor", "ssl", "timestamp"]);
    assert_eq!(keys(&s["ssl"]), ["daysUntilExpiry", "expiresAt", "issuer"]);
    let p = value(generate("monitor.paused", now(), &mut rng).unwrap());
    assert!(p.get("incident").is_none());
}

#[test]
fn follow_up_events_share_the_incident() {
    let mut rng = fastrand::Rng::with_seed(9);
    let subject = Subject::fresh(&mut rng, now());
    let created = value(generate_for("incident.created", &subject, now(), &mut rng).unwrap());
    let resolved = value(generate_for("incident.resolved", &subject, now(), &mut rng).unwrap());
    assert_eq!(created["incident"]["id"], resolved["incident"]["id"]);
    assert!(resolved["incident"]["duration"].as_i64().unwrap() >= 5);
}

#[test]
fn keys_come_in_the_guides_order() {
    let mut rng = fastrand::Rng::with_seed(5);
    let body = generate("incident.created", now(), &mut rng)
        .unwrap()
        .to_bytes();
    let text = String::from_utf8(body).unwrap();
    let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
    let order = ["event", "timestamp", "monitor", "incident", "organization"];
    assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{text}");
    let incident = [
        "startedAt",
        "resolvedAt",
        "errorType",
        "errorMessage",
        "affectedRegions",
        "metrics",
    ];
    assert!(incident.windows(2).all(|w| at(w[0]) < at(w[1])), "{text}");
    assert!(text.contains("\"resolvedAt\":null"));
}
