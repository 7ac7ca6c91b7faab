//! Bytes on the wire, by hand: HTTP/1 answers read back off a raw socket,
//! HTTP/2 frames and HPACK blocks written without a client library (a
//! client library would refuse to send most of what these cases send), and
//! bodies that expand when decoded.

use std::io::Write;

/// The final answers in an HTTP/1 byte stream, in order: `1xx` interim
/// answers skipped, bodies stepped over by `Content-Length` (hyper always
/// sends one for hookcatch's answers). Reading stops at the first thing
/// that is not an answer.
pub fn statuses(mut bytes: &[u8]) -> Vec<u16> {
    let mut found = Vec::new();
    while let Some(end) = find(bytes, b"\r\n\r\n") {
        let Ok(head) = std::str::from_utf8(&bytes[..end]) else {
            break;
        };
        let mut lines = head.split("\r\n");
        let Some(status) = lines
            .next()
            .filter(|l| l.starts_with("HTTP/1."))
            .and_then(|l| l.get(9..12))
            .and_then(|s| s.parse::<u16>().ok())
        else {
            break;
        };
        let length: usize = lines
            .filter_map(|l| l.split_once(':'))
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        let rest = &bytes[end + 4..];
        if status >= 200 {
            found.push(status);
            bytes = rest.get(length..).unwrap_or_default();
        } else {
            bytes = rest;
        }
    }
    found
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A well-formed request that closes its connection after the answer.
pub fn post(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A head (ending in the blank line) followed by `body`.
pub fn with_body(head: &str, body: &[u8]) -> Vec<u8> {
    let mut out = head.as_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pub const DATA: u8 = 0x0;
pub const HEADERS: u8 = 0x1;
pub const RST_STREAM: u8 = 0x3;
pub const SETTINGS: u8 = 0x4;
pub const PING: u8 = 0x6;
pub const GOAWAY: u8 = 0x7;
pub const WINDOW_UPDATE: u8 = 0x8;
pub const CONTINUATION: u8 = 0x9;

pub const END_STREAM: u8 = 0x1;
pub const END_HEADERS: u8 = 0x4;

pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("frame size");
    let mut out = len.to_be_bytes()[1..].to_vec();
    out.push(kind);
    out.push(flags);
    out.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// The connection preface and an empty SETTINGS frame.
pub fn h2_start() -> Vec<u8> {
    let mut out = PREFACE.to_vec();
    out.extend(frame(SETTINGS, 0, 0, &[]));
    out
}

/// An HPACK integer with an `n`-bit prefix; `first` holds the pattern bits.
pub fn hpack_int(out: &mut Vec<u8>, n: u32, first: u8, value: usize) {
    let max = (1usize << n) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    let mut rest = value - max;
    while rest >= 128 {
        out.push((rest % 128) as u8 | 0x80);
        rest /= 128;
    }
    out.push(rest as u8);
}

fn hpack_str(out: &mut Vec<u8>, s: &[u8]) {
    hpack_int(out, 7, 0, s.len());
    out.extend_from_slice(s);
}

/// A header with a new name, as a literal without indexing.
pub fn hpack_literal(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.push(0);
    hpack_str(out, name);
    hpack_str(out, value);
}

/// The header block of a request: `:method`, `:scheme http`, `:path`,
/// `:authority`, then `extra`. Pseudo-header names come from the static
/// table (literal without indexing, indexed name).
pub fn h2_block(method: &str, path: &[u8], extra: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    hpack_int(&mut out, 4, 0, 2);
    hpack_str(&mut out, method.as_bytes());
    out.push(0x86); // :scheme http, indexed
    hpack_int(&mut out, 4, 0, 4);
    hpack_str(&mut out, path);
    hpack_int(&mut out, 4, 0, 1);
    hpack_str(&mut out, b"x");
    for (name, value) in extra {
        hpack_literal(&mut out, name.as_bytes(), value);
    }
    out
}

/// A whole bodiless request on `stream`: one HEADERS frame that ends it.
pub fn h2_get(stream: u32, path: &str) -> Vec<u8> {
    frame(
        HEADERS,
        END_HEADERS | END_STREAM,
        stream,
        &h2_block("GET", path.as_bytes(), &[]),
    )
}

/// What an HTTP/2 server sent: the `200` answers among its HEADERS frames
/// (hyper encodes `:status 200` as static-table index 8, byte 0x88) and
/// whether it said GOAWAY.
#[derive(Debug, Default)]
pub struct H2Seen {
    pub ok: usize,
    pub goaway: bool,
    pub frames: usize,
}

pub fn h2_frames(mut bytes: &[u8]) -> H2Seen {
    let mut seen = H2Seen::default();
    while bytes.len() >= 9 {
        let len = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]) as usize;
        let (kind, flags) = (bytes[3], bytes[4]);
        let Some(payload) = bytes.get(9..9 + len) else {
            break;
        };
        seen.frames += 1;
        match kind {
            HEADERS => {
                let mut block = payload;
                if flags & 0x8 != 0 {
                    block = block.get(1..).unwrap_or_default();
                }
                if flags & 0x20 != 0 {
                    block = block.get(5..).unwrap_or_default();
                }
                if block.first() == Some(&0x88) {
                    seen.ok += 1;
                }
            }
            GOAWAY => seen.goaway = true,
            _ => {}
        }
        bytes = &bytes[9 + len..];
    }
    seen
}

/// A gzip body of `members` concatenated members, each 1 MiB of zeros:
/// about 1 KiB sent per MiB it decodes to (a valid multi-member stream).
pub fn gzip_bomb(members: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&vec![0u8; 1 << 20]).expect("gzip");
    let member = enc.finish().expect("gzip");
    member.repeat(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_skip_interim_answers_and_bodies() {
        let wire = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nHTTP\
                     HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(statuses(wire), [200, 408]);
    }

    #[test]
    fn hpack_integers_follow_the_rfc_examples() {
        let mut out = Vec::new();
        hpack_int(&mut out, 5, 0, 1337);
        assert_eq!(out, [31, 154, 10]);
    }
}
