//! Where each setting comes from: a flag, a `HOOKCATCH_*` variable or a key of
//! the config file (highest first), and how a bad value names that place in
//! its one-line error: `--status 99`, `HOOKCATCH_STATUS=99`,
//! `/path/hookcatch.toml: status = 99`.
//!
//! clap parses only the flags; the environment is read here, so a bad
//! variable is blamed on the variable and not on a flag the user never gave.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::ConfigError;

/// The `HOOKCATCH_*` variables of the process (or of a test).
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The process environment's `HOOKCATCH_*` variables.
    pub fn from_process() -> Result<Env, ConfigError> {
        let mut vars = BTreeMap::new();
        for (key, value) in std::env::vars_os() {
            let Some(key) = key.to_str().filter(|k| k.starts_with("HOOKCATCH_")) else {
                continue;
            };
            let value = value.into_string().map_err(|_| ConfigError::NotUtf8 {
                var: key.to_string(),
            })?;
            vars.insert(key.to_string(), value);
        }
        Ok(Env { vars })
    }

    /// An environment of exactly these variables.
    pub fn of<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Env {
        Env {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// A variable's value; an empty one counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// Every set (non-empty) variable whose name starts with `prefix`, with the
    /// rest of its name.
    pub fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str, &'a str)> + 'a {
        self.vars.iter().filter_map(move |(k, v)| {
            let rest = k.strip_prefix(prefix)?;
            (!v.trim().is_empty()).then_some((k.as_str(), rest, v.as_str()))
        })
    }
}

/// The place a value was written.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Place {
    Flag(String),
    Env(String),
    File { path: PathBuf, key: String },
}

/// Where a value came from and how it was written there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    place: Place,
    text: String,
}

impl Origin {
    /// `--status` with the value as it was given.
    pub fn flag(flag: &str, text: impl Into<String>) -> Origin {
        Origin {
            place: Place::Flag(flag.to_string()),
            text: text.into(),
        }
    }

    pub fn env(var: &str, text: impl Into<String>) -> Origin {
        Origin {
            place: Place::Env(var.to_string()),
            text: text.into(),
        }
    }

    /// `key` of the config file at `path`; `text` is the TOML value.
    pub fn file(path: &Path, key: &str, text: impl Into<String>) -> Origin {
        Origin {
            place: Place::File {
                path: path.to_path_buf(),
                key: key.to_string(),
            },
            text: text.into(),
        }
    }

    /// The place without the value, for secrets: `--basic`, `HOOKCATCH_BASIC`,
    /// `/path/hookcatch.toml: basic`.
    pub fn name(&self) -> String {
        match &self.place {
            Place::Flag(flag) => flag.clone(),
            Place::Env(var) => var.clone(),
            Place::File { path, key } => format!("{}: {key}", path.display()),
        }
    }

    /// The place and the value as written: `--status 99`, `HOOKCATCH_STATUS=99`,
    /// `/path/hookcatch.toml: status = 99`.
    pub fn blame(&self) -> String {
        let text = crate::text::sanitize(&self.text);
        match &self.place {
            Place::Flag(flag) => format!("{flag} {}", shell_word(&text)),
            Place::Env(var) => format!("{var}={}", shell_word(&text)),
            Place::File { path, key } => format!("{}: {key} = {text}", path.display()),
        }
    }

    /// `{blame}: {why}` as a usage error.
    pub fn error(&self, why: impl fmt::Display) -> ConfigError {
        ConfigError::BadValue {
            at: self.blame(),
            why: why.to_string(),
        }
    }

    /// `{name}: {why}`, for values that must not be echoed.
    pub fn secret_error(&self, why: impl fmt::Display) -> ConfigError {
        ConfigError::BadValue {
            at: self.name(),
            why: why.to_string(),
        }
    }

    /// The same place, holding another rendering of the value.
    pub fn with_text(&self, text: impl Into<String>) -> Origin {
        Origin {
            place: self.place.clone(),
            text: text.into(),
        }
    }
}

