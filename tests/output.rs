//! Command output into a pipe that closes early (`hookcatch list | head`):
//! a quiet stop, never a panic.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::*;

#[test]
fn a_closed_pipe_stops_output_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let body = "x".repeat(2048);
    for i in 0..200 {
        let request = format!(
            "POST /p{i} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        assert!(raw_exchange(&hc.addr, request.as_bytes()).starts_with("HTTP/1.1 200"));
    }
    let store = hc.store.clone();
    drop(hc);
    // Far more than a pipe buffer holds, so the writer must meet the closed pipe.
    for args in [
        &["list", "--json", "--limit", "1000"][..],
        &["export", "--format", "ndjson"][..],
        &["export", "--format", "curl"][..],
    ] {
        let mut child = command(dir.path())
            .args(args)
            .arg("--store")
            .arg(&store)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "{args:?}");
        // The reader is dropped here: the pipe closes.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr, "",
            "{args:?}: nothing to say when the reader has gone"
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
