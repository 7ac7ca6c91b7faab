//! The settings only `hookcatch relay` has (`--hold`, `--rate`, `--tls-cert`,
//! `--tls-key`), layered like every other setting: flag > `HOOKCATCH_<NAME>` >
//! the key of the config file's `[relay]` table (beside `[relay.tokens]`).

use std::path::PathBuf;
use std::time::Duration;

use super::layers::{Layers, Origin, Sourced, Written};
use super::{ConfigError, Env, FileConfig};
use crate::cli::RelayArgs;
use crate::relay::channels::Rate;

/// The shortest hold: less is no time for a subscriber to answer, and the
/// message has always said 0.1.
const HOLD_MIN: f64 = 0.1;
/// The longest hold: senders rarely wait longer (Pingara waits 10 s).
const HOLD_MAX: f64 = 300.0;
const HOLD_EXPECTED: &str = "seconds from 0.1 to 300, e.g. 10";
const RATE_EXPECTED: &str = "requests per second or minute, e.g. 20/s or 600/m";

/// What only the relay has, checked before anything starts.
#[derive(Clone, Debug, Default)]
pub struct RelayConfig {
    pub hold: Option<Duration>,
    pub rate: Option<Rate>,
    /// Certificate chain and private key (PEM): serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
}

impl Written for PathBuf {
    fn flag_text(&self) -> String {
        self.display().to_string()
    }
    fn toml_text(&self) -> String {
        format!("{:?}", self.display().to_string())
    }
}

impl Layers<'_> {
    /// A `[relay]` key: the origin names the table.
    fn relay_pick<T: std::str::FromStr + Written>(
        &self,
        key: &str,
        flag: Option<T>,
        file: Option<T>,
        expected: &str,
    ) -> Result<Option<Sourced<T>>, ConfigError> {
        let picked = self.pick(key, flag, None, expected)?;
        if picked.is_some() {
            return Ok(picked);
        }
        Ok(file.map(|value| {
            let origin = self.file_origin(&format!("[relay] {key}"), value.toml_text());
            Sourced { value, origin }
        }))
    }
}

pub(super) fn relay_config(
    args: &RelayArgs,
    file: &FileConfig,
    env: &Env,
    file_path: Option<&std::path::Path>,
) -> Result<RelayConfig, ConfigError> {
    let layers = Layers { env, file_path };
    let table = file.relay.as_ref();
    let hold =
        match layers.relay_pick("hold", args.hold, table.and_then(|t| t.hold), HOLD_EXPECTED)? {
            None => None,
            Some(Sourced { value, .. }) if (HOLD_MIN..=HOLD_MAX).contains(&value) => {
                Some(Duration::from_secs_f64(value))
            }
            Some(Sourced { origin, .. }) => {
                return Err(origin.error(format!("expected {HOLD_EXPECTED}")));
            }
        };
    let rate = match layers.relay_pick(
        "rate",
        args.rate.clone(),
        table.and_then(|t| t.rate.clone()),
        RATE_EXPECTED,
    )? {
        None => None,
        Some(Sourced { value, origin }) => Some(
            Rate::parse(&value).ok_or_else(|| origin.error(format!("expected {RATE_EXPECTED}")))?,
        ),
    };
    let path = |key: &str, flag: &Option<PathBuf>, file: Option<PathBuf>| {
        layers
            .relay_pick(key, flag.clone(), file, "a path to a PEM file")
            .map(|p| p.filter(|p| !p.value.as_os_str().is_empty()))
    };
    let cert = path(
        "tls_cert",
        &args.tls_cert,
        table.and_then(|t| t.tls_cert.clone()),
    )?;
    let key = path(
        "tls_key",
        &args.tls_key,
        table.and_then(|t| t.tls_key.clone()),
    )?;
    let tls = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert.value, key.value)),
        (None, None) => None,
        (Some(one), None) => return Err(alone(&one.origin, "--tls-key")),
        (None, Some(one)) => return Err(alone(&one.origin, "--tls-cert")),
    };
    Ok(RelayConfig { hold, rate, tls })
}

/// One half of the TLS pair without the other.
fn alone(origin: &Origin, other: &str) -> ConfigError {
    origin.error(format!(
        "HTTPS needs both: add {other} (or {}, or {} in the config file's [relay] table)",
        Layers::env_name(&other[2..].replace('-', "_")),
        other[2..].replace('-', "_"),
    ))
}