/// A word as a shell would need it: bare when safe, else single-quoted.
fn shell_word(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./:@%+=,".contains(c));
    if safe {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// A value as its flag takes it and as TOML writes it.
pub trait Written {
    fn flag_text(&self) -> String;
    fn toml_text(&self) -> String;
}

impl Written for String {
    fn flag_text(&self) -> String {
        self.clone()
    }
    fn toml_text(&self) -> String {
        format!("{self:?}")
    }
}

macro_rules! written_by_display {
    ($($t:ty),*) => {$(
        impl Written for $t {
            fn flag_text(&self) -> String {
                self.to_string()
            }
            fn toml_text(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
written_by_display!(u16, u64, f64);

impl Written for crate::capture::Mode {
    fn flag_text(&self) -> String {
        self.label().to_string()
    }
    fn toml_text(&self) -> String {
        format!("{:?}", self.label())
    }
}

impl Written for crate::replay::forward::ForwardMode {
    fn flag_text(&self) -> String {
        self.as_str().to_string()
    }
    fn toml_text(&self) -> String {
        format!("{:?}", self.as_str())
    }
}

/// A value and where it came from.
#[derive(Clone, Debug)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
}

/// The three layers a setting is looked up in, highest first.
pub struct Layers<'a> {
    pub env: &'a Env,
    pub file_path: Option<&'a Path>,
}

impl Layers<'_> {
    /// `--max-body` for the key `max_body`.
    pub fn flag_name(key: &str) -> String {
        format!("--{}", key.replace('_', "-"))
    }

    /// `HOOKCATCH_MAX_BODY` for the key `max_body`.
    pub fn env_name(key: &str) -> String {
        format!("HOOKCATCH_{}", key.to_ascii_uppercase())
    }

    /// The origin of a config-file value.
    pub fn file_origin(&self, key: &str, text: String) -> Origin {
        let path = self.file_path.unwrap_or(Path::new("hookcatch.toml"));
        Origin::file(path, key, text)
    }

    /// A setting from the flag, else `HOOKCATCH_<KEY>` (parsed as `T`; when it
    /// does not parse, the error says `expected`), else the file's key.
    pub fn pick<T: FromStr + Written>(
        &self,
        key: &str,
        flag: Option<T>,
        file: Option<T>,
        expected: &str,
    ) -> Result<Option<Sourced<T>>, ConfigError> {
        if let Some(value) = flag {
            let origin = Origin::flag(&Self::flag_name(key), value.flag_text());
            return Ok(Some(Sourced { value, origin }));
        }
        let var = Self::env_name(key);
        if let Some(text) = self.env.get(&var) {
            let origin = Origin::env(&var, text);
            let value = text
                .trim()
                .parse::<T>()
                .map_err(|_| origin.error(format!("expected {expected}")))?;
            return Ok(Some(Sourced { value, origin }));
        }
        Ok(file.map(|value| {
            let origin = self.file_origin(key, value.toml_text());
            Sourced { value, origin }
        }))
    }

    /// A switch: on when its flag is given, else `HOOKCATCH_<KEY>` (boolish),
    /// else the file's key, else off.
    pub fn switch(&self, key: &str, flag: bool, file: Option<bool>) -> Result<bool, ConfigError> {
        if flag {
            return Ok(true);
        }
        let var = Self::env_name(key);
        if let Some(text) = self.env.get(&var) {
            return parse_boolish(text).ok_or_else(|| {
                Origin::env(&var, text).error(format!("expected {BOOLISH_EXPECTED}"))
            });
        }
        Ok(file.unwrap_or(false))
    }

    /// Where a switch that is on was turned on, as an error names it:
    /// `--enforce-auth`, `HOOKCATCH_ENFORCE_AUTH=1` or the file's key.
    pub fn switch_blame(&self, key: &str, flag: bool) -> String {
        if flag {
            return Self::flag_name(key);
        }
        let var = Self::env_name(key);
        match self.env.get(&var) {
            Some(text) => Origin::env(&var, text).blame(),
            None => self.file_origin(key, "true".into()).blame(),
        }
    }

    /// A repeatable setting: the flags if any, else the lines of the first of
    /// `vars` that is set, else the file's list; each value with its origin.
    pub fn list(
        &self,
        flag: &str,
        vars: &[&str],
        key: &str,
        flags: &[String],
        file: Option<&[String]>,
    ) -> Vec<Sourced<String>> {
        let given = |values: Vec<(String, Origin)>| {
            values
                .into_iter()
                .filter(|(v, _)| !v.trim().is_empty())
                .map(|(value, origin)| Sourced { value, origin })
                .collect::<Vec<_>>()
        };
        if !flags.is_empty() {
            return given(
                flags
                    .iter()
                    .map(|v| (v.clone(), Origin::flag(flag, v.clone())))
                    .collect(),
            );
        }
        if let Some((var, text)) = vars.iter().find_map(|v| Some((*v, self.env.get(v)?))) {
            return given(
                text.lines()
                    .map(|line| (line.to_string(), Origin::env(var, line)))
                    .collect(),
            );
        }
        given(
            file.unwrap_or_default()
                .iter()
                .map(|v| (v.clone(), self.file_origin(key, v.toml_text())))
                .collect(),
        )
    }
}

/// What a boolean variable or key accepts, for error messages.
pub const BOOLISH_EXPECTED: &str = "true or false (also 1/0, yes/no, on/off)";

/// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, `y`/`n`, `t`/`f`, in any case
/// (what clap's `BoolishValueParser` accepts).
pub fn parse_boolish(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "t" | "yes" | "y" | "on" => Some(true),
        "0" | "false" | "f" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

/// serde `deserialize_with` for an optional boolean key that also takes
/// `1`/`0` and the boolish strings.
pub fn boolish<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(BOOLISH_EXPECTED)
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            match v {
                0 => Ok(Some(false)),
                1 => Ok(Some(true)),
                _ => Err(E::invalid_value(serde::de::Unexpected::Signed(v), &self)),
            }
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            match v {
                0 => Ok(Some(false)),
                1 => Ok(Some(true)),
                _ => Err(E::invalid_value(serde::de::Unexpected::Unsigned(v), &self)),
            }
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            parse_boolish(v)
                .map(Some)
                .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
        }
    }
    d.deserialize_any(Visitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blames_name_the_place() {
        assert_eq!(Origin::flag("--status", "99").blame(), "--status 99");
        assert_eq!(
            Origin::env("HOOKCATCH_STATUS", "99").blame(),
            "HOOKCATCH_STATUS=99"
        );
        assert_eq!(
            Origin::file(Path::new("/x/hookcatch.toml"), "bind", "\"nope\"").blame(),
            "/x/hookcatch.toml: bind = \"nope\""
        );
        assert_eq!(
            Origin::flag("--response-header", "A: b").blame(),
            "--response-header 'A: b'"
        );
        assert_eq!(
            Origin::env("HOOKCATCH_X", "it's\x1b").blame(),
            r"HOOKCATCH_X='it'\''s\x1b'"
        );
        assert_eq!(
            Origin::env("HOOKCATCH_BASIC", "a:b").name(),
            "HOOKCATCH_BASIC"
        );
    }

    #[test]
    fn layers_pick_flag_then_env_then_file() {
        let env = Env::of([("HOOKCATCH_PORT", "2222"), ("HOOKCATCH_DELAY", "")]);
        let layers = Layers {
            env: &env,
            file_path: Some(Path::new("h.toml")),
        };
        let port = |flag| {
            layers
                .pick::<u16>("port", flag, Some(1111), "a port")
                .unwrap()
        };
        assert_eq!(port(Some(3333)).unwrap().value, 3333);
        let from_env = port(None).unwrap();
        assert_eq!(from_env.value, 2222);
        assert_eq!(from_env.origin.blame(), "HOOKCATCH_PORT=2222");
        let delay = layers.pick::<u64>("delay", None, Some(5), "ms").unwrap();
        assert_eq!(delay.unwrap().origin.blame(), "h.toml: delay = 5");

        let env = Env::of([("HOOKCATCH_PORT", "abc")]);
        let layers = Layers {
            env: &env,
            file_path: None,
        };
        let err = layers
            .pick::<u16>("port", None, None, "a port")
            .unwrap_err();
        assert!(
            matches!(&err, ConfigError::BadValue { at, why }
                if at == "HOOKCATCH_PORT=abc" && why == "expected a port"),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "HOOKCATCH_PORT=abc: expected a port");
    }

    #[test]
    fn switches_are_boolish() {
        for (text, want) in [("1", true), ("On", true), ("YES", true), ("0", false)] {
            let env = Env::of([("HOOKCATCH_FSYNC", text)]);
            let layers = Layers {
                env: &env,
                file_path: None,
            };
            assert_eq!(layers.switch("fsync", false, Some(!want)).unwrap(), want);
        }
        let env = Env::of([("HOOKCATCH_FSYNC", "maybe")]);
        let layers = Layers {
            env: &env,
            file_path: None,
        };
        let err = layers.switch("fsync", false, None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("HOOKCATCH_FSYNC=maybe: expected true or false")
        );
        assert!(layers.switch("fsync", true, None).unwrap(), "the flag wins");
    }
}
