//! `--enforce-auth` through the real binary over real sockets: only a valid
//! credential of a configured scheme gets 2xx; everything else gets 401 with
//! a JSON error, and is stored all the same.

mod common;

use common::*;
use hmac::{KeyInit, Mac};
use serde_json::Value;

const SECRET: &str = "s3cret";
const GITHUB_SECRET: &str = "gh-secret-0123";
const BODY: &str = r#"{"event":"incident.created"}"#;

/// POST `BODY` to `path` with these headers; the status and the body as JSON.
async fn post(hc: &Hookcatch, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = client()
        .post(format!("{}{path}", hc.url))
        .header("Content-Type", "application/json")
        .body(BODY);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    let body = resp.bytes().await.expect("body");
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, json)
}

/// A 401 whose body is hookcatch's JSON error, and whose headless line (the
/// stored request) says the same.
fn assert_refused(hc: &Hookcatch, what: &str, status: u16, body: &Value) -> Value {
    assert_eq!(status, 401, "{what}: {body}");
    assert_eq!(body["error"], "unauthorized", "{what}: {body}");
    let line = hc.next_json();
    assert_eq!(line["response"]["status"], 401, "{what}: {line}");
    assert_ne!(line["auth"]["verdict"], "valid", "{what}: {line}");
    line
}

#[tokio::test]
async fn only_a_valid_configured_credential_gets_through() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--secret", SECRET, "--enforce-auth"]);

    // Credentials hookcatch has no secret for prove nothing: each was 200 before.
    let hostile: [(&str, &str, &str); 6] = [
        ("/bearer", "Authorization", "Bearer anything"),
        ("/basic", "Authorization", "Basic eDp5"),
        ("/foo", "Authorization", "Foo"),
        ("/github", "X-Hub-Signature-256", "sha256=junk"),
        ("/stripe", "Stripe-Signature", "t=1,v1=junk"),
        ("/wrong", "X-Pingara-Secret", "not-the-secret"),
    ];
    for (path, name, value) in hostile {
        let (status, body) = post(&hc, path, &[(name, value)]).await;
        let line = assert_refused(&hc, path, status, &body);
        assert_eq!(line["path"], path);
    }
    let (status, body) = post(&hc, "/none", &[]).await;
    assert_eq!(
        assert_refused(&hc, "/none", status, &body)["auth"]["verdict"],
        "missing"
    );

    // Credentials in an absolute-form target's userinfo are no credential either.
    let addr = hc.addr.clone();
    let raw = format!(
        "POST http://x:y@{addr}/userinfo HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    let answer = tokio::task::spawn_blocking(move || raw_exchange(&addr, raw.as_bytes()))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let json: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap_or("")).unwrap();
    assert_eq!(json["error"], "unauthorized", "{answer}");
    let line = hc.next_json();
    assert_eq!(line["response"]["status"], 401);
    assert!(
        line["path"].as_str().unwrap().contains("/userinfo"),
        "{line}"
    );

    // The configured secret passes; so does it beside a credential nobody
    // configured (documented: one valid configured scheme is enough).
    let (status, _) = post(&hc, "/valid", &[("X-Pingara-Secret", SECRET)]).await;
    assert_eq!(status, 200);
    assert_eq!(hc.next_json()["auth"]["verdict"], "valid");
    let (status, _) = post(
        &hc,
        "/mixed",
        &[
            ("X-Pingara-Secret", SECRET),
            ("Authorization", "Bearer anything"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(hc.next_json()["auth"]["verdict"], "valid");

    // Every one of them was stored, refused or not.
    let stored: Vec<String> = list_json(dir.path(), &hc.store)
        .iter()
        .map(|r| r["path"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(stored.len(), 10, "{stored:?}");
    for path in [
        "/bearer", "/basic", "/foo", "/github", "/stripe", "/wrong", "/none",
    ] {
        assert!(stored.iter().any(|p| p == path), "{path} in {stored:?}");
    }
    assert!(stored.iter().any(|p| p.contains("/userinfo")), "{stored:?}");
}

#[tokio::test]
async fn a_github_signature_must_be_spelled_as_githubs_sdks_expect() {
    let dir = tempfile::tempdir().unwrap();
    let verify = format!("github={GITHUB_SECRET}");
    let hc = Hookcatch::start(dir.path(), &["--verify", &verify, "--enforce-auth"]);
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(GITHUB_SECRET.as_bytes()).unwrap();
    mac.update(BODY.as_bytes());
    let digest = hex::encode(mac.finalize().into_bytes());

    // The right digest, as GitHub's SDKs would reject it: they compare
    // "sha256=<lowercase hex>" as one string.
    for spelling in [
        format!("SHA256={digest}"),
        format!("sha256={}", digest.to_uppercase()),
    ] {
        let (status, body) = post(&hc, "/gh", &[("X-Hub-Signature-256", &spelling)]).await;
        let line = assert_refused(&hc, &spelling, status, &body);
        assert_eq!(line["auth"]["verdict"], "invalid", "{line}");
    }
    let right = format!("sha256={digest}");
    let (status, _) = post(&hc, "/gh", &[("X-Hub-Signature-256", &right)]).await;
    assert_eq!(status, 200);
    assert_eq!(hc.next_json()["auth"]["verdict"], "valid");
}

#[test]
fn enforce_auth_with_nothing_to_check_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let store = d.join("x.db");
    let store = store.to_str().unwrap();
    // Bounded: a listener that starts when it should refuse is killed.
    let listen = |env: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = command(d);
        cmd.args(["listen", "--headless", "--port", "0", "--store", store])
            .args(extra)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let deadline = std::time::Instant::now() + WAIT;
        while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = child.kill();
        child.wait_with_output().unwrap()
    };
    let flag = listen(&[], &["--enforce-auth"]);
    let env = listen(&[("HOOKCATCH_ENFORCE_AUTH", "1")], &[]);
    for (out, origin) in [(flag, "--enforce-auth"), (env, "HOOKCATCH_ENFORCE_AUTH=1")] {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(origin), "{err}");
        assert!(err.contains("no credential is configured"), "{err}");
        assert!(!err.contains("listening"), "{err}");
    }
    // Readers and `config` do not enforce anything: they still work.
    let out = command(d)
        .args(["config"])
        .env("HOOKCATCH_ENFORCE_AUTH", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
