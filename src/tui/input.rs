//! A one-line text input (the filter and body search prompts).

use super::keys::Edit;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineInput {
    pub text: String,
    /// Cursor position in characters.
    pub cursor: usize,
}

/// What an edit means to the owner of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Changed,
    Unchanged,
    Submit,
    Cancel,
}

impl LineInput {
    pub fn new(text: &str) -> LineInput {
        LineInput {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }

    pub fn apply(&mut self, edit: Edit) -> Outcome {
        let len = self.text.chars().count();
        match edit {
            Edit::Char(c) if !c.is_control() => {
                let at = self.byte_at(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
            }
            Edit::Char(_) => return Outcome::Unchanged,
            Edit::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
            }
            Edit::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            Edit::Backspace | Edit::Delete => return Outcome::Unchanged,
            Edit::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                return Outcome::Unchanged;
            }
            Edit::Right => {
                self.cursor = (self.cursor + 1).min(len);
                return Outcome::Unchanged;
            }
            Edit::Home => {
                self.cursor = 0;
                return Outcome::Unchanged;
            }
            Edit::End => {
                self.cursor = len;
                return Outcome::Unchanged;
            }
            Edit::ClearLine => {
                self.text.clear();
                self.cursor = 0;
            }
            Edit::DeleteWord => {
                let chars: Vec<char> = self.text.chars().collect();
                let mut start = self.cursor;
                while start > 0 && chars[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && chars[start - 1] != ' ' {
                    start -= 1;
                }
                let (a, b) = (self.byte_at(start), self.byte_at(self.cursor));
                self.text.replace_range(a..b, "");
                self.cursor = start;
            }
            // History belongs to the prompt's owner (see [`History`]).
            Edit::Older | Edit::Newer => return Outcome::Unchanged,
            Edit::Submit => return Outcome::Submit,
            Edit::Cancel => return Outcome::Cancel,
        }
        Outcome::Changed
    }
}

/// Entries kept per prompt.
const HISTORY_MAX: usize = 100;

/// What was submitted in a prompt, oldest first (kept across runs by
/// `tui::history`), for ↑/↓ as in a shell: ↑ steps back, ↓ forward and
/// finally to the text being typed before browsing began. An entry
/// submitted again moves to the end.
#[derive(Clone, Debug, Default)]
pub struct History {
    entries: Vec<String>,
    /// The entry shown while browsing.
    at: Option<usize>,
    /// What was typed before browsing began.
    draft: String,
}

impl History {
    pub fn push(&mut self, text: &str) {
        self.at = None;
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        self.entries.retain(|e| e != text);
        self.entries.push(text.to_string());
        if self.entries.len() > HISTORY_MAX {
            self.entries.remove(0);
        }
    }

    /// Entries, oldest first (for saving).
    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// Stop browsing (the prompt closed or opened).
    pub fn reset(&mut self) {
        self.at = None;
        self.draft.clear();
    }

    /// The text to show after ↑ (`older`) or ↓; `None` when there is
    /// nothing further that way. `current` is what the prompt holds now.
    pub fn step(&mut self, older: bool, current: &str) -> Option<String> {
        let last = self.entries.len().checked_sub(1)?;
        self.at = match (self.at, older) {
            (None, true) => {
                self.draft = current.to_string();
                Some(last)
            }
            (None, false) | (Some(0), true) => return None,
            (Some(i), true) => Some(i - 1),
            (Some(i), false) if i < last => Some(i + 1),
            (Some(_), false) => {
                self.at = None;
                return Some(std::mem::take(&mut self.draft));
            }
        };
        self.at.map(|i| self.entries[i].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_steps_like_a_shell() {
        let mut h = History::default();
        assert_eq!(h.step(true, "typed"), None, "nothing yet");
        h.push("method:POST");
        h.push("  ");
        h.push("auth:invalid");
        h.push("method:POST"); // again: moves to the end
        assert_eq!(h.step(true, "typed").as_deref(), Some("method:POST"));
        assert_eq!(h.step(true, "x").as_deref(), Some("auth:invalid"));
        assert_eq!(h.step(true, "x"), None, "the oldest stays");
        assert_eq!(h.step(false, "x").as_deref(), Some("method:POST"));
        assert_eq!(
            h.step(false, "x").as_deref(),
            Some("typed"),
            "the draft comes back"
        );
        assert_eq!(h.step(false, "typed"), None);
        for i in 0..150 {
            h.push(&format!("path:/{i}"));
        }
        assert_eq!(h.entries.len(), HISTORY_MAX);
        assert_eq!(h.entries[0], "path:/50");
    }

    #[test]
    fn edits() {
        let mut input = LineInput::new("method:GET");
        assert_eq!(input.apply(Edit::DeleteWord), Outcome::Changed);
        assert_eq!(input.text, "");
        for c in "a é".chars() {
            input.apply(Edit::Char(c));
        }
        input.apply(Edit::Left);
        input.apply(Edit::Backspace);
        assert_eq!((input.text.as_str(), input.cursor), ("aé", 1));
        input.apply(Edit::Delete);
        assert_eq!(input.text, "a");
        assert_eq!(input.apply(Edit::Char('\u{1b}')), Outcome::Unchanged);
        assert_eq!(input.apply(Edit::Submit), Outcome::Submit);
    }
}
