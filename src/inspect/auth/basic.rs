//! `Authorization: Basic base64(user:pass)`, Pingara's third mode: the
//! sender puts `user:pass@` in the webhook URL and its HTTP client turns it
//! into this header. Authenticated, not signed.

use super::support::{authorization_parts, decode_base64, secret_matches};
use super::{AuthConfig, AuthVerdict, Verdict, mask};
use crate::model::CapturedRequest;

const SCHEME: &str = "basic";

/// The base64 part of the first `Authorization: Basic` header, possibly empty.
fn presented_credentials(req: &CapturedRequest) -> Option<&str> {
    req.headers_named("authorization").find_map(|field| {
        let value = std::str::from_utf8(&field.value).ok()?;
        let (scheme, credentials) = authorization_parts(value);
        scheme.eq_ignore_ascii_case("basic").then_some(credentials)
    })
}

/// `user:pass` with the user shown (user names are not secrets, and seeing
/// the wrong one is the fastest diagnosis) and the password masked.
pub(super) fn mask_credentials(credentials: &[u8]) -> String {
    let text = String::from_utf8_lossy(credentials);
    match text.split_once(':') {
        Some((user, password)) => format!("{user}:{}", mask(password)),
        None => mask(&text),
    }
}

/// `%XX` sequences decoded; anything else kept (`+` too: user info is no
/// form). Credentials in a URL are percent-encoded and some clients forget to
/// decode them before base64.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    crate::inspect::body::form::percent_decode_with(input, false)
}

fn user_of(credentials: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(credentials);
    text.split_once(':').map(|(user, _)| user.to_owned())
}

/// Some when Basic credentials are configured and the request presents some.
pub(super) fn check(req: &CapturedRequest, cfg: &AuthConfig) -> Option<AuthVerdict> {
    let configured = cfg.basic.as_deref()?;
    let encoded = presented_credentials(req)?;
    let Some(decoded) = decode_base64(encoded).filter(|_| !encoded.is_empty()) else {
        let presented = format!("Authorization: Basic {}", mask(encoded));
        let reason = if encoded.is_empty() {
            "carries no credentials"
        } else {
            "credentials are not base64"
        };
        return Some(
            AuthVerdict::unsigned(
                SCHEME,
                Verdict::Invalid,
                format!("malformed Authorization: Basic: {reason}"),
            )
            .with_diagnosis(vec![
                format!("read {presented}"),
                "expected Authorization: Basic base64(user:password)".into(),
            ])
            .with_presented(presented),
        );
    };
    let presented = format!("Authorization: Basic {}", mask_credentials(&decoded));
    let mut diagnosis = vec![format!("read {presented}")];
    if !decoded.contains(&b':') {
        diagnosis.push("the decoded credentials have no ':' (expected user:password)".into());
    }

    if secret_matches(&decoded, configured.as_bytes()) {
        let user = user_of(&decoded).unwrap_or_default();
        diagnosis.push(
            "Basic credentials prove who sent the request, not that the body is unchanged".into(),
        );
        return Some(
            AuthVerdict::unsigned(
                SCHEME,
                Verdict::Valid,
                format!("authenticated, not signed: Authorization: Basic credentials match (user {user})"),
            )
            .with_presented(presented)
            .with_diagnosis(diagnosis),
        );
    }

    diagnosis.push(format!(
        "configured: {}",
        mask_credentials(configured.as_bytes())
    ));
    match (user_of(&decoded), user_of(configured.as_bytes())) {
        (Some(presented_user), Some(configured_user)) if presented_user == configured_user => {
            diagnosis.push(format!(
                "the user {presented_user} matches; the password differs"
            ));
        }
        (Some(presented_user), Some(configured_user)) => {
            diagnosis.push(format!(
                "the user differs: presented {presented_user}, configured {configured_user}"
            ));
        }
        _ => {}
    }
    let configured_decoded = percent_decode(configured.as_bytes());
    if secret_matches(&percent_decode(&decoded), configured.as_bytes())
        || secret_matches(&decoded, &configured_decoded)
    {
        diagnosis.push(
            "they match once %XX escapes are decoded: the credentials came from a URL and one side \
             kept them percent-encoded"
                .into(),
        );
    }
    diagnosis.push(
        "credentials in the webhook URL (https://user:pass@host/path) arrive as this header".into(),
    );
    Some(
        AuthVerdict::unsigned(
            SCHEME,
            Verdict::Invalid,
            "Authorization: Basic credentials do not match".into(),
        )
        .with_presented(presented)
        .with_diagnosis(diagnosis),
    )
}

