//! A compact, byte-exact encoding of a header list for one BLOB column.
//!
//! JSON would force header values through UTF-8; webhooks may carry any bytes,
//! and replay must send them back unchanged. Layout per header:
//! `u32 name length, name, u32 value length, value` (little endian).

use std::borrow::Cow;

use crate::model::{HeaderField, Outcome};

/// The outcome column of a request whose whole body arrived: almost every
/// request, so it is written as it is instead of serialized each time.
const COMPLETE: &str = r#"{"kind":"complete"}"#;

/// The outcome column: the outcome as JSON (`{"kind": ...}` and its details).
pub fn encode_outcome(outcome: &Outcome) -> Cow<'static, str> {
    match outcome {
        Outcome::Complete => Cow::Borrowed(COMPLETE),
        other => Cow::Owned(serde_json::to_string(other).unwrap_or_else(|_| COMPLETE.into())),
    }
}

pub fn encode_headers(headers: &[HeaderField]) -> Vec<u8> {
    let size: usize = headers
        .iter()
        .map(|h| 8 + h.name.len() + h.value.len())
        .sum();
    let mut out = Vec::with_capacity(size);
    for h in headers {
        push_chunk(&mut out, h.name.as_bytes());
        push_chunk(&mut out, &h.value);
    }
    out
}

fn push_chunk(out: &mut Vec<u8>, bytes: &[u8]) {
    // Header blocks are capped far below 4 GiB by the listener.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&bytes[..len as usize]);
}

/// Decode; a damaged blob yields the headers read before the damage.
pub fn decode_headers(mut bytes: &[u8]) -> Vec<HeaderField> {
    let mut headers = Vec::new();
    while let Some((name, rest)) = take_chunk(bytes) {
        let Some((value, rest)) = take_chunk(rest) else {
            break;
        };
        headers.push(HeaderField::new(
            String::from_utf8_lossy(name).into_owned(),
            value.to_vec(),
        ));
        bytes = rest;
    }
    headers
}

fn take_chunk(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let len_bytes: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    let len = u32::from_le_bytes(len_bytes) as usize;
    let rest = &bytes[4..];
    (rest.len() >= len).then(|| rest.split_at(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_bytes_and_order() {
        let headers = vec![
            HeaderField::new("x-a", b"1".to_vec()),
            HeaderField::new("x-a", vec![0xff, 0x00, b'z']),
            HeaderField::new("content-type", b"application/json".to_vec()),
        ];
        assert_eq!(decode_headers(&encode_headers(&headers)), headers);
    }

    #[test]
    fn complete_outcome_is_what_serde_writes() {
        assert_eq!(
            encode_outcome(&Outcome::Complete),
            serde_json::to_string(&Outcome::Complete).unwrap()
        );
        let cut = Outcome::Incomplete {
            reason: "gone".into(),
        };
        assert_eq!(encode_outcome(&cut), serde_json::to_string(&cut).unwrap());
    }

    #[test]
    fn truncated_blob_does_not_panic() {
        let blob = encode_headers(&[HeaderField::new("x", b"yy".to_vec())]);
        for cut in 0..blob.len() {
            let _ = decode_headers(&blob[..cut]);
        }
    }
}
