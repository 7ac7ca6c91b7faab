//! The relay and its subscribers as real processes on loopback: `hookcatch
//! relay` on a port, `hookcatch listen --from URL --token TOKEN` following
//! a channel, senders and stream readers over real sockets, real stores.

mod common;
#[path = "support/target.rs"]
mod target;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use common::relay::{Relay, TOKEN, pem};
use common::*;
use hmac::{KeyInit, Mac};
use serde_json::Value;

const PINGARA_SECRET: &str = "pingara-shared-secret-42";
const GITHUB_SECRET: &str = "gh-secret-0123";
const STRIPE_SECRET: &str = "whsec_test_stripe_0123456789";
const STANDARD_KEY: &[u8] = b"standard-webhooks-key-0123";

/// A subscriber following `channel` with every secret the senders sign with.
fn subscriber(dir: &Path, name: &str, url: &str, args: &[&str]) -> Hookcatch {
    let store = dir.join(format!("{name}.db"));
    let mut all = vec!["--from", url, "--token", TOKEN];
    all.extend_from_slice(args);
    let standard = format!("whsec_{}", B64.encode(STANDARD_KEY));
    let hc = Hookcatch::start_with(dir, &store, &all, |cmd| {
        cmd.env("HOOKCATCH_SECRET", PINGARA_SECRET)
            .env("HOOKCATCH_VERIFY_GITHUB", GITHUB_SECRET)
            .env("HOOKCATCH_VERIFY_STRIPE", STRIPE_SECRET)
            .env("HOOKCATCH_VERIFY_STANDARD_WEBHOOKS", standard);
    });
    hc.wait_stderr("relay: connected");
    hc
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

/// A request as a sender makes it: path, headers in order (duplicates
/// too), body bytes.
struct Signed {
    path: &'static str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// GitHub, Stripe, Standard Webhooks and Pingara, each signed over a body
/// that is not UTF-8, each with a duplicated header.
fn signed_requests() -> Vec<Signed> {
    let body = |name: &str| {
        let mut b = format!("{{\"sender\":\"{name}\",\"bin\":\"").into_bytes();
        b.extend_from_slice(&[0xff, 0x00, 0x80, 0xfe, b'\r', b'\n']);
        b.extend_from_slice(b"\"}");
        b
    };
    let dup = |h: &mut Vec<(String, String)>| {
        h.push(("x-dup".into(), "first".into()));
        h.push(("x-dup".into(), "second".into()));
    };
    let now = chrono::Utc::now().timestamp().to_string();
    let mut out = Vec::new();

    let b = body("github");
    let mut h = vec![
        ("x-github-event".into(), "push".into()),
        (
            "x-github-delivery".into(),
            "72d3162e-cc78-11e3-81ab-4c9367dc0958".into(),
        ),
        (
            "x-hub-signature-256".into(),
            format!(
                "sha256={}",
                hex::encode(hmac_sha256(GITHUB_SECRET.as_bytes(), &[&b]))
            ),
        ),
    ];
    dup(&mut h);
    out.push(Signed {
        path: "/github/hook?x=1&x=2",
        headers: h,
        body: b,
    });

    let b = body("stripe");
    let sig = hex::encode(hmac_sha256(
        STRIPE_SECRET.as_bytes(),
        &[now.as_bytes(), b".", &b],
    ));
    let mut h = vec![("stripe-signature".into(), format!("t={now},v1={sig}"))];
    dup(&mut h);
    out.push(Signed {
        path: "/stripe",
        headers: h,
        body: b,
    });

    let b = body("standard");
    let id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
    let sig = B64.encode(hmac_sha256(
        STANDARD_KEY,
        &[id.as_bytes(), b".", now.as_bytes(), b".", &b],
    ));
    let mut h = vec![
        ("webhook-id".into(), id.into()),
        ("webhook-timestamp".into(), now.clone()),
        ("webhook-signature".into(), format!("v1,{sig}")),
    ];
    dup(&mut h);
    out.push(Signed {
        path: "/standard",
        headers: h,
        body: b,
    });

    let b = body("pingara");
    let mut h = vec![("x-pingara-secret".into(), PINGARA_SECRET.into())];
    dup(&mut h);
    out.push(Signed {
        path: "/pingara-webhook",
        headers: h,
        body: b,
    });
    out
}

async fn send(url: &str, s: &Signed) -> reqwest::Response {
    let mut req = client().post(format!("{url}{}", s.path));
    for (n, v) in &s.headers {
        req = req.header(n.as_str(), v.as_str());
    }
    req.body(s.body.clone())
        .send()
        .await
        .expect("post to relay")
}

/// The body of a headless line or `--json` object, as bytes.
fn body_bytes(line: &Value) -> Vec<u8> {
    match (line["body"].as_str(), line["body_base64"].as_str()) {
        (Some(text), _) => text.as_bytes().to_vec(),
        (None, Some(b64)) => B64.decode(b64).unwrap(),
        _ => panic!("no body in {line}"),
    }
}

fn list_json_of(dir: &Path, store: &Path) -> Vec<Value> {
    let out = cli_store(dir, store, &["list", "--json", "--limit", "100000"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_requests_arrive_byte_identical_at_two_subscribers_with_valid_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let from = relay.channel("team");
    let alice = subscriber(dir.path(), "alice", &from, &[]);
    let bob = subscriber(dir.path(), "bob", &from, &[]);
    let requests = signed_requests();
    for s in &requests {
        let resp = send(&from, s).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.text().await.unwrap(), r#"{"received": true}"#);
    }
    let relayed = list_json_of(dir.path(), &relay.store);
    assert_eq!(relayed.len(), requests.len());
    for hc in [&alice, &bob] {
        for (i, s) in requests.iter().enumerate() {
            let line = hc.next_json();
            let (path, query) = s
                .path
                .split_once('?')
                .map_or((s.path, None), |(p, q)| (p, Some(q)));
            assert_eq!(line["path"], path);
            assert_eq!(line["query"].as_str(), query);
            assert_eq!(line["method"], "POST");
            assert_eq!(body_bytes(&line), s.body, "body of {path}");
            // Every header the relay caught, in its order, duplicates kept.
            assert_eq!(line["headers"], relayed[i]["headers"], "{path}");
            let dups: Vec<&Value> = line["headers"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|h| h[0] == "x-dup")
                .collect();
            assert_eq!(dups.len(), 2);
            assert_eq!(
                (dups[0][1].as_str(), dups[1][1].as_str()),
                (Some("first"), Some("second"))
            );
            assert_eq!(line["auth"]["verdict"], "valid", "{path}: {}", line["auth"]);
            assert_eq!(line["auth"]["judged"], "at arrival");
            assert_eq!(line["received_at"], relayed[i]["received_at"]);
            assert_eq!(line["remote_addr"], relayed[i]["remote_addr"]);
            assert_eq!(line["relay"]["url"], relay.url.as_str());
            assert_eq!(line["relay"]["channel"], "team");
            assert_eq!(line["relay"]["id"], relayed[i]["id"]);
        }
    }
    // `show --json` says where it came from too.
    let out = cli_store(dir.path(), &alice.store, &["show", "1", "--json"]);
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["relay"]["channel"], "team");
    assert_eq!(shown["relay"]["id"], relayed[0]["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_subscriber_gets_exactly_what_it_missed_in_order_once() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let from = relay.channel("ch");
    let sub = subscriber(dir.path(), "sub", &from, &[]);
    let c = client();
    c.post(format!("{from}/first"))
        .body("first")
        .send()
        .await
        .unwrap();
    assert_eq!(body_bytes(&sub.next_json()), b"first");
    assert!(sub.stop().success());
    for n in 0..50 {
        let resp = c
            .post(format!("{from}/n"))
            .body(format!("missed {n}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let sub = subscriber(dir.path(), "sub", &from, &[]);
    for n in 0..50 {
        let line = sub.next_json();
        assert_eq!(body_bytes(&line), format!("missed {n}").as_bytes());
    }
    c.post(format!("{from}/last"))
        .body("last")
        .send()
        .await
        .unwrap();
    assert_eq!(
        body_bytes(&sub.next_json()),
        b"last",
        "nothing twice before it"
    );
    drop(sub);
    let stored = list_json_of(dir.path(), &dir.path().join("sub.db"));
    assert_eq!(stored.len(), 52);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_answered_2xx_reaches_the_subscriber_once_across_a_relay_kill() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("relay.db");
    let relay = Relay::start(dir.path(), &store, 0, &[]);
    let port = relay.port();
    let from = relay.channel("k");
    let sub = subscriber(dir.path(), "sub", &from, &[]);
    let (ok_tx, ok_rx) = std::sync::mpsc::channel::<String>();
    let mut senders = Vec::new();
    for client_no in 0..10 {
        let (from, ok_tx) = (from.clone(), ok_tx.clone());
        senders.push(tokio::spawn(async move {
            let c = client();
            for n in 0..50 {
                let body = format!("c{client_no}-{n}");
                // A refused or cut request is the sender's to retry; only
                // a 2xx is a promise.
                if let Ok(resp) = c.post(format!("{from}/p")).body(body.clone()).send().await
                    && resp.status().is_success()
                {
                    ok_tx.send(body).unwrap();
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    drop(ok_tx);
    // Kill it once some have been answered.
    let mut answered = BTreeSet::new();
    while answered.len() < 100 {
        answered.insert(ok_rx.recv_timeout(WAIT).expect("answers before the kill"));
    }
    relay.kill9();
    let _relay = Relay::start(dir.path(), &store, port, &[]);
    for s in senders {
        s.await.unwrap();
    }
    answered.extend(ok_rx.iter());
    assert!(answered.len() > 100, "the restarted relay answered too");
    let mut seen: HashMap<String, usize> = HashMap::new();
    let deadline = Instant::now() + WAIT;
    while !answered.iter().all(|b| seen.contains_key(b)) {
        assert!(
            Instant::now() < deadline,
            "missing: {} of {}",
            answered.iter().filter(|b| !seen.contains_key(*b)).count(),
            answered.len()
        );
        if let Some(line) = sub.try_next_json(Duration::from_millis(500)) {
            *seen
                .entry(String::from_utf8(body_bytes(&line)).unwrap())
                .or_default() += 1;
        }
    }
    for line in sub.drain_lines(Duration::from_millis(500)) {
        let line: Value = serde_json::from_str(&line).unwrap();
        *seen
            .entry(String::from_utf8(body_bytes(&line)).unwrap())
            .or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "stored twice: {twice:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_gives_the_sender_the_local_apps_answer_or_the_relays_own() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(
        dir.path(),
        &dir.path().join("relay.db"),
        0,
        &["--hold", "5"],
    );
    let from = relay.channel("h");
    let mut app = target::Target::start(target::Behaviour::status(500)).await;
    let sub = subscriber(dir.path(), "sub", &from, &["--forward", &app.url]);
    let c = client();
    let resp = c
        .post(format!("{from}/orders?id=7"))
        .body("order")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    let got_headers: BTreeSet<(String, String)> = resp
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string()))
        .collect();
    assert_eq!(resp.text().await.unwrap(), r#"{"target":"says 500"}"#);
    let got = app.next().await;
    assert_eq!(
        (got.target.as_str(), got.body.as_slice()),
        ("/orders?id=7", &b"order"[..])
    );
    assert!(sub.stop().success());

    // Nobody follows the channel: the relay answers at once, and says why.
    let started = Instant::now();
    let resp = c
        .post(format!("{from}/orders"))
        .body("alone")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), r#"{"received": true}"#);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "within the hold time"
    );
    let stored = list_json_of(dir.path(), &relay.store);
    assert_eq!(stored[0]["channel"], "h");
    assert_eq!(stored[0]["response"]["status"], 500);
    // The record of the held answer is what the sender got, framing too.
    let shown = show_json(dir.path(), &relay.store, "1");
    let recorded: BTreeSet<(String, String)> = shown["response"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h[0].as_str().unwrap().to_string(),
                h[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        recorded.contains(&("content-length".into(), "21".into())),
        "{recorded:?}"
    );
    assert_eq!(recorded, got_headers);
    assert_eq!(stored[1]["response"]["status"], 200);
    let why = stored[1]["response_reason"].as_str().unwrap_or_default();
    assert!(why.contains("no subscriber"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_gives_no_answer_leaves_the_relays_own_after_the_hold() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(
        dir.path(),
        &dir.path().join("relay.db"),
        0,
        &["--hold", "1", "--status", "202"],
    );
    let from = relay.channel("h");
    // Drop mode: the local listener gives no answer at all.
    let sub = subscriber(dir.path(), "sub", &from, &["--mode", "drop"]);
    let resp = client()
        .post(format!("{from}/x"))
        .body("b")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    sub.next_json();
    // The answer's record is queued to the writer as the answer goes out,
    // not waited for: read until it has landed.
    let deadline = Instant::now() + WAIT;
    let why = loop {
        let stored = list_json_of(dir.path(), &relay.store);
        let why = stored[0]["response_reason"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if why != "pending" || Instant::now() > deadline {
            break why;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(why.contains("no subscriber answered within 1 s"), "{why}");
}

/// The raw answer to a request, head and body, read until the server closes
/// or `limit` bytes came.
fn raw(addr: &str, request: &str, limit: usize) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    // A stream never closes: what came within a second is its answer.
    s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < limit {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_get_401_that_says_nothing_of_the_channel() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hookcatch.toml"),
        "[relay.tokens]\nmine = \"only-mine-token\"\n",
    )
    .unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let c = client();
    c.post(format!("{}/x", relay.channel("used")))
        .body("b")
        .send()
        .await
        .unwrap();
    let stream = |channel: &str| format!("{}/_hookcatch/v1/c/{channel}/stream", relay.url);
    let mut answers = Vec::new();
    for channel in ["used", "never-posted"] {
        for auth in [
            None,
            Some("Bearer wrong"),
            Some("Bearer relay-token-7f3"),
            Some("Basic cmVsYXk="),
        ] {
            let mut req = c.get(stream(channel));
            if let Some(auth) = auth {
                req = req.header("authorization", auth);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 401, "{channel} {auth:?}");
            answers.push(resp.text().await.unwrap());
        }
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    // A channel's own token reads that channel only.
    let get = |channel: &str, token: &str| {
        c.get(stream(channel))
            .header("authorization", format!("Bearer {token}"))
            .send()
    };
    let own = get("mine", "only-mine-token").await.unwrap();
    assert_eq!(own.status(), 200);
    drop(own);
    assert_eq!(get("used", "only-mine-token").await.unwrap().status(), 401);
    let answer = c
        .post(format!("{}/_hookcatch/v1/c/used/answer/1", relay.url))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_channel_names_and_other_paths_get_a_json_404() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let addr = relay.url.trim_start_matches("http://").to_string();
    let long = "a".repeat(65);
    let hostile = [
        "/".to_string(),
        "/c".into(),
        "/c/".into(),
        "/c//x".into(),
        format!("/c/{long}"),
        "/c/a.b".into(),
        "/c/%2e%2e/x".into(),
        "/c/a%2Fb".into(),
        "/c/..%2f..%2fetc".into(),
        "/c/caf%C3%A9".into(),
        "/c/a;b".into(),
        "/_hookcatch/v1/c/a/stream/extra".into(),
        "/_hookcatch/v1/c/a.b/stream".into(),
        "/_hookcatch/v1/c/a/nope".into(),
        "/_hookcatch/v1/c/".into(),
        "/webhook".into(),
    ];
    for path in &hostile {
        let answer = raw(
            &addr,
            &format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
            ),
            1 << 16,
        );
        assert!(answer.starts_with("HTTP/1.1 404"), "{path}: {answer}");
        let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
        let json: Value =
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"));
        assert!(json["error"].is_string(), "{path}");
    }
    let max = "Z_-9".repeat(16);
    let ok = client()
        .post(format!("{}/c/{max}/deep/path", relay.url))
        .body("ok")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    // Nothing but the good one was stored.
    assert_eq!(list_json_of(dir.path(), &relay.store).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_reader_that_never_reads_costs_the_relay_nothing_that_grows() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let addr = relay.url.trim_start_matches("http://").to_string();
    let from = relay.channel("big");
    // Connects, asks for the stream, then never reads a byte.
    let mut stuck = TcpStream::connect(&addr).unwrap();
    write!(
        stuck,
        "GET /_hookcatch/v1/c/big/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    )
    .unwrap();
    let sub = subscriber(dir.path(), "sub", &from, &[]);
    // Patterned (not one byte repeated), so pieces out of order would show.
    let chunk: Vec<u8> = (0..512 * 1024).map(|i| (i % 251) as u8).collect();
    let c = client();
    c.post(format!("{from}/warm"))
        .body(chunk.clone())
        .send()
        .await
        .unwrap();
    sub.next_json();
    let before = relay.rss_kb();
    // 64 MiB posted (85 MiB as base64 events) while the reader reads nothing.
    for _ in 0..128 {
        let resp = c
            .post(format!("{from}/p"))
            .body(chunk.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    // A reader that reads still gets all of it.
    for _ in 0..128 {
        assert_eq!(body_bytes(&sub.next_json()), chunk, "sent in pieces, whole");
    }
    let grown_mb = relay.rss_kb().saturating_sub(before) / 1024;
    assert!(grown_mb < 40, "the relay grew by {grown_mb} MiB");
    drop(stuck);
}

/// README: twenty readers that stop reading hold about 2.5 MB each, not
/// their event (before, each held its 10 MB body's event, 13 MB of base64,
/// and the copies made on the way).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_readers_do_not_each_hold_a_large_body() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let addr = relay.url.trim_start_matches("http://").to_string();
    let from = relay.channel("big");
    let resp = client()
        .post(format!("{from}/x"))
        .body(vec![b'y'; 10_000_000])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let before = relay.rss_kb();
    let mut stalled = Vec::new();
    for _ in 0..10 {
        let mut s = TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET /_hookcatch/v1/c/big/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
        )
        .unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        // Read until the event has begun, then stop reading.
        let mut r = BufReader::new(s);
        let mut line = String::new();
        while !line.starts_with("id: 1") {
            line.clear();
            r.read_line(&mut line).unwrap();
        }
        stalled.push(r);
    }
    // The most it grew while they hang on, sampled for a second.
    let mut grown_kb = 0;
    for _ in 0..10 {
        grown_kb = grown_kb.max(relay.rss_kb().saturating_sub(before));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        grown_kb / 1024 < 80,
        "ten stalled readers: +{} MiB",
        grown_kb / 1024
    );
    drop(stalled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_idle_streams_and_requests_still_flow() {
    hookcatch::capture::nofile::raise_open_files_limit();
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let addr = relay.url.trim_start_matches("http://").to_string();
    let mut idle = Vec::new();
    for i in 0..1000 {
        let mut s = TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET /_hookcatch/v1/c/idle{}/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n",
            i % 10
        )
        .unwrap();
        idle.push(s);
    }
    // Each got its answer head and hello.
    let mut readers: Vec<BufReader<TcpStream>> = idle.into_iter().map(BufReader::new).collect();
    for r in &mut readers {
        r.get_mut().set_read_timeout(Some(WAIT)).unwrap();
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    }
    let from = relay.channel("idle3");
    let sub = subscriber(dir.path(), "sub", &from, &[]);
    let resp = client()
        .post(format!("{from}/x"))
        .body("through")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(body_bytes(&sub.next_json()), b"through");
    // And an idle stream of that channel got it too.
    let r = &mut readers[3];
    let mut line = String::new();
    while !line.starts_with("data: {\"id\"") {
        line.clear();
        r.read_line(&mut line).unwrap();
    }
    let event: Value = serde_json::from_str(line.trim_start_matches("data: ")).unwrap();
    assert_eq!(
        B64.decode(event["body_base64"].as_str().unwrap()).unwrap(),
        b"through"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_resumes_after_last_event_id_or_after() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let from = relay.channel("r");
    let c = client();
    for n in 1..=3 {
        c.post(format!("{from}/n"))
            .body(format!("b{n}"))
            .send()
            .await
            .unwrap();
    }
    // Another channel's request is never in this one's stream.
    c.post(format!("{}/n", relay.channel("other")))
        .body("x")
        .send()
        .await
        .unwrap();
    let addr = relay.url.trim_start_matches("http://").to_string();
    let ids = |head: &str| {
        let answer = raw(
            &addr,
            &format!(
                "GET /_hookcatch/v1/c/r/stream{head}\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
            ),
            2048,
        );
        answer
            .lines()
            .filter_map(|l| l.strip_prefix("id: "))
            .map(|id| id.parse::<i64>().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(" HTTP/1.1"), vec![1, 2, 3]);
    assert_eq!(ids("?after=1 HTTP/1.1"), vec![2, 3]);
    assert_eq!(ids(" HTTP/1.1\r\nLast-Event-ID: 2"), vec![3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscriber_reads_its_settings_from_the_environment_and_reconnects() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("relay.db");
    let relay = Relay::start(dir.path(), &store, 0, &[]);
    let port = relay.port();
    let from = relay.channel("env");
    let sub = Hookcatch::start_with(dir.path(), &dir.path().join("sub.db"), &[], |cmd| {
        cmd.env("HOOKCATCH_FROM", &from)
            .env("HOOKCATCH_TOKEN", TOKEN);
    });
    sub.wait_stderr("relay: connected");
    relay.kill9();
    let line = sub.wait_stderr("relay: reconnecting in 0.1 s (");
    assert!(line.contains("hookcatch: relay: reconnecting"), "{line}");
    sub.wait_stderr("relay: reconnecting in 0.2 s (");
    // Back on the same port, with what was posted meanwhile... there was
    // nothing; post once it is up again.
    let _relay = Relay::start(dir.path(), &store, port, &[]);
    sub.wait_stderr("relay: connected");
    client()
        .post(format!("{from}/again"))
        .body("again")
        .send()
        .await
        .unwrap();
    let line = sub.next_json();
    assert_eq!(body_bytes(&line), b"again");
    assert_eq!(line["path"], "/again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_says_how_far_behind_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let from = relay.channel("late");
    for n in 0..3 {
        client()
            .post(format!("{from}/n"))
            .body(format!("{n}"))
            .send()
            .await
            .unwrap();
    }
    let sub = subscriber(dir.path(), "sub", &from, &[]);
    sub.wait_stderr("relay: catching up, 3 behind");
    for n in 0..3 {
        assert_eq!(body_bytes(&sub.next_json()), format!("{n}").as_bytes());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_over_its_rate_gets_429_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(
        dir.path(),
        &dir.path().join("relay.db"),
        0,
        &["--rate", "3/m"],
    );
    let c = client();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let resp = c
            .post(format!("{}/x", relay.channel("busy")))
            .body("b")
            .send()
            .await
            .unwrap();
        if resp.status() == 429 {
            let retry: u64 = resp.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=20).contains(&retry), "{retry}");
        }
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    // Another channel has its own budget.
    let other = c
        .post(format!("{}/x", relay.channel("calm")))
        .body("b")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);
    // What was refused was not stored.
    assert_eq!(list_json_of(dir.path(), &relay.store).len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_n_keeps_the_newest_per_channel() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("relay.db");
    let relay = Relay::start(dir.path(), &store, 0, &[]);
    let c = client();
    for channel in ["a", "b"] {
        for n in 0..5 {
            c.post(format!("{}/x", relay.channel(channel)))
                .body(format!("{channel}{n}"))
                .send()
                .await
                .unwrap();
        }
    }
    drop(relay);
    // Pruned in the background once the relay runs, as for `listen`.
    let relay = Relay::start(dir.path(), &store, 0, &["--keep", "2"]);
    let deadline = Instant::now() + WAIT;
    let mut kept;
    loop {
        kept = list_json_of(dir.path(), &relay.store)
            .iter()
            .map(|l| String::from_utf8(body_bytes(l)).unwrap())
            .collect::<Vec<_>>();
        if kept.len() == 4 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(kept, vec!["a3", "a4", "b3", "b4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_serves_https_with_its_own_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start_tls(dir.path(), &dir.path().join("relay.db"));
    assert!(relay.url.starts_with("https://"), "{}", relay.url);
    let from = relay.channel("tls");
    // Without --insecure the subscriber says how to get past the certificate.
    let refused = Hookcatch::start_with(dir.path(), &dir.path().join("no.db"), &[], |cmd| {
        cmd.args(["--from", &from, "--token", TOKEN]);
    });
    let line = refused.wait_stderr("relay: reconnecting");
    assert!(line.contains("pass --insecure"), "{line}");
    drop(refused);
    // The subscriber accepts the self-signed certificate with --insecure.
    let sub = subscriber(dir.path(), "sub", &from, &["--insecure"]);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let c = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(WAIT)
        .build()
        .unwrap();
    let resp = c
        .post(format!("{from}/secure"))
        .body("over tls")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(body_bytes(&sub.next_json()), b"over tls");
}

#[test]
fn relay_refuses_to_start_without_a_token_and_listen_from_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path(), &["relay", "--port", "0", "--ephemeral"]);
    assert_usage_error(&out, "relay needs a token");
    let out = cli(
        dir.path(),
        &[
            "listen",
            "--headless",
            "--port",
            "0",
            "--ephemeral",
            "--from",
            "http://127.0.0.1:9/c/x",
        ],
    );
    assert_usage_error(&out, "--token");
    let out = cli(
        dir.path(),
        &[
            "listen",
            "--port",
            "0",
            "--ephemeral",
            "--from",
            "http://127.0.0.1:9/c/a.b",
            "--token",
            "t",
        ],
    );
    assert_usage_error(&out, "--from");
}

#[test]
fn a_token_with_a_control_character_is_a_usage_error_for_relay_and_subscriber() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad = "s3cret\nX-Injected: 1";
    let relay = ["relay", "--port", "0", "--ephemeral"];
    let listen = [
        "listen",
        "--headless",
        "--port",
        "0",
        "--ephemeral",
        "--from",
        "http://127.0.0.1:9/c/x",
    ];
    for out in [
        refused(d, &[&relay[..], &["--token", bad]].concat(), &[]),
        refused(d, &relay, &[("HOOKCATCH_TOKEN", bad)]),
        refused(d, &[&listen[..], &["--token", bad]].concat(), &[]),
        refused(d, &listen, &[("HOOKCATCH_TOKEN", "tab\there")]),
    ] {
        assert_usage_error(&out, "a token must not contain control characters");
        // Never echoed: it is a secret.
        assert!(
            !text(&out.stderr).contains("s3cret"),
            "{}",
            text(&out.stderr)
        );
    }
    std::fs::write(
        d.join("hookcatch.toml"),
        "[relay.tokens]\nteam = \"a\\nb\"\n",
    )
    .unwrap();
    let out = refused(d, &[&relay[..], &["--token", TOKEN]].concat(), &[]);
    assert_usage_error(&out, "without control characters");
}

#[test]
fn the_relay_binds_loopback_unless_told_and_warns_when_told() {
    let dir = tempfile::tempdir().unwrap();
    for (bind, warns) in [(None, false), (Some("0.0.0.0"), true)] {
        let mut cmd = command(dir.path());
        cmd.args(["relay", "--port", "0", "--ephemeral", "--token", TOKEN]);
        if let Some(bind) = bind {
            cmd.args(["--bind", bind]);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = lines_of(child.stderr.take().unwrap());
        let mut before = Vec::new();
        let listening = loop {
            let line = lines.recv_timeout(WAIT).expect("relay starts");
            if line.contains("relay listening on ") {
                break line;
            }
            before.push(line);
        };
        let _ = child.kill();
        let _ = child.wait();
        let expected = if warns {
            "http://0.0.0.0:"
        } else {
            "http://127.0.0.1:"
        };
        assert!(listening.contains(expected), "{listening}");
        assert_eq!(
            before.iter().any(|l| l.contains("not loopback")),
            warns,
            "{before:?}"
        );
    }
}

/// What a command prints on stderr before it says it is listening (then
/// it is stopped).
fn startup_stderr(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Vec<String> {
    let mut cmd = command(dir);
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let lines = lines_of(child.stderr.take().unwrap());
    let mut before = Vec::new();
    loop {
        let line = lines.recv_timeout(WAIT).expect("it starts listening");
        if line.contains("listening on ") {
            break;
        }
        before.push(line);
    }
    let _ = child.kill();
    let _ = child.wait();
    before
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_on_a_new_store_is_followed_from_its_first_request() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("a.db"), 0, &[]);
    let port = relay.port();
    let from = relay.channel("moved");
    let sub = subscriber(dir.path(), "sub", &from, &[]);
    let c = client();
    for n in 1..=3 {
        c.post(format!("{from}/a"))
            .body(format!("a{n}"))
            .send()
            .await
            .unwrap();
        assert_eq!(body_bytes(&sub.next_json()), format!("a{n}").as_bytes());
    }
    relay.kill9();
    // The same URL, a new store: its ids start at 1 again, below the cursor.
    let _relay = Relay::start(dir.path(), &dir.path().join("b.db"), port, &[]);
    for n in 1..=2 {
        c.post(format!("{from}/b"))
            .body(format!("b{n}"))
            .send()
            .await
            .unwrap();
    }
    sub.wait_stderr(
        "hookcatch: warning: relay store was replaced: starting again from its first request",
    );
    for n in 1..=2 {
        let line = sub.next_json();
        assert_eq!(body_bytes(&line), format!("b{n}").as_bytes());
        assert_eq!(line["relay"]["id"], n);
    }
    // Nothing twice: a later request comes next, and the store holds 3 + 3.
    c.post(format!("{from}/b")).body("b3").send().await.unwrap();
    assert_eq!(body_bytes(&sub.next_json()), b"b3");
    drop(sub);
    let stored = list_json_of(dir.path(), &dir.path().join("sub.db"));
    assert_eq!(stored.len(), 6);
}

#[test]
fn relay_takes_no_flag_it_would_ignore() {
    let dir = tempfile::tempdir().unwrap();
    let help = cli(dir.path(), &["relay", "--help"]);
    assert!(help.status.success());
    let help = stdout(&help);
    let options: Vec<&str> = help
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|word| word.starts_with("--"))
        .collect();
    assert!(options.contains(&"--hold"), "{options:?}");
    for flag in [
        "--theme",
        "--bell",
        "--headless",
        "--forward-mode",
        "--forward",
        "--insecure",
        "--mask-secrets",
        "--from",
        "--timeout",
    ] {
        assert!(!options.contains(&flag), "relay --help lists {flag}");
    }
    for flag in [&["--theme", "x"][..], &["--headless"], &["--insecure"]] {
        let mut args = vec!["relay", "--ephemeral", "--port", "0", "--token", TOKEN];
        args.extend_from_slice(flag);
        let out = cli(dir.path(), &args);
        assert_usage_error(&out, &format!("unexpected argument '{}'", flag[0]));
        assert!(text(&out.stderr).contains("hookcatch relay --help"));
    }
    // `listen` still takes them.
    let help = stdout(&cli(dir.path(), &["listen", "--help"]));
    assert!(
        help.contains("--theme") && help.contains("--insecure"),
        "{help}"
    );
}

#[test]
fn listen_token_without_from_is_said_to_be_unused() {
    let dir = tempfile::tempdir().unwrap();
    let listen = ["listen", "--headless", "--port", "0", "--ephemeral"];
    let warning = "--token is only used with --from";
    let mut args = listen.to_vec();
    args.extend(["--token", TOKEN]);
    let said = startup_stderr(dir.path(), &args, &[]);
    assert!(said.iter().any(|l| l.contains(warning)), "{said:?}");
    // A token from the environment may be there for `relay`: no warning.
    let said = startup_stderr(dir.path(), &listen, &[("HOOKCATCH_TOKEN", TOKEN)]);
    assert!(!said.iter().any(|l| l.contains(warning)), "{said:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_channel_name_is_a_usage_error_and_a_404_says_what_url_to_give() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("http://127.0.0.1:9/c/{}", "x".repeat(65));
    for url in ["http://127.0.0.1:9/c/bad.name", long.as_str()] {
        let out = cli(
            dir.path(),
            &[
                "listen",
                "--headless",
                "--port",
                "0",
                "--ephemeral",
                "--from",
                url,
                "--token",
                TOKEN,
            ],
        );
        assert_usage_error(&out, "is invalid: a channel is 1-64 of [A-Za-z0-9_-]");
    }
    // A valid name under a path the relay does not serve: 404, and the hint.
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let from = format!("{}/wrong/c/ch", relay.url);
    let sub = Hookcatch::start_with(dir.path(), &dir.path().join("sub.db"), &[], |cmd| {
        cmd.args(["--from", &from, "--token", TOKEN]);
    });
    let line = sub.wait_stderr("404: not a hookcatch relay channel");
    assert!(
        line.contains("the URL must look like http(s)://HOST[:PORT]/c/CHANNEL"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_says_connected_once_per_connection() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let from = relay.channel("once");
    let c = client();
    for n in 0..2 {
        c.post(format!("{from}/n"))
            .body(format!("{n}"))
            .send()
            .await
            .unwrap();
    }
    // The helper waits for the first `relay: connected`.
    let sub = subscriber(dir.path(), "sub", &from, &[]);
    sub.wait_stderr("relay: catching up, 2 behind");
    for _ in 0..2 {
        sub.next_json();
    }
    c.post(format!("{from}/n"))
        .body("live")
        .send()
        .await
        .unwrap();
    assert_eq!(body_bytes(&sub.next_json()), b"live");
    let later = sub.drain_stderr(Duration::from_millis(500));
    let again = later
        .iter()
        .filter(|l| l.contains("relay: connected"))
        .count();
    assert_eq!(again, 0, "{later:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn received_at_travels_in_milliseconds_and_is_stored_as_sent() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let from = relay.channel("t");
    client()
        .post(format!("{from}/x"))
        .body("when")
        .send()
        .await
        .unwrap();
    let addr = relay.url.trim_start_matches("http://").to_string();
    let answer = raw(
        &addr,
        &format!(
            "GET /_hookcatch/v1/c/t/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
        ),
        4096,
    );
    let data = answer
        .lines()
        .find_map(|l| l.strip_prefix("data: {\"id\""))
        .map(|rest| format!("{{\"id\"{rest}"))
        .expect("an event");
    let event: Value = serde_json::from_str(&data).unwrap();
    let sent = event["received_at"].as_str().unwrap();
    // RFC 3339, milliseconds, UTC: as the headless line writes it.
    assert!(is_rfc3339_millis(sent), "{sent}");
    let relayed = list_json_of(dir.path(), &relay.store);
    assert_eq!(relayed[0]["received_at"], sent);
    let sub = subscriber(dir.path(), "sub", &from, &[]);
    assert_eq!(sub.next_json()["received_at"], sent);
}

/// `2026-12-06T02:08:07.123Z`.
fn is_rfc3339_millis(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 24
        && chrono::DateTime::parse_from_rfc3339(s).is_ok()
        && b[19] == b'.'
        && b[20..23].iter().all(u8::is_ascii_digit)
        && b[23] == b'Z'
}

/// The relay's stored requests once `ready` says they have landed.
fn stored_when(dir: &Path, store: &Path, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let out = cli_store(dir, store, &["list", "--json", "--limit", "100000"]);
        let rows: Vec<Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if ready(&rows) {
            return rows;
        }
        assert!(Instant::now() < deadline, "never ready: {rows:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn json_of(resp: reqwest::Response) -> Value {
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

/// `hookcatch relay` with these arguments and variables, run to its end
/// (for settings it refuses before it starts). One that starts instead is
/// stopped after [`WAIT`] and fails the test.
fn relay_refused(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut all = vec!["relay", "--port", "0", "--token", TOKEN, "--ephemeral"];
    all.extend_from_slice(args);
    refused(dir, &all, env)
}

/// `hookcatch ARGS` with these variables, expected to refuse to start:
/// killed and failed if it is still running after [`WAIT`].
fn refused(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut child = command(dir)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "it started instead of refusing {args:?} {env:?}: {}",
                text(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relays_own_settings_come_from_the_environment_and_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    // HOOKCATCH_RATE: two a minute, so the third at once is over it.
    let relay = Relay::start_env(
        dir.path(),
        &dir.path().join("rate.db"),
        0,
        &[],
        &[("HOOKCATCH_RATE", "2/m")],
    );
    relay.wait_stderr("at most 2/m per channel");
    let from = relay.channel("r");
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let resp = client().post(format!("{from}/x")).send().await.unwrap();
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 429]);
    drop(relay);

    // `[relay] hold`: the sender gets the subscriber's answer.
    std::fs::write(
        dir.path().join("hookcatch.toml"),
        "[relay]\nhold = 5\n\n[relay.tokens]\nteam = \"team-token\"\n",
    )
    .unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("hold.db"), 0, &[]);
    let from = relay.channel("h");
    let _sub = subscriber(dir.path(), "sub", &from, &["--status", "299"]);
    let resp = client().post(format!("{from}/x")).send().await.unwrap();
    assert_eq!(resp.status(), 299);
    drop(relay);
    std::fs::remove_file(dir.path().join("hookcatch.toml")).unwrap();

    // HOOKCATCH_TLS_CERT and HOOKCATCH_TLS_KEY: it serves https.
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, pem("CERTIFICATE", certified.cert.der())).unwrap();
    std::fs::write(
        &key,
        pem("PRIVATE KEY", &certified.signing_key.serialize_der()),
    )
    .unwrap();
    let relay = Relay::start_env(
        dir.path(),
        &dir.path().join("tls.db"),
        0,
        &[],
        &[
            ("HOOKCATCH_TLS_CERT", cert.to_str().unwrap()),
            ("HOOKCATCH_TLS_KEY", key.to_str().unwrap()),
        ],
    );
    assert!(relay.url.starts_with("https://"), "{}", relay.url);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let c = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(WAIT)
        .build()
        .unwrap();
    let resp = c
        .post(format!("{}/x", relay.channel("t")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[test]
fn a_bad_relay_setting_is_a_usage_error_naming_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = relay_refused(d, &[], &[("HOOKCATCH_HOLD", "soon")]);
    assert_usage_error(&out, "HOOKCATCH_HOLD=soon: expected seconds");
    let out = relay_refused(d, &[], &[("HOOKCATCH_RATE", "lots")]);
    assert_usage_error(&out, "HOOKCATCH_RATE=lots: expected requests per second");
    let out = relay_refused(d, &["--hold", "-1"], &[]);
    assert_usage_error(&out, "--hold -1: expected seconds from 0.1 to 300");
    // Below the least the message names, by every route.
    let out = relay_refused(d, &["--hold", "0.0001"], &[]);
    assert_usage_error(&out, "--hold 0.0001: expected seconds from 0.1 to 300");
    let out = relay_refused(d, &[], &[("HOOKCATCH_HOLD", "0.05")]);
    assert_usage_error(
        &out,
        "HOOKCATCH_HOLD=0.05: expected seconds from 0.1 to 300",
    );
    let out = relay_refused(d, &[], &[("HOOKCATCH_TLS_CERT", "c.pem")]);
    assert_usage_error(
        &out,
        "HOOKCATCH_TLS_CERT=c.pem: HTTPS needs both: add --tls-key",
    );
    std::fs::write(d.join("hookcatch.toml"), "[relay]\nrate = \"5/h\"\n").unwrap();
    let out = relay_refused(d, &[], &[]);
    assert_usage_error(
        &out,
        "hookcatch.toml: [relay] rate = \"5/h\": expected requests",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforce_auth_refuses_at_once_and_holds_only_what_is_authenticated() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(
        dir.path(),
        &dir.path().join("relay.db"),
        0,
        &["--secret", PINGARA_SECRET, "--enforce-auth", "--hold", "2"],
    );
    let from = relay.channel("a");
    let _sub = subscriber(dir.path(), "sub", &from, &["--status", "299"]);
    let c = client();
    let unsigned = c.post(format!("{from}/x")).body("u").send().await.unwrap();
    assert_eq!(unsigned.status(), 401);
    let signed = c
        .post(format!("{from}/x"))
        .header("x-pingara-secret", PINGARA_SECRET)
        .body("s")
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 299);
    let stored = stored_when(dir.path(), &relay.store, |rows| {
        rows.len() == 2 && rows[1]["response_reason"] != "pending"
    });
    // The unsigned one has the relay's own answer, the signed one the
    // subscriber's.
    assert_eq!(stored[0]["response"]["status"], 401);
    assert_eq!(stored[1]["response"]["status"], 299);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_sender_gets_the_relays_answer_when_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let mut relay = Relay::start(
        dir.path(),
        &dir.path().join("relay.db"),
        0,
        &["--hold", "10"],
    );
    let from = relay.channel("s");
    let _sub = subscriber(dir.path(), "sub", &from, &["--mode", "drop"]);
    let sender = tokio::spawn(client().post(format!("{from}/x")).body("held").send());
    stored_when(dir.path(), &relay.store, |rows| {
        rows.first()
            .is_some_and(|r| r["response_reason"] == "pending")
    });
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &relay.child.id().to_string()])
        .status();
    let resp = sender
        .await
        .unwrap()
        .expect("an answer, not a cut connection");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), r#"{"received": true}"#);
    assert!(relay.child.wait().unwrap().success());
    let stored = list_json_of(dir.path(), &relay.store);
    assert_eq!(stored[0]["response"]["status"], 200);
    let why = stored[0]["response_reason"].as_str().unwrap_or_default();
    assert!(why.contains("relay stopping"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_senders_get_the_relays_answer_once_the_last_subscriber_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(
        dir.path(),
        &dir.path().join("relay.db"),
        0,
        &["--hold", "60"],
    );
    let from = relay.channel("left");
    // Drop mode: it never answers, and then it goes.
    let sub = subscriber(dir.path(), "sub", &from, &["--mode", "drop"]);
    let started = Instant::now();
    let sender = tokio::spawn(client().post(format!("{from}/x")).body("held").send());
    stored_when(dir.path(), &sub.store, |rows| rows.len() == 1);
    sub.kill9();
    let resp = sender.await.unwrap().expect("an answer");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), r#"{"received": true}"#);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "at once, not after the hold: {:?}",
        started.elapsed()
    );
    let stored = stored_when(dir.path(), &relay.store, |rows| {
        rows.first()
            .is_some_and(|r| r["response_reason"] != "pending")
    });
    let why = stored[0]["response_reason"].as_str().unwrap_or_default();
    assert_eq!(why, "relay's own answer: no subscriber left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_endpoint_checks_its_answer_and_says_whether_it_was_used() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(
        dir.path(),
        &dir.path().join("relay.db"),
        0,
        &["--hold", "30"],
    );
    let from = relay.channel("ans");
    // Drop mode: the subscriber never answers; this test does.
    let _sub = subscriber(dir.path(), "sub", &from, &["--mode", "drop"]);
    let sender = tokio::spawn(client().post(format!("{from}/x")).body("held").send());
    let stored = stored_when(dir.path(), &relay.store, |rows| !rows.is_empty());
    let id = stored[0]["id"].as_i64().unwrap();
    let c = client();
    let answer = |channel: &str, id: i64, body: Value| {
        c.post(format!(
            "{}/_hookcatch/v1/c/{channel}/answer/{id}",
            relay.url
        ))
        .bearer_auth(TOKEN)
        .body(body.to_string())
        .send()
    };
    let plain = |status: u16| serde_json::json!({ "status": status });
    for status in [101, 199, 600, 999] {
        let resp = answer("ans", id, plain(status)).await.unwrap();
        assert_eq!(resp.status(), 400, "{status}");
        let body = json_of(resp).await;
        assert_eq!(body["error"], "status must be 200-599");
    }
    // A header HTTP cannot carry is refused, not dropped; the hold goes on.
    for bad in [
        serde_json::json!([["x-a", "ok"], ["x-b", "one\r\nx-injected: 1"]]),
        serde_json::json!([["x-a", "line\nbreak"]]),
        serde_json::json!([["bad name", "v"]]),
    ] {
        let resp = answer(
            "ans",
            id,
            serde_json::json!({ "status": 299, "headers": bad }),
        )
        .await
        .unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
        let body = json_of(resp).await;
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains("cannot be sent over HTTP"), "{body}");
        assert!(!error.contains("injected"), "{body}");
    }
    // Not held: an unknown id, and this id on another channel.
    for (channel, id) in [("ans", id + 100), ("other", id)] {
        let resp = answer(channel, id, plain(201)).await.unwrap();
        let body = json_of(resp).await;
        assert_eq!(body, serde_json::json!({ "used": false }), "{channel} {id}");
    }
    let given = serde_json::json!({
        "status": 298,
        "headers": [
            ["x-kept", "yes"],
            ["connection", "x-kept"],
            ["keep-alive", "timeout=5"],
            ["proxy-authenticate", "Basic"],
            ["te", "trailers"],
            ["trailer", "x-t"],
            ["transfer-encoding", "chunked"],
            ["upgrade", "websocket"],
            ["content-length", "999"],
        ],
        "body_base64": B64.encode("theirs"),
    });
    let resp = answer("ans", id, given).await.unwrap();
    assert_eq!(json_of(resp).await, serde_json::json!({ "used": true }));
    let resp = sender.await.unwrap().unwrap();
    assert_eq!(resp.status(), 298);
    let names: BTreeSet<String> = resp.headers().keys().map(|n| n.to_string()).collect();
    assert!(names.contains("x-kept"), "{names:?}");
    for dropped in [
        "keep-alive",
        "proxy-authenticate",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ] {
        assert!(!names.contains(dropped), "{dropped} in {names:?}");
    }
    assert_eq!(resp.headers()["content-length"], "6");
    assert_eq!(resp.text().await.unwrap(), "theirs");
    // Answered already: a second answer is not used.
    let resp = answer("ans", id, plain(202)).await.unwrap();
    assert_eq!(json_of(resp).await, serde_json::json!({ "used": false }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_api_url_gets_the_apis_own_error_not_the_senders_hint() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(
        dir.path(),
        &dir.path().join("relay.db"),
        0,
        &["--hold", "5"],
    );
    let c = client();
    for (method, path, status) in [
        ("GET", "/_hookcatch/v1/c/bad!name/stream", 404),
        ("GET", "/_hookcatch/v1/c/ok/streams", 404),
        ("POST", "/_hookcatch/v1/c/ok/answer/abc", 400),
        ("POST", "/_hookcatch/v1/c/ok/answer/-3", 400),
    ] {
        let resp = c
            .request(method.parse().unwrap(), format!("{}{path}", relay.url))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{path}");
        let body = json_of(resp).await;
        let all = body.to_string();
        assert!(!all.contains("post to /c/CHANNEL"), "{path}: {all}");
        if status == 404 {
            assert!(
                all.contains("/_hookcatch/v1/c/CHANNEL/stream"),
                "{path}: {all}"
            );
        } else {
            assert!(all.contains("request id"), "{path}: {all}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_a_relay_store_by_channel() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    // A subscriber's store: `channel:` matches the channel it came from.
    let _sub = subscriber(dir.path(), "sub", &relay.channel("orders"), &[]);
    let c = client();
    for channel in ["payments", "orders", "payments-eu", "payments", "PAYMENTS"] {
        let resp = c
            .post(format!("{}/x", relay.channel(channel)))
            .body("hello")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let channels = |filter: &str| -> Vec<String> {
        let out = cli_store(
            dir.path(),
            &relay.store,
            &["list", "--json", "--filter", filter],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        stdout(&out)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["channel"].to_string())
            .collect()
    };
    assert_eq!(
        channels("channel:payments"),
        ["\"payments\"", "\"payments\""]
    );
    assert_eq!(channels("channel:pay*").len(), 3);
    // Channels are case-sensitive on the relay: so is the term, glob too.
    assert_eq!(channels("channel:PAYMENTS"), ["\"PAYMENTS\""]);
    assert_eq!(channels("channel:PAY*"), ["\"PAYMENTS\""]);
    assert!(channels("channel:Payments").is_empty());
    // A body term reads whole requests: the channel is matched there too.
    assert_eq!(channels("channel:orders body:hello"), ["\"orders\""]);
    assert_eq!(
        channels("!channel:payments*"),
        ["\"orders\"", "\"PAYMENTS\""]
    );

    let sub_store = dir.path().join("sub.db");
    stored_when(dir.path(), &sub_store, |rows| rows.len() == 1);
    let ids = |filter: &str| {
        let out = cli_store(
            dir.path(),
            &sub_store,
            &["list", "--json", "--filter", filter],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        stdout(&out).lines().count()
    };
    assert_eq!(ids("channel:orders"), 1);
    assert_eq!(ids("channel:orders body:hello"), 1);
    assert_eq!(ids("channel:payments"), 0);
}

#[test]
fn hookcatch_config_shows_the_relays_own_settings_and_where_a_bad_one_is() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("hookcatch.toml"),
        "[relay]\nhold = 10\nrate = \"600/m\"\n\n[relay.tokens]\nteam = \"team-secret-x1\"\n",
    )
    .unwrap();
    let config = |env: &[(&str, &str)]| {
        command(d)
            .arg("config")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = config(&[
        ("HOOKCATCH_TLS_CERT", "/etc/hc/cert.pem"),
        ("HOOKCATCH_TLS_KEY", "/etc/hc/key.pem"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = stdout(&out);
    let relay = shown.split("\n[relay]\n").nth(1).expect("a [relay] table");
    for line in [
        "hold = 10",
        "rate = \"600/m\"",
        "tls_cert = \"/etc/hc/cert.pem\"",
        "tls_key = \"/etc/hc/key.pem\"",
        "team = \"set (masked)\"",
    ] {
        assert!(relay.lines().any(|l| l == line), "{line} in {shown}");
    }
    assert!(!shown.contains("team-secret-x1"), "{shown}");
    // The environment over the file, and a bad value named where it is.
    let out = config(&[("HOOKCATCH_HOLD", "2.5")]);
    assert!(stdout(&out).lines().any(|l| l == "hold = 2.5"));
    assert_usage_error(
        &config(&[("HOOKCATCH_RATE", "often")]),
        "HOOKCATCH_RATE=often: expected requests per second or minute",
    );
}

/// A config file shared with `listen` may hold `from` and `forward`: the
/// relay starts anyway and says it leaves them alone (it refused to start).
#[test]
fn a_shared_config_files_listen_settings_do_not_stop_the_relay() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("hookcatch.toml"),
        "from = \"http://relay.example/c/team\"\nforward = \"http://127.0.0.1:3000\"\n",
    )
    .unwrap();
    let relay = Relay::start(d, &d.join("relay.db"), 0, &[]);
    let said = relay.early_stderr.join("\n");
    assert!(said.contains("the relay ignores `from`"), "{said}");
    assert!(said.contains("the relay ignores `forward`"), "{said}");
    assert!(said.contains("hookcatch.toml"), "{said}");
}

/// A relay's rules match the path as posted, `/c/CHANNEL` included (as the
/// README says); a pattern written for the path after it does not match.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relays_rules_match_the_path_with_its_channel() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(
        dir.path(),
        &dir.path().join("relay.db"),
        0,
        &[
            "--rule",
            "POST /fail* -> 500",
            "--rule",
            "POST /c/*/boom* -> 502",
            "--rule",
            "POST /c/payments/* -> 503",
        ],
    );
    let c = client();
    for (channel, path, status) in [
        ("x", "fail", 200),
        ("x", "boom", 502),
        ("y", "boom/again", 502),
        ("payments", "anything", 503),
        ("other", "anything", 200),
    ] {
        let resp = c
            .post(format!("{}/{path}", relay.channel(channel)))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "/c/{channel}/{path}");
    }
}
