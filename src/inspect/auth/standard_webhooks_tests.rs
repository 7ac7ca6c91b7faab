//! Standard Webhooks tests. The two published vectors come from the
//! standard-webhooks repository (libraries/*/ tests: the `sign` tests of the
//! JavaScript, Python, Go and PHP libraries, and the Rust library's
//! `test_sign`); the decoys and broken signatures are the ones those test
//! suites use. Our own vectors were computed outside this code with
//! python3 -c 'import hmac,hashlib,base64; k=base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
//!   print(base64.b64encode(hmac.new(k, b"msg_2abc.<t>." + BODY, hashlib.sha256).digest()))'.

use super::super::tests::{at, at_time, configured, request};
use super::super::{AuthConfig, AuthVerdict, Provider, Verdict};

const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const SPEC_TIMESTAMP: i64 = 1_614_265_330;
const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
/// The decoy the libraries' multi-signature tests put around the valid one.
const DECOY: &str = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

const BODY: &[u8] = br#"{"event":"incident.created","id":"inc_789"}"#;
const AT_1699999990: &str = "v1,vyvV+jLi/EOkggYbpjqkTDron1gQngnwhhzL68l2pPY=";
const AT_1699999588: &str = "v1,9fCjwriw+2Xz9+NDpTY9lIs1Ndvv1ZSnNUsA3oZRKFM=";
const AT_1700000400: &str = "v1,zV95oYS9QWQCRO+HhnlTC2XYjzYxp5zpmiL14Q9MbHw=";
/// Keyed with the text "whsec_MfKQ…" itself, not its decoded bytes.
const UNDECODED_KEY: &str = "v1,p74+Zuak7BFaW7DmMWDcjJN+p2TLu7wcIL4ISsIhUs8=";

fn standard(secret: &str) -> AuthConfig {
    configured(Provider::StandardWebhooks, secret)
}

fn spec_request(signature: &str) -> crate::model::CapturedRequest {
    request(
        &[
            ("webhook-id", SPEC_ID),
            ("webhook-timestamp", "1614265330"),
            ("webhook-signature", signature),
        ],
        SPEC_BODY,
    )
}

fn ours(timestamp: &str, signature: &str, body: &[u8]) -> AuthVerdict {
    let req = request(
        &[
            ("webhook-id", "msg_2abc"),
            ("webhook-timestamp", timestamp),
            ("webhook-signature", signature),
        ],
        body,
    );
    at(&req, &standard(SPEC_SECRET))
}

#[test]
fn the_published_spec_vector_verifies() {
    let verdict = at_time(
        &spec_request(SPEC_SIGNATURE),
        &standard(SPEC_SECRET),
        SPEC_TIMESTAMP,
    );
    assert_eq!(
        (verdict.scheme.as_str(), verdict.verdict),
        ("standard-webhooks", Verdict::Valid),
        "{verdict:#?}"
    );
    assert!(verdict.signed);
    assert_eq!(
        verdict.detail,
        "signed: webhook-signature matches; sent 0 s ago"
    );
}

