//! GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`.
//! No timestamp, so a captured delivery verifies forever; GitHub's
//! `X-GitHub-Delivery` id is the replay guard, not the signature.

use chrono::{DateTime, Utc};

use super::signed::{
    ReceivedSignature, SignatureEncoding, SignedMessage, SigningKey, decode_hex_signature,
    malformed_header,
};
use super::support::{HeaderText, has_header, header_text, shorten};
use super::{AuthVerdict, Verdict};
use crate::model::CapturedRequest;

pub(super) const HEADER: &str = "X-Hub-Signature-256";
/// GitHub's legacy SHA-1 signature, sent alongside the SHA-256 one.
const LEGACY_HEADER: &str = "X-Hub-Signature";
pub(super) const SENDER_HEADERS: &[&str] = &["X-GitHub-Event", "X-GitHub-Delivery"];
const SCHEME: &str = "github";

pub(super) fn carried_by(req: &CapturedRequest) -> bool {
    has_header(req, HEADER) || has_header(req, LEGACY_HEADER)
}

pub(super) fn presented(req: &CapturedRequest) -> String {
    match header_text(req, HEADER) {
        HeaderText::Text(value) => shorten(value),
        HeaderText::NotText(lossy) => shorten(&lossy),
        HeaderText::Absent => format!("(only {LEGACY_HEADER})"),
    }
}

fn parse(value: &str) -> ReceivedSignature {
    let value = value.trim();
    let (text, bytes) = match value.split_once('=') {
        Some(("sha256", hex_digest)) => (hex_digest, decode_hex_signature(hex_digest)),
        // GitHub's SDKs compare "sha256=<hex>" as one string: `SHA256=` fails there.
        Some((algorithm, _)) if algorithm.eq_ignore_ascii_case("sha256") => (
            value,
            Err(format!(
                "prefix {:?} where GitHub's verifiers require exactly \"sha256=\"",
                shorten(algorithm)
            )),
        ),
        Some((algorithm, _)) => (
            value,
            Err(format!(
                "algorithm {:?}, expected sha256",
                shorten(algorithm)
            )),
        ),
        None => (value, Err("no sha256= prefix".into())),
    };
    ReceivedSignature {
        text: text.to_owned(),
        bytes,
    }
}

