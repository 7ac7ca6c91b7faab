//! Pure: a captured request plus a target URL becomes the request to send.
//!
//! The request goes out as it came: same method, same path and query (bytes
//! as received, percent-encoding kept), same headers in the same order, and
//! the body bytes unchanged, so HMAC signatures over the body still verify.
//! The only rewrites, all required by HTTP for a new hop:
//!
//! - hop-by-hop headers are dropped: `Connection`, `Keep-Alive`, `Proxy-*`,
//!   `TE`, `Trailer`, `Transfer-Encoding`, `Upgrade`, and every header the
//!   request's `Connection` header names;
//! - `Host` is set to the target's host and port (in place when the request
//!   had one, else first);
//! - `Content-Length` is recomputed from the body (in place, or appended when
//!   the request had none but carried a body or was chunked);
//! - a target URL with `user:pass@` sets `Authorization: Basic` (how Pingara
//!   sends Basic auth), replacing the captured one;
//! - the request goes out as HTTP/1.1, for https targets too, whatever
//!   version it arrived in.
//!
//! A request whose body was not captured whole (413, 408) is not replayed
//! as is: that would send a body it never had. An edited body may be sent.
//!
//! Target resolution, one rule for `replay --to`, `send-test --to` and the
//! TUI's replay ([`Target::for_replay`]): a URL with no path (or just `/`)
//! gets the request's own path and query (`http://localhost:3000` sends a
//! capture of `/pingara-webhook?x=1` to
//! `http://localhost:3000/pingara-webhook?x=1`; a send-test's own path is
//! `/pingara-webhook`), a URL with a path is used as given. For forwarding,
//! the captured path and query are always appended to the URL's path
//! (`http://localhost:3000/app` + `/hook?a=1` ->
//! `http://localhost:3000/app/hook?a=1`).

use base64::Engine as _;

use crate::model::{CapturedRequest, HeaderField, Outcome};

/// Headers that belong to one connection, never forwarded.
const HOP_BY_HOP: [&str; 6] = [
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// A header that belongs to one connection (`Proxy-*` included); the names a
/// message's `Connection` header lists are hop-by-hop too.
pub fn is_hop_by_hop(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    HOP_BY_HOP.contains(&name.as_str()) || name.starts_with("proxy-")
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    // The URL is printed: its password and query tokens masked.
    #[error("{:?} is not an http:// or https:// URL", crate::secrets::mask_url(.0))]
    BadScheme(String),
    #[error("{:?} has no host", crate::secrets::mask_url(.0))]
    NoHost(String),
    #[error("{0:?} is not a valid HTTP method")]
    BadMethod(String),
    #[error("its body was not captured whole ({0}); edit the body to send it anyway")]
    Incomplete(&'static str),
}

/// A parsed target URL. Kept as text so nothing is normalised on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// `host:port` as written, without user info.
    pub authority: String,
    /// `user:pass` before the `@`, if any.
    pub userinfo: Option<String>,
    /// Path as written ("" when none).
    pub path: String,
    pub query: Option<String>,
}

impl Target {
    /// `http://host:port/path?q`; a URL without a scheme is taken as http.
    pub fn parse(url: &str) -> Result<Target, BuildError> {
        let url = url.trim();
        let (https, rest) = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => (false, rest),
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (true, rest),
            Some(_) => return Err(BuildError::BadScheme(url.into())),
            None => (false, url),
        };
        let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_query) = rest.split_at(end);
        let (userinfo, authority) = match authority.rsplit_once('@') {
            Some((user, host)) => (Some(user.to_string()), host),
            None => (None, authority),
        };
        if authority.is_empty() || authority.contains(char::is_whitespace) {
            return Err(BuildError::NoHost(url.into()));
        }
        let (path, query) = split_query(path_query);
        Ok(Target {
            https,
            authority: authority.to_string(),
            userinfo,
            path: path.to_string(),
            query: query.map(str::to_string),
        })
    }

    /// `scheme://[userinfo@]authority`: where a copied curl or HTTPie
    /// command sends, its path then given by [`Target::for_replay`].
    pub fn origin(&self) -> String {
        match &self.userinfo {
            Some(user) => format!(
                "{}://{user}@{}",
                if self.https { "https" } else { "http" },
                self.authority
            ),
            None => self.base(),
        }
    }

    fn base(&self) -> String {
        format!(
            "{}://{}",
            if self.https { "https" } else { "http" },
            self.authority
        )
    }

    /// Where a request with this path-and-query goes when sent to this URL
    /// (a replay or a send-test): the URL's own path if it has one, else
    /// the request's. The one place that rule lives.
    pub fn for_replay(&self, captured_target: &str) -> String {
        if (self.path.is_empty() || self.path == "/") && self.query.is_none() {
            origin_form(captured_target).to_string()
        } else {
            join_query(&self.path, self.query.as_deref())
        }
    }

    /// Where a forward goes: the captured path and query under this URL's path.
    pub fn for_forward(&self, captured_target: &str) -> String {
        let (path, query) = split_query(origin_form(captured_target));
        let mut out = self.path.trim_end_matches('/').to_string();
        out.push_str(path);
        let query = match (self.query.as_deref(), query) {
            (Some(a), Some(b)) => Some(format!("{a}&{b}")),
            (a, b) => a.or(b).map(str::to_string),
        };
        join_query(&out, query.as_deref())
    }
}

