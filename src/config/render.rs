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
                self.forward.as_deref().unwrap_or("(not set)")
            ),
            format!("forward_mode = {:?}", self.forward_mode.as_str()),
            format!(
                "replay_to = {:?}",
                self.replay_to.as_deref().unwrap_or("(not set)")
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
