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
fn bodies_go_through_printf_never_as_an_argument() {
    let req = CapturedRequest::new(
        "PUT",
        "/b",
        vec![],
        b"-@/etc/passwd\xff\x00%\\'\x1b\xc2\x9b\ne\xcc\x81".to_vec(),
    );
    let cmd = curl_command(&req, "http://h");
    assert!(
        cmd.starts_with(
            "printf '\\055@/etc/passwd\\377\\000%%\\\\'\\''\\033\\302\\233\ne\u{301}' |\n  curl -q"
        ),
        "{cmd}"
    );
    assert!(cmd.ends_with("--data-binary @-"), "{cmd}");
    assert!(!cmd.chars().any(|c| crate::text::is_unsafe(c) && c != '\n'));
}

#[test]
fn the_target_is_sent_verbatim_under_the_base_path() {
    assert_eq!(
        request_target("http://h", "/x/[1-4]?{a,b}"),
        "/x/[1-4]?{a,b}"
    );
    assert_eq!(request_target("http://h/app", "/a/../b"), "/app/a/../b");
    assert_eq!(request_target("http://h/app/?q", "*"), "/app/");
    assert_eq!(request_target("http://h", ""), "/");
}

#[test]
fn headers_curl_would_misread_are_written_its_way_or_left_out() {
    let req = CapturedRequest::new(
        "POST",
        "/h",
        vec![
            HeaderField::new("host", b"elsewhere".to_vec()),
            HeaderField::new("x-empty", b"".to_vec()),
            HeaderField::new("x-at", b"@/etc/passwd".to_vec()),
            HeaderField::new("@file", b"v".to_vec()),
            HeaderField::new("x-crlf", b"a\r\nb: c".to_vec()),
            HeaderField::new("content-length", b"2".to_vec()),
            HeaderField::new("accept", b"*/*".to_vec()),
        ],
        b"{}".to_vec(),
    );
    let cmd = curl_command(&req, "http://127.0.0.1:1/");
    assert_eq!(
        cmd,
        "printf '{}' |\n  curl -q -sS --globoff -X 'POST' --request-target '/h' 'http://127.0.0.1:1' \\\n  \
         -H 'x-empty;' \\\n  -H 'x-at: @/etc/passwd' \\\n  -H 'content-length: 2' \\\n  \
         -H 'accept: */*' \\\n  -H 'User-Agent:' -H 'Content-Type:' -H 'Expect:' \\\n  \
         --data-binary @-"
    );
    let left: Vec<&str> = left_out(&req).map(|h| h.name.as_str()).collect();
    assert_eq!(left, ["@file", "x-crlf"]);
}

#[test]
fn a_wrong_length_is_left_to_curl() {
    let req = CapturedRequest::new(
        "POST",
        "/",
        vec![HeaderField::new("content-length", b"9".to_vec())],
        b"ab".to_vec(),
    );
    assert!(!curl_command(&req, "http://h").contains("content-length"));
}

#[test]
fn head_and_get_need_no_method_flag() {
    let head = CapturedRequest::new("HEAD", "/x", vec![], vec![]);
    assert!(curl_command(&head, "http://h").contains("--globoff --head --request-target"));
    let get = CapturedRequest::new("GET", "/x", vec![], vec![]);
    let cmd = curl_command(&get, "http://h");
    assert!(!cmd.contains("-X") && !cmd.contains("printf"), "{cmd}");
    assert!(cmd.ends_with("-H 'User-Agent:' -H 'Accept:'"), "{cmd}");
    let head_body = CapturedRequest::new("HEAD", "/x", vec![], b"b".to_vec());
    assert!(curl_command(&head_body, "http://h").ends_with("--max-filesize 1"));
}

#[test]
fn the_clipboard_sequence_is_base64() {
    let seq = osc52("curl 'it\x1b'");
    assert!(seq.starts_with("\x1b]52;c;") && seq.ends_with('\x07'));
    assert!(!seq[7..seq.len() - 1].chars().any(|c| c.is_control()));
}