fn split_query(text: &str) -> (&str, Option<&str>) {
    match text.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (text, None),
    }
}

fn join_query(path: &str, query: Option<&str>) -> String {
    let path = if path.is_empty() { "/" } else { path };
    match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    }
}

/// The path and query of a captured request target: an absolute-form target
/// (`http://host/x?y`, sent by proxy-style clients) loses its scheme and host.
pub fn origin_form(target: &str) -> &str {
    let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let after = &target[target.find("://").map_or(0, |i| i + 3)..];
        return match after.find(['/', '?']) {
            Some(i) if after[i..].starts_with('?') => "/",
            Some(i) => &after[i..],
            None => "/",
        };
    }
    if target.starts_with('/') { target } else { "/" }
}

/// A request ready for the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    pub method: String,
    /// The full URL, for the record and for https.
    pub url: String,
    pub https: bool,
    pub authority: String,
    /// Path and query as they go on the request line.
    pub path: String,
    /// In order, rewrites applied.
    pub headers: Vec<HeaderField>,
    pub body: Vec<u8>,
}

/// Build the request to send. `path` is the already resolved path and query
/// (see [`Target::for_replay`] / [`Target::for_forward`]).
pub fn build(req: &CapturedRequest, target: &Target, path: &str) -> Result<Outgoing, BuildError> {
    if http::Method::from_bytes(req.method.as_bytes()).is_err() {
        return Err(BuildError::BadMethod(req.method.clone()));
    }
    if req.outcome != Outcome::Complete {
        return Err(BuildError::Incomplete(req.outcome.label()));
    }
    let named_by_connection: Vec<String> = req
        .headers_named("connection")
        .flat_map(|h| {
            h.value_str()
                .split(',')
                .map(|t| t.trim().to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    let had_length = req.headers_named("content-length").next().is_some();
    let chunked = req.headers_named("transfer-encoding").next().is_some();
    let basic = target.userinfo.as_ref().map(|u| {
        let encoded = base64::engine::general_purpose::STANDARD.encode(u.as_bytes());
        format!("Basic {encoded}")
    });

    let mut headers: Vec<HeaderField> = Vec::with_capacity(req.headers.len() + 2);
    let (mut host_done, mut length_done) = (false, false);
    for h in &req.headers {
        let name = h.name.to_ascii_lowercase();
        let hop = is_hop_by_hop(&name) || named_by_connection.contains(&name);
        if hop || (basic.is_some() && name == "authorization") {
            continue;
        }
        match name.as_str() {
            "host" if host_done => {}
            "host" => {
                headers.push(HeaderField::new("host", target.authority.as_bytes()));
                host_done = true;
            }
            "content-length" if length_done => {}
            "content-length" => {
                headers.push(content_length(req.body.len()));
                length_done = true;
            }
            _ => headers.push(h.clone()),
        }
    }
    if !host_done {
        headers.insert(0, HeaderField::new("host", target.authority.as_bytes()));
    }
    if !length_done && (had_length || chunked || !req.body.is_empty()) {
        headers.push(content_length(req.body.len()));
    }
    if let Some(value) = basic {
        headers.push(HeaderField::new("authorization", value.into_bytes()));
    }
    Ok(Outgoing {
        method: req.method.clone(),
        url: format!("{}{path}", target.base()),
        https: target.https,
        authority: target.authority.clone(),
        path: path.to_string(),
        headers,
        body: req.body.clone(),
    })
}

fn content_length(len: usize) -> HeaderField {
    HeaderField::new("content-length", len.to_string().into_bytes())
}

/// Changes made before an edited replay (`e` in the TUI). `None` keeps the
/// captured value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Edits {
    pub method: Option<String>,
    /// Path and query.
    pub path: Option<String>,
    pub headers: Option<Vec<HeaderField>>,
    pub body: Option<Vec<u8>>,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        self.method.is_none()
            && self.path.is_none()
            && self.headers.is_none()
            && self.body.is_none()
    }

    /// The captured request with the edits applied (the original is untouched).
    pub fn apply(&self, req: &CapturedRequest) -> CapturedRequest {
        let mut out = req.clone();
        if let Some(m) = &self.method {
            out.method = m.trim().to_ascii_uppercase();
        }
        if let Some(p) = &self.path {
            out.target = p.trim().to_string();
        }
        if let Some(h) = &self.headers {
            out.headers = h.clone();
        }
        if let Some(b) = &self.body {
            out.body = b.clone();
            out.body_size = b.len() as u64;
            out.outcome = Outcome::Complete;
        }
        out
    }
}

#[cfg(test)]
#[path = "build_tests.rs"]
mod tests;
