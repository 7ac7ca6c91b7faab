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
            Edit::Submit => return Outcome::Submit,
            Edit::Cancel => return Outcome::Cancel,
        }
        Outcome::Changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