/// Some when the request presents Basic credentials hookcatch has nothing for.
pub(super) fn unconfigured(req: &CapturedRequest) -> Option<AuthVerdict> {
    let encoded = presented_credentials(req)?;
    let shown =
        decode_base64(encoded).map_or_else(|| mask(encoded), |decoded| mask_credentials(&decoded));
    let presented = format!("Authorization: Basic {shown}");
    Some(
        AuthVerdict::unsigned(
            SCHEME,
            Verdict::Unconfigured,
            "Authorization: Basic presented; no Basic credentials configured".into(),
        )
        .with_diagnosis(vec![
            format!("read {presented}"),
            "configure the expected user:password to check it".into(),
        ])
        .with_presented(presented),
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, request};
    use super::*;

    fn expecting(credentials: &str) -> AuthConfig {
        AuthConfig {
            basic: Some(credentials.into()),
            ..AuthConfig::default()
        }
    }

    // base64 values computed with python3 -c 'import base64; print(base64.b64encode(b"..."))'.
    const ALICE_RIGHT: &str = "Basic YWxpY2U6czNjcmV0LXBhc3Mh"; // alice:s3cret-pass!
    const ALICE_WRONG: &str = "Basic YWxpY2U6d3JvbmctcGFzcw=="; // alice:wrong-pass
    const ALICE_PERCENT: &str = "Basic YWxpY2U6cCU0MHNzJTIwd29yZA=="; // alice:p%40ss%20word

    #[test]
    fn matching_credentials_are_valid_and_show_only_the_user() {
        let verdict = at(
            &request(&[("authorization", ALICE_RIGHT)], b""),
            &expecting("alice:s3cret-pass!"),
        );
        assert_eq!(
            (verdict.scheme.as_str(), verdict.verdict),
            ("basic", Verdict::Valid)
        );
        assert!(verdict.detail.starts_with("authenticated, not signed"));
        assert_eq!(
            verdict.presented.as_deref(),
            Some("Authorization: Basic alice:s3cr… (12 chars)")
        );
        assert!(!verdict.signed);
    }

    #[test]
    fn wrong_password_is_invalid_and_says_the_user_matched() {
        let verdict = at(
            &request(&[("authorization", ALICE_WRONG)], b""),
            &expecting("alice:s3cret-pass!"),
        );
        assert_eq!(verdict.verdict, Verdict::Invalid);
        assert!(
            verdict
                .diagnosis
                .iter()
                .any(|l| l.contains("the user alice matches"))
        );
        assert!(!format!("{verdict:?}").contains("wrong-pass"));
    }

    #[test]
    fn percent_encoded_credentials_from_a_url_are_explained() {
        let verdict = at(
            &request(&[("authorization", ALICE_PERCENT)], b""),
            &expecting("alice:p@ss word"),
        );
        assert_eq!(verdict.verdict, Verdict::Invalid);
        assert!(
            verdict
                .diagnosis
                .iter()
                .any(|l| l.contains("percent-encoded"))
        );
    }

    #[test]
    fn malformed_base64_is_invalid_not_a_panic() {
        for value in ["Basic !!!not-base64!!!", "Basic", "basic ===="] {
            let verdict = at(
                &request(&[("authorization", value)], b""),
                &expecting("alice:x"),
            );
            assert_eq!(verdict.verdict, Verdict::Invalid, "{value}");
            assert!(verdict.detail.starts_with("malformed"), "{value}");
        }
    }

    #[test]
    fn missing_header_is_missing() {
        let verdict = at(&request(&[], b""), &expecting("alice:x"));
        assert_eq!(
            (verdict.verdict, verdict.detail.as_str()),
            (
                Verdict::Missing,
                "expected Authorization: Basic (configured by --basic) — none presented"
            )
        );
    }

    #[test]
    fn percent_decoding_leaves_broken_escapes_alone() {
        assert_eq!(percent_decode(b"a%40b%zz%4"), b"a@b%zz%4".to_vec());
    }
}
