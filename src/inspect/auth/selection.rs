//! Which scheme applies to a request, and the verdicts that need no secret:
//! `unconfigured`, `missing` and `none`. The order is in the module docs of
//! `auth`; the point is that headers decide, never the shape of a secret.

use chrono::{DateTime, Utc};

use super::support::{HeaderText, authorization_parts, has_header, header_text};
use super::{
    AuthConfig, AuthVerdict, Provider, Verdict, basic, bearer, github, gitlab, mask, shared_secret,
    shopify, slack, standard_webhooks, stripe,
};
use crate::model::CapturedRequest;

// Headers some senders put a bare secret in (the list is `secrets`'s).
// hookcatch has a scheme for one only when it is the configured secret
// header, but showing that a request carries one (masked) beats calling it
// unauthenticated.
use crate::secrets::API_KEY_HEADERS as OTHER_SECRET_HEADERS;

pub(super) fn verify(req: &CapturedRequest, cfg: &AuthConfig, now: DateTime<Utc>) -> AuthVerdict {
    let carried: Vec<Provider> = Provider::VERIFIED
        .into_iter()
        .filter(|p| carried_by(*p, req))
        .collect();
    let (configured, unconfigured): (Vec<_>, Vec<_>) = carried
        .iter()
        .partition(|p| !cfg.secrets_for(**p).is_empty());

    let mut checked: Vec<AuthVerdict> = configured
        .iter()
        .map(|p| verify_provider(*p, req, &cfg.secrets_for(*p), now))
        .collect();
    checked.extend(shared_secret::check(req, cfg));
    checked.extend(bearer::check(req, cfg));
    checked.extend(basic::check(req, cfg));

    if !checked.is_empty() {
        let chosen_at = checked
            .iter()
            .position(|v| v.verdict == Verdict::Valid)
            .unwrap_or(0);
        let mut chosen = checked.remove(chosen_at);
        for other in checked {
            chosen.diagnosis.push(format!(
                "also presented {}: {} ({})",
                other.scheme,
                other.verdict.as_str(),
                other.detail
            ));
        }
        for provider in unconfigured {
            chosen.diagnosis.push(format!(
                "also carries {} ({} has no secret configured)",
                header(provider),
                provider
            ));
        }
        return chosen;
    }

    let presented_without_secret = unconfigured
        .first()
        .map(|p| unconfigured_provider(*p, req))
        .or_else(|| shared_secret::unconfigured(req, cfg))
        .or_else(|| bearer::unconfigured(req))
        .or_else(|| basic::unconfigured(req))
        .or_else(|| other_authorization(req))
        .or_else(|| other_secret_header(req));
    if let Some(mut verdict) = presented_without_secret {
        if !cfg.is_empty() {
            verdict
                .detail
                .push_str(&format!("; expected {}", expected(cfg).join(" or ")));
        }
        verdict.diagnosis.extend(sender_hints(req));
        return verdict;
    }

    if cfg.is_empty() {
        let mut diagnosis =
            vec!["the request carries no credentials or signature hookcatch recognises".into()];
        diagnosis.extend(sender_hints(req));
        return AuthVerdict::unsigned(
            "none",
            Verdict::Unconfigured,
            "no authentication presented; none configured".into(),
        )
        .with_diagnosis(diagnosis);
    }
    missing(req, cfg)
}

/// The signature header of a verified provider (all this file deals with).
fn header(provider: Provider) -> &'static str {
    provider.signature_header().unwrap_or_default()
}

fn carried_by(provider: Provider, req: &CapturedRequest) -> bool {
    match provider {
        Provider::Github => github::carried_by(req),
        Provider::Stripe => stripe::carried_by(req),
        Provider::StandardWebhooks => standard_webhooks::carried_by(req),
        Provider::Slack => slack::carried_by(req),
        Provider::Shopify => shopify::carried_by(req),
        Provider::Gitlab => gitlab::carried_by(req),
        Provider::Pingara | Provider::Generic => false,
    }
}

fn verify_provider(
    provider: Provider,
    req: &CapturedRequest,
    secrets: &[&str],
    now: DateTime<Utc>,
) -> AuthVerdict {
    match provider {
        Provider::Github => github::verify(req, secrets, now),
        Provider::Stripe => stripe::verify(req, secrets, now),
        Provider::StandardWebhooks => standard_webhooks::verify(req, secrets, now),
        Provider::Slack => slack::verify(req, secrets, now),
        Provider::Shopify => shopify::verify(req, secrets, now),
        Provider::Gitlab => gitlab::verify(req, secrets),
        // `--verify` never names these; a hand-built config that does gets
        // told so instead of a verdict.
        Provider::Pingara | Provider::Generic => AuthVerdict::unsigned(
            provider.as_str(),
            Verdict::Unconfigured,
            format!("{} has no signature scheme to verify", provider.label()),
        ),
    }
}

fn presented_by(provider: Provider, req: &CapturedRequest) -> String {
    match provider {
        Provider::Github => github::presented(req),
        Provider::Stripe => stripe::presented(req),
        Provider::StandardWebhooks => standard_webhooks::presented(req),
        Provider::Slack => slack::presented(req),
        Provider::Shopify => shopify::presented(req),
        Provider::Gitlab => gitlab::presented(req),
        Provider::Pingara | Provider::Generic => String::new(),
    }
}

/// Headers that name the sender even when its signature is absent.
fn sender_headers(provider: Provider) -> &'static [&'static str] {
    match provider {
        Provider::Github => github::SENDER_HEADERS,
        Provider::Stripe => &[],
        Provider::StandardWebhooks => standard_webhooks::SENDER_HEADERS,
        Provider::Slack => slack::SENDER_HEADERS,
        Provider::Shopify => shopify::SENDER_HEADERS,
        Provider::Gitlab => gitlab::SENDER_HEADERS,
        Provider::Pingara | Provider::Generic => &[],
    }
}

