//! Response rules: answer requests matched by method and path glob with a
//! given status, headers, body and delay. The first matching rule wins; when
//! none matches, the default answer (`--status`, `--response-body`,
//! `--response-header`, `--delay`) applies, so a default rule always exists.
//!
//! On the command line (`--rule`, repeatable; checked before the config
//! file's `[[rules]]`):
//!
//! ```text
//! [METHOD] PATH -> STATUS [delay=MS] [header=NAME:VALUE]... [body=TEXT|@FILE]
//!
//! POST /fail* -> 500
//! GET|HEAD /health -> 204
//! /slow/* -> 200 delay=3000
//! * /auth* -> 401 header=WWW-Authenticate:Bearer body={"error":"unauthorized"}
//! ```
//!
//! METHOD is `*` (the default), one method, or several joined by `|`. PATH is
//! a case-insensitive glob over the path without the query (`*` any run, `?`
//! one character). `body=` takes the rest of the line, spaces included, so it
//! comes last; `@FILE` reads the body from a file. A rule answers only what it
//! says: no body means an empty body, and `Content-Type` is guessed (JSON or
//! text) only when there is a body and no such header.

use std::sync::Arc;
use std::time::Duration;

use super::recovery::Recovery;
use crate::filter::Glob;

/// Shown in `--help` for `--rule`.
pub const RULE_HELP: &str = "Answer matching requests differently: '[METHOD] PATH -> STATUS [delay=MS] \
     [header=NAME:VALUE]... [body=TEXT|@FILE]', e.g. 'POST /fail* -> 500', \
     '/slow/* -> 200 delay=3000', 'GET|HEAD /health -> 204 body=ok'. METHOD is * (any) or \
     methods joined by |; PATH is a glob without the query; body= takes the rest of the line. \
     Repeatable; the first match wins, flags before the config file's [[rules]]; unmatched \
     requests get the default answer";

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Upper-case methods; empty means any.
    pub methods: Vec<String>,
    pub path: String,
    glob: Glob,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// Answer only the first attempts of each delivery (see [`Recovery`]).
    pub recovery: Option<Arc<Recovery>>,
}

impl Rule {
    /// A rule from its parts; `method` is `*`, a method, or `A|B`.
    pub fn new(
        method: &str,
        path: &str,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        delay: Duration,
    ) -> Result<Rule, String> {
        let mut methods = Vec::new();
        for m in method
            .split(['|', ','])
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            if m == "*" || m.eq_ignore_ascii_case("any") {
                methods.clear();
                break;
            }
            if http::Method::from_bytes(m.as_bytes()).is_err() {
                return Err(format!("{m:?} is not an HTTP method"));
            }
            methods.push(m.to_ascii_uppercase());
        }
        let path = path.trim();
        if !(path.starts_with('/') || path.starts_with('*')) {
            return Err(format!(
                "path {path:?} should start with / (or be a glob like *)"
            ));
        }
        if !(100..=999).contains(&status) {
            return Err(format!("{status} is not an HTTP status code (100-999)"));
        }
        // The headers that frame the body or manage the connection are hookcatch's.
        if let Some(why) = headers
            .iter()
            .find_map(|(name, _)| super::settings::refused_header(name))
        {
            return Err(why);
        }
        let mut headers = headers;
        if !body.is_empty()
            && !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            let guessed = super::settings::guess_content_type(&body);
            headers.insert(0, ("content-type".into(), guessed.into()));
        }
        Ok(Rule {
            methods,
            path: path.to_string(),
            glob: Glob::new(path),
            status,
            headers,
            body,
            delay,
            recovery: None,
        })
    }

    /// This rule answers the first `failures` attempts of each delivery
    /// (the same bytes), then gives way: the receiver has recovered.
    pub fn recovering_after(mut self, failures: u32) -> Rule {
        self.recovery = Some(Arc::new(Recovery::new(failures)));
        self
    }

    /// Does the rule answer this attempt? Always, unless it recovers; an
    /// attempt is counted here, so ask once per request.
    pub fn answers(&self, body: &[u8]) -> bool {
        self.recovery.as_ref().is_none_or(|r| r.still_failing(body))
    }

    /// Parse the `--rule` syntax (see the module docs).
    pub fn parse_flag(spec: &str) -> Result<Rule, String> {
        let err = |why: String| format!("--rule {spec:?}: {why}");
        let (left, right) = spec
            .split_once("->")
            .ok_or_else(|| err("expected '[METHOD] PATH -> STATUS ...'".into()))?;
        let words: Vec<&str> = left.split_whitespace().collect();
        let (method, path) = match words.as_slice() {
            [path] => ("*", *path),
            [method, path] => (*method, *path),
            _ => return Err(err("expected '[METHOD] PATH' before '->'".into())),
        };
        let mut rest = right.trim_start();
        let status_text = rest.split_whitespace().next().unwrap_or("");
        let status = status_text
            .parse::<u16>()
            .map_err(|_| err(format!("{status_text:?} is not a status code")))?;
        rest = rest[status_text.len()..].trim_start();
        let (mut headers, mut body, mut delay) = (Vec::new(), Vec::new(), Duration::ZERO);
        while !rest.is_empty() {
            if let Some(text) = rest.strip_prefix("body=") {
                body = super::settings::response_body(text).map_err(err)?;
                break;
            }
            let word = rest.split_whitespace().next().unwrap_or("");
            rest = rest[word.len()..].trim_start();
            if let Some(ms) = word.strip_prefix("delay=") {
                let ms: u64 = ms
                    .parse()
                    .map_err(|_| err(format!("delay={ms:?} is not milliseconds")))?;
                delay = Duration::from_millis(ms);
            } else if let Some(h) = word.strip_prefix("header=") {
                headers.push(
                    super::settings::parse_header(h)
                        .map_err(|why| err(format!("header={h}: {why}")))?,
                );
            } else {
                return Err(err(format!(
                    "unknown option {word:?} (use delay=MS, header=NAME:VALUE, body=TEXT)"
                )));
            }
        }
        Rule::new(method, path, status, headers, body, delay).map_err(err)
    }

    /// Does this rule answer a request with this method and path (no query)?
    pub fn matches(&self, method: &str, path: &str) -> bool {
        (self.methods.is_empty() || self.methods.iter().any(|m| m.eq_ignore_ascii_case(method)))
            && self.glob.matches(path)
    }

    /// `POST|PUT /fail* -> 500 delay=100`, for `hookcatch config`.
    pub fn describe(&self) -> String {
        let method = if self.methods.is_empty() {
            "*".to_string()
        } else {
            self.methods.join("|")
        };
        let mut out = format!("{method} {} -> {}", self.path, self.status);
        if !self.delay.is_zero() {
            out.push_str(&format!(" delay={}", self.delay.as_millis()));
        }
        for (n, v) in &self.headers {
            out.push_str(&format!(" header={n}:{v}"));
        }
        if let Some(recovery) = &self.recovery {
            out.push_str(&format!(" (the first {} attempts)", recovery.failures()));
        }
        if !self.body.is_empty() {
            out.push_str(&format!(" body={}", String::from_utf8_lossy(&self.body)));
        }
        out
    }
}

