//! HTTP/1 framing: request lines, line endings, control bytes, smuggling
//! attempts, chunked bodies, `Expect`. `{P}` in a template is the case's path.

use crate::harness::{Case, Expect};
use crate::wire::{post, with_body};

use Expect::*;

/// A case whose bytes are `template` with `{P}` replaced by its path.
fn raw(name: &'static str, expect: Expect, template: &str) -> Case {
    let template = template.to_string();
    Case::new(name, expect, move |p| {
        template.replace("{P}", p).into_bytes()
    })
}

/// Like [`raw`], for templates that are not UTF-8.
fn raw_bytes(name: &'static str, expect: Expect, template: &'static [u8]) -> Case {
    Case::new(name, expect, move |p| {
        let mut out = Vec::new();
        let mut rest = template;
        while let Some(at) = crate::wire::find(rest, b"{P}") {
            out.extend_from_slice(&rest[..at]);
            out.extend_from_slice(p.as_bytes());
            rest = &rest[at + 3..];
        }
        out.extend_from_slice(rest);
        out
    })
}

const CLOSE: &str = "Host: x\r\nConnection: close\r\n";

pub fn request_lines() -> Vec<Case> {
    vec![
        raw("not_http", Refused, "THIS IS NOT HTTP {P}\r\n\r\n"),
        raw_bytes(
            "nul_in_request_line",
            Refused,
            b"GET {P}\0 HTTP/1.1\r\nHost: x\r\n\r\n",
        ),
        raw("no_version", Refused, "GET {P}\r\nHost: x\r\n\r\n"),
        raw(
            "unknown_version",
            Refused,
            "GET {P} HTTP/9.9\r\nHost: x\r\n\r\n",
        ),
        raw("no_method", Refused, " {P} HTTP/1.1\r\nHost: x\r\n\r\n"),
        raw(
            "two_spaces",
            Refused,
            "GET  {P} HTTP/1.1\r\nHost: x\r\n\r\n",
        ),
        raw(
            "space_in_path",
            Refused,
            "GET {P}/a b HTTP/1.1\r\nHost: x\r\n\r\n",
        ),
        Case::new("huge_method", Refused, |p| {
            format!("{} {p} HTTP/1.1\r\n{CLOSE}\r\n", "A".repeat(100_000)).into_bytes()
        }),
        Case::new("huge_target", Refused, |p| {
            format!("GET {p}/{} HTTP/1.1\r\n{CLOSE}\r\n", "a".repeat(100_000)).into_bytes()
        }),
        raw(
            "extension_method",
            Status(200),
            &format!("BREW {{P}} HTTP/1.1\r\n{CLOSE}\r\n"),
        ),
        raw(
            "absolute_form",
            Status(200),
            &format!("GET http://elsewhere.example{{P}}?q=1 HTTP/1.1\r\n{CLOSE}\r\n"),
        ),
        raw(
            "http10_without_host",
            Status(200),
            "GET {P} HTTP/1.0\r\n\r\n",
        ),
        raw(
            "leading_empty_lines",
            Survives,
            &format!("\r\n\r\nGET {{P}} HTTP/1.1\r\n{CLOSE}\r\n"),
        ),
        raw(
            "cr_without_lf",
            Refused,
            "GET {P} HTTP/1.1\rHost: x\r\n\r\n",
        ),
        raw(
            "bare_lf_everywhere",
            Survives,
            "POST {P} HTTP/1.1\nHost: x\nContent-Length: 2\nConnection: close\n\n{}",
        ),
        raw(
            "mixed_line_endings",
            Survives,
            "POST {P} HTTP/1.1\r\nHost: x\nContent-Length: 2\r\nConnection: close\n\r\n{}",
        ),
        raw(
            "obsolete_line_folding",
            Refused,
            "GET {P} HTTP/1.1\r\nX-A: a\r\n b\r\nHost: x\r\n\r\n",
        ),
        raw(
            "header_without_colon",
            Refused,
            "GET {P} HTTP/1.1\r\nHost: x\r\nXfoo\r\n\r\n",
        ),
        raw(
            "space_before_colon",
            Refused,
            "GET {P} HTTP/1.1\r\nHost : x\r\n\r\n",
        ),
        raw(
            "empty_header_name",
            Refused,
            "GET {P} HTTP/1.1\r\n: v\r\nHost: x\r\n\r\n",
        ),
    ]
}

