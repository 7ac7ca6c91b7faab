//! GitLab's secret-token mode: `X-Gitlab-Token` carries the webhook's
//! secret token as is. It authenticates, it does not sign. (GitLab's signed
//! mode sends Standard Webhooks headers and is verified there.)

use super::shared_secret::near_misses;
use super::support::secret_matches;
use super::{AuthVerdict, Verdict, mask};
use crate::model::CapturedRequest;

pub(super) const HEADER: &str = "X-Gitlab-Token";
pub(super) const SENDER_HEADERS: &[&str] = &["X-Gitlab-Event", "X-Gitlab-Instance"];
pub(super) const SCHEME: &str = "gitlab-token";

pub(super) fn carried_by(req: &CapturedRequest) -> bool {
    req.headers_named(HEADER).next().is_some()
}

fn token(req: &CapturedRequest) -> &[u8] {
    req.headers_named(HEADER)
        .next()
        .map_or(&[], |field| field.value.as_slice())
}

pub(super) fn presented(req: &CapturedRequest) -> String {
    mask(&String::from_utf8_lossy(token(req)))
}

pub(super) fn verify(req: &CapturedRequest, secrets: &[&str]) -> AuthVerdict {
    let token = token(req);
    let presented = format!("{HEADER}: {}", presented(req));
    let mut diagnosis = vec![format!("read {presented}")];
    let matched = secrets
        .iter()
        .find(|secret| secret_matches(token, secret.as_bytes()));
    let (verdict, detail) = match matched {
        Some(_) => {
            diagnosis.push(
                "a token proves the sender knows it, not that the body is unchanged: the request is not signed \
                 (GitLab signs only with a signing token, via webhook-signature)"
                    .into(),
            );
            (
                Verdict::Valid,
                format!("authenticated, not signed: {HEADER} matches"),
            )
        }
        None => {
            for secret in secrets {
                diagnosis.push(format!("configured: {}", mask(secret)));
            }
            if let Some(first) = secrets.first() {
                diagnosis.extend(near_misses(token, first));
            }
            diagnosis.push("set the same value as the webhook's Secret token in GitLab".into());
            (
                Verdict::Invalid,
                format!("{HEADER} does not match the configured token"),
            )
        }
    };
    AuthVerdict::unsigned(SCHEME, verdict, detail)
        .with_presented(presented)
        .with_diagnosis(diagnosis)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, configured, request};
    use super::super::{Provider, Verdict};

    const TOKEN: &str = "glpat-style-token-0123";

    #[test]
    fn matching_token_is_valid_but_not_signed() {
        let req = request(
            &[("x-gitlab-event", "Push Hook"), ("x-gitlab-token", TOKEN)],
            b"{}",
        );
        let verdict = at(&req, &configured(Provider::Gitlab, TOKEN));
        assert_eq!(
            (verdict.scheme.as_str(), verdict.verdict),
            ("gitlab-token", Verdict::Valid)
        );
        assert_eq!(
            verdict.detail,
            "authenticated, not signed: X-Gitlab-Token matches"
        );
        assert!(!verdict.signed);
        assert_eq!(
            verdict.presented.as_deref(),
            Some("X-Gitlab-Token: glpa… (22 chars)")
        );
    }

    #[test]
    fn wrong_token_is_invalid_and_masked() {
        let req = request(&[("x-gitlab-token", "glpat-other-token-9999")], b"{}");
        let verdict = at(&req, &configured(Provider::Gitlab, TOKEN));
        assert_eq!(verdict.verdict, Verdict::Invalid);
        assert!(!format!("{verdict:?}").contains("other-token-9999"));
        assert!(
            verdict
                .diagnosis
                .iter()
                .any(|l| l.contains("Secret token in GitLab"))
        );
    }

    #[test]
    fn token_with_a_trailing_space_is_explained() {
        let req = request(&[("x-gitlab-token", &format!("{TOKEN} "))], b"{}");
        let verdict = at(&req, &configured(Provider::Gitlab, TOKEN));
        assert_eq!(verdict.verdict, Verdict::Invalid);
        assert!(
            verdict
                .diagnosis
                .iter()
                .any(|l| l.contains("surrounding whitespace"))
        );
    }

    #[test]
    fn missing_token_is_missing_and_names_gitlab() {
        let req = request(&[("x-gitlab-event", "Push Hook")], b"{}");
        let verdict = at(&req, &configured(Provider::Gitlab, TOKEN));
        assert_eq!(
            (verdict.verdict, verdict.detail.as_str()),
            (
                Verdict::Missing,
                "expected X-Gitlab-Token (configured by --verify gitlab) — none presented"
            )
        );
        assert!(
            verdict
                .diagnosis
                .iter()
                .any(|l| l.contains("X-Gitlab-Event (GitLab)"))
        );
    }

    #[test]
    fn unconfigured_token_is_shown_masked() {
        let req = request(&[("x-gitlab-token", TOKEN)], b"{}");
        let verdict = at(&req, &Default::default());
        assert_eq!(
            (verdict.scheme.as_str(), verdict.verdict),
            ("gitlab-token", Verdict::Unconfigured)
        );
        assert!(!verdict.signed);
        assert_eq!(
            verdict.presented.as_deref(),
            Some("X-Gitlab-Token: glpa… (22 chars)")
        );
    }
}
