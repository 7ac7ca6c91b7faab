//! One merged configuration: flags > environment > `hookcatch.toml` > defaults.
//! clap already resolves flags over `HOOKCATCH_*` variables; this module layers
//! the file and the defaults underneath and validates everything once.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

use crate::cli::{GlobalArgs, ListenArgs};
use crate::inspect::auth::{self, AuthConfig, SignatureProvider};
use crate::store::Location;

pub const DEFAULT_PORT: u16 = 9797;
pub const DEFAULT_MAX_BODY: u64 = 10 * 1024 * 1024;
pub const DEFAULT_BODY: &str = r#"{"received": true}"#;

/// A mistake in the user's flags, environment or config file: reported in one
/// line, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn bad(msg: impl Into<String>) -> ConfigError {
    ConfigError(msg.into())
}

/// `hookcatch.toml`: every listener flag has a key of the same name (with `_`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<String>,
    pub port: Option<u16>,
    pub store: Option<PathBuf>,
    pub ephemeral: Option<bool>,
    pub fsync: Option<bool>,
    pub headless: Option<bool>,
    pub status: Option<u16>,
    pub response_body: Option<String>,
    pub response_headers: Option<Vec<String>>,
    pub delay: Option<u64>,
    pub max_body: Option<String>,
    pub header_timeout: Option<u64>,
    pub body_timeout: Option<u64>,
    pub secret: Option<String>,
    pub secret_header: Option<String>,
    pub bearer: Option<String>,
    pub basic: Option<String>,
    /// `[verify]` table: provider = "secret".
    pub verify: Option<std::collections::BTreeMap<String, String>>,
    pub enforce_auth: Option<bool>,
    pub theme: Option<String>,
}

/// The default answer hookcatch gives.
#[derive(Clone, Debug)]
pub struct ResponseConfig {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

#[derive(Clone, Debug)]
pub struct Limits {
    pub max_body: u64,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub max_headers: usize,
    /// Bytes of request line plus headers hyper buffers at most.
    pub max_header_bytes: usize,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub store: Location,
    pub fsync: bool,
    pub headless: bool,
    pub response: ResponseConfig,
    pub limits: Limits,
    pub auth: AuthConfig,
    pub enforce_auth: bool,
    pub theme: Option<String>,
    /// The config file that was read, if any.
    pub file: Option<PathBuf>,
}

/// Find and parse the config file: `--config`, else `./hookcatch.toml`, else
/// the platform config directory's `hookcatch.toml`.
pub fn read_file(explicit: Option<&Path>) -> Result<(FileConfig, Option<PathBuf>), ConfigError> {
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => [
            Some(PathBuf::from("hookcatch.toml")),
            directories::ProjectDirs::from("", "", "hookcatch")
                .map(|d| d.config_dir().join("hookcatch.toml")),
        ]
        .into_iter()
        .flatten()
        .find(|p| p.is_file()),
    };
    let Some(path) = path else {
        return Ok((FileConfig::default(), None));
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| bad(format!("cannot read config file {}: {e}", path.display())))?;
    let file = toml::from_str(&text)
        .map_err(|e| bad(format!("config file {}: {}", path.display(), e.message())))?;
    Ok((file, Some(path)))
}

/// Where the store is, for any subcommand.
pub fn store_location(
    global: &GlobalArgs,
    file: &FileConfig,
    ephemeral: bool,
) -> Result<Location, ConfigError> {
    if ephemeral {
        return Ok(Location::ephemeral());
    }
    global
        .store
        .clone()
        .or_else(|| file.store.clone())
        .or_else(Location::default_file)
        .map(Location::File)
        .ok_or_else(|| {
            bad("no home directory to keep the store in; pass --store PATH or --ephemeral")
        })
}

/// Merge flags/env (already in `args`) over the file over defaults.
pub fn load(global: &GlobalArgs, args: &ListenArgs) -> Result<Config, ConfigError> {
    let (file, file_path) = read_file(global.config.as_deref())?;
    let ephemeral = args.ephemeral || file.ephemeral.unwrap_or(false);

    let bind = args.bind.clone().or_else(|| file.bind.clone());
    let ip = match &bind {
        Some(text) => IpAddr::from_str(text.trim_matches(['[', ']'])).map_err(|_| {
            bad(format!(
                "--bind {text:?} is not an IP address (try 127.0.0.1 or 0.0.0.0)"
            ))
        })?,
        None => IpAddr::V4(Ipv4Addr::LOCALHOST),
    };
    let port = args.port.or(file.port).unwrap_or(DEFAULT_PORT);

    let status = args.status.or(file.status).unwrap_or(200);
    if !(100..=999).contains(&status) {
        return Err(bad(format!(
            "--status {status} is not an HTTP status code (100-999)"
        )));
    }
    let body = match args
        .response_body
        .clone()
        .or_else(|| file.response_body.clone())
    {
        Some(spec) => response_body(&spec)?,
        None => DEFAULT_BODY.as_bytes().to_vec(),
    };
    let header_specs = if args.response_headers.is_empty() {
        file.response_headers.clone().unwrap_or_default()
    } else {
        args.response_headers.clone()
    };
    let mut headers = Vec::new();
    for spec in header_specs.iter().filter(|s| !s.trim().is_empty()) {
        headers.push(response_header(spec)?);
    }
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        headers.insert(0, ("content-type".into(), guess_content_type(&body).into()));
    }

    let max_body = match args.max_body.as_deref().or(file.max_body.as_deref()) {
        Some(text) => parse_size(text).map_err(|e| bad(format!("--max-body {text:?}: {e}")))?,
        None => DEFAULT_MAX_BODY,
    };
    let header_timeout = args.header_timeout.or(file.header_timeout).unwrap_or(10);
    let body_timeout = args.body_timeout.or(file.body_timeout).unwrap_or(30);
    if header_timeout == 0 || body_timeout == 0 {
        return Err(bad(
            "--header-timeout and --body-timeout must be at least 1 second",
        ));
    }

    Ok(Config {
        addr: SocketAddr::new(ip, port),
        store: store_location(global, &file, ephemeral)?,
        fsync: args.fsync || file.fsync.unwrap_or(false),
        headless: args.headless || file.headless.unwrap_or(false),
        response: ResponseConfig {
            status,
            headers,
            body,
            delay: Duration::from_millis(args.delay.or(file.delay).unwrap_or(0)),
        },
        limits: Limits {
            max_body,
            header_timeout: Duration::from_secs(header_timeout),
            body_timeout: Duration::from_secs(body_timeout),
            max_headers: 100,
            max_header_bytes: 64 * 1024,
        },
        auth: auth_config(args, &file)?,
        enforce_auth: args.enforce_auth || file.enforce_auth.unwrap_or(false),
        theme: args.theme.clone().or_else(|| file.theme.clone()),
        file: file_path,
    })
}

