//! The prompts' history kept across runs, like a shell's: read when the TUI
//! starts, written when it ends, in the platform data directory
//! (`~/.local/share/hookcatch/prompt-history` on Linux), mode 0600 since a
//! filter may quote a header value. History is a convenience: a missing or
//! unreadable file means an empty history, and a failed write is only
//! reported on stderr after the terminal is restored.

use std::path::{Path, PathBuf};

use super::input::History;

const FILE: &str = "prompt-history";
const FILTER: &str = "filter ";
const SEARCH: &str = "search ";

/// Where the history lives; `None` when the platform has no data directory.
pub fn default_path() -> Option<PathBuf> {
    crate::dirs::data_dir().map(|d| d.path.join(FILE))
}

/// The filter and search histories saved at `path` (empty when there are none).
pub fn load(path: &Path) -> (History, History) {
    let (mut filters, mut searches) = (History::default(), History::default());
    let Ok(bytes) = std::fs::read(path) else {
        return (filters, searches);
    };
    for line in String::from_utf8_lossy(&bytes).lines() {
        if let Some(entry) = line.strip_prefix(FILTER) {
            filters.push(entry);
        } else if let Some(entry) = line.strip_prefix(SEARCH) {
            searches.push(entry);
        }
    }
    (filters, searches)
}

/// Write both histories to `path`, replacing what was there (nothing is
/// written when both are empty and there was no file).
pub fn save(path: &Path, filters: &History, searches: &History) -> std::io::Result<()> {
    if filters.entries().is_empty() && searches.entries().is_empty() && !path.exists() {
        return Ok(());
    }
    let mut text = String::new();
    for (prefix, history) in [(FILTER, filters), (SEARCH, searches)] {
        for entry in history.entries() {
            // Prompt text is one line without control characters; check anyway.
            if !entry.chars().any(char::is_control) {
                text.push_str(prefix);
                text.push_str(entry);
                text.push('\n');
            }
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    std::io::Write::write_all(&mut crate::export::create_private(path)?, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads_both_histories() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/hookcatch").join(FILE);
        let (mut filters, mut searches) = load(&path);
        assert!(filters.entries().is_empty(), "no file yet: empty");
        save(&path, &filters, &searches).unwrap();
        assert!(!path.exists(), "nothing to keep, no file");
        filters.push("method:POST auth:invalid");
        filters.push("path:/pingara*");
        searches.push("timeout");
        save(&path, &filters, &searches).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (filters, searches) = load(&path);
        assert_eq!(
            filters.entries(),
            ["method:POST auth:invalid", "path:/pingara*"]
        );
        assert_eq!(searches.entries(), ["timeout"]);
    }

    #[test]
    fn a_damaged_file_loads_what_it_can() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(&path, b"garbage\nfilter method:GET\n\xff\xfe\nsearch x\n").unwrap();
        let (filters, searches) = load(&path);
        assert_eq!(filters.entries(), ["method:GET"]);
        assert_eq!(searches.entries(), ["x"]);
    }
}
