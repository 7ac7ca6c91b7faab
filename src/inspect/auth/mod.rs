//! Does a captured request's authentication hold? Pure: the request, the
//! configured secrets and the clock come in, a verdict with its explanation
//! goes out.
//!
//! Which scheme applies is read from the request's headers, never guessed
//! from the shape of a configured secret (`whsec_` means one thing to Stripe
//! and another to Standard Webhooks). Order of precedence:
//! 1. a provider whose signature header the request carries, when hookcatch
//!    has a secret for it;
//! 2. a configured shared-secret header, Bearer or Basic scheme the request presents;
//! 3. anything the request presents that hookcatch has no secret for
//!    (`unconfigured`, with the value masked);
//! 4. `missing` when something is configured and nothing is presented, or
//!    `none` when neither side has anything.
//!
//! When several schemes apply, a valid one wins and the others are listed in
//! the diagnosis.

mod basic;
mod bearer;
mod github;
mod gitlab;
mod provider;
mod selection;
mod shared_secret;
mod shopify;
mod signed;
mod slack;
mod standard_webhooks;
mod stripe;
mod support;

use chrono::{DateTime, Utc};

use crate::model::CapturedRequest;

pub use crate::inspect::provider::{Provider, UnknownProvider};
pub use provider::{VerifyFlagError, parse_verify_flag};

/// The header Pingara's guide tells users to send their shared secret in.
pub const PINGARA_SECRET_HEADER: &str = "X-Pingara-Secret";

/// What hookcatch knows to check requests against.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// Shared secret, checked against header `secret_header`.
    pub secret: Option<String>,
    /// Where the shared secret arrives; names compare case-insensitively.
    pub secret_header: String,
    /// Expected `Authorization: Bearer <token>`.
    pub bearer: Option<String>,
    /// Expected `user:pass` in `Authorization: Basic base64(user:pass)`.
    pub basic: Option<String>,
    /// `--verify PROVIDER=SECRET`, repeatable; several secrets for one
    /// provider are all tried (key rotation, several endpoints).
    pub verify: Vec<(Provider, String)>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            secret: None,
            secret_header: PINGARA_SECRET_HEADER.into(),
            bearer: None,
            basic: None,
            verify: Vec::new(),
        }
    }
}

impl AuthConfig {
    /// Nothing to check against.
    pub fn is_empty(&self) -> bool {
        self.secret.is_none()
            && self.bearer.is_none()
            && self.basic.is_none()
            && self.verify.is_empty()
    }

    /// Every secret configured for one provider, in the order given.
    pub fn secrets_for(&self, provider: Provider) -> Vec<&str> {
        self.verify
            .iter()
            .filter(|(p, _)| *p == provider)
            .map(|(_, secret)| secret.as_str())
            .collect()
    }

    /// One line per configured scheme, secrets masked; for printing the
    /// effective configuration.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(secret) = &self.secret {
            lines.push(format!("{}: {}", self.secret_header, mask(secret)));
        }
        if let Some(token) = &self.bearer {
            lines.push(format!("Authorization: Bearer {}", mask(token)));
        }
        if let Some(credentials) = &self.basic {
            lines.push(format!(
                "Authorization: Basic {}",
                basic::mask_credentials(credentials.as_bytes())
            ));
        }
        for (provider, secret) in &self.verify {
            lines.push(format!(
                "{} ({}): {}",
                provider.signature_header().unwrap_or_default(),
                provider,
                mask(secret)
            ));
        }
        lines
    }
}

/// The answer, in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Valid,
    Invalid,
    /// Schemes are configured but the request presents none of them.
    Missing,
    /// The request presents something hookcatch has no secret for (or
    /// neither side has anything).
    Unconfigured,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
            Verdict::Missing => "missing",
            Verdict::Unconfigured => "unconfigured",
        }
    }
}

/// The verdict on one request, with enough explanation to fix the sender.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AuthVerdict {
    /// "pingara-secret", "shared-secret", "bearer", "basic", "authorization",
    /// a provider's `scheme()`, or "none".
    pub scheme: String,
    pub verdict: Verdict,
    /// One line, e.g. "authenticated, not signed: X-Pingara-Secret matches".
    pub detail: String,
    /// The longer explanation for the Auth tab and `show`.
    #[serde(skip)]
    pub diagnosis: Vec<String>,
    /// What the request presented, masked (signatures shortened).
    #[serde(skip)]
    pub presented: Option<String>,
    /// True only for HMAC schemes: a valid verdict then also proves the body
    /// is what the sender signed. Secrets, tokens and passwords prove who
    /// sent it, never what.
    #[serde(skip)]
    pub signed: bool,
}

impl AuthVerdict {
    fn unsigned(scheme: &str, verdict: Verdict, detail: String) -> Self {
        Self {
            scheme: scheme.into(),
            verdict,
            detail,
            diagnosis: Vec::new(),
            presented: None,
            signed: false,
        }
    }

    /// A verdict of an HMAC scheme, whatever its outcome.
    fn for_signed_scheme(scheme: &str, verdict: Verdict, detail: String) -> Self {
        Self {
            signed: true,
            ..Self::unsigned(scheme, verdict, detail)
        }
    }

    fn with_presented(mut self, presented: String) -> Self {
        self.presented = Some(presented);
        self
    }

    fn with_diagnosis(mut self, diagnosis: Vec<String>) -> Self {
        self.diagnosis = diagnosis;
        self
    }
}

/// Check a request's authentication. `now` is only for timestamp tolerance.
pub fn verify(req: &CapturedRequest, cfg: &AuthConfig, now: DateTime<Utc>) -> AuthVerdict {
    let mut verdict = selection::verify(req, cfg, now);
    // Every line may quote what the request sent; each must stay one line.
    let lines = std::iter::once(&mut verdict.detail)
        .chain(verdict.presented.as_mut())
        .chain(verdict.diagnosis.iter_mut());
    for line in lines {
        // Rebuilt only when it needs escaping; most lines are fine as they are.
        if line.chars().any(char::is_control) {
            *line = support::one_line(line);
        }
    }
    verdict
}

/// A secret reduced to a hint for a diagnosis; the masking policy lives in
/// `secrets`.
pub use crate::secrets::hint as mask;

#[cfg(test)]
mod tests;
