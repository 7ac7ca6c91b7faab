//! The auth settings: shared secret, Bearer, Basic and the signature secrets
//! of `--verify`, `HOOKCATCH_VERIFY_<PROVIDER>` and the `[verify]` table, each
//! error naming where the value came from without echoing the secret.

use std::str::FromStr;

use super::layers::{Layers, Origin};
use super::{ConfigError, FileConfig};
use crate::cli::ListenArgs;
use crate::inspect::auth::{AuthConfig, Provider};
use crate::secrets::MASK;

pub(super) fn auth_config(
    args: &ListenArgs,
    file: &FileConfig,
    layers: &Layers<'_>,
) -> Result<AuthConfig, ConfigError> {
    let secret = |key: &str, flag: &Option<String>, file: &Option<String>| {
        layers.pick(key, flag.clone(), file.clone(), "text")
    };
    let basic = secret("basic", &args.basic, &file.basic)?;
    if let Some(b) = basic.as_ref().filter(|b| !b.value.contains(':')) {
        return Err(b
            .origin
            .secret_error("expected 'user:pass' (with a colon between them)"));
    }
    let mut config = AuthConfig {
        secret: secret("secret", &args.secret, &file.secret)?.map(|s| s.value),
        bearer: secret("bearer", &args.bearer, &file.bearer)?.map(|s| s.value),
        basic: basic.map(|b| b.value),
        ..AuthConfig::default()
    };
    if let Some(header) = secret("secret_header", &args.secret_header, &file.secret_header)? {
        config.secret_header = header.value;
    }
    config.verify = verify_secrets(args, file, layers)?;
    Ok(config)
}

/// The signature secrets; per provider, flag > `HOOKCATCH_VERIFY_<PROVIDER>` > file.
fn verify_secrets(
    args: &ListenArgs,
    file: &FileConfig,
    layers: &Layers<'_>,
) -> Result<Vec<(Provider, String)>, ConfigError> {
    let mut chosen: Vec<(Provider, String)> = Vec::new();
    for spec in &args.verify {
        let origin = Origin::flag("--verify", MASK);
        let (name, secret) = spec
            .split_once('=')
            .ok_or_else(|| origin.error("expected PROVIDER=SECRET (e.g. github=mysecret)"))?;
        let origin = Origin::flag("--verify", format!("{name}={MASK}"));
        let provider = Provider::from_str(name.trim()).map_err(|e| origin.error(e))?;
        choose(&mut chosen, provider, secret, &origin, true)?;
    }
    for (var, name, secret) in layers.env.with_prefix("HOOKCATCH_VERIFY_") {
        let provider = Provider::from_str(name).map_err(|_| ConfigError::UnknownProviderVar {
            var: var.to_string(),
            name: name.to_ascii_lowercase(),
            known: Provider::VERIFIED
                .map(|p| {
                    format!(
                        "HOOKCATCH_VERIFY_{}",
                        p.as_str().to_ascii_uppercase().replace('-', "_")
                    )
                })
                .join(", "),
        })?;
        choose(&mut chosen, provider, secret, &Origin::env(var, ""), false)?;
    }
    for (name, secret) in file.verify.iter().flatten() {
        let origin = layers.file_origin(&format!("[verify] {name}"), String::new());
        let provider = Provider::from_str(name).map_err(|e| origin.secret_error(e))?;
        choose(&mut chosen, provider, secret, &origin, false)?;
    }
    Ok(chosen)
}

/// Keep `secret` for `provider`: over an earlier one when `replace` (a later
/// flag), else only when the provider has none yet (a lower layer).
fn choose(
    chosen: &mut Vec<(Provider, String)>,
    provider: Provider,
    secret: &str,
    origin: &Origin,
    replace: bool,
) -> Result<(), ConfigError> {
    if secret.is_empty() {
        return Err(origin.secret_error(format!(
            "no secret for {provider}: give the signing secret, e.g. {provider}=whsec_..."
        )));
    }
    match chosen.iter().position(|(p, _)| *p == provider) {
        Some(i) if replace => chosen[i].1 = secret.to_string(),
        Some(_) => {}
        None => chosen.push((provider, secret.to_string())),
    }
    Ok(())
}
