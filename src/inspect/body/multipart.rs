//! `multipart/*` bodies (`form-data` above all): each part's name, filename,
//! content type and size, with a short preview. The scan is linear: one
//! delimiter search (KMP) moving forward, header blocks capped.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::charset::{self, Charset};
use super::media::{self, MediaType, parse_params};
use super::{MultipartPart, form, hex, human_size};

/// Longest boundary we accept (RFC 2046 allows 70).
const MAX_BOUNDARY: usize = 200;
/// A part's header block larger than this is not a header block.
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Text previews stop here.
pub(crate) const PREVIEW_TEXT: usize = 2 * 1024;
/// Binary parts preview this many bytes as hex.
pub(crate) const PREVIEW_HEX: usize = 256;

/// Parse `body` into parts. `Err` says why it is not multipart at all; a body
/// that is multipart but damaged (no closing boundary) gives parts and notes.
pub(crate) fn parse(
    body: &[u8],
    boundary: &str,
    max_parts: usize,
) -> Result<(Vec<MultipartPart>, Vec<String>), String> {
    if boundary.is_empty() {
        return Err("empty boundary".into());
    }
    if boundary.len() > MAX_BOUNDARY || boundary.contains(['\r', '\n']) {
        return Err("boundary is not a valid boundary".into());
    }
    let delim = format!("--{boundary}").into_bytes();
    let finder = Finder::new([&b"\n"[..], &delim].concat());
    let mut pos = if body.starts_with(&delim) {
        0
    } else {
        match finder.find(body, 0) {
            Some(i) => i + 1,
            None => return Err("the boundary never appears in the body".into()),
        }
    };
    let mut parts = Vec::new();
    let mut notes = Vec::new();
    let mut closed = false;
    loop {
        let after = pos + delim.len();
        if body[after..].starts_with(b"--") {
            closed = true;
            break;
        }
        if parts.len() >= max_parts {
            notes.push(format!("only the first {max_parts} parts are shown"));
            closed = true;
            break;
        }
        let Some(eol) = body[after..].iter().position(|&b| b == b'\n') else {
            break;
        };
        let Some((headers, content_start)) = read_headers(body, after + eol + 1) else {
            notes.push(format!(
                "part {} has no end to its headers",
                parts.len() + 1
            ));
            break;
        };
        // Search from the blank line's own line feed so an empty part with no
        // CRLF of its own still ends here.
        match finder.find(body, content_start - 1) {
            Some(i) => {
                let end = if i > 0 && body[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                };
                parts.push(part(&headers, &body[content_start..end.max(content_start)]));
                pos = i + 1;
            }
            None => {
                parts.push(part(&headers, &body[content_start..]));
                break;
            }
        }
    }
    if !closed {
        if parts.is_empty() {
            return Err("no part is complete".into());
        }
        notes.push("multipart body ends without a closing boundary (truncated?)".into());
    }
    Ok((parts, notes))
}

/// Header lines up to the blank line: lowercase names, lossy values, and
/// where the content starts. `None` when there is no blank line in reach.
fn read_headers(body: &[u8], start: usize) -> Option<(Vec<(String, String)>, usize)> {
    let mut headers = Vec::new();
    let mut i = start;
    loop {
        let reach = MAX_HEADER_BYTES.checked_sub(i - start)?;
        let rest = body.get(i..)?;
        let eol = rest.iter().take(reach).position(|&b| b == b'\n')?;
        let line = &rest[..eol];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        i += eol + 1;
        if line.is_empty() {
            return Some((headers, i));
        }
        if let Some(colon) = line.iter().position(|&b| b == b':') {
            let name = String::from_utf8_lossy(&line[..colon])
                .trim()
                .to_ascii_lowercase();
            let value = String::from_utf8_lossy(&line[colon + 1..])
                .trim()
                .to_string();
            headers.push((name, value));
        }
    }
}

