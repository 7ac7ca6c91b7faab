//! Ways out of hookcatch: the JSON object (headless lines, `list --json`,
//! `show --json`) and the human `show` form.

pub mod json;
pub mod text;
