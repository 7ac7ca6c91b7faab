//! A captured request as raw HTTP (the TUI's copy menu, `Y`): its request
//! line, headers in received order and body bytes, as a `printf` command
//! that prints exactly those bytes (CRLFs included), ready to pipe into
//! `nc host port`. Raw text pasted into a shell would run each line as a
//! command, `$(…)` in a header value included; a printf format cannot (see
//! [`curl::printf_format`] for its escapes).

use super::curl;
use crate::model::CapturedRequest;

/// The bytes of `req` as an HTTP/1.x message, as captured.
pub fn raw_bytes(req: &CapturedRequest) -> Vec<u8> {
    let target = if req.target.is_empty() {
        "/"
    } else {
        &req.target
    };
    let mut out = format!("{} {target} {}\r\n", req.method, req.http_version).into_bytes();
    for h in &req.headers {
        out.extend_from_slice(h.name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(&h.value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&req.body);
    out
}

/// `printf '…'`: prints [`raw_bytes`].
pub fn raw_http_command(req: &CapturedRequest) -> String {
    format!("printf {}", curl::printf_format(&raw_bytes(req)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HeaderField;

    #[test]
    fn the_message_as_captured_in_a_printf_format() {
        let req = CapturedRequest::new(
            "POST",
            "/hook?x=1",
            vec![HeaderField::new("Content-Type", b"text/plain".to_vec())],
            b"hi".to_vec(),
        );
        assert_eq!(
            raw_http_command(&req),
            r"printf 'POST /hook?x=1 HTTP/1.1\015
Content-Type: text/plain\015
\015
hi'"
        );
    }

    #[test]
    fn hostile_bytes_cannot_escape_the_format() {
        let req = CapturedRequest::new(
            "POST",
            "/h",
            vec![HeaderField::new(
                "X-Evil",
                b"'; rm -rf ~; $(id) `id` %n \\ \x1b]52;c;x\x07 \xff".to_vec(),
            )],
            b"\x00'\n%s".to_vec(),
        );
        let cmd = raw_http_command(&req);
        assert_eq!(
            cmd,
            r"printf 'POST /h HTTP/1.1\015
X-Evil: '\''; rm -rf ~; $(id) `id` %%n \\ \033]52;c;x\007 \377\015
\015
\000'\''
%%s'"
        );
        // The only quotes inside are `'\''` (close, a quoted quote, reopen):
        // nothing in between is ever outside quotes.
        let inner = &cmd["printf '".len()..cmd.len() - 1];
        assert!(!inner.replace(r"'\''", "").contains('\''), "{cmd}");
    }

    /// Run by a shell, the command prints the captured bytes exactly.
    #[test]
    fn a_shell_prints_the_exact_bytes() {
        let req = CapturedRequest::new(
            "POST",
            "/h?$(id)",
            vec![HeaderField::new(
                "X-Evil",
                b"'; rm -rf ~; $(id) `id` %n \\ \x1b]52;c;x\x07 \xff".to_vec(),
            )],
            b"-n \x00'\n%s\r\n".to_vec(),
        );
        let out = std::process::Command::new("sh")
            .args(["-c", &raw_http_command(&req)])
            .output()
            .expect("run sh");
        assert!(out.status.success());
        assert_eq!(out.stdout, raw_bytes(&req));
    }
}
