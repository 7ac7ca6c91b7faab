//! Replay through its public surfaces: `hookcatch replay` (the real binary)
//! against a real target server, the deliveries it records, Pingara's retry
//! ladder, and the library API the TUI drives.

mod common;
#[path = "support/target.rs"]
mod target;

use std::process::{Output, Stdio};

use common::*;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use target::{Behaviour, Target, closed_port_url};

fn github_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn run(dir: &std::path::Path, store: &std::path::Path, args: &[&str]) -> Output {
    let (dir, store) = (dir.to_path_buf(), store.to_path_buf());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        cli_store(&dir, &store, &refs)
    })
    .await
    .unwrap()
}

/// `show ID --json`, off the runtime's thread (the target answers on it).
async fn show_async(dir: &std::path::Path, store: &std::path::Path, id: &str) -> Value {
    json_output(&run(dir, store, &["show", id, "--json"]).await)
}

/// A store holding one request, captured from raw bytes by the real listener.
fn capture_raw(dir: &std::path::Path, raw: &[u8]) -> (Hookcatch, Value) {
    let hc = Hookcatch::start(dir, &[]);
    let answer = raw_exchange(&hc.addr, raw);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let line = hc.next_json();
    (hc, line)
}

const SECRET: &str = "It's a Secret to Everybody";

