//! Response modes and response rules, observed by real clients against the
//! real binary. Every request is stored whatever the answer (or no answer).

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_modes_answer_as_a_failing_receiver_would() {
    for (mode, status, header) in [
        ("500", 500, None),
        ("401", 401, Some(("www-authenticate", "Bearer"))),
        ("429", 429, Some(("retry-after", "30"))),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let hc = Hookcatch::start(dir.path(), &["--mode", mode]);
        let resp = client()
            .post(format!("{}/pingara-webhook", hc.url))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "mode {mode}");
        if let Some((name, value)) = header {
            assert_eq!(resp.headers()[name], value, "mode {mode}");
        }
        let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert!(body["error"].as_str().unwrap().contains(mode));
        let line = hc.next_json();
        assert_eq!(line["response"]["status"], status);
        assert_eq!(hc.stop().code(), Some(0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_mode_answers_past_the_senders_limit() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--mode", "slow"]);
    // A sender that waits 1 s (Pingara waits 10 s; slow mode takes 12 s).
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = impatient
        .post(format!("{}/pingara-webhook", hc.url))
        .body("{}")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    // Stored pending before the wait; the sender left first, so no answer
    // went out, and the record says how long it waited.
    let line = hc.next_json();
    assert!(line["response"].is_null(), "{line}");
    // The sender's second includes its connect and write; the listener
    // counts from the request's arrival, so it may say 0.9 s on a busy machine.
    let reason = line["response_reason"].as_str().unwrap_or_default();
    let waited: f64 = reason
        .strip_prefix("client gave up after ")
        .and_then(|rest| rest.strip_suffix(" s"))
        .and_then(|secs| secs.parse().ok())
        .unwrap_or_else(|| panic!("{reason}"));
    assert!((0.5..3.0).contains(&waited), "{reason}");
    assert_eq!(hc.stop().code(), Some(0));
}

#[test]
fn drop_mode_closes_without_answering_but_stores_first() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--mode", "drop"]);
    let answer = raw_exchange(
        &hc.addr,
        b"POST /pingara-webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
    );
    assert_eq!(answer, "", "the connection closed with no response at all");
    let line = hc.next_json();
    assert_eq!(line["path"], "/pingara-webhook");
    assert_eq!(line["body"], "{}");
    assert!(line["response"].is_null(), "no answer was given");
    assert_eq!(hc.stop().code(), Some(0));
}

#[test]
fn unknown_mode_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(
        dir.path(),
        &[
            "listen",
            "--headless",
            "--port",
            "0",
            "--ephemeral",
            "--mode",
            "teapot",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("normal, 500, 401, 429, slow, drop"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_from_flags_and_the_config_file_first_match_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("teapot.txt"), "short and stout").unwrap();
    let config = dir.path().join("rules.toml");
    std::fs::write(
        &config,
        r#"
[[rules]]
method = "POST"
path = "/fail*"
status = 500
body = '{"error":"from the file"}'

[[rules]]
path = "/teapot"
status = 418
headers = ["X-Pot: yes"]
body = "@teapot.txt"

[[rules]]
path = "/teapot"
status = 200
"#,
    )
    .unwrap();
    let hc = Hookcatch::start(
        dir.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "--rule",
            "POST /fail/special -> 503 header=X-Rule:flag body=from the flag",
            "--rule",
            "POST /fail/* -> 502",
        ],
    );
    let client = client();
    let ask = |method: reqwest::Method, path: &str| {
        client
            .request(method, format!("{}{path}", hc.url))
            .body("x")
            .send()
    };
    let resp = ask(reqwest::Method::POST, "/fail/special").await.unwrap();
    assert_eq!(resp.status(), 503, "the first flag rule wins");
    assert_eq!(resp.headers()["x-rule"], "flag");
    assert_eq!(resp.text().await.unwrap(), "from the flag");
    assert_eq!(
        ask(reqwest::Method::POST, "/fail/other")
            .await
            .unwrap()
            .status(),
        502
    );
    let resp = ask(reqwest::Method::POST, "/failing?x=1").await.unwrap();
    assert_eq!(resp.status(), 500, "flags before the file, then the file");
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.text().await.unwrap(), r#"{"error":"from the file"}"#);
    let resp = ask(reqwest::Method::GET, "/FAILING").await.unwrap();
    assert_eq!(
        resp.status(),
        200,
        "method does not match: the default answer"
    );
    assert_eq!(resp.text().await.unwrap(), r#"{"received": true}"#);
    let resp = ask(reqwest::Method::PUT, "/teapot").await.unwrap();
    assert_eq!(resp.status(), 418, "the first of two file rules");
    assert_eq!(resp.headers()["x-pot"], "yes");
    assert_eq!(resp.text().await.unwrap(), "short and stout");
    for _ in 0..5 {
        hc.next_json();
    }
    // `hookcatch config` lists them in order.
    let out = cli(
        dir.path(),
        &[
            "config",
            "--config",
            config.to_str().unwrap(),
            "--rule",
            "/x -> 201",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let first = text.find("* /x -> 201").expect("flag rule listed");
    let second = text.find("POST /fail* -> 500").expect("file rule listed");
    assert!(first < second, "{text}");
    assert_eq!(hc.stop().code(), Some(0));
}

#[test]
fn bad_rules_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path(), &["config", "--rule", "POST /x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rule"));
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[rules]]\npath = \"/x\"\nstatus = 42\n",
    )
    .unwrap();
    let out = cli(dir.path(), &["config", "--config", "bad.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[[rules]] #1"));
}
