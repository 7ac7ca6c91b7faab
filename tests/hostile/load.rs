//! Many at once: 2,000 connections open together, 1,000 requests pipelined
//! on one connection.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use crate::harness::{Case, Expect, read_until_closed};
use crate::wire::{post, statuses};

/// How many connections the concurrent case holds open at once.
const WANTED: usize = 2000;

/// Open `n` connections, each with a whole request written, and
/// only then read the answers: every request is in the listener at once.
fn concurrent(addr: &str, p: &str, n: usize) -> Vec<u16> {
    let streams: Vec<TcpStream> = (0..n)
        .map(|i| {
            let mut s = TcpStream::connect(addr).expect("connect");
            s.write_all(&post(&format!("{p}/{i}"), "{}"))
                .expect("write");
            s
        })
        .collect();
    streams
        .into_iter()
        .flat_map(|mut s| {
            let (bytes, _) = read_until_closed(&mut s, Duration::from_secs(30), None);
            statuses(&bytes)
        })
        .collect()
}

/// 1,000 requests written back to back on one connection, the last one
/// asking to close; the answers come back in order.
fn pipelined(addr: &str, p: &str, garbage_at: Option<usize>) -> Vec<u16> {
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut bytes = Vec::new();
    for i in 0..1000 {
        if garbage_at == Some(i) {
            bytes.extend_from_slice(b"NOT HTTP AT ALL\r\n\r\n");
        }
        let close = if i == 999 {
            "Connection: close\r\n"
        } else {
            ""
        };
        bytes.extend_from_slice(
            format!("POST {p}/{i} HTTP/1.1\r\nHost: x\r\n{close}Content-Length: 2\r\n\r\n{{}}")
                .as_bytes(),
        );
    }
    // Written from a thread: the answers must be read while it writes.
    let mut writer = s.try_clone().expect("clone");
    let send = std::thread::spawn(move || {
        let _ = writer.write_all(&bytes);
    });
    let (answers, _) = read_until_closed(&mut s, Duration::from_secs(60), None);
    let _ = send.join();
    statuses(&answers)
}

pub fn cases() -> Vec<Case> {
    let n = connections();
    vec![
        Case::custom("concurrent_2000", Expect::Answers(200, n), move |a, p| {
            concurrent(a, p, n)
        })
        .stored(n)
        .wait(Duration::from_secs(60)),
        Case::custom("pipelined_1000", Expect::Answers(200, 1000), |a, p| {
            pipelined(a, p, None)
        })
        .stored(1000),
        Case::custom("pipelined_garbage_at_10", Expect::Survives, |a, p| {
            let got = pipelined(a, p, Some(10));
            assert_eq!(got[..10], [200; 10], "the ten before the garbage");
            assert!(got[10..].iter().all(|s| *s >= 400), "{:?}", &got[10..]);
            got
        })
        .stored(10),
    ]
}

/// How many connections fit: each takes a descriptor here and one in the
/// listener, and both processes share this process's soft open-files limit
/// (a test cannot raise it without `unsafe`). 2,000 on a machine whose
/// limit allows; fewer, with a note on stderr, where it does not.
pub fn connections() -> usize {
    let out = std::process::Command::new("sh")
        .args(["-c", "ulimit -Sn"])
        .output()
        .expect("ulimit");
    let soft: usize = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(usize::MAX);
    let fits = soft.saturating_sub(200);
    if fits < WANTED {
        eprintln!("open-files limit {soft}: {fits} concurrent connections instead of {WANTED}");
    }
    WANTED.min(fits)
}
