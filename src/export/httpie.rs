//! A captured request as an HTTPie command (the TUI's copy menu, `Y`).
//!
//! Safe to paste into bash or zsh, whatever the request holds: every
//! argument is quoted with [`curl::quote`] (controls and invalid UTF-8 as
//! `$'\xNN'` escapes), the body goes through stdin from `printf` (so NUL
//! bytes survive and nothing in it is an HTTPie request item), and `--`
//! ends the options, so a method or URL is never read as one. Headers
//! HTTPie could not send as captured are left out, as curl's are
//! ([`curl::sendable`]); HTTPie's own `User-Agent`, `Accept` and
//! `Accept-Encoding` are switched off (`Name:`) unless captured.

use super::curl;
use crate::model::CapturedRequest;

/// Headers HTTPie adds by itself.
const HTTPIE_ADDS: [&str; 3] = ["User-Agent", "Accept", "Accept-Encoding"];

/// The command that sends `req` again to `base_url`, the captured target
/// put under it as curl's `y` does.
pub fn httpie_command(req: &CapturedRequest, base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let has_body = !req.body.is_empty();
    let mut out = String::new();
    if has_body {
        out.push_str("printf ");
        out.push_str(&curl::printf_format(&req.body));
        out.push_str(" |\n  http");
    } else {
        out.push_str("http --ignore-stdin");
    }
    let url = format!("{base}{}", curl::request_target(base, &req.target));
    out.push_str(" -- ");
    out.push_str(&curl::quote(req.method.as_bytes()));
    out.push(' ');
    out.push_str(&curl::quote(url.as_bytes()));
    for h in &req.headers {
        if h.name.eq_ignore_ascii_case("host")
            || h.name.eq_ignore_ascii_case("content-length")
            || !curl::sendable(h)
        {
            continue;
        }
        // `Name;` sends an empty header; `Name:` would unset it.
        let mut item = h.name.as_bytes().to_vec();
        if h.value.iter().all(u8::is_ascii_whitespace) {
            item.push(b';');
        } else {
            item.push(b':');
            item.extend_from_slice(&h.value);
        }
        out.push_str(" \\\n  ");
        out.push_str(&curl::quote(&item));
    }
    for name in HTTPIE_ADDS {
        if !req
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(name))
        {
            out.push_str(&format!(" '{name}:'"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HeaderField;

    fn req(headers: Vec<HeaderField>, body: &[u8]) -> CapturedRequest {
        CapturedRequest::new("POST", "/hook?a=1&b=$(id)", headers, body.to_vec())
    }

    #[test]
    fn a_plain_json_post() {
        let r = req(
            vec![
                HeaderField::new("Host", b"example.com".to_vec()),
                HeaderField::new("Content-Type", b"application/json".to_vec()),
                HeaderField::new("X-Empty", b"".to_vec()),
            ],
            br#"{"event":"x"}"#,
        );
        assert_eq!(
            httpie_command(&r, "http://127.0.0.1:9797/"),
            "printf '{\"event\":\"x\"}' |\n  http -- 'POST' 'http://127.0.0.1:9797/hook?a=1&b=$(id)' \\\n  \
             'Content-Type:application/json' \\\n  'X-Empty;' 'User-Agent:' 'Accept:' 'Accept-Encoding:'"
        );
    }

    #[test]
    fn hostile_values_and_bodies_stay_quoted() {
        let r = req(
            vec![
                HeaderField::new("X-Quote", b"it's `id` $(id) \x1b]52;c;x\x07".to_vec()),
                HeaderField::new("X-Split", b"a\r\nInjected: 1".to_vec()),
                HeaderField::new("@file", b"x".to_vec()),
                HeaderField::new("X-Bin", b"\xff\xfe".to_vec()),
            ],
            b"-n '; rm -rf ~; \x00\x1b[2J %s\\",
        );
        let cmd = httpie_command(&r, "http://h");
        assert!(
            cmd.contains(r"$'X-Quote:it\'s `id` $(id) \x1b]52;c;x\x07'"),
            "{cmd}"
        );
        assert!(cmd.contains(r"$'X-Bin:\xff\xfe'"), "{cmd}");
        // A value that would split into two headers, a name curl reads as a
        // file: left out.
        assert!(!cmd.contains("Injected") && !cmd.contains("@file"), "{cmd}");
        // The body: octal escapes for `-`, NUL, ESC; `%` and `\` doubled; `'` closed and reopened.
        assert!(
            cmd.starts_with(r"printf '\055n '\''; rm -rf ~; \000\033[2J %%s\\' |"),
            "{cmd}"
        );
        assert!(!cmd.chars().any(|c| crate::text::is_unsafe(c) && c != '\n'));
    }

    #[test]
    fn without_a_body_stdin_is_ignored() {
        let r = CapturedRequest::new("GET", "/ping", vec![], Vec::new());
        assert_eq!(
            httpie_command(&r, "http://h:1"),
            "http --ignore-stdin -- 'GET' 'http://h:1/ping' 'User-Agent:' 'Accept:' 'Accept-Encoding:'"
        );
    }
}
