//! The senders hookcatch verifies by name, as `--verify PROVIDER=SECRET`
//! spells them.

use std::fmt;
use std::str::FromStr;

use super::{github, gitlab, mask, shopify, slack, standard_webhooks, stripe};

/// Senders whose signature (or token) scheme hookcatch verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureProvider {
    Github,
    Stripe,
    StandardWebhooks,
    Slack,
    Shopify,
    Gitlab,
}

impl SignatureProvider {
    pub const ALL: [SignatureProvider; 6] = [
        SignatureProvider::Github,
        SignatureProvider::Stripe,
        SignatureProvider::StandardWebhooks,
        SignatureProvider::Slack,
        SignatureProvider::Shopify,
        SignatureProvider::Gitlab,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SignatureProvider::Github => "github",
            SignatureProvider::Stripe => "stripe",
            SignatureProvider::StandardWebhooks => "standard-webhooks",
            SignatureProvider::Slack => "slack",
            SignatureProvider::Shopify => "shopify",
            SignatureProvider::Gitlab => "gitlab",
        }
    }

    /// The `scheme` a verdict for this provider carries.
    pub fn scheme(self) -> &'static str {
        match self {
            SignatureProvider::Gitlab => gitlab::SCHEME,
            other => other.as_str(),
        }
    }

    /// The header that carries the signature (or token), as people write it.
    pub fn signature_header(self) -> &'static str {
        match self {
            SignatureProvider::Github => github::HEADER,
            SignatureProvider::Stripe => stripe::HEADER,
            SignatureProvider::StandardWebhooks => standard_webhooks::HEADER,
            SignatureProvider::Slack => slack::HEADER,
            SignatureProvider::Shopify => shopify::HEADER,
            SignatureProvider::Gitlab => gitlab::HEADER,
        }
    }

    /// True when the scheme signs the body (integrity), false for a token.
    pub fn is_signed(self) -> bool {
        self != SignatureProvider::Gitlab
    }

    /// The sender's name as its documentation writes it.
    pub fn sender_name(self) -> &'static str {
        match self {
            SignatureProvider::Github => "GitHub",
            SignatureProvider::Stripe => "Stripe",
            SignatureProvider::StandardWebhooks => "Standard Webhooks",
            SignatureProvider::Slack => "Slack",
            SignatureProvider::Shopify => "Shopify",
            SignatureProvider::Gitlab => "GitLab",
        }
    }
}

impl fmt::Display for SignatureProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn provider_names() -> String {
    SignatureProvider::ALL
        .map(SignatureProvider::as_str)
        .join(", ")
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown signature provider {given:?}; valid providers: {}",
    provider_names()
)]
pub struct UnknownProvider {
    pub given: String,
}

impl FromStr for SignatureProvider {
    type Err = UnknownProvider;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        // Svix is the origin of Standard Webhooks and signs the same way.
        if wanted == "svix" || wanted == "standardwebhooks" {
            return Ok(SignatureProvider::StandardWebhooks);
        }
        SignatureProvider::ALL
            .into_iter()
            .find(|p| p.as_str() == wanted)
            .ok_or_else(|| UnknownProvider {
                given: s.to_owned(),
            })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyFlagError {
    #[error("expected PROVIDER=SECRET (e.g. github=mysecret), got {0:?}")]
    NoEquals(String),
    #[error(transparent)]
    UnknownProvider(#[from] UnknownProvider),
    #[error("the secret for {0} is empty")]
    EmptySecret(SignatureProvider),
}

/// Parse one `--verify PROVIDER=SECRET` value. Only the first `=` splits, so
/// base64 padding in a secret survives.
pub fn parse_verify_flag(value: &str) -> Result<(SignatureProvider, String), VerifyFlagError> {
    let (provider, secret) = value
        .split_once('=')
        .ok_or_else(|| VerifyFlagError::NoEquals(mask(value)))?;
    let provider: SignatureProvider = provider.parse()?;
    if secret.is_empty() {
        return Err(VerifyFlagError::EmptySecret(provider));
    }
    Ok((provider, secret.to_owned()))
}
