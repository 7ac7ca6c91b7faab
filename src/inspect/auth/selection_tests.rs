//! Which scheme applies: headers decide, a valid scheme wins, and what is
//! presented without a secret is shown masked.

use super::super::tests::{STANDARD_VECTOR_SECRET, at, at_time, configured, request};
use super::super::{AuthConfig, Provider, Verdict};
use crate::model::CapturedRequest;

fn standard_vector_request() -> CapturedRequest {
    request(
        &[
            ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("webhook-timestamp", "1614265330"),
            (
                "webhook-signature",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ),
        ],
        br#"{"test": 2432232314}"#,
    )
}

#[test]
fn nothing_configured_and_nothing_presented_is_none() {
    let verdict = at(
        &request(&[("content-type", "application/json")], b"{}"),
        &AuthConfig::default(),
    );
    assert_eq!(verdict.scheme, "none");
    assert_eq!(verdict.verdict, Verdict::Unconfigured);
    assert_eq!(
        verdict.detail,
        "no authentication presented; none configured"
    );
    assert_eq!(verdict.presented, None);
}

#[test]
fn the_scheme_comes_from_headers_never_from_the_secrets_shape() {
    // A whsec_ secret configured for Stripe does not make a Standard
    // Webhooks request a Stripe one, and the reverse.
    let as_stripe = configured(Provider::Stripe, STANDARD_VECTOR_SECRET);
    let verdict = at_time(&standard_vector_request(), &as_stripe, 1_614_265_330);
    assert_eq!(
        (verdict.scheme.as_str(), verdict.verdict),
        ("standard-webhooks", Verdict::Unconfigured)
    );
    assert_eq!(
        verdict.detail,
        "webhook-signature presented; no standard-webhooks secret configured; expected Stripe-Signature"
    );
    assert!(verdict.signed);

    let both = AuthConfig {
        verify: vec![
            (Provider::Stripe, STANDARD_VECTOR_SECRET.into()),
            (Provider::StandardWebhooks, STANDARD_VECTOR_SECRET.into()),
        ],
        ..AuthConfig::default()
    };
    let verdict = at_time(&standard_vector_request(), &both, 1_614_265_330);
    assert_eq!(
        (verdict.scheme.as_str(), verdict.verdict),
        ("standard-webhooks", Verdict::Valid)
    );
}

#[test]
fn a_valid_scheme_wins_and_the_others_are_listed() {
    let cfg = AuthConfig {
        secret: Some("pg-shared-secret-123".into()),
        bearer: Some("tok_live_abcdef123456".into()),
        ..AuthConfig::default()
    };
    let req = request(
        &[
            ("x-pingara-secret", "pg-wrong"),
            ("authorization", "Bearer tok_live_abcdef123456"),
        ],
        b"{}",
    );
    let verdict = at(&req, &cfg);
    assert_eq!(
        (verdict.scheme.as_str(), verdict.verdict),
        ("bearer", Verdict::Valid)
    );
    assert!(
        verdict
            .diagnosis
            .iter()
            .any(|l| l.starts_with("also presented pingara-secret: invalid"))
    );
}

#[test]
fn a_configured_scheme_is_checked_even_beside_an_unconfigured_signature() {
    let cfg = AuthConfig {
        secret: Some("pg-shared-secret-123".into()),
        ..AuthConfig::default()
    };
    let req = request(
        &[
            ("x-pingara-secret", "pg-shared-secret-123"),
            ("stripe-signature", "t=1,v1=00"),
        ],
        b"{}",
    );
    let verdict = at(&req, &cfg);
    assert_eq!(
        (verdict.scheme.as_str(), verdict.verdict),
        ("pingara-secret", Verdict::Valid)
    );
    assert!(
        verdict
            .diagnosis
            .iter()
            .any(|l| l.contains("also carries Stripe-Signature"))
    );
}

#[test]
fn unknown_credentials_are_unconfigured_and_masked() {
    let verdict = at(
        &request(&[("authorization", "Token abcdefghijklmnop")], b""),
        &AuthConfig::default(),
    );
    assert_eq!(
        (verdict.scheme.as_str(), verdict.verdict),
        ("authorization", Verdict::Unconfigured)
    );
    assert_eq!(
        verdict.presented.as_deref(),
        Some("Authorization: Token abcd… (16 chars)")
    );

    let verdict = at(
        &request(&[("x-api-key", "key_0123456789abcdef")], b""),
        &AuthConfig::default(),
    );
    assert_eq!(
        (verdict.scheme.as_str(), verdict.verdict),
        ("shared-secret", Verdict::Unconfigured)
    );
    assert_eq!(
        verdict.presented.as_deref(),
        Some("X-Api-Key: key_… (20 chars)")
    );

    let verdict = at(
        &request(
            &[("stripe-signature", "t=1699999990,v1=abcdef0123456789abcdef")],
            b"",
        ),
        &AuthConfig::default(),
    );
    assert_eq!(
        (verdict.scheme.as_str(), verdict.verdict),
        ("stripe", Verdict::Unconfigured)
    );
    assert_eq!(
        verdict.presented.as_deref(),
        Some("Stripe-Signature: t=1699999990, v1=abcdef012345…")
    );
    assert!(
        verdict
            .diagnosis
            .iter()
            .any(|l| l.contains("--verify stripe=SECRET"))
    );
}

#[test]
fn missing_lists_everything_configured() {
    let mut cfg = AuthConfig {
        secret: Some("s".into()),
        bearer: Some("t".into()),
        basic: Some("u:p".into()),
        ..AuthConfig::default()
    };
    for provider in Provider::VERIFIED {
        cfg.verify.push((provider, "secret".into()));
    }
    cfg.verify.push((Provider::Github, "second".into()));
    let verdict = at(&request(&[], b""), &cfg);
    assert_eq!(verdict.verdict, Verdict::Missing);
    assert_eq!(
        verdict.detail,
        "expected X-Pingara-Secret (configured by --secret) or Authorization: Bearer (configured by --bearer) \
         or Authorization: Basic (configured by --basic) or X-Hub-Signature-256 (configured by --verify github) \
         or Stripe-Signature (configured by --verify stripe) \
         or webhook-signature (configured by --verify standard-webhooks) \
         or X-Slack-Signature (configured by --verify slack) \
         or X-Shopify-Hmac-Sha256 (configured by --verify shopify) \
         or X-Gitlab-Token (configured by --verify gitlab) — none presented"
    );
    assert!(
        verdict
            .diagnosis
            .iter()
            .any(|l| l.contains("https://user:pass@host"))
    );
}

#[test]
fn gitlab_signed_mode_without_a_standard_webhooks_secret_says_how_to_configure_it() {
    let req = request(
        &[
            ("x-gitlab-event", "Push Hook"),
            ("webhook-id", "msg_2abc"),
            ("webhook-timestamp", "1699999990"),
            (
                "webhook-signature",
                "v1,vyvV+jLi/EOkggYbpjqkTDron1gQngnwhhzL68l2pPY=",
            ),
        ],
        br#"{"event":"incident.created","id":"inc_789"}"#,
    );
    let verdict = at(&req, &configured(Provider::Gitlab, "gitlab-token-123"));
    assert_eq!(
        (verdict.scheme.as_str(), verdict.verdict),
        ("standard-webhooks", Verdict::Unconfigured)
    );
    assert!(verdict.detail.ends_with("; expected X-Gitlab-Token"));
    assert!(
        verdict
            .diagnosis
            .iter()
            .any(|l| l.contains("--verify standard-webhooks="))
    );
}
