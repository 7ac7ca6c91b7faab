//! `Authorization: Bearer <token>`, Pingara's second mode. Like a shared
//! secret it proves who sent the request, not what it contains.

use super::shared_secret::near_misses;
use super::support::{authorization_parts, secret_matches};
use super::{AuthConfig, AuthVerdict, Verdict, mask};
use crate::model::CapturedRequest;

const SCHEME: &str = "bearer";

/// The token of the first `Authorization: Bearer` header (scheme names are
/// case-insensitive), possibly empty.
fn presented_token(req: &CapturedRequest) -> Option<&str> {
    req.headers_named("authorization").find_map(|field| {
        let value = std::str::from_utf8(&field.value).ok()?;
        let (scheme, token) = authorization_parts(value);
        scheme.eq_ignore_ascii_case("bearer").then_some(token)
    })
}

/// Users paste the whole header value as often as the token; both mean the token.
fn configured_token(configured: &str) -> &str {
    let trimmed = configured.trim_start();
    match trimmed.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => trimmed[7..].trim(),
        _ => configured,
    }
}

fn presented_label(token: &str) -> String {
    format!("Authorization: Bearer {}", mask(token))
}

/// Some when a bearer token is configured and the request presents one.
pub(super) fn check(req: &CapturedRequest, cfg: &AuthConfig) -> Option<AuthVerdict> {
    let configured = configured_token(cfg.bearer.as_deref()?);
    let token = presented_token(req)?;
    let presented = presented_label(token);
    let mut diagnosis = vec![format!("read {presented}")];

    let (verdict, detail) = if token.is_empty() {
        diagnosis.push("the header names the Bearer scheme but carries no token after it".into());
        (
            Verdict::Invalid,
            "malformed Authorization: Bearer has no token".to_owned(),
        )
    } else if secret_matches(token.as_bytes(), configured.as_bytes()) {
        diagnosis.push(
            "a bearer token proves the sender knows it, not that the body is unchanged: \
             the request is not signed"
                .into(),
        );
        (
            Verdict::Valid,
            "authenticated, not signed: Authorization: Bearer token matches".to_owned(),
        )
    } else {
        diagnosis.push(format!("configured: {}", mask(configured)));
        diagnosis.extend(near_misses(token.as_bytes(), configured));
        diagnosis.push(
            "set the same token on the sender's side (Pingara: Authorization: Bearer <token>)"
                .into(),
        );
        (
            Verdict::Invalid,
            "Authorization: Bearer token does not match the configured token".to_owned(),
        )
    };
    Some(
        AuthVerdict::unsigned(SCHEME, verdict, detail)
            .with_presented(presented)
            .with_diagnosis(diagnosis),
    )
}

/// Some when the request presents a bearer token (hookcatch has none configured,
/// or `check` would have taken it).
pub(super) fn unconfigured(req: &CapturedRequest) -> Option<AuthVerdict> {
    let presented = presented_label(presented_token(req)?);
    Some(
        AuthVerdict::unsigned(
            SCHEME,
            Verdict::Unconfigured,
            "Authorization: Bearer presented; no bearer token configured".into(),
        )
        .with_diagnosis(vec![
            format!("read {presented}"),
            "configure the expected bearer token to check it".into(),
        ])
        .with_presented(presented),
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, request};
    use super::*;

    fn expecting(token: &str) -> AuthConfig {
        AuthConfig {
            bearer: Some(token.into()),
            ..AuthConfig::default()
        }
    }

    #[test]
    fn matching_token_is_valid_and_not_signed() {
        let req = request(&[("authorization", "Bearer tok_live_abcdef123456")], b"{}");
        let verdict = at(&req, &expecting("tok_live_abcdef123456"));
        assert_eq!(
            (verdict.scheme.as_str(), verdict.verdict),
            ("bearer", Verdict::Valid)
        );
        assert!(verdict.detail.starts_with("authenticated, not signed"));
        assert!(!verdict.signed);
        assert_eq!(
            verdict.presented.as_deref(),
            Some("Authorization: Bearer tok_… (21 chars)")
        );
    }

    #[test]
    fn scheme_is_case_insensitive_and_configured_prefix_is_tolerated() {
        let req = request(&[("authorization", "bearer tok_live_abcdef123456")], b"");
        assert_eq!(
            at(&req, &expecting("Bearer tok_live_abcdef123456")).verdict,
            Verdict::Valid
        );
    }

    #[test]
    fn wrong_token_is_invalid() {
        let req = request(&[("authorization", "Bearer tok_live_zzzzzz999999")], b"");
        let verdict = at(&req, &expecting("tok_live_abcdef123456"));
        assert_eq!(verdict.verdict, Verdict::Invalid);
        assert!(!format!("{verdict:?}").contains("zzzzzz999999"));
    }

    #[test]
    fn empty_token_is_malformed() {
        let verdict = at(
            &request(&[("authorization", "Bearer")], b""),
            &expecting("tok"),
        );
        assert_eq!(verdict.verdict, Verdict::Invalid);
        assert!(verdict.detail.contains("no token"));
    }

    #[test]
    fn missing_header_names_what_was_expected() {
        let cfg = AuthConfig {
            secret: Some("s".into()),
            bearer: Some("t".into()),
            ..AuthConfig::default()
        };
        let verdict = at(&request(&[], b""), &cfg);
        assert_eq!(verdict.verdict, Verdict::Missing);
        assert_eq!(
            verdict.detail,
            "expected X-Pingara-Secret (configured by --secret) or Authorization: Bearer (configured by --bearer) — none presented"
        );
    }

    #[test]
    fn basic_presented_while_bearer_configured_is_unconfigured() {
        let req = request(&[("authorization", "Basic YWxpY2U6czNjcmV0LXBhc3Mh")], b"");
        let verdict = at(&req, &expecting("tok"));
        assert_eq!(
            (verdict.scheme.as_str(), verdict.verdict),
            ("basic", Verdict::Unconfigured)
        );
        assert!(verdict.detail.ends_with("; expected Authorization: Bearer"));
    }
}
