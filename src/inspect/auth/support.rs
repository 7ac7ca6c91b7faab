//! Pieces every scheme shares: reading headers that may not be text,
//! constant-time comparison, HMAC, timestamp tolerance and the short forms
//! used in diagnoses. Nothing here decides a verdict on its own.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::model::CapturedRequest;

/// How many characters of a signature a diagnosis shows: enough to compare
/// with the sender's logs, short enough for one line.
const SHOWN_SIGNATURE_CHARS: usize = 12;

/// A header as far as authentication cares.
pub(super) enum HeaderText<'a> {
    Absent,
    /// Present, but no instance is valid UTF-8; the lossy form is for display.
    NotText(String),
    Text(&'a str),
}

/// The first textual value of a header, or why there is none.
pub(super) fn header_text<'a>(req: &'a CapturedRequest, name: &'a str) -> HeaderText<'a> {
    let mut first_lossy = None;
    for field in req.headers_named(name) {
        match std::str::from_utf8(&field.value) {
            Ok(text) => return HeaderText::Text(text),
            Err(_) => {
                first_lossy.get_or_insert_with(|| field.value_str().into_owned());
            }
        }
    }
    first_lossy.map_or(HeaderText::Absent, HeaderText::NotText)
}

/// Every textual value of a list-valued header (repeated headers are one
/// list in HTTP), joined with `separator`.
pub(super) fn joined_header_text(
    req: &CapturedRequest,
    name: &str,
    separator: &str,
) -> Option<String> {
    let values: Vec<&str> = req
        .headers_named(name)
        .filter_map(|h| std::str::from_utf8(&h.value).ok())
        .collect();
    (!values.is_empty()).then(|| values.join(separator))
}

pub(super) fn has_header(req: &CapturedRequest, name: &str) -> bool {
    req.headers_named(name).next().is_some()
}

/// Compare a presented secret with a configured one in constant time.
/// Both sides are hashed first so that neither the content nor the length
/// of the configured secret shows in the timing (a plain slice `ct_eq`
/// returns early on a length difference).
pub(super) fn secret_matches(presented: &[u8], configured: &[u8]) -> bool {
    let presented = Sha256::digest(presented);
    let configured = Sha256::digest(configured);
    presented.as_slice().ct_eq(configured.as_slice()).into()
}

/// Compare a received signature with a computed one in constant time.
/// Signature lengths are public (32 bytes for SHA-256), so a length
/// mismatch may return early.
pub(super) fn signature_matches(received: &[u8], computed: &[u8]) -> bool {
    !computed.is_empty() && bool::from(received.ct_eq(computed))
}

/// HMAC-SHA256 over the concatenation of `parts`.
pub(super) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this never fails; should it ever,
    // an empty MAC can never equal a received signature (see
    // `signature_matches`), so the failure cannot turn into a false "valid".
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        return Vec::new();
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// At most the first 12 characters, then `…`; never splits a character.
pub(super) fn shorten(text: &str) -> String {
    match text.char_indices().nth(SHOWN_SIGNATURE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Control characters (newlines, ESC, …) written as escapes, so that what a
/// request sent can never break a one-line detail. Full sanitizing for the
/// screen stays `text.rs`'s job; this only keeps lines lines.
pub(super) fn one_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `Authorization: <scheme> <credentials>` split into its two parts; the
/// scheme keeps its case (compare it case-insensitively, RFC 9110 §11.1).
pub(super) fn authorization_parts(value: &str) -> (&str, &str) {
    let value = value.trim();
    match value.split_once([' ', '\t']) {
        Some((scheme, credentials)) => (scheme, credentials.trim()),
        None => (value, ""),
    }
}

/// Accepts base64 with or without padding: senders differ and the padding
/// carries no information.
pub(super) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
        .decode(text.trim())
        .ok()
}

pub(super) fn encode_base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The hint every signature mismatch carries: the most common cause in
/// practice is a body that is no longer the bytes the sender signed.
pub(super) const RESERIALIZED_BODY_HINT: &str = "if a proxy or framework parsed the JSON and re-encoded it \
     (spacing, key order, escaping, line endings), the bytes differ and no signature matches: \
     verify the raw body exactly as received";

/// Timestamp window around hookcatch's clock.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tolerance {
    pub past_secs: i64,
    /// `None` when the sender's own libraries accept any future timestamp (Stripe).
    pub future_secs: Option<i64>,
}

