//! The body decoders: the first byte picks a Content-Type, the second a
//! Content-Encoding (so gzip, br, multipart, form, charsets are all
//! reached), the rest is the body.
#![no_main]

use hookcatch::inspect::body::decode_bytes;
use libfuzzer_sys::fuzz_target;

const TYPES: &[&str] = &[
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=B",
    "multipart/form-data; boundary=\"a b\"",
    "text/plain; charset=utf-16",
    "text/plain; charset=iso-8859-1",
    "text/plain; charset=windows-1252",
    "application/xml",
    "text/html",
    "application/octet-stream",
    "",
];
const ENCODINGS: &[&str] = &[
    "", "gzip", "deflate", "br", "gzip, br", "br, gzip", "identity", "x-gzip",
];

fuzz_target!(|data: &[u8]| {
    let [t, e, body @ ..] = data else {
        return;
    };
    let content_type = TYPES[*t as usize % TYPES.len()];
    let encoding = ENCODINGS[*e as usize % ENCODINGS.len()];
    let view = decode_bytes(
        Some(content_type).filter(|s| !s.is_empty()),
        Some(encoding).filter(|s| !s.is_empty()),
        body,
    );
    let _ = view.to_text();
});