fn signed_github_request() -> (Vec<u8>, Vec<u8>) {
    let body = "{\"action\":\"opened\",\"number\":1,\"title\":\"caf\u{e9} \u{2603}\",\"pull_request\":{\"id\":7}}"
        .as_bytes()
        .to_vec();
    let head = format!(
        "POST /hooks/github?delivery=1&x=%2F HTTP/1.1\r\nHost: original.example\r\n\
         Content-Type: application/json\r\nX-GitHub-Event: pull_request\r\n\
         X-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958\r\n\
         X-Hub-Signature-256: {}\r\nX-Dup: one\r\nX-Dup: two\r\nUser-Agent: GitHub-Hookshot/044aadd\r\n\
         Keep-Alive: timeout=5\r\nX-Hop: only-this-hop\r\nTE: trailers\r\nConnection: close, X-Hop\r\n\
         Content-Length: {}\r\n\r\n",
        github_signature(SECRET, &body),
        body.len()
    );
    let mut raw = head.into_bytes();
    raw.extend_from_slice(&body);
    (raw, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_is_byte_identical_and_signatures_still_verify() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, body) = signed_github_request();
    let (hc, captured) = capture_raw(dir.path(), &raw);
    let mut target = Target::start(Behaviour::status(200)).await;

    // The listener keeps running: two writers share the store file.
    let out = run(dir.path(), &hc.store, &["replay", "1", "--to", &target.url]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = target.next().await;

    assert_eq!(got.method, "POST");
    assert_eq!(got.target, "/hooks/github?delivery=1&x=%2F");
    assert_eq!(got.body, body, "body bytes unchanged");
    // Headers: the captured ones minus the documented rewrites.
    let rewritten = [
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "te",
        "x-hop",
    ];
    let expected: Vec<(String, Vec<u8>)> = captured["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_string(),
                h[1].as_str().unwrap().as_bytes().to_vec(),
            )
        })
        .filter(|(n, _)| !rewritten.contains(&n.as_str()))
        .collect();
    let sent: Vec<(String, Vec<u8>)> = got
        .headers
        .iter()
        .filter(|(n, _)| n != "host" && n != "content-length")
        .cloned()
        .collect();
    assert_eq!(sent, expected);
    assert_eq!(got.header("host"), Some(target.addr.to_string().as_str()));
    assert_eq!(
        got.header("content-length"),
        Some(body.len().to_string().as_str())
    );
    assert!(got.header("x-hop").is_none() && got.header("keep-alive").is_none());
    // The test's own HMAC over what arrived matches the header that arrived.
    assert_eq!(
        got.header("x-hub-signature-256").unwrap(),
        github_signature(SECRET, &got.body)
    );

    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "> POST {}/hooks/github?delivery=1&x=%2F",
            target.url
        )),
        "{stdout}"
    );
    assert!(stdout.contains("< 200 OK"), "{stdout}");
    assert!(
        stdout.contains("< content-type: application/json"),
        "{stdout}"
    );
    assert!(stdout.contains("\"target\": \"says 200\""), "{stdout}");

    let shown = show_async(dir.path(), &hc.store, "1").await;
    let deliveries = shown["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    assert_eq!(
        d["target"],
        format!("{}/hooks/github?delivery=1&x=%2F", target.url)
    );
    assert_eq!(d["status"], 200);
    assert_eq!(d["kind"], "replay");
    assert!(d["error"].is_null());
    assert!(d["latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(d["response"]["body"], r#"{"target":"says 200"}"#);
    // The original is untouched.
    assert_eq!(shown["response"]["status"], 200);
    assert_eq!(shown["body"], captured["body"]);
    assert_eq!(hc.stop().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_and_deliveries_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let (hc, _) = capture_raw(
        dir.path(),
        b"POST /in?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
    );
    let store = hc.store.clone();
    assert_eq!(hc.stop().code(), Some(0));
    let target = Target::start(Behaviour::status(500)).await;

    let out = run(dir.path(), &store, &["replay", "1", "--to", &target.url]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("< 500 Internal Server Error"),
        "{}",
        text(&out.stdout)
    );

    let down = closed_port_url();
    let out = run(dir.path(), &store, &["replay", "#1", "--to", &down]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("< refused: connection refused"),
        "{}",
        text(&out.stdout)
    );

    target.set(Behaviour::status(204));
    let out = run(
        dir.path(),
        &store,
        &["replay", "1", "--to", &format!("{}/", target.url)],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let shown = show_async(dir.path(), &store, "1").await;
    let d = shown["deliveries"].as_array().unwrap();
    let statuses: Vec<&Value> = d.iter().map(|d| &d["status"]).collect();
    assert_eq!(
        statuses,
        [&Value::from(500), &Value::Null, &Value::from(204)]
    );
    assert_eq!(d[1]["error"]["kind"], "refused");
    assert!(d[1]["response"].is_null());
    assert_eq!(d[2]["target"], format!("{}/in?q=1", target.url));
    let times: Vec<&str> = d.iter().map(|d| d["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    // The list marks the request with its deliveries and last status.
    let out = run(dir.path(), &store, &["list"]).await;
    assert!(
        text(&out.stdout).contains("sent 3x, last 204"),
        "{}",
        text(&out.stdout)
    );
    let out = run(dir.path(), &store, &["show", "1"]).await;
    assert!(text(&out.stdout).contains("deliveries:"));

    // Mistakes: a missing id is 1, a bad URL or id is a usage error.
    assert_eq!(
        run(dir.path(), &store, &["replay", "99", "--to", &target.url])
            .await
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run(dir.path(), &store, &["replay", "1", "--to", "ftp://x"])
            .await
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(dir.path(), &store, &["replay", "abc"])
            .await
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(
            dir.path(),
            &store,
            &["replay", "1", "--to", &target.url, "--timeout", "0"]
        )
        .await
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn replay_to_its_own_listener_is_marked_a_retry() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let body = r#"{"event":"incident.created","timestamp":"2024-01-15T14:32:05.000Z","monitor":{"id":"m_abc123def456","name":"API Production","url":"https://api.example.com/health"},"incident":{"id":"inc_789ghi012","status":"investigating","startedAt":"2024-01-15T14:32:00.000Z","resolvedAt":null}}"#;
    let raw = format!(
        "POST /pingara-webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Pingara-Secret: s\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    assert!(raw_exchange(&hc.addr, raw.as_bytes()).starts_with("HTTP/1.1 200"));
    assert!(hc.next_json()["duplicate_of"].is_null());
    let port = hc.addr.rsplit(':').next().unwrap().to_string();

    // No --to, no forward, no replay_to: hookcatch's own listener (port from the environment).
    let out = command(dir.path())
        .args(["replay", "1", "--store"])
        .arg(&hc.store)
        .env("HOOKCATCH_PORT", &port)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let again = hc.next_json();
    assert_eq!(again["id"], 2);
    assert_eq!(
        again["duplicate_of"], 1,
        "the replay is marked a retry of #1"
    );
    assert_eq!(again["body"], body);
    let out = cli_store(dir.path(), &hc.store, &["show", "1", "--json"]);
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        shown["deliveries"][0]["target"],
        format!("http://127.0.0.1:{port}/pingara-webhook")
    );

    // README: only a request with an idempotency key is marked; a plain one
    // replayed arrives again unmarked.
    let raw = "POST /plain HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    assert!(raw_exchange(&hc.addr, raw.as_bytes()).starts_with("HTTP/1.1 200"));
    assert_eq!(hc.next_json()["id"], 3);
    let out = command(dir.path())
        .args(["replay", "3", "--store"])
        .arg(&hc.store)
        .env("HOOKCATCH_PORT", &port)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let again = hc.next_json();
    assert_eq!(
        (again["id"].clone(), again["path"].clone()),
        (4.into(), "/plain".into())
    );
    assert!(again["duplicate_of"].is_null(), "{again}");
    assert_eq!(hc.stop().code(), Some(0));
}

/// README "Where replay and send-test send": the URL's path when it has
/// one, else the request's own path and query.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_with_a_path_is_used_as_given_one_without_gets_the_captured_path() {
    let dir = tempfile::tempdir().unwrap();
    let (hc, _) = capture_raw(
        dir.path(),
        b"POST /in?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
    );
    let store = hc.store.clone();
    assert_eq!(hc.stop().code(), Some(0));
    let mut target = Target::start(Behaviour::status(200)).await;
    for (to, path) in [
        (format!("{}/other?z=9", target.url), "/other?z=9"),
        (target.url.clone(), "/in?q=1"),
    ] {
        let out = run(dir.path(), &store, &["replay", "1", "--to", &to]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(target.next().await.target, path, "--to {to}");
    }
}

/// Without --to, replay reaches the listener running on the store (port 0
/// resolved), not the configured port; `--port N` is short for
/// `--to http://127.0.0.1:N`.
#[test]
fn without_to_replay_reaches_the_listener_running_on_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (hc, _) = capture_raw(
        dir.path(),
        b"POST /pingara-webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    let closed = closed_port_url().rsplit(':').next().unwrap().to_string();
    let replay = |args: &[&str]| {
        command(dir.path())
            .arg("replay")
            .args(args)
            .arg("--store")
            .arg(&hc.store)
            .env("HOOKCATCH_PORT", &closed)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = replay(&["1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let again = hc.next_json();
    assert_eq!(again["path"], "/pingara-webhook");
    assert_eq!(again["id"], 2);

    let port = hc.addr.rsplit(':').next().unwrap().to_string();
    let out = replay(&["1", "--port", &port]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(hc.next_json()["id"], 3);
    assert_usage_error(&replay(&["1", "--port", &port, "--to", &hc.url]), "--port");

    let store = hc.store.clone();
    assert_eq!(hc.stop().code(), Some(0));
    let out = cli_store(dir.path(), &store, &["replay", "1", "--port", &closed]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("refused"),
        "{}",
        text(&out.stdout)
    );
    // Nothing runs on the store any more: the configured port, said so.
    let out = command(dir.path())
        .args(["replay", "1", "--store"])
        .arg(&store)
        .env("HOOKCATCH_PORT", &closed)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no listener is running on")
            && stderr.contains(&format!("127.0.0.1:{closed}")),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ladder_reaches_success_once_the_target_answers_2xx() {
    let dir = tempfile::tempdir().unwrap();
    let (hc, _) = capture_raw(
        dir.path(),
        b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    let store = hc.store.clone();
    assert_eq!(hc.stop().code(), Some(0));
    let mut target = Target::start(Behaviour::status(503)).await;
    let mut child = command(dir.path())
        .args([
            "replay",
            "1",
            "--to",
            &target.url,
            "--ladder",
            "--ladder-scale",
            "0.01",
            "--store",
        ])
        .arg(&store)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    target.next().await;
    target.next().await;
    target.set(Behaviour::status(200));
    let status = tokio::task::spawn_blocking(move || {
        let status = wait_exit(&mut child);
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        (status, err)
    })
    .await
    .unwrap();
    assert_eq!(status.0.code(), Some(0), "{}", status.1);
    assert!(status.1.contains("retry 1 of 4 in 0.3 s"), "{}", status.1);
    assert!(
        status.1.contains("ladder succeeded on attempt"),
        "{}",
        status.1
    );

    let shown = show_async(dir.path(), &store, "1").await;
    let d = shown["deliveries"].as_array().unwrap();
    assert!(d.len() >= 2 && d.len() <= 3, "{d:?}");
    assert!(d.iter().all(|d| d["kind"] == "ladder"));
    assert_eq!(d[0]["status"], 503);
    assert_eq!(d.last().unwrap()["status"], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_cancels_the_ladder() {
    let dir = tempfile::tempdir().unwrap();
    let (hc, _) = capture_raw(
        dir.path(),
        b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let store = hc.store.clone();
    assert_eq!(hc.stop().code(), Some(0));
    let mut target = Target::start(Behaviour::status(500)).await;
    let mut child = command(dir.path())
        .args(["replay", "1", "--to", &target.url, "--ladder", "--store"])
        .arg(&store)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    target.next().await;
    let stderr = child.stderr.take().unwrap();
    let pid = child.id();
    let (status, err) = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(stderr).lines();
        // Wait until it is waiting the real 30 s, then interrupt it.
        let waiting = lines.next().unwrap().unwrap();
        assert!(waiting.contains("retry 1 of 4 in 30 s"), "{waiting}");
        let ok = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let status = wait_exit(&mut child);
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        (status, rest.join("\n"))
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(1));
    assert!(err.contains("ladder cancelled after 1 attempt"), "{err}");
    assert!(target.try_next().is_none(), "no retry after the cancel");
}
