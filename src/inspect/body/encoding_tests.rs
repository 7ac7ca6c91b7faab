use std::io::Write;

use flate2::Compression;
use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};

use super::*;

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

pub(crate) fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        let _ = w.write_all(data);
    }
    out
}

fn run(body: &[u8], header: Option<&str>, limit: usize) -> (Vec<u8>, bool, Vec<String>) {
    let mut notes = Vec::new();
    let u = unwrap(body, header, limit, &mut notes);
    (u.bytes.into_owned(), u.corrupt, notes)
}

const TEXT: &[u8] = b"{\"hello\":\"world\",\"n\":[1,2,3]} {\"hello\":\"world\",\"n\":[1,2,3]}";

#[test]
fn gzip_round_trip() {
    let (bytes, corrupt, notes) = run(&gzip(TEXT), Some("gzip"), 1 << 20);
    assert_eq!((bytes.as_slice(), corrupt), (TEXT, false));
    assert_eq!(notes.len(), 1);
    assert!(notes[0].starts_with("decoded from gzip ("), "{notes:?}");
    assert!(notes[0].ends_with(" -> 59 B)"), "{notes:?}");
    // x-gzip and any case.
    assert_eq!(run(&gzip(TEXT), Some("X-GZIP"), 1 << 20).0, TEXT);
}

#[test]
fn deflate_zlib_and_raw() {
    assert_eq!(run(&zlib(TEXT), Some("deflate"), 1 << 20).0, TEXT);
    let (bytes, corrupt, _) = run(&raw_deflate(TEXT), Some("deflate"), 1 << 20);
    assert_eq!((bytes.as_slice(), corrupt), (TEXT, false));
}

#[test]
fn brotli_round_trip() {
    let (bytes, corrupt, notes) = run(&brotli(TEXT), Some("br"), 1 << 20);
    assert_eq!((bytes.as_slice(), corrupt), (TEXT, false));
    assert!(notes[0].starts_with("decoded from br ("));
}

#[test]
fn stacked_encodings_are_undone_in_reverse() {
    // "gzip, br": gzip was applied first, then br.
    let body = brotli(&gzip(TEXT));
    let (bytes, corrupt, notes) = run(&body, Some("gzip, br"), 1 << 20);
    assert_eq!((bytes.as_slice(), corrupt), (TEXT, false));
    assert!(notes[0].starts_with("decoded from gzip, br ("));
    // identity is a no-op wherever it sits.
    assert_eq!(run(&gzip(TEXT), Some("identity, gzip"), 1 << 20).0, TEXT);
    // The wrong order fails as corrupt and shows the raw body.
    let (bytes, corrupt, _) = run(&body, Some("br, gzip"), 1 << 20);
    assert_eq!((bytes, corrupt), (body, true));
}

#[test]
fn unknown_encoding_shows_raw() {
    let (bytes, corrupt, notes) = run(b"abc", Some("zstd"), 1 << 20);
    assert_eq!((bytes.as_slice(), corrupt), (&b"abc"[..], false));
    assert_eq!(
        notes,
        ["unknown content-encoding \"zstd\"; showing the body as sent"]
    );
}

#[test]
fn corrupt_and_truncated_data() {
    let (bytes, corrupt, notes) = run(b"not gzip at all", Some("gzip"), 1 << 20);
    assert_eq!((bytes.as_slice(), corrupt), (&b"not gzip at all"[..], true));
    assert!(
        notes[0].starts_with("content-encoding gzip could not be decoded ("),
        "{notes:?}"
    );

    let full = gzip(&TEXT.repeat(50));
    let cut = &full[..full.len() / 2];
    let (bytes, corrupt, _) = run(cut, Some("gzip"), 1 << 20);
    assert_eq!((bytes.as_slice(), corrupt), (cut, true));

    let full = brotli(&TEXT.repeat(50));
    let cut = &full[..full.len() / 2];
    assert!(run(cut, Some("br"), 1 << 20).1);
    assert!(run(b"\x00\x01garbage", Some("deflate"), 1 << 20).1);
}

#[test]
fn empty_body_with_encoding_is_left_alone() {
    assert_eq!(run(b"", Some("gzip"), 1 << 20), (vec![], false, vec![]));
}

#[test]
fn limit_stops_reading() {
    let data = vec![b'a'; 100_000];
    let (bytes, corrupt, notes) = run(&gzip(&data), Some("gzip"), 4096);
    assert_eq!((bytes.len(), corrupt), (4096, false));
    assert_eq!(
        notes[1],
        "decompression stopped at 4 KiB limit; the rest is not shown"
    );
    // Exactly at the limit is not over it.
    let (bytes, _, notes) = run(&gzip(&data[..4096]), Some("gzip"), 4096);
    assert_eq!((bytes.len(), notes.len()), (4096, 1));
    // A stacked stage that stops at the limit makes the next one end early: not corrupt.
    let (bytes, corrupt, notes) = run(&brotli(&gzip(&data)), Some("gzip, br"), 4096);
    assert_eq!((bytes.len(), corrupt), (4096, false));
    assert!(notes.iter().any(|n| n.starts_with("decompression stopped")));
}

#[test]
fn gzip_without_header_is_sniffed() {
    let (bytes, _, notes) = run(&gzip(TEXT), None, 1 << 20);
    assert_eq!(bytes, TEXT);
    assert!(notes[0].starts_with("gzip data without a Content-Encoding header"));
    // Something that only looks like gzip stays as it is, silently.
    assert_eq!(
        run(b"\x1f\x8b\x08junk", None, 1 << 20),
        (b"\x1f\x8b\x08junk".to_vec(), false, vec![])
    );
}

#[test]
fn too_many_stacked() {
    let header = ["gzip"; 9].join(",");
    let (_, corrupt, notes) = run(b"x", Some(&header), 1 << 20);
    assert!(!corrupt);
    assert_eq!(
        notes,
        ["9 stacked content-encodings; showing the body as sent"]
    );
}
