//! Which view a body gets, once its encodings are off: by media type, by
//! sniffing when there is none, and text-or-hex for everything else.

use std::borrow::Cow;

use super::media::{Kind, MediaType};
use super::{
    BodyContent, Limits, TextSyntax, charset, clip, form, hex, human_size, json, multipart,
};

pub(super) fn by_media_type(
    media: &MediaType,
    bytes: &[u8],
    limits: &Limits,
    notes: &mut Vec<String>,
) -> BodyContent {
    let kind = media.kind();
    let syntax = match kind {
        Kind::Json => return declared_text(media, bytes, limits, notes, json_content),
        Kind::Form => return form_content(media, bytes, limits, notes),
        Kind::Multipart => return multipart_content(media, bytes, limits, notes),
        Kind::Other => return text_or_hex(bytes, media.charset(), limits, notes),
        Kind::Xml => TextSyntax::Xml,
        Kind::Html => TextSyntax::Html,
        Kind::Text => TextSyntax::Plain,
    };
    declared_text(media, bytes, limits, notes, |text, _| BodyContent::Text {
        text: text.to_string(),
        syntax,
    })
}

/// Decode a body declared as text by its charset and view it, unless it
/// turns out to be binary: then hex, with a note.
fn declared_text(
    media: &MediaType,
    bytes: &[u8],
    limits: &Limits,
    notes: &mut Vec<String>,
    view: impl FnOnce(&str, &mut Vec<String>) -> BodyContent,
) -> BodyContent {
    let text = charset::decode_text(bytes, media.charset(), notes);
    if charset::looks_binary(&text) {
        notes.push(format!(
            "declared {} but looks binary",
            clip(&media.essence, 60)
        ));
        return hex_content(bytes, limits, notes);
    }
    view(&text, notes)
}

fn json_content(text: &str, notes: &mut Vec<String>) -> BodyContent {
    match json::format(text) {
        Ok(pretty) => json_view(pretty, notes),
        Err(e) => BodyContent::InvalidJson {
            error: e.message,
            line: e.line,
            column: e.column,
            text: text.to_string(),
        },
    }
}

fn json_view(pretty: json::Pretty, notes: &mut Vec<String>) -> BodyContent {
    if !pretty.indented {
        notes.push("JSON nested too deeply to indent; shown as sent".into());
    }
    BodyContent::Json {
        pretty: pretty.text,
    }
}

fn form_content(
    media: &MediaType,
    bytes: &[u8],
    limits: &Limits,
    notes: &mut Vec<String>,
) -> BodyContent {
    // `curl -d '{...}'` sends JSON labelled as a form.
    if starts_like_json(bytes)
        && let Ok(text) = std::str::from_utf8(bytes)
        && let Ok(pretty) = json::format(text)
    {
        notes.push("sent as a form but the body is JSON".into());
        return json_view(pretty, notes);
    }
    let label = media.charset();
    let cs = charset::Charset::from_label(label);
    match cs {
        charset::Charset::Utf8 => {}
        charset::Charset::Unknown => notes.push(format!(
            "unknown charset \"{}\"; shown as UTF-8",
            clip(label.unwrap_or_default(), 40)
        )),
        _ => notes.push(format!(
            "charset {} decoded",
            clip(label.unwrap_or_default(), 40).to_ascii_lowercase()
        )),
    }
    let (fields, total, replaced) = form::parse(bytes, cs, limits.fields);
    if replaced {
        notes.push("invalid UTF-8 replaced with U+FFFD".into());
    }
    if total > fields.len() {
        notes.push(format!(
            "showing the first {} of {total} fields",
            fields.len()
        ));
    }
    BodyContent::Form(fields)
}

fn multipart_content(
    media: &MediaType,
    bytes: &[u8],
    limits: &Limits,
    notes: &mut Vec<String>,
) -> BodyContent {
    let parsed = match media.param("boundary") {
        Some(boundary) => multipart::parse(bytes, boundary, limits.parts),
        None => Err("no boundary parameter in the content type".into()),
    };
    match parsed {
        Ok((parts, part_notes)) => {
            notes.extend(part_notes);
            BodyContent::Multipart(parts)
        }
        Err(why) => {
            notes.push(format!(
                "malformed multipart: {why}; showing the body as sent"
            ));
            text_or_hex(bytes, media.charset(), limits, notes)
        }
    }
}

/// No media type: JSON, XML and HTML are recognised by their first bytes.
pub(super) fn sniff(bytes: &[u8], limits: &Limits, notes: &mut Vec<String>) -> BodyContent {
    if let Ok(text) = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)) {
        if starts_like_json(text.as_bytes())
            && let Ok(pretty) = json::format(text)
        {
            return json_view(pretty, notes);
        }
        let head: String = text
            .trim_start()
            .chars()
            .take(16)
            .collect::<String>()
            .to_ascii_lowercase();
        let syntax = if head.starts_with("<?xml") {
            Some(TextSyntax::Xml)
        } else if head.starts_with("<!doctype html") || head.starts_with("<html") {
            Some(TextSyntax::Html)
        } else {
            None
        };
        if let Some(syntax) = syntax.filter(|_| !charset::looks_binary(text)) {
            return BodyContent::Text {
                text: text.to_string(),
                syntax,
            };
        }
    }
    text_or_hex(bytes, None, limits, notes)
}

fn starts_like_json(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// Text if it is text, else hex. With a charset, decode by it; without,
/// only valid UTF-8 counts as text.
/// UTF-8 (or the declared charset) text that doesn't look binary, else hex.
pub(super) fn text_or_hex(
    bytes: &[u8],
    label: Option<&str>,
    limits: &Limits,
    notes: &mut Vec<String>,
) -> BodyContent {
    let text = match label {
        Some(_) => {
            let mut text_notes = Vec::new();
            let (text, lossy) = charset::decode_text_flagged(bytes, label, &mut text_notes);
            (!lossy && !charset::looks_binary(&text)).then(|| {
                notes.extend(text_notes);
                text
            })
        }
        None => std::str::from_utf8(bytes)
            .ok()
            .filter(|t| !charset::looks_binary(t))
            .map(Cow::Borrowed),
    };
    match text {
        Some(text) => BodyContent::Text {
            text: text.into_owned(),
            syntax: TextSyntax::Plain,
        },
        None => hex_content(bytes, limits, notes),
    }
}

pub(super) fn hex_content(bytes: &[u8], limits: &Limits, notes: &mut Vec<String>) -> BodyContent {
    let (dump, shown) = hex::dump(bytes, limits.hex);
    if shown < bytes.len() {
        notes.push(format!(
            "showing first {} of {} as hex",
            human_size(shown),
            human_size(bytes.len())
        ));
    }
    BodyContent::Hex(dump)
}
