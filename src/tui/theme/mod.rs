//! Colour themes: a syntect `.tmTheme` for bodies plus a UI palette (`.toml`)
//! with semantic colours. The built-in ones live in the top-level `themes/`
//! folder and are embedded at build time; `<config dir>/hookcatch/themes/`
//! (e.g. `~/.config/hookcatch/themes/NAME.tmTheme`, optional `NAME.toml`) adds
//! more or overrides a built-in by name. `NO_COLOR` turns every colour off;
//! meaning then rides on bold/reverse/underline instead.
//!
//! Panes never spell colours: they ask `theme.method(m)`, `theme.verdict(v)`,
//! `theme.status(code)` and friends.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ratatui::style::{Color, Modifier, Style};

use crate::inspect::Verdict;

/// The theme used when none is named.
pub const DEFAULT_THEME: &str = "hookcatch-dark";

mod files;
mod palette;

use files::{BUILTIN, load_user, parse_tm_theme, valid_name};
pub use files::{Source, list, theme_list};
use palette::Palette;

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown theme {name:?}; available themes: {available}{hint}")]
    Unknown {
        name: String,
        available: String,
        hint: String,
    },
    #[error("theme {name:?}: {reason}")]
    Invalid { name: String, reason: String },
}

/// A loaded theme: UI styles plus the syntect theme for bodies.
#[derive(Clone)]
pub struct Theme {
    pub name: String,
    pub dark: bool,
    /// False under `NO_COLOR`: no colours at all, highlighting off.
    pub color: bool,
    palette: Palette,
    /// The syntect theme, `None` when colours are off.
    pub syntax: Option<Arc<syntect::highlighting::Theme>>,
}

impl std::fmt::Debug for Theme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Theme")
            .field("name", &self.name)
            .field("color", &self.color)
            .finish()
    }
}

/// True when the `NO_COLOR` convention asks for no colour (set and not empty).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// `<config dir>/hookcatch/themes`, e.g. `~/.config/hookcatch/themes`.
pub fn user_dir() -> Option<PathBuf> {
    crate::dirs::config_dir().map(|d| d.path.join("themes"))
}

impl Theme {
    /// The theme for the TUI: `name` (or the default) from the user directory
    /// or the built-in set, with `NO_COLOR` honoured.
    pub fn load(name: Option<&str>) -> Result<Theme, ThemeError> {
        let theme = Self::load_from(name.unwrap_or(DEFAULT_THEME), user_dir().as_deref())?;
        Ok(if no_color_requested() {
            theme.without_color()
        } else {
            theme
        })
    }

    /// A built-in theme by name (tests, benchmarks).
    pub fn builtin(name: &str) -> Result<Theme, ThemeError> {
        Self::load_from(name, None)
    }

    /// Look in `user_dir` first, then the built-in set.
    pub fn load_from(name: &str, user_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let name = name.trim();
        if let Some(dir) = user_dir {
            let tm_path = dir.join(format!("{name}.tmTheme"));
            if valid_name(name) && tm_path.is_file() {
                return load_user(name, &tm_path);
            }
        }
        let Some(builtin) = BUILTIN.iter().find(|b| b.name.eq_ignore_ascii_case(name)) else {
            let available = list(user_dir)
                .into_iter()
                .filter(|(_, kind, _)| !kind.starts_with("error"))
                .map(|(n, _, _)| n)
                .collect::<Vec<_>>()
                .join(", ");
            let hint = user_dir.map_or(String::new(), |d| {
                format!(" (add your own as {}/NAME.tmTheme)", d.display())
            });
            return Err(ThemeError::Unknown {
                name: name.to_string(),
                available,
                hint,
            });
        };
        let palette: Palette =
            toml::from_str(builtin.palette).map_err(|e| ThemeError::Invalid {
                name: builtin.name.into(),
                reason: e.to_string(),
            })?;
        let syntax =
            parse_tm_theme(builtin.tm_theme.as_bytes()).map_err(|reason| ThemeError::Invalid {
                name: builtin.name.into(),
                reason,
            })?;
        Ok(Theme::assemble(builtin.name, palette, Some(syntax)))
    }

