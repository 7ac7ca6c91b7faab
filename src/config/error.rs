//! What can be wrong with the user's settings, one variant per kind of
//! mistake. Each renders as the one line the user sees (exit code 2), and
//! names where the mistake was made: a flag, a `HOOKCATCH_*` variable or a
//! line of the config file.

use std::path::PathBuf;

/// A mistake in the user's flags, environment or config file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value that does not parse or is out of range. `at` is where it was
    /// written, as [`super::layers::Origin`] renders it: `--status 99`,
    /// `HOOKCATCH_STATUS=99`, `/path/hookcatch.toml: status = 99` (for a
    /// secret only the place, never the value).
    #[error("{at}: {why}")]
    BadValue { at: String, why: String },

    /// A `HOOKCATCH_*` variable holding bytes that are not UTF-8.
    #[error("{var} is not valid UTF-8: set it to plain text, or unset it")]
    NotUtf8 { var: String },

    /// `HOOKCATCH_VERIFY_<NAME>` for a sender hookcatch cannot verify;
    /// `known` lists the variables it reads.
    #[error("{var}: unknown signature provider {name:?}; use one of {known}")]
    UnknownProviderVar {
        var: String,
        name: String,
        known: String,
    },

    /// The config file (found, or named by `--config`) cannot be read.
    #[error(
        "cannot read config file {}: {why} (fix the path given to --config or HOOKCATCH_CONFIG)",
        path.display()
    )]
    UnreadableFile { path: PathBuf, why: std::io::Error },

    /// A key the config file may not hold. `at` is `path:LINE: the line`.
    #[error("{at}: {message}")]
    UnknownKey {
        at: String,
        key: String,
        message: String,
    },

    /// The config file is not TOML, or a key holds the wrong type. `at` is
    /// `path:LINE: the line` (or only the path when TOML gives no place).
    #[error("{at}: {message}")]
    InvalidFile { at: String, message: String },

    /// `enforce_auth` is on (`origin` says where) with no credential to
    /// check: every request would be answered 401.
    #[error(
        "{origin}: no credential is configured, so every request would get 401; \
         set --secret, --bearer, --basic or --verify PROVIDER=SECRET (or turn enforce_auth off)"
    )]
    EnforceAuthWithoutCredential { origin: String },

    /// A relay to follow (`at` says where it was given) and no token to read it with.
    #[error(
        "{at}: a relay is read with its token: add --token TOKEN (or HOOKCATCH_TOKEN, or token in the config file)"
    )]
    RelayWithoutToken { at: String },

    /// `hookcatch relay` without the token that guards reading its channels.
    #[error(
        "relay needs a token to guard reading its channels: --token TOKEN \
         (or HOOKCATCH_TOKEN, or token in the config file)"
    )]
    RelayNeedsToken,

    /// A setting that conflicts with the subcommand it was given to
    /// (`--from` for `relay`); `why` says where it belongs instead.
    #[error("{setting} {why}")]
    Conflict {
        setting: &'static str,
        why: &'static str,
    },

    /// Nowhere to keep the store by default, and none was given.
    #[error("no home directory to keep the store in; pass --store PATH or --ephemeral")]
    NoStoreHome,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> ConfigError {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.toml");
        std::fs::write(&path, text).unwrap();
        super::super::read_file(Some(&path)).unwrap_err()
    }

    #[test]
    fn a_file_mistake_says_which_kind_it_is_and_where() {
        let err = read("port = 1\ncolour = \"red\"\n");
        let ConfigError::UnknownKey { at, key, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(key, "colour");
        assert!(at.ends_with("h.toml:2: colour = \"red\""), "{at}");
        assert!(err.to_string().contains("unknown field `colour`"), "{err}");

        let err = read("port = \"many\"\n");
        assert!(
            matches!(&err, ConfigError::InvalidFile { at, .. } if at.ends_with("h.toml:1: port = \"many\"")),
            "{err:?}"
        );

        let err =
            super::super::read_file(Some(std::path::Path::new("/nonexistent/h.toml"))).unwrap_err();
        assert!(
            matches!(&err, ConfigError::UnreadableFile { why, .. }
                if why.kind() == std::io::ErrorKind::NotFound),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("cannot read config file /nonexistent/h.toml: "),
            "{err}"
        );
    }
}
