//! `hookcatch stats`: counts a test knows, from requests posted to a real
//! listener as Pingara (shared secret, per its guide), GitHub (signed) and
//! an unknown sender send them. The verdicts counted are those stored at
//! arrival: a reader with other secrets counts the same.

mod common;

use std::process::Stdio;

use common::{Hookcatch, client, command, list_json};
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

const SECRET: &str = "s3cret-pingara";
const GITHUB_SECRET: &str = "gh-secret-stats";
const GUIDE_INCIDENT_CREATED: &str = include_str!("fixtures/pingara/guide-incident-created.json");
const PAUSED: &str = r#"{"event":"monitor.paused","timestamp":"2024-01-15T14:32:05.000Z","monitor":{"id":"m_1","name":"API","url":"https://api.example.com"}}"#;
const GITHUB_BODY: &str = r#"{"ref":"refs/heads/main","repository":{"full_name":"octo/hooks"}}"#;

fn github_signature(body: &str) -> String {
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(GITHUB_SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Post as Pingara does: JSON, its secret header (when given).
async fn pingara(hc: &Hookcatch, secret: Option<&str>, body: &str) {
    let mut req = client()
        .post(format!("{}/pingara-webhook", hc.url))
        .header("Content-Type", "application/json")
        .header("User-Agent", "Pingara-Webhook/1.0");
    if let Some(secret) = secret {
        req = req.header("X-Pingara-Secret", secret);
    }
    let answer = req.body(body.to_string()).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    hc.next_json();
}

fn stats(
    dir: &std::path::Path,
    store: &std::path::Path,
    secret: Option<&str>,
    json: bool,
) -> String {
    let mut cmd = command(dir);
    cmd.arg("stats")
        .arg("--store")
        .arg(store)
        .stdin(Stdio::null());
    if json {
        cmd.arg("--json");
    }
    if let Some(secret) = secret {
        cmd.env("HOOKCATCH_SECRET", secret);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_counts_what_the_store_holds() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("hookcatch.db");
    let hc = Hookcatch::start_with(dir.path(), &store, &[], |cmd| {
        cmd.env("HOOKCATCH_SECRET", SECRET)
            .env("HOOKCATCH_VERIFY_GITHUB", GITHUB_SECRET);
    });
    // Pingara: two incidents with the right secret (valid), a pause with a
    // wrong one (invalid) and one with none (missing).
    pingara(&hc, Some(SECRET), GUIDE_INCIDENT_CREATED).await;
    let second = GUIDE_INCIDENT_CREATED.replace("inc_789ghi012", "inc_2");
    pingara(&hc, Some(SECRET), &second).await;
    pingara(&hc, Some("wrong"), PAUSED).await;
    pingara(&hc, None, PAUSED).await;
    // GitHub, signed (valid).
    let answer = client()
        .post(format!("{}/github", hc.url))
        .header("Content-Type", "application/json")
        .header("X-GitHub-Event", "push")
        .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        .header("X-Hub-Signature-256", github_signature(GITHUB_BODY))
        .body(GITHUB_BODY)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    hc.next_json();
    // Nobody we know, presenting nothing (missing).
    let plain = "just some text";
    client()
        .post(format!("{}/other", hc.url))
        .header("Content-Type", "text/plain")
        .body(plain)
        .send()
        .await
        .unwrap();
    hc.next_json();

    let rows = list_json(dir.path(), &store);
    assert_eq!(rows.len(), 6);
    let bytes = GUIDE_INCIDENT_CREATED.len()
        + second.len()
        + 2 * PAUSED.len()
        + GITHUB_BODY.len()
        + plain.len();

    // A reader without the listener's secrets, and one with another secret:
    // the same counts, as the verdicts were stored at arrival.
    for reader_secret in [None, Some("some-other-secret")] {
        let got: Value =
            serde_json::from_str(stats(dir.path(), &store, reader_secret, true).trim())
                .expect("one JSON object");
        assert_eq!(got["requests"], 6);
        assert_eq!(got["bytes"], bytes);
        assert_eq!(got["oldest"], rows[0]["received_at"]);
        assert_eq!(got["newest"], rows[5]["received_at"]);
        assert_eq!(
            got["by_sender"],
            json!({"pingara": 4, "github": 1, "none": 1})
        );
        assert_eq!(
            got["by_event"],
            json!({
                "pingara/incident.created": 2,
                "pingara/monitor.paused": 2,
                "github/push": 1,
                "none": 1,
            })
        );
        assert_eq!(
            got["by_verdict"],
            json!({"valid": 3, "invalid": 1, "missing": 2})
        );
        assert_eq!(got["store"], store.display().to_string());
        assert!(got["size_on_disk"].as_u64().unwrap() >= 4096, "{got}");
    }

    let table = stats(dir.path(), &store, None, false);
    for line in [
        "requests    6",
        "by sender   pingara 4, github 1, none 1",
        "by verdict  valid 3, missing 2, invalid 1",
    ] {
        assert!(table.lines().any(|l| l == line), "no {line:?} in\n{table}");
    }
    assert!(table.contains("on disk)"), "{table}");
    assert!(hc.stop().success());
}

#[test]
fn stats_of_a_missing_store_is_a_runtime_failure() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::cli_store(dir.path(), &dir.path().join("none.db"), &["stats"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no store at"));
}
