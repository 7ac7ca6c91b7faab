//! Where hookcatch keeps its files when not told: `XDG_CONFIG_HOME` and
//! `XDG_DATA_HOME` when set, on every platform (command-line users on macOS
//! and Windows ask for `~/.config` too), else the platform's directories
//! (`~/.config` and `~/.local/share` on Linux, `~/Library/Application
//! Support` on macOS, `%APPDATA%` on Windows). Each answer says which rule
//! chose it, for `hookcatch config`.

use std::path::PathBuf;

/// A directory and the rule that chose it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dir {
    pub path: PathBuf,
    pub source: DirSource,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirSource {
    /// The named XDG variable was set (to an absolute path).
    Xdg(&'static str),
    /// The platform's convention.
    Platform,
}

impl DirSource {
    /// Why this directory, in a few words: `from XDG_CONFIG_HOME`.
    pub fn describe(self) -> &'static str {
        match self {
            DirSource::Xdg("XDG_CONFIG_HOME") => "from XDG_CONFIG_HOME",
            DirSource::Xdg(_) => "from XDG_DATA_HOME",
            DirSource::Platform => "the platform default",
        }
    }
}

/// `<config home>/hookcatch`: the config file and user themes.
pub fn config_dir() -> Option<Dir> {
    resolve("XDG_CONFIG_HOME", |d| d.config_dir().to_path_buf())
}

/// `<data home>/hookcatch`: the store and the prompt history.
pub fn data_dir() -> Option<Dir> {
    resolve("XDG_DATA_HOME", |d| d.data_dir().to_path_buf())
}

fn resolve(
    variable: &'static str,
    platform: impl FnOnce(&directories::ProjectDirs) -> PathBuf,
) -> Option<Dir> {
    if let Some(home) = xdg(std::env::var_os(variable)) {
        return Some(Dir {
            path: home.join("hookcatch"),
            source: DirSource::Xdg(variable),
        });
    }
    directories::ProjectDirs::from("", "", "hookcatch").map(|d| Dir {
        path: platform(&d),
        source: DirSource::Platform,
    })
}

/// An XDG variable counts when set to an absolute path: the specification
/// says relative ones are invalid and to be ignored, as is an empty one.
fn xdg(value: Option<std::ffi::OsString>) -> Option<PathBuf> {
    value.map(PathBuf::from).filter(|p| p.is_absolute())
}

#[cfg(test)]
mod tests {
    use super::xdg;

    #[test]
    fn only_absolute_xdg_paths_count() {
        assert_eq!(xdg(None), None);
        assert_eq!(xdg(Some("".into())), None);
        assert_eq!(xdg(Some("relative/dir".into())), None);
        let absolute = std::env::temp_dir();
        assert_eq!(xdg(Some(absolute.clone().into())), Some(absolute));
    }
}
