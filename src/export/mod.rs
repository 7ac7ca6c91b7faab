//! Ways out of hookcatch: the JSON object (headless lines, `list --json`,
//! `show --json`, `export`), the human `show` form, HAR 1.2 for tools that
//! import browser captures, and curl commands (the TUI's `y`, `export
//! --format curl`).

pub mod curl;
pub mod har;
pub mod json;
pub mod text;
