//! The capture core through its public surface: the real binary on a real
//! socket, real HTTP clients, a real SQLite file.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use base64::Engine as _;
use common::*;
use serde_json::Value;

fn header<'a>(line: &'a Value, name: &str) -> Vec<&'a str> {
    line["headers"]
        .as_array()
        .expect("headers array")
        .iter()
        .filter(|h| h[0] == name)
        .map(|h| h[1].as_str().expect("value"))
        .collect()
}

#[tokio::test]
async fn every_method_path_and_query_is_captured_as_sent() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let client = client();
    for method in [
        "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PURGE",
    ] {
        let url = format!("{}/hooks/a%20b/{method}?x=1&y=%2F&y=2", hc.url);
        let resp = client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                &url,
            )
            .header("X-Dup", "one")
            .header("X-Other", "o")
            .header("X-Dup", "two")
            .body(if method == "GET" || method == "HEAD" {
                String::new()
            } else {
                format!("body of {method}")
            })
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        if method != "HEAD" {
            assert_eq!(resp.headers()["content-type"], "application/json");
            let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
            assert_eq!(body, serde_json::json!({"received": true}));
        }
        let line = hc.next_json();
        assert_eq!(line["method"], method);
        assert_eq!(line["path"], format!("/hooks/a%20b/{method}"));
        assert_eq!(line["query"], "x=1&y=%2F&y=2");
        assert_eq!(line["http_version"], "HTTP/1.1");
        assert_eq!(header(&line, "x-dup"), ["one", "two"]);
        assert_eq!(line["response"]["status"], 200);
        assert!(line["response"]["latency_ms"].as_f64().unwrap() >= 0.0);
        assert!(
            line["remote_addr"]
                .as_str()
                .unwrap()
                .starts_with("127.0.0.1:")
        );
        assert!(line["received_at"].as_str().unwrap().ends_with('Z'));
        if method != "GET" && method != "HEAD" {
            assert_eq!(line["body"], format!("body of {method}"));
        }
    }
    // `show --json` reads the same thing back from the file.
    let out = cli_store(dir.path(), &hc.store, &["show", "2", "--json"]);
    assert!(out.status.success());
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["method"], "POST");
    assert_eq!(shown["body"], "body of POST");
    assert_eq!(hc.stop().code(), Some(0));
}

