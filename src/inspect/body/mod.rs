//! What a captured body says, decoded for display. Pure: bytes in, a
//! [`BodyView`] out. The stored bytes are only read, never changed.
//!
//! The way through, in order:
//! 1. `Content-Encoding` is undone under a 64 MiB limit (`encoding.rs`);
//!    corrupt data shows the raw bytes as hex, with the error in a note.
//! 2. The media type picks the view: JSON (`json.rs`, re-indented without
//!    parsing into values), form fields (`form.rs`), multipart parts
//!    (`multipart.rs`), XML/HTML/text; no media type sniffs for JSON, XML and
//!    HTML. The charset decides how bytes become text (`charset.rs`).
//! 3. Anything else is text when it is valid UTF-8 that doesn't look
//!    binary, else a capped hex dump (`hex.rs`).
//!
//! Every step that changes what is shown says so in `notes`. Nothing here
//! sanitizes for the terminal: `text.rs` does that at display time.

mod charset;
mod classify;
mod encoding;
pub(crate) mod form;
pub(crate) mod hex;
mod json;
mod media;
mod multipart;
mod scanner;

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::model::{CapturedRequest, Outcome};

use classify::{by_media_type, hex_content, sniff, text_or_hex};
pub use json::{JsonError, Token, TokensError, pretty_json, tokens};
use media::MediaType;

/// Decompression stops after this many bytes of output.
pub const DECODE_LIMIT: usize = 64 << 20;
/// Hex dumps show at most this many bytes.
pub const HEX_LIMIT: usize = 64 << 10;
/// Multipart bodies show at most this many parts.
pub const MAX_PARTS: usize = 1000;
/// Form bodies show at most this many fields.
pub const MAX_FIELDS: usize = 10_000;

/// A body decoded for display.
#[derive(Clone, Debug, PartialEq)]
pub struct BodyView {
    pub content: BodyContent,
    /// What decoding did or could not do, in order: "decoded from gzip
    /// (312 B -> 1.2 KiB)", "charset iso-8859-1 decoded", ...
    pub notes: Vec<String>,
    /// The `Content-Type` header as sent (trimmed), if any.
    pub content_type: Option<String>,
    /// Bytes after `Content-Encoding` was undone (the raw size when it failed).
    pub decoded_size: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum BodyContent {
    Empty,
    /// Pretty-printed with a two-space indent; tokens exactly as sent.
    Json {
        pretty: String,
    },
    /// Declared (or sniffed) JSON that does not parse: the error, where it
    /// is (1-based line, 1-based character column) and the text as sent.
    InvalidJson {
        error: String,
        line: usize,
        column: usize,
        text: String,
    },
    /// `application/x-www-form-urlencoded` fields in order, percent-decoded.
    Form(Vec<(String, String)>),
    Multipart(Vec<MultipartPart>),
    Text {
        text: String,
        syntax: TextSyntax,
    },
    /// `hexdump -C` style: offset, 16 bytes, ASCII column.
    Hex(String),
}

/// Which highlighter suits a text body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextSyntax {
    Xml,
    Html,
    Plain,
}

/// One part of a multipart body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultipartPart {
    pub name: Option<String>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    /// Bytes of content.
    pub size: usize,
    /// Up to 2 KiB of text, or a hex dump of the first 256 bytes for binary,
    /// followed by "… (N more)" when cut.
    pub preview: String,
}

impl BodyView {
    /// The body as plain text, for `hookcatch show` and where no richer view
    /// fits. Content only: the notes are the caller's to show.
    pub fn to_text(&self) -> String {
        match &self.content {
            BodyContent::Empty => String::new(),
            BodyContent::Json { pretty } => pretty.clone(),
            BodyContent::InvalidJson {
                error,
                line,
                column,
                text,
            } => {
                format!("invalid JSON: {error} at line {line} column {column}\n\n{text}")
            }
            BodyContent::Form(fields) => {
                let mut out = String::new();
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    let _ = write!(out, "{key} = {value}");
                }
                out
            }
            BodyContent::Multipart(parts) => multipart_text(parts),
            BodyContent::Text { text, .. } => text.clone(),
            BodyContent::Hex(dump) => dump.clone(),
        }
    }

    /// A short name for the kind of body: "json", "invalid-json", "form",
    /// "multipart", "text", "xml", "html", "binary" or "empty".
    pub fn kind(&self) -> &'static str {
        match &self.content {
            BodyContent::Empty => "empty",
            BodyContent::Json { .. } => "json",
            BodyContent::InvalidJson { .. } => "invalid-json",
            BodyContent::Form(_) => "form",
            BodyContent::Multipart(_) => "multipart",
            BodyContent::Text {
                syntax: TextSyntax::Xml,
                ..
            } => "xml",
            BodyContent::Text {
                syntax: TextSyntax::Html,
                ..
            } => "html",
            BodyContent::Text {
                syntax: TextSyntax::Plain,
                ..
            } => "text",
            BodyContent::Hex(_) => "binary",
        }
    }
}

fn multipart_text(parts: &[MultipartPart]) -> String {
    if parts.is_empty() {
        return "(no parts)".into();
    }
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        let _ = write!(out, "--- part {}", i + 1);
        if let Some(name) = &part.name {
            let _ = write!(out, " name=\"{name}\"");
        }
        if let Some(filename) = &part.filename {
            let _ = write!(out, " filename=\"{filename}\"");
        }
        if let Some(ct) = &part.content_type {
            let _ = write!(out, " type={ct}");
        }
        let _ = write!(out, " ({})\n{}", human_size(part.size), part.preview);
    }
    out
}

