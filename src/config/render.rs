//! `hookcatch config`: the effective configuration as TOML, secrets masked.

use std::fmt::Write as _;

use super::Config;
use crate::inspect::auth;

impl Config {
    /// The effective configuration as TOML, secrets masked: `hookcatch config`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match &self.file {
            Some(p) => writeln!(out, "# config file: {}", p.display()),
            None => writeln!(
                out,
                "# config file: none (looked for ./hookcatch.toml and the platform config dir)"
            ),
        }
        .ok();
        let opt_secret =
            |s: &Option<String>| s.as_deref().map_or("(not set)".to_string(), auth::mask);
        let lines = [
            format!("bind = {:?}", self.addr.ip().to_string()),
            format!("port = {}", self.addr.port()),
            format!("store = {:?}", self.store.describe()),
            format!("fsync = {}", self.fsync),
            format!("headless = {}", self.headless),
            format!("status = {}", self.response.status),
            format!(
                "response_body = {:?}",
                String::from_utf8_lossy(&self.response.body)
            ),
            format!(
                "response_headers = [{}]",
                self.response
                    .headers
                    .iter()
                    .map(|(n, v)| format!("{:?}", format!("{n}: {v}")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!("delay = {}", self.response.delay.as_millis()),
            format!("max_body = \"{}\"", self.limits.max_body),
            format!("header_timeout = {}", self.limits.header_timeout.as_secs()),
            format!("body_timeout = {}", self.limits.body_timeout.as_secs()),
            format!("idle_timeout = {}", self.limits.idle_timeout.as_secs()),
            format!("secret = {:?}", opt_secret(&self.auth.secret)),
            format!("secret_header = {:?}", self.auth.secret_header),
            format!("bearer = {:?}", opt_secret(&self.auth.bearer)),
            format!(
                "basic = {:?}",
                self.auth.basic.as_deref().map_or("(not set)".into(), |b| {
                    let (user, pass) = b.split_once(':').unwrap_or((b, ""));
                    format!("{user}:{}", auth::mask(pass))
                })
            ),
            format!("enforce_auth = {}", self.enforce_auth),
            format!(
                "theme = {:?}",
                self.theme.as_deref().unwrap_or("hookcatch-dark")
            ),
        ];
        for line in lines {
            writeln!(out, "{line}").ok();
        }
        let more = [
            format!("mode = {:?}", self.mode.label()),
            format!(
                "forward = {:?}",
                self.forward.as_deref().map_or("(not set)".into(), mask_url)
            ),
            format!("forward_mode = {:?}", self.forward_mode.as_str()),
            format!(
                "replay_to = {:?}",
                self.replay_to
                    .as_deref()
                    .map_or("(not set)".into(), mask_url)
            ),
            format!("timeout = {}", self.timeout.as_secs_f64()),
            format!("insecure = {}", self.insecure),
            format!("ladder_scale = {}", self.ladder_scale),
        ];
        for line in more {
            writeln!(out, "{line}").ok();
        }
        if !self.rules.is_empty() {
            writeln!(
                out,
                "\n# rules, first match wins (else the default answer above):"
            )
            .ok();
            for rule in &self.rules {
                writeln!(out, "#   {}", crate::text::sanitize(&rule.describe())).ok();
            }
        }
        if !self.auth.verify.is_empty() {
            writeln!(out, "\n[verify]").ok();
            for (provider, secret) in &self.auth.verify {
                writeln!(out, "{} = {:?}", provider.as_str(), auth::mask(secret)).ok();
            }
        }
        out
    }
}

/// A URL fit to print: the password of its user info masked
/// (`http://user:••••@host/x`), a user info without a colon (a token) masked
/// whole; anything else as given.
pub fn mask_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    let userinfo = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:••••"),
        None => "••••".to_string(),
    };
    format!("{scheme}{userinfo}@{host}{tail}")
}

#[cfg(test)]
mod tests {
    use super::mask_url;

    #[test]
    fn url_passwords_are_masked() {
        assert_eq!(
            mask_url("http://user:pw@localhost:3000/x"),
            "http://user:••••@localhost:3000/x"
        );
        assert_eq!(
            mask_url("https://tok@host/a@b?q=1"),
            "https://••••@host/a@b?q=1"
        );
        assert_eq!(mask_url("localhost:3000/x"), "localhost:3000/x");
        assert_eq!(mask_url("u:p@h"), "u:••••@h");
        assert_eq!(mask_url("http://h/p?x=a:b@c"), "http://h/p?x=a:b@c");
    }
}
