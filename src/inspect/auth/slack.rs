//! Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret,
//! "v0:<timestamp>:<raw body>")>` with the timestamp in
//! `X-Slack-Request-Timestamp`; Slack's guide rejects timestamps more than
//! five minutes away from the local clock.

use chrono::{DateTime, Utc};

use super::AuthVerdict;
use super::signed::{
    ReceivedSignature, SignatureEncoding, SignedMessage, SignedTimestamp, SigningKey,
    decode_hex_signature, malformed_header,
};
use super::support::{
    FIVE_MINUTES, HeaderText, Tolerance, header_text, parse_unix_seconds, shorten,
};
use crate::model::CapturedRequest;

pub(super) const HEADER: &str = "X-Slack-Signature";
const TIMESTAMP_HEADER: &str = "X-Slack-Request-Timestamp";
pub(super) const SENDER_HEADERS: &[&str] = &[TIMESTAMP_HEADER, "X-Slack-Retry-Num"];
const SCHEME: &str = "slack";
const FORMAT: &str = "v0=<64 hex chars> with X-Slack-Request-Timestamp: <unix seconds>";
const TOLERANCE: Tolerance = Tolerance {
    past_secs: FIVE_MINUTES,
    future_secs: Some(FIVE_MINUTES),
};

pub(super) fn carried_by(req: &CapturedRequest) -> bool {
    req.headers_named(HEADER).next().is_some()
}

pub(super) fn presented(req: &CapturedRequest) -> String {
    match header_text(req, HEADER) {
        HeaderText::Text(value) => shorten(value),
        HeaderText::NotText(lossy) => shorten(&lossy),
        HeaderText::Absent => String::new(),
    }
}

fn parse(value: &str) -> ReceivedSignature {
    let value = value.trim();
    let (text, bytes) = match value.split_once('=') {
        Some(("v0", hex_digest)) => (hex_digest, decode_hex_signature(hex_digest)),
        Some((version, _)) => (
            value,
            Err(format!("version {:?}, expected v0", shorten(version))),
        ),
        None => (value, Err("no v0= prefix".into())),
    };
    ReceivedSignature {
        text: text.to_owned(),
        bytes,
    }
}

