//! Connections that never speak, or stop speaking, are closed by the
//! listener; running out of file descriptors pauses accepting without
//! stopping the listener. Real binary, raw sockets, bounded waits.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, Hookcatch, WAIT, lines_of};

/// Long enough for a timeout of 1 s to fire, short of the 10 s default.
const CLOSED_WITHIN: Duration = Duration::from_secs(6);

/// Whether the server closes `stream` within `within`; whatever it sends
/// first is read and returned.
fn closed_by_server(stream: &mut TcpStream, within: Duration) -> (bool, Vec<u8>) {
    let deadline = Instant::now() + within;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (false, got);
        }
        stream.set_read_timeout(Some(left)).expect("timeout");
        match stream.read(&mut buf) {
            Ok(0) => return (true, got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (false, got);
            }
            // A reset is a close too.
            Err(_) => return (true, got),
        }
    }
}

#[test]
fn silent_connections_are_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--header-timeout", "1"]);
    let mut silent: Vec<TcpStream> = (0..5)
        .map(|_| TcpStream::connect(&hc.addr).expect("connect"))
        .collect();
    for (i, stream) in silent.iter_mut().enumerate() {
        let (closed, got) = closed_by_server(stream, CLOSED_WITHIN);
        assert!(closed, "silent connection {i} still open");
        assert!(got.is_empty(), "nothing is answered to nothing: {got:?}");
    }
    // The listener itself is fine.
    let answer = common::raw_exchange(
        &hc.addr,
        b"POST /after HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    hc.stop();
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--idle-timeout", "1"]);
    let mut stream = TcpStream::connect(&hc.addr).expect("connect");
    stream
        .write_all(b"POST /once HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
        .unwrap();
    let first = hc.next_json();
    assert_eq!(first["path"], "/once");
    let (closed, got) = closed_by_server(&mut stream, CLOSED_WITHIN);
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 200"), "answered first: {got}");
    assert!(!got.contains("connection: close"), "kept alive: {got}");
    assert!(closed, "idle keep-alive connection still open: {got}");
    hc.stop();
}

/// The header timeout times request heads, not the idle gap between
/// keep-alive requests: that is the idle timeout's.
#[test]
fn a_keep_alive_connection_outlives_the_header_timeout_while_idle() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(
        dir.path(),
        &["--header-timeout", "1", "--idle-timeout", "30"],
    );
    let mut stream = TcpStream::connect(&hc.addr).expect("connect");
    let request = b"POST /ka HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    stream.write_all(request).unwrap();
    assert_eq!(hc.next_json()["path"], "/ka");
    // An idle gap longer than the header timeout, by design.
    std::thread::sleep(Duration::from_millis(2500));
    stream.write_all(request).unwrap();
    let second = hc.next_json();
    assert_eq!(
        second["path"], "/ka",
        "second request on the same connection"
    );
    hc.stop();
}

/// A head trickled in, a byte at a time, is still cut after the header
/// timeout, however short the gaps.
#[test]
fn a_head_trickled_in_is_cut_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(
        dir.path(),
        &["--header-timeout", "1", "--idle-timeout", "30"],
    );
    let mut stream = TcpStream::connect(&hc.addr).expect("connect");
    let deadline = Instant::now() + CLOSED_WITHIN;
    let mut cut = false;
    for byte in b"POST /slowloris HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter().cycle() {
        if Instant::now() > deadline {
            break;
        }
        if stream.write_all(&[*byte]).is_err() {
            cut = true;
            break;
        }
        let (closed, _) = closed_by_server(&mut stream, Duration::from_millis(200));
        if closed {
            cut = true;
            break;
        }
    }
    assert!(cut, "a head trickled in for {CLOSED_WITHIN:?} was not cut");
    hc.stop();
}

/// The HTTP/2 client preface and an empty SETTINGS frame.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

#[test]
fn an_idle_h2c_connection_is_closed_after_the_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--idle-timeout", "1"]);
    let mut stream = TcpStream::connect(&hc.addr).expect("connect");
    stream.write_all(H2_PREFACE).unwrap();
    let (closed, got) = closed_by_server(&mut stream, CLOSED_WITHIN);
    // Frame type 4 is SETTINGS: the server spoke HTTP/2 before it closed.
    assert!(got.len() >= 9 && got[3] == 4, "no server SETTINGS: {got:?}");
    assert!(closed, "idle h2c connection still open");
    // Type 7 is GOAWAY: the client is told, not just cut off.
    let mut frames = &got[..];
    let mut goaway = false;
    while frames.len() >= 9 {
        let len =
            usize::from(frames[0]) << 16 | usize::from(frames[1]) << 8 | usize::from(frames[2]);
        goaway |= frames[3] == 7;
        frames = &frames[(9 + len).min(frames.len())..];
    }
    assert!(goaway, "closed without GOAWAY: {got:?}");
    hc.stop();
}

/// The listener under `ulimit -n 64` (soft and hard, so raising the soft
/// limit gains nothing), its stderr lines as they come.
fn start_starved(dir: &std::path::Path) -> (Child, String, std::sync::mpsc::Receiver<String>) {
    let mut cmd = Command::new("bash");
    cmd.current_dir(dir)
        .arg("-c")
        .arg(r#"ulimit -n 64 && exec "$0" "$@""#)
        .arg(BIN)
        .args([
            "listen",
            "--headless",
            "--port",
            "0",
            "--header-timeout",
            "1",
        ])
        .arg("--store")
        .arg(dir.join("hookcatch.db"))
        .env("HOME", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (key, _) in std::env::vars() {
        if key.starts_with("HOOKCATCH_") {
            cmd.env_remove(key);
        }
    }
    let mut child = cmd.spawn().expect("spawn bash");
    let stderr = lines_of(child.stderr.take().expect("stderr"));
    let line = stderr
        .recv_timeout(WAIT)
        .expect("hookcatch printed nothing");
    let addr = line
        .split("listening on http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (child, addr, stderr)
}

#[test]
fn descriptor_exhaustion_pauses_accepting_and_the_listener_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr, stderr) = start_starved(dir.path());
    // Far more silent connections than the listener has descriptors.
    let silent: Vec<TcpStream> = (0..150)
        .map(|_| TcpStream::connect(&addr).expect("connect"))
        .collect();
    let mut post = TcpStream::connect(&addr).expect("connect");
    post.write_all(
        b"POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
    )
    .unwrap();
    post.set_read_timeout(Some(WAIT)).unwrap();
    let mut answer = Vec::new();
    let _ = post.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    drop(silent);
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    // The pipe closes with the process: every line is in.
    let lines: Vec<String> = std::iter::from_fn(|| stderr.recv_timeout(WAIT).ok()).collect();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "no answer: {answer:?}, stderr {lines:?}"
    );
    let accept_lines = lines.iter().filter(|l| l.contains("accept")).count();
    assert!(
        (1..=4).contains(&accept_lines),
        "said once that accepting paused, not per failure: {lines:?}"
    );
}