pub fn control_bytes() -> Vec<Case> {
    vec![
        raw_bytes(
            "esc_in_header_value",
            Survives,
            b"GET {P} HTTP/1.1\r\nHost: x\r\nX-A: \x1b[31mred\x1b]0;title\x07\r\nConnection: close\r\n\r\n",
        ),
        raw_bytes(
            "nul_in_header_value",
            Survives,
            b"GET {P} HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\nConnection: close\r\n\r\n",
        ),
        raw_bytes(
            "del_in_header_value",
            Survives,
            b"GET {P} HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\nConnection: close\r\n\r\n",
        ),
        raw_bytes(
            "c1_and_bidi_in_header_value",
            Status(200),
            b"GET {P} HTTP/1.1\r\nHost: x\r\nX-A: \xc2\x9b31m \xe2\x80\xae\xe2\x81\xa6x\r\nConnection: close\r\n\r\n",
        ),
        raw_bytes(
            "invalid_utf8_header_value",
            Status(200),
            b"GET {P} HTTP/1.1\r\nHost: x\r\nX-A: \xff\xfe\x80\r\nConnection: close\r\n\r\n",
        ),
        raw_bytes(
            "esc_in_header_name",
            Refused,
            b"GET {P} HTTP/1.1\r\nHost: x\r\nX-\x1b[2J: v\r\n\r\n",
        ),
        raw_bytes("esc_in_path", Refused, b"GET {P}/\x1b[2J HTTP/1.1\r\nHost: x\r\n\r\n"),
        raw_bytes("del_in_path", Survives, b"GET {P}/\x7f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        raw_bytes(
            "c1_bytes_in_path",
            Survives,
            b"GET {P}/\xc2\x9b\xe2\x80\xae HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ),
        raw(
            "percent_encoded_controls",
            Status(200),
            &format!("GET {{P}}/%1b%5b2J%00%7f%c2%9b%e2%80%ae?q=%1b]0;t%07 HTTP/1.1\r\n{CLOSE}\r\n"),
        ),
        raw_bytes("esc_in_method", Refused, b"P\x1bST {P} HTTP/1.1\r\nHost: x\r\n\r\n"),
        Case::new("controls_in_json_body", Status(200), |p| {
            post(p, "{\"a\":\"\\u001b[31m\\u009b\\u202e\\u0007\\u007f\",\"b\":\"\u{9b}\u{202e}\u{7f}\"}")
        }),
        Case::new("raw_esc_in_body", Status(200), |p| {
            let head = format!("POST {p} HTTP/1.1\r\n{CLOSE}Content-Length: 12\r\n\r\n");
            with_body(&head, b"\x1b[2J\x1b]0;t\x07\xff\x00\x7f")
        }),
    ]
}

pub fn smuggling() -> Vec<Case> {
    // The request after the first one rides in its body if the two headers
    // are read differently. It must never be answered or stored: RFC 9112
    // 6.3 asks for a 400, or for the connection to close after the answer.
    let smuggle = |first: &'static str, second: &'static str| {
        move |p: &str| {
            format!(
                "POST {p} HTTP/1.1\r\nHost: x\r\n{first}\r\n{second}\r\n\r\n\
                 2\r\n{{}}\r\n0\r\n\r\nGET {p}/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            .into_bytes()
        }
    };
    vec![
        Case::new(
            "cl_then_te",
            Survives,
            smuggle("Content-Length: 5", "Transfer-Encoding: chunked"),
        )
        .stored(1),
        Case::new(
            "te_then_cl",
            Survives,
            smuggle("Transfer-Encoding: chunked", "Content-Length: 5"),
        )
        .stored(1),
        Case::new(
            "te_twice",
            Survives,
            smuggle("Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
        ),
        Case::new(
            "te_not_last",
            Refused,
            smuggle("Transfer-Encoding: chunked, identity", "X: y"),
        )
        .stored(0),
        Case::new("te_unknown", Refused, smuggle("Transfer-Encoding: xchunked", "X: y")).stored(0),
        Case::new("te_space_before_colon", Refused, smuggle("Transfer-Encoding : chunked", "X: y"))
            .stored(0),
        raw(
            "te_in_http10",
            Survives,
            "POST {P} HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        ),
        raw(
            "double_cl_equal",
            Status(200),
            &format!("POST {{P}} HTTP/1.1\r\n{CLOSE}Content-Length: 2\r\nContent-Length: 2\r\n\r\n{{}}"),
        ),
        raw(
            "double_cl_different",
            Refused,
            &format!("POST {{P}} HTTP/1.1\r\n{CLOSE}Content-Length: 2\r\nContent-Length: 5\r\n\r\n{{}}abc"),
        )
        .stored(0),
        raw(
            "cl_list_different",
            Refused,
            &format!("POST {{P}} HTTP/1.1\r\n{CLOSE}Content-Length: 2, 5\r\n\r\n{{}}abc"),
        )
        .stored(0),
        raw("cl_negative", Refused, &format!("POST {{P}} HTTP/1.1\r\n{CLOSE}Content-Length: -1\r\n\r\n{{}}")).stored(0),
        raw("cl_plus_sign", Refused, &format!("POST {{P}} HTTP/1.1\r\n{CLOSE}Content-Length: +2\r\n\r\n{{}}")).stored(0),
        raw(
            "cl_overflow",
            Refused,
            &format!("POST {{P}} HTTP/1.1\r\n{CLOSE}Content-Length: 99999999999999999999999\r\n\r\n{{}}"),
        )
        .stored(0),
        raw("cl_not_a_number", Refused, &format!("POST {{P}} HTTP/1.1\r\n{CLOSE}Content-Length: two\r\n\r\n{{}}")).stored(0),
    ]
}

/// A chunked POST with `chunks` as its body bytes, closing after the answer.
fn chunked(name: &'static str, expect: Expect, chunks: Vec<u8>) -> Case {
    Case::new(name, expect, move |p| {
        let head = format!("POST {p} HTTP/1.1\r\n{CLOSE}Transfer-Encoding: chunked\r\n\r\n");
        with_body(&head, &chunks)
    })
}

pub fn chunks() -> Vec<Case> {
    let mut tiny = Vec::new();
    for _ in 0..10_000 {
        tiny.extend_from_slice(b"1\r\na\r\n");
    }
    tiny.extend_from_slice(b"0\r\n\r\n");
    let mut many_ext = Vec::new();
    for _ in 0..2_000 {
        many_ext.extend_from_slice(format!("1;{}\r\na\r\n", "e=v;".repeat(20)).as_bytes());
    }
    many_ext.extend_from_slice(b"0\r\n\r\n");
    let huge_ext = format!("2;{}\r\n{{}}\r\n0\r\n\r\n", "a".repeat(100_000)).into_bytes();
    let huge_trailer =
        format!("2\r\n{{}}\r\n0\r\nX-T: {}\r\n\r\n", "t".repeat(100_000)).into_bytes();
    let mut many_trailers = b"2\r\n{}\r\n0\r\n".to_vec();
    for i in 0..10_000 {
        many_trailers.extend_from_slice(format!("X-T{i}: v\r\n").as_bytes());
    }
    many_trailers.extend_from_slice(b"\r\n");
    vec![
        chunked("chunked_ok", Status(200), b"2\r\n{}\r\n0\r\n\r\n".to_vec()).outcome("complete"),
        chunked(
            "chunk_extension_ok",
            Status(200),
            b"2;name=val\r\n{}\r\n0\r\n\r\n".to_vec(),
        ),
        chunked("ten_thousand_tiny_chunks", Status(200), tiny).outcome("complete"),
        chunked("chunk_lf_only", Survives, b"2\n{}\n0\n\n".to_vec()),
        chunked(
            "chunk_size_not_hex",
            Refused,
            b"zz\r\n{}\r\n0\r\n\r\n".to_vec(),
        ),
        chunked(
            "chunk_size_overflow",
            Refused,
            b"ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n".to_vec(),
        ),
        chunked(
            "chunk_size_negative",
            Refused,
            b"-2\r\n{}\r\n0\r\n\r\n".to_vec(),
        ),
        chunked(
            "chunk_missing_crlf",
            Refused,
            b"2\r\n{}XX0\r\n\r\n".to_vec(),
        ),
        chunked(
            "chunk_longer_than_said",
            Refused,
            b"2\r\n{}{}\r\n0\r\n\r\n".to_vec(),
        ),
        chunked("chunk_extension_huge", Refused, huge_ext),
        chunked("chunk_extensions_many", Refused, many_ext),
        chunked("trailer_huge", Survives, huge_trailer),
        chunked("trailers_many", Survives, many_trailers),
    ]
}

pub fn expect() -> Vec<Case> {
    vec![
        raw(
            "expect_without_body",
            Status(408),
            "POST {P} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n",
        )
        .outcome("incomplete"),
        raw(
            "expect_with_body_at_once",
            Status(200),
            &format!(
                "POST {{P}} HTTP/1.1\r\n{CLOSE}Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{{}}"
            ),
        ),
        raw(
            "expect_unknown",
            Survives,
            &format!(
                "POST {{P}} HTTP/1.1\r\n{CLOSE}Expect: coffee\r\nContent-Length: 2\r\n\r\n{{}}"
            ),
        ),
    ]
}

/// A malformed chunked body gets `400` and is recorded as malformed, not
/// as a client that went away.
pub fn malformed_chunks_answered() -> Vec<Case> {
    vec![
        chunked(
            "bad_chunk_size_is_400",
            Status(400),
            b"zz\r\n{}\r\n0\r\n\r\n".to_vec(),
        )
        .stored(1),
        chunked(
            "bad_chunk_end_is_400",
            Status(400),
            b"2\r\n{}XX0\r\n\r\n".to_vec(),
        )
        .stored(1),
    ]
}