fn auth_config(args: &ListenArgs, file: &FileConfig) -> Result<AuthConfig, ConfigError> {
    let mut config = AuthConfig {
        secret: args.secret.clone().or_else(|| file.secret.clone()),
        bearer: args.bearer.clone().or_else(|| file.bearer.clone()),
        basic: args.basic.clone().or_else(|| file.basic.clone()),
        ..AuthConfig::default()
    };
    if let Some(header) = args
        .secret_header
        .clone()
        .or_else(|| file.secret_header.clone())
    {
        config.secret_header = header;
    }
    if config.basic.as_ref().is_some_and(|b| !b.contains(':')) {
        return Err(bad("--basic takes 'user:pass' (with a colon)"));
    }
    // Precedence per provider: flag > HOOKCATCH_VERIFY_<PROVIDER> > file.
    let mut chosen: Vec<(SignatureProvider, String)> = Vec::new();
    for spec in &args.verify {
        let (name, secret) = spec.split_once('=').ok_or_else(|| {
            bad(format!(
                "--verify {:?}: expected PROVIDER=SECRET",
                auth::mask(spec)
            ))
        })?;
        let provider =
            SignatureProvider::from_str(name.trim()).map_err(|e| bad(format!("--verify: {e}")))?;
        chosen.retain(|(p, _)| *p != provider);
        chosen.push((provider, secret.to_string()));
    }
    for provider in SignatureProvider::ALL {
        if chosen.iter().any(|(p, _)| *p == provider) {
            continue;
        }
        let var = format!(
            "HOOKCATCH_VERIFY_{}",
            provider.as_str().to_uppercase().replace('-', "_")
        );
        if let Ok(secret) = std::env::var(&var) {
            chosen.push((provider, secret));
        }
    }
    for (name, secret) in file.verify.iter().flatten() {
        let provider = SignatureProvider::from_str(name)
            .map_err(|e| bad(format!("config file [verify] {name:?}: {e}")))?;
        if !chosen.iter().any(|(p, _)| *p == provider) {
            chosen.push((provider, secret.clone()));
        }
    }
    if let Some((p, _)) = chosen.iter().find(|(_, s)| s.is_empty()) {
        return Err(bad(format!(
            "--verify {}= needs a secret after '='",
            p.as_str()
        )));
    }
    config.verify = chosen;
    Ok(config)
}

/// `512`, `512k`, `10m`, `1g`, `10MiB`, `2kb` (binary units).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim().to_ascii_lowercase();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits_end);
    let n: u64 = number
        .parse()
        .map_err(|_| "expected a number like 512k or 10m".to_string())?;
    let factor: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown unit {other:?} (use k, m or g)")),
    };
    n.checked_mul(factor).ok_or_else(|| "too large".to_string())
}

fn response_body(spec: &str) -> Result<Vec<u8>, ConfigError> {
    match spec.strip_prefix('@') {
        Some(path) => std::fs::read(path)
            .map_err(|e| bad(format!("--response-body @{path}: cannot read: {e}"))),
        None => Ok(spec.as_bytes().to_vec()),
    }
}

fn response_header(spec: &str) -> Result<(String, String), ConfigError> {
    let (name, value) = spec.split_once(':').ok_or_else(|| {
        bad(format!(
            "--response-header {spec:?}: expected 'Name: value'"
        ))
    })?;
    let name = name.trim();
    let value = value.trim();
    if http::HeaderName::from_bytes(name.as_bytes()).is_err()
        || http::HeaderValue::from_str(value).is_err()
    {
        return Err(bad(format!(
            "--response-header {spec:?}: not a valid header name and value"
        )));
    }
    Ok((name.to_string(), value.to_string()))
}

fn guess_content_type(body: &[u8]) -> &'static str {
    let trimmed = body.trim_ascii_start();
    if (trimmed.starts_with(b"{") || trimmed.starts_with(b"["))
        && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
    {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    }
}

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
        if !self.auth.verify.is_empty() {
            writeln!(out, "\n[verify]").ok();
            for (provider, secret) in &self.auth.verify {
                writeln!(out, "{} = {:?}", provider.as_str(), auth::mask(secret)).ok();
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("10m"), Ok(10 << 20));
        assert_eq!(parse_size("10MiB"), Ok(10 << 20));
        assert_eq!(parse_size("77"), Ok(77));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5x").is_err());
        assert!(parse_size("99999999999999g").is_err());
    }

    #[test]
    fn header_specs() {
        assert_eq!(
            response_header("X-A:  b c ").unwrap(),
            ("X-A".into(), "b c".into())
        );
        assert!(response_header("no colon").is_err());
        assert!(response_header("bad name: x").is_err());
    }
}