    fn assemble(
        name: &str,
        palette: Palette,
        syntax: Option<syntect::highlighting::Theme>,
    ) -> Theme {
        Theme {
            name: name.to_string(),
            dark: palette.kind != "light",
            color: true,
            palette,
            syntax: syntax.map(Arc::new),
        }
    }

    /// The built-in theme of the other kind (`t`): dark <-> light, with
    /// colours still off under `NO_COLOR`.
    pub fn other(&self) -> Result<Theme, ThemeError> {
        let name = if self.dark {
            "hookcatch-light"
        } else {
            DEFAULT_THEME
        };
        let theme = Self::builtin(name)?;
        Ok(if self.color {
            theme
        } else {
            theme.without_color()
        })
    }

    /// The same theme with every colour off (`NO_COLOR`).
    pub fn without_color(mut self) -> Theme {
        self.color = false;
        self.syntax = None;
        self
    }

    fn fg(&self, spec: &str) -> Style {
        if self.color {
            Style::new().fg(color(spec))
        } else {
            Style::new()
        }
    }

    fn on(&self, fg: &str, bg: &str) -> Style {
        if self.color {
            Style::new().fg(color(fg)).bg(color(bg))
        } else {
            Style::new()
        }
    }

    // ---- UI chrome ----

    /// The whole screen's base style.
    pub fn base(&self) -> Style {
        self.on(&self.palette.ui.text, &self.palette.ui.background)
    }
    pub fn text(&self) -> Style {
        self.fg(&self.palette.ui.text)
    }
    pub fn dim(&self) -> Style {
        if self.color {
            self.fg(&self.palette.ui.dim)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
    pub fn accent(&self) -> Style {
        self.fg(&self.palette.ui.accent)
    }
    pub fn label(&self) -> Style {
        self.dim()
    }
    pub fn title(&self) -> Style {
        self.fg(&self.palette.ui.title).add_modifier(Modifier::BOLD)
    }
    pub fn border(&self, focused: bool) -> Style {
        let spec = if focused {
            &self.palette.ui.border_focus
        } else {
            &self.palette.ui.border
        };
        let style = self.fg(spec);
        if focused && !self.color {
            style.add_modifier(Modifier::BOLD)
        } else {
            style
        }
    }
    /// The selected list row.
    pub fn selected(&self) -> Style {
        if self.color {
            self.on(&self.palette.ui.selection_fg, &self.palette.ui.selection_bg)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    pub fn tab(&self, active: bool) -> Style {
        if active {
            self.fg(&self.palette.ui.tab_active)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            self.dim()
        }
    }
    pub fn status_bar(&self) -> Style {
        if self.color {
            self.on(&self.palette.ui.status_fg, &self.palette.ui.status_bg)
        } else {
            Style::new()
        }
    }
    pub fn key(&self) -> Style {
        self.fg(&self.palette.ui.key).add_modifier(Modifier::BOLD)
    }
    pub fn line_number(&self) -> Style {
        if self.color {
            self.fg(&self.palette.ui.line_number)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
    pub fn error(&self) -> Style {
        self.fg(&self.palette.ui.error).add_modifier(Modifier::BOLD)
    }
    pub fn warning(&self) -> Style {
        self.fg(&self.palette.ui.warning)
    }
    pub fn note(&self) -> Style {
        self.fg(&self.palette.ui.note)
            .add_modifier(Modifier::ITALIC)
    }
    pub fn search_match(&self) -> Style {
        if self.color {
            self.on(&self.palette.ui.match_fg, &self.palette.ui.match_bg)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::UNDERLINED)
        }
    }
    /// A masked secret.
    pub fn masked(&self) -> Style {
        self.fg(&self.palette.ui.masked)
            .add_modifier(Modifier::ITALIC)
    }

    // ---- meaning ----

    /// An HTTP method.
    pub fn method(&self, method: &str) -> Style {
        let m = &self.palette.method;
        let spec = match method.to_ascii_uppercase().as_str() {
            "GET" | "HEAD" => &m.get,
            "POST" => &m.post,
            "PUT" => &m.put,
            "PATCH" => &m.patch,
            "DELETE" => &m.delete,
            _ => &m.other,
        };
        self.fg(spec).add_modifier(Modifier::BOLD)
    }

    fn verdict_color(&self, v: Verdict) -> &str {
        let p = &self.palette.verdict;
        match v {
            Verdict::Valid => &p.valid,
            Verdict::Invalid => &p.invalid,
            Verdict::Missing => &p.missing,
            Verdict::Unconfigured => &p.unconfigured,
        }
    }

    /// An auth verdict as a badge (coloured background).
    pub fn verdict(&self, v: Verdict) -> Style {
        if self.color {
            self.on(&self.palette.ui.badge_fg, self.verdict_color(v))
                .add_modifier(Modifier::BOLD)
        } else {
            match v {
                Verdict::Valid => Style::new().add_modifier(Modifier::BOLD),
                Verdict::Invalid => Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
                Verdict::Missing => Style::new().add_modifier(Modifier::UNDERLINED),
                Verdict::Unconfigured => Style::new().add_modifier(Modifier::DIM),
            }
        }
    }

    /// An auth verdict as coloured text (inside sentences).
    pub fn verdict_text(&self, v: Verdict) -> Style {
        self.fg(self.verdict_color(v)).add_modifier(Modifier::BOLD)
    }

    /// The status hookcatch answered (`None`: not answered).
    pub fn status(&self, code: Option<u16>) -> Style {
        let p = &self.palette.status;
        let spec = match code {
            None => &p.none,
            Some(200..=299) => &p.success,
            Some(300..=399) => &p.redirect,
            Some(400..=499) => &p.client_error,
            Some(_) => &p.server_error,
        };
        self.fg(spec)
    }

    /// A line only the newer answer has (a diff's `+`).
    pub fn diff_added(&self) -> Style {
        if self.color {
            self.fg(&self.palette.status.success)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    /// A line only the older answer has (a diff's `-`).
    pub fn diff_removed(&self) -> Style {
        if self.color {
            self.fg(&self.palette.status.server_error)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn json_key(&self) -> Style {
        self.fg(&self.palette.json.key)
    }
    pub fn json_string(&self) -> Style {
        self.fg(&self.palette.json.string)
    }
    pub fn json_number(&self) -> Style {
        self.fg(&self.palette.json.number)
    }
    pub fn json_literal(&self) -> Style {
        self.fg(&self.palette.json.literal)
    }
    pub fn json_punct(&self) -> Style {
        self.fg(&self.palette.json.punctuation)
    }
}

/// A colour spec: `#rrggbb`, a palette index, a name, or `reset`.
fn color(spec: &str) -> Color {
    spec.trim().parse::<Color>().unwrap_or(Color::Reset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_pair() {
        for b in BUILTIN {
            let theme = Theme::builtin(b.name).expect("built-in theme loads");
            assert!(theme.syntax.is_some());
            assert_eq!(theme.palette.kind == "light", b.name.ends_with("light"));
        }
    }

    #[test]
    fn unknown_theme_lists_names() {
        let err = Theme::builtin("nope").unwrap_err().to_string();
        assert!(
            err.contains("hookcatch-dark") && err.contains("hookcatch-light"),
            "{err}"
        );
    }

    #[test]
    fn no_color_has_no_colors() {
        let theme = Theme::builtin("hookcatch-dark").unwrap().without_color();
        for style in [
            theme.verdict(Verdict::Invalid),
            theme.method("POST"),
            theme.status(Some(500)),
            theme.selected(),
        ] {
            assert_eq!(style.fg, None);
            assert_eq!(style.bg, None);
        }
        assert!(theme.syntax.is_none());
    }

    #[test]
    fn user_theme_overrides_and_merges() {
        let dir = tempfile::tempdir().unwrap();
        let light = BUILTIN[1].tm_theme.replace("hookcatch-light", "mine");
        std::fs::write(dir.path().join("mine.tmTheme"), light).unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "[verdict]\nvalid = \"#010203\"\n",
        )
        .unwrap();
        let theme = Theme::load_from("mine", Some(dir.path())).unwrap();
        assert!(!theme.dark);
        assert_eq!(theme.verdict(Verdict::Valid).bg, Some(Color::Rgb(1, 2, 3)));
        let names: Vec<String> = list(Some(dir.path()))
            .into_iter()
            .map(|(n, _, _)| n)
            .collect();
        assert_eq!(names, ["hookcatch-dark", "hookcatch-light", "mine"]);
    }
}
