//! Requests hyper refuses as malformed (its own 400, before hookcatch sees a
//! request) leave a trace: `hookcatch list --refused` from another process
//! lists who sent them, when, and hyper's reason.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// `list --refused --json` until it holds `n` lines (the log is written
/// after the connection closed, so a moment after the 400 arrived).
fn refused_lines(
    dir: &std::path::Path,
    store: &std::path::Path,
    n: usize,
) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let out = cli_store(dir, store, &["list", "--refused", "--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let lines: Vec<serde_json::Value> = stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect();
        if lines.len() >= n {
            return lines;
        }
        assert!(Instant::now() < deadline, "only {lines:?} after {WAIT:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn garbage_a_bad_header_line_and_a_huge_head_are_refused_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let answer = raw_exchange(&hc.addr, b"GARBAGE\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    let answer = raw_exchange(
        &hc.addr,
        b"POST /hook HTTP/1.1\r\nHost: x\r\nBad Header\x1b[2J\r\nContent-Length: 0\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");

    // A head over the 64 KiB limit: hyper's 431, refused the same way.
    let mut big = b"POST /hook HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', 70 * 1024));
    big.extend_from_slice(b"\r\n\r\n");
    let answer = raw_exchange(&hc.addr, &big);
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:?}");

    let lines = refused_lines(dir.path(), &hc.store, 3);
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in &lines {
        assert!(
            line["remote_addr"]
                .as_str()
                .is_some_and(|a| a.starts_with("127.0.0.1:")),
            "{line}"
        );
        assert!(
            line["at"].as_str().is_some_and(|t| t.ends_with('Z')),
            "{line}"
        );
        assert!(
            line["reason"]
                .as_str()
                .is_some_and(|r| r.contains("invalid") || r.contains("too large")),
            "hyper's reason: {line}"
        );
    }
    assert!(
        lines[0]["id"].as_i64() < lines[1]["id"].as_i64(),
        "oldest first"
    );
    // Neither was captured as a request.
    assert!(list_json(dir.path(), &hc.store).is_empty());

    let out = cli_store(dir.path(), &hc.store, &["list", "--refused"]);
    let table = stdout(&out);
    assert!(table.starts_with("TIME (UTC)"), "{table}");
    assert_eq!(table.lines().count(), 4, "{table}");
    assert!(!table.contains('\x1b'), "nothing raw reaches a terminal");
    assert_usage_error(
        &cli_store(dir.path(), &hc.store, &["list", "--refused", "--follow"]),
        "--follow",
    );
    assert_eq!(hc.stop().code(), Some(0));
}