pub(super) fn verify(req: &CapturedRequest, secrets: &[&str], now: DateTime<Utc>) -> AuthVerdict {
    let value = match header_text(req, HEADER) {
        HeaderText::Text(value) => value,
        HeaderText::NotText(lossy) => {
            return malformed_header(
                SCHEME,
                HEADER,
                shorten(&lossy),
                "not text",
                "sha256=<64 hex chars>",
            );
        }
        HeaderText::Absent => {
            // Only the SHA-1 header: GitHub always sends both, so something
            // in between dropped one, or the sender only imitates GitHub.
            let legacy = req
                .header(LEGACY_HEADER)
                .map_or_else(|| "(not text)".into(), shorten);
            return AuthVerdict::for_signed_scheme(
                SCHEME,
                Verdict::Invalid,
                format!(
                    "only the legacy SHA-1 {LEGACY_HEADER} is present; hookcatch checks {HEADER}"
                ),
            )
            .with_presented(format!("{LEGACY_HEADER}: {legacy}"))
            .with_diagnosis(vec![
                format!("read {LEGACY_HEADER}: {legacy}; {HEADER} is absent"),
                format!(
                    "GitHub sends both when the webhook has a secret; make the sender send {HEADER}"
                ),
            ]);
        }
    };
    SignedMessage {
        scheme: SCHEME,
        header: HEADER,
        presented: format!("{HEADER}: {}", shorten(value)),
        recipe: "\"sha256=\" + hex(HMAC-SHA256(secret, raw body))".into(),
        signed_prefix: Vec::new(),
        encoding: SignatureEncoding::Hex,
        received: vec![parse(value)],
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
    use super::super::{Provider, Verdict};

    // Expected values computed outside this code:
    // python3 -c 'import hmac,hashlib; print(hmac.new(KEY, BODY, hashlib.sha256).hexdigest())'
    // and `openssl dgst -sha256 -hmac` for GitHub's documented example.
    const BODY: &[u8] = br#"{"event":"incident.created","id":"inc_789"}"#;
    const SECRET: &str = "gh-secret-0123456789";
    const SIGNATURE: &str =
        "sha256=a6ceb2f3b78bd23f10266ea389867a7e7a1effc79a9f85aea3d5463fb35eab3d";

    fn github(secret: &str) -> super::super::AuthConfig {
        configured(Provider::Github, secret)
    }

    #[test]
    fn githubs_documented_example_verifies() {
        // From GitHub's "Validating webhook deliveries" guide.
        let req = request(
            &[(
                "x-hub-signature-256",
                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
            )],
            b"Hello, World!",
        );
        let verdict = at(&req, &github("It's a Secret to Everybody"));
        assert_eq!(
            (verdict.scheme.as_str(), verdict.verdict),
            ("github", Verdict::Valid)
        );
        assert!(verdict.signed);
        assert_eq!(verdict.detail, "signed: X-Hub-Signature-256 matches");
    }

    #[test]
    fn any_of_several_secrets_may_match() {
        let req = request(&[("x-hub-signature-256", SIGNATURE)], BODY);
        let mut cfg = github("an-older-secret");
        cfg.verify.push((Provider::Github, SECRET.into()));
        assert_eq!(at(&req, &cfg).verdict, Verdict::Valid);
    }

    /// GitHub's SDKs (octokit's `verify`, the Python and Ruby examples of
    /// GitHub's guide) compare `"sha256=" + lowercase hex` as one string, so
    /// the right digest in any other spelling is rejected there, and here.
    #[test]
    fn the_right_digest_spelled_differently_is_invalid() {
        let digest = SIGNATURE.trim_start_matches("sha256=");
        for (spelling, reason) in [
            (format!("SHA256={digest}"), "exactly \"sha256=\""),
            (format!("Sha256={digest}"), "exactly \"sha256=\""),
            (format!("sha256={}", digest.to_uppercase()), "uppercase hex"),
            (format!("sha256= {digest}"), "is not hex"),
            (digest.to_string(), "no sha256= prefix"),
        ] {
            let verdict = at(
                &request(&[("x-hub-signature-256", &spelling)], BODY),
                &github(SECRET),
            );
            assert_eq!(verdict.verdict, Verdict::Invalid, "{spelling}");
            assert!(
                verdict.detail.contains(reason)
                    || verdict.diagnosis.iter().any(|l| l.contains(reason)),
                "{spelling}: {verdict:#?}"
            );
        }
    }

    #[test]
    fn wrong_secret_is_invalid_and_explains_itself() {
        let verdict = at(
            &request(&[("x-hub-signature-256", SIGNATURE)], BODY),
            &github("another-gh-secret"),
        );
        assert_eq!(verdict.verdict, Verdict::Invalid);
        assert!(verdict.detail.contains("does not match"));
        let text = verdict.diagnosis.join("\n");
        assert!(text.contains("received: a6ceb2f3b78b…"), "{text}");
        // HMAC-SHA256("another-gh-secret", BODY) starts 72d8e9b874d6.
        assert!(text.contains("computed: 72d8e9b874d6…"), "{text}");
        assert!(text.contains("re-encoded"), "{text}");
    }

    #[test]
    fn tampered_body_is_invalid() {
        let tampered = br#"{"event":"incident.created","id":"inc_790"}"#;
        let verdict = at(
            &request(&[("x-hub-signature-256", SIGNATURE)], tampered),
            &github(SECRET),
        );
        assert_eq!(verdict.verdict, Verdict::Invalid);
    }

    #[test]
    fn reencoded_json_does_not_verify() {
        let reencoded = br#"{"event": "incident.created", "id": "inc_789"}"#;
        assert_eq!(
            at(
                &request(&[("x-hub-signature-256", SIGNATURE)], reencoded),
                &github(SECRET)
            )
            .verdict,
            Verdict::Invalid
        );
    }

    #[test]
    fn trailing_newline_added_in_transit_is_named() {
        let with_newline = [BODY, b"\n"].concat();
        let verdict = at(
            &request(&[("x-hub-signature-256", SIGNATURE)], &with_newline),
            &github(SECRET),
        );
        assert_eq!(verdict.verdict, Verdict::Invalid);
        assert!(
            verdict
                .diagnosis
                .iter()
                .any(|l| l.contains("appended one in transit"))
        );
    }

    #[test]
    fn missing_header_is_missing() {
        let req = request(&[("x-github-event", "push")], BODY);
        let verdict = at(&req, &github(SECRET));
        assert_eq!(
            (verdict.verdict, verdict.detail.as_str()),
            (
                Verdict::Missing,
                "expected X-Hub-Signature-256 (configured by --verify github) — none presented"
            )
        );
        assert!(
            verdict
                .diagnosis
                .iter()
                .any(|l| l.contains("X-GitHub-Event (GitHub)"))
        );
    }

    #[test]
    fn malformed_headers_are_invalid_with_a_reason() {
        for (value, reason) in [
            (
                "a6ceb2f3b78bd23f10266ea389867a7e7a1effc79a9f85aea3d5463fb35eab3d",
                "no sha256= prefix",
            ),
            ("sha1=a6ceb2f3b78bd23f1026", "expected sha256"),
            ("sha256=not-hex-at-all", "is not hex"),
            (
                "sha256=a6ceb2f3b78bd23f",
                "8 bytes where HMAC-SHA256 gives 32",
            ),
            ("sha256=", "the signature is empty"),
        ] {
            let verdict = at(
                &request(&[("x-hub-signature-256", value)], BODY),
                &github(SECRET),
            );
            assert_eq!(verdict.verdict, Verdict::Invalid, "{value}");
            assert!(
                verdict.detail.starts_with("malformed"),
                "{value}: {}",
                verdict.detail
            );
            assert!(
                verdict.detail.contains(reason),
                "{value}: {}",
                verdict.detail
            );
        }
    }

    #[test]
    fn only_the_legacy_sha1_header_is_explained() {
        let req = request(
            &[(
                "x-hub-signature",
                "sha1=0123456789abcdef0123456789abcdef01234567",
            )],
            BODY,
        );
        let verdict = at(&req, &github(SECRET));
        assert_eq!(verdict.verdict, Verdict::Invalid);
        assert!(verdict.detail.contains("legacy SHA-1"));
    }
}
