//! `listen --from URL --token TOKEN` as real processes: what a user trial
//! found on the subscriber's side (issue #12). A relay on loopback, a
//! subscriber following one of its channels, real stores.

mod common;
#[path = "support/target.rs"]
mod target;

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use common::relay::{Relay, TOKEN};
use common::*;
use serde_json::Value;

/// `listen --from FROM --token TOKEN` on `DIR/NAME.db`, once it says so.
fn follow(dir: &Path, name: &str, from: &str, args: &[&str]) -> Hookcatch {
    let sub = start_following(dir, name, from, args);
    sub.wait_stderr("relay: connected");
    sub
}

/// As [`follow`], without waiting for the relay to answer.
fn start_following(dir: &Path, name: &str, from: &str, args: &[&str]) -> Hookcatch {
    let store = dir.join(format!("{name}.db"));
    Hookcatch::start_with(dir, &store, args, |cmd| {
        cmd.args(["--from", from, "--token", TOKEN]);
    })
}

fn body_of(line: &Value) -> Vec<u8> {
    match (line["body"].as_str(), line["body_base64"].as_str()) {
        (Some(text), _) => text.as_bytes().to_vec(),
        (None, Some(b64)) => B64.decode(b64).unwrap(),
        _ => panic!("no body in {line}"),
    }
}

