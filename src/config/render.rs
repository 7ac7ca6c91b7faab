//! `hookcatch config`: the effective configuration as TOML, secrets masked
//! (`secrets` owns the policy): a secret reads `set (masked)`, never a
//! character or the length of it; URLs lose their password and query tokens.

use std::fmt::Write as _;

use super::{Config, RelayConfig};
use crate::secrets::{Masking, mask_url};

/// How `config` shows a secret that is set.
const SET: &str = "set (masked)";

impl Config {
    /// The effective configuration as TOML, secrets masked: `hookcatch config`;
    /// `relay` is what `hookcatch relay` would add (its `[relay]` table).
    pub fn render(&self, relay: &RelayConfig) -> String {
        let mut out = String::new();
        writeln!(out, "# config file: {}", self.file_note).ok();
        writeln!(
            out,
            "# store: {} ({})",
            self.store.describe(),
            self.store_note
        )
        .ok();
        let opt_secret = |s: &Option<String>| if s.is_some() { SET } else { "(not set)" };
        let masking = Masking::new(&self.auth.secret_header, true);
        let lines = [
            format!("bind = {:?}", self.addr.ip().to_string()),
            format!("port = {}", self.addr.port()),
            format!("store = {:?}", self.store.describe()),
            format!("fsync = {}", self.fsync),
            format!("headless = {}", self.headless),
            format!("mask_secrets = {}", self.mask_secrets),
            format!("bell = {}", self.bell),
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
                    .map(|(n, v)| format!("{:?}", format!("{n}: {}", masking.header_value(n, v))))
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
            format!("basic = {:?}", opt_secret(&self.auth.basic)),
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
            format!(
                "from = {:?}",
                self.from
                    .as_ref()
                    .map_or("(not set)".into(), |source| mask_url(&format!(
                        "{}/c/{}",
                        source.base, source.channel
                    ))
                    .into_owned())
            ),
            format!("token = {:?}", opt_secret(&self.token)),
            format!("timeout = {}", self.timeout.as_secs_f64()),
            format!("insecure = {}", self.insecure),
            format!("ladder_scale = {}", self.ladder_scale),
            self.retention
                .keep
                .map_or("keep = \"(not set: all)\"".into(), |n| {
                    format!("keep = {n}")
                }),
            self.retention
                .keep_days
                .map_or("keep_days = \"(not set: all)\"".into(), |d| {
                    format!("keep_days = {d}")
                }),
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
            for (provider, _) in &self.auth.verify {
                writeln!(out, "{} = {SET:?}", provider.as_str()).ok();
            }
        }
        render_relay(&mut out, relay, &self.relay_tokens);
        out
    }
}

/// The `[relay]` table: what only `hookcatch relay` reads, and its
/// per-channel tokens (masked).
fn render_relay(
    out: &mut String,
    relay: &RelayConfig,
    tokens: &std::collections::BTreeMap<String, String>,
) {
    let not_set = || "\"(not set)\"".to_string();
    let path =
        |p: &std::path::Path| format!("{:?}", crate::text::sanitize(&p.display().to_string()));
    writeln!(out, "\n[relay]").ok();
    let lines = [
        format!(
            "hold = {}",
            relay
                .hold
                .map_or_else(not_set, |h| h.as_secs_f64().to_string())
        ),
        format!(
            "rate = {}",
            relay.rate.map_or_else(not_set, |r| format!("\"{r}\""))
        ),
        format!(
            "tls_cert = {}",
            relay
                .tls
                .as_ref()
                .map_or_else(not_set, |(cert, _)| path(cert))
        ),
        format!(
            "tls_key = {}",
            relay
                .tls
                .as_ref()
                .map_or_else(not_set, |(_, key)| path(key))
        ),
    ];
    for line in lines {
        writeln!(out, "{line}").ok();
    }
    if !tokens.is_empty() {
        writeln!(out, "\n[relay.tokens]").ok();
        for channel in tokens.keys() {
            writeln!(out, "{channel} = {SET:?}").ok();
        }
    }
}
