//! Property tests: `decode`, `idempotency_key` and `slow_answer` never panic
//! on arbitrary headers, bodies and latencies, and what they return keeps its
//! promises (one clipped, sanitized line; keys prefixed with the provider).

use proptest::prelude::*;
use serde_json::json;

use super::tests::form;
use super::{decode, decode_and_key, idempotency_key, slow_answer};
use crate::model::{CapturedRequest, CapturedResponse, HeaderField};

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("x-pingara-secret".to_string()),
        Just("x-github-event".to_string()),
        Just("x-github-delivery".to_string()),
        Just("stripe-signature".to_string()),
        Just("webhook-id".to_string()),
        Just("webhook-timestamp".to_string()),
        Just("svix-id".to_string()),
        Just("x-slack-signature".to_string()),
        Just("x-slack-retry-num".to_string()),
        Just("x-shopify-topic".to_string()),
        Just("x-shopify-webhook-id".to_string()),
        Just("x-shopify-event-id".to_string()),
        Just("x-gitlab-event".to_string()),
        Just("idempotency-key".to_string()),
        Just("content-type".to_string()),
        "[a-zA-Z-]{1,20}",
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"application/x-www-form-urlencoded".to_vec()),
        Just(b"application/json".to_vec()),
        Just(b"push".to_vec()),
        Just(b"3".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(json!(null)),
        any::<bool>().prop_map(|b| json!(b)),
        any::<f64>().prop_map(|f| json!(f)),
        any::<i64>().prop_map(|i| json!(i)),
        "\\PC{0,20}".prop_map(|s| json!(s)),
        Just(json!("incident.created")),
        Just(json!("2024-01-15T14:32:05.000Z")),
        Just(json!("event_callback")),
    ];
    let value = leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("event".to_string()),
                    Just("type".to_string()),
                    Just("timestamp".to_string()),
                    Just("monitor".to_string()),
                    Just("incident".to_string()),
                    Just("ssl".to_string()),
                    Just("id".to_string()),
                    Just("object".to_string()),
                    Just("event_id".to_string()),
                    Just("challenge".to_string()),
                    Just("payload".to_string()),
                    "[a-zA-Z_]{1,12}",
                ],
                inner,
                0..8
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        value.clone().prop_map(|v| v.to_string().into_bytes()),
        value.prop_map(|v| form(&[("payload", &v.to_string())]).into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics(
        headers in proptest::collection::vec((header_name(), header_value()), 0..6),
        body in body(),
        latency in prop_oneof![Just(None), any::<f64>().prop_map(Some)],
    ) {
        let headers = headers.into_iter().map(|(n, v)| HeaderField::new(n, v)).collect();
        let mut r = CapturedRequest::new("POST", "/hook", headers, body);
        if let Some(latency_ms) = latency {
            r.response = Some(CapturedResponse { status: 200, headers: Vec::new(), body: Vec::new(), latency_ms });
        }
        let ev = decode(&r);
        let key = idempotency_key(&r);
        let _ = slow_answer(&r, ev.as_ref());
        prop_assert_eq!(decode_and_key(&r), (ev.clone(), key.clone()));
        if let Some(ev) = ev {
            prop_assert!(ev.summary.chars().count() <= 201);
            prop_assert!(!ev.summary.chars().any(crate::text::is_unsafe));
            prop_assert!(ev.problems.iter().all(|p| !p.is_empty()));
            if let Some(k) = key {
                prop_assert!(k.starts_with(ev.provider.as_str()));
            }
        } else {
            prop_assert!(key.is_none());
        }
    }
}