#[tokio::test]
async fn binary_bodies_are_kept_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let bytes: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let resp = client()
        .post(format!("{}/bin", hc.url))
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let line = hc.next_json();
    assert!(line.get("body").is_none());
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(line["body_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(decoded, bytes);
    assert_eq!(line["body_size"], 5000);
    let stored = list_json(dir.path(), &hc.store);
    assert_eq!(stored[0]["body_base64"], line["body_base64"]);
}

#[test]
fn chunked_http10_and_expect_continue_work() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let chunked = b"POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    let answer = raw_exchange(&hc.addr, chunked);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(hc.next_json()["body"], "hello world");

    let http10 = b"POST /old HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc";
    let answer = raw_exchange(&hc.addr, http10);
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    let line = hc.next_json();
    assert_eq!(line["http_version"], "HTTP/1.0");
    assert_eq!(line["body"], "abc");

    // Expect: 100-continue: the server must invite the body before the client sends it.
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(&hc.addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream
        .write_all(b"POST /expect HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 25];
    stream.read_exact(&mut first).unwrap();
    assert!(String::from_utf8_lossy(&first).starts_with("HTTP/1.1 100 Continue"));
    stream.write_all(b"ping").unwrap();
    let mut rest = String::new();
    let _ = stream.read_to_string(&mut rest);
    assert!(rest.contains("200 OK"), "{rest}");
    assert_eq!(hc.next_json()["body"], "ping");
}

#[tokio::test]
async fn h2c_prior_knowledge_is_captured() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .timeout(WAIT)
        .build()
        .unwrap();
    let resp = h2
        .post(format!("{}/h2?q=1", hc.url))
        .body("two")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let line = hc.next_json();
    assert_eq!(line["http_version"], "HTTP/2.0");
    assert_eq!(line["path"], "/h2");
    assert_eq!(line["query"], "q=1");
    assert_eq!(line["body"], "two");
    // `:authority` is kept as `host`, so exports and replays know the host.
    let authority = hc.url.trim_start_matches("http://");
    assert_eq!(header(&line, "host"), [authority]);
    assert_eq!(line["headers"][0][0], "host");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_requests_are_all_stored() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let client = client();
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let client = client.clone();
        let url = format!("{}/load/{i}", hc.url);
        tasks.push(tokio::spawn(async move {
            let body = format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(i % 97));
            let resp = client.post(url).body(body.clone()).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            body
        }));
    }
    let mut sent = HashSet::new();
    for t in tasks {
        sent.insert(t.await.unwrap());
    }
    let stored = list_json(dir.path(), &hc.store);
    assert_eq!(stored.len(), 1000);
    let ids: HashSet<i64> = stored.iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 1000);
    let bodies: HashSet<String> = stored
        .iter()
        .map(|l| l["body"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(bodies, sent);
    for l in &stored {
        let n = l["path"].as_str().unwrap().trim_start_matches("/load/");
        assert!(
            l["body"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{{\"n\":{n},"))
        );
    }
}

#[tokio::test]
async fn a_restart_reads_everything_back() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    for i in 0..3 {
        client()
            .post(format!("{}/r{i}", hc.url))
            .body(format!("b{i}"))
            .send()
            .await
            .unwrap();
        hc.next_json();
    }
    let store = hc.store.clone();
    assert_eq!(hc.stop().code(), Some(0));
    let hc = Hookcatch::start_with(dir.path(), &store, &[], |_| {});
    client()
        .post(format!("{}/after", hc.url))
        .send()
        .await
        .unwrap();
    assert_eq!(hc.next_json()["id"], 4, "ids continue after a restart");
    let stored = list_json(dir.path(), &store);
    let paths: Vec<&str> = stored.iter().map(|l| l["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["/r0", "/r1", "/r2", "/after"]);
}

#[test]
fn kill_9_loses_nothing_that_was_answered() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let n = 25;
    for i in 0..n {
        let answer = raw_exchange(
            &hc.addr,
            format!("POST /k{i} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{i:02}").as_bytes(),
        );
        assert!(answer.starts_with("HTTP/1.1 200"));
    }
    let store = hc.store.clone();
    hc.kill9();
    let stored = list_json(dir.path(), &store);
    assert_eq!(stored.len(), n);
    let hc = Hookcatch::start_with(dir.path(), &store, &[], |_| {});
    drop(hc);
    assert_eq!(list_json(dir.path(), &store).len(), n);
}

#[tokio::test]
async fn oversized_bodies_get_413_and_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--max-body", "1k"]);
    let resp = client()
        .post(format!("{}/big", hc.url))
        .header("X-Sender", "tried")
        .body(vec![b'a'; 2048])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let err: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(err["limit"], 1024);
    let line = hc.next_json();
    assert_eq!(line["outcome"], "too_large");
    assert_eq!(line["outcome_detail"]["declared"], 2048);
    assert_eq!(line["response"]["status"], 413);
    assert_eq!(header(&line, "x-sender"), ["tried"]);

    // Chunked: no declared size, cut when the limit is passed.
    let mut raw = b"POST /big-chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..3 {
        raw.extend_from_slice(b"200\r\n");
        raw.extend_from_slice(&[b'z'; 512]);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_exchange(&hc.addr, &raw);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let line = hc.next_json();
    assert_eq!(line["outcome"], "too_large");
    assert!(line["outcome_detail"]["seen"].as_u64().unwrap() > 1024);

    // The listener still serves normally afterwards.
    assert_eq!(
        client()
            .post(format!("{}/ok", hc.url))
            .body("x")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn malformed_request_then_a_normal_one() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let answer = raw_exchange(&hc.addr, b"THIS IS NOT HTTP\x00\x01\r\n\r\n");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
    let answer = raw_exchange(
        &hc.addr,
        b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
    );
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
    let mut many = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..500 {
        many.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let answer = raw_exchange(&hc.addr, &many);
    assert!(
        answer.is_empty()
            || answer.starts_with("HTTP/1.1 431")
            || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
    let resp = client()
        .post(format!("{}/fine", hc.url))
        .body("ok")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(hc.next_json()["path"], "/fine");
}

#[test]
fn stalled_and_vanishing_clients_are_recorded_incomplete() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--body-timeout", "1"]);
    // Declares 100 bytes, sends 10, then waits: 408.
    let mut stream = std::net::TcpStream::connect(&hc.addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream
        .write_all(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
        .unwrap();
    let mut answer = String::new();
    let _ = std::io::Read::read_to_string(&mut stream, &mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let line = hc.next_json();
    assert_eq!(line["outcome"], "incomplete");
    assert_eq!(line["body"], "0123456789");
    assert!(
        line["outcome_detail"]["reason"]
            .as_str()
            .unwrap()
            .contains("not complete")
    );

    // Sends half and hangs up.
    let mut stream = std::net::TcpStream::connect(&hc.addr).unwrap();
    stream
        .write_all(b"POST /gone HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf")
        .unwrap();
    drop(stream);
    let line = hc.next_json();
    assert_eq!(line["path"], "/gone");
    assert_eq!(line["outcome"], "incomplete");
    assert!(
        line["outcome_detail"]["reason"]
            .as_str()
            .unwrap()
            .contains("went away")
    );
    // Nothing can be sent to a client that left: no answer is recorded.
    assert_eq!(line["response"], Value::Null);
}

/// Read one HTTP/1.1 answer off a raw socket: status, headers as sent
/// (lowercased names, in order) and body.
fn raw_answer(addr: &str, request: &[u8]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.write_all(request).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(": ").unwrap();
            (n.to_ascii_lowercase(), v.to_string())
        })
        .collect();
    (status, headers, raw[split + 4..].to_vec())
}

fn recorded_headers(line: &Value) -> Vec<(String, String)> {
    line["response"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h[0].as_str().unwrap().into(), h[1].as_str().unwrap().into()))
        .collect()
}

/// The recorded answer is the one on the wire: every header hyper writes,
/// in its order (repeated names grouped), and no body where none is sent.
#[test]
fn the_recorded_answer_is_what_was_sent() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(
        dir.path(),
        &[
            "--response-header",
            "X-A: 1",
            "--response-header",
            "X-B: two words",
            "--response-header",
            "X-A: again",
        ],
    );
    let close =
        b"POST /wire HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi";
    let (status, sent, body) = raw_answer(&hc.addr, close);
    let line = hc.next_json();
    assert_eq!(status, 200);
    assert_eq!(recorded_headers(&line), sent);
    let names: Vec<&str> = sent.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.windows(3).any(|w| w == ["x-a", "x-a", "x-b"]),
        "{names:?}"
    );
    for name in ["date", "content-length", "connection"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert_eq!(line["response"]["body"].as_str().unwrap().as_bytes(), body);

    let head = b"HEAD /wire HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let (_, sent, body) = raw_answer(&hc.addr, head);
    let line = hc.next_json();
    assert!(body.is_empty());
    assert_eq!(recorded_headers(&line), sent);
    assert_eq!(line["response"]["body"], "");
    drop(hc);

    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--status", "204"]);
    let (status, sent, body) = raw_answer(&hc.addr, close);
    let line = hc.next_json();
    assert_eq!((status, body.len()), (204, 0));
    assert_eq!(recorded_headers(&line), sent);
    assert_eq!(line["response"]["body"], "");
}

#[tokio::test]
async fn response_flags_shape_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("answer.txt"), "from a file").unwrap();
    let body_arg = format!("@{}", dir.path().join("answer.txt").display());
    let hc = Hookcatch::start(
        dir.path(),
        &[
            "--status",
            "202",
            "--response-body",
            &body_arg,
            "--response-header",
            "X-Hook: caught",
            "--delay",
            "150",
        ],
    );
    let started = std::time::Instant::now();
    let resp = client()
        .post(format!("{}/x", hc.url))
        .body("1")
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(resp.status(), 202);
    assert_eq!(resp.headers()["x-hook"], "caught");
    assert_eq!(resp.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(resp.text().await.unwrap(), "from a file");
    let line = hc.next_json();
    assert_eq!(line["response"]["status"], 202);
    assert!(line["response"]["latency_ms"].as_f64().unwrap() >= 150.0);
}

#[tokio::test]
async fn an_unwritable_store_answers_503_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    assert_eq!(
        client()
            .post(format!("{}/before", hc.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    hc.next_json();
    // Another process holds the write lock past the busy timeout: a real
    // "database is locked" failure, as a backup tool or a crash could cause.
    let locker = rusqlite::Connection::open(&hc.store).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let resp = client()
        .post(format!("{}/during", hc.url))
        .body("lost?")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    let err: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert!(
        err["error"].as_str().unwrap().contains("could not store"),
        "{err}"
    );
    hc.wait_stderr("store write failed");
    locker.execute_batch("ROLLBACK").unwrap();
    drop(locker);
    assert_eq!(
        client()
            .post(format!("{}/after", hc.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    hc.wait_stderr("succeed again");
    assert_eq!(hc.next_json()["path"], "/after");
    let paths: Vec<String> = list_json(dir.path(), &hc.store)
        .iter()
        .map(|l| l["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        ["/before", "/after"],
        "a 503 request is not claimed as stored"
    );
}

#[cfg(unix)]
#[test]
fn the_store_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("nested/dir/hc.db");
    let hc = Hookcatch::start_with(dir.path(), &store, &[], |_| {});
    let mode = std::fs::metadata(&store).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(store.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    drop(hc);
}

#[tokio::test]
async fn ephemeral_keeps_nothing_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--ephemeral"]);
    let resp = client()
        .post(format!("{}/mem", hc.url))
        .body("m")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(hc.next_json()["body"], "m");
    assert!(!hc.store.exists());
    assert_eq!(hc.stop().code(), Some(0));
}
