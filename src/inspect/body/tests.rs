//! End-to-end: bytes and headers in, a `BodyView` out.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::*;
use crate::model::HeaderField;

pub(super) fn view(ct: Option<&str>, ce: Option<&str>, body: &[u8]) -> BodyView {
    decode_bytes(ct, ce, body)
}

pub(super) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

pub(super) fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = ::brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        let _ = w.write_all(data);
    }
    out
}

fn json(pretty: &str) -> BodyContent {
    BodyContent::Json {
        pretty: pretty.into(),
    }
}

pub(super) fn text(text: &str, syntax: TextSyntax) -> BodyContent {
    BodyContent::Text {
        text: text.into(),
        syntax,
    }
}

#[test]
fn empty_body() {
    let v = view(Some("application/json"), None, b"");
    assert_eq!(
        (v.kind(), v.to_text(), v.decoded_size),
        ("empty", String::new(), 0)
    );
    assert_eq!(v.content, BodyContent::Empty);
}

#[test]
fn json_by_content_type() {
    let v = view(
        Some("application/json; charset=utf-8"),
        None,
        br#"{"id":12345678901234567890123,"a":[]}"#,
    );
    assert_eq!(
        v.content,
        json("{\n  \"id\": 12345678901234567890123,\n  \"a\": []\n}")
    );
    assert_eq!(
        (v.kind(), v.content_type.as_deref()),
        ("json", Some("application/json; charset=utf-8"))
    );
    assert!(v.notes.is_empty());
    assert_eq!(
        view(Some("application/vnd.api+json"), None, b"[1]").content,
        json("[\n  1\n]")
    );
}

#[test]
fn json_sniffed_without_content_type() {
    assert_eq!(
        view(None, None, b"  \n{\"a\":1}").content,
        json("{\n  \"a\": 1\n}")
    );
    // Starts like JSON but isn't: plain text.
    assert_eq!(
        view(None, None, b"{not json").content,
        text("{not json", TextSyntax::Plain)
    );
}

#[test]
fn invalid_json() {
    let v = view(Some("application/json"), None, b"{\n  \"a\": 1,\n}");
    assert_eq!(
        v.content,
        BodyContent::InvalidJson {
            error: "trailing comma".into(),
            line: 3,
            column: 1,
            text: "{\n  \"a\": 1,\n}".into()
        }
    );
    assert_eq!(v.kind(), "invalid-json");
    assert_eq!(
        v.to_text(),
        "invalid JSON: trailing comma at line 3 column 1\n\n{\n  \"a\": 1,\n}"
    );
}

#[test]
fn json_in_latin1() {
    let v = view(
        Some("application/json; charset=ISO-8859-1"),
        None,
        b"{\"n\":\"caf\xe9\"}",
    );
    assert_eq!(v.content, json("{\n  \"n\": \"café\"\n}"));
    assert_eq!(v.notes, ["charset iso-8859-1 decoded"]);
}

#[test]
fn binary_labelled_json_is_hex() {
    let v = view(Some("application/json"), None, b"\x00\x01\x02\x03");
    assert_eq!(v.kind(), "binary");
    assert!(
        v.notes
            .contains(&"declared application/json but looks binary".to_string())
    );
}

#[test]
fn gzip_json() {
    let raw = br#"{"event":"push","n":1.0e400}"#;
    let v = view(Some("application/json"), Some("gzip"), &gzip(raw));
    assert_eq!(
        v.content,
        json("{\n  \"event\": \"push\",\n  \"n\": 1.0e400\n}")
    );
    assert_eq!(v.decoded_size, raw.len());
    assert!(
        v.notes[0].starts_with("decoded from gzip ("),
        "{:?}",
        v.notes
    );
}

#[test]
fn brotli_text() {
    let v = view(Some("text/plain"), Some("br"), &brotli(b"hello brotli"));
    assert_eq!(v.content, text("hello brotli", TextSyntax::Plain));
}

#[test]
fn charsets_on_text() {
    let v = view(
        Some("text/plain; charset=\"windows-1252\""),
        None,
        b"\x93hi\x94",
    );
    assert_eq!(v.content, text("\u{201c}hi\u{201d}", TextSyntax::Plain));
    let le: Vec<u8> = "<p>hé</p>"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let v = view(Some("text/html; charset=UTF-16LE"), None, &le);
    assert_eq!(v.content, text("<p>hé</p>", TextSyntax::Html));
    let v = view(Some("text/plain; charset=x-klingon"), None, b"qapla'");
    assert_eq!(v.content, text("qapla'", TextSyntax::Plain));
    assert_eq!(v.notes, ["unknown charset \"x-klingon\"; shown as UTF-8"]);
}

