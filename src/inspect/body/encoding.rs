//! `Content-Encoding`: gzip, deflate (zlib, or raw deflate as some servers
//! send) and br, stacked or not, decoded for display under a size limit so a
//! zip bomb costs at most the limit. The stored bytes are only ever read.

use std::borrow::Cow;
use std::io::{self, Read};

use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use super::{clip, human_size};

/// More stacked encodings than this is not a real sender.
const MAX_STACK: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Coding {
    Gzip,
    Deflate,
    Brotli,
}

impl Coding {
    fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
        }
    }
}

/// The body with its encodings taken off.
pub(crate) struct Unwrapped<'a> {
    pub bytes: Cow<'a, [u8]>,
    /// Decoding failed: `bytes` is the raw body and is best shown as hex.
    pub corrupt: bool,
    /// Decompression stopped at the limit: `bytes` is the start of the body.
    pub truncated: bool,
}

/// Undo `Content-Encoding` (applied in header order, so undone in reverse).
/// Each stage stops at `limit` bytes of output, with a note.
pub(crate) fn unwrap<'a>(
    body: &'a [u8],
    header: Option<&str>,
    limit: usize,
    notes: &mut Vec<String>,
) -> Unwrapped<'a> {
    let raw = Unwrapped {
        bytes: Cow::Borrowed(body),
        corrupt: false,
        truncated: false,
    };
    if body.is_empty() {
        return raw;
    }
    let names: Vec<String> = header
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty() && s != "identity")
        .collect();
    if names.is_empty() {
        return sniff_gzip(body, limit, notes).unwrap_or(raw);
    }
    if names.len() > MAX_STACK {
        notes.push(format!(
            "{} stacked content-encodings; showing the body as sent",
            names.len()
        ));
        return raw;
    }
    let mut codings = Vec::with_capacity(names.len());
    for name in &names {
        match name.as_str() {
            "gzip" | "x-gzip" => codings.push(Coding::Gzip),
            "deflate" => codings.push(Coding::Deflate),
            "br" => codings.push(Coding::Brotli),
            other => {
                notes.push(format!(
                    "unknown content-encoding \"{}\"; showing the body as sent",
                    clip(other, 40)
                ));
                return raw;
            }
        }
    }
    let mut current: Cow<'a, [u8]> = Cow::Borrowed(body);
    let mut hit_limit = false;
    for &coding in codings.iter().rev() {
        let out = inflate(coding, &current, limit);
        match out.error {
            // Input cut at the limit by the previous stage: an early end is expected.
            Some(_) if hit_limit => {}
            Some(e) => {
                notes.push(format!(
                    "content-encoding {} could not be decoded ({}); showing the raw bytes",
                    coding.name(),
                    clip(&e.to_string(), 120)
                ));
                return Unwrapped {
                    bytes: Cow::Borrowed(body),
                    corrupt: true,
                    truncated: false,
                };
            }
            None => {}
        }
        hit_limit |= out.truncated;
        current = Cow::Owned(out.bytes);
    }
    notes.push(format!(
        "decoded from {} ({} -> {})",
        names.join(", "),
        human_size(body.len()),
        human_size(current.len())
    ));
    if hit_limit {
        notes.push(limit_note(limit));
    }
    Unwrapped {
        bytes: current,
        corrupt: false,
        truncated: hit_limit,
    }
}

fn limit_note(limit: usize) -> String {
    format!(
        "decompression stopped at {} limit; the rest is not shown",
        human_size(limit)
    )
}

/// A gzip body sent without `Content-Encoding` (a common sender bug): decode
/// it for display when it decodes cleanly.
fn sniff_gzip<'a>(body: &'a [u8], limit: usize, notes: &mut Vec<String>) -> Option<Unwrapped<'a>> {
    if !body.starts_with(&[0x1f, 0x8b, 0x08]) {
        return None;
    }
    let out = inflate(Coding::Gzip, body, limit);
    if out.error.is_some() {
        return None;
    }
    notes.push(format!(
        "gzip data without a Content-Encoding header; decoded for display ({} -> {})",
        human_size(body.len()),
        human_size(out.bytes.len())
    ));
    if out.truncated {
        notes.push(limit_note(limit));
    }
    Some(Unwrapped {
        truncated: out.truncated,
        bytes: Cow::Owned(out.bytes),
        corrupt: false,
    })
}

struct Inflated {
    bytes: Vec<u8>,
    truncated: bool,
    error: Option<io::Error>,
}

fn inflate(coding: Coding, input: &[u8], limit: usize) -> Inflated {
    match coding {
        Coding::Gzip => read_limited(MultiGzDecoder::new(input), limit),
        Coding::Brotli => read_limited(brotli::Decompressor::new(input, 16 * 1024), limit),
        Coding::Deflate => {
            let zlib = read_limited(ZlibDecoder::new(input), limit);
            if zlib.error.is_none() {
                return zlib;
            }
            let raw = read_limited(DeflateDecoder::new(input), limit);
            // Both failed: a stream that claimed to be zlib has the relevant error.
            if raw.error.is_some() && has_zlib_header(input) {
                zlib
            } else {
                raw
            }
        }
    }
}

/// RFC 1950: method 8, and the two header bytes are a multiple of 31.
fn has_zlib_header(input: &[u8]) -> bool {
    match input {
        [cmf, flg, ..] => cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

/// Read to the end or to `limit` bytes, whichever comes first. The buffer
/// grows by doubling but never past the limit, and allocation failure is an
/// error rather than an abort.
fn read_limited(mut reader: impl Read, limit: usize) -> Inflated {
    let mut bytes: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => {
                return Inflated {
                    bytes,
                    truncated: false,
                    error: None,
                };
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Inflated {
                    bytes,
                    truncated: false,
                    error: Some(error),
                };
            }
        };
        let room = limit - bytes.len();
        let take = n.min(room);
        if bytes.capacity() - bytes.len() < take {
            let want = (bytes.capacity() * 2)
                .max(bytes.len() + take)
                .max(64 * 1024)
                .min(limit);
            if bytes.try_reserve_exact(want - bytes.len()).is_err() {
                let error =
                    io::Error::new(io::ErrorKind::OutOfMemory, "out of memory while decoding");
                return Inflated {
                    bytes,
                    truncated: false,
                    error: Some(error),
                };
            }
        }
        bytes.extend_from_slice(&chunk[..take]);
        if n > room {
            return Inflated {
                bytes,
                truncated: true,
                error: None,
            };
        }
    }
}

#[cfg(test)]
#[path = "encoding_tests.rs"]
mod tests;
