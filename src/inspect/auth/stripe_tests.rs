//! Stripe tests; expected signatures were computed outside this code.
use super::super::tests::{at, configured, request};
use super::super::{AuthConfig, Provider, Verdict};

// Expected values computed outside this code with
// python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_stripe_test_0123456789abcdef",
//   b"<t>." + BODY, hashlib.sha256).hexdigest())'; the test clock is 1700000000.
const BODY: &[u8] = br#"{"event":"incident.created","id":"inc_789"}"#;
const SECRET: &str = "whsec_stripe_test_0123456789abcdef";
const AT_1699999990: &str = "22f7b2b24b4e204635db4971717e823c074ed1b799b50bed2ed9b2c9ebaf95ab";
const AT_1699999588: &str = "3969f532fdfe918e129041294c867010e753b20be1f44ea29396431a23e90a96";
const AT_1700000900: &str = "135211100c60f1014d13912f3844269b9f8e2542cfd0c15851eba30f08216cee";
/// Keyed with the secret minus `whsec_` (a common imitation mistake).
const PREFIX_DROPPED: &str = "286c13869b8f10bad39ba67e97c0197a0d855e8b5410dbf77e3c38d7c1c672ad";
const WRONG: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn stripe() -> AuthConfig {
    configured(Provider::Stripe, SECRET)
}

fn check(header: &str, body: &[u8]) -> super::super::AuthVerdict {
    at(&request(&[("stripe-signature", header)], body), &stripe())
}

#[test]
fn valid_signature_keyed_with_the_whole_secret() {
    let verdict = check(&format!("t=1699999990,v1={AT_1699999990}"), BODY);
    assert_eq!(
        (verdict.scheme.as_str(), verdict.verdict),
        ("stripe", Verdict::Valid),
        "{verdict:#?}"
    );
    assert_eq!(
        verdict.detail,
        "signed: Stripe-Signature matches; sent 10 s ago"
    );
    assert!(verdict.signed);
}

#[test]
fn any_of_several_v1_matches_and_v0_is_ignored() {
    let verdict = check(
        &format!("t=1699999990,v1={WRONG},v0={WRONG},v1={AT_1699999990}"),
        BODY,
    );
    assert_eq!(verdict.verdict, Verdict::Valid);
    assert!(verdict.diagnosis.iter().any(|l| l.contains("ignored: v0")));
    let none_match = check(
        &format!("t=1699999990,v1={WRONG},v1={PREFIX_DROPPED}"),
        BODY,
    );
    assert_eq!(none_match.verdict, Verdict::Invalid);
}

#[test]
fn wrong_secret_is_invalid_and_shows_received_and_computed() {
    let cfg = configured(Provider::Stripe, "whsec_some_other_secret_0000");
    let verdict = at(
        &request(
            &[(
                "stripe-signature",
                &format!("t=1699999990,v1={AT_1699999990}"),
            )],
            BODY,
        ),
        &cfg,
    );
    assert_eq!(verdict.verdict, Verdict::Invalid);
    let text = verdict.diagnosis.join("\n");
    assert!(text.contains("received: 22f7b2b24b4e…"), "{text}");
    assert!(text.contains("computed: "), "{text}");
    assert!(text.contains("\"1699999990.\" + raw body"), "{text}");
}

#[test]
fn tampered_body_is_invalid() {
    let verdict = check(
        &format!("t=1699999990,v1={AT_1699999990}"),
        br#"{"event":"incident.created","id":"inc_790"}"#,
    );
    assert_eq!(verdict.verdict, Verdict::Invalid);
    assert!(verdict.diagnosis.iter().any(|l| l.contains("re-encoded")));
}

#[test]
fn stale_timestamp_is_invalid_with_the_skew_stated() {
    let verdict = check(&format!("t=1699999588,v1={AT_1699999588}"), BODY);
    assert_eq!(verdict.verdict, Verdict::Invalid);
    assert_eq!(
        verdict.detail,
        "Stripe-Signature matches but timestamp is 412 s old; tolerance 300 s"
    );
}

#[test]
fn future_timestamp_is_accepted_as_stripe_does_but_noted() {
    let verdict = check(&format!("t=1700000900,v1={AT_1700000900}"), BODY);
    assert_eq!(verdict.verdict, Verdict::Valid);
    assert!(
        verdict
            .diagnosis
            .iter()
            .any(|l| l.contains("900 s in the future"))
    );
}

#[test]
fn a_key_without_the_whsec_prefix_is_named() {
    let verdict = check(&format!("t=1699999990,v1={PREFIX_DROPPED}"), BODY);
    assert_eq!(verdict.verdict, Verdict::Invalid);
    assert!(
        verdict
            .diagnosis
            .iter()
            .any(|l| l.contains("without its whsec_ prefix"))
    );
}

#[test]
fn missing_header_is_missing() {
    let verdict = at(&request(&[], BODY), &stripe());
    assert_eq!(
        (verdict.verdict, verdict.detail.as_str()),
        (
            Verdict::Missing,
            "expected Stripe-Signature (configured by --verify stripe) — none presented"
        )
    );
}

#[test]
fn malformed_headers_are_invalid_with_a_reason() {
    for (value, reason) in [
        (format!("v1={AT_1699999990}"), "no t=<timestamp>"),
        (format!("t=soon,v1={AT_1699999990}"), "not a whole number"),
        (
            format!("t=99999999999999999999999,v1={AT_1699999990}"),
            "too large",
        ),
        ("t=1699999990".to_owned(), "no v1= signature"),
        (format!("t=1699999990,v0={WRONG}"), "only v0"),
        ("t=1699999990,v1=zz".to_owned(), "is not hex"),
        (",,,=,".to_owned(), "no t=<timestamp>"),
    ] {
        let verdict = check(&value, BODY);
        assert_eq!(verdict.verdict, Verdict::Invalid, "{value}");
        assert!(
            verdict.detail.contains(reason),
            "{value}: {}",
            verdict.detail
        );
    }
}

/// Stripe's libraries split the header on `,` only and compare the keys
/// `t` and `v1` and the lowercase hex exactly: spaces after the commas,
/// `V1=` or uppercase hex make the right signature fail there, and here.
#[test]
fn the_right_signature_spelled_differently_is_invalid() {
    for header in [
        format!("t=1699999990, v1={AT_1699999990}"),
        format!("t=1699999990,V1={AT_1699999990}"),
        format!("T=1699999990,v1={AT_1699999990}"),
        format!("t=1699999990,v1={}", AT_1699999990.to_uppercase()),
    ] {
        assert_eq!(check(&header, BODY).verdict, Verdict::Invalid, "{header}");
    }
    let spaced = check(&format!("t=1699999990, v1={AT_1699999990}"), BODY);
    assert!(spaced.detail.contains("whitespace"), "{spaced:#?}");
}
