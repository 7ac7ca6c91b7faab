//! One table of hostile cases against one listener. Each case runs on its
//! own connection(s), all of a table's cases at once, and each is followed
//! by a normal request that must be answered. When the table is done, the
//! store must pass `PRAGMA integrity_check`, every `2xx` a case was answered
//! must be a stored request under that case's path, and nothing hookcatch
//! printed may carry a raw control or bidi character.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{BIN, Hookcatch, WAIT};
use crate::wire;

/// What a case does on its connection.
pub enum Step {
    Send(Vec<u8>),
    /// Wait (the client being slow is the point of the case).
    Pause(Duration),
    /// Close the connection now, without reading an answer.
    Hangup,
}

/// What the case must get back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expect {
    /// Exactly one final answer, with this status.
    Status(u16),
    /// This many answers, all with this status.
    Answers(u16, usize),
    /// Never a 2xx: a 4xx/5xx answer, or the connection closed unanswered.
    Refused,
    /// The server closes the connection without answering anything.
    Cut,
    /// Anything goes, as long as every 2xx is stored (floods, hangups).
    Survives,
}

/// How a case reaches the listener.
pub enum Run {
    Steps(Vec<Step>),
    /// HTTP/2 frames: read until the server goes quiet, count its `200`s.
    H2(Vec<Step>),
    /// Its own client code: returns the statuses it got.
    Custom(Box<Client>),
}

/// A case's own client: given the address and the case's path, it returns
/// the statuses it got.
pub type Client = dyn Fn(&str, &str) -> Vec<u16> + Send + Sync;

pub struct Case {
    pub name: &'static str,
    pub run: Run,
    pub expect: Expect,
    /// How long the server may take to answer and close.
    pub wait: Duration,
    /// The outcome every stored request of this case must have.
    pub outcome: Option<&'static str>,
    /// Requests stored under this case's path, when it must be exact.
    pub stored: Option<usize>,
    /// Run `hookcatch show ID` on each stored request under a memory cap.
    pub show: bool,
    /// The server must close the connection within `wait`.
    pub closes: bool,
}

impl Case {
    /// `build` gets this case's path (`/c/NAME/x`) to put in its requests.
    pub fn new(name: &'static str, expect: Expect, build: impl FnOnce(&str) -> Vec<u8>) -> Case {
        let bytes = build(&marker(name));
        Case::steps(name, expect, vec![Step::Send(bytes)])
    }

    pub fn steps(name: &'static str, expect: Expect, steps: Vec<Step>) -> Case {
        Case {
            name,
            run: Run::Steps(steps),
            expect,
            wait: Duration::from_secs(8),
            outcome: None,
            stored: None,
            show: false,
            closes: false,
        }
    }

    pub fn h2(name: &'static str, expect: Expect, steps: Vec<Step>) -> Case {
        Case {
            run: Run::H2(steps),
            ..Case::steps(name, expect, Vec::new())
        }
    }

    pub fn custom(
        name: &'static str,
        expect: Expect,
        run: impl Fn(&str, &str) -> Vec<u16> + Send + Sync + 'static,
    ) -> Case {
        Case {
            run: Run::Custom(Box::new(run)),
            ..Case::steps(name, expect, Vec::new())
        }
    }

    pub fn outcome(mut self, outcome: &'static str) -> Case {
        self.outcome = Some(outcome);
        self
    }

    pub fn stored(mut self, n: usize) -> Case {
        self.stored = Some(n);
        self
    }

    pub fn show(mut self) -> Case {
        self.show = true;
        self
    }

    pub fn closes(mut self) -> Case {
        self.closes = true;
        self
    }

    pub fn wait(mut self, wait: Duration) -> Case {
        self.wait = wait;
        self
    }
}

/// The path a case's requests carry, so its records can be found.
pub fn marker(name: &str) -> String {
    format!("/c/{name}/x")
}

/// What came back to one case.
struct Got {
    statuses: Vec<u16>,
    /// The server closed the connection (EOF or reset) within the wait.
    closed: bool,
}

impl Got {
    fn two_xx(&self) -> usize {
        self.statuses
            .iter()
            .filter(|s| (200..300).contains(*s))
            .count()
    }
}

