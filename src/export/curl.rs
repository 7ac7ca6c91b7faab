//! A captured request as a curl command: the TUI's `y` puts one on the
//! clipboard with OSC 52 (works over SSH, no system clipboard needed), and
//! `hookcatch export --format curl` writes a script of them.
//!
//! This is the one place captured bytes leave for the terminal, and only as
//! the user's explicit copy: base64 inside `ESC ] 52 ; c ; … BEL`, so not a
//! single captured byte is interpreted by the terminal. The command itself
//! quotes everything for the shell; bytes a shell would mangle or a terminal
//! would act on when pasted (controls, invalid UTF-8) are written as `$'\xNN'`.

use base64::Engine as _;

use crate::model::CapturedRequest;

/// Refuse to copy more than this (terminals cap OSC 52 payloads).
pub const MAX_COPY_BYTES: usize = 1 << 20;

/// Headers curl sets itself or that describe the original hop.
const SKIP: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "expect",
];

/// `curl -X METHOD 'URL' -H '…' --data-binary '…'` that sends the request again to `base_url`.
pub fn curl_command(req: &CapturedRequest, base_url: &str) -> String {
    let mut out = String::from("curl");
    if req.method != "GET" || !req.body.is_empty() {
        out.push_str(" -X ");
        out.push_str(&quote(req.method.as_bytes()));
    }
    let url = format!("{}{}", base_url.trim_end_matches('/'), req.target);
    out.push(' ');
    out.push_str(&quote(url.as_bytes()));
    for h in &req.headers {
        if SKIP.iter().any(|s| h.name.eq_ignore_ascii_case(s)) {
            continue;
        }
        let mut line = h.name.as_bytes().to_vec();
        line.extend_from_slice(b": ");
        line.extend_from_slice(&h.value);
        out.push_str(" \\\n  -H ");
        out.push_str(&quote(&line));
    }
    if req.body.contains(&0) {
        // A shell string cannot hold a NUL byte ($'\x00' ends it): printf
        // writes the bytes to a pipe curl reads the body from.
        out.push_str(" \\\n  --data-binary @<(printf ");
        out.push_str(&printf_format(&req.body));
        out.push(')');
    } else if !req.body.is_empty() {
        out.push_str(" \\\n  --data-binary ");
        out.push_str(&quote(&req.body));
    }
    out
}

/// `bytes` as a single-quoted printf format that prints exactly them:
/// printable ASCII as is (`%` doubled, `\` escaped), everything else `\xHH`.
fn printf_format(bytes: &[u8]) -> String {
    let mut out = String::from("'");
    for &b in bytes {
        match b {
            b'%' => out.push_str("%%"),
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str(r"'\''"),
            b' '..=b'~' => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
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
mod tests {
    use super::*;
    use crate::model::HeaderField;

    #[test]
    fn quotes_for_the_shell() {
        assert_eq!(quote(b"it's"), r"'it'\''s'");
        assert_eq!(quote(b"a\x1b[2Jb"), r"$'a\x1b[2Jb'");
        assert_eq!(quote(&[0xff, b'\'']), r"$'\xff\''");
        assert_eq!(quote(b"two\nlines"), "'two\nlines'");
    }

    #[test]
    fn bodies_with_nul_bytes_go_through_printf() {
        let req =
            CapturedRequest::new("PUT", "/b", vec![], vec![0xff, 0, b'%', b'\\', b'\'', b'a']);
        let cmd = curl_command(&req, "http://h");
        assert!(
            cmd.ends_with(r"--data-binary @<(printf '\xff\x00%%\\'\''a')"),
            "{cmd}"
        );
        assert!(!cmd.chars().any(|c| c.is_control() && c != '\n'));
    }

    #[test]
    fn builds_a_curl_command() {
        let req = CapturedRequest::new(
            "POST",
            "/hook?a=1",
            vec![
                HeaderField::new("host", b"x".to_vec()),
                HeaderField::new("content-type", b"application/json".to_vec()),
            ],
            br#"{"a":"b'c"}"#.to_vec(),
        );
        let cmd = curl_command(&req, "http://127.0.0.1:9797/");
        assert_eq!(
            cmd,
            "curl -X 'POST' 'http://127.0.0.1:9797/hook?a=1' \\\n  -H 'content-type: application/json' \\\n  --data-binary '{\"a\":\"b'\\''c\"}'"
        );
        let seq = osc52(&cmd);
        assert!(seq.starts_with("\x1b]52;c;") && seq.ends_with('\x07'));
        assert!(!seq[7..seq.len() - 1].chars().any(|c| c.is_control()));
    }
}
