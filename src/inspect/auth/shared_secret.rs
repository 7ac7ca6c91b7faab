//! A shared secret in a custom header, Pingara's first mode
//! (`X-Pingara-Secret: <secret>`). It proves the sender knows the secret;
//! it says nothing about the body, so a match is "authenticated, not signed".

use super::support::{secret_matches, shorten};
use super::{AuthConfig, AuthVerdict, PINGARA_SECRET_HEADER, Verdict, mask};
use crate::model::CapturedRequest;

fn scheme(header: &str) -> &'static str {
    if header.eq_ignore_ascii_case(PINGARA_SECRET_HEADER) {
        "pingara-secret"
    } else {
        "shared-secret"
    }
}

/// The first value of `header`, lossily as text for display, and how many
/// values there were (a proxy may add a second one).
fn first_value<'a>(req: &'a CapturedRequest, header: &'a str) -> Option<(&'a [u8], usize)> {
    let mut values = req.headers_named(header);
    let first = values.next()?;
    Some((first.value.as_slice(), 1 + values.count()))
}

fn show(value: &[u8]) -> String {
    mask(&String::from_utf8_lossy(value))
}

/// Some when a shared secret is configured and the request carries its header.
pub(super) fn check(req: &CapturedRequest, cfg: &AuthConfig) -> Option<AuthVerdict> {
    let configured = cfg.secret.as_deref()?;
    let header = cfg.secret_header.as_str();
    let (value, count) = first_value(req, header)?;
    let presented = format!("{header}: {}", show(value));
    let mut diagnosis = vec![format!("read {presented}")];
    if count > 1 {
        diagnosis.push(format!(
            "{header} appears {count} times; only the first is checked"
        ));
    }

    if secret_matches(value, configured.as_bytes()) {
        diagnosis.push(
            "a shared secret proves the sender knows it, not that the body is unchanged: \
             the request is not signed"
                .into(),
        );
        return Some(
            AuthVerdict::unsigned(
                scheme(header),
                Verdict::Valid,
                format!("authenticated, not signed: {header} matches"),
            )
            .with_presented(presented)
            .with_diagnosis(diagnosis),
        );
    }

    diagnosis.push(format!("configured: {}", mask(configured)));
    diagnosis.extend(near_misses(value, configured));
    diagnosis.push(format!(
        "set the same value on the sender's side (Pingara: alert policy → webhook channel → \
         authentication headers → {header})"
    ));
    Some(
        AuthVerdict::unsigned(
            scheme(header),
            Verdict::Invalid,
            format!("{header} does not match the configured secret"),
        )
        .with_presented(presented)
        .with_diagnosis(diagnosis),
    )
}

/// Causes worth naming when a secret does not match: what got added
/// around it on the way, or simply a different length.
pub(super) fn near_misses(presented: &[u8], configured: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(presented);
    let configured_trimmed = configured.trim();
    let mut hints = Vec::new();
    let trimmed = text.trim();
    if trimmed.len() != text.len()
        && secret_matches(trimmed.as_bytes(), configured_trimmed.as_bytes())
    {
        hints.push("the values match once surrounding whitespace is removed: one side has extra spaces or a newline".into());
    }
    let unquoted = trimmed.trim_matches(|c| c == '"' || c == '\'');
    if unquoted.len() != trimmed.len()
        && secret_matches(unquoted.as_bytes(), configured_trimmed.as_bytes())
    {
        hints.push(
            "the values match without the quotes: the sender sends the quotes as part of the value"
                .into(),
        );
    }
    let lower = trimmed.to_ascii_lowercase();
    if lower.starts_with("bearer ") {
        let rest = trimmed.get("bearer ".len()..).unwrap_or_default().trim();
        if secret_matches(rest.as_bytes(), configured_trimmed.as_bytes()) {
            hints.push("the value matches after its \"Bearer \" prefix: send the bare secret in this header".into());
        }
    }
    if configured.len() != configured_trimmed.len() {
        hints.push("the configured secret itself has surrounding whitespace".into());
    }
    let (presented_chars, configured_chars) = (text.chars().count(), configured.chars().count());
    if hints.is_empty() && presented_chars != configured_chars {
        hints.push(format!(
            "presented value is {presented_chars} chars, configured secret is {configured_chars} chars"
        ));
    }
    if text.contains('\u{fffd}') {
        hints.push(format!("the value is not valid UTF-8 ({})", shorten(&text)));
    }
    hints
}