/// Start a listener with `args`, run every case, check the four promises;
/// returns every stored request.
pub fn run_table(args: &[&str], cases: Vec<Case>) -> Vec<Value> {
    run_checked(args, cases, false)
}

/// [`run_table`], and stdout must not carry DEL, C1 or bidi controls raw
/// either.
pub fn run_strict(args: &[&str], cases: Vec<Case>) -> Vec<Value> {
    run_checked(args, cases, true)
}

fn run_checked(args: &[&str], cases: Vec<Case>, strict: bool) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("tempdir");
    let hc = Hookcatch::start(dir.path(), args);
    let results: Vec<(String, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .iter()
            .map(|case| scope.spawn(|| run_case(&hc.addr, dir.path(), &hc.store, case)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let lines = check_output(&hc, strict);
    check_store(&hc.store, lines, &cases, &results)
}

/// Run one case and the normal request after it; returns the case's
/// name and how many 2xx answers it got.
fn run_case(addr: &str, dir: &Path, store: &Path, case: &Case) -> (String, usize) {
    let got = match &case.run {
        Run::Steps(steps) => exchange(addr, steps, case.wait, None),
        Run::H2(steps) => exchange(addr, steps, case.wait, Some(Duration::from_secs(1))),
        Run::Custom(run) => Got {
            statuses: run(addr, &marker(case.name)),
            closed: true,
        },
    };
    let name = case.name;
    match case.expect {
        Expect::Status(want) => assert_eq!(got.statuses, [want], "{name}"),
        Expect::Answers(want, n) => {
            assert_eq!(got.statuses.len(), n, "{name}: {:?}", &got.statuses);
            assert!(got.statuses.iter().all(|s| *s == want), "{name}");
        }
        Expect::Refused => assert_eq!(got.two_xx(), 0, "{name}: {:?}", got.statuses),
        Expect::Cut => {
            assert!(got.statuses.is_empty(), "{name}: {:?}", got.statuses);
            assert!(got.closed, "{name}: still open after {:?}", case.wait);
        }
        Expect::Survives => {}
    }
    assert!(
        got.closed || !case.closes,
        "{name}: still open after {:?}",
        case.wait
    );
    let alive = exchange(
        addr,
        &[Step::Send(wire::post(&format!("/alive/{name}"), "{}"))],
        WAIT,
        None,
    );
    assert_eq!(alive.statuses, [200], "{name}: no answer after the case");
    if case.show {
        for id in ids_of(store, name) {
            show_capped(dir, store, &id.to_string());
        }
    }
    (name.to_string(), got.two_xx())
}

/// Play `steps` on a fresh connection, then read until the server closes or
/// `wait` passes (or, with `quiet`, until nothing came for that long).
fn exchange(addr: &str, steps: &[Step], wait: Duration, quiet: Option<Duration>) -> Got {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let _ = stream.set_nodelay(true);
    for step in steps {
        match step {
            // The server may close early (a refused head); what it sent is read below.
            Step::Send(bytes) => {
                if stream.write_all(bytes).is_err() {
                    break;
                }
            }
            Step::Pause(d) => std::thread::sleep(*d),
            Step::Hangup => {
                let _ = stream.shutdown(Shutdown::Both);
                return Got {
                    statuses: Vec::new(),
                    closed: true,
                };
            }
        }
    }
    let (bytes, closed) = read_until_closed(&mut stream, wait, quiet);
    let statuses = if quiet.is_some() {
        vec![200; wire::h2_frames(&bytes).ok]
    } else {
        wire::statuses(&bytes)
    };
    Got { statuses, closed }
}

pub fn read_until_closed(
    stream: &mut TcpStream,
    wait: Duration,
    quiet: Option<Duration>,
) -> (Vec<u8>, bool) {
    let deadline = Instant::now() + wait;
    let mut bytes = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let slice = quiet.map_or(left, |q| q.min(left));
        if slice.is_zero() {
            return (bytes, false);
        }
        stream.set_read_timeout(Some(slice)).expect("timeout");
        match stream.read(&mut buf) {
            Ok(0) => return (bytes, true),
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if quiet.is_some() || Instant::now() >= deadline {
                    return (bytes, false);
                }
            }
            Err(_) => return (bytes, true),
        }
    }
}

