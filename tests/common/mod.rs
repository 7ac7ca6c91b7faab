//! Drive the real `hookcatch` binary: start it on port 0 with a temporary
//! store, read its headless JSON lines, stop it by signal. Every wait is
//! bounded; nothing sleeps to synchronise.
#![allow(dead_code)]

pub mod postgres;
pub mod relay;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_hookcatch");
pub const WAIT: Duration = Duration::from_secs(20);

pub struct Hookcatch {
    child: Child,
    pub addr: String,
    pub url: String,
    pub store: PathBuf,
    lines: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

/// A command with a clean environment: no HOOKCATCH_* from the developer's shell,
/// run in `dir` so no stray ./hookcatch.toml is read.
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("HOOKCATCH_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"));
    cmd
}

impl Hookcatch {
    /// Start `hookcatch listen --headless --port 0 --store DIR/hookcatch.db ARGS`.
    pub fn start(dir: &Path, args: &[&str]) -> Hookcatch {
        let store = dir.join("hookcatch.db");
        Self::start_with(dir, &store, args, |_| {})
    }

    pub fn start_with(
        dir: &Path,
        store: &Path,
        args: &[&str],
        adjust: impl FnOnce(&mut Command),
    ) -> Hookcatch {
        let mut cmd = command(dir);
        cmd.args(["listen", "--headless", "--port", "0", "--store"])
            .arg(store)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        adjust(&mut cmd);
        let mut child = cmd.spawn().expect("spawn hookcatch");
        let lines = lines_of(child.stdout.take().expect("stdout"));
        let stderr = lines_of(child.stderr.take().expect("stderr"));
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        let url = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match stderr.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.split("listening on ").nth(1) {
                        break rest.split_whitespace().next().expect("url").to_string();
                    }
                    seen.push(line);
                }
                Err(_) => panic!(
                    "hookcatch did not start: {seen:?} status {:?}",
                    child.try_wait()
                ),
            }
        };
        let addr = url.trim_start_matches("http://").to_string();
        Hookcatch {
            child,
            addr,
            url,
            store: store.to_path_buf(),
            lines,
            stderr,
        }
    }

    /// The next headless JSON line.
    pub fn next_json(&self) -> serde_json::Value {
        let line = self
            .lines
            .recv_timeout(WAIT)
            .expect("a JSON line from hookcatch");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// The next headless line as printed, unparsed.
    pub fn next_line(&self) -> String {
        self.lines
            .recv_timeout(WAIT)
            .expect("a JSON line from hookcatch")
    }

    pub fn try_next_json(&self, wait: Duration) -> Option<serde_json::Value> {
        self.lines
            .recv_timeout(wait)
            .ok()
            .map(|l| serde_json::from_str(&l).expect("JSON line"))
    }

    /// Every stdout line printed so far, as text: read until none has come
    /// for `quiet`.
    pub fn drain_lines(&self, quiet: Duration) -> Vec<String> {
        std::iter::from_fn(|| self.lines.recv_timeout(quiet).ok()).collect()
    }

    /// Every stderr line printed so far, like [`Hookcatch::drain_lines`].
    pub fn drain_stderr(&self, quiet: Duration) -> Vec<String> {
        std::iter::from_fn(|| self.stderr.recv_timeout(quiet).ok()).collect()
    }

    /// Wait for a stderr line containing `needle`.
    pub fn wait_stderr(&self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .stderr
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no stderr line with {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM and wait for a clean exit.
    pub fn stop(mut self) -> ExitStatus {
        signal(self.child.id(), "-TERM");
        wait_exit(&mut self.child)
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill9(mut self) {
        signal(self.child.id(), "-KILL");
        wait_exit(&mut self.child);
    }
}

impl Drop for Hookcatch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill")
        .arg(sig)
        .arg(pid.to_string())
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Wait for a child to exit, bounded by [`WAIT`].
pub fn wait_exit(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "hookcatch did not exit in time");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The lines a child writes to a pipe, as they come (read on a thread).
pub fn lines_of(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    lines
}

/// A usage error: exit 2 and one message containing `needle`, no panic.
pub fn assert_usage_error(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
}

/// Run a CLI subcommand to completion.
pub fn cli(dir: &Path, args: &[&str]) -> Output {
    command(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run hookcatch")
}

pub fn cli_store(dir: &Path, store: &Path, args: &[&str]) -> Output {
    let mut cmd = command(dir);
    cmd.args(args)
        .arg("--store")
        .arg(store)
        .stdin(Stdio::null());
    cmd.output().expect("run hookcatch")
}

/// Bytes as text, invalid UTF-8 replaced: for stderr and bodies in messages.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A command's standard output as text. hookcatch sanitizes what it prints,
/// so its standard output is always UTF-8.
pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// A command that printed one JSON document: it succeeded, and the document.
pub fn json_output(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON document on stdout")
}

/// `show ID --json` against `store`.
pub fn show_json(dir: &Path, store: &Path, id: &str) -> serde_json::Value {
    json_output(&cli_store(dir, store, &["show", id, "--json"]))
}

/// `list --json` as values.
pub fn list_json(dir: &Path, store: &Path) -> Vec<serde_json::Value> {
    let out = cli_store(dir, store, &["list", "--json", "--limit", "100000"]);
    assert!(
        out.status.success(),
        "list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

/// Send raw bytes on a fresh connection and read until the server closes or
/// the timeout passes: for requests no well-behaved client would send.
pub fn raw_exchange(addr: &str, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    stream.write_all(bytes).expect("write");
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(WAIT)
        .build()
        .expect("client")
}

/// A request that is in flight for sure: its head is read and its handler
/// is reading the body (hyper sends `100 Continue` only then). Three of its
/// ten bytes arrive, then the client stalls.
pub fn stalled_request(addr: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream
        .write_all(
            b"POST /stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\
              Expect: 100-continue\r\n\r\n",
        )
        .unwrap();
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("100 Continue");
        assert_eq!(n, 1, "closed before 100 Continue: {got:?}");
        got.push(byte[0]);
    }
    assert!(got.starts_with(b"HTTP/1.1 100"), "{got:?}");
    stream.write_all(b"abc").unwrap();
    stream
}