#[test]
fn form_fields() {
    let v = view(
        Some("application/x-www-form-urlencoded"),
        None,
        b"token=abc%2B1&text=hello+world&empty=",
    );
    let fields = vec![
        ("token".to_string(), "abc+1".to_string()),
        ("text".to_string(), "hello world".to_string()),
        ("empty".to_string(), String::new()),
    ];
    assert_eq!(v.content, BodyContent::Form(fields));
    assert_eq!(v.to_text(), "token = abc+1\ntext = hello world\nempty = ");
    assert_eq!(v.kind(), "form");
}

#[test]
fn form_that_is_json() {
    let v = view(
        Some("application/x-www-form-urlencoded"),
        None,
        br#"{"a":1}"#,
    );
    assert_eq!(v.content, json("{\n  \"a\": 1\n}"));
    assert_eq!(v.notes, ["sent as a form but the body is JSON"]);
}

#[test]
fn multipart_end_to_end() {
    let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\none\r\n--XyZ\r\nContent-Disposition: form-data; name=\"up\"; filename=\"b.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\r\n--XyZ--\r\n";
    let v = view(Some("multipart/form-data; boundary=\"XyZ\""), None, body);
    assert_eq!(v.kind(), "multipart");
    assert_eq!(
        v.to_text(),
        "--- part 1 name=\"a\" (3 B)\none\n\n\
         --- part 2 name=\"up\" filename=\"b.bin\" type=application/octet-stream (2 B)\n\
         00000000  00 01                                             |..|"
    );
}

#[test]
fn malformed_multipart_falls_back() {
    let v = view(Some("multipart/form-data"), None, b"just text");
    assert_eq!(v.content, text("just text", TextSyntax::Plain));
    assert_eq!(
        v.notes,
        [
            "malformed multipart: no boundary parameter in the content type; showing the body as sent"
        ]
    );
    let v = view(
        Some("multipart/form-data; boundary=zz"),
        None,
        b"\x00\x01 never closes",
    );
    assert_eq!(v.kind(), "binary");
    assert!(v.notes[0].starts_with("malformed multipart: the boundary never appears"));
}

#[test]
fn xml_html_text() {
    assert_eq!(view(Some("application/xml"), None, b"<a/>").kind(), "xml");
    assert_eq!(view(Some("text/xml"), None, b"<a/>").kind(), "xml");
    assert_eq!(
        view(Some("application/atom+xml"), None, b"<a/>").kind(),
        "xml"
    );
    assert_eq!(view(Some("text/html"), None, b"<p>").kind(), "html");
    assert_eq!(view(Some("text/csv"), None, b"a,b").kind(), "text");
    assert_eq!(
        view(None, None, b"<?xml version=\"1.0\"?><a/>").kind(),
        "xml"
    );
    assert_eq!(view(None, None, b"<!DOCTYPE html><html>").kind(), "html");
}

#[test]
fn other_types_text_or_hex() {
    assert_eq!(
        view(Some("application/octet-stream"), None, b"just words\n").kind(),
        "text"
    );
    assert_eq!(view(None, None, b"\xff\xd8\xff\xe0 jpeg").kind(), "binary");
    assert_eq!(
        view(Some("application/x-thing"), None, b"ctl\x01\x02\x03\x04").kind(),
        "binary"
    );
    let big = vec![0xffu8; 100_000];
    let v = view(None, None, &big);
    assert_eq!(v.notes, ["showing first 64 KiB of 97.7 KiB as hex"]);
    assert_eq!(v.to_text().lines().count(), 4096);
}

#[test]
fn decode_request_headers() {
    let headers = vec![
        HeaderField::new("content-type", "application/json"),
        HeaderField::new("content-encoding", "gzip"),
        HeaderField::new("Content-Encoding", "br"),
    ];
    let req = CapturedRequest::new("POST", "/hook", headers, brotli(&gzip(b"{\"ok\":true}")));
    let v = decode(&req);
    assert_eq!(v.content, json("{\n  \"ok\": true\n}"));
    assert!(v.notes[0].starts_with("decoded from gzip, br ("));

    let mut req = CapturedRequest::new("POST", "/hook", vec![], vec![]);
    req.outcome = Outcome::TooLarge {
        declared: None,
        seen: 20 << 20,
    };
    assert_eq!(
        decode(&req).notes,
        ["body passed the size limit after 20 MiB and was not kept"]
    );
}

#[test]
fn sizes_and_clip() {
    assert_eq!(human_size(312), "312 B");
    assert_eq!(human_size(1229), "1.2 KiB");
    assert_eq!(human_size(64 << 20), "64 MiB");
    assert_eq!(human_size(usize::MAX).split(' ').nth(1), Some("TiB"));
    assert_eq!(clip("abcdef", 3), "abc…");
    assert_eq!(clip("abc", 3), "abc");
}