fn unconfigured_provider(provider: Provider, req: &CapturedRequest) -> AuthVerdict {
    let mut diagnosis = vec![
        format!("read {}: {}", header(provider), presented_by(provider, req)),
        format!(
            "hookcatch has no {} secret, so it cannot check this; add --verify {}=SECRET",
            provider.label(),
            provider
        ),
    ];
    if provider == Provider::StandardWebhooks && has_header(req, "x-gitlab-event") {
        diagnosis.push(
            "GitLab signs with Standard Webhooks when the webhook has a signing token: \
             --verify standard-webhooks=<signing token>"
                .into(),
        );
    }
    AuthVerdict {
        signed: provider.is_signed(),
        ..AuthVerdict::unsigned(
            provider.scheme(),
            Verdict::Unconfigured,
            format!(
                "{} presented; no {} secret configured",
                header(provider),
                provider
            ),
        )
    }
    .with_presented(format!(
        "{}: {}",
        header(provider),
        presented_by(provider, req)
    ))
    .with_diagnosis(diagnosis)
}

/// An Authorization scheme that is neither Bearer nor Basic (Token, Digest, …).
fn other_authorization(req: &CapturedRequest) -> Option<AuthVerdict> {
    let presented = match header_text(req, "authorization") {
        HeaderText::Absent => return None,
        HeaderText::NotText(lossy) => mask(&lossy),
        HeaderText::Text(value) => {
            let (scheme, credentials) = authorization_parts(value);
            format!("{scheme} {}", mask(credentials))
        }
    };
    Some(
        AuthVerdict::unsigned(
            "authorization",
            Verdict::Unconfigured,
            format!("Authorization: {presented} presented; hookcatch checks only Bearer and Basic"),
        )
        .with_presented(format!("Authorization: {presented}"))
        .with_diagnosis(vec![format!("read Authorization: {presented}")]),
    )
}

fn other_secret_header(req: &CapturedRequest) -> Option<AuthVerdict> {
    OTHER_SECRET_HEADERS.into_iter().find_map(|name| {
        let value = match header_text(req, name) {
            HeaderText::Absent => return None,
            HeaderText::NotText(lossy) => lossy,
            HeaderText::Text(value) => value.to_owned(),
        };
        let presented = format!("{name}: {}", mask(&value));
        Some(
            AuthVerdict::unsigned(
                "shared-secret",
                Verdict::Unconfigured,
                format!("{name} presented; no shared secret configured for it"),
            )
            .with_diagnosis(vec![
                format!("read {presented}"),
                format!("to check it, configure a shared secret with {name} as its header"),
            ])
            .with_presented(presented),
        )
    })
}

/// What the configuration expects, as headers, in a stable order.
fn expected(cfg: &AuthConfig) -> Vec<String> {
    expected_from(cfg)
        .into_iter()
        .map(|(header, _)| header)
        .collect()
}

/// [`expected`], each header with the setting that asks for it (`--secret`,
/// `--verify github`): a user who sees "missing" learns which of their own
/// settings the request failed, not only a header name.
fn expected_from(cfg: &AuthConfig) -> Vec<(String, String)> {
    let mut expected = Vec::new();
    if cfg.secret.is_some() {
        expected.push((cfg.secret_header.clone(), "--secret".into()));
    }
    if cfg.bearer.is_some() {
        expected.push(("Authorization: Bearer".into(), "--bearer".into()));
    }
    if cfg.basic.is_some() {
        expected.push(("Authorization: Basic".into(), "--basic".into()));
    }
    for provider in Provider::VERIFIED {
        if !cfg.secrets_for(provider).is_empty() {
            expected.push((header(provider).into(), format!("--verify {provider}")));
        }
    }
    expected
}

fn missing(req: &CapturedRequest, cfg: &AuthConfig) -> AuthVerdict {
    let expected = expected(cfg);
    let mut diagnosis = vec![format!("hookcatch looked for: {}", expected.join(", "))];
    if cfg.secret.is_some() {
        diagnosis.push(format!(
            "a Pingara-style sender adds the shared secret as a custom header: {}: <secret>",
            cfg.secret_header
        ));
    }
    if cfg.basic.is_some() {
        diagnosis.push(
            "Pingara sends Basic credentials only when they are in the webhook URL \
             (https://user:pass@host/path); a URL without them sends none"
                .into(),
        );
    }
    diagnosis.extend(sender_hints(req));
    let wanted: Vec<String> = expected_from(cfg)
        .into_iter()
        .map(|(header, setting)| format!("{header} (configured by {setting})"))
        .collect();
    AuthVerdict::unsigned(
        "none",
        Verdict::Missing,
        format!("expected {} — none presented", wanted.join(" or ")),
    )
    .with_diagnosis(diagnosis)
}

/// "this looks like GitHub, but it is not signed" lines.
/// Only when no provider's signature is carried at all: GitLab's signed mode,
/// for one, carries `X-Gitlab-Event` and a Standard Webhooks signature but no token.
fn sender_hints(req: &CapturedRequest) -> Vec<String> {
    if Provider::VERIFIED.into_iter().any(|p| carried_by(p, req)) {
        return Vec::new();
    }
    Provider::VERIFIED
        .into_iter()
        .filter_map(|p| {
            let seen = sender_headers(p).iter().find(|name| has_header(req, name))?;
            Some(format!(
                "the request carries {seen} ({}) but no {}: the sender has no secret set on its side",
                p.label(),
                header(p)
            ))
        })
        .collect()
}

#[cfg(test)]
#[path = "selection_tests.rs"]
mod tests;