fn part(headers: &[(String, String)], content: &[u8]) -> MultipartPart {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (mut name, mut filename) = (None, None);
    if let Some(disposition) = header("content-disposition") {
        let (_, params) = parse_params(disposition);
        let param = |key: &str| {
            params
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        name = param("name");
        filename = param("filename*")
            .and_then(|v| extended_value(&v))
            .or_else(|| param("filename"));
    }
    let content_type = header("content-type")
        .map(str::to_string)
        .filter(|s| !s.is_empty());
    MultipartPart {
        name,
        filename,
        content_type: content_type.clone(),
        size: content.len(),
        preview: preview(content, content_type.as_deref()),
    }
}

/// RFC 5987 `charset'lang'percent-encoded`, e.g. `UTF-8''na%C3%AFve.txt`.
fn extended_value(v: &str) -> Option<String> {
    let mut it = v.splitn(3, '\'');
    let (label, _lang, encoded) = (it.next()?, it.next()?, it.next()?);
    let bytes = form::percent_decode_with(encoded.as_bytes(), false);
    let charset = Charset::from_label(Some(label));
    Some(charset::decode_quiet(&bytes, charset).0.into_owned())
}

/// Text for text, hex for the rest; capped, with how much more there is.
pub(crate) fn preview(content: &[u8], content_type: Option<&str>) -> String {
    let declared_text = content_type.is_some_and(media::is_textual);
    let charset = Charset::from_label(
        content_type
            .map(MediaType::parse)
            .as_ref()
            .and_then(MediaType::charset),
    );
    let head = &content[..content.len().min(PREVIEW_TEXT)];
    let text: Option<Cow<'_, str>> = match charset {
        Charset::Utf8 | Charset::Unknown => match std::str::from_utf8(head) {
            Ok(s) => Some(Cow::Borrowed(s)),
            // Cut in the middle of a character by the cap.
            Err(e) if e.error_len().is_none() && head.len() < content.len() => {
                std::str::from_utf8(&head[..e.valid_up_to()])
                    .ok()
                    .map(Cow::Borrowed)
            }
            Err(_) if declared_text => Some(String::from_utf8_lossy(head)),
            Err(_) => None,
        },
        other => Some(charset::decode_quiet(head, other).0),
    };
    let (mut out, shown) = match text {
        Some(t) if !charset::looks_binary(&t) => {
            let shown = if matches!(charset, Charset::Utf8 | Charset::Unknown) {
                t.len().min(head.len())
            } else {
                head.len()
            };
            (t.into_owned(), shown)
        }
        _ => hex::dump(content, PREVIEW_HEX),
    };
    if shown < content.len() {
        let _ = write!(out, "\n… ({} more)", human_size(content.len() - shown));
    }
    out
}

/// Knuth-Morris-Pratt: linear whatever the input, so a body full of
/// near-boundaries costs no more than any other.
struct Finder {
    needle: Vec<u8>,
    fail: Vec<usize>,
}

impl Finder {
    fn new(needle: Vec<u8>) -> Finder {
        let mut fail = vec![0; needle.len()];
        let mut k = 0;
        for q in 1..needle.len() {
            while k > 0 && needle[q] != needle[k] {
                k = fail[k - 1];
            }
            if needle[q] == needle[k] {
                k += 1;
            }
            fail[q] = k;
        }
        Finder { needle, fail }
    }

    /// The first match at or after `from`.
    fn find(&self, hay: &[u8], from: usize) -> Option<usize> {
        let first = *self.needle.first()?;
        let mut k = 0;
        let mut i = from;
        while i < hay.len() {
            if k == 0 {
                i += hay[i..].iter().position(|&b| b == first)?;
            }
            while k > 0 && hay[i] != self.needle[k] {
                k = self.fail[k - 1];
            }
            if hay[i] == self.needle[k] {
                k += 1;
            }
            if k == self.needle.len() {
                return Some(i + 1 - k);
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
#[path = "multipart_tests.rs"]
mod tests;
