//! End-to-end on hostile input: broken and unknown encodings, bombs, deep
//! nesting, and a property test that nothing panics.

use proptest::prelude::*;

use super::tests::{brotli, gzip, text, view};
use super::*;

#[test]
fn deep_json_body() {
    let v = view(
        Some("application/json"),
        None,
        "[".repeat(100_000).as_bytes(),
    );
    assert!(
        matches!(
            v.content,
            BodyContent::InvalidJson {
                line: 1,
                column: 100_000,
                ..
            }
        ),
        "{:?}",
        v.kind()
    );
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let v = view(None, None, deep.as_bytes());
    assert_eq!(v.kind(), "json");
    assert_eq!(v.notes, ["JSON nested too deeply to indent; shown as sent"]);
}

#[test]
fn corrupt_encoding_shows_raw_hex() {
    let v = view(Some("application/json"), Some("gzip"), b"{\"a\":1}");
    assert_eq!(v.kind(), "binary");
    assert_eq!(
        v.to_text(),
        "00000000  7b 22 61 22 3a 31 7d                              |{\"a\":1}|"
    );
    assert!(v.notes[0].starts_with("content-encoding gzip could not be decoded"));
    assert_eq!(v.decoded_size, 7);
}

#[test]
fn unknown_encoding_shows_body_as_sent() {
    let v = view(Some("text/plain"), Some("zstd"), b"plain after all");
    assert_eq!(v.content, text("plain after all", TextSyntax::Plain));
    assert_eq!(
        v.notes,
        ["unknown content-encoding \"zstd\"; showing the body as sent"]
    );
}

/// 200 MiB of zeros as 200 concatenated gzip members of 1 MiB each (valid
/// gzip, RFC 1952 §2.2), cheap to build even unoptimised.
#[test]
fn zip_bomb_stops_at_the_limit() {
    let member = gzip(&vec![0u8; 1 << 20]);
    let bomb = member.repeat(200);
    assert!(bomb.len() < 1 << 20);
    let v = view(Some("application/octet-stream"), Some("gzip"), &bomb);
    assert_eq!(v.decoded_size, DECODE_LIMIT);
    assert!(
        v.notes
            .contains(&"decompression stopped at 64 MiB limit; the rest is not shown".to_string()),
        "{:?}",
        v.notes
    );
    assert!(
        v.notes
            .contains(&"showing first 64 KiB of 64 MiB as hex".to_string()),
        "{:?}",
        v.notes
    );
    assert_eq!(v.kind(), "binary");
}

#[test]
fn brotli_bomb_with_small_limit() {
    let limits = Limits {
        decoded: 1 << 20,
        ..Limits::default()
    };
    let bomb = brotli(&vec![b'a'; 8 << 20]);
    let v = decode_with(&limits, Some("text/plain"), Some("br"), &bomb);
    assert_eq!(v.decoded_size, 1 << 20);
    assert!(
        v.notes
            .iter()
            .any(|n| n == "decompression stopped at 1 MiB limit; the rest is not shown")
    );
    assert_eq!(v.kind(), "text");
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        prop::sample::select(vec![
            "application/json",
            "application/json; charset=utf-16",
            "text/plain; charset=latin1",
            "text/html; charset=windows-1252",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=b",
            "multipart/form-data; boundary=\"\"",
            "multipart/mixed",
            "application/xml",
            "application/octet-stream; charset=koi8-r",
        ])
        .prop_map(|s| Some(s.to_string())),
        "\\PC{0,40}".prop_map(Some),
    ]
}

fn content_encoding() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        prop::sample::select(vec![
            "gzip",
            "deflate",
            "br",
            "gzip, br",
            "identity",
            "x-gzip, deflate",
            "zstd"
        ])
        .prop_map(|s| Some(s.to_string())),
        "\\PC{0,20}".prop_map(Some),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        prop::collection::vec(any::<u8>(), 0..512).prop_map(|b| gzip(&b)),
        (
            prop::collection::vec(any::<u8>(), 0..512),
            any::<prop::sample::Index>()
        )
            .prop_map(|(b, cut)| {
                let mut z = brotli(&b);
                z.truncate(cut.index(z.len() + 1));
                z
            }),
        prop::collection::vec(
            prop::sample::select(vec![
                &b"--b"[..],
                b"\r\n",
                b"\n",
                b"Content-Type: text/plain",
                b": ",
                b"{",
                b"[",
                b"\"",
                b"]",
                b"}",
                b"a=1&",
                b"%",
                b"\xff"
            ]),
            0..40
        )
        .prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_bytes_never_panics(ct in content_type(), ce in content_encoding(), body in body()) {
        let v = decode_bytes(ct.as_deref(), ce.as_deref(), &body);
        let _ = v.to_text();
        prop_assert!(!v.kind().is_empty());
    }
}
