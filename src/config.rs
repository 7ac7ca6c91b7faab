//! One merged configuration: flags > environment > `hookcatch.toml` > defaults.
//! clap parses the flags; this module reads the `HOOKCATCH_*` variables and the
//! file underneath them (`layers.rs`) and validates everything once, naming
//! where a bad value came from.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

use crate::capture::settings::{Limits, ResponseConfig, guess_content_type, parse_header};
use crate::capture::{Mode, Rule};
use crate::cli::{GlobalArgs, ListenArgs, RelayArgs};
use crate::inspect::auth::AuthConfig;
use crate::replay::forward::ForwardMode;
use crate::replay::send::DEFAULT_TIMEOUT;
use crate::store::Location;
use crate::store::postgres::PgTarget;
use crate::store::retention::Retention;

mod auth_layers;
mod error;
mod layers;
mod relay_layers;
mod render;
mod values;

pub use error::ConfigError;
pub use layers::Env;
use layers::{Layers, Sourced, boolish};
pub use relay_layers::RelayConfig;
use values::{SCALE_EXPECTED, TIMEOUT_EXPECTED, file_rule, read_body, scale_value, timeout_value};
pub use values::{check_scale, parse_size, parse_timeout};

pub const DEFAULT_PORT: u16 = 9797;
pub const DEFAULT_MAX_BODY: u64 = 10 * 1024 * 1024;
pub const DEFAULT_BODY: &str = r#"{"received": true}"#;
/// Why a token with a newline (or any control character) is refused.
const TOKEN_CONTROL: &str = "a token must not contain control characters \
     (a newline, a tab...): it is sent in an Authorization header";

/// `hookcatch.toml`: every listener flag has a key of the same name (with `_`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<String>,
    pub port: Option<u16>,
    pub store: Option<PathBuf>,
    #[serde(default, deserialize_with = "boolish")]
    pub ephemeral: Option<bool>,
    #[serde(default, deserialize_with = "boolish")]
    pub fsync: Option<bool>,
    #[serde(default, deserialize_with = "boolish")]
    pub headless: Option<bool>,
    #[serde(default, deserialize_with = "boolish")]
    pub mask_secrets: Option<bool>,
    pub status: Option<u16>,
    pub response_body: Option<String>,
    pub response_headers: Option<Vec<String>>,
    pub delay: Option<u64>,
    pub max_body: Option<String>,
    pub header_timeout: Option<u64>,
    pub idle_timeout: Option<u64>,
    pub body_timeout: Option<u64>,
    pub secret: Option<String>,
    pub secret_header: Option<String>,
    pub bearer: Option<String>,
    pub basic: Option<String>,
    /// `[verify]` table: provider = "secret".
    pub verify: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "boolish")]
    pub enforce_auth: Option<bool>,
    pub theme: Option<String>,
    #[serde(default, deserialize_with = "boolish")]
    pub bell: Option<bool>,
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
    #[serde(default, deserialize_with = "boolish")]
    pub insecure: Option<bool>,
    /// Compress Pingara's retry schedule for `--ladder` (0.01 = 100x faster).
    pub ladder_scale: Option<f64>,
    /// `listen`: the relay channel to follow, http(s)://HOST[:PORT]/c/CHANNEL.
    pub from: Option<String>,
    /// `relay`: the token that reads every channel; `listen --from`: the one sent.
    pub token: Option<String>,
    /// `[relay]`: `[relay.tokens]` channel = "token" (reads that channel only).
    pub relay: Option<RelayFile>,
    /// Retention: keep the newest N requests.
    pub keep: Option<u64>,
    /// Retention: keep the requests of the last D days.
    pub keep_days: Option<u64>,
}

