//! `hookcatch send-test`: Pingara's "Send Test" button as a command. A sample
//! event from the generator is POSTed to the receiver with
//! `Content-Type: application/json` and the chosen authentication, the way
//! Pingara sends it (guide, "Authentication"):
//!
//! - shared secret: `X-Pingara-Secret: <secret>` (header name configurable);
//! - bearer: `Authorization: Bearer <token>`;
//! - basic: `Authorization: Basic base64(user:pass)` (Pingara takes these from
//!   `https://user:pass@host` URLs; a URL with user info works here too).

use base64::Engine as _;

use crate::inspect::auth::PINGARA_SECRET_HEADER;
use crate::model::{CapturedRequest, HeaderField};
use crate::replay::build::{self, BuildError, Outgoing, Target};
use crate::secrets::{MASK, mask_header_value};

/// The path the guide's examples receive on: a send-test's own path, used
/// when the target URL has none.
pub const DEFAULT_PATH: &str = "/pingara-webhook";
pub const USER_AGENT: &str = concat!("hookcatch-send-test/", env!("CARGO_PKG_VERSION"));

/// How the test event authenticates.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Auth {
    #[default]
    None,
    Secret {
        header: String,
        value: String,
    },
    Bearer(String),
    /// `user:pass`.
    Basic(String),
}

impl Auth {
    /// From the flags; more than one scheme is a usage error.
    pub fn choose(
        secret: Option<String>,
        secret_header: Option<String>,
        bearer: Option<String>,
        basic: Option<String>,
    ) -> Result<Auth, String> {
        let given = [secret.is_some(), bearer.is_some(), basic.is_some()]
            .iter()
            .filter(|g| **g)
            .count();
        if given > 1 {
            return Err(
                "choose one of --secret, --bearer and --basic (check HOOKCATCH_SECRET, \
                 HOOKCATCH_BEARER and HOOKCATCH_BASIC too)"
                    .into(),
            );
        }
        if let Some(value) = secret {
            let header = secret_header.unwrap_or_else(|| PINGARA_SECRET_HEADER.into());
            if http::HeaderName::from_bytes(header.as_bytes()).is_err() {
                return Err(format!("--secret-header {header:?} is not a header name"));
            }
            return Ok(Auth::Secret { header, value });
        }
        if let Some(token) = bearer {
            return Ok(Auth::Bearer(token));
        }
        if let Some(pair) = basic {
            if !pair.contains(':') {
                return Err("--basic takes 'user:pass' (with a colon)".into());
            }
            return Ok(Auth::Basic(pair));
        }
        Ok(Auth::None)
    }

    /// The header to send, if any.
    pub fn header(&self) -> Option<HeaderField> {
        match self {
            Auth::None => None,
            Auth::Secret { header, value } => Some(HeaderField::new(
                header.to_ascii_lowercase(),
                value.as_bytes(),
            )),
            Auth::Bearer(token) => Some(HeaderField::new(
                "authorization",
                format!("Bearer {token}").into_bytes(),
            )),
            Auth::Basic(pair) => {
                let encoded = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
                Some(HeaderField::new(
                    "authorization",
                    format!("Basic {encoded}").into_bytes(),
                ))
            }
        }
    }

    /// For printing: the header with its secret masked by `secrets`' one
    /// policy. The user name of Basic credentials is no secret and tells
    /// which account, so it is shown beside the masked value.
    pub fn masked(&self) -> Option<String> {
        let header = self.header()?;
        let masked = mask_header_value(&header.name, &header.value_str());
        Some(match self {
            Auth::Secret { header, .. } => format!("{header}: {masked}"),
            Auth::Basic(pair) => {
                let user = pair.split_once(':').map_or(pair.as_str(), |(user, _)| user);
                format!("Authorization: Basic ({user}:{MASK})")
            }
            _ => format!("Authorization: {masked}"),
        })
    }
}

/// The test event as a request, as Pingara would send it to `path`.
pub fn request(path: &str, body: Vec<u8>, auth: &Auth) -> CapturedRequest {
    let mut headers = vec![
        HeaderField::new("content-type", b"application/json".to_vec()),
        HeaderField::new("user-agent", USER_AGENT.as_bytes()),
    ];
    headers.extend(auth.header());
    CapturedRequest::new("POST", path, headers, body)
}

/// The request ready to send to `url`.
pub fn outgoing(url: &str, body: Vec<u8>, auth: &Auth) -> Result<Outgoing, BuildError> {
    let target = Target::parse(url)?;
    // The same rule as a replay's: the event's own path is the guide's.
    let path = target.for_replay(DEFAULT_PATH);
    build::build(&request(&path, body, auth), &target, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_scheme_at_most() {
        assert_eq!(Auth::choose(None, None, None, None), Ok(Auth::None));
        assert!(Auth::choose(Some("s".into()), None, Some("t".into()), None).is_err());
        assert!(Auth::choose(None, None, None, Some("nocolon".into())).is_err());
        assert!(Auth::choose(Some("s".into()), Some("bad header".into()), None, None).is_err());
        let auth = Auth::choose(Some("s3cret-value".into()), None, None, None).unwrap();
        assert_eq!(auth.header().unwrap().name, "x-pingara-secret");
        assert!(!auth.masked().unwrap().contains("s3cret-value"));
        let basic = Auth::choose(None, None, None, Some("user:pass".into())).unwrap();
        assert_eq!(basic.header().unwrap().value_str(), "Basic dXNlcjpwYXNz");
    }

    #[test]
    fn a_url_with_a_path_is_used_as_given_else_the_guides_path() {
        let out = outgoing(
            "http://127.0.0.1:9/hooks/in?x=1",
            b"{}".to_vec(),
            &Auth::None,
        )
        .unwrap();
        assert_eq!(out.path, "/hooks/in?x=1");
        let out = outgoing(
            "http://127.0.0.1:9",
            b"{}".to_vec(),
            &Auth::Bearer("t".into()),
        )
        .unwrap();
        assert_eq!(out.path, "/pingara-webhook");
        let names: Vec<&str> = out.headers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "host",
                "content-type",
                "user-agent",
                "authorization",
                "content-length"
            ]
        );
    }
}
