//! Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(app client secret,
//! raw body)>`. No timestamp; `X-Shopify-Webhook-Id` is the replay guard.

use chrono::{DateTime, Utc};

use super::AuthVerdict;
use super::signed::{
    ReceivedSignature, SignatureEncoding, SignedMessage, SigningKey, decode_base64_signature,
    malformed_header,
};
use super::support::{HeaderText, header_text, shorten};
use crate::model::CapturedRequest;

pub(super) const HEADER: &str = "X-Shopify-Hmac-Sha256";
pub(super) const SENDER_HEADERS: &[&str] = &[
    "X-Shopify-Topic",
    "X-Shopify-Shop-Domain",
    "X-Shopify-Webhook-Id",
];
const SCHEME: &str = "shopify";

pub(super) fn carried_by(req: &CapturedRequest) -> bool {
    req.headers_named(HEADER).next().is_some()
}

pub(super) fn presented(req: &CapturedRequest) -> String {
    match header_text(req, HEADER) {
        HeaderText::Text(value) => shorten(value.trim()),
        HeaderText::NotText(lossy) => shorten(&lossy),
        HeaderText::Absent => String::new(),
    }
}

pub(super) fn verify(req: &CapturedRequest, secrets: &[&str], now: DateTime<Utc>) -> AuthVerdict {
    let HeaderText::Text(value) = header_text(req, HEADER) else {
        return malformed_header(
            SCHEME,
            HEADER,
            presented(req),
            "not valid UTF-8",
            "<44 base64 chars>",
        );
    };
    SignedMessage {
        scheme: SCHEME,
        header: HEADER,
        presented: format!("{HEADER}: {}", presented(req)),
        recipe: "base64(HMAC-SHA256(app client secret, raw body))".into(),
        signed_prefix: Vec::new(),
        encoding: SignatureEncoding::Base64,
        received: vec![ReceivedSignature {
            text: value.trim().to_owned(),
            bytes: decode_base64_signature(value),
        }],
        keys: secrets
            .iter()
            .map(|secret| SigningKey::raw(secret))
            .collect(),
        timestamp: None,
        notes: Vec::new(),
        mistaken_keys: Vec::new(),
    }
    .conclude(&req.body, now)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, configured, request};
    use super::super::{AuthVerdict, Provider, Verdict};

    // Computed outside this code with
    // python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
    //   b"shpss_shopify_secret_0123", BODY, hashlib.sha256).digest()))'.
    const BODY: &[u8] = br#"{"event":"incident.created","id":"inc_789"}"#;
    const SECRET: &str = "shpss_shopify_secret_0123";
    const SIGNATURE: &str = "ctS2zU9S7ONaMk/e2p0eE1qL3/W5Qkw4dTkGV1U+J1k=";

    fn check(secret: &str, signature: &str, body: &[u8]) -> AuthVerdict {
        at(
            &request(&[("x-shopify-hmac-sha256", signature)], body),
            &configured(Provider::Shopify, secret),
        )
    }

    #[test]
    fn valid_signature() {
        let verdict = check(SECRET, SIGNATURE, BODY);
        assert_eq!(
            (verdict.scheme.as_str(), verdict.verdict),
            ("shopify", Verdict::Valid),
            "{verdict:#?}"
        );
        assert_eq!(verdict.detail, "signed: X-Shopify-Hmac-Sha256 matches");
        assert_eq!(
            verdict.presented.as_deref(),
            Some("X-Shopify-Hmac-Sha256: ctS2zU9S7ONa…")
        );
    }

    /// Shopify's guide compares the base64 strings (`secure_compare`), so
    /// the right digest without its padding is rejected there, and here.
    #[test]
    fn unpadded_base64_is_invalid_as_shopify_compares_strings() {
        let verdict = check(SECRET, SIGNATURE.trim_end_matches('='), BODY);
        assert_eq!(verdict.verdict, Verdict::Invalid);
        assert!(
            verdict.detail.contains("canonical padded base64"),
            "{verdict:#?}"
        );
    }

    #[test]
    fn wrong_secret_and_tampered_body_are_invalid() {
        let wrong = check("shpss_other_secret", SIGNATURE, BODY);
        assert_eq!(wrong.verdict, Verdict::Invalid);
        assert!(
            wrong
                .diagnosis
                .iter()
                .any(|l| l.starts_with("received: ctS2zU9S7ONa…"))
        );
        let tampered = check(
            SECRET,
            SIGNATURE,
            br#"{"event":"incident.created","id":"inc_790"}"#,
        );
        assert_eq!(tampered.verdict, Verdict::Invalid);
    }

    #[test]
    fn missing_header_is_missing() {
        let req = request(&[("x-shopify-topic", "orders/create")], BODY);
        let verdict = at(&req, &configured(Provider::Shopify, SECRET));
        assert_eq!(
            (verdict.verdict, verdict.detail.as_str()),
            (
                Verdict::Missing,
                "expected X-Shopify-Hmac-Sha256 (configured by --verify shopify) — none presented"
            )
        );
        assert!(
            verdict
                .diagnosis
                .iter()
                .any(|l| l.contains("X-Shopify-Topic (Shopify)"))
        );
    }

    #[test]
    fn malformed_headers_are_invalid_with_a_reason() {
        for (signature, reason) in [
            ("%%%not base64%%%", "is not base64"),
            ("", "empty"),
            ("c2hvcnQ=", "5 bytes where HMAC-SHA256 gives 32"),
            // Hex where base64 belongs: decodes, but to 48 bytes.
            (
                "72d8e9b874d6ae6a7317f13366c03e1bd73a56437e2acb7f54631693114ca7d7",
                "48 bytes",
            ),
        ] {
            let verdict = check(SECRET, signature, BODY);
            assert_eq!(verdict.verdict, Verdict::Invalid, "{signature}");
            assert!(
                verdict.detail.contains(reason),
                "{signature}: {}",
                verdict.detail
            );
        }
    }
}
