//! Cross-sender tests: detection order, keys, slow answers, serde shape,
//! hostile bodies. The request helpers here are shared with the per-sender
//! test modules.

use serde_json::json;

use super::{
    Provider, decode, decode_and_key, detect, idempotency_key, sender_timeout, slow_answer,
};
use crate::model::{CapturedRequest, CapturedResponse, HeaderField};

/// A POST with these headers and body.
pub(crate) fn req(headers: &[(&str, &str)], body: &str) -> CapturedRequest {
    raw(headers, body.as_bytes().to_vec())
}

pub(crate) fn raw(headers: &[(&str, &str)], body: Vec<u8>) -> CapturedRequest {
    let headers = headers
        .iter()
        .map(|(k, v)| HeaderField::new(*k, v.as_bytes()))
        .collect();
    CapturedRequest::new("POST", "/hook", headers, body)
}

/// A POST whose body is this JSON, compact.
pub(crate) fn json_req(headers: &[(&str, &str)], body: &serde_json::Value) -> CapturedRequest {
    req(headers, &body.to_string())
}

/// The request as if hookcatch had answered it.
pub(crate) fn with_response(
    mut r: CapturedRequest,
    status: u16,
    body: &str,
    latency_ms: f64,
) -> CapturedRequest {
    r.response = Some(CapturedResponse {
        status,
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
        latency_ms,
    });
    r
}

/// `application/x-www-form-urlencoded` encoding of the pairs.
pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn pingara_body() -> serde_json::Value {
    json!({"event": "monitor.paused", "timestamp": "2024-01-15T10:00:00Z",
           "monitor": {"id": "m_1", "name": "API", "url": "https://api.example.com"}})
}