async fn post(url: &str, body: impl Into<reqwest::Body>) {
    let status = client().post(url).body(body).send().await.unwrap().status();
    assert_eq!(status, 200, "{url}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relayed_request_over_max_body_is_kept_as_too_large_and_the_stream_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), &dir.path().join("relay.db"), 0, &[]);
    let from = relay.channel("big");
    post(&format!("{from}/big"), vec![b'x'; 2 * 1024 * 1024]).await;
    post(&format!("{from}/small"), "small").await;
    let sub = follow(dir.path(), "sub", &from, &["--max-body", "1k"]);
    let big = sub.next_json();
    assert_eq!(big["relay"]["id"], 1, "{big}");
    assert_eq!(big["outcome"], "too_large", "{big}");
    assert_eq!(big["outcome_detail"]["declared"], 2 * 1024 * 1024, "{big}");
    assert_eq!(big["body_size"], 0, "{big}");
    let small = sub.next_json();
    assert_eq!(body_of(&small), b"small");
    assert_eq!(small["relay"]["id"], 2);
    post(&format!("{from}/later"), "later").await;
    assert_eq!(body_of(&sub.next_json()), b"later");
    let stderr = sub.drain_stderr(Duration::from_millis(500));
    let warnings: Vec<_> = stderr
        .iter()
        .filter(|l| l.contains("relay request #1 has a 2097152-byte body"))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr:?}");
    assert!(warnings[0].contains("raise --max-body"), "{stderr:?}");
    assert!(
        !stderr.iter().any(|l| l.contains("reconnecting")),
        "{stderr:?}"
    );
    drop(sub);
    let stored = list_json(dir.path(), &dir.path().join("sub.db"));
    assert_eq!(stored.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_in_the_from_url_is_never_stored_shown_or_printed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let relay = Relay::start(d, &d.join("relay.db"), 0, &[]);
    let plain = relay.channel("pw");
    let from = plain.replacen("http://", "http://u:topsecret@", 1);
    let sub = follow(d, "sub", &from, &[]);
    post(&format!("{plain}/x"), "x").await;
    let line = sub.next_line();
    assert!(!line.contains("topsecret"), "{line}");
    let line: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(line["relay"]["url"], relay.url);
    drop(sub);
    let store = d.join("sub.db");
    for args in [
        &["show", "1", "--json", "--mask-secrets"][..],
        &["show", "1", "--json"][..],
        &["export", "--mask-secrets"][..],
        &["export"][..],
    ] {
        let out = cli_store(d, &store, args);
        let printed = stdout(&out);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert!(printed.contains(&relay.url), "{args:?}: {printed}");
        assert!(!printed.contains("topsecret"), "{args:?}: {printed}");
    }
    // A store written before held the password: no JSON shows it.
    let conn = rusqlite::Connection::open(&store).unwrap();
    let old = from.trim_end_matches("/c/pw");
    conn.execute("UPDATE requests SET relay_url = ?1", [old])
        .unwrap();
    drop(conn);
    let shown = stdout(&cli_store(d, &store, &["show", "1", "--json"]));
    assert!(shown.contains("\"url\":\"http://u:"), "{shown}");
    assert!(!shown.contains("topsecret"), "{shown}");
    // Nothing listens on port 1: the error names the host, not the user.
    let sub = start_following(d, "refused", "http://u:topsecret@127.0.0.1:1/c/x", &[]);
    let line = sub.wait_stderr("relay: reconnecting");
    assert!(line.contains("127.0.0.1:1"), "{line}");
    let all = sub.drain_stderr(Duration::from_millis(300));
    assert!(
        !line.contains("topsecret") && !all.iter().any(|l| l.contains("topsecret")),
        "{line} {all:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cursor_follows_the_relay_store_and_any_spelling_of_its_url() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let relay = Relay::start(d, &d.join("a.db"), 0, &[]);
    let port = relay.port();
    let from = relay.channel("moves");
    let sub = follow(d, "sub", &from, &[]);
    for n in 1..=2 {
        post(&format!("{from}/a"), format!("a{n}")).await;
        assert_eq!(body_of(&sub.next_json()), format!("a{n}").as_bytes());
    }
    // Another store, then the first one back: each resumes where it was.
    relay.kill9();
    let relay = Relay::start(d, &d.join("b.db"), port, &[]);
    post(&format!("{from}/b"), "b1").await;
    assert_eq!(body_of(&sub.next_json()), b"b1");
    relay.kill9();
    let relay = Relay::start(d, &d.join("a.db"), port, &[]);
    post(&format!("{from}/a"), "a3").await;
    let line = sub.next_json();
    assert_eq!(body_of(&line), b"a3", "{line}");
    assert_eq!(line["relay"]["id"], 3);
    // Missed while stopped, then followed by other spellings of the URL.
    sub.stop();
    post(&format!("{from}/a"), "a4").await;
    let upper = format!("HTTP://127.0.0.1:{port}/c/moves");
    let sub = follow(d, "sub", &upper, &[]);
    let line = sub.next_json();
    assert_eq!(body_of(&line), b"a4", "{line}");
    assert_eq!(line["relay"]["url"], format!("http://127.0.0.1:{port}"));
    sub.stop();
    post(&format!("{from}/a"), "a5").await;
    let sub = follow(d, "sub", &format!("http://localhost:{port}/c/moves"), &[]);
    assert_eq!(body_of(&sub.next_json()), b"a5");
    assert!(sub.try_next_json(Duration::from_millis(500)).is_none());
    drop(sub);
    drop(relay);
    let bodies: Vec<Vec<u8>> = list_json(d, &d.join("sub.db"))
        .iter()
        .map(body_of)
        .collect();
    assert_eq!(bodies.len(), 6, "{bodies:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_errors_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let relay = Relay::start(d, &d.join("relay.db"), 0, &[]);
    let tls = Relay::start_tls(d, &d.join("tls.db"));
    let ca = Relay::start_tls_ca(d, &d.join("ca.db"));
    let host = relay.url.trim_start_matches("http://").to_string();
    let tls_host = tls.url.trim_start_matches("https://").to_string();
    let cases = [
        (
            format!("https://{host}/c/x"),
            format!("the relay at {host} does not speak TLS: use http://"),
        ),
        (
            format!("http://{tls_host}/c/x"),
            format!("the relay at {tls_host} speaks TLS: use https://"),
        ),
        (
            ca.channel("x"),
            "certificate is self-signed (CA used as end entity): pass --insecure or trust its CA"
                .to_string(),
        ),
        (
            tls.channel("x"),
            "certificate is from an unknown issuer (self-signed or a private CA): \
             pass --insecure or trust its CA"
                .to_string(),
        ),
    ];
    for (n, (from, said)) in cases.iter().enumerate() {
        let sub = start_following(d, &format!("s{n}"), from, &[]);
        let line = sub.wait_stderr("relay: reconnecting");
        assert!(line.contains(said.as_str()), "{from}: {line}");
    }
    // A plain listener answers 200 to any path: not a relay all the same.
    let plain = Hookcatch::start(d, &[]);
    let from = format!("{}/c/x", plain.url);
    let sub = start_following(d, "plain", &from, &[]);
    let line = sub.wait_stderr("relay: reconnecting");
    assert!(
        line.contains(&format!(
            "not a hookcatch relay stream at {from} (got 200 content-type"
        )),
        "{line}"
    );
    let more = sub.drain_stderr(Duration::from_millis(300));
    assert!(
        !more.iter().any(|l| l.contains("relay: connected")),
        "{more:?}"
    );
    // An empty segment before `/c/` would only 404 later.
    let out = cli(
        d,
        &[
            "listen",
            "--headless",
            "--port",
            "0",
            "--ephemeral",
            "--from",
            "http://127.0.0.1:9//c/x",
            "--token",
            TOKEN,
        ],
    );
    assert_usage_error(&out, "the path has an empty segment");
}

#[test]
fn config_shows_from_without_its_password_and_the_token_masked() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path())
        .arg("config")
        .env("HOOKCATCH_FROM", "http://u:topsecret@127.0.0.1:9/c/team")
        .env("HOOKCATCH_TOKEN", "tok-value-77")
        .output()
        .unwrap();
    let printed = stdout(&out);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        printed.contains("from = \"http://127.0.0.1:9/c/team\""),
        "{printed}"
    );
    assert!(printed.contains("token = \"set (masked)\""), "{printed}");
    assert!(!printed.contains("topsecret"), "{printed}");
    assert!(!printed.contains("tok-value-77"), "{printed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_json_carries_the_exact_bytes_of_a_header_value_that_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let relay = Relay::start(d, &d.join("relay.db"), 0, &[]);
    let from = relay.channel("bytes");
    let sub = follow(d, "sub", &from, &[]);
    let host = relay.url.trim_start_matches("http://");
    let mut request =
        b"POST /c/bytes/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\nX-Name: caf".to_vec();
    request.extend_from_slice(b"\xe9\r\nContent-Length: 2\r\n\r\nhi");
    let answer = raw_exchange(host, &request);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let line = sub.next_json();
    drop(sub);
    let expected = serde_json::json!(["x-name", "caf\u{fffd}", B64.encode(b"caf\xe9")]);
    let has = |request: &Value| {
        request["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h == &expected)
    };
    assert!(has(&line), "headless: {line}");
    for store in [d.join("sub.db"), relay.store.clone()] {
        let shown = show_json(d, &store, "1");
        assert!(has(&shown), "show: {shown}");
        let listed = &list_json(d, &store)[0];
        assert!(has(listed), "list: {listed}");
    }
    // An export carries the bytes, and an import keeps them.
    let export = d.join("export.ndjson");
    let out = cli_store(
        d,
        &d.join("sub.db"),
        &["export", "--output", export.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let copy = d.join("copy.db");
    let out = cli_store(d, &copy, &["import", export.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let imported = show_json(d, &copy, "1");
    assert!(has(&imported), "import: {imported}");
}

/// `list --json` of a store once `ready` says its rows are complete.
fn rows_when(dir: &Path, store: &Path, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let out = cli_store(dir, store, &["list", "--json", "--limit", "1000"]);
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

/// The rows once there are `n` and none is pending.
fn settled(dir: &Path, store: &Path, n: usize) -> Vec<Value> {
    rows_when(dir, store, |rows| {
        rows.len() == n && rows.iter().all(|r| r["response_reason"] != "pending")
    })
}

fn reason(row: &Value) -> &str {
    row["response_reason"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscribers_record_is_the_answer_the_sender_got() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let relay = Relay::start(
        d,
        &d.join("relay.db"),
        0,
        &["--hold", "5", "--status", "503"],
    );
    let from = relay.channel("truth");
    let c = client();
    // Backlog: nobody follows, the relay answers itself.
    let resp = c
        .post(format!("{from}/a"))
        .body("backlog")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    let mut app = target::Target::start(target::Behaviour::status(200)).await;
    let a = follow(d, "a", &from, &["--status", "298", "--forward", &app.url]);
    let rows = settled(d, &d.join("a.db"), 1);
    assert_eq!(rows[0]["response"]["status"], 503, "{}", rows[0]);
    assert!(
        reason(&rows[0]).starts_with("relay's own answer: no subscriber"),
        "{}",
        rows[0]
    );
    assert_eq!(app.next().await.body, b"backlog", "forwarded all the same");

    // Two subscribers answer a held request: one answer is used, and the
    // other's record says its answer went nowhere.
    let b = follow(d, "b", &from, &["--status", "299"]);
    let resp = c
        .post(format!("{from}/b"))
        .body("live")
        .send()
        .await
        .unwrap();
    let got = resp.status().as_u16();
    assert!(got == 298 || got == 299, "{got}");
    assert_eq!(app.next().await.body, b"live", "a's app gets it live");
    let (used, unused) = if got == 298 { ("a", "b") } else { ("b", "a") };
    // Each has the backlog too.
    let row = |name: &str| settled(d, &d.join(format!("{name}.db")), 2).pop().unwrap();
    let winner = row(used);
    assert_eq!(winner["response"]["status"], got, "{winner}");
    let deadline = Instant::now() + WAIT;
    let loser = loop {
        let loser = row(unused);
        if reason(&loser).starts_with("not used") || Instant::now() > deadline {
            break loser;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(loser["response"].is_null(), "{loser}");
    assert!(
        reason(&loser).starts_with("not used: the relay answered the sender itself"),
        "{loser}"
    );
    // `show` says so in words, and `--filter status:` finds only the truth.
    let store = d.join(format!("{unused}.db"));
    let id = loser["id"].to_string();
    let shown = String::from_utf8(cli_store(d, &store, &["show", &id]).stdout).unwrap();
    assert!(
        shown.contains("not used: the relay answered the sender itself"),
        "{shown}"
    );
    let other = if got == 298 { "299" } else { "298" };
    let filtered = cli_store(
        d,
        &store,
        &["list", "--json", "--filter", &format!("status:{other}")],
    );
    assert_eq!(
        stdout(&filtered).trim(),
        "",
        "the unused status was never sent"
    );
    drop((a, b));

    // A relay that never holds: its own answer is the record; --forward
    // still gets the request.
    let plain = Relay::start(d, &d.join("plain.db"), 0, &[]);
    let from = plain.channel("p");
    let _c = follow(d, "c", &from, &["--status", "418", "--forward", &app.url]);
    let resp = c
        .post(format!("{from}/x"))
        .body("plain")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(app.next().await.body, b"plain");
    let rows = settled(d, &d.join("c.db"), 1);
    assert_eq!(rows[0]["response"]["status"], 200, "{}", rows[0]);
    assert!(
        reason(&rows[0]).starts_with("relay's own answer"),
        "{}",
        rows[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_request_over_the_local_max_body_is_not_answered_413() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let relay = Relay::start(
        d,
        &d.join("relay.db"),
        0,
        &["--hold", "1", "--status", "202"],
    );
    let from = relay.channel("big");
    let _sub = follow(d, "sub", &from, &["--max-body", "1k"]);
    let resp = client()
        .post(format!("{from}/x"))
        .body(vec![b'x'; 4096])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        202,
        "the relay's own answer, not the local 413"
    );
    let rows = rows_when(d, &d.join("sub.db"), |rows| {
        rows.len() == 1 && reason(&rows[0]).starts_with("no answer posted")
    });
    assert_eq!(rows[0]["outcome"], "too_large", "{}", rows[0]);
    assert!(rows[0]["response"].is_null(), "{}", rows[0]);
    assert!(reason(&rows[0]).contains("--max-body"), "{}", rows[0]);
}

/// A server that answers every stream request as a relay would, with its
/// hello and then one event no subscriber can read, and closes.
fn relay_with_a_bad_event() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n\
                  event: hello\ndata: {\"behind\":1}\n\nid: 5\ndata: {\"id\": \"five\"}\n\n",
            );
        }
    });
    format!("http://{addr}/c/bad")
}

#[test]
fn an_unreadable_event_is_named_and_the_backoff_grows() {
    let dir = tempfile::tempdir().unwrap();
    let from = relay_with_a_bad_event();
    let sub = start_following(dir.path(), "sub", &from, &[]);
    let first = sub.wait_stderr("reconnecting in 0.1 s");
    assert!(
        first.contains("cannot read the relay's event id 5"),
        "{first}"
    );
    // Not 0.1 s forever: each end on the same bad event waits longer.
    sub.wait_stderr("reconnecting in 0.2 s");
    sub.wait_stderr("reconnecting in 0.4 s");
}
