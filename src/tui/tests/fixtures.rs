//! Requests for the TUI tests, stored in a temporary SQLite store through the
//! real writer (with fixed times and latencies, so screens are stable).

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use tempfile::TempDir;

use crate::inspect::auth::Provider;
use crate::inspect::{self, AuthConfig};
use crate::model::findings::Judged;
use crate::model::{CapturedRequest, CapturedResponse, HeaderField, Outcome};
use crate::store::{Location, NewRequest, StoreWriter};
use crate::tui::testkit::Harness;
use crate::tui::theme::Theme;

/// The event a commit of request `id` sends (as the writer would).
pub fn captured(id: crate::model::RequestId) -> crate::store::StoreEvent {
    let mut request = CapturedRequest::new("POST", "/late", vec![], b"{}".to_vec());
    request.id = id;
    let stored = crate::store::StoredRequest {
        request,
        duplicate_of: None,
        findings: None,
        channel: None,
        relay: None,
    };
    crate::store::StoreEvent::Captured(vec![stored].into())
}

pub const SECRET: &str = "s3cret-pingara-token";

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap()
}

pub fn auth() -> AuthConfig {
    AuthConfig {
        secret: Some(SECRET.into()),
        verify: vec![(Provider::Github, "gh-webhook-secret".into())],
        ..AuthConfig::default()
    }
}

fn h(name: &str, value: &[u8]) -> HeaderField {
    HeaderField::new(name, value.to_vec())
}

pub const PINGARA_BODY: &str = r#"{"event":"incident.created","timestamp":"2026-11-29T09:59:00.000Z","monitor":{"id":"m_abc123def456","name":"API Production","url":"https://api.example.com/health","status":"down","region":"us-east-1"},"incident":{"id":"inc_789ghi012","status":"investigating","startedAt":"2026-11-29T09:58:55.000Z","resolvedAt":null,"errorType":"timeout","errorMessage":"Connection timeout after 30000ms","affectedRegions":["us-east-1","eu-west-1"]},"organization":{"id":"org_xyz789","name":"Acme Corp"}}"#;

pub fn pingara(secret: &str) -> CapturedRequest {
    CapturedRequest::new(
        "POST",
        "/pingara",
        vec![
            h("host", b"127.0.0.1:9797"),
            h("user-agent", b"Pingara-Webhook/1.0"),
            h("content-type", b"application/json"),
            h("x-pingara-secret", secret.as_bytes()),
        ],
        PINGARA_BODY.as_bytes().to_vec(),
    )
}

pub fn github_invalid() -> CapturedRequest {
    CapturedRequest::new(
        "POST",
        "/github?ref=main",
        vec![
            h("host", b"127.0.0.1:9797"),
            h("content-type", b"application/json"),
            h("x-github-event", b"push"),
            h("x-github-delivery", b"72d3162e-cc78-11e3-81ab-4c9367dc0958"),
            h("x-hub-signature-256", b"sha256=0000000000000000000000000000000000000000000000000000000000000000"),
        ],
        br#"{"ref":"refs/heads/main","repository":{"full_name":"acme/api"},"pusher":{"name":"octocat"}}"#.to_vec(),
    )
}

pub fn too_large() -> CapturedRequest {
    let mut req = CapturedRequest::new(
        "PUT",
        "/upload",
        vec![h("content-type", b"application/octet-stream")],
        Vec::new(),
    );
    req.outcome = Outcome::TooLarge {
        declared: Some(20 << 20),
        seen: 10 << 20,
    };
    req.body_size = 10 << 20;
    req
}

pub fn binary() -> CapturedRequest {
    CapturedRequest::new(
        "POST",
        "/bin",
        vec![h("content-type", b"application/octet-stream")],
        (0u8..=255).collect(),
    )
}

/// Escape sequences everywhere a sender controls text.
pub fn hostile() -> CapturedRequest {
    let mut req = CapturedRequest::new(
        "P\x1b[2JOST",
        "/evil\x1b]0;pwned\x07/\u{9b}31m?q=\x1b[5m",
        vec![
            h("content-type", b"application/json"),
            h("x-evil\x1b[1m", b"\x1b]52;c;cHduZWQ=\x07 \x1b[31mred\x00\x7f \xff"),
            h("x-bidi", "\u{202e}txt.exe".as_bytes()),
            h("x-tab", b"a\tb"),
            h("authorization", b"Bearer \x1b[8mhidden-token-value"),
        ],
        br#"{"event":"\u001b]0;ti\ttle\u0007","text":"line\u001b[2Kcleared","nested":{"k\u009b":"\u0000\u007f"},"tab":"a\tb\u202e"}"#.to_vec(),
    );
    req.remote_addr = "10.0.0.1:1\x1b[H".into();
    req
}

/// Store requests (oldest first) `age` seconds before `now()`, each answered
/// with `status` in a fixed 1.5 ms.
pub fn store(requests: Vec<(CapturedRequest, i64, u16)>) -> (TempDir, Location) {
    store_as(requests, true)
}

