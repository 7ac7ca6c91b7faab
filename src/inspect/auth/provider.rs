//! What each verified sender's scheme reads: its header and the scheme name
//! its verdicts carry. The names of the senders are `inspect::provider`'s.

use super::{github, gitlab, mask, shopify, slack, standard_webhooks, stripe};
use crate::inspect::provider::{Provider, UnknownProvider};

impl Provider {
    /// The `scheme` a verdict for this provider carries.
    pub fn scheme(self) -> &'static str {
        match self {
            Provider::Gitlab => gitlab::SCHEME,
            other => other.as_str(),
        }
    }

    /// The header that carries the signature (or token), as people write it;
    /// `None` for senders without a `--verify` scheme.
    pub fn signature_header(self) -> Option<&'static str> {
        match self {
            Provider::Github => Some(github::HEADER),
            Provider::Stripe => Some(stripe::HEADER),
            Provider::StandardWebhooks => Some(standard_webhooks::HEADER),
            Provider::Slack => Some(slack::HEADER),
            Provider::Shopify => Some(shopify::HEADER),
            Provider::Gitlab => Some(gitlab::HEADER),
            Provider::Pingara | Provider::Generic => None,
        }
    }

    /// True when the scheme signs the body (integrity), false for a token.
    pub fn is_signed(self) -> bool {
        self != Provider::Gitlab
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyFlagError {
    #[error("expected PROVIDER=SECRET (e.g. github=mysecret), got {0:?}")]
    NoEquals(String),
    #[error(transparent)]
    UnknownProvider(#[from] UnknownProvider),
    #[error("the secret for {0} is empty")]
    EmptySecret(Provider),
}

/// Parse one `--verify PROVIDER=SECRET` value. Only the first `=` splits, so
/// base64 padding in a secret survives.
pub fn parse_verify_flag(value: &str) -> Result<(Provider, String), VerifyFlagError> {
    let (provider, secret) = value
        .split_once('=')
        .ok_or_else(|| VerifyFlagError::NoEquals(mask(value)))?;
    let provider: Provider = provider.parse()?;
    if secret.is_empty() {
        return Err(VerifyFlagError::EmptySecret(provider));
    }
    Ok((provider, secret.to_owned()))
}
