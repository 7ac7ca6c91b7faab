//! The senders hookcatch knows by name: one enum for the event a request
//! carries (`inspect::event`), the signature it is checked against
//! (`inspect::auth`, `--verify PROVIDER=SECRET`) and every place a provider is
//! printed. The names live here only; what each scheme checks lives with its
//! checker in `auth/` (see `auth::provider` for the header of each).

use std::fmt;
use std::str::FromStr;

/// Who sent the webhook.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    Pingara,
    Github,
    Stripe,
    StandardWebhooks,
    Slack,
    Shopify,
    Gitlab,
    Generic,
}

impl Provider {
    /// Every sender, in the order events are detected and listed.
    pub const ALL: [Provider; 8] = [
        Provider::Pingara,
        Provider::Github,
        Provider::Stripe,
        Provider::StandardWebhooks,
        Provider::Slack,
        Provider::Shopify,
        Provider::Gitlab,
        Provider::Generic,
    ];

    /// The senders whose signature (or token) hookcatch verifies with a
    /// `--verify PROVIDER=SECRET`. Pingara's shared secret is `--secret`.
    pub const VERIFIED: [Provider; 6] = [
        Provider::Github,
        Provider::Stripe,
        Provider::StandardWebhooks,
        Provider::Slack,
        Provider::Shopify,
        Provider::Gitlab,
    ];

    /// Stable machine name: the serde form, the `--verify` name and the
    /// `HOOKCATCH_VERIFY_*` suffix.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Pingara => "pingara",
            Provider::Github => "github",
            Provider::Stripe => "stripe",
            Provider::StandardWebhooks => "standard-webhooks",
            Provider::Slack => "slack",
            Provider::Shopify => "shopify",
            Provider::Gitlab => "gitlab",
            Provider::Generic => "generic",
        }
    }

    /// The sender's name as its documentation writes it: "GitHub",
    /// "Standard Webhooks".
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Provider::Pingara => "Pingara",
            Provider::Github => "GitHub",
            Provider::Stripe => "Stripe",
            Provider::StandardWebhooks => "Standard Webhooks",
            Provider::Slack => "Slack",
            Provider::Shopify => "Shopify",
            Provider::Gitlab => "GitLab",
            Provider::Generic => "generic sender",
        }
    }

    /// Can `--verify` name it?
    #[must_use]
    pub fn is_verified(self) -> bool {
        Provider::VERIFIED.contains(&self)
    }

    /// `github, stripe, …`: the names `--verify` takes, for help and errors.
    #[must_use]
    pub fn verified_names() -> String {
        Provider::VERIFIED.map(Provider::as_str).join(", ")
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown signature provider {given:?}; valid providers: {}",
    Provider::verified_names()
)]
pub struct UnknownProvider {
    pub given: String,
}

/// A provider as `--verify`, `HOOKCATCH_VERIFY_*` and the config file's
/// `[verify]` name it: only the [`Provider::VERIFIED`] ones, case and `_`
/// forgiven, `svix` for Standard Webhooks.
impl FromStr for Provider {
    type Err = UnknownProvider;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        // Svix is the origin of Standard Webhooks and signs the same way.
        if wanted == "svix" || wanted == "standardwebhooks" {
            return Ok(Provider::StandardWebhooks);
        }
        Provider::VERIFIED
            .into_iter()
            .find(|p| p.as_str() == wanted)
            .ok_or_else(|| UnknownProvider {
                given: s.to_owned(),
            })
    }
}
