//! The one masking policy: which parts of a request carry secrets, and how
//! they look when a person reads them.
//!
//! Masked are the values of secret headers (credentials, signatures, cookies,
//! API keys, the configured shared-secret header), the password of a URL's
//! user info (or the whole user info when it is a bare token) and the values
//! of query parameters named like a token, key, secret, password or
//! signature. A masked value is [`MASK`]: no character of it and not its
//! length (a length narrows a guess). `Authorization` keeps its scheme word
//! (`Bearer ••••`): which scheme was used is the first thing to check.
//!
//! Human output masks by default (`--reveal` shows); JSON and exports keep
//! exact values, since they are data for replay and import, unless
//! `--mask-secrets` asks for the same masking. Every output that masks goes
//! through [`Masking`], so the rules live here only.

use std::borrow::Cow;

use crate::inspect::auth::Provider;
use crate::model::{CapturedRequest, HeaderField};
use crate::store::Delivery;

/// What a masked value looks like.
pub const MASK: &str = "••••";

/// Headers that carry a credential or a signature, lower case. Every
/// provider's signature header is added by [`is_secret_header`] too.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-pingara-secret",
    "cookie",
    "set-cookie",
    "x-hub-signature",
    "x-hub-signature-256",
    "stripe-signature",
    "webhook-signature",
    "svix-signature",
    "x-slack-signature",
    "x-shopify-hmac-sha256",
    "x-gitlab-token",
    "x-twilio-signature",
    "x-signature",
    "x-webhook-signature",
];

/// Headers some senders put a bare secret or API key in. Inspection reports a
/// request that carries one as presenting a credential it has no secret for.
pub const API_KEY_HEADERS: [&str; 5] = [
    "X-Api-Key",
    "Api-Key",
    "X-Auth-Token",
    "X-Webhook-Secret",
    "X-Webhook-Token",
];

/// Is a header of this name secret? `configured` is the configured
/// shared-secret header (`--secret-header`).
pub fn is_secret_header(name: &str, configured: &str) -> bool {
    let name = name.trim();
    name.eq_ignore_ascii_case(configured)
        || SECRET_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h))
        || API_KEY_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h))
        || Provider::VERIFIED
            .iter()
            .filter_map(|p| p.signature_header())
            .any(|h| name.eq_ignore_ascii_case(h))
}

/// A secret header's value as shown masked: `Authorization` and
/// `Proxy-Authorization` keep their scheme word, everything else is [`MASK`].
pub fn mask_header_value(name: &str, value: &str) -> String {
    let credentials = name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("proxy-authorization");
    if credentials
        && let Some((scheme, _)) = value.trim_start().split_once(' ')
        && (1..=16).contains(&scheme.len())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return format!("{scheme} {MASK}");
    }
    MASK.to_string()
}

/// Words that make a query parameter secret when its name is one of them or
/// is made of them (`api_key`, `hub.verify_token`, `X-Amz-Signature`).
const SECRET_WORDS: &[&str] = &[
    "token",
    "key",
    "apikey",
    "secret",
    "password",
    "passwd",
    "pwd",
    "pass",
    "signature",
    "sig",
    "auth",
    "credential",
    "credentials",
    "session",
    "jwt",
    "hmac",
];

/// Pieces that make a name secret wherever they appear in it, for names
/// written without separators (`accessToken`, `clientsecret`).
const SECRET_PIECES: &[&str] = &["token", "secret", "password", "apikey", "signature"];

/// Is a query parameter of this name (percent-encoding allowed) secret?
pub fn is_secret_param(name: &str) -> bool {
    let name = percent_decoded(name).to_ascii_lowercase();
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| SECRET_WORDS.contains(&word))
        || SECRET_PIECES.iter().any(|piece| name.contains(piece))
}

/// A URL, or a request target (`/path?query`, `http://host/x`, `host:443`),
/// fit to print: the password of its user info masked
/// (`http://user:••••@host/x`), a user info without a colon (a token)
/// masked whole, and the values of secret query parameters masked
/// (`?token=••••`). Anything else is kept as given.
pub fn mask_url(url: &str) -> Cow<'_, str> {
    let (before_query, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let head = mask_userinfo(before_query);
    let query = query.map(mask_query);
    let changed = matches!(head, Cow::Owned(_)) || matches!(query, Some(Cow::Owned(_)));
    if !changed {
        return Cow::Borrowed(url);
    }
    let mut out = head.into_owned();
    if let Some(query) = query {
        out.push('?');
        out.push_str(&query);
    }
    Cow::Owned(out)
}

