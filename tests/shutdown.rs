//! Stopping the real binary: Ctrl-C or SIGTERM with a request in flight,
//! a client that stalls mid-body (the body timeout is 30 s; the stop must
//! not wait for it), a second signal, stdout closed by its reader (`| head
//! -1`). Real sockets, real signals (`kill`), real pipes. (`q` in the TUI
//! with a stalled client: tests/tui_tmux.rs.)
//! The time bounds are correctness bounds, far from the 30 s body timeout.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;

/// The stop may wait the grace period (5 s), never the body timeout (30 s).
const STOP_BOUND: Duration = Duration::from_secs(10);
/// A second signal skips the grace period: well under its 5 s.
const FORCED_BOUND: Duration = Duration::from_secs(3);

/// `hookcatch listen --headless --port 0 --store DIR/hookcatch.db ARGS`,
/// with stderr read line by line and stdout left to the test.
struct Listening {
    child: Child,
    addr: String,
    stderr: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Listening {
    fn start(dir: &Path, args: &[&str]) -> Listening {
        let mut child = command(dir)
            .args(["listen", "--headless", "--port", "0", "--store"])
            .arg(dir.join("hookcatch.db"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn hookcatch");
        let stderr = lines_of(child.stderr.take().expect("stderr"));
        let mut listening = Listening {
            child,
            addr: String::new(),
            stderr,
            seen: Vec::new(),
        };
        let line = listening.wait_stderr("listening on http://");
        let url = line.split("listening on ").nth(1).unwrap();
        listening.addr = url
            .split_whitespace()
            .next()
            .unwrap()
            .trim_start_matches("http://")
            .to_string();
        listening
    }

    fn wait_stderr(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no stderr line with {needle:?}; seen {:?}", self.seen),
            }
        }
    }

    fn signal(&self, sig: &str) {
        let status = std::process::Command::new("kill")
            .arg(sig)
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Wait for the exit, at most `bound`; then the rest of stderr.
    fn exit_within(&mut self, bound: Duration) -> (ExitStatus, Duration, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(
                started.elapsed() < bound,
                "hookcatch still running {bound:?} after the stop; stderr {:?}",
                self.seen
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        let took = started.elapsed();
        // stderr is closed now: the reader thread ends.
        self.seen.extend(self.stderr.iter());
        (status, took, self.seen.join("\n"))
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One complete request, answered.
fn answered(addr: &str, path: &str) {
    let answer = raw_exchange(
        addr,
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        )
        .as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

fn stored_paths(dir: &Path) -> Vec<String> {
    list_json(dir, &dir.join("hookcatch.db"))
        .iter()
        .map(|l| l["path"].as_str().unwrap().to_string())
        .collect()
}

fn integrity_ok(dir: &Path) {
    let conn = rusqlite::Connection::open(dir.join("hookcatch.db")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn a_stalled_client_holds_the_stop_only_for_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let mut hc = Listening::start(dir.path(), &[]);
    answered(&hc.addr, "/before");
    let mut stalled = stalled_request(&hc.addr);

    hc.signal("-INT");
    let (status, took, stderr) = hc.exit_within(STOP_BOUND);
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("for 1 request in flight (Ctrl-C again to stop now)"),
        "{stderr}"
    );
    assert!(
        took >= Duration::from_secs(3),
        "in-flight requests get a grace period, not {took:?}"
    );
    assert!(stderr.contains("cut off 1 request"), "{stderr}");
    // The stalled client is hung up on, unanswered.
    let mut rest = Vec::new();
    let _ = stalled.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    // What was answered is stored; the store is whole.
    assert_eq!(stored_paths(dir.path()), ["/before"]);
    integrity_ok(dir.path());
}

#[test]
fn a_second_signal_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut hc = Listening::start(dir.path(), &[]);
    answered(&hc.addr, "/before");
    let _stalled = stalled_request(&hc.addr);

    hc.signal("-INT");
    hc.wait_stderr("waiting");
    hc.signal("-TERM");
    let (status, took, stderr) = hc.exit_within(FORCED_BOUND);
    assert_eq!(status.code(), Some(130), "{stderr} after {took:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stored_paths(dir.path()), ["/before"]);
    integrity_ok(dir.path());
}

/// A slow answer (`--delay`) in flight at SIGTERM is still given, and the
/// stop says what it waits for meanwhile.
#[test]
fn a_request_in_flight_is_answered_before_the_stop() {
    let dir = tempfile::tempdir().unwrap();
    let mut hc = Listening::start(dir.path(), &["--delay", "2000"]);
    let lines = lines_of(hc.child.stdout.take().unwrap());
    let mut stream = TcpStream::connect(&hc.addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream
        .write_all(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
        .unwrap();
    // Stored (pending) before its delayed answer; its line waits for it.
    let deadline = Instant::now() + WAIT;
    while stored_paths(dir.path()) != ["/slow"] {
        assert!(Instant::now() < deadline, "never stored");
        std::thread::sleep(Duration::from_millis(20));
    }

    hc.signal("-TERM");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (status, _, stderr) = hc.exit_within(STOP_BOUND);
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("for 1 request in flight"), "{stderr}");
    assert!(!stderr.contains("cut off"), "{stderr}");
    let line = lines.recv_timeout(WAIT).expect("the request's line");
    assert!(
        line.contains("/slow") && line.contains(r#""status":200"#),
        "{line}"
    );
}

/// `hookcatch listen --headless | head -1`: once the reader is gone the
/// listener says so and stops like on SIGTERM, with everything it answered
/// stored, and the pipeline ends (scripts wait for the first webhook so).
#[test]
fn a_closed_stdout_stops_the_listener() {
    let dir = tempfile::tempdir().unwrap();
    let mut hc = Listening::start(dir.path(), &[]);
    let mut stdout = BufReader::new(hc.child.stdout.take().unwrap());
    answered(&hc.addr, "/first");
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains("/first"), "{first}");
    drop(stdout); // the reader goes away, like `head -1` after its line

    // Whether it noticed already or learns it from the next write (EPIPE):
    // a request now is either answered and stored, or refused.
    let next = TcpStream::connect(&hc.addr).and_then(|mut s| {
        s.set_read_timeout(Some(WAIT))?;
        s.write_all(b"POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")?;
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        Ok(answer)
    });
    let line = hc.wait_stderr("stdout closed");
    assert_eq!(line, "hookcatch: stdout closed; stopping");
    let (status, _, stderr) = hc.exit_within(STOP_BOUND);
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let paths = stored_paths(dir.path());
    match next {
        Ok(answer) if answer.starts_with("HTTP/1.1 200") => {
            assert_eq!(paths, ["/first", "/second"])
        }
        _ => assert_eq!(paths, ["/first"]),
    }
}

/// The script form, through bash and the real `head`: the pipeline ends
/// right after the first webhook, without waiting for a second one, and
/// hookcatch exits 0 (not killed by SIGPIPE).
#[test]
fn head_dash_1_ends_the_pipeline_after_the_first_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let mut sh = std::process::Command::new("bash");
    for (key, _) in std::env::vars() {
        if key.starts_with("HOOKCATCH_") {
            sh.env_remove(key);
        }
    }
    let mut child = sh
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .arg("-c")
        .arg(format!(
            "'{BIN}' listen --headless --port 0 --ephemeral | head -1; \
             echo \"hookcatch exited with ${{PIPESTATUS[0]}}\" >&2"
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash");
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());
    let url = loop {
        let line = stderr.recv_timeout(WAIT).expect("the listening line");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    answered(url.trim_start_matches("http://"), "/only");
    let first = stdout.recv_timeout(WAIT).expect("head's line");
    assert!(first.contains("/only"), "{first}");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > STOP_BOUND {
            let _ = child.kill();
            panic!("the pipeline still runs {STOP_BOUND:?} after head exited");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success());
    let rest: Vec<String> = stderr.iter().collect();
    assert!(
        rest.iter()
            .any(|l| l == "hookcatch: stdout closed; stopping"),
        "{rest:?}"
    );
    assert!(
        rest.iter().any(|l| l == "hookcatch exited with 0"),
        "{rest:?}"
    );
}

/// An async forward to an app that never answers holds a store handle for
/// up to `--timeout`; the stop waits for it only within the grace period.
#[test]
fn a_forward_waiting_for_its_app_holds_the_stop_only_for_the_grace_period() {
    let dir = tempfile::tempdir().unwrap();
    let app = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let app_url = format!("http://{}", app.local_addr().unwrap());
    let mut hc = Listening::start(
        dir.path(),
        &[
            "--forward",
            &app_url,
            "--forward-mode",
            "async",
            "--timeout",
            "60",
        ],
    );
    answered(&hc.addr, "/forwarded");
    // The app has the request and says nothing.
    let (mut held, _) = app.accept().unwrap();
    held.set_read_timeout(Some(WAIT)).unwrap();
    let mut head = [0u8; 64];
    assert!(held.read(&mut head).unwrap() > 0);

    hc.signal("-TERM");
    let (status, _, stderr) = hc.exit_within(STOP_BOUND);
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("for 1 forward or replay to get its answer"),
        "{stderr}"
    );
    assert_eq!(stored_paths(dir.path()), ["/forwarded"]);
    integrity_ok(dir.path());
}

/// The same when the closed stdout is only found by writing to it (EPIPE):
/// stdout is a socket here, which is not watched for its reader going
/// away. The request whose line fails is answered and stored; SIGPIPE does
/// not kill the process.
#[test]
fn a_write_to_a_closed_stdout_stops_the_listener() {
    use std::os::unix::net::UnixStream;
    let dir = tempfile::tempdir().unwrap();
    let (mut reader, writer) = UnixStream::pair().unwrap();
    let mut child = command(dir.path())
        .args(["listen", "--headless", "--port", "0", "--store"])
        .arg(dir.path().join("hookcatch.db"))
        .stdin(Stdio::null())
        .stdout(std::os::fd::OwnedFd::from(writer))
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn hookcatch");
    let mut hc = Listening {
        stderr: lines_of(child.stderr.take().unwrap()),
        child,
        addr: String::new(),
        seen: Vec::new(),
    };
    let line = hc.wait_stderr("listening on http://");
    let url = line.split("listening on http://").nth(1).unwrap();
    hc.addr = url.split_whitespace().next().unwrap().to_string();
    answered(&hc.addr, "/first");
    reader.set_read_timeout(Some(WAIT)).unwrap();
    let mut first = [0u8; 1];
    reader.read_exact(&mut first).unwrap();
    drop(reader);

    answered(&hc.addr, "/second");
    assert_eq!(
        hc.wait_stderr("stdout closed"),
        "hookcatch: stdout closed; stopping"
    );
    let (status, _, stderr) = hc.exit_within(STOP_BOUND);
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stored_paths(dir.path()), ["/first", "/second"]);
}
