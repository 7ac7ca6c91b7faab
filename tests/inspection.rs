//! Inspection end to end: requests posted with a real client to the real
//! listener carry the right auth verdict, event and duplicate mark in the
//! headless line, `show --json` and `list`. Signatures here are computed by
//! the test (python-checked constants or the hmac crate), not by hookcatch.

mod common;

use common::*;
use hmac::{KeyInit, Mac};
use serde_json::Value;

/// The guide's own standard payload, verbatim.
const GUIDE_INCIDENT_CREATED: &str = include_str!("fixtures/pingara/guide-incident-created.json");

const SECRET: &str = "pingara-shared-secret-42";
const GITHUB_SECRET: &str = "gh-secret-0123";
const GITHUB_BODY: &str = r#"{"ref":"refs/heads/main","repository":{"full_name":"octo/hooks"},"commits":[{"id":"a1"},{"id":"b2"}]}"#;
/// python3: hmac.new(b'gh-secret-0123', GITHUB_BODY, hashlib.sha256).hexdigest()
const GITHUB_SIG: &str = "a95e224c7e6d9c847e7ba7c34923f89eb7cc716df163c0272a9e2c5b04c5c384";
const STRIPE_SECRET: &str = "whsec_test_stripe_0123456789";

fn start(dir: &std::path::Path, args: &[&str]) -> Hookcatch {
    let store = dir.join("hookcatch.db");
    Hookcatch::start_with(dir, &store, args, |cmd| {
        // Secrets through the environment, as the README recommends.
        cmd.env("HOOKCATCH_SECRET", SECRET)
            .env("HOOKCATCH_VERIFY_GITHUB", GITHUB_SECRET)
            .env("HOOKCATCH_VERIFY_STRIPE", STRIPE_SECRET);
    })
}

async fn post_pingara(hc: &Hookcatch, secret: Option<&str>, body: &str) -> reqwest::StatusCode {
    let mut req = client()
        .post(format!("{}/pingara-webhook", hc.url))
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if let Some(secret) = secret {
        req = req.header("X-Pingara-Secret", secret);
    }
    req.send().await.unwrap().status()
}

/// Run a CLI command with the same secrets in the environment.
fn cli_with_secrets(dir: &std::path::Path, hc: &Hookcatch, args: &[&str]) -> std::process::Output {
    command(dir)
        .args(args)
        .arg("--store")
        .arg(&hc.store)
        .env("HOOKCATCH_SECRET", SECRET)
        .env("HOOKCATCH_VERIFY_GITHUB", GITHUB_SECRET)
        .env("HOOKCATCH_VERIFY_STRIPE", STRIPE_SECRET)
        .output()
        .unwrap()
}

/// `show ID --json` with the test's secrets configured.
fn show_judged(dir: &std::path::Path, hc: &Hookcatch, id: i64) -> Value {
    json_output(&cli_with_secrets(
        dir,
        hc,
        &["show", &id.to_string(), "--json"],
    ))
}

#[tokio::test]
async fn pingara_event_with_valid_secret_and_its_retry() {
    let dir = tempfile::tempdir().unwrap();
    let hc = start(dir.path(), &[]);
    assert_eq!(
        post_pingara(&hc, Some(SECRET), GUIDE_INCIDENT_CREATED).await,
        200
    );
    let line = hc.next_json();
    assert_eq!(line["auth"]["verdict"], "valid");
    assert_eq!(line["auth"]["scheme"], "pingara-secret");
    assert!(
        line["auth"]["detail"]
            .as_str()
            .unwrap()
            .contains("not signed"),
        "{}",
        line["auth"]
    );
    assert_eq!(line["event"]["provider"], "pingara");
    assert_eq!(line["event"]["type"], "incident.created");
    assert_eq!(
        line["event"]["summary"],
        "incident.created · API Production down · timeout in us-east-1, eu-west-1"
    );
    assert_eq!(line["event"]["problems"], serde_json::json!([]));
    assert_eq!(line["duplicate_of"], Value::Null);
    assert_eq!(show_judged(dir.path(), &hc, 1)["event"], line["event"]);

    // Pingara retries the same event: same incident id and event type.
    assert_eq!(
        post_pingara(&hc, Some(SECRET), GUIDE_INCIDENT_CREATED).await,
        200
    );
    let retry = hc.next_json();
    assert_eq!(retry["duplicate_of"], 1);
    assert_eq!(show_judged(dir.path(), &hc, 2)["duplicate_of"], 1);

    // A different event of the same incident is not a duplicate.
    let resolved = GUIDE_INCIDENT_CREATED.replace("incident.created", "incident.resolved");
    post_pingara(&hc, Some(SECRET), &resolved).await;
    let line = hc.next_json();
    assert_eq!(line["duplicate_of"], Value::Null);
    assert!(
        !line["event"]["problems"].as_array().unwrap().is_empty(),
        "resolved without resolvedAt/duration is flagged"
    );

    let out = cli_with_secrets(dir.path(), &hc, &["list"]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("pingara/incident.created"), "{table}");
    assert!(table.contains("valid"));
    assert!(table.contains("dup of #1"));
}