#[test]
fn each_sender_is_detected_by_its_headers_or_shape() {
    let stripe_body = json!({"id": "evt_1", "object": "event", "type": "charge.succeeded", "created": 1, "data": {"object": {}}});
    let cases: Vec<(CapturedRequest, Provider)> = vec![
        (
            json_req(&[("x-pingara-secret", "s")], &json!({"anything": 1})),
            Provider::Pingara,
        ),
        (json_req(&[], &pingara_body()), Provider::Pingara),
        (
            json_req(
                &[("x-github-event", "ping"), ("x-github-delivery", "d")],
                &json!({"zen": "z"}),
            ),
            Provider::Github,
        ),
        (
            json_req(&[("stripe-signature", "t=1,v1=ab")], &json!({})),
            Provider::Stripe,
        ),
        (json_req(&[], &stripe_body), Provider::Stripe),
        (
            json_req(&[("webhook-id", "msg_1")], &json!({"type": "a.b"})),
            Provider::StandardWebhooks,
        ),
        (
            json_req(&[("svix-signature", "v1,abc")], &json!({"type": "a.b"})),
            Provider::StandardWebhooks,
        ),
        (
            json_req(&[("x-slack-signature", "v0=ab")], &json!({})),
            Provider::Slack,
        ),
        (
            json_req(
                &[],
                &json!({"type": "url_verification", "challenge": "c", "token": "t"}),
            ),
            Provider::Slack,
        ),
        (
            json_req(
                &[],
                &json!({"type": "event_callback", "team_id": "T1", "event": {"type": "app_mention"}}),
            ),
            Provider::Slack,
        ),
        (
            json_req(&[("x-shopify-topic", "orders/create")], &json!({})),
            Provider::Shopify,
        ),
        (
            json_req(&[("x-gitlab-event", "Push Hook")], &json!({})),
            Provider::Gitlab,
        ),
        (
            json_req(&[], &json!({"event_type": "x"})),
            Provider::Generic,
        ),
    ];
    for (r, want) in cases {
        assert_eq!(
            detect(&r),
            Some(want),
            "{:?}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(decode(&r).map(|e| e.provider), Some(want));
    }
    assert_eq!(
        detect(&req(&[("content-type", "application/json")], "{\"a\": 1}")),
        None
    );
}

#[test]
fn header_names_match_case_insensitively() {
    let r = json_req(
        &[("X-GitHub-Event", "ping"), ("X-GitHub-Delivery", "d1")],
        &json!({"zen": "z"}),
    );
    assert_eq!(detect(&r), Some(Provider::Github));
    assert_eq!(idempotency_key(&r).as_deref(), Some("github:d1"));
}

#[test]
fn sender_headers_beat_body_shapes() {
    // A GitHub delivery whose body happens to look like Pingara's.
    let r = json_req(
        &[("x-github-event", "push"), ("x-github-delivery", "d")],
        &pingara_body(),
    );
    assert_eq!(detect(&r), Some(Provider::Github));
    // The Pingara shape beats the generic `event` fallback.
    assert_eq!(
        detect(&json_req(&[], &pingara_body())),
        Some(Provider::Pingara)
    );
    let mut no_objects = pingara_body();
    no_objects.as_object_mut().unwrap().remove("monitor");
    assert_eq!(detect(&json_req(&[], &no_objects)), Some(Provider::Generic));
    // An unknown Pingara event type stays Pingara, with a problem.
    let mut unknown = pingara_body();
    unknown["event"] = json!("monitor.deleted");
    let ev = decode(&json_req(&[], &unknown)).unwrap();
    assert_eq!(ev.provider, Provider::Pingara);
    assert!(ev.problems[0].starts_with("unknown event type \"monitor.deleted\""));
}

#[test]
fn keys_are_provider_prefixed_and_distinct_across_senders() {
    let same_id = [
        json_req(
            &[("x-github-event", "ping"), ("x-github-delivery", "abc")],
            &json!({}),
        ),
        json_req(&[("webhook-id", "abc")], &json!({"type": "t"})),
        json_req(
            &[
                ("x-shopify-topic", "orders/create"),
                ("x-shopify-webhook-id", "abc"),
            ],
            &json!({}),
        ),
        json_req(
            &[("x-gitlab-event", "Push Hook"), ("idempotency-key", "abc")],
            &json!({}),
        ),
    ];
    let keys: Vec<String> = same_id.iter().filter_map(idempotency_key).collect();
    assert_eq!(
        keys,
        [
            "github:abc",
            "standard-webhooks:abc",
            "shopify:abc",
            "gitlab:abc"
        ]
    );
}

#[test]
fn decode_and_key_agree_with_the_separate_calls() {
    let r = json_req(&[("x-pingara-secret", "s")], &pingara_body());
    let (ev, key) = decode_and_key(&r);
    assert_eq!(ev, decode(&r));
    assert_eq!(key, idempotency_key(&r));
    assert_eq!(
        key.as_deref(),
        Some("pingara:m_1:monitor.paused:2024-01-15T10:00:00Z")
    );
}

#[test]
fn slow_answers() {
    let r = with_response(json_req(&[], &pingara_body()), 200, "{}", 12_345.0);
    let ev = decode(&r);
    assert_eq!(
        slow_answer(&r, ev.as_ref()).as_deref(),
        Some(
            "answered after 12.3 s; Pingara waits 10 s, so it counted this delivery as failed and will retry (next in 30 s, then after 2 min, 10 min and 30 min)"
        )
    );
    let on_time = with_response(json_req(&[], &pingara_body()), 200, "{}", 10_000.0);
    assert_eq!(slow_answer(&on_time, decode(&on_time).as_ref()), None);
    let unanswered = json_req(&[], &pingara_body());
    assert_eq!(slow_answer(&unanswered, decode(&unanswered).as_ref()), None);
    let gh = with_response(
        json_req(
            &[("x-github-event", "ping"), ("x-github-delivery", "d")],
            &json!({}),
        ),
        200,
        "",
        10_500.0,
    );
    let msg = slow_answer(&gh, decode(&gh).as_ref()).unwrap();
    assert!(msg.starts_with("answered after 10.5 s; GitHub waits 10 s, so it recorded this delivery as failed; GitHub does not retry"), "{msg}");
    // No timeout known, no event, or a nonsense latency: nothing to say.
    let stripe = with_response(
        json_req(&[("stripe-signature", "t=1")], &json!({})),
        200,
        "",
        60_000.0,
    );
    assert_eq!(slow_answer(&stripe, decode(&stripe).as_ref()), None);
    assert_eq!(slow_answer(&r, None), None);
    let nan = with_response(json_req(&[], &pingara_body()), 200, "", f64::NAN);
    assert_eq!(slow_answer(&nan, decode(&nan).as_ref()), None);
}

#[test]
fn timeouts() {
    let secs = |p| sender_timeout(p).map(|d| d.as_secs());
    assert_eq!(secs(Provider::Pingara), Some(10));
    assert_eq!(secs(Provider::Github), Some(10));
    assert_eq!(secs(Provider::Shopify), Some(5));
    assert_eq!(secs(Provider::Slack), Some(3));
    for p in [
        Provider::Stripe,
        Provider::StandardWebhooks,
        Provider::Gitlab,
        Provider::Generic,
    ] {
        assert_eq!(sender_timeout(p), None);
    }
}

#[test]
fn serde_shape() {
    let names: Vec<String> = Provider::ALL
        .iter()
        .map(|p| {
            serde_json::to_value(p)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let as_str: Vec<&str> = Provider::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(names, as_str);
    assert_eq!(
        as_str,
        [
            "pingara",
            "github",
            "stripe",
            "standard-webhooks",
            "slack",
            "shopify",
            "gitlab",
            "generic"
        ]
    );
    let ev = decode(&json_req(&[], &pingara_body())).unwrap();
    assert_eq!(
        serde_json::to_value(&ev).unwrap(),
        json!({"provider": "pingara", "type": "monitor.paused", "summary": "monitor.paused · API", "problems": []})
    );
}

#[test]
fn hostile_bodies_are_bounded() {
    let secret = [("x-pingara-secret", "s")];
    let deep = "[".repeat(200_000);
    let ev = decode(&req(&secret, &deep)).unwrap();
    assert!(
        ev.problems[0].contains("recursion limit exceeded"),
        "{:?}",
        ev.problems
    );
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    assert!(decode(&req(&secret, &deep_obj)).is_some());
    assert_eq!(decode(&req(&[], &deep)), None);
    // 120 levels is within serde_json's limit: the value parses and drops fine.
    let nested = format!(
        "{{\"event\":\"x\",\"n\":{}1{}}}",
        "[".repeat(120),
        "]".repeat(120)
    );
    assert_eq!(
        decode(&req(&[], &nested)).unwrap().provider,
        Provider::Generic
    );
    // Invalid UTF-8 in bodies and header values.
    let ev = decode(&raw(&[("x-github-event", "push")], vec![0xff, 0xfe, b'{'])).unwrap();
    assert!(ev.problems.iter().any(|p| p.starts_with("invalid JSON")));
    let bad_header = CapturedRequest::new(
        "POST",
        "/",
        vec![HeaderField::new("x-github-event", vec![0xff])],
        b"{}".to_vec(),
    );
    assert_eq!(decode(&bad_header).unwrap().kind, "unknown");
    // A huge field is clipped everywhere it shows.
    let big = json!({"event": "x".repeat(1_000_000), "id": "y".repeat(1_000_000)});
    let ev = decode(&json_req(&[], &big)).unwrap();
    assert!(ev.summary.chars().count() <= 201);
    assert!(ev.kind.chars().count() <= 81);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn a_gzip_body_is_decoded_before_any_sender_reads_it() {
    let body = json!({"event": "deploy.finished", "id": "d-1"}).to_string();
    let r = raw(
        &[
            ("content-type", "application/json"),
            ("content-encoding", "gzip"),
        ],
        gzip(body.as_bytes()),
    );
    let ev = decode(&r).unwrap();
    assert_eq!(ev.kind, "deploy.finished");
    assert!(ev.problems.is_empty(), "{:?}", ev.problems);
}

/// A decompression bomb costs at most the limit, and the event says where it stopped.
#[test]
fn decompression_stops_at_the_limit_and_the_event_says_so() {
    let mut body = br#"{"event":"incident.created","pad":""#.to_vec();
    body.extend(std::iter::repeat_n(b'a', 1 << 20));
    body.extend(br#""}"#);
    let r = raw(
        &[("content-encoding", "gzip"), ("x-pingara-secret", "s")],
        gzip(&body),
    );
    let ctx = super::Ctx::within(&r, 4096);
    let (ev, _) = super::decode_in(&ctx);
    let problems = ev.unwrap().problems.join("\n");
    assert!(
        problems.contains("decompression stopped at 4 KiB limit; the rest was not read"),
        "{problems}"
    );
}

#[test]
fn a_corrupt_encoding_is_the_body_problem() {
    let r = raw(
        &[("content-encoding", "gzip"), ("x-pingara-secret", "s")],
        b"\x1f\x8b\x08not gzip".to_vec(),
    );
    let problems = decode(&r).unwrap().problems.join("\n");
    assert!(problems.contains("could not be decoded"), "{problems}");
}

#[test]
fn json_labelled_as_a_form_is_read_as_json_with_a_note() {
    let body = json!({"event": "deploy.finished", "note": "a=b&c"}).to_string();
    let r = req(
        &[("content-type", "application/x-www-form-urlencoded")],
        &body,
    );
    let ev = decode(&r).unwrap();
    assert_eq!(ev.kind, "deploy.finished");
    assert!(
        ev.problems.iter().any(|p| p.contains("read as JSON")),
        "{:?}",
        ev.problems
    );
}
