//! Size: header floods, bodies over `--max-body` (the table runs with
//! `--max-body 64k`), and small bodies that decode into huge ones.

use crate::harness::{Case, Expect};
use crate::wire::{gzip_bomb, with_body};

/// 4 GiB of zeros, brotli-compressed (`head -c 4G /dev/zero | brotli -q 5 -w 24`).
const BROTLI_4G: &[u8] = include_bytes!("../fixtures/hostile/zeros-4g.br");

use Expect::*;

const CLOSE: &str = "Host: x\r\nConnection: close\r\n";

fn headers(p: &str, n: usize, value_len: usize) -> Vec<u8> {
    let mut out = format!("GET {p} HTTP/1.1\r\n{CLOSE}").into_bytes();
    let value = "v".repeat(value_len);
    for i in 0..n {
        out.extend_from_slice(format!("X-H{i}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// A POST of `body` with these extra header lines.
fn posting(name: &'static str, expect: Expect, extra: &'static str, body: Vec<u8>) -> Case {
    Case::new(name, expect, move |p| {
        let head = format!(
            "POST {p} HTTP/1.1\r\n{CLOSE}{extra}Content-Length: {}\r\n\r\n",
            body.len()
        );
        with_body(&head, &body)
    })
}

pub fn floods() -> Vec<Case> {
    vec![
        Case::new("headers_90", Status(200), |p| headers(p, 90, 10)),
        Case::new("headers_500", Refused, |p| headers(p, 500, 1)),
        Case::new("headers_100000", Refused, |p| headers(p, 100_000, 1)),
        Case::new("header_value_1m", Refused, |p| headers(p, 1, 1 << 20)),
        Case::new("header_name_100k", Refused, |p| {
            format!(
                "GET {p} HTTP/1.1\r\n{CLOSE}{}: v\r\n\r\n",
                "N".repeat(100_000)
            )
            .into_bytes()
        }),
        Case::new("head_never_ends", Refused, |p| {
            let mut out = format!("GET {p} HTTP/1.1\r\n").into_bytes();
            out.extend(std::iter::repeat_n(b'a', 2 << 20));
            out
        }),
    ]
}

pub fn over_limit() -> Vec<Case> {
    let k = |n: usize| vec![b'a'; n << 10];
    vec![
        Case::new("declared_over_limit", Status(413), |p| {
            format!("POST {p} HTTP/1.1\r\n{CLOSE}Content-Length: 1000000\r\n\r\n").into_bytes()
        })
        .outcome("too_large"),
        Case::new("declared_over_limit_with_expect", Status(413), |p| {
            format!(
                "POST {p} HTTP/1.1\r\n{CLOSE}Expect: 100-continue\r\nContent-Length: 99999999999\r\n\r\n"
            )
            .into_bytes()
        })
        .outcome("too_large"),
        posting("at_the_limit", Status(200), "", k(64)).outcome("complete"),
        posting("one_byte_over", Status(413), "", vec![b'a'; (64 << 10) + 1]).outcome("too_large"),
        Case::new("chunked_over_limit", Status(413), |p| {
            let mut out = format!("POST {p} HTTP/1.1\r\n{CLOSE}Transfer-Encoding: chunked\r\n\r\n")
                .into_bytes();
            for _ in 0..100 {
                out.extend_from_slice(format!("400\r\n{}\r\n", "a".repeat(1024)).as_bytes());
            }
            out.extend_from_slice(b"0\r\n\r\n");
            out
        })
        .outcome("too_large"),
        Case::new("cl_lies_low", Survives, |p| {
            let head = format!("POST {p} HTTP/1.1\r\n{CLOSE}Content-Length: 2\r\n\r\n");
            with_body(&head, &k(100))
        })
        .stored(1),
    ]
}

/// Run with `--max-body 32m`; every stored request is then shown with
/// `hookcatch show` under a 1 GiB address-space cap. Parsing a 16 MB body
/// takes seconds in a debug build on a busy machine: the wait is long.
pub fn expanding() -> Vec<Case> {
    expanding_cases()
        .into_iter()
        .map(|c| c.wait(std::time::Duration::from_secs(40)))
        .collect()
}

fn expanding_cases() -> Vec<Case> {
    let deep_arrays = format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
    let deep_objects = format!("{}1{}", "{\"a\":".repeat(1_000_000), "}".repeat(1_000_000));
    let mut keys = String::from("{");
    for i in 0..1_000_000 {
        keys.push_str(&format!("\"k{i}\":{i},"));
    }
    keys.push_str("\"end\":0}");
    let form = "a=b&".repeat(1_000_000);
    let mut parts = String::new();
    for i in 0..100_000 {
        parts.push_str(&format!(
            "--B\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nv\r\n"
        ));
    }
    parts.push_str("--B--\r\n");
    let bomb = gzip_bomb(4096);
    let mut stacked = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut stacked, &gzip_bomb(1024)).expect("gzip");
    let stacked = stacked.finish().expect("gzip");
    let json = "Content-Type: application/json\r\n";
    vec![
        posting("gzip_bomb_4g", Status(200), "Content-Encoding: gzip\r\n", bomb.clone()).show(),
        posting("gzip_bomb_sniffed", Status(200), "", bomb).show(),
        posting("gzip_in_gzip_bomb", Status(200), "Content-Encoding: gzip, gzip\r\n", stacked)
            .show(),
        posting(
            "brotli_bomb_4g",
            Status(200),
            "Content-Type: application/json\r\nContent-Encoding: br\r\n",
            BROTLI_4G.to_vec(),
        )
        .show(),
        posting("encodings_stacked_20", Status(200), "Content-Encoding: gzip, gzip, gzip, gzip, gzip, gzip, gzip, gzip, gzip, gzip, br, br, br, br, br, br, br, br, br, br\r\n", b"xx".to_vec()).show(),
        posting("gzip_corrupt", Status(200), "Content-Encoding: gzip\r\n", b"\x1f\x8b\x08\x00garbage".to_vec()).show(),
        posting("json_1e6_deep_arrays", Status(200), json, deep_arrays.into_bytes()).show(),
        posting("json_1e6_deep_objects", Status(200), json, deep_objects.into_bytes()).show(),
        posting("json_1e6_keys", Status(200), json, keys.into_bytes()).show(),
        posting(
            "form_1e6_fields",
            Status(200),
            "Content-Type: application/x-www-form-urlencoded\r\n",
            form.into_bytes(),
        )
        .show(),
        posting(
            "multipart_1e5_parts",
            Status(200),
            "Content-Type: multipart/form-data; boundary=B\r\n",
            parts.into_bytes(),
        )
        .show(),
        posting(
            "multipart_unterminated",
            Status(200),
            "Content-Type: multipart/form-data; boundary=B\r\n",
            b"--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\x1b[2J".to_vec(),
        )
        .show(),
        // A lone CR in a text body: shown escaped, never returning the cursor.
        posting(
            "lone_cr_in_text_body",
            Status(200),
            "Content-Type: text/plain\r\n",
            b"amount: 100\ramount: 999".to_vec(),
        )
        .show(),
        posting(
            "charset_utf16_odd",
            Status(200),
            "Content-Type: text/plain; charset=utf-16\r\n",
            b"\xff\xfe\x1b\x00[\x002\x00J\x00\x00\xd8".to_vec(),
        )
        .show(),
    ]
}
