//! Capture-time inspection benchmark: what `inspect::summarize` (auth
//! verdict, event, idempotency key) costs per request on the listener's
//! workers, for a few real request shapes, against parsing the same body
//! with serde_json alone (the floor any JSON inspection pays), measured in
//! the same run.
//!
//! Run: `cargo bench --bench inspect_bench` (`HOOKCATCH_BENCH_ROUNDS=N`
//! changes the rounds; the median round is reported).

use std::hint::black_box;
use std::time::Instant;

use chrono::Utc;
use hookcatch::inspect::auth::Provider;
use hookcatch::inspect::{self, AuthConfig};
use hookcatch::model::{CapturedRequest, HeaderField};

/// Iterations per round; each round is timed as a whole.
const ITERATIONS: u32 = 50_000;

struct Case {
    name: &'static str,
    request: CapturedRequest,
    auth: AuthConfig,
}

fn header(name: &str, value: &str) -> HeaderField {
    HeaderField::new(name, value.as_bytes().to_vec())
}

fn request(headers: Vec<HeaderField>, body: Vec<u8>) -> CapturedRequest {
    let mut all = vec![
        header("host", "127.0.0.1:9797"),
        header("content-type", "application/json"),
        header("content-length", &body.len().to_string()),
    ];
    all.extend(headers);
    CapturedRequest::new("POST", "/webhook", all, body)
}

fn cases() -> Vec<Case> {
    // The capture benchmark's body (bench/post.lua): 1 KB, Pingara-shaped.
    let head = r#"{"event":"incident.created","timestamp":"2024-01-15T14:32:05.000Z","monitor":{"id":"m_abc123def456","name":"API Production"},"pad":""#;
    let mut padded = head.as_bytes().to_vec();
    padded.resize(1024 - 2, b'x');
    padded.extend_from_slice(b"\"}");

    let guide = include_bytes!("../tests/fixtures/pingara/guide-incident-created.json").to_vec();
    let pingara_auth = AuthConfig {
        secret: Some("pg-shared-secret-123".into()),
        ..AuthConfig::default()
    };

    // tests/inspection.rs: hmac-sha256("gh-secret-0123", body), checked by python3.
    let github_body = br#"{"ref":"refs/heads/main","repository":{"full_name":"octo/hooks"},"commits":[{"id":"a1"},{"id":"b2"}]}"#;
    let github_sig = "sha256=a95e224c7e6d9c847e7ba7c34923f89eb7cc716df163c0272a9e2c5b04c5c384";
    let github_auth = AuthConfig {
        verify: vec![(Provider::Github, "gh-secret-0123".into())],
        ..AuthConfig::default()
    };

    vec![
        Case {
            name: "capture bench body (1 KB), no secret configured",
            request: request(vec![header("x-pingara-secret", "bench-secret")], padded),
            auth: AuthConfig::default(),
        },
        Case {
            name: "Pingara guide incident.created, secret matches",
            request: request(
                vec![header("x-pingara-secret", "pg-shared-secret-123")],
                guide,
            ),
            auth: pingara_auth,
        },
        Case {
            name: "GitHub push, HMAC-SHA256 signature valid",
            request: request(
                vec![
                    header("x-github-event", "push"),
                    header("x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
                    header("x-hub-signature-256", github_sig),
                ],
                github_body.to_vec(),
            ),
            auth: github_auth,
        },
    ]
}

/// Median over rounds of the mean time per call, in microseconds.
fn median_us(rounds: usize, mut f: impl FnMut()) -> f64 {
    let mut per_call: Vec<f64> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..ITERATIONS {
                f();
            }
            started.elapsed().as_secs_f64() * 1e6 / f64::from(ITERATIONS)
        })
        .collect();
    per_call.sort_by(f64::total_cmp);
    per_call[per_call.len() / 2]
}

fn main() {
    let rounds = std::env::var("HOOKCATCH_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(5);
    let now = Utc::now();
    println!("| request | body | summarize | serde_json parse alone | ratio |");
    println!("|---|---|---|---|---|");
    for case in cases() {
        let summary = inspect::summarize(&case.request, &case.auth, now);
        let event = summary.event.as_ref().map_or("none".into(), |e| e.label());
        let inspected = median_us(rounds, || {
            black_box(inspect::summarize(
                black_box(&case.request),
                &case.auth,
                now,
            ));
        });
        let parsed = median_us(rounds, || {
            black_box(
                serde_json::from_slice::<serde_json::Value>(black_box(&case.request.body)).ok(),
            );
        });
        println!(
            "| {} (auth {}, event {event}) | {} B | {inspected:.2} µs | {parsed:.2} µs | {:.1}x |",
            case.name,
            summary.auth.verdict.as_str(),
            case.request.body.len(),
            inspected / parsed,
        );
    }
}
