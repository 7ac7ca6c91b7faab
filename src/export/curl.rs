//! A captured request as a curl command: the TUI's `y` puts one on the
//! clipboard with OSC 52 (works over SSH, no system clipboard needed), and
//! `hookcatch export --format curl` writes a script of them.
//!
//! Run by bash (or zsh), the command sends one request with the captured
//! method, target, headers and body bytes. Nothing captured is ever given to
//! curl where curl would interpret it:
//!
//! - the body goes through curl's stdin (`--data-binary @-`), written by the
//!   shell's `printf` from escapes, so a body that starts with `@` is never a
//!   file name, and NUL bytes survive (a shell string cannot hold them);
//! - the target goes in `--request-target`, sent verbatim: no globbing of
//!   `[1-40]` or `{a,b}`, no `..` folded, no `#` cut off, no re-encoding; the
//!   URL itself is the base URL (and `--globoff` keeps an IPv6 `[::1]` or a
//!   bracket in it literal);
//! - `-q` first, so a `~/.curlrc` adds nothing (and `-sS`: no progress meter);
//! - headers curl would add on its own (`User-Agent`, `Accept`, and with a
//!   body `Content-Type` and `Expect`) are switched off unless captured, and
//!   a header with an empty value is written `name;` (curl drops `name:`).
//!
//! `Host` names the base URL (curl sets it, as a replay does). A header curl
//! cannot send as captured (a name that is no HTTP token, so a leading `@`
//! would make curl read a file; a value with CR, LF or NUL) is left out:
//! only imported requests can carry one, and [`left_out`] names them.
//!
//! Everything is quoted for the shell; bytes a shell would mangle or a
//! terminal would act on when the script is printed or pasted (controls,
//! invalid UTF-8) are written as escapes (`$'\xNN'`, printf's `\NNN`).

use base64::Engine as _;

use crate::model::{CapturedRequest, HeaderField};

/// Refuse to copy more than this (terminals cap OSC 52 payloads).
pub const MAX_COPY_BYTES: usize = 1 << 20;

/// Headers curl adds by itself, with whether only requests with a body get
/// them; switched off with `-H 'Name:'` when the request had none.
const CURL_ADDS: [(&str, bool); 4] = [
    ("User-Agent", false),
    ("Accept", false),
    ("Content-Type", true),
    ("Expect", true),
];

/// The command that sends `req` again to `base_url` (`http://host:port`, or
/// with a path the captured target is put under).
pub fn curl_command(req: &CapturedRequest, base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let has_body = !req.body.is_empty();
    let mut out = String::new();
    if has_body {
        out.push_str("printf ");
        out.push_str(&printf_format(&req.body));
        out.push_str(" |\n  ");
    }
    out.push_str("curl -q -sS --globoff");
    if req.http_version == "HTTP/1.0" {
        out.push_str(" --http1.0");
    }
    match (req.method.as_str(), has_body) {
        ("GET", false) => {}
        // `-X HEAD` would wait for an answer body that never comes.
        ("HEAD", false) => out.push_str(" --head"),
        (method, _) => {
            out.push_str(" -X ");
            out.push_str(&quote(method.as_bytes()));
        }
    }
    out.push_str(" --request-target ");
    out.push_str(&quote(request_target(base, &req.target).as_bytes()));
    out.push(' ');
    out.push_str(&quote(base.as_bytes()));

    let keep_length = kept_length(req);
    for h in &req.headers {
        let name = h.name.as_str();
        if name.eq_ignore_ascii_case("host")
            || !sendable(h)
            || (name.eq_ignore_ascii_case("content-length") && !keep_length)
        {
            continue;
        }
        out.push_str(" \\\n  -H ");
        out.push_str(&quote(&header_arg(h)));
    }
    let mut off = Vec::new();
    for (name, body_only) in CURL_ADDS {
        let captured = req
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(name));
        if !captured && (has_body || !body_only) {
            off.push(format!("-H '{name}:'"));
        }
    }
    out.push_str(" \\\n  ");
    out.push_str(&off.join(" "));
    if has_body {
        out.push_str(" \\\n  --data-binary @-");
        if req.method == "HEAD" {
            // A HEAD with a body cannot use `--head`, and curl would wait for
            // the answer body the Content-Length announces: stop after the
            // answer's head (curl exits 63 when it announced a body).
            out.push_str(" --max-filesize 1");
        }
    }
    out
}

