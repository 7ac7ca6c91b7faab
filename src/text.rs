//! The one sanitizer every captured string passes before it is displayed.
//!
//! Captured bytes are hostile until proven otherwise: an ESC or a C1 control in a
//! header, a path or a JSON string (where `\u001b` decodes to a real ESC) could
//! move the cursor, retitle the window or write to the clipboard. Every control
//! character except tab becomes a visible escape instead.

use std::borrow::Cow;

/// Replace control characters (C0 but tab, DEL, C1) with visible escapes:
/// `\x1b`, `\x7f`, `\u{9b}`. Newlines are escaped too: use [`sanitize_multiline`]
/// to keep line structure.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    sanitize_with(s, false)
}

/// Like [`sanitize`] but keeps `\n` (and drops a `\r` that precedes it) so
/// multi-line bodies keep their lines.
pub fn sanitize_multiline(s: &str) -> Cow<'_, str> {
    sanitize_with(s, true)
}

/// Is this a character that must never reach the terminal raw?
pub fn is_unsafe(c: char) -> bool {
    c != '\t' && (c.is_control() || is_invisible_format(c))
}

/// Bidi overrides and similar format characters reorder what the user sees.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

fn sanitize_with(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    // Any CR needs the loop below: a lone one is escaped (it would move the
    // cursor back over the line), one that ends a line is dropped.
    let needs = s
        .chars()
        .any(|c| is_unsafe(c) && !(keep_newlines && c == '\n'));
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if keep_newlines && c == '\n' {
            out.push('\n');
        } else if keep_newlines && c == '\r' && chars.peek() == Some(&'\n') {
            // CRLF line ends show as plain line ends.
        } else if is_unsafe(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn push_escape(out: &mut String, c: char) {
    use std::fmt::Write;
    let code = c as u32;
    if code < 0x80 {
        let _ = write!(out, "\\x{code:02x}");
    } else {
        let _ = write!(out, "\\u{{{code:x}}}");
    }
}

/// Text from bytes for display: lossy UTF-8, then sanitized.
pub fn display_bytes(bytes: &[u8]) -> String {
    sanitize(&String::from_utf8_lossy(bytes)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(sanitize("hello\tworld"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_become_visible() {
        assert_eq!(sanitize("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(sanitize("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(sanitize("del\x7f"), "del\\x7f");
        assert_eq!(sanitize("nl\n"), "nl\\x0a");
        assert_eq!(sanitize("\u{202e}rtl"), "\\u{202e}rtl");
    }

    #[test]
    fn multiline_keeps_lines() {
        assert_eq!(sanitize_multiline("a\r\nb\n\x07"), "a\nb\n\\x07");
    }

    /// Found by the `sanitize` fuzz target: a lone CR was the one unsafe
    /// character, so the text was passed through untouched.
    #[test]
    fn multiline_escapes_a_lone_cr() {
        assert_eq!(sanitize_multiline("safe\rEVIL"), "safe\\x0dEVIL");
        assert_eq!(sanitize_multiline("a\r\nb\r"), "a\nb\\x0d");
        // And no CR at all comes out, even when CRLF is all there is.
        assert_eq!(sanitize_multiline("a\r\nb"), "a\nb");
    }

    #[test]
    fn output_never_contains_controls() {
        let all: String = (0u32..0x250).filter_map(char::from_u32).collect();
        assert!(!sanitize(&all).chars().any(is_unsafe));
        assert!(
            !sanitize_multiline(&all)
                .chars()
                .any(|c| c != '\n' && is_unsafe(c))
        );
    }
}

/// `512 B`, `1.2 KiB`, `3.4 MiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn sizes() {
        assert_eq!(super::human_size(0), "0 B");
        assert_eq!(super::human_size(1536), "1.5 KiB");
        assert_eq!(super::human_size(10 << 20), "10.0 MiB");
    }
}