/// The `[relay]` table of the config file: the settings only `hookcatch
/// relay` has, and `[relay.tokens]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayFile {
    pub tokens: Option<std::collections::BTreeMap<String, String>>,
    /// Seconds a sender waits for a subscriber's answer (`--hold`).
    pub hold: Option<f64>,
    /// Requests per channel, `N/s` or `N/m` (`--rate`).
    pub rate: Option<String>,
    /// Certificate chain (PEM) to serve HTTPS with (`--tls-cert`).
    pub tls_cert: Option<PathBuf>,
    /// Its private key (PEM) (`--tls-key`).
    pub tls_key: Option<PathBuf>,
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

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub store: Location,
    pub fsync: bool,
    pub headless: bool,
    /// Headless lines mask secrets (`--mask-secrets`).
    pub mask_secrets: bool,
    pub response: ResponseConfig,
    pub limits: Limits,
    pub auth: AuthConfig,
    pub enforce_auth: bool,
    /// Where `enforce_auth` was turned on, for the error when nothing is
    /// configured to check (see [`Config::check_listener`]).
    pub enforce_auth_origin: Option<String>,
    pub theme: Option<String>,
    /// The TUI rings the terminal bell when requests arrive (`--bell`).
    pub bell: bool,
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
    /// `--from`: the relay channel `listen` follows.
    pub from: Option<crate::relay::subscribe::Source>,
    /// `--token`: the relay's token.
    pub token: Option<String>,
    /// `[relay.tokens]`: per-channel tokens of a relay.
    pub relay_tokens: std::collections::BTreeMap<String, String>,
    /// Which config file was read and why, or where hookcatch looked.
    pub file_note: String,
    /// Why the store is where it is (flag, file key, XDG, platform).
    pub store_note: String,
    /// What the store keeps (`--keep`, `--keep-days`); pruned in the background.
    pub retention: Retention,
}