/// [`store`], keeping what the listener decided at arrival (`findings`) or,
/// like a store written before verdicts were kept, not.
pub fn store_as(requests: Vec<(CapturedRequest, i64, u16)>, findings: bool) -> (TempDir, Location) {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("hookcatch.db"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (writer, thread) = StoreWriter::spawn(&location, false).unwrap();
    runtime.block_on(async {
        for (mut req, age, status) in requests {
            req.received_at = now() - TimeDelta::seconds(age);
            let summary = inspect::summarize(&req, &auth(), req.received_at);
            let response = CapturedResponse {
                status,
                headers: vec![h("content-type", b"application/json")],
                body: br#"{"received": true}"#.to_vec(),
                latency_ms: 1.5,
            };
            req.response = Some(response.clone());
            let mut new =
                NewRequest::from_captured(req, Instant::now(), Duration::ZERO, summary.keys());
            if findings {
                // As the listener stores them: the verdict decided at arrival.
                new = new.with_findings(inspect::stored::to_stored(&summary, Judged::AtArrival));
            }
            let id = writer.insert(new).await.unwrap();
            writer.set_response(id, response).await;
        }
    });
    drop(writer);
    thread.join();
    (dir, location)
}

/// The five requests of the mixed list.
pub fn mixed() -> Vec<(CapturedRequest, i64, u16)> {
    vec![
        (pingara(SECRET), 300, 200),
        (github_invalid(), 240, 200),
        (pingara(SECRET), 180, 200),
        (too_large(), 42, 413),
        (binary(), 3, 200),
    ]
}

pub fn harness(location: &Location, width: u16, height: u16) -> Harness {
    let theme = Theme::builtin("hookcatch-dark").unwrap();
    let mut harness = Harness::new(location, auth(), theme, now(), width, height);
    // Temporary directories differ from run to run; screens must not.
    harness.app.store_label = "/home/dev/.local/share/hookcatch/hookcatch.db".into();
    harness.pump();
    harness
}

/// A stored delivery of request `request`, `age` seconds before `now()`:
/// an answer with `status` and a JSON `body`, or (no status) a refused
/// connection; a 200 is an edited replay (its body edited). Written straight
/// into the store, as the writer would.
pub fn add_delivery(
    location: &Location,
    request: i64,
    age: i64,
    status: Option<u16>,
    body: &str,
) -> i64 {
    use crate::store::DeliveryKind;
    let kind = if status == Some(200) {
        DeliveryKind::Edited
    } else {
        DeliveryKind::Replay
    };
    add_delivery_of(location, kind, request, age, status, body)
}

pub fn add_delivery_of(
    location: &Location,
    kind: crate::store::DeliveryKind,
    request: i64,
    age: i64,
    status: Option<u16>,
    body: &str,
) -> i64 {
    add_delivery_to(
        location,
        kind,
        request,
        age,
        status,
        body,
        "http://127.0.0.1:3000/pingara",
    )
}

/// A delivery sent to `target` (its path and query become the path sent).
pub fn add_delivery_to(
    location: &Location,
    kind: crate::store::DeliveryKind,
    request: i64,
    age: i64,
    status: Option<u16>,
    body: &str,
    target: &str,
) -> i64 {
    use crate::store::{Delivery, DeliveryError, DeliveryErrorKind, DeliveryKind, deliveries};
    let conn = location.open_reader().unwrap();
    let path = target
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
        .unwrap_or_else(|| "/".into());
    let delivery = Delivery {
        id: 0,
        request_id: request,
        at: now() - TimeDelta::seconds(age),
        kind,
        target: target.into(),
        method: "POST".into(),
        path,
        status,
        latency_ms: 2.5,
        error: status.is_none().then(|| DeliveryError {
            kind: DeliveryErrorKind::Refused,
            message: "connection refused (127.0.0.1:3000)".into(),
        }),
        response_headers: status
            .map(|_| {
                vec![
                    h("content-type", b"application/json"),
                    h("x-handler", if status == Some(200) { b"v2" } else { b"v1" }),
                ]
            })
            .unwrap_or_default(),
        response_body: body.as_bytes().to_vec(),
        sent_headers: None,
        sent_body: (kind == DeliveryKind::Edited).then(|| b"{}".to_vec()),
    };
    deliveries::insert_in(&conn, &delivery).unwrap()
}

/// "It failed, I fixed my handler, it passes": request #1 answered 500, then 200.
pub fn fixed_handler(location: &Location) -> (i64, i64) {
    let failed = add_delivery(
        location,
        1,
        120,
        Some(500),
        r#"{"error":"handler crashed","retry":true,"request":"inc_789ghi012"}"#,
    );
    let passed = add_delivery(
        location,
        1,
        30,
        Some(200),
        r#"{"ok":true,"request":"inc_789ghi012"}"#,
    );
    (failed, passed)
}
