//! JSON for display: re-indent the raw text token by token.
//!
//! Nothing is parsed into values, so key order, duplicate keys, number text
//! (`12345678901234567890123`, `1.0e400`) and string escapes come out exactly
//! as they went in. serde_json checks the text first because its error
//! messages are the familiar ones; it stops at 128 levels of nesting, and past
//! that our own scanner (iterative, with an explicit stack) is the judge.

use thiserror::Error;

use super::scanner::Scanner;

/// Why a text is not JSON, and where: 1-based line, and 1-based column in
/// characters (0 when the text ends right after a newline).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{message} at line {line} column {column}")]
pub struct JsonError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// Pretty-print JSON with a two-space indent, keeping the source's tokens
/// verbatim. A document whose indented form would pass the display budget
/// (absurd nesting) comes back as sent, trimmed.
pub fn pretty_json(raw: &str) -> Result<String, JsonError> {
    format(raw).map(|p| p.text)
}

/// One token of a JSON document as the scanner read it, borrowing the text:
/// string tokens keep their quotes and escapes, numbers their digits as sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// `{` (`object`) or `[`.
    Open { object: bool },
    /// The `}` or `]` of the innermost open container.
    Close,
    /// An object member's name, raw (`"a\u0062"`).
    Key(&'a str),
    /// A string, number, `true`, `false` or `null`, raw.
    Scalar(&'a str),
}

/// Why a document gives no tokens.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TokensError {
    #[error(transparent)]
    Json(#[from] JsonError),
    #[error("more than {0} values")]
    TooMany(usize),
}

/// The document's tokens, in order, read by the same scanner that indents it
/// (one grammar for display and for the TUI's tree). At most `max_values`
/// values (containers and scalars).
pub fn tokens(raw: &str, max_values: usize) -> Result<Vec<Token<'_>>, TokensError> {
    Scanner::tokens(raw, max_values).run_tokens()
}

/// A formatted document; `indented` is false when the budget ran out.
pub(crate) struct Pretty {
    pub text: String,
    pub indented: bool,
}

/// How big the indented text may grow: eight times the input plus 1 MiB, at most 256 MiB.
fn budget_for(len: usize) -> usize {
    len.saturating_mul(8).saturating_add(1 << 20).min(256 << 20)
}

pub(crate) fn format(raw: &str) -> Result<Pretty, JsonError> {
    format_with_budget(raw, budget_for(raw.len()))
}

pub(crate) fn format_with_budget(raw: &str, budget: usize) -> Result<Pretty, JsonError> {
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(raw) {
        let text = e.to_string();
        if !text.starts_with("recursion limit exceeded") {
            let message = text
                .rsplit_once(" at line ")
                .map_or(text.as_str(), |(m, _)| m);
            let end = offset_of(raw, e.line(), e.column());
            return Err(JsonError {
                message: clearer(raw.as_bytes(), end, message).to_string(),
                line: e.line(),
                column: char_column(raw, end),
            });
        }
    }
    Scanner::new(raw, budget).run()
}

/// serde_json, when only validating, calls `[1,]` "expected value" and
/// `{"a":1,}` "key must be a string"; say "trailing comma" as our scanner does.
fn clearer<'m>(b: &[u8], end: usize, message: &'m str) -> &'m str {
    let at = end.checked_sub(1).and_then(|i| b.get(i));
    let before = b[..end.saturating_sub(1).min(b.len())]
        .iter()
        .rev()
        .find(|c| !c.is_ascii_whitespace());
    match (message, at, before) {
        ("expected value", Some(b']'), Some(b','))
        | ("key must be a string", Some(b'}'), Some(b',')) => "trailing comma",
        _ => message,
    }
}

/// The byte offset just past `byte_column` bytes of 1-based `line`
/// (serde_json's measure), clamped to that line.
fn offset_of(src: &str, line: usize, byte_column: usize) -> usize {
    let bytes = src.as_bytes();
    let mut start = 0;
    for _ in 1..line {
        match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    let line_end = bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| start + i);
    start.saturating_add(byte_column).min(line_end)
}

/// The column, in characters, of the text between the start of its line and `end`.
pub(super) fn char_column(src: &str, end: usize) -> usize {
    let bytes = &src.as_bytes()[..end.min(src.len())];
    let start = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    // Count UTF-8 leading bytes: each is one character.
    bytes[start..]
        .iter()
        .filter(|&&b| (b & 0xc0) != 0x80)
        .count()
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
