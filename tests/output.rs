//! Command output into a pipe that closes early (`hookcatch list | head`):
//! a quiet stop, never a panic.

mod common;
#[path = "support/target.rs"]
mod target;

use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};
use std::time::Duration;

use common::*;
use target::{Behaviour, Target};

/// `hookcatch ARGS` in `dir` whose reader takes one line of stdout and goes.
fn read_one_line_then_close(dir: &std::path::Path, args: &[&str]) -> (String, Output) {
    let mut child = command(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: the pipe closes.
    (first, child.wait_with_output().unwrap())
}

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
        let mut args = args.to_vec();
        args.extend(["--store", store.to_str().unwrap()]);
        let (first, out) = read_one_line_then_close(dir.path(), &args);
        assert!(!first.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr, "",
            "{args:?}: nothing to say when the reader has gone"
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

/// A retry ladder whose reader has gone stops at the attempt it was
/// printing: no retries for nobody, exit 0, nothing on stderr.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_stops_a_retry_ladder_where_it_is() {
    // An answer far larger than a pipe buffer, so the first attempt's
    // output meets the closed pipe.
    let mut target = Target::start(Behaviour {
        status: 500,
        headers: vec![("content-type".into(), "text/plain".into())],
        body: "a line of the app's answer\n".repeat(10_000),
        delay: Duration::ZERO,
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (path, url) = (dir.path().to_path_buf(), target.url.clone());
    let (first, out) = tokio::task::spawn_blocking(move || {
        let args = [
            "send-test",
            "incident.created",
            "--to",
            &url,
            "--ladder",
            "--ladder-scale",
            "0.001",
        ];
        read_one_line_then_close(&path, &args)
    })
    .await
    .unwrap();
    assert!(first.starts_with("> POST"), "{first}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "", "nothing to say when the reader has gone");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    target.next().await;
    assert!(
        target.try_next().is_none(),
        "no retry after the reader went"
    );
}