/// The user info of `head` (a URL without its query) masked.
fn mask_userinfo(head: &str) -> Cow<'_, str> {
    let (scheme, rest) = match head.split_once("://") {
        Some((scheme, rest)) => (&head[..scheme.len() + 3], rest),
        None => ("", head),
    };
    let end = rest.find(['/', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return Cow::Borrowed(head);
    };
    let userinfo = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:{MASK}"),
        None => MASK.to_string(),
    };
    Cow::Owned(format!("{scheme}{userinfo}@{host}{tail}"))
}

/// A query string (after `?`, a fragment allowed) with the values of secret
/// parameters masked; separators and every other byte kept.
fn mask_query(query: &str) -> Cow<'_, str> {
    let (params, fragment) = match query.split_once('#') {
        Some((params, fragment)) => (params, Some(fragment)),
        None => (query, None),
    };
    let mut changed = false;
    let masked: Vec<Cow<'_, str>> = params
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_secret_param(name) => {
                changed = true;
                Cow::Owned(format!("{name}={MASK}"))
            }
            _ => Cow::Borrowed(pair),
        })
        .collect();
    if !changed {
        return Cow::Borrowed(query);
    }
    let mut out = masked.join("&");
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    Cow::Owned(out)
}

/// `%5F` and the like decoded, for matching names only.
fn percent_decoded(text: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy()
}

/// A short hint of a secret for verdict diagnoses, where telling two keys
/// apart matters (`configured: whse… (38 chars)` against what was read):
/// values shorter than 12 characters show only their length, longer ones
/// their first 4 characters too. Never used where a value is merely shown.
pub fn hint(secret: &str) -> String {
    let length = secret.chars().count();
    match length {
        0 => "(empty)".into(),
        1..12 => format!("{MASK} ({length} chars)"),
        _ => {
            let head: String = secret
                .chars()
                .take(4)
                .map(|c| {
                    if c.is_control() {
                        c.escape_debug().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            format!("{head}… ({length} chars)")
        }
    }
}

/// Masking as one output applies it: on (the default of human output, or
/// `--mask-secrets`) or off (`--reveal`, or JSON and exports as data), with
/// the configured shared-secret header counted as secret.
#[derive(Clone, Debug)]
pub struct Masking {
    secret_header: String,
    on: bool,
}

impl Masking {
    pub fn new(secret_header: &str, on: bool) -> Self {
        Self {
            secret_header: secret_header.to_string(),
            on,
        }
    }

    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Is this header secret (whether or not masking is on)?
    pub fn is_secret_header(&self, name: &str) -> bool {
        is_secret_header(name, &self.secret_header)
    }

    /// A header's value as this output shows it.
    pub fn header_value<'a>(&self, name: &str, value: &'a str) -> Cow<'a, str> {
        if self.on && self.is_secret_header(name) {
            Cow::Owned(mask_header_value(name, value))
        } else {
            Cow::Borrowed(value)
        }
    }

    /// A URL or request target as this output shows it.
    pub fn url<'a>(&self, url: &'a str) -> Cow<'a, str> {
        if self.on {
            mask_url(url)
        } else {
            Cow::Borrowed(url)
        }
    }

    /// Mask secret header values in place.
    pub fn headers(&self, headers: &mut [HeaderField]) {
        if !self.on {
            return;
        }
        for h in headers {
            if self.is_secret_header(&h.name) {
                h.value = mask_header_value(&h.name, &h.value_str()).into_bytes();
            }
        }
    }

    /// Mask a request in place, for an output that prints it whole: its
    /// headers, its target's user info and query tokens, and the headers of
    /// its answer (`Set-Cookie`). The body is kept: it is the payload.
    /// Judge it (inspect) before: a verdict needs the real values.
    pub fn request(&self, req: &mut CapturedRequest) {
        if !self.on {
            return;
        }
        self.headers(&mut req.headers);
        req.target = mask_url(&req.target).into_owned();
        if let Some(response) = &mut req.response {
            self.headers(&mut response.headers);
        }
    }

    /// Mask a delivery in place: its target URL and path, the headers sent
    /// (when edited) and the headers of the answer.
    pub fn delivery(&self, d: &mut Delivery) {
        if !self.on {
            return;
        }
        d.target = mask_url(&d.target).into_owned();
        d.path = mask_url(&d.path).into_owned();
        self.headers(&mut d.response_headers);
        if let Some(sent) = &mut d.sent_headers {
            self.headers(sent);
        }
    }
}

#[cfg(test)]
mod tests;
