//! The one sanitizer every captured string passes before it is displayed.
//!
//! Captured bytes are hostile until proven otherwise: an ESC or a C1 control in a
//! header, a path or a JSON string (where `\u001b` decodes to a real ESC) could
//! move the cursor, retitle the window or write to the clipboard. Every control
//! character becomes a visible escape instead; a tab too where the text is one
//! line of cells (a cell grid has no tab stops: the TUI would drop it, and a
//! tab inside a value is worth seeing), not in multi-line text a terminal lays out.
//!
//! Invisible characters are escaped the same way: every format character
//! (Unicode category Cf: bidi controls that reorder what is read, zero-width
//! space and joiners U+200B..U+200F, word joiner and invisible operators
//! U+2060..U+2064, the BOM U+FEFF, the soft hyphen U+00AD, tag characters):
//! `/a\u{200b}b` and `/ab` are different paths and must look different.
//!
//! Combining marks (zero-width, non-spacing) are letters' accents, so they
//! stay as they are after a letter or digit, or after any non-ASCII character
//! (`e\u{301}` reads `é`, a variation selector follows its emoji). One is
//! escaped where it has nothing to combine with or would hide in plain
//! sight: at the start of a string, after ASCII punctuation, a space or `/`
//! (`/\u{301}x`), after a character that was itself escaped, and past the
//! third in a row on one base (stacked "zalgo" marks that paint over the
//! neighbouring lines).

use std::borrow::Cow;

use unicode_width::UnicodeWidthChar;

/// Replace control characters (C0, DEL, C1) with visible escapes:
/// `\x1b`, `\x7f`, `\u{9b}`, and a tab, newline and carriage return as
/// `\t`, `\n` and `\r` (as JSON writes them, so the Body tab's JSON text,
/// the tree, the Event tab and headers show one escape for one character).
/// Use [`sanitize_multiline`] to keep line structure (and tabs).
/// Invisible format characters and stray combining marks are escaped as
/// `\u{200b}` (see the module's doc).
pub fn sanitize(s: &str) -> Cow<'_, str> {
    sanitize_with(s, false)
}

/// Like [`sanitize`] but keeps `\n` (and drops a `\r` that precedes it) so
/// multi-line bodies keep their lines.
pub fn sanitize_multiline(s: &str) -> Cow<'_, str> {
    sanitize_with(s, true)
}

/// Is this a character that must never reach the terminal raw, wherever it
/// stands? Controls and invisible format characters (category Cf).
pub fn is_unsafe(c: char) -> bool {
    c != '\t' && (c.is_control() || is_invisible_format(c))
}

/// The format characters (Unicode category Cf): they draw nothing, or
/// reorder what the user sees.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

/// A combining mark: a non-ASCII character that takes no cell of its own
/// and is no format character (those are always escaped).
fn is_combining(c: char) -> bool {
    !c.is_ascii() && c.width() == Some(0) && !is_unsafe(c)
}

/// Combining marks at most kept in a row on one base.
const MARKS_IN_A_ROW: usize = 3;

/// Where a combining mark may stand, as a string is read left to right.
#[derive(Default)]
struct Marks {
    /// The previous character is a base a mark may combine with.
    base: bool,
    /// Marks kept on it so far.
    run: usize,
}

impl Marks {
    /// Is `c` (not otherwise unsafe) a mark to escape here? `escaped`: `c`
    /// is escaped for another reason.
    fn escape(&mut self, c: char, escaped: bool) -> bool {
        if escaped {
            *self = Marks::default();
            return false;
        }
        if is_combining(c) {
            if self.base && self.run < MARKS_IN_A_ROW {
                self.run += 1;
                return false;
            }
            *self = Marks::default();
            return true;
        }
        self.base = !c.is_ascii() || c.is_ascii_alphanumeric();
        self.run = 0;
        false
    }
}

