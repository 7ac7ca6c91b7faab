//! Standard Webhooks (and Svix, where it comes from; GitLab's signed
//! webhooks use it too): `webhook-id`, `webhook-timestamp` and
//! `webhook-signature: v1,<base64> [v1,<base64> …]` (or the `svix-` names).
//! Each v1 is base64(HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")) where
//! the key is the secret after its optional `whsec_` prefix, base64-DECODED.
//! Timestamps must be within 300 s either way.

use chrono::{DateTime, Utc};

use super::signed::{
    ReceivedSignature, SignatureEncoding, SignedMessage, SignedTimestamp, SigningKey,
    decode_base64_signature, malformed_header,
};
use super::support::{
    FIVE_MINUTES, Tolerance, decode_base64, joined_header_text, parse_unix_seconds, shorten,
};
use super::{AuthVerdict, mask};
use crate::model::CapturedRequest;

pub(super) const HEADER: &str = "webhook-signature";
const SVIX_HEADER: &str = "svix-signature";
pub(super) const SENDER_HEADERS: &[&str] = &[
    "webhook-id",
    "webhook-timestamp",
    "svix-id",
    "svix-timestamp",
];
const SCHEME: &str = "standard-webhooks";
const FORMAT: &str = "v1,<base64> [v1,<base64> …] with webhook-id and webhook-timestamp";
const TOLERANCE: Tolerance = Tolerance {
    past_secs: FIVE_MINUTES,
    future_secs: Some(FIVE_MINUTES),
};
const SECRET_PREFIX: &str = "whsec_";

pub(super) fn carried_by(req: &CapturedRequest) -> bool {
    req.headers_named(HEADER).next().is_some() || req.headers_named(SVIX_HEADER).next().is_some()
}

/// The signature header in use and its entries (repeated headers are one
/// space-separated list).
fn signature_list(req: &CapturedRequest) -> (&'static str, Option<String>) {
    if req.headers_named(HEADER).next().is_some() {
        (HEADER, joined_header_text(req, HEADER, " "))
    } else {
        (SVIX_HEADER, joined_header_text(req, SVIX_HEADER, " "))
    }
}

/// `webhook-<field>`, else `svix-<field>`, as text.
fn companion(req: &CapturedRequest, field: &str) -> Option<String> {
    ["webhook-", "svix-"]
        .into_iter()
        .find_map(|family| req.header(&format!("{family}{field}")).map(str::to_owned))
}

pub(super) fn presented(req: &CapturedRequest) -> String {
    match signature_list(req).1 {
        Some(list) => {
            let entries: Vec<&str> = list.split_whitespace().collect();
            let first = entries
                .first()
                .map_or_else(String::new, |entry| shorten(entry));
            match entries.len() {
                0 | 1 => first,
                n => format!("{first} (+{} more)", n - 1),
            }
        }
        None => "(not text)".into(),
    }
}

/// The key the spec means, or the secret's own bytes (with a note) when what
/// follows the prefix is not base64, so a plain-text secret still gets a verdict.
fn signing_key(secret: &str, notes: &mut Vec<String>) -> SigningKey {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    match decode_base64(encoded) {
        Some(bytes) if !bytes.is_empty() => SigningKey {
            label: mask(secret),
            bytes,
        },
        _ => {
            notes.push(format!(
                "the configured secret {} is not base64 after whsec_; using its text as the key",
                mask(secret)
            ));
            SigningKey::raw(secret)
        }
    }
}

pub(super) fn verify(req: &CapturedRequest, secrets: &[&str], now: DateTime<Utc>) -> AuthVerdict {
    let (header, list) = signature_list(req);
    let Some(list) = list else {
        return malformed_header(
            SCHEME,
            header,
            "(not text)".into(),
            "not valid UTF-8",
            FORMAT,
        );
    };
    let shown = presented(req);
    let Some(id) = companion(req, "id") else {
        return malformed_header(
            SCHEME,
            header,
            shown,
            "webhook-id is missing (it is part of the signed string)",
            FORMAT,
        );
    };
    let Some(raw_timestamp) = companion(req, "timestamp") else {
        return malformed_header(
            SCHEME,
            header,
            shown,
            "webhook-timestamp is missing (it is part of the signed string)",
            FORMAT,
        );
    };
    let seconds = match parse_unix_seconds(&raw_timestamp) {
        Ok(seconds) => seconds,
        Err(reason) => {
            return malformed_header(SCHEME, header, shown, &format!("webhook-{reason}"), FORMAT);
        }
    };
    let raw_timestamp = raw_timestamp.trim();

    let mut notes = vec![format!("read webhook-id: {}", shorten(&id))];
    let mut received = Vec::new();
    let mut ignored = Vec::new();
    // The reference libraries split on single spaces and compare "v1" exactly.
    for entry in list.split(' ').filter(|entry| !entry.is_empty()) {
        match entry.split_once(',') {
            Some(("v1", signature)) => received.push(ReceivedSignature {
                text: signature.to_owned(),
                bytes: decode_base64_signature(signature),
            }),
            Some((version, _)) => ignored.push(shorten(version)),
            None => received.push(ReceivedSignature {
                text: entry.to_owned(),
                bytes: Err("no version prefix (expected v1,<base64>)".into()),
            }),
        }
    }
    if !ignored.is_empty() {
        ignored.truncate(5);
        notes.push(format!(
            "ignored entries: {} (only v1 is verified; v1a is an asymmetric ed25519 signature)",
            ignored.join(", ")
        ));
    }
    if received.is_empty() {
        let reason = if ignored.is_empty() {
            "no signature in it"
        } else {
            "no v1 signature in it"
        };
        return malformed_header(SCHEME, header, shown, reason, FORMAT);
    }

    let keys: Vec<SigningKey> = secrets
        .iter()
        .map(|secret| signing_key(secret, &mut notes))
        .collect();
    SignedMessage {
        scheme: SCHEME,
        header,
        presented: format!("{header}: {shown}"),
        recipe: format!(
            "v1,base64(HMAC-SHA256(base64-decode(secret after whsec_), \"{}.{}.\" + raw body))",
            shorten(&id),
            shorten(raw_timestamp)
        ),
        signed_prefix: format!("{id}.{raw_timestamp}.").into_bytes(),
        encoding: SignatureEncoding::Base64,
        received,
        keys,
        timestamp: Some(SignedTimestamp {
            seconds,
            tolerance: TOLERANCE,
        }),
        notes,
        mistaken_keys: secrets
            .iter()
            .flat_map(|secret| mistaken_keys(secret))
            .collect(),
    }
    .conclude(&req.body, now)
}

/// Keys a sender gets wrong: the secret's text instead of its decoded bytes
/// (how Stripe keys, which is why `whsec_` alone says nothing about the scheme).
fn mistaken_keys(secret: &str) -> Vec<(Vec<u8>, String)> {
    let mut keys = vec![(
        secret.as_bytes().to_vec(),
        "it matches with the secret's text as the key: the sender does not base64-decode it \
         (Stripe keys that way; if this is Stripe, verify as stripe)"
            .to_owned(),
    )];
    if let Some(rest) = secret.strip_prefix(SECRET_PREFIX) {
        keys.push((
            rest.as_bytes().to_vec(),
            "it matches with the text after whsec_ as the key: the sender does not base64-decode it".to_owned(),
        ));
    }
    keys
}

#[cfg(test)]
#[path = "standard_webhooks_tests.rs"]
mod tests;