#[test]
fn the_rust_library_vector_verifies() {
    let req = request(
        &[
            ("webhook-id", "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk"),
            ("webhook-timestamp", "1649367553"),
            (
                "webhook-signature",
                "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
            ),
        ],
        br#"{"email":"test@example.com","username":"test_user"}"#,
    );
    let cfg = standard("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    assert_eq!(at_time(&req, &cfg, 1_649_367_553).verdict, Verdict::Valid);
}

#[test]
fn the_whsec_prefix_is_optional_and_svix_headers_work() {
    let unprefixed = standard("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    assert_eq!(
        at_time(&spec_request(SPEC_SIGNATURE), &unprefixed, SPEC_TIMESTAMP).verdict,
        Verdict::Valid
    );
    let svix = request(
        &[
            ("svix-id", SPEC_ID),
            ("svix-timestamp", "1614265330"),
            ("svix-signature", SPEC_SIGNATURE),
        ],
        SPEC_BODY,
    );
    let verdict = at_time(&svix, &standard(SPEC_SECRET), SPEC_TIMESTAMP);
    assert_eq!(verdict.verdict, Verdict::Valid);
    assert_eq!(
        verdict.detail,
        "signed: svix-signature matches; sent 0 s ago"
    );
}

#[test]
fn the_libraries_broken_signatures_are_invalid() {
    for signature in [
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", // one character changed (Python suite)
        "v1,g0hM9",                                        // partial (JavaScript suite)
        "v1,",
        "v1,dawfeoifkpqwoekfpqoekf",
        DECOY,
    ] {
        let verdict = at_time(
            &spec_request(signature),
            &standard(SPEC_SECRET),
            SPEC_TIMESTAMP,
        );
        assert_eq!(verdict.verdict, Verdict::Invalid, "{signature}");
    }
}

#[test]
fn any_v1_entry_of_a_space_separated_list_may_match() {
    let list =
        format!("{DECOY} v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {SPEC_SIGNATURE} {DECOY}");
    let verdict = at_time(&spec_request(&list), &standard(SPEC_SECRET), SPEC_TIMESTAMP);
    assert_eq!(verdict.verdict, Verdict::Valid);
    assert!(
        verdict
            .diagnosis
            .iter()
            .any(|l| l.contains("ignored entries: v2"))
    );
    assert_eq!(
        verdict.presented.as_deref(),
        Some("webhook-signature: v1,Ceo5qEr07… (+3 more)")
    );
    let decoys_only = format!("{DECOY} {DECOY}");
    assert_eq!(
        at_time(
            &spec_request(&decoys_only),
            &standard(SPEC_SECRET),
            SPEC_TIMESTAMP
        )
        .verdict,
        Verdict::Invalid
    );
}

#[test]
fn wrong_secret_is_invalid_with_received_and_computed() {
    let cfg = standard("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
    let verdict = at_time(&spec_request(SPEC_SIGNATURE), &cfg, SPEC_TIMESTAMP);
    assert_eq!(verdict.verdict, Verdict::Invalid);
    let text = verdict.diagnosis.join("\n");
    assert!(text.contains("received: g0hM9SsE+OTP…"), "{text}");
    assert!(text.contains("computed: "), "{text}");
    assert!(
        text.contains("\"msg_p5jXN8AQ….1614265330.\" + raw body"),
        "{text}"
    );
}

#[test]
fn valid_now_and_tampered_body() {
    assert_eq!(
        ours("1699999990", AT_1699999990, BODY).verdict,
        Verdict::Valid
    );
    let tampered = ours(
        "1699999990",
        AT_1699999990,
        br#"{"event":"incident.created","id":"inc_790"}"#,
    );
    assert_eq!(tampered.verdict, Verdict::Invalid);
    assert!(tampered.diagnosis.iter().any(|l| l.contains("re-encoded")));
}

#[test]
fn stale_and_future_timestamps_are_invalid_with_the_skew_stated() {
    let stale = ours("1699999588", AT_1699999588, BODY);
    assert_eq!(stale.verdict, Verdict::Invalid);
    assert_eq!(
        stale.detail,
        "webhook-signature matches but timestamp is 412 s old; tolerance 300 s"
    );
    let future = ours("1700000400", AT_1700000400, BODY);
    assert_eq!(future.verdict, Verdict::Invalid);
    assert!(
        future
            .detail
            .ends_with("timestamp is 400 s in the future; tolerance 300 s")
    );
}

#[test]
fn a_sender_that_keys_with_the_secret_text_is_named() {
    let verdict = ours("1699999990", UNDECODED_KEY, BODY);
    assert_eq!(verdict.verdict, Verdict::Invalid);
    assert!(
        verdict
            .diagnosis
            .iter()
            .any(|l| l.contains("secret's text as the key"))
    );
}

#[test]
fn missing_signature_is_missing_and_names_the_header() {
    let req = request(
        &[
            ("webhook-id", "msg_2abc"),
            ("webhook-timestamp", "1699999990"),
        ],
        BODY,
    );
    let verdict = at(&req, &standard(SPEC_SECRET));
    assert_eq!(
        (verdict.verdict, verdict.detail.as_str()),
        (
            Verdict::Missing,
            "expected webhook-signature (configured by --verify standard-webhooks) — none presented"
        )
    );
    assert!(
        verdict
            .diagnosis
            .iter()
            .any(|l| l.contains("webhook-id (Standard Webhooks)"))
    );
}

#[test]
fn malformed_headers_are_invalid_with_a_reason() {
    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[
                ("webhook-timestamp", "1699999990"),
                ("webhook-signature", AT_1699999990),
            ],
            "webhook-id is missing",
        ),
        (
            &[
                ("webhook-id", "msg_2abc"),
                ("webhook-signature", AT_1699999990),
            ],
            "webhook-timestamp is missing",
        ),
        (
            &[
                ("webhook-id", "m"),
                ("webhook-timestamp", "hello"),
                ("webhook-signature", AT_1699999990),
            ],
            "not a whole number",
        ),
        (
            &[
                ("webhook-id", "m"),
                ("webhook-timestamp", "99999999999999999999"),
                ("webhook-signature", AT_1699999990),
            ],
            "too large",
        ),
        (
            &[
                ("webhook-id", "m"),
                ("webhook-timestamp", "1699999990"),
                ("webhook-signature", "v1a,abc"),
            ],
            "no v1 signature",
        ),
        (
            &[
                ("webhook-id", "m"),
                ("webhook-timestamp", "1699999990"),
                ("webhook-signature", "g0hM9SsE+OTPJTGt"),
            ],
            "no version prefix",
        ),
    ];
    for (headers, reason) in cases {
        let verdict = at(&request(headers, BODY), &standard(SPEC_SECRET));
        assert_eq!(verdict.verdict, Verdict::Invalid, "{headers:?}");
        assert!(
            verdict.detail.contains(reason),
            "{headers:?}: {}",
            verdict.detail
        );
    }
}

/// The reference libraries compare the base64 string exactly and split the
/// list on single spaces: the right signature without its padding, or with
/// `V1,`, fails there, and here.
#[test]
fn the_right_signature_spelled_differently_is_invalid() {
    let digest = SPEC_SIGNATURE.trim_start_matches("v1,");
    for signature in [
        format!("v1,{}", digest.trim_end_matches('=')),
        format!("V1,{digest}"),
        format!("v1, {digest}"),
    ] {
        let verdict = at_time(
            &spec_request(&signature),
            &standard(SPEC_SECRET),
            SPEC_TIMESTAMP,
        );
        assert_eq!(
            verdict.verdict,
            Verdict::Invalid,
            "{signature}: {verdict:#?}"
        );
    }
}
