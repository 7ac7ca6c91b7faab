//! Bytes to text by the declared charset: UTF-8 (the default), ISO-8859-1,
//! windows-1252 and UTF-16 by hand; anything else is a note and lossy UTF-8.

use std::borrow::Cow;

use super::clip;

/// The charsets we can decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Charset {
    Utf8,
    Latin1,
    Windows1252,
    /// `None`: follow the byte order mark, little-endian without one (as browsers do).
    Utf16 {
        big_endian: Option<bool>,
    },
    Unknown,
}

impl Charset {
    /// The charset for a label; no label means UTF-8.
    pub fn from_label(label: Option<&str>) -> Charset {
        let Some(label) = label else {
            return Charset::Utf8;
        };
        match label.trim().trim_matches('"').to_ascii_lowercase().as_str() {
            "" | "utf-8" | "utf8" | "unicode-1-1-utf-8" | "us-ascii" | "ascii" => Charset::Utf8,
            "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "iso_8859-1:1987" | "latin1"
            | "latin-1" | "l1" | "cp819" | "ibm819" | "iso-ir-100" | "csisolatin1" => {
                Charset::Latin1
            }
            "windows-1252" | "cp1252" | "x-cp1252" => Charset::Windows1252,
            "utf-16" | "utf16" | "ucs-2" | "unicode" | "csunicode" | "iso-10646-ucs-2" => {
                Charset::Utf16 { big_endian: None }
            }
            "utf-16le" | "utf16le" => Charset::Utf16 {
                big_endian: Some(false),
            },
            "utf-16be" | "utf16be" => Charset::Utf16 {
                big_endian: Some(true),
            },
            _ => Charset::Unknown,
        }
    }
}

/// Decode without notes. The flag says whether anything was replaced by U+FFFD.
pub(crate) fn decode_quiet(bytes: &[u8], charset: Charset) -> (Cow<'_, str>, bool) {
    match charset {
        Charset::Utf8 | Charset::Unknown => match std::str::from_utf8(bytes) {
            Ok(s) => (Cow::Borrowed(s), false),
            Err(_) => (String::from_utf8_lossy(bytes), true),
        },
        Charset::Latin1 | Charset::Windows1252 if bytes.is_ascii() => {
            match std::str::from_utf8(bytes) {
                Ok(s) => (Cow::Borrowed(s), false),
                Err(_) => (String::from_utf8_lossy(bytes), true),
            }
        }
        Charset::Latin1 => (
            Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
            false,
        ),
        Charset::Windows1252 => (
            Cow::Owned(bytes.iter().map(|&b| windows_1252(b)).collect()),
            false,
        ),
        Charset::Utf16 { big_endian } => {
            let (text, replaced) = utf16(bytes, big_endian);
            (Cow::Owned(text), replaced)
        }
    }
}

/// Decode a body by its charset label, saying in `notes` what was done.
pub(crate) fn decode_text<'a>(
    bytes: &'a [u8],
    label: Option<&str>,
    notes: &mut Vec<String>,
) -> Cow<'a, str> {
    decode_text_flagged(bytes, label, notes).0
}

/// [`decode_text`], also saying whether anything was replaced by U+FFFD.
pub(crate) fn decode_text_flagged<'a>(
    bytes: &'a [u8],
    label: Option<&str>,
    notes: &mut Vec<String>,
) -> (Cow<'a, str>, bool) {
    let mut charset = Charset::from_label(label);
    let mut bytes = bytes;
    if charset == Charset::Unknown {
        notes.push(format!(
            "unknown charset \"{}\"; shown as UTF-8",
            clip(label.unwrap_or_default(), 40)
        ));
    }
    if charset == Charset::Utf8
        && label.is_none()
        && (bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff"))
    {
        notes.push("no charset given, but a UTF-16 byte order mark was found".into());
        charset = Charset::Utf16 { big_endian: None };
    }
    if matches!(charset, Charset::Utf8 | Charset::Unknown)
        && let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf")
    {
        notes.push("UTF-8 byte order mark skipped".into());
        bytes = rest;
    }
    let (text, replaced) = decode_quiet(bytes, charset);
    let transcoded = matches!(text, Cow::Owned(_)) && !replaced;
    if transcoded || matches!(charset, Charset::Utf16 { .. }) {
        let name = label.map_or_else(
            || "utf-16".to_string(),
            |l| clip(l.trim(), 40).to_ascii_lowercase(),
        );
        notes.push(format!("charset {name} decoded"));
    }
    if replaced {
        notes.push(match charset {
            Charset::Utf16 { .. } => {
                "invalid UTF-16 (odd length or lone surrogate) replaced with U+FFFD".into()
            }
            _ => "invalid UTF-8 replaced with U+FFFD".into(),
        });
    }
    (text, replaced)
}

/// Does this text look like binary data wearing a text label? A NUL, or more
/// than one character in twenty a control character or a replacement mark.
/// Only the first 16 Ki characters are looked at.
pub(crate) fn looks_binary(text: &str) -> bool {
    let mut total = 0usize;
    let mut odd = 0usize;
    for c in text.chars().take(16 * 1024) {
        total += 1;
        match c {
            '\0' => return true,
            '\t' | '\n' | '\r' | '\x0c' | '\x1b' => {}
            '\u{fffd}' => odd += 1,
            c if c.is_control() => odd += 1,
            _ => {}
        }
    }
    odd * 20 > total
}

fn utf16(bytes: &[u8], big_endian: Option<bool>) -> (String, bool) {
    let (be, body) = match (bytes, big_endian) {
        ([0xfe, 0xff, rest @ ..], None | Some(true)) => (true, rest),
        ([0xff, 0xfe, rest @ ..], None | Some(false)) => (false, rest),
        (_, order) => (order.unwrap_or(false), bytes),
    };
    let units = body.chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if be {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    });
    let mut replaced = false;
    let mut out: String = char::decode_utf16(units)
        .map(|r| {
            r.unwrap_or_else(|_| {
                replaced = true;
                char::REPLACEMENT_CHARACTER
            })
        })
        .collect();
    if body.len() % 2 == 1 {
        out.push(char::REPLACEMENT_CHARACTER);
        replaced = true;
    }
    (out, replaced)
}

