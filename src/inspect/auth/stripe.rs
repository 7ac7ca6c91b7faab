//! Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`,
//! each v1 a hex HMAC-SHA256 of `"<t>.<raw body>"` keyed with the WHOLE
//! signing secret, `whsec_` prefix included (unlike Standard Webhooks, which
//! base64-decodes what follows the prefix). Valid when any v1 matches; Stripe
//! rejects timestamps more than 300 s old and does not bound the future.

use chrono::{DateTime, Utc};

use super::AuthVerdict;
use super::signed::{
    ReceivedSignature, SignatureEncoding, SignedMessage, SignedTimestamp, SigningKey,
    decode_hex_signature, malformed_header,
};
use super::support::{
    FIVE_MINUTES, Tolerance, decode_base64, joined_header_text, parse_unix_seconds, shorten,
    skew_problem,
};
use crate::model::CapturedRequest;

pub(super) const HEADER: &str = "Stripe-Signature";
const SCHEME: &str = "stripe";
const FORMAT: &str = "t=<unix seconds>,v1=<64 hex chars>";
const TOLERANCE: Tolerance = Tolerance {
    past_secs: FIVE_MINUTES,
    future_secs: None,
};

pub(super) fn carried_by(req: &CapturedRequest) -> bool {
    req.headers_named(HEADER).next().is_some()
}

/// The header split into its parts. Repeated headers join with `,` (one
/// list in HTTP); unknown schemes are kept only to be named.
struct StripeHeader<'a> {
    timestamp: Option<&'a str>,
    v1: Vec<&'a str>,
    ignored: Vec<&'a str>,
}

fn split(value: &str) -> StripeHeader<'_> {
    let mut header = StripeHeader {
        timestamp: None,
        v1: Vec::new(),
        ignored: Vec::new(),
    };
    // As Stripe's own libraries read it: split on ',' only, keys compared
    // exactly. `t=1, v1=…` carries the key " v1", which Stripe ignores, so
    // that signature must not count here either.
    for item in value.split(',').filter(|item| !item.is_empty()) {
        match item.split_once('=') {
            Some(("t", t)) => {
                header.timestamp.get_or_insert(t);
            }
            Some(("v1", signature)) => header.v1.push(signature),
            Some((scheme, _)) => header.ignored.push(scheme),
            None => header.ignored.push(item),
        }
    }
    header
}

pub(super) fn presented(req: &CapturedRequest) -> String {
    let Some(value) = joined_header_text(req, HEADER, ",") else {
        return "(not text)".into();
    };
    let header = split(&value);
    match (header.timestamp, header.v1.first()) {
        (Some(t), Some(first)) => {
            let more = header.v1.len() - 1;
            let more = if more > 0 {
                format!(" (+{more} more v1)")
            } else {
                String::new()
            };
            format!("t={}, v1={}{more}", shorten(t), shorten(first))
        }
        _ => shorten(&value),
    }
}

pub(super) fn verify(req: &CapturedRequest, secrets: &[&str], now: DateTime<Utc>) -> AuthVerdict {
    let Some(value) = joined_header_text(req, HEADER, ",") else {
        return malformed_header(
            SCHEME,
            HEADER,
            "(not text)".into(),
            "not valid UTF-8",
            FORMAT,
        );
    };
    let header = split(&value);
    let shown = shorten(&value);
    let Some(raw_timestamp) = header.timestamp else {
        return malformed_header(SCHEME, HEADER, shown, "no t=<timestamp> in it", FORMAT);
    };
    let seconds = match parse_unix_seconds(raw_timestamp) {
        Ok(seconds) => seconds,
        Err(reason) => return malformed_header(SCHEME, HEADER, shown, &reason, FORMAT),
    };
    let mut notes = Vec::new();
    if !header.ignored.is_empty() {
        let names: Vec<String> = header.ignored.iter().take(5).map(|s| shorten(s)).collect();
        notes.push(format!(
            "ignored: {} (only v1 signatures are verified)",
            names.join(", ")
        ));
    }
    if header.v1.is_empty() {
        let reason = if header.ignored.contains(&"v0") {
            "no v1= signature, only v0 (Stripe's test-mode scheme, not verified)"
        } else if header.ignored.iter().any(|key| key.trim() == "v1") {
            "no v1= signature: a \" v1\" key has whitespace around it, which Stripe's libraries do not accept"
        } else {
            "no v1= signature in it"
        };
        return malformed_header(SCHEME, HEADER, shown, reason, FORMAT);
    }
    let future = Tolerance {
        past_secs: i64::MAX,
        future_secs: Some(FIVE_MINUTES),
    };
    if let Some(ahead) = skew_problem(seconds, now, future) {
        notes.push(format!(
            "{ahead}: Stripe accepts that, but one of the clocks is off"
        ));
    }

    SignedMessage {
        scheme: SCHEME,
        header: HEADER,
        presented: format!("{HEADER}: {}", presented(req)),
        recipe: format!(
            "v1 = hex(HMAC-SHA256(whole secret incl. whsec_, \"{}.\" + raw body))",
            shorten(raw_timestamp)
        ),
        signed_prefix: format!("{raw_timestamp}.").into_bytes(),
        encoding: SignatureEncoding::Hex,
        received: header
            .v1
            .iter()
            .map(|text| ReceivedSignature {
                text: (*text).to_owned(),
                bytes: decode_hex_signature(text),
            })
            .collect(),
        keys: secrets
            .iter()
            .map(|secret| SigningKey::raw(secret))
            .collect(),
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

/// Keys a sender imitating Stripe gets wrong: dropping the prefix, or
/// decoding the rest as Standard Webhooks does.
fn mistaken_keys(secret: &str) -> Vec<(Vec<u8>, String)> {
    let Some(rest) = secret.strip_prefix("whsec_") else {
        return Vec::new();
    };
    let mut keys = vec![(
        rest.as_bytes().to_vec(),
        "it matches the secret without its whsec_ prefix: Stripe keys with the whole string".into(),
    )];
    if let Some(decoded) = decode_base64(rest) {
        keys.push((
            decoded,
            "it matches the secret base64-decoded after whsec_ (the Standard Webhooks way): \
             verify this sender as standard-webhooks, not stripe"
                .into(),
        ));
    }
    keys
}

#[cfg(test)]
#[path = "stripe_tests.rs"]
mod tests;