fn sanitize_with(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    // Any CR needs the loop below: a lone one is escaped (it would move the
    // cursor back over the line), one that ends a line is dropped.
    let unsafe_here =
        |c: char| (is_unsafe(c) && !(keep_newlines && c == '\n')) || (!keep_newlines && c == '\t');
    let needs = {
        let mut marks = Marks::default();
        s.chars().any(|c| {
            let other = unsafe_here(c);
            marks.escape(c, other) || other
        })
    };
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut marks = Marks::default();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if keep_newlines && c == '\n' {
            marks.escape(c, false);
            out.push('\n');
        } else if keep_newlines && c == '\r' && chars.peek() == Some(&'\n') {
            // CRLF line ends show as plain line ends.
        } else if c == '\t' && !keep_newlines {
            marks.escape(c, true);
            out.push_str("\\t");
        } else if is_unsafe(c) {
            marks.escape(c, true);
            push_escape(&mut out, c);
        } else if marks.escape(c, false) {
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
    if c == '\n' {
        out.push_str("\\n");
    } else if c == '\r' {
        out.push_str("\\r");
    } else if code < 0x80 {
        let _ = write!(out, "\\x{code:02x}");
    } else {
        let _ = write!(out, "\\u{{{code:x}}}");
    }
}

/// JSON for a terminal (headless lines, `list --json`, `show --json`,
/// exports): compact, like `serde_json::to_writer`, but every [`is_unsafe`]
/// character inside a string is written as a `\uXXXX` escape (a surrogate
/// pair past the BMP). serde_json already escapes C0 that way; DEL, C1, the
/// bidi controls and the other invisible format characters it writes raw,
/// and `\u{9b}` alone is a CSI to many terminals. The JSON decodes to the same
/// strings.
pub fn write_json<W, T>(writer: W, value: &T) -> serde_json::Result<()>
where
    W: std::io::Write,
    T: serde::Serialize + ?Sized,
{
    let mut ser = serde_json::Serializer::with_formatter(writer, SafeJson);
    value.serialize(&mut ser)
}

/// [`write_json`] into a `String`.
pub fn json_string<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(256);
    // Writing to a Vec cannot fail, and our types (string keys) always serialize.
    let _ = write_json(&mut out, value);
    // serde_json writes UTF-8 and the escapes are ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// The first UTF-8 byte of every unsafe character from U+007F up (checked
/// by a test over all of Unicode).
fn is_flagged_lead(b: u8) -> bool {
    matches!(
        b,
        0x7f | 0xc2 | 0xd8 | 0xdb | 0xdc | 0xe0 | 0xe1 | 0xe2 | 0xef | 0xf0 | 0xf3
    )
}

/// The compact formatter with unsafe characters escaped.
struct SafeJson;

impl serde_json::ser::Formatter for SafeJson {
    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> std::io::Result<()>
    where
        W: ?Sized + std::io::Write,
    {
        // Fragments never hold C0 (serde_json escapes it around them), so
        // only characters from U+007F up can be unsafe; all of those begin
        // with one of these bytes in UTF-8. Almost every fragment is written
        // straight through, without a copy. ASCII without DEL is the usual
        // case, and both checks run a word at a time (a byte-by-byte scan
        // was a tenth of the headless printer's time at 1 KB bodies).
        let bytes = fragment.as_bytes();
        let plain = if bytes.is_ascii() {
            !bytes.contains(&0x7f)
        } else {
            !bytes.iter().any(|&b| is_flagged_lead(b))
        };
        if plain {
            return writer.write_all(bytes);
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
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
        assert!(matches!(sanitize("hello world"), Cow::Borrowed(_)));
        assert!(matches!(
            sanitize_multiline("hello\tworld\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escapes_become_visible() {
        assert_eq!(sanitize("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(sanitize("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(sanitize("del\x7f"), "del\\x7f");
        assert_eq!(sanitize("nl\n"), "nl\\n");
        assert_eq!(sanitize("\u{202e}rtl"), "\\u{202e}rtl");
        assert_eq!(sanitize("a\tb\x00"), "a\\tb\\x00");
        assert_eq!(sanitize_multiline("a\tb"), "a\tb");
    }

    #[test]
    fn invisible_format_characters_become_visible() {
        assert_eq!(
            sanitize("/pingara\u{200b}-webhook"),
            "/pingara\\u{200b}-webhook"
        );
        for c in [
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{200e}',
            '\u{200f}',
            '\u{2060}',
            '\u{2064}',
            '\u{feff}',
            '\u{ad}',
            '\u{180e}',
            '\u{e0041}',
        ] {
            let shown = sanitize(&format!("a{c}b")).into_owned();
            assert_eq!(shown, format!("a\\u{{{:x}}}b", u32::from(c)));
            assert_eq!(
                sanitize_multiline(&format!("a{c}\nb")),
                format!("a\\u{{{:x}}}\nb", u32::from(c))
            );
        }
    }

    #[test]
    fn stray_combining_marks_become_visible() {
        // On a letter, an accent is an accent.
        assert!(matches!(sanitize("caf\u{65}\u{301}"), Cow::Borrowed(_)));
        assert!(matches!(sanitize("ü\u{301}"), Cow::Borrowed(_)));
        // With nothing to combine with, or hidden on punctuation, it shows.
        assert_eq!(sanitize("\u{301}abc"), "\\u{301}abc");
        assert_eq!(sanitize("/\u{301}webhook"), "/\\u{301}webhook");
        assert_eq!(sanitize("a \u{301}b"), "a \\u{301}b");
        assert_eq!(sanitize("\x1b\u{301}"), "\\x1b\\u{301}");
        assert_eq!(sanitize_multiline("a\n\u{301}b"), "a\n\\u{301}b");
        // Stacked marks: three kept, the rest shown.
        assert_eq!(
            sanitize("e\u{301}\u{302}\u{303}\u{304}"),
            "e\u{301}\u{302}\u{303}\\u{304}"
        );
    }

    #[test]
    fn multiline_keeps_lines() {
        assert_eq!(sanitize_multiline("a\r\nb\n\x07"), "a\nb\n\\x07");
    }

    /// Found by the `sanitize` fuzz target: a lone CR was the one unsafe
    /// character, so the text was passed through untouched.
    #[test]
    fn multiline_escapes_a_lone_cr() {
        assert_eq!(sanitize_multiline("safe\rEVIL"), "safe\\rEVIL");
        assert_eq!(sanitize_multiline("a\r\nb\r"), "a\nb\\r");
        // And no CR at all comes out, even when CRLF is all there is.
        assert_eq!(sanitize_multiline("a\r\nb"), "a\nb");
    }

    #[test]
    fn json_escapes_what_a_terminal_would_act_on() {
        let s = "a\x1b[2J\x7f\u{9b}31m\u{202e}\u{2066}\u{200f}\té\u{2028}\u{200b}\u{e0041}";
        let json = json_string(&s);
        assert_eq!(
            json,
            // U+2028 is no control: kept as is.
            "\"a\\u001b[2J\\u007f\\u009b31m\\u202e\\u2066\\u200f\\té\u{2028}\\u200b\\udb40\\udc41\""
        );
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), s);
    }

    #[test]
    fn json_escapes_del_in_otherwise_plain_ascii() {
        // ASCII takes its own quick check: DEL is the one unsafe byte in it.
        assert_eq!(json_string(&"plain\x7f"), "\"plain\\u007f\"");
        assert_eq!(json_string(&"plain text"), "\"plain text\"");
    }

    #[test]
    fn every_unsafe_char_past_c0_starts_with_a_flagged_byte() {
        // The fast path in SafeJson skips fragments without these bytes.
        for c in (0x7fu32..0x11_0000).filter_map(char::from_u32) {
            if is_unsafe(c) {
                let mut buf = [0u8; 4];
                let first = c.encode_utf8(&mut buf).as_bytes()[0];
                assert!(is_flagged_lead(first), "{c:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn json_round_trips_and_is_terminal_safe(
            s in "(\\PC|[\x00-\x1f\x7f\u{80}-\u{9f}\u{ad}\u{200b}-\u{200f}\u{202a}-\u{202e}\u{2060}-\u{2069}\u{feff}\u{e0001}\u{e0020}-\u{e007f}])*",
            key in "[\x00-\x7f\u{80}-\u{9f}\u{202e}a-z]{0,8}",
        ) {
            let mut map = std::collections::BTreeMap::new();
            map.insert(key.clone(), vec![s.clone()]);
            let json = json_string(&map);
            proptest::prop_assert!(!json.chars().any(is_unsafe), "{}", json);
            let back: std::collections::BTreeMap<String, Vec<String>> =
                serde_json::from_str(&json).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            proptest::prop_assert_eq!(back, map);
        }
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

/// `512 B`, `1.2 KiB`, `10.0 MiB`: one decimal always, so a column of sizes
/// lines up.
pub fn human_size(bytes: u64) -> String {
    match scaled(bytes) {
        None => format!("{bytes} B"),
        Some((value, unit)) => format!("{value:.1} {unit}"),
    }
}

/// `312 B`, `1.2 KiB`, `64 MiB`: as prose reads it (notes, problems), a whole
/// number without its `.0`.
pub fn human_size_prose(bytes: impl TryInto<u64>) -> String {
    let bytes = bytes.try_into().unwrap_or(u64::MAX);
    match scaled(bytes) {
        None => format!("{bytes} B"),
        Some((value, unit)) => {
            let text = format!("{value:.1}");
            let text = text.strip_suffix(".0").unwrap_or(&text);
            format!("{text} {unit}")
        }
    }
}

/// The size in the largest binary unit it reaches; `None` under 1 KiB.
fn scaled(bytes: u64) -> Option<(f64, &'static str)> {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)] // display only
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    Some((value, UNITS[unit]))
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn sizes() {
        assert_eq!(super::human_size(0), "0 B");
        assert_eq!(super::human_size(1536), "1.5 KiB");
        assert_eq!(super::human_size(10 << 20), "10.0 MiB");
        assert_eq!(super::human_size_prose(10u64 << 20), "10 MiB");
        assert_eq!(super::human_size_prose(1536usize), "1.5 KiB");
    }
}
