//! Shared test helpers, the selection rules, the public types and the
//! never-panics property. Each scheme's own cases live beside it.

use chrono::{DateTime, Utc};
use proptest::prelude::*;

use super::*;
use crate::model::{CapturedRequest, HeaderField};

/// The fixed clock of every test: 2023-11-14T22:13:20Z.
pub(super) const NOW: i64 = 1_700_000_000;

pub(super) fn request(headers: &[(&str, &str)], body: &[u8]) -> CapturedRequest {
    let headers = headers
        .iter()
        .map(|(name, value)| HeaderField::new(*name, value.as_bytes()))
        .collect();
    CapturedRequest::new("POST", "/hook", headers, body.to_vec())
}

pub(super) fn at_time(req: &CapturedRequest, cfg: &AuthConfig, unix_seconds: i64) -> AuthVerdict {
    let now = DateTime::<Utc>::from_timestamp(unix_seconds, 0).unwrap_or_default();
    verify(req, cfg, now)
}

pub(super) fn at(req: &CapturedRequest, cfg: &AuthConfig) -> AuthVerdict {
    at_time(req, cfg, NOW)
}

pub(super) fn configured(provider: Provider, secret: &str) -> AuthConfig {
    AuthConfig {
        verify: vec![(provider, secret.into())],
        ..AuthConfig::default()
    }
}

pub(super) const STANDARD_VECTOR_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[test]
fn verdicts_serialize_without_the_explanation() {
    let verdict = at(&request(&[], b""), &AuthConfig::default());
    let json = serde_json::to_value(&verdict).unwrap_or_default();
    assert_eq!(
        json,
        serde_json::json!({"scheme": "none", "verdict": "unconfigured", "detail": "no authentication presented; none configured"})
    );
    for verdict in [
        Verdict::Valid,
        Verdict::Invalid,
        Verdict::Missing,
        Verdict::Unconfigured,
    ] {
        assert_eq!(
            serde_json::to_value(verdict).unwrap_or_default(),
            verdict.as_str()
        );
    }
}

#[test]
fn mask_keeps_four_characters_of_long_values_only() {
    assert_eq!(mask(""), "(empty)");
    assert_eq!(mask("short"), "•••• (5 chars)");
    assert_eq!(mask("elevenchars"), "•••• (11 chars)");
    assert_eq!(mask("twelve_chars"), "twel… (12 chars)");
    assert_eq!(
        mask("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        "whse… (38 chars)"
    );
    assert_eq!(mask("ééééééééééééé"), "éééé… (13 chars)");
}

#[test]
fn providers_parse_and_print_by_name() {
    for provider in Provider::VERIFIED {
        assert_eq!(provider.as_str().parse::<Provider>(), Ok(provider));
    }
    assert_eq!("Standard_Webhooks".parse(), Ok(Provider::StandardWebhooks));
    assert_eq!("svix".parse(), Ok(Provider::StandardWebhooks));
    let error = "bitbucket"
        .parse::<Provider>()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        error,
        "unknown signature provider \"bitbucket\"; valid providers: github, stripe, standard-webhooks, slack, shopify, gitlab"
    );
}

#[test]
fn verify_flags_split_on_the_first_equals_sign() {
    assert_eq!(
        parse_verify_flag("github=abc=="),
        Ok((Provider::Github, "abc==".into()))
    );
    assert_eq!(
        parse_verify_flag("github="),
        Err(VerifyFlagError::EmptySecret(Provider::Github))
    );
    assert!(matches!(
        parse_verify_flag("github"),
        Err(VerifyFlagError::NoEquals(_))
    ));
    assert!(matches!(
        parse_verify_flag("gitea=x"),
        Err(VerifyFlagError::UnknownProvider(_))
    ));
}

#[test]
fn config_defaults_and_description_mask_every_secret() {
    let default = AuthConfig::default();
    assert!(default.is_empty());
    assert_eq!(default.secret_header, "X-Pingara-Secret");
    let cfg = AuthConfig {
        secret: Some("pg-shared-secret-123".into()),
        basic: Some("alice:s3cret-pass!".into()),
        verify: vec![(
            Provider::Stripe,
            "whsec_stripe_test_0123456789abcdef".into(),
        )],
        ..AuthConfig::default()
    };
    assert!(!cfg.is_empty());
    let described = cfg.describe().join("\n");
    assert_eq!(
        described,
        "X-Pingara-Secret: pg-s… (20 chars)\nAuthorization: Basic alice:s3cr… (12 chars)\n\
         Stripe-Signature (stripe): whse… (34 chars)"
    );
}

/// Header names that steer verification, plus anything at all.
fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "authorization",
            "x-pingara-secret",
            "x-hub-signature-256",
            "x-hub-signature",
            "stripe-signature",
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
            "svix-id",
            "svix-timestamp",
            "svix-signature",
            "x-slack-signature",
            "x-slack-request-timestamp",
            "x-shopify-hmac-sha256",
            "x-gitlab-token",
            "x-gitlab-event",
            "x-api-key",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,20}",
    ]
}

/// Values shaped like the real thing often enough to get past the parsers.
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..120),
        "[ -~]{0,120}".prop_map(String::into_bytes),
        "t=[0-9]{0,22},v1=[0-9a-f]{0,70}(,v0=[0-9a-z]{0,8})?".prop_map(String::into_bytes),
        "(v1a?,[A-Za-z0-9+/=]{0,48} ?){0,4}".prop_map(String::into_bytes),
        "(sha256|v0)=[0-9a-fA-F]{0,66}".prop_map(String::into_bytes),
        "-?[0-9]{0,25}".prop_map(String::into_bytes),
        "(Bearer|Basic|basic) [A-Za-z0-9+/=:%]{0,40}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #[test]
    fn verify_never_panics(
        headers in prop::collection::vec((header_name(), header_value()), 0..8),
        body in prop::collection::vec(any::<u8>(), 0..200),
        secret in "[ -~]{0,40}",
        now in -100_000_000_000i64..100_000_000_000i64,
        custom_header in prop::option::of("[ -~]{0,20}"),
    ) {
        let mut cfg = AuthConfig {
            secret: Some(secret.clone()),
            bearer: Some(secret.clone()),
            basic: Some(format!("user:{secret}")),
            ..AuthConfig::default()
        };
        if let Some(name) = custom_header {
            cfg.secret_header = name;
        }
        for provider in Provider::VERIFIED {
            cfg.verify.push((provider, secret.clone()));
            cfg.verify.push((provider, STANDARD_VECTOR_SECRET.into()));
        }
        let headers = headers.into_iter().map(|(name, value)| HeaderField::new(name, value)).collect();
        let req = CapturedRequest::new("POST", "/", headers, body);
        for config in [&cfg, &AuthConfig::default()] {
            let verdict = at_time(&req, config, now);
            prop_assert!(!verdict.scheme.is_empty());
            prop_assert!(!verdict.detail.is_empty());
            prop_assert!(!verdict.detail.contains('\n'));
            prop_assert!(verdict.diagnosis.iter().all(|line| !line.contains('\n')));
            prop_assert!(verdict.presented.iter().all(|shown| !shown.contains('\n')));
        }
    }
}