/// Five minutes, the window Stripe, Slack and Standard Webhooks all use.
pub(super) const FIVE_MINUTES: i64 = 300;

/// A whole number of Unix seconds. Digits only: signs, fractions and
/// exponents are things a sender got wrong, and the reason says so.
pub(super) fn parse_unix_seconds(raw: &str) -> Result<i64, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("timestamp is empty".into());
    }
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "timestamp {:?} is not a whole number of Unix seconds",
            shorten(raw)
        ));
    }
    raw.parse::<i64>()
        .map_err(|_| format!("timestamp {} is too large to be Unix seconds", shorten(raw)))
}

/// `Some(reason)` when `timestamp` falls outside the window, e.g.
/// "timestamp is 412 s old; tolerance 300 s".
pub(super) fn skew_problem(
    timestamp: i64,
    now: DateTime<Utc>,
    tolerance: Tolerance,
) -> Option<String> {
    let age = now.timestamp().saturating_sub(timestamp);
    let mut reason = if age > tolerance.past_secs {
        format!(
            "timestamp is {age} s old; tolerance {} s",
            tolerance.past_secs
        )
    } else {
        let ahead = age.saturating_neg();
        match tolerance.future_secs {
            Some(limit) if ahead > limit => {
                format!("timestamp is {ahead} s in the future; tolerance {limit} s")
            }
            _ => return None,
        }
    };
    // Milliseconds are the usual way to land far in the future.
    if timestamp > 100_000_000_000 {
        reason.push_str(" (it looks like milliseconds; the sender must send seconds)");
    }
    Some(reason)
}

/// "sent 12 s ago" / "sent 3 s in the future" for a timestamp inside the window.
pub(super) fn describe_age(timestamp: i64, now: DateTime<Utc>) -> String {
    let age = now.timestamp().saturating_sub(timestamp);
    if age >= 0 {
        format!("sent {age} s ago")
    } else {
        format!("sent {} s in the future", age.saturating_neg())
    }
}

/// The timestamp as a date, for the diagnosis, when it is representable.
pub(super) fn timestamp_as_date(timestamp: i64) -> String {
    DateTime::<Utc>::from_timestamp(timestamp, 0)
        .map_or_else(|| "not a representable date".into(), |at| at.to_rfc3339())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_keeps_twelve_characters_and_respects_char_boundaries() {
        assert_eq!(shorten("0123456789abcdef"), "0123456789ab…");
        assert_eq!(shorten("short"), "short");
        assert_eq!(shorten("ééééééééééééé"), "éééééééééééé…");
    }

    #[test]
    fn hmac_matches_the_rfc_4231_case_2_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn secrets_compare_by_content_and_length() {
        assert!(secret_matches(b"abc", b"abc"));
        assert!(!secret_matches(b"abc", b"abcd"));
        assert!(!secret_matches(b"", b"abc"));
    }

    #[test]
    fn timestamps_parse_strictly_and_skew_is_explained() {
        let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let window = Tolerance {
            past_secs: 300,
            future_secs: Some(300),
        };
        assert_eq!(parse_unix_seconds("1699999588"), Ok(1_699_999_588));
        assert!(parse_unix_seconds("-5").is_err());
        assert!(parse_unix_seconds("1.5").is_err());
        assert!(parse_unix_seconds("99999999999999999999999").is_err());
        assert_eq!(
            skew_problem(1_699_999_588, now, window).as_deref(),
            Some("timestamp is 412 s old; tolerance 300 s")
        );
        assert_eq!(skew_problem(1_700_000_300, now, window), None);
        assert!(
            skew_problem(1_700_000_000_000, now, window)
                .is_some_and(|r| r.contains("milliseconds"))
        );
        assert_eq!(
            skew_problem(
                i64::MAX,
                now,
                Tolerance {
                    past_secs: 300,
                    future_secs: None
                }
            ),
            None
        );
        assert!(skew_problem(0, now, window).is_some());
    }

    #[test]
    fn control_characters_become_escapes() {
        assert_eq!(one_line("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(one_line("plain ü"), "plain ü");
    }

    #[test]
    fn authorization_splits_scheme_and_credentials() {
        assert_eq!(authorization_parts("Bearer  abc "), ("Bearer", "abc"));
        assert_eq!(authorization_parts("Basic"), ("Basic", ""));
    }
}