impl Config {
    /// Settings a listener cannot run with, though `config`, `list` and the
    /// other readers may load them: `--enforce-auth` with nothing to check
    /// would answer every request 401.
    pub fn check_listener(&self) -> Result<(), ConfigError> {
        self.check_postgres()?;
        match &self.enforce_auth_origin {
            Some(origin) if self.auth.is_empty() => {
                Err(ConfigError::EnforceAuthWithoutCredential {
                    origin: origin.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    /// What a listener on a PostgreSQL store cannot do yet: each of these
    /// writes through SQLite-only code (deliveries, the relay cursor,
    /// pruning), so it is refused before anything starts.
    fn check_postgres(&self) -> Result<(), ConfigError> {
        if !self.store.is_postgres() {
            return Ok(());
        }
        let refuse = |setting: &'static str| ConfigError::Conflict {
            setting,
            why: "is not supported on a PostgreSQL store yet: use a SQLite store (--store PATH)",
        };
        if self.forward.is_some() {
            return Err(refuse("--forward"));
        }
        if self.from.is_some() {
            return Err(refuse("--from"));
        }
        if self.retention.is_active() {
            return Err(refuse("--keep/--keep-days"));
        }
        Ok(())
    }

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
/// the config directory's `hookcatch.toml` (see [`crate::dirs`]).
pub fn read_file(explicit: Option<&Path>) -> Result<(FileConfig, Option<PathBuf>), ConfigError> {
    let (file, path, _) = read_file_noting(explicit)?;
    Ok((file, path))
}

/// [`read_file`], and a note on which file was read and why (or where
/// hookcatch looked), for `hookcatch config`.
fn read_file_noting(
    explicit: Option<&Path>,
) -> Result<(FileConfig, Option<PathBuf>, String), ConfigError> {
    let user = crate::dirs::config_dir().map(|d| {
        let path = d.path.join("hookcatch.toml");
        let why = format!("{} ({})", path.display(), d.source.describe());
        (path, why)
    });
    let found = match explicit {
        Some(p) => Some((
            p.to_path_buf(),
            format!("{} (from --config or HOOKCATCH_CONFIG)", p.display()),
        )),
        None => [
            Some((
                PathBuf::from("hookcatch.toml"),
                "hookcatch.toml (in the current directory)".to_string(),
            )),
            user.clone(),
        ]
        .into_iter()
        .flatten()
        .find(|(p, _)| p.is_file()),
    };
    let Some((path, note)) = found else {
        let looked = user.map_or(String::new(), |(_, why)| format!(" and {why}"));
        let note = format!("none (looked for ./hookcatch.toml{looked})");
        return Ok((FileConfig::default(), None, note));
    };
    let text = std::fs::read_to_string(&path).map_err(|why| ConfigError::UnreadableFile {
        path: path.clone(),
        why,
    })?;
    let file = toml::from_str(&text).map_err(|e| file_error(&path, &text, &e))?;
    Ok((file, Some(path), note))
}

/// A TOML mistake in one line: `path:LINE: the line: what is wrong`.
fn file_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let message = e.message().replace('\n', " ");
    let at = match e.span() {
        None => path.display().to_string(),
        Some(span) => {
            let start = span.start.min(text.len());
            let line_no = text[..start].matches('\n').count() + 1;
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let line = crate::text::sanitize(text[line_start..line_end].trim());
            if line.is_empty() {
                format!("{}:{line_no}", path.display())
            } else {
                format!("{}:{line_no}: {line}", path.display())
            }
        }
    };
    // serde words a key that `deny_unknown_fields` refuses as
    // "unknown field `KEY`, expected ...".
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(key, _)| crate::text::sanitize(key).into_owned());
    match unknown {
        Some(key) => ConfigError::UnknownKey { at, key, message },
        None => ConfigError::InvalidFile { at, message },
    }
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
    let path = global
        .store
        .clone()
        .or_else(|| file.store.clone())
        .or_else(Location::default_file)
        .ok_or(ConfigError::NoStoreHome)?;
    // A PostgreSQL URL names a database, not a file.
    match path.to_str().filter(|p| PgTarget::is_url(p)) {
        Some(url) => PgTarget::parse(url)
            .map(|t| Location::Postgres(Box::new(t)))
            .map_err(|e| ConfigError::BadValue {
                at: "--store".into(),
                why: e.to_string(),
            }),
        None => Ok(Location::File(path)),
    }
}

/// Why the store is where [`store_location`] puts it, for `hookcatch config`.
fn store_note(global: &GlobalArgs, file: &FileConfig, ephemeral: bool) -> String {
    if ephemeral {
        "in memory (--ephemeral)".into()
    } else if global.store.is_some() {
        "from --store or HOOKCATCH_STORE".into()
    } else if file.store.is_some() {
        "from the config file's store key".into()
    } else {
        crate::dirs::data_dir().map_or_else(
            || "no data directory".into(),
            |d| format!("in the data directory, {}", d.source.describe()),
        )
    }
}

/// Merge flags over the environment over the file over defaults.
pub fn load(global: &GlobalArgs, args: &ListenArgs) -> Result<Config, ConfigError> {
    load_with_env(global, args, &Env::from_process()?)
}

/// [`load`] with the given `HOOKCATCH_*` variables instead of the process's.
pub fn load_with_env(
    global: &GlobalArgs,
    args: &ListenArgs,
    env: &Env,
) -> Result<Config, ConfigError> {
    load_from(global, args, env).map(|(config, _)| config)
}

/// `hookcatch relay`'s settings: the listener's (from its capture flags)
/// and its own (`--hold`, `--rate`, `--tls-cert`, `--tls-key`), each from
/// its flag, `HOOKCATCH_<NAME>` or the config file.
pub fn load_relay(
    global: &GlobalArgs,
    args: &RelayArgs,
) -> Result<(Config, RelayConfig), ConfigError> {
    load_relay_with_env(global, args, &Env::from_process()?)
}

/// [`load_relay`] with the given `HOOKCATCH_*` variables.
pub fn load_relay_with_env(
    global: &GlobalArgs,
    args: &RelayArgs,
    env: &Env,
) -> Result<(Config, RelayConfig), ConfigError> {
    // Only the capture flags: relay takes no flag it would ignore.
    let flags = ListenArgs {
        capture: args.capture.clone(),
        ..ListenArgs::default()
    };
    let (config, file) = load_from(global, &flags, env)?;
    let relay = relay_layers::relay_config(args, &file, env, config.file.as_deref())?;
    Ok((config, relay))
}

/// `hookcatch config`: the settings `listen` would run with, and those a
/// `relay` would add from the environment and the config file.
pub fn load_shown(
    global: &GlobalArgs,
    args: &ListenArgs,
) -> Result<(Config, RelayConfig), ConfigError> {
    let env = Env::from_process()?;
    let (config, file) = load_from(global, args, &env)?;
    let relay =
        relay_layers::relay_config(&RelayArgs::default(), &file, &env, config.file.as_deref())?;
    Ok((config, relay))
}

/// The merged settings, and the file they were read from (for the tables
/// only one subcommand reads).
fn load_from(
    global: &GlobalArgs,
    args: &ListenArgs,
    env: &Env,
) -> Result<(Config, FileConfig), ConfigError> {
    let (file, file_path, file_note) = read_file_noting(global.config.as_deref())?;
    let layers = Layers {
        env,
        file_path: file_path.as_deref(),
    };
    let ephemeral = layers.switch("ephemeral", args.ephemeral, file.ephemeral)?;

    let ip = match layers.pick(
        "bind",
        args.bind.clone(),
        file.bind.clone(),
        "an IP address",
    )? {
        Some(Sourced { value, origin }) => IpAddr::from_str(value.trim().trim_matches(['[', ']']))
            .map_err(|_| {
                origin.error("not an IP address (try 127.0.0.1, or 0.0.0.0 for every interface)")
            })?,
        None => IpAddr::V4(Ipv4Addr::LOCALHOST),
    };
    let port = layers
        .pick(
            "port",
            args.port,
            file.port,
            "a port number from 0 to 65535 (0 picks a free one)",
        )?
        .map_or(DEFAULT_PORT, |p| p.value);

    let status = match layers.pick(
        "status",
        args.status,
        file.status,
        "an HTTP status code like 200",
    )? {
        Some(Sourced { value, origin }) => {
            if !(100..=999).contains(&value) {
                return Err(origin.error("not an HTTP status code (use 100-999, e.g. 200)"));
            }
            value
        }
        None => 200,
    };
    let body = match layers.pick(
        "response_body",
        args.response_body.clone(),
        file.response_body.clone(),
        "text or @FILE",
    )? {
        Some(Sourced { value, origin }) => read_body(&value).map_err(|why| origin.error(why))?,
        None => DEFAULT_BODY.as_bytes().to_vec(),
    };
    let mut headers = Vec::new();
    for spec in layers.list(
        "--response-header",
        &["HOOKCATCH_RESPONSE_HEADER", "HOOKCATCH_RESPONSE_HEADERS"],
        "response_headers",
        &args.response_headers,
        file.response_headers.as_deref(),
    ) {
        headers.push(parse_header(&spec.value).map_err(|why| spec.origin.error(why))?);
    }
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        headers.insert(0, ("content-type".into(), guess_content_type(&body).into()));
    }
    let delay = layers
        .pick("delay", args.delay, file.delay, "milliseconds, e.g. 250")?
        .map_or(0, |d| d.value);

    let max_body = match layers.pick(
        "max_body",
        args.max_body.clone(),
        file.max_body.clone(),
        "a size",
    )? {
        Some(Sourced { value, origin }) => parse_size(&value).map_err(|why| origin.error(why))?,
        None => DEFAULT_MAX_BODY,
    };
    let seconds = |key: &str, flag: Option<u64>, file: Option<u64>, default: u64| match layers
        .pick(key, flag, file, "whole seconds, e.g. 10")?
    {
        Some(Sourced { value: 0, origin }) => {
            Err(origin.error("must be at least 1 second (e.g. 10)"))
        }
        Some(s) => Ok(s.value),
        None => Ok(default),
    };
    let header_timeout = seconds(
        "header_timeout",
        args.header_timeout,
        file.header_timeout,
        10,
    )?;
    let idle_timeout = seconds("idle_timeout", args.idle_timeout, file.idle_timeout, 30)?;
    let body_timeout = seconds("body_timeout", args.body_timeout, file.body_timeout, 30)?;

    let mut rules = Vec::new();
    for spec in layers.list("--rule", &["HOOKCATCH_RULE"], "rules", &args.rules, None) {
        rules.push(Rule::parse_flag(&spec.value).map_err(|e| {
            // parse_flag blames `--rule "spec"`; say where the rule really came from.
            let why = e
                .strip_prefix(&format!("--rule {:?}: ", spec.value))
                .unwrap_or(&e);
            spec.origin.error(why)
        })?);
    }
    for (i, rule) in file.rules.iter().flatten().enumerate() {
        rules.push(file_rule(rule).map_err(|why| {
            layers
                .file_origin(&format!("[[rules]] #{}", i + 1), String::new())
                .secret_error(why)
        })?);
    }
    const MODES: &str = "one of normal, 500, 401, 429, slow, drop";
    let file_mode = file
        .mode
        .as_deref()
        .map(|text| {
            Mode::parse(text).ok_or_else(|| {
                layers
                    .file_origin("mode", format!("{text:?}"))
                    .error(format!("expected {MODES}"))
            })
        })
        .transpose()?;
    let mode = layers
        .pick("mode", args.mode, file_mode, MODES)?
        .map_or(Mode::Normal, |s| s.value);
    let forward = layers
        .pick(
            "forward",
            args.forward.clone(),
            file.forward.clone(),
            "a URL",
        )?
        .filter(|f| !f.value.trim().is_empty());
    if let Some(url) = &forward {
        check_url(url)?;
    }
    let file_forward_mode = file
        .forward_mode
        .as_deref()
        .map(|text| {
            ForwardMode::parse(text).ok_or_else(|| {
                layers
                    .file_origin("forward_mode", format!("{text:?}"))
                    .error("expected proxy or async")
            })
        })
        .transpose()?;
    let forward_mode = layers
        .pick(
            "forward_mode",
            args.forward_mode,
            file_forward_mode,
            "proxy or async",
        )?
        .map_or(ForwardMode::Proxy, |s| s.value);
    let replay_to = layers
        .pick("replay_to", None, file.replay_to.clone(), "a URL")?
        .filter(|t| !t.value.trim().is_empty());
    if let Some(url) = &replay_to {
        check_url(url)?;
    }
    let timeout = match layers.pick("timeout", args.timeout, file.timeout, TIMEOUT_EXPECTED)? {
        Some(Sourced { value, origin }) => {
            timeout_value(value).ok_or_else(|| origin.error(TIMEOUT_EXPECTED))?
        }
        None => DEFAULT_TIMEOUT,
    };
    let ladder_scale = match layers.pick("ladder_scale", None, file.ladder_scale, SCALE_EXPECTED)? {
        Some(Sourced { value, origin }) => {
            scale_value(value).ok_or_else(|| origin.error(SCALE_EXPECTED))?
        }
        None => 1.0,
    };

    let enforce_auth = layers.switch("enforce_auth", args.enforce_auth, file.enforce_auth)?;
    let token = layers
        .pick("token", args.token.clone(), file.token.clone(), "text")?
        .filter(|t| !t.value.trim().is_empty());
    // Sent and compared in an `Authorization` header, which cannot carry
    // one: such a token would fail every connection, forever.
    if let Some(t) = &token
        && t.value.chars().any(char::is_control)
    {
        return Err(t.origin.secret_error(TOKEN_CONTROL));
    }
    let from = match layers.pick("from", args.from.clone(), file.from.clone(), "a URL")? {
        Some(Sourced { value, origin }) if !value.trim().is_empty() => {
            let source = crate::relay::subscribe::Source::parse(value.trim()).map_err(|why| {
                origin
                    .with_text(crate::secrets::mask_url(&value))
                    .error(why)
            })?;
            if token.is_none() {
                return Err(ConfigError::RelayWithoutToken { at: origin.blame() });
            }
            Some(source)
        }
        _ => None,
    };
    let mut relay_tokens = std::collections::BTreeMap::new();
    for (channel, token) in file
        .relay
        .as_ref()
        .and_then(|r| r.tokens.as_ref())
        .into_iter()
        .flatten()
    {
        if !crate::relay::valid_channel(channel)
            || token.trim().is_empty()
            || token.chars().any(char::is_control)
        {
            return Err(layers
                .file_origin(&format!("[relay.tokens] {channel}"), String::new())
                .secret_error(
                    "expected CHANNEL = \"TOKEN\" (CHANNEL: 1-64 of A-Z a-z 0-9 _ -, TOKEN not empty, \
                     without control characters)",
                ));
        }
        relay_tokens.insert(channel.clone(), token.clone());
    }
    let at_least_one = |key: &str, flag: Option<u64>, file: Option<u64>, what: &str| match layers
        .pick(key, flag, file, what)?
    {
        Some(Sourced { value: 0, origin }) => Err(origin.error(format!(
            "must be at least 1 ({what}; to empty the store use `hookcatch delete --all`)"
        ))),
        other => Ok(other.map(|s| s.value)),
    };
    let retention = Retention {
        keep: at_least_one(
            "keep",
            args.keep,
            file.keep,
            "a number of requests, e.g. 10000",
        )?,
        keep_days: at_least_one(
            "keep_days",
            args.keep_days,
            file.keep_days,
            "a number of days, e.g. 30",
        )?,
        per_channel: false,
    };

    let config = Config {
        addr: SocketAddr::new(ip, port),
        store: store_location(global, &file, ephemeral)?,
        store_note: store_note(global, &file, ephemeral),
        fsync: layers.switch("fsync", args.fsync, file.fsync)?,
        headless: layers.switch("headless", args.headless, file.headless)?,
        mask_secrets: layers.switch("mask_secrets", args.mask_secrets, file.mask_secrets)?,
        response: ResponseConfig {
            status,
            headers,
            body,
            delay: Duration::from_millis(delay),
        },
        limits: Limits {
            max_body,
            header_timeout: Duration::from_secs(header_timeout),
            idle_timeout: Duration::from_secs(idle_timeout),
            body_timeout: Duration::from_secs(body_timeout),
            max_headers: 100,
            max_header_bytes: 64 * 1024,
        },
        auth: auth_layers::auth_config(args, &file, &layers)?,
        enforce_auth,
        enforce_auth_origin: enforce_auth
            .then(|| layers.switch_blame("enforce_auth", args.enforce_auth)),
        theme: layers
            .pick(
                "theme",
                args.theme.clone(),
                file.theme.clone(),
                "a theme name",
            )?
            .map(|t| t.value),
        bell: layers.switch("bell", args.bell, file.bell)?,
        rules,
        mode,
        forward: forward.map(|f| f.value),
        forward_mode,
        replay_to: replay_to.map(|t| t.value),
        timeout,
        insecure: layers.switch("insecure", args.insecure, file.insecure)?,
        ladder_scale,
        file: file_path,
        from,
        token: token.map(|t| t.value),
        relay_tokens,
        file_note,
        retention,
    };
    Ok((config, file))
}

/// A forward or replay target that hookcatch can send to; the error shows
/// the URL with its password masked.
fn check_url(url: &Sourced<String>) -> Result<(), ConfigError> {
    use crate::replay::build::BuildError;
    let origin = url.origin.with_text(crate::secrets::mask_url(&url.value));
    crate::replay::Target::parse(&url.value).map_err(|e| match e {
        BuildError::BadScheme(_) => {
            origin.error("not an http:// or https:// URL (e.g. http://localhost:3000/webhooks)")
        }
        BuildError::NoHost(_) => {
            origin.error("the URL has no host (e.g. http://localhost:3000/webhooks)")
        }
        other => origin.error(other),
    })?;
    Ok(())
}