/// windows-1252: latin-1 except 0x80-0x9F, which hold typographic marks. The
/// five undefined bytes map to their C1 controls, as browsers do.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}',
        '\u{8f}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}', '\u{17e}',
        '\u{178}',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], label: Option<&str>) -> (String, Vec<String>) {
        let mut notes = Vec::new();
        let text = decode_text(bytes, label, &mut notes).into_owned();
        (text, notes)
    }

    #[test]
    fn utf8_default_borrows_and_says_nothing() {
        let mut notes = Vec::new();
        let text = decode_text("héllo".as_bytes(), None, &mut notes);
        assert!(matches!(text, Cow::Borrowed("héllo")));
        assert!(notes.is_empty());
    }

    #[test]
    fn invalid_utf8_is_replaced_with_a_note() {
        let (text, notes) = decode(b"a\xffb", Some("utf-8"));
        assert_eq!(text, "a\u{fffd}b");
        assert_eq!(notes, ["invalid UTF-8 replaced with U+FFFD"]);
    }

    #[test]
    fn latin1_by_hand() {
        let (text, notes) = decode(b"caf\xe9 \x80", Some("ISO-8859-1"));
        assert_eq!(text, "caf\u{e9} \u{80}");
        assert_eq!(notes, ["charset iso-8859-1 decoded"]);
        // Pure ASCII needs no decoding and no note.
        assert_eq!(decode(b"plain", Some("latin1")), ("plain".into(), vec![]));
    }

    #[test]
    fn windows_1252_maps_the_c1_range() {
        let (text, notes) = decode(b"\x93quoted\x94 \x80 \x81 \xe9", Some("windows-1252"));
        assert_eq!(text, "\u{201c}quoted\u{201d} \u{20ac} \u{81} \u{e9}");
        assert_eq!(notes, ["charset windows-1252 decoded"]);
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let le: Vec<u8> = "hé€".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = "hé€".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&le, Some("utf-16le")).0, "hé€");
        assert_eq!(decode(&be, Some("UTF-16BE")).0, "hé€");
        let mut bom_be = vec![0xfe, 0xff];
        bom_be.extend_from_slice(&be);
        assert_eq!(decode(&bom_be, Some("utf-16")).0, "hé€");
        // No label at all, but a BOM: still UTF-16.
        let mut bom_le = vec![0xff, 0xfe];
        bom_le.extend_from_slice(&le);
        let (text, notes) = decode(&bom_le, None);
        assert_eq!(text, "hé€");
        assert_eq!(
            notes[0],
            "no charset given, but a UTF-16 byte order mark was found"
        );
    }

    #[test]
    fn utf16_odd_length_and_lone_surrogate() {
        let (text, notes) = decode(&[b'a', 0, 0x00, 0xd8, b'x'], Some("utf-16le"));
        assert_eq!(text, "a\u{fffd}\u{fffd}");
        assert!(notes.iter().any(|n| n.starts_with("invalid UTF-16")));
    }

    #[test]
    fn unknown_charset_is_lossy_utf8_with_a_note() {
        let (text, notes) = decode(b"ok \xff", Some("koi8-r"));
        assert_eq!(text, "ok \u{fffd}");
        assert_eq!(
            notes,
            [
                "unknown charset \"koi8-r\"; shown as UTF-8",
                "invalid UTF-8 replaced with U+FFFD"
            ]
        );
    }

    #[test]
    fn utf8_bom_is_skipped() {
        let (text, notes) = decode(b"\xef\xbb\xbf{}", None);
        assert_eq!(text, "{}");
        assert_eq!(notes, ["UTF-8 byte order mark skipped"]);
    }

    #[test]
    fn binary_detection() {
        assert!(looks_binary("a\0b"));
        assert!(looks_binary("\x01\x02\x03 abc"));
        assert!(!looks_binary(
            "line one\nline two\twith tab\r\n\x1b[1mbold\x1b[0m"
        ));
        assert!(!looks_binary(""));
    }
}