#[tokio::test]
async fn wrong_and_missing_secrets_and_enforce_auth() {
    let dir = tempfile::tempdir().unwrap();
    let hc = start(dir.path(), &["--enforce-auth"]);
    assert_eq!(
        post_pingara(&hc, Some("not-the-secret"), GUIDE_INCIDENT_CREATED).await,
        401
    );
    let line = hc.next_json();
    assert_eq!(line["auth"]["verdict"], "invalid");
    assert_eq!(line["response"]["status"], 401);
    assert_eq!(
        line["event"]["type"], "incident.created",
        "a rejected request is still inspected and kept"
    );

    assert_eq!(post_pingara(&hc, None, GUIDE_INCIDENT_CREATED).await, 401);
    assert_eq!(hc.next_json()["auth"]["verdict"], "missing");
    // `show` names the credential the listener expected, and which setting
    // asked for it (the secret came from HOOKCATCH_SECRET, --secret's variable).
    let shown = cli_with_secrets(dir.path(), &hc, &["show", "2"]);
    let text = String::from_utf8(shown.stdout).unwrap();
    assert!(
        text.contains("expected X-Pingara-Secret (configured by --secret)")
            && text.contains("none presented"),
        "{text}"
    );

    assert_eq!(
        post_pingara(&hc, Some(SECRET), GUIDE_INCIDENT_CREATED).await,
        200
    );
    assert_eq!(hc.next_json()["auth"]["verdict"], "valid");
}

#[tokio::test]
async fn github_signature_valid_and_tampered() {
    let dir = tempfile::tempdir().unwrap();
    let hc = start(dir.path(), &[]);
    let send = |body: &'static str| {
        client()
            .post(format!("{}/github", hc.url))
            .header("Content-Type", "application/json")
            .header("X-GitHub-Event", "push")
            .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
            .header("X-Hub-Signature-256", format!("sha256={GITHUB_SIG}"))
            .body(body)
            .send()
    };
    assert_eq!(send(GITHUB_BODY).await.unwrap().status(), 200);
    let line = hc.next_json();
    assert_eq!(line["auth"]["scheme"], "github");
    assert_eq!(line["auth"]["verdict"], "valid", "{}", line["auth"]);
    assert_eq!(line["event"]["provider"], "github");
    assert_eq!(line["event"]["type"], "push");

    // A proxy that re-serialised the JSON breaks the signature; the verdict says so.
    let reserialised = r#"{"ref": "refs/heads/main", "repository": {"full_name": "octo/hooks"}, "commits": [{"id": "a1"}, {"id": "b2"}]}"#;
    send(reserialised).await.unwrap();
    let line = hc.next_json();
    assert_eq!(line["auth"]["verdict"], "invalid");
    assert_eq!(
        line["duplicate_of"], 1,
        "same X-GitHub-Delivery: a redelivery"
    );
    let shown = cli_with_secrets(dir.path(), &hc, &["show", "2"]);
    let text = String::from_utf8(shown.stdout).unwrap();
    assert!(
        text.contains("X-Hub-Signature-256") || text.contains("x-hub-signature-256"),
        "{text}"
    );
}

