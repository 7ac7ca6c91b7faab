//! HTTP/2 over cleartext (prior knowledge), frames written by hand: floods,
//! rapid reset (CVE-2023-44487), CONTINUATION floods, broken HPACK and
//! flow control. Run with `--body-timeout 2`.

use crate::harness::{Case, Expect, Step, marker};
use crate::wire::*;

use Expect::*;

/// The preface, SETTINGS, then `frames`.
fn h2(name: &'static str, expect: Expect, frames: impl FnOnce(&str) -> Vec<u8>) -> Case {
    let mut bytes = h2_start();
    bytes.extend(frames(&marker(name)));
    Case::h2(name, expect, vec![Step::Send(bytes)])
}

/// HEADERS that do not end the header block, then `n` CONTINUATION frames
/// of `each` bytes (a literal header each, or nothing).
fn continuation_flood(p: &str, n: usize, each: usize) -> Vec<u8> {
    let mut out = frame(HEADERS, END_STREAM, 1, &h2_block("GET", p.as_bytes(), &[]));
    let mut literal = Vec::new();
    if each > 0 {
        hpack_literal(&mut literal, b"x-flood", &vec![b'f'; each]);
    }
    for _ in 0..n {
        out.extend(frame(CONTINUATION, 0, 1, &literal));
    }
    out
}

pub fn cases() -> Vec<Case> {
    vec![
        h2("h2_get", Answers(200, 1), |p| h2_get(1, p)).stored(1),
        h2("h2_post_with_body", Answers(200, 1), |p| {
            let mut out = frame(
                HEADERS,
                END_HEADERS,
                1,
                &h2_block("POST", p.as_bytes(), &[]),
            );
            out.extend(frame(DATA, 0, 1, b"{\"a\":"));
            out.extend(frame(DATA, END_STREAM, 1, b"1}"));
            out
        })
        .outcome("complete"),
        h2("h2_stream_flood_1000", Survives, |p| {
            (0..1000).flat_map(|i| h2_get(1 + 2 * i, p)).collect()
        }),
        h2("h2_rapid_reset_10000", Survives, |p| {
            (0..10_000u32)
                .flat_map(|i| {
                    let id = 1 + 2 * i;
                    let mut out = h2_get(id, p);
                    out.extend(frame(RST_STREAM, 0, id, &8u32.to_be_bytes()));
                    out
                })
                .collect()
        }),
        h2("h2_streams_never_finished", Survives, |p| {
            (0..300u32)
                .flat_map(|i| {
                    frame(
                        HEADERS,
                        END_HEADERS,
                        1 + 2 * i,
                        &h2_block("POST", p.as_bytes(), &[]),
                    )
                })
                .collect()
        })
        .wait(std::time::Duration::from_secs(10)),
        h2("h2_continuation_flood", Refused, |p| {
            continuation_flood(p, 10_000, 1024)
        })
        .stored(0),
        h2("h2_empty_continuation_flood", Survives, |p| {
            continuation_flood(p, 100_000, 0)
        })
        .stored(0),
        h2("h2_header_list_too_big", Refused, |p| {
            let mut block = h2_block("GET", p.as_bytes(), &[]);
            hpack_literal(&mut block, b"x-big", &vec![b'b'; 200_000]);
            let mut out = Vec::new();
            let mut chunks = block.chunks(16_000).peekable();
            let first = chunks.next().unwrap_or_default();
            out.extend(frame(HEADERS, END_STREAM, 1, first));
            while let Some(chunk) = chunks.next() {
                let flags = if chunks.peek().is_none() {
                    END_HEADERS
                } else {
                    0
                };
                out.extend(frame(CONTINUATION, flags, 1, chunk));
            }
            out
        })
        .stored(0),
        h2("h2_ping_flood", Survives, |_| {
            (0..10_000u64)
                .flat_map(|i| frame(PING, 0, 0, &i.to_be_bytes()))
                .collect()
        }),
        h2("h2_settings_flood", Survives, |_| {
            (0..10_000)
                .flat_map(|_| frame(SETTINGS, 0, 0, &[0, 3, 0, 0, 0, 100]))
                .collect()
        }),
        h2("h2_window_overflow", Refused, |p| {
            let mut out = frame(WINDOW_UPDATE, 0, 0, &0x7fff_ffffu32.to_be_bytes());
            out.extend(frame(WINDOW_UPDATE, 0, 0, &0x7fff_ffffu32.to_be_bytes()));
            out.extend(h2_get(1, p));
            out
        }),
        h2("h2_bad_hpack_index", Refused, |_| {
            frame(
                HEADERS,
                END_HEADERS | END_STREAM,
                1,
                &[0xff, 0xff, 0xff, 0x7f],
            )
        }),
        h2("h2_even_stream_id", Refused, |p| h2_get(2, p)).stored(0),
        h2("h2_data_on_idle_stream", Refused, |_| {
            frame(DATA, END_STREAM, 5, b"data")
        }),
        h2("h2_oversized_frame", Refused, |p| {
            frame(HEADERS, END_HEADERS | END_STREAM, 1, &{
                let mut b = h2_block("GET", p.as_bytes(), &[]);
                hpack_literal(&mut b, b"x", &vec![b'x'; 20_000]);
                b
            })
        }),
        h2("h2_preface_only", Survives, |_| Vec::new()),
        h2("h2_control_bytes_in_path", Survives, |p| {
            let path = format!("{p}/\x1b[2J\x7f");
            frame(
                HEADERS,
                END_HEADERS | END_STREAM,
                1,
                &h2_block("GET", path.as_bytes(), &[]),
            )
        }),
        h2("h2_controls_in_header_value", Survives, |p| {
            let block = h2_block(
                "GET",
                p.as_bytes(),
                &[("x-a", b"\x1b]0;t\x07\xc2\x9b\xe2\x80\xae")],
            );
            frame(HEADERS, END_HEADERS | END_STREAM, 1, &block)
        }),
        h2("h2_uppercase_header_name", Refused, |p| {
            let block = h2_block("GET", p.as_bytes(), &[("X-Upper", b"v")]);
            frame(HEADERS, END_HEADERS | END_STREAM, 1, &block)
        })
        .stored(0),
        h2("h2_declared_over_limit", Refused, |p| {
            let block = h2_block("POST", p.as_bytes(), &[("content-length", b"999999999")]);
            frame(HEADERS, END_HEADERS, 1, &block)
        }),
    ]
}

/// A preface that is almost the real one.
pub fn bad_preface() -> Case {
    Case::h2(
        "h2_garbled_preface",
        Refused,
        vec![Step::Send(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".to_vec())],
    )
}