/// A request's `Content-Encoding` headers as one list (several stack).
fn content_encoding(req: &CapturedRequest) -> Option<String> {
    let encodings: Vec<Cow<'_, str>> = req
        .headers_named("content-encoding")
        .map(|h| h.value_str())
        .collect();
    (!encodings.is_empty()).then(|| encodings.join(", "))
}

/// A request's body with its `Content-Encoding` undone, as the Body tab
/// shows it: what events, duplicates and the filter read, so every reader
/// agrees. Signatures are checked over the bytes as received instead.
pub struct Unencoded<'a> {
    pub bytes: Cow<'a, [u8]>,
    /// The encoding could not be undone: why (then `bytes` are as received).
    pub corrupt: Option<String>,
    /// Decompression stopped at [`DECODE_LIMIT`]: the note saying so.
    pub truncated: Option<String>,
}

/// [`Unencoded`] under [`DECODE_LIMIT`], so a decompression bomb costs at most that.
pub fn unencoded(req: &CapturedRequest) -> Unencoded<'_> {
    unencoded_within(req, DECODE_LIMIT)
}

pub(crate) fn unencoded_within(req: &CapturedRequest, limit: usize) -> Unencoded<'_> {
    let mut notes = Vec::new();
    let out = encoding::unwrap(
        &req.body,
        content_encoding(req).as_deref(),
        limit,
        &mut notes,
    );
    Unencoded {
        corrupt: out
            .corrupt
            .then(|| notes.last().cloned().unwrap_or_default()),
        truncated: out.truncated.then(|| {
            format!(
                "decompression stopped at {} limit; the rest was not read",
                human_size(limit)
            )
        }),
        bytes: out.bytes,
    }
}

/// The bytes as received (the `o` view): never decompressed, with a note
/// naming the encoding they still carry.
pub fn as_received(req: &CapturedRequest) -> BodyView {
    let limits = Limits::default();
    let mut notes = Vec::new();
    if let Some(encoding) = content_encoding(req) {
        notes.push(format!(
            "the bytes as received: Content-Encoding {} ({}), not decoded",
            clip(&encoding, 40),
            human_size(req.body.len())
        ));
    }
    let content = if req.body.is_empty() {
        BodyContent::Empty
    } else {
        text_or_hex(&req.body, None, &limits, &mut notes)
    };
    BodyView {
        content,
        notes,
        content_type: None,
        decoded_size: req.body.len(),
    }
}

/// Decode a captured request's body by its `Content-Type` and
/// `Content-Encoding` headers (several `Content-Encoding` headers stack).
pub fn decode(req: &CapturedRequest) -> BodyView {
    let content_type = req
        .headers_named("content-type")
        .next()
        .map(|h| h.value_str());
    let encoding = content_encoding(req);
    let mut view = decode_bytes(content_type.as_deref(), encoding.as_deref(), &req.body);
    match &req.outcome {
        Outcome::Complete => {}
        Outcome::TooLarge { seen, .. } => view.notes.push(format!(
            "body passed the size limit after {} and was not kept",
            human_size(usize::try_from(*seen).unwrap_or(usize::MAX))
        )),
        Outcome::Incomplete { reason } => view
            .notes
            .push(format!("body is incomplete: {}", clip(reason, 120))),
        Outcome::Malformed { detail } => view
            .notes
            .push(format!("body is malformed: {}", clip(detail, 120))),
    }
    view
}

/// Decode any body (a captured request's, a replay response's) for display.
pub fn decode_bytes(
    content_type: Option<&str>,
    content_encoding: Option<&str>,
    body: &[u8],
) -> BodyView {
    decode_with(&Limits::default(), content_type, content_encoding, body)
}

#[derive(Clone, Copy, Debug)]
struct Limits {
    decoded: usize,
    hex: usize,
    parts: usize,
    fields: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            decoded: DECODE_LIMIT,
            hex: HEX_LIMIT,
            parts: MAX_PARTS,
            fields: MAX_FIELDS,
        }
    }
}

fn decode_with(
    limits: &Limits,
    content_type: Option<&str>,
    content_encoding: Option<&str>,
    body: &[u8],
) -> BodyView {
    let mut notes = Vec::new();
    let content_type = content_type.map(str::trim).filter(|s| !s.is_empty());
    let media = content_type.map(MediaType::parse);
    let unwrapped = encoding::unwrap(body, content_encoding, limits.decoded, &mut notes);
    let bytes: &[u8] = &unwrapped.bytes;
    let content = if bytes.is_empty() {
        BodyContent::Empty
    } else if unwrapped.corrupt {
        hex_content(bytes, limits, &mut notes)
    } else {
        match &media {
            Some(media) => by_media_type(media, bytes, limits, &mut notes),
            None => sniff(bytes, limits, &mut notes),
        }
    };
    BodyView {
        content,
        notes,
        content_type: content_type.map(str::to_string),
        decoded_size: bytes.len(),
    }
}

/// `312 B`, `1.2 KiB`, `64 MiB` (the one size format is `text`'s).
pub(crate) use crate::text::human_size_prose as human_size;

/// At most `max` characters of `s`, with "…" when cut. For echoing sender
/// input (charset labels, encodings) into notes.
pub(crate) fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_hostile;