/// The first rule that matches, if any.
/// A rule that recovers lets the attempts it no longer answers through to
/// the rules after it.
pub fn first_match<'a>(
    rules: &'a [Rule],
    method: &str,
    path: &str,
    body: &[u8],
) -> Option<&'a Rule> {
    rules
        .iter()
        .find(|r| r.matches(method, path) && r.answers(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_flag_syntax() {
        let r = Rule::parse_flag("POST /fail* -> 500").unwrap();
        assert_eq!(
            (r.methods.clone(), r.status),
            (vec!["POST".to_string()], 500)
        );
        assert!(r.matches("post", "/FAIL/now"));
        assert!(!r.matches("GET", "/fail"));
        assert!(r.body.is_empty() && r.headers.is_empty());

        let r = Rule::parse_flag(
            "* /auth* -> 401 delay=25 header=WWW-Authenticate:Bearer body={\"error\": \"no way\"}",
        )
        .unwrap();
        assert!(r.methods.is_empty());
        assert_eq!(r.delay, Duration::from_millis(25));
        assert_eq!(r.body, br#"{"error": "no way"}"#);
        assert_eq!(
            r.headers[0],
            ("content-type".into(), "application/json".into())
        );
        assert_eq!(r.headers[1], ("WWW-Authenticate".into(), "Bearer".into()));
        assert!(r.describe().starts_with("* /auth* -> 401 delay=25"));

        let r = Rule::parse_flag("GET|HEAD /health -> 204").unwrap();
        assert!(r.matches("HEAD", "/health") && !r.matches("POST", "/health"));
        assert!(
            Rule::parse_flag("/x -> 200")
                .unwrap()
                .matches("DELETE", "/x")
        );
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        for bad in [
            "POST /x",
            "POST /x -> abc",
            "A B C -> 200",
            "POST x -> 200",
            "/x -> 99",
            "/x -> 200 colour=red",
            "/x -> 200 delay=soon",
            "BAD{ /x -> 200",
            "/x -> 200 header=Content-Length:3 body=abc",
            "/x -> 200 header=Transfer-Encoding:chunked",
            "/x -> 200 header=keep-alive:timeout=5",
        ] {
            assert!(Rule::parse_flag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn framing_headers_are_refused_however_the_rule_is_made() {
        let err = Rule::parse_flag("/x -> 200 header=Content-Length:999 body=<a/>").unwrap_err();
        assert!(
            err.contains("Content-Length") && err.contains("hookcatch sets it itself"),
            "{err}"
        );
        let headers = vec![("transfer-encoding".to_string(), "chunked".to_string())];
        let err = Rule::new("*", "/x", 200, headers, Vec::new(), Duration::ZERO).unwrap_err();
        assert!(err.contains("transfer-encoding"), "{err}");
    }

    #[test]
    fn first_match_wins() {
        let rules = vec![
            Rule::parse_flag("POST /a* -> 500").unwrap(),
            Rule::parse_flag("/a* -> 401").unwrap(),
        ];
        assert_eq!(first_match(&rules, "POST", "/ab", b"").unwrap().status, 500);
        assert_eq!(first_match(&rules, "GET", "/ab", b"").unwrap().status, 401);
        assert!(first_match(&rules, "GET", "/b", b"").is_none());
    }

    #[test]
    fn a_recovering_rule_gives_way_to_the_next_one() {
        let rules = vec![
            Rule::parse_flag("POST /down -> 503")
                .unwrap()
                .recovering_after(1),
            Rule::parse_flag("/down -> 202").unwrap(),
        ];
        let status = || first_match(&rules, "POST", "/down", b"{}").map(|r| r.status);
        assert_eq!((status(), status()), (Some(503), Some(202)));
        assert!(rules[0].describe().contains("(the first 1 attempts)"));
    }
}
