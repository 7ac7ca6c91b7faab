//! Where themes come from: the built-in ones embedded from `themes/`, and
//! `.tmTheme` (+ optional `.toml` palette) files in the user theme directory.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use syntect::highlighting::ThemeSet;

use super::palette::Palette;
use super::{DEFAULT_THEME, Theme, ThemeError, user_dir};

pub(super) struct Builtin {
    pub(super) name: &'static str,
    pub(super) tm_theme: &'static str,
    pub(super) palette: &'static str,
}

pub(super) const BUILTIN: &[Builtin] = &[
    Builtin {
        name: "hookcatch-dark",
        tm_theme: include_str!("../../../themes/hookcatch-dark.tmTheme"),
        palette: include_str!("../../../themes/hookcatch-dark.toml"),
    },
    Builtin {
        name: "hookcatch-light",
        tm_theme: include_str!("../../../themes/hookcatch-light.tmTheme"),
        palette: include_str!("../../../themes/hookcatch-light.toml"),
    },
];

/// Where a theme comes from, for `hookcatch themes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Builtin,
    User(PathBuf),
}

pub(super) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.')
}

pub(super) fn parse_tm_theme(bytes: &[u8]) -> Result<syntect::highlighting::Theme, String> {
    ThemeSet::load_from_reader(&mut Cursor::new(bytes))
        .map_err(|e| format!("not a valid .tmTheme: {e}"))
}

/// A user `.tmTheme`, with `NAME.toml` beside it merged over the built-in
/// palette of the same kind (dark or light, judged by the theme background).
pub(super) fn load_user(name: &str, tm_path: &Path) -> Result<Theme, ThemeError> {
    let invalid = |reason: String| ThemeError::Invalid {
        name: name.to_string(),
        reason,
    };
    let bytes = std::fs::read(tm_path)
        .map_err(|e| invalid(format!("cannot read {}: {e}", tm_path.display())))?;
    let syntax = parse_tm_theme(&bytes).map_err(invalid)?;
    let dark = syntax.settings.background.is_none_or(|c| {
        (0.299 * f64::from(c.r) + 0.587 * f64::from(c.g) + 0.114 * f64::from(c.b)) < 128.0
    });
    let base = BUILTIN[usize::from(!dark)].palette;
    let mut table: toml::Table = toml::from_str(base).map_err(|e| invalid(e.to_string()))?;
    let toml_path = tm_path.with_extension("toml");
    if toml_path.is_file() {
        let text = std::fs::read_to_string(&toml_path)
            .map_err(|e| invalid(format!("cannot read {}: {e}", toml_path.display())))?;
        let user: toml::Table =
            toml::from_str(&text).map_err(|e| invalid(format!("{}: {e}", toml_path.display())))?;
        merge(&mut table, user);
    }
    let palette: Palette = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| invalid(e.to_string()))?;
    Ok(Theme::assemble(name, palette, Some(syntax)))
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Every theme: (name, kind, source), built-ins first, user themes that
/// override a built-in replace it.
pub fn list(user_dir: Option<&Path>) -> Vec<(String, String, Source)> {
    let mut out: Vec<(String, String, Source)> = BUILTIN
        .iter()
        .map(|b| {
            let kind = if b.name.ends_with("light") {
                "light"
            } else {
                "dark"
            };
            (b.name.to_string(), kind.to_string(), Source::Builtin)
        })
        .collect();
    let Some(dir) = user_dir else { return out };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut user: Vec<(String, String, Source)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tmTheme"))
        .filter_map(|p| {
            let name = p.file_stem()?.to_str()?.to_string();
            if !valid_name(&name) {
                return None;
            }
            let kind = match load_user(&name, &p) {
                Ok(t) if t.dark => "dark".to_string(),
                Ok(_) => "light".to_string(),
                Err(ThemeError::Invalid { reason, .. }) => format!("error ({reason})"),
                Err(e) => format!("error ({e})"),
            };
            Some((name, kind, Source::User(p)))
        })
        .collect();
    user.sort_by(|a, b| a.0.cmp(&b.0));
    for entry in user {
        match out.iter_mut().find(|(n, _, _)| *n == entry.0) {
            Some(existing) => *existing = entry,
            None => out.push(entry),
        }
    }
    out
}

/// The text of `hookcatch themes`.
pub fn theme_list() -> String {
    let dir = user_dir();
    let themes = list(dir.as_deref());
    let width = themes.iter().map(|(n, _, _)| n.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (name, kind, source) in themes {
        let from = match source {
            Source::Builtin if name == DEFAULT_THEME => "built in (default)".to_string(),
            Source::Builtin => "built in".to_string(),
            Source::User(path) => crate::text::sanitize(&path.display().to_string()).into_owned(),
        };
        let kind = crate::text::sanitize(&kind).into_owned();
        match kind.split_once(' ') {
            // An unusable user theme: say why after where it is.
            Some((word, why)) => {
                out.push_str(&format!("{name:<width$}  {word:<5}  {from} {why}\n"))
            }
            None => out.push_str(&format!("{name:<width$}  {kind:<5}  {from}\n")),
        }
    }
    if let Some(dir) = dir {
        out.push_str(&format!(
            "\nAdd a theme as {}/NAME.tmTheme (optional NAME.toml for the UI palette); pick it with --theme NAME.\n",
            crate::text::sanitize(&dir.display().to_string())
        ));
    }
    out
}