/// Some when the request carries a shared-secret header hookcatch has no
/// secret for: the configured header with no secret set, or Pingara's
/// header while hookcatch expects another one.
pub(super) fn unconfigured(req: &CapturedRequest, cfg: &AuthConfig) -> Option<AuthVerdict> {
    let mut candidates = Vec::new();
    if cfg.secret.is_none() {
        candidates.push(cfg.secret_header.as_str());
    }
    if !cfg
        .secret_header
        .eq_ignore_ascii_case(PINGARA_SECRET_HEADER)
    {
        candidates.push(PINGARA_SECRET_HEADER);
    }
    candidates.into_iter().find_map(|header| {
        let (value, _) = first_value(req, header)?;
        let presented = format!("{header}: {}", show(value));
        let mut diagnosis = vec![format!("read {presented}")];
        if cfg.secret.is_some() {
            diagnosis.push(format!(
                "hookcatch's shared secret is configured for {}, not {header}",
                cfg.secret_header
            ));
        } else {
            diagnosis.push(format!("configure the shared secret to check {header}"));
        }
        Some(
            AuthVerdict::unsigned(
                scheme(header),
                Verdict::Unconfigured,
                format!("{header} presented; no shared secret configured for it"),
            )
            .with_presented(presented)
            .with_diagnosis(diagnosis),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, request};
    use super::*;

    fn pingara(secret: &str) -> AuthConfig {
        AuthConfig {
            secret: Some(secret.into()),
            ..AuthConfig::default()
        }
    }

    #[test]
    fn matching_secret_is_valid_but_not_signed() {
        let req = request(&[("x-pingara-secret", "pg-shared-secret-123")], b"{}");
        let verdict = at(&req, &pingara("pg-shared-secret-123"));
        assert_eq!(verdict.verdict, Verdict::Valid);
        assert_eq!(verdict.scheme, "pingara-secret");
        assert_eq!(
            verdict.detail,
            "authenticated, not signed: X-Pingara-Secret matches"
        );
        assert!(!verdict.signed);
        assert_eq!(
            verdict.presented.as_deref(),
            Some("X-Pingara-Secret: pg-s… (20 chars)")
        );
    }

    #[test]
    fn wrong_secret_is_invalid_and_never_shows_either_secret() {
        let req = request(&[("x-pingara-secret", "pg-wrong-secret-9999")], b"{}");
        let verdict = at(&req, &pingara("pg-shared-secret-123"));
        assert_eq!(verdict.verdict, Verdict::Invalid);
        let all = format!("{verdict:?}");
        assert!(!all.contains("pg-wrong-secret-9999") && !all.contains("pg-shared-secret-123"));
    }

    #[test]
    fn whitespace_around_the_secret_is_named() {
        let req = request(&[("x-pingara-secret", "\"pg-shared-secret-123\"")], b"{}");
        let verdict = at(&req, &pingara("pg-shared-secret-123"));
        assert_eq!(verdict.verdict, Verdict::Invalid);
        assert!(
            verdict
                .diagnosis
                .iter()
                .any(|l| l.contains("without the quotes"))
        );
    }

    #[test]
    fn custom_header_names_compare_case_insensitively() {
        let cfg = AuthConfig {
            secret: Some("hook-secret".into()),
            secret_header: "X-Hook-Secret".into(),
            ..AuthConfig::default()
        };
        let verdict = at(&request(&[("x-hook-secret", "hook-secret")], b""), &cfg);
        assert_eq!(
            (verdict.scheme.as_str(), verdict.verdict),
            ("shared-secret", Verdict::Valid)
        );
        // Pingara's default header while another is configured: shown, not checked.
        let verdict = at(&request(&[("x-pingara-secret", "hook-secret")], b""), &cfg);
        assert_eq!(
            (verdict.scheme.as_str(), verdict.verdict),
            ("pingara-secret", Verdict::Unconfigured)
        );
        assert!(verdict.detail.contains("expected X-Hook-Secret"));
    }

    #[test]
    fn absent_header_is_missing_and_names_it() {
        let verdict = at(
            &request(&[("content-type", "application/json")], b"{}"),
            &pingara("s"),
        );
        assert_eq!(verdict.verdict, Verdict::Missing);
        assert_eq!(
            verdict.detail,
            "expected X-Pingara-Secret (configured by --secret) — none presented"
        );
    }

    #[test]
    fn unconfigured_secret_is_shown_masked() {
        let verdict = at(
            &request(&[("x-pingara-secret", "pg-shared-secret-123")], b""),
            &AuthConfig::default(),
        );
        assert_eq!(verdict.verdict, Verdict::Unconfigured);
        assert_eq!(
            verdict.presented.as_deref(),
            Some("X-Pingara-Secret: pg-s… (20 chars)")
        );
    }

    #[test]
    fn non_utf8_value_is_compared_as_bytes_without_panicking() {
        let mut req = request(&[], b"");
        req.headers.push(crate::model::HeaderField::new(
            "x-pingara-secret",
            vec![0xff, 0xfe, 0x00],
        ));
        assert_eq!(
            at(&req, &pingara("pg-shared-secret-123")).verdict,
            Verdict::Invalid
        );
    }
}