pub(super) fn verify(req: &CapturedRequest, secrets: &[&str], now: DateTime<Utc>) -> AuthVerdict {
    let values: Vec<&str> = req
        .headers_named(HEADER)
        .filter_map(|h| std::str::from_utf8(&h.value).ok())
        .collect();
    let shown = presented(req);
    if values.is_empty() {
        return malformed_header(SCHEME, HEADER, shown, "not valid UTF-8", FORMAT);
    }
    let raw_timestamp = match header_text(req, TIMESTAMP_HEADER) {
        HeaderText::Text(raw) => raw.trim(),
        HeaderText::Absent => {
            let reason = format!("{TIMESTAMP_HEADER} is missing (it is part of the signed string)");
            return malformed_header(SCHEME, HEADER, shown, &reason, FORMAT);
        }
        HeaderText::NotText(_) => {
            let reason = format!("{TIMESTAMP_HEADER} is not valid UTF-8");
            return malformed_header(SCHEME, HEADER, shown, &reason, FORMAT);
        }
    };
    let seconds = match parse_unix_seconds(raw_timestamp) {
        Ok(seconds) => seconds,
        Err(reason) => {
            return malformed_header(
                SCHEME,
                HEADER,
                shown,
                &format!("{TIMESTAMP_HEADER}: {reason}"),
                FORMAT,
            );
        }
    };

    SignedMessage {
        scheme: SCHEME,
        header: HEADER,
        presented: format!("{HEADER}: {shown}"),
        recipe: format!(
            "v0= + hex(HMAC-SHA256(signing secret, \"v0:{}:\" + raw body))",
            shorten(raw_timestamp)
        ),
        signed_prefix: format!("v0:{raw_timestamp}:").into_bytes(),
        encoding: SignatureEncoding::Hex,
        received: values.into_iter().map(parse).collect(),
        keys: secrets
            .iter()
            .map(|secret| SigningKey::raw(secret))
            .collect(),
        timestamp: Some(SignedTimestamp {
            seconds,
            tolerance: TOLERANCE,
        }),
        notes: vec![format!(
            "read {TIMESTAMP_HEADER}: {}",
            shorten(raw_timestamp)
        )],
        mistaken_keys: Vec::new(),
    }
    .conclude(&req.body, now)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, at_time, configured, request};
    use super::super::{AuthConfig, AuthVerdict, Provider, Verdict};

    // Expected values computed outside this code with
    // python3 -c 'import hmac,hashlib; print(hmac.new(b"slack-signing-secret-42",
    //   b"v0:<t>:" + BODY, hashlib.sha256).hexdigest())'; the test clock is 1700000000.
    const BODY: &[u8] = br#"{"event":"incident.created","id":"inc_789"}"#;
    const SECRET: &str = "slack-signing-secret-42";
    const AT_1699999990: &str =
        "v0=20f94122d79435d0e7e900bca65cfacf5237417c715b8b08a8d7db411059efa5";
    const AT_1699999588: &str =
        "v0=4da53543bd619fd584d074eda0f19fdb4e4fc474098a11e342f354a7764019b5";

    fn slack() -> AuthConfig {
        configured(Provider::Slack, SECRET)
    }

    fn check(timestamp: &str, signature: &str, body: &[u8]) -> AuthVerdict {
        let req = request(
            &[
                ("x-slack-request-timestamp", timestamp),
                ("x-slack-signature", signature),
            ],
            body,
        );
        at(&req, &slack())
    }

    #[test]
    fn slacks_documented_example_verifies() {
        // The worked example in Slack's "Verifying requests from Slack" guide.
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let req = request(
            &[
                ("x-slack-request-timestamp", "1531420618"),
                (
                    "x-slack-signature",
                    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
                ),
            ],
            body,
        );
        let cfg = configured(Provider::Slack, "8f742231b10e8888abcd99yyyzzz85a5");
        let verdict = at_time(&req, &cfg, 1_531_420_618);
        assert_eq!(
            (verdict.scheme.as_str(), verdict.verdict),
            ("slack", Verdict::Valid),
            "{verdict:#?}"
        );
        assert!(verdict.signed);
    }

    #[test]
    fn valid_wrong_secret_and_tampered_body() {
        assert_eq!(
            check("1699999990", AT_1699999990, BODY).verdict,
            Verdict::Valid
        );
        let wrong = at(
            &request(
                &[
                    ("x-slack-request-timestamp", "1699999990"),
                    ("x-slack-signature", AT_1699999990),
                ],
                BODY,
            ),
            &configured(Provider::Slack, "another-slack-secret"),
        );
        assert_eq!(wrong.verdict, Verdict::Invalid);
        assert!(
            wrong
                .diagnosis
                .iter()
                .any(|l| l.contains("\"v0:1699999990:\" + raw body"))
        );
        let tampered = check(
            "1699999990",
            AT_1699999990,
            br#"{"event":"incident.created","id":"inc_790"}"#,
        );
        assert_eq!(tampered.verdict, Verdict::Invalid);
    }

    #[test]
    fn a_timestamp_not_signed_with_is_invalid() {
        // The signature is right for 1699999990; the header says 1699999991.
        assert_eq!(
            check("1699999991", AT_1699999990, BODY).verdict,
            Verdict::Invalid
        );
    }

    #[test]
    fn stale_timestamp_is_invalid_with_the_skew_stated() {
        let verdict = check("1699999588", AT_1699999588, BODY);
        assert_eq!(verdict.verdict, Verdict::Invalid);
        assert_eq!(
            verdict.detail,
            "X-Slack-Signature matches but timestamp is 412 s old; tolerance 300 s"
        );
    }

    #[test]
    fn missing_signature_is_missing() {
        let verdict = at(
            &request(&[("x-slack-request-timestamp", "1699999990")], BODY),
            &slack(),
        );
        assert_eq!(
            (verdict.verdict, verdict.detail.as_str()),
            (
                Verdict::Missing,
                "expected X-Slack-Signature (configured by --verify slack) — none presented"
            )
        );
        assert!(
            verdict
                .diagnosis
                .iter()
                .any(|l| l.contains("X-Slack-Request-Timestamp (Slack)"))
        );
    }

    #[test]
    fn malformed_headers_are_invalid_with_a_reason() {
        for (timestamp, signature, reason) in [
            (
                "1699999990",
                "20f94122d79435d0e7e900bca65cfacf5237417c715b8b08a8d7db411059efa5",
                "no v0= prefix",
            ),
            ("1699999990", "v1=20f94122d79435d0", "expected v0"),
            ("1699999990", "v0=xyz", "is not hex"),
            // Slack's SDKs compare "v0=" + lowercase hex as one string.
            (
                "1699999990",
                "V0=20f94122d79435d0e7e900bca65cfacf5237417c715b8b08a8d7db411059efa5",
                "expected v0",
            ),
            (
                "1699999990",
                "v0=20F94122D79435D0E7E900BCA65CFACF5237417C715B8B08A8D7DB411059EFA5",
                "uppercase hex",
            ),
            ("1699999990.5", AT_1699999990, "not a whole number"),
        ] {
            let verdict = check(timestamp, signature, BODY);
            assert_eq!(verdict.verdict, Verdict::Invalid, "{signature}");
            assert!(
                verdict.detail.contains(reason),
                "{signature}: {}",
                verdict.detail
            );
        }
        let no_timestamp = at(
            &request(&[("x-slack-signature", AT_1699999990)], BODY),
            &slack(),
        );
        assert!(
            no_timestamp
                .detail
                .contains("X-Slack-Request-Timestamp is missing")
        );
    }
}
