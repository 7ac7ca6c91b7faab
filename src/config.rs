//! One merged configuration: flags > environment > `hookcatch.toml` > defaults.
//! clap already resolves flags over `HOOKCATCH_*` variables; this module layers
//! the file and the defaults underneath and validates everything once.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

use crate::capture::{Mode, Rule};
use crate::cli::{GlobalArgs, ListenArgs};
use crate::inspect::auth::{self, AuthConfig, SignatureProvider};
use crate::replay::forward::ForwardMode;
use crate::replay::send::DEFAULT_TIMEOUT;
use crate::store::Location;

mod render;
mod values;

use values::file_rule;
pub use values::{check_scale, parse_size, parse_timeout};
pub(crate) use values::{guess_content_type, response_body, response_header};

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
    /// `[[rules]]`: response rules, first match wins (after `--rule` flags).
    pub rules: Option<Vec<RuleFile>>,
    /// Live response mode at start: normal, 500, 401, 429, slow, drop.
    pub mode: Option<String>,
    /// Also send every captured request to this URL (the user's app).
    pub forward: Option<String>,
    /// `proxy` (the sender gets the app's answer) or `async`.
    pub forward_mode: Option<String>,
    /// Where `hookcatch replay` sends when neither `--to` nor `forward` is set.
    pub replay_to: Option<String>,
    /// Seconds to wait for a forward/replay/send-test target's answer.
    pub timeout: Option<f64>,
    /// Accept self-signed certificates from https targets.
    pub insecure: Option<bool>,
    /// Compress Pingara's retry schedule for `--ladder` (0.01 = 100x faster).
    pub ladder_scale: Option<f64>,
}

/// One `[[rules]]` table of the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// `*` (default), a method, or methods joined by `|`.
    pub method: Option<String>,
    /// Glob over the path without the query [default: *].
    pub path: Option<String>,
    /// [default: 200]
    pub status: Option<u16>,
    /// `"Name: value"` lines.
    pub headers: Option<Vec<String>>,
    /// Text, or `@FILE`.
    pub body: Option<String>,
    /// Milliseconds before answering.
    pub delay: Option<u64>,
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
    /// Response rules: `--rule` flags first, then the file's `[[rules]]`.
    pub rules: Vec<Rule>,
    /// The live response mode the listener starts in.
    pub mode: Mode,
    pub forward: Option<String>,
    pub forward_mode: ForwardMode,
    pub replay_to: Option<String>,
    /// For forwarding, replay and send-test.
    pub timeout: Duration,
    pub insecure: bool,
    pub ladder_scale: f64,
    /// The config file that was read, if any.
    pub file: Option<PathBuf>,
}

impl Config {
    /// Where `hookcatch replay` (and `r` in the TUI) sends without `--to`.
    pub fn replay_target(&self) -> String {
        crate::replay::choose_target(
            None,
            self.forward.as_deref(),
            self.replay_to.as_deref(),
            self.addr,
        )
    }
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

    let mut rules = Vec::new();
    for spec in args.rules.iter().filter(|s| !s.trim().is_empty()) {
        rules.push(Rule::parse_flag(spec).map_err(bad)?);
    }
    for (i, rule) in file.rules.iter().flatten().enumerate() {
        rules.push(
            file_rule(rule).map_err(|e| bad(format!("config file [[rules]] #{}: {e}", i + 1)))?,
        );
    }
    let mode = match args.mode.as_deref().or(file.mode.as_deref()) {
        Some(text) => Mode::parse(text).ok_or_else(|| {
            bad(format!(
                "--mode {text:?}: expected one of normal, 500, 401, 429, slow, drop"
            ))
        })?,
        None => Mode::Normal,
    };
    let forward = args
        .forward
        .clone()
        .or_else(|| file.forward.clone())
        .filter(|f| !f.trim().is_empty());
    if let Some(url) = &forward {
        crate::replay::Target::parse(url).map_err(|e| bad(format!("--forward: {e}")))?;
    }
    let forward_mode = match args
        .forward_mode
        .as_deref()
        .or(file.forward_mode.as_deref())
    {
        Some(text) => ForwardMode::parse(text)
            .ok_or_else(|| bad(format!("--forward-mode {text:?}: expected proxy or async")))?,
        None => ForwardMode::Proxy,
    };
    let replay_to = std::env::var("HOOKCATCH_REPLAY_TO")
        .ok()
        .or_else(|| file.replay_to.clone())
        .filter(|t| !t.trim().is_empty());
    if let Some(url) = &replay_to {
        crate::replay::Target::parse(url).map_err(|e| bad(format!("replay_to: {e}")))?;
    }
    let timeout = match args.timeout.or(file.timeout) {
        Some(secs) => parse_timeout(secs)?,
        None => DEFAULT_TIMEOUT,
    };
    let ladder_scale = match file.ladder_scale {
        Some(scale) => check_scale(scale)?,
        None => 1.0,
    };

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
        rules,
        mode,
        forward,
        forward_mode,
        replay_to,
        timeout,
        insecure: args.insecure || file.insecure.unwrap_or(false),
        ladder_scale,
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
