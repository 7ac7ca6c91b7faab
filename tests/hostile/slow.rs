//! Clients that take their time or leave: the table runs with
//! `--header-timeout 2 --body-timeout 2`.

use std::time::Duration;

use crate::harness::{Case, Expect, Step, marker};

use Expect::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// `bytes` one at a time, `gap` apart.
fn trickle(bytes: &[u8], gap: Duration) -> Vec<Step> {
    bytes
        .iter()
        .flat_map(|b| [Step::Send(vec![*b]), Step::Pause(gap)])
        .collect()
}

fn head(name: &str, extra: &str) -> Vec<u8> {
    format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n",
        marker(name)
    )
    .into_bytes()
}

pub fn cases() -> Vec<Case> {
    let send = |b: &[u8]| Step::Send(b.to_vec());
    let mut slowloris_headers = vec![send(
        format!(
            "GET {} HTTP/1.1\r\nHost: x\r\n",
            marker("slowloris_headers")
        )
        .as_bytes(),
    )];
    for i in 0..20 {
        slowloris_headers.push(send(format!("X-{i}: v\r\n").as_bytes()));
        slowloris_headers.push(Step::Pause(ms(300)));
    }
    let mut slow_body = vec![send(&head("slow_body", "Content-Length: 100\r\n"))];
    slow_body.extend(trickle(&[b'a'; 30], ms(200)));
    let mut slow_chunks = vec![send(&head("slow_chunks", "Transfer-Encoding: chunked\r\n"))];
    for _ in 0..30 {
        slow_chunks.push(send(b"1\r\na\r\n"));
        slow_chunks.push(Step::Pause(ms(200)));
    }
    vec![
        Case::steps(
            "slowloris_trickled_head",
            Refused,
            trickle(&head("slowloris_trickled_head", ""), ms(150)),
        )
        .stored(0),
        Case::steps("slowloris_headers", Refused, slowloris_headers).stored(0),
        Case::steps(
            "slow_but_in_time",
            Status(200),
            vec![
                send(&head("slow_but_in_time", "Content-Length: 2\r\n")[..20]),
                Step::Pause(ms(500)),
                send(&head("slow_but_in_time", "Content-Length: 2\r\n")[20..]),
                Step::Pause(ms(500)),
                send(b"{}"),
            ],
        )
        .outcome("complete"),
        Case::steps("slow_body", Status(408), slow_body)
            .outcome("incomplete")
            .stored(1),
        Case::steps("slow_chunks", Status(408), slow_chunks)
            .outcome("incomplete")
            .stored(1),
        Case::steps(
            "gone_mid_body",
            Survives,
            vec![
                send(&head("gone_mid_body", "Content-Length: 100\r\n")),
                send(b"half"),
                Step::Hangup,
            ],
        )
        .outcome("incomplete")
        .stored(1),
        Case::steps(
            "gone_mid_chunk",
            Survives,
            vec![
                send(&head("gone_mid_chunk", "Transfer-Encoding: chunked\r\n")),
                send(b"64\r\nabc"),
                Step::Hangup,
            ],
        )
        .outcome("incomplete")
        .stored(1),
        Case::steps(
            "gone_mid_head",
            Survives,
            vec![send(&head("gone_mid_head", "")[..30]), Step::Hangup],
        )
        .stored(0),
        Case::steps(
            "gone_before_answer",
            Survives,
            vec![
                send(&head("gone_before_answer", "Content-Length: 2\r\n")),
                send(b"{}"),
                Step::Hangup,
            ],
        ),
    ]
}

/// Connections that never speak, or stop speaking, are closed by the
/// listener (run with `--header-timeout 2 --idle-timeout 2`).
pub fn silent() -> Vec<Case> {
    let wait = Duration::from_secs(6);
    let keep_alive = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\n\r\n",
        marker("idle_after_a_request")
    );
    vec![
        Case::steps("silent_connection", Cut, Vec::new()).wait(wait),
        Case::steps(
            "silent_after_one_byte",
            Cut,
            vec![Step::Send(b"G".to_vec())],
        )
        .wait(wait),
        // One answer, then silence: the idle keep-alive connection closes.
        Case::steps(
            "idle_after_a_request",
            Answers(200, 1),
            vec![Step::Send(keep_alive.into_bytes())],
        )
        .closes()
        .wait(wait),
        // Read as raw bytes: the server's SETTINGS are no HTTP/1 answer.
        Case::steps(
            "idle_h2_after_preface",
            Cut,
            vec![Step::Send(crate::wire::h2_start())],
        )
        .wait(wait),
    ]
}