/// The ids of the stored requests whose target carries this case's path,
/// read from the store file (a `list` would inspect every stored body).
fn ids_of(store: &Path, name: &str) -> Vec<i64> {
    let conn =
        rusqlite::Connection::open_with_flags(store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the store read-only");
    let mut query = conn
        .prepare("SELECT id FROM requests WHERE instr(target, ?1) > 0")
        .expect("query");
    query
        .query_map([marker(name)], |row| row.get(0))
        .expect("ids")
        .map(|id| id.expect("id"))
        .collect()
}

/// The store is sound, and holds every request the headless output
/// announced (a line is printed once its request is committed); each case's
/// 2xx answers are among those lines. (`list --json` would say the same,
/// but inspects every stored body again: seconds per 16 MB body here.)
fn check_store(
    store: &Path,
    records: Vec<Value>,
    cases: &[Case],
    results: &[(String, usize)],
) -> Vec<Value> {
    let conn =
        rusqlite::Connection::open_with_flags(store, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the store read-only");
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check");
    assert_eq!(verdict, "ok");
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM requests", [], |row| row.get(0))
        .expect("count");
    assert_eq!(
        rows as usize,
        records.len(),
        "stored rows against headless lines"
    );
    for r in &records {
        let id = r["id"].as_i64().expect("id");
        let found: bool = conn
            .query_row("SELECT count(*) FROM requests WHERE id = ?1", [id], |row| {
                row.get::<_, i64>(0)
            })
            .map(|n| n == 1)
            .expect("by id");
        assert!(found, "line for request {id} but no stored row");
    }
    for (case, (name, two_xx)) in cases.iter().zip(results) {
        let marker = marker(name);
        let mine: Vec<&Value> = records
            .iter()
            .filter(|r| r["path"].as_str().is_some_and(|p| p.contains(&marker)))
            .collect();
        assert!(
            mine.len() >= *two_xx,
            "{name}: answered 2xx {two_xx} times, stored {}",
            mine.len()
        );
        if let Some(n) = case.stored {
            assert_eq!(mine.len(), n, "{name}: stored");
        }
        if let Some(outcome) = case.outcome {
            for r in &mine {
                assert_eq!(r["outcome"], outcome, "{name}: {r}");
            }
            assert!(!mine.is_empty(), "{name}: nothing stored");
        }
        let alive = format!("/alive/{name}");
        assert!(
            records.iter().any(|r| r["path"] == alive.as_str()),
            "{name}: its normal request was answered but not stored"
        );
    }
    records
}

/// A character no terminal may receive raw. `strict` adds DEL, C1 and the
/// bidi controls, which JSON output still writes raw today.
fn is_raw(c: char, strict: bool) -> bool {
    let c0 = (c < ' ' && c != '\t') || c == '\x1b';
    let more = c == '\x7f'
        || ('\u{80}'..='\u{9f}').contains(&c)
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c);
    c0 || (strict && more)
}

/// Nothing raw on stdout (JSON lines) or stderr (human lines); returns
/// the stdout lines, parsed.
fn check_output(hc: &Hookcatch, strict_stdout: bool) -> Vec<Value> {
    let quiet = Duration::from_secs(1);
    let mut records = Vec::new();
    for line in hc.drain_lines(quiet) {
        assert!(
            !line.chars().any(|c| is_raw(c, strict_stdout)),
            "raw control character on stdout: {line:?}"
        );
        records.push(serde_json::from_str::<Value>(&line).expect("stdout line is JSON"));
    }
    for line in hc.drain_stderr(quiet) {
        assert!(
            !line.chars().any(|c| is_raw(c, true)),
            "raw control character on stderr: {line:?}"
        );
    }
    records
}

/// `hookcatch show ID` must finish, exit 0 and stay under 1 GiB of address
/// space, whatever the body decodes to.
fn show_capped(dir: &Path, store: &Path, id: &str) {
    let out = Command::new("sh")
        .args([
            "-c",
            "ulimit -v 1048576 && exec \"$@\"",
            "sh",
            BIN,
            "show",
            id,
        ])
        .arg("--store")
        .arg(store)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("HOOKCATCH_STORE")
        .stdin(Stdio::null())
        .output()
        .expect("run show");
    assert!(
        out.status.success(),
        "show {id}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.chars().any(|c| is_raw(c, false) && c != '\n'),
        "show {id}"
    );
}