/// `req` aimed where a replay to `target` sends it, by the one target rule
/// ([`crate::replay::Target::for_replay`]: a URL with a path is used as
/// given, one without gets the request's own path), and that target's
/// origin, the URL a command names. A target that does not parse leaves the
/// request as captured, under the target's path.
pub fn aim(req: &CapturedRequest, target: &str) -> (CapturedRequest, String) {
    let mut aimed = req.clone();
    match crate::replay::Target::parse(target) {
        Ok(t) => {
            aimed.target = t.for_replay(&req.target);
            (aimed, t.origin())
        }
        Err(_) => (aimed, target.trim_end_matches('/').to_string()),
    }
}

/// The headers of `req` the command leaves out because curl cannot send
/// them as captured (see the module comment).
pub fn left_out(req: &CapturedRequest) -> impl Iterator<Item = &HeaderField> {
    req.headers.iter().filter(|h| !sendable(h))
}

/// curl sends `-H` arguments verbatim, but one that starts with `@` names a
/// file of headers, and a value cannot span lines or hold NUL.
pub fn sendable(h: &HeaderField) -> bool {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    !h.name.is_empty()
        && h.name.bytes().all(token)
        && !h.value.iter().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

/// `name: value`, or `name;` for an empty (or blank) value: curl takes
/// `name:` with nothing after it as "do not send this header".
fn header_arg(h: &HeaderField) -> Vec<u8> {
    let mut arg = h.name.as_bytes().to_vec();
    if h.value.iter().all(u8::is_ascii_whitespace) {
        arg.push(b';');
    } else {
        arg.extend_from_slice(b": ");
        arg.extend_from_slice(&h.value);
    }
    arg
}

/// Keep the captured `Content-Length` (in its place) when it is true of the
/// body sent; otherwise curl computes one. With `Transfer-Encoding` curl
/// sends chunks and no length.
fn kept_length(req: &CapturedRequest) -> bool {
    let has = |name: &str| {
        req.headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(name))
    };
    let lengths: Vec<&HeaderField> = req
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("content-length"))
        .collect();
    !has("transfer-encoding")
        && lengths.len() == 1
        && std::str::from_utf8(&lengths[0].value)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            == Some(req.body.len())
}

/// The captured target under the base URL's path (`http://h/app` +
/// `/hook?a=1` -> `/app/hook?a=1`); without one, the target as captured.
pub fn request_target(base: &str, target: &str) -> String {
    let after_scheme = base.split_once("://").map_or(base, |(_, rest)| rest);
    let prefix = after_scheme
        .find('/')
        .map_or("", |i| &after_scheme[i..])
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .trim_end_matches('/');
    match (prefix, target) {
        ("", "") => "/".to_string(),
        ("", t) => t.to_string(),
        (p, t) if t.starts_with('/') => format!("{p}{t}"),
        (p, t) => format!("{p}{}", crate::replay::build::origin_form(t)),
    }
}

/// `bytes` as a single-quoted printf format that prints exactly them:
/// `%` doubled, `\` escaped, newlines and safe UTF-8 as they are, every
/// other byte (NUL, controls, invalid UTF-8) as a three-digit octal escape,
/// which bash, zsh, dash and coreutils all read.
pub fn printf_format(bytes: &[u8]) -> String {
    let mut out = String::from("'");
    let octal = |out: &mut String, b: u8| out.push_str(&format!("\\{b:03o}"));
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '%' => out.push_str("%%"),
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str(r"'\''"),
                // A format starting with `-` would be read as an option.
                '-' if out == "'" => octal(&mut out, b'-'),
                '\n' => out.push('\n'),
                c if crate::text::is_unsafe(c) => {
                    let mut buf = [0u8; 4];
                    for &b in c.encode_utf8(&mut buf).as_bytes() {
                        octal(&mut out, b);
                    }
                }
                c => out.push(c),
            }
        }
        for &b in chunk.invalid() {
            octal(&mut out, b);
        }
    }
    out.push('\'');
    out
}

/// Quote bytes for POSIX shells: `'…'` when the bytes are printable UTF-8,
/// else bash/zsh `$'…'` with escapes.
pub fn quote(bytes: &[u8]) -> String {
    let text = std::str::from_utf8(bytes).ok();
    match text {
        Some(t) if !t.chars().any(|c| crate::text::is_unsafe(c) && c != '\n') => {
            format!("'{}'", t.replace('\'', r"'\''"))
        }
        _ => ansi_c_quote(bytes),
    }
}

fn ansi_c_quote(bytes: &[u8]) -> String {
    let mut out = String::from("$'");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if crate::text::is_unsafe(c) => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('\'');
    out
}

/// The OSC 52 sequence that puts `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

#[cfg(test)]
#[path = "curl_tests.rs"]
mod tests;