#[tokio::test]
async fn stripe_signature_checked_against_arrival_time() {
    let dir = tempfile::tempdir().unwrap();
    let hc = start(dir.path(), &[]);
    let body = r#"{"id":"evt_1Nabc","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","amount":2000,"currency":"usd"}},"livemode":false}"#;
    let sign = |t: i64| {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(STRIPE_SECRET.as_bytes()).unwrap();
        mac.update(format!("{t}.{body}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    };
    let now = chrono::Utc::now().timestamp();
    for (t, expected) in [(now, "valid"), (now - 3600, "invalid")] {
        let resp = client()
            .post(format!("{}/stripe", hc.url))
            .header("Stripe-Signature", format!("t={t},v1={}", sign(t)))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let line = hc.next_json();
        assert_eq!(line["auth"]["scheme"], "stripe");
        assert_eq!(line["auth"]["verdict"], expected, "{}", line["auth"]);
        assert_eq!(line["event"]["type"], "payment_intent.succeeded");
    }
    // Judged as it arrived: reading it back later gives the same verdict.
    assert_eq!(show_judged(dir.path(), &hc, 1)["auth"]["verdict"], "valid");
}

#[tokio::test]
async fn list_filter_searches_the_whole_store() {
    let dir = tempfile::tempdir().unwrap();
    let hc = start(dir.path(), &[]);
    post_pingara(&hc, Some(SECRET), GUIDE_INCIDENT_CREATED).await;
    post_pingara(&hc, Some("wrong"), GUIDE_INCIDENT_CREATED).await;
    client()
        .get(format!("{}/health?probe=1", hc.url))
        .send()
        .await
        .unwrap();
    for _ in 0..3 {
        hc.next_json();
    }
    let ids = |expr: &str| -> Vec<i64> {
        let out = cli_with_secrets(dir.path(), &hc, &["list", "--json", "--filter", expr]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_i64()
                    .unwrap()
            })
            .collect()
    };
    assert_eq!(ids("auth:invalid"), [2]);
    assert_eq!(ids("event:incident.* & !auth:invalid"), [1]);
    assert_eq!(ids("method:GET | dup:yes"), [2, 3]);
    assert_eq!(ids("body:\"Connection timeout\" provider:pingara"), [1, 2]);
    let out = cli_with_secrets(dir.path(), &hc, &["list", "--filter", "metod:POST"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field"));
}

/// `has:problems` and `problems:>0` are the TUI's filter terms too: one
/// filter module serves both.
#[tokio::test]
async fn list_filter_finds_payloads_with_problems() {
    let dir = tempfile::tempdir().unwrap();
    let hc = start(dir.path(), &[]);
    post_pingara(&hc, Some(SECRET), GUIDE_INCIDENT_CREATED).await;
    post_pingara(
        &hc,
        Some(SECRET),
        r#"{"event":"incident.created","timestamp":"yesterday"}"#,
    )
    .await;
    for _ in 0..2 {
        hc.next_json();
    }
    for expr in ["has:problems", "problems:>0", "!problems:0"] {
        let out = cli_with_secrets(dir.path(), &hc, &["list", "--json", "--filter", expr]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let ids: Vec<i64> = text(&out.stdout)
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        assert_eq!(ids, [2], "{expr}");
    }
    // The table marks it as the TUI's list does.
    let table = text(&cli_with_secrets(dir.path(), &hc, &["list"]).stdout);
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert!(!rows[0].contains('⚠'), "{table}");
    assert!(rows[1].contains(" problems"), "{table}");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn list_ids(dir: &std::path::Path, hc: &Hookcatch, expr: &str) -> Vec<i64> {
    let out = cli_with_secrets(dir, hc, &["list", "--json", "--filter", expr]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

/// A gzip body is decoded once, at arrival, for the event, duplicates and
/// the filter (not only for the Body tab); its signature is still checked
/// over the compressed bytes as they arrived.
#[tokio::test]
async fn gzip_bodies_are_decoded_for_the_event_duplicates_and_filter() {
    let dir = tempfile::tempdir().unwrap();
    let hc = start(dir.path(), &[]);
    let compressed = gzip(GUIDE_INCIDENT_CREATED.as_bytes());
    for _ in 0..2 {
        let status = client()
            .post(format!("{}/pingara-webhook", hc.url))
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .header("X-Pingara-Secret", SECRET)
            .body(compressed.clone())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    // GitHub signs the body it sends: here, the compressed bytes.
    let github = gzip(GITHUB_BODY.as_bytes());
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(GITHUB_SECRET.as_bytes()).unwrap();
    mac.update(&github);
    let sig: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    client()
        .post(format!("{}/github", hc.url))
        .header("Content-Type", "application/json")
        .header("Content-Encoding", "gzip")
        .header("X-GitHub-Event", "push")
        .header("X-GitHub-Delivery", "d-1")
        .header("X-Hub-Signature-256", format!("sha256={sig}"))
        .body(github)
        .send()
        .await
        .unwrap();
    for _ in 0..3 {
        hc.next_json();
    }

    let first = show_judged(dir.path(), &hc, 1);
    assert_eq!(first["auth"]["verdict"], "valid");
    assert_eq!(first["event"]["type"], "incident.created");
    assert_eq!(
        first["event"]["summary"],
        "incident.created · API Production down · timeout in us-east-1, eu-west-1"
    );
    assert_eq!(first["event"]["problems"], serde_json::json!([]), "{first}");
    assert_eq!(first["duplicate_of"], Value::Null);
    assert_eq!(show_judged(dir.path(), &hc, 2)["duplicate_of"], 1);

    let signed = show_judged(dir.path(), &hc, 3);
    assert_eq!(signed["auth"]["verdict"], "valid", "{}", signed["auth"]);
    assert_eq!(signed["event"]["type"], "push");

    assert_eq!(
        list_ids(dir.path(), &hc, "body:\"Connection timeout\""),
        [1, 2]
    );
    assert_eq!(
        list_ids(dir.path(), &hc, "event:incident.created dup:yes"),
        [2]
    );
}

/// `curl -d '{...}'` sends JSON labelled as a form: it is read as the event
/// it is, with a note about the content type.
#[tokio::test]
async fn json_sent_as_a_form_is_read_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let hc = start(dir.path(), &[]);
    client()
        .post(format!("{}/pingara-webhook", hc.url))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Pingara-Secret", SECRET)
        .body(GUIDE_INCIDENT_CREATED)
        .send()
        .await
        .unwrap();
    hc.next_json();
    let shown = show_judged(dir.path(), &hc, 1);
    assert_eq!(shown["event"]["type"], "incident.created");
    let problems = shown["event"]["problems"].to_string();
    assert!(problems.contains("read as JSON"), "{problems}");
    assert!(!problems.contains("without a JSON"), "{problems}");
}
