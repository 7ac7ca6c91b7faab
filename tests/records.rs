//! Records tell the truth about what was sent: a delayed answer is
//! `pending` until it goes out, and an answer the client did not wait for
//! is recorded as not sent; CONNECT and broken chunked bodies are recorded
//! as what the client received. Real binary, raw sockets, bounded waits.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Hookcatch, WAIT, cli_store, list_json};

/// Read what the server sends until it closes (or `wait` passes).
fn read_all(stream: &mut TcpStream, wait: Duration) -> Vec<u8> {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut got = Vec::new();
    let _ = stream.read_to_end(&mut got);
    got
}

/// Poll `list --json` until `check` holds for the newest record.
fn wait_for_record(
    dir: &std::path::Path,
    hc: &Hookcatch,
    check: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(last) = list_json(dir, &hc.store).pop()
            && check(&last)
        {
            return last;
        }
        assert!(Instant::now() < deadline, "record never reached the state");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_delayed_answer_is_pending_then_not_sent_when_the_client_gives_up() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--delay", "4000"]);
    let mut client = TcpStream::connect(&hc.addr).unwrap();
    client
        .write_all(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
        .unwrap();
    // While the answer waits: stored, and shown as pending everywhere.
    let pending = wait_for_record(dir.path(), &hc, |r| r["path"] == "/slow");
    assert!(pending["response"].is_null(), "{pending}");
    assert_eq!(pending["response_reason"], "pending");
    let table = cli_store(dir.path(), &hc.store, &["list"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("pending"), "{table}");
    let show = cli_store(dir.path(), &hc.store, &["show", &pending["id"].to_string()]);
    let show = String::from_utf8_lossy(&show.stdout);
    assert!(show.contains("pending"), "{show}");
    assert!(!show.contains("answered 200"), "{show}");

    // The client gives up after about a second, before the answer.
    client
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut buf = [0u8; 64];
    let early = client.read(&mut buf);
    assert!(
        matches!(&early, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "answered before the delay: {early:?}"
    );
    drop(client);

    let line = hc.next_json();
    assert_eq!(line["path"], "/slow");
    assert!(line["response"].is_null(), "recorded as answered: {line}");
    let reason = line["response_reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let waited: f64 = reason
        .strip_prefix("client gave up after ")
        .and_then(|r| r.strip_suffix(" s"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("reason: {reason:?}"));
    assert!((1.0..4.0).contains(&waited), "{reason}");
    let stored = list_json(dir.path(), &hc.store).pop().unwrap();
    assert_eq!(stored["response_reason"], line["response_reason"]);
    assert!(stored["response"].is_null());
    hc.stop();
}

#[test]
fn a_delayed_answer_that_goes_out_is_recorded_with_its_wait() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--delay", "2000"]);
    let mut client = TcpStream::connect(&hc.addr).unwrap();
    client
        .write_all(
            b"POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    let waiting = wait_for_record(dir.path(), &hc, |r| r["path"] == "/late");
    assert_eq!(waiting["response_reason"], "pending", "{waiting}");
    let got = String::from_utf8_lossy(&read_all(&mut client, WAIT)).into_owned();
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    let line = hc.next_json();
    assert_eq!(line["response"]["status"], 200, "{line}");
    assert!(line["response"]["latency_ms"].as_f64().unwrap() >= 2000.0);
    assert!(line.get("response_reason").is_none(), "{line}");
    let stored = list_json(dir.path(), &hc.store).pop().unwrap();
    assert_eq!(stored["response"]["status"], 200);
    hc.stop();
}

#[test]
fn connect_is_recorded_as_what_the_client_received() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let mut client = TcpStream::connect(&hc.addr).unwrap();
    client
        .write_all(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        .unwrap();
    let got = read_all(&mut client, WAIT);
    let text = String::from_utf8_lossy(&got);
    let line = hc.next_json();
    assert_eq!(line["method"], "CONNECT");
    let response = &line["response"];
    assert!(
        text.starts_with(&format!("HTTP/1.1 {} ", response["status"])),
        "recorded {response} but the client got {text:?}"
    );
    // Head and body exactly as recorded: header lines in order, then the body.
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete head");
    let sent: Vec<String> = head.lines().skip(1).map(str::to_ascii_lowercase).collect();
    let recorded: Vec<String> = response["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!("{}: {}", h[0].as_str().unwrap(), h[1].as_str().unwrap()).to_ascii_lowercase()
        })
        .collect();
    assert_eq!(sent, recorded);
    assert_eq!(body, response["body"].as_str().unwrap());
    hc.stop();
}

#[test]
fn a_bad_chunk_size_gets_400_and_is_recorded_as_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let answer = common::raw_exchange(
        &hc.addr,
        b"POST /chunky HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
          5\r\nhello\r\nZZ\r\nxx\r\n0\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let line = hc.next_json();
    assert_eq!(line["path"], "/chunky");
    assert_eq!(line["outcome"], "malformed", "{line}");
    let detail = line["outcome_detail"]["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(detail.contains("chunk size"), "{detail}");
    assert_eq!(line["response"]["status"], 400);
    assert!(!line.to_string().contains("went away"), "{line}");
    hc.stop();
}

/// stdout backs up (nobody reads it) while many requests are answered;
/// once it is read, every line comes out without another request to
/// wake the printer.
#[test]
fn headless_output_catches_up_after_stdout_backs_up() {
    use std::process::Stdio;
    const N: usize = 2000;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = common::command(dir.path());
    cmd.args(["listen", "--headless", "--port", "0", "--store"])
        .arg(dir.path().join("hookcatch.db"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let stderr = common::lines_of(child.stderr.take().unwrap());
    let started = stderr.recv_timeout(WAIT).expect("started");
    let addr = started
        .split("listening on http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("{started}"))
        .to_string();
    // All requests pipelined on one connection; every answer is read, so
    // all were stored, while stdout is not read at all.
    let mut conn = TcpStream::connect(&addr).unwrap();
    let mut requests = Vec::new();
    for i in 0..N {
        requests.extend_from_slice(
            format!("POST /n{i} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").as_bytes(),
        );
    }
    let writer = {
        let mut conn = conn.try_clone().unwrap();
        std::thread::spawn(move || conn.write_all(&requests))
    };
    conn.set_read_timeout(Some(WAIT)).unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let answered = |got: &[u8]| got.windows(12).filter(|w| w == b"HTTP/1.1 200").count();
    while answered(&got) < N {
        let n = conn.read(&mut buf).expect("answers keep coming");
        assert!(n > 0, "closed after {} answers", answered(&got));
        got.extend_from_slice(&buf[..n]);
    }
    writer.join().unwrap().unwrap();
    // Now read stdout: every request, no new one sent.
    let lines = common::lines_of(child.stdout.take().unwrap());
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < N {
        let Ok(line) = lines.recv_timeout(WAIT) else {
            panic!("output stopped at {} of {N} lines", seen.len());
        };
        let v: serde_json::Value = serde_json::from_str(&line).expect("json");
        seen.insert(v["id"].as_i64().unwrap());
    }
    assert_eq!(seen.len(), N);
    let _ = std::process::Command::new("kill")
        .arg(child.id().to_string())
        .status();
    let _ = child.wait();
}

/// A listener killed while an answer waited leaves the record pending; the
/// next listener on the store says the answer never went out.
#[test]
fn a_pending_answer_left_by_a_killed_listener_is_settled_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--delay", "30000"]);
    let mut client = TcpStream::connect(&hc.addr).unwrap();
    client
        .write_all(b"POST /orphan HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        .unwrap();
    let pending = wait_for_record(dir.path(), &hc, |r| r["path"] == "/orphan");
    assert_eq!(pending["response_reason"], "pending");
    hc.kill9();
    let again = Hookcatch::start(dir.path(), &[]);
    let settled = list_json(dir.path(), &again.store).pop().unwrap();
    assert!(settled["response"].is_null(), "{settled}");
    assert_eq!(
        settled["response_reason"],
        "listener stopped before answering"
    );
    again.stop();
}
