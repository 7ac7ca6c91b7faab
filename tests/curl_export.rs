//! `export --format curl` run for real: hostile requests captured by one
//! listener, the script run by bash against a second listener, and what the
//! second one captured compared with the first, byte for byte, one request
//! per command. (The TUI's `y` copies the same command.)

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use base64::Engine as _;
use common::*;
use serde_json::Value;

/// Send one request on a fresh connection; the answer's status.
fn send(addr: &str, head: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    // `<FF>` stands for a byte that is not UTF-8 (a header value may hold one).
    let mut bytes = head
        .replace("HOST", addr)
        .replace("<FF>", "\u{1}")
        .into_bytes();
    for b in &mut bytes {
        if *b == 1 {
            *b = 0xff;
        }
    }
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).expect("write");
    loop {
        let mut answer = Vec::new();
        let mut byte = [0u8; 1];
        while !answer.ends_with(b"\r\n\r\n") {
            match stream.read(&mut byte) {
                Ok(1) => answer.push(byte[0]),
                _ => break,
            }
        }
        let status = String::from_utf8_lossy(&answer)
            .split("\r\n")
            .next()
            .unwrap_or_default()
            .to_string();
        // `100 Continue` comes before the answer.
        if !status.starts_with("HTTP/1.1 100") {
            return status;
        }
    }
}

/// Bytes no shell, curl option or terminal may interpret.
const NASTY: &[u8] =
    b"@/etc/passwd [1-40] {a,b} it's $(touch pwned) `touch pwned` %s %% \\x41 \\\n\
    line two\r\n\x00NUL\x00 \xff\xfe invalid \x1b[2J \x7f -- ;";

/// (request head, body): every head ends the request itself.
fn requests() -> Vec<(String, Vec<u8>)> {
    let with_body = |head: &str, body: &[u8]| {
        (
            format!("{head}Content-Length: {}\r\n\r\n", body.len()),
            body.to_vec(),
        )
    };
    vec![
        with_body(
            "POST /x/[1-40]/{a,b}?q='$(id)'&b=`id`&at=@x HTTP/1.1\r\nHost: HOST\r\n\
             Content-Type: application/json\r\n",
            b"@/etc/passwd",
        ),
        with_body(
            "PUT /bin HTTP/1.1\r\nHost: HOST\r\nUser-Agent: pinger/1.0\r\nAccept: */*\r\n",
            NASTY,
        ),
        with_body(
            "PATCH /a/../b/./c HTTP/1.1\r\nHost: HOST\r\nX-At: @/etc/passwd\r\nX-Empty:\r\n\
             X-Semi: a;b\r\nX-Dup: 1\r\nX-Dup: 2\r\nX-Obs: café <FF>\r\n",
            b"-d @/etc/passwd\n",
        ),
        (
            "DELETE /d?x=%00%ff HTTP/1.1\r\nHost: HOST\r\nX-Quote: it's \"$HOME\" `id`\r\n\r\n"
                .into(),
            Vec::new(),
        ),
        (
            "HEAD /head HTTP/1.1\r\nHost: HOST\r\n\r\n".into(),
            Vec::new(),
        ),
        with_body("HEAD /head-with-body HTTP/1.1\r\nHost: HOST\r\n", b"hb"),
        with_body("GET /get-with-body HTTP/1.1\r\nHost: HOST\r\n", b"{}"),
        with_body("PURGE /cache HTTP/1.1\r\nHost: HOST\r\n", b""),
        (
            "POST /chunked HTTP/1.1\r\nHost: HOST\r\nTransfer-Encoding: chunked\r\n\r\n\
             3\r\n@ab\r\n2\r\n\x00\n\r\n0\r\n\r\n"
                .into(),
            Vec::new(),
        ),
        (
            "POST /expect HTTP/1.1\r\nHost: HOST\r\nExpect: 100-continue\r\n\
             Content-Length: 3\r\n\r\nxyz"
                .into(),
            Vec::new(),
        ),
        (
            "GET /old HTTP/1.0\r\nHost: HOST\r\nX-V: 1\r\n\r\n".into(),
            Vec::new(),
        ),
    ]
}

/// What must arrive again: method, target, version, headers but `host`,
/// body bytes.
fn request_of(line: &Value) -> (String, String, String, Vec<(String, String)>, Vec<u8>) {
    let target = match line["query"].as_str() {
        Some(q) => format!("{}?{q}", line["path"].as_str().unwrap()),
        None => line["path"].as_str().unwrap().to_string(),
    };
    let headers = line["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h[0].as_str().unwrap().into(), h[1].as_str().unwrap().into()))
        .filter(|(n, _): &(String, String)| n != "host")
        .collect();
    let body = match (line["body"].as_str(), line["body_base64"].as_str()) {
        (Some(t), _) => t.as_bytes().to_vec(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD.decode(b).unwrap(),
        (None, None) => panic!("no body in {line}"),
    };
    (
        line["method"].as_str().unwrap().into(),
        target,
        line["http_version"].as_str().unwrap().into(),
        headers,
        body,
    )
}

fn host_of(line: &Value) -> Vec<String> {
    line["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0] == "host")
        .map(|h| h[1].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_curl_script_sends_each_captured_request_once_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    for (head, body) in requests() {
        let status = send(&hc.addr, &head, &body);
        assert!(status.starts_with("HTTP/1."), "{head:?}: {status}");
        assert!(status.contains(" 200"), "{head:?}: {status}");
        hc.next_json();
    }
    let first_store = hc.store.clone();
    assert_eq!(hc.stop().code(), Some(0));
    let originals = list_json(dir.path(), &first_store);
    assert_eq!(originals.len(), requests().len());

    let second = dir.path().join("second");
    std::fs::create_dir(&second).unwrap();
    let hc = Hookcatch::start(&second, &[]);
    let out = cli_store(
        dir.path(),
        &first_store,
        &["export", "--format", "curl", "--base-url", &hc.url],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = String::from_utf8(out.stdout).expect("the script is UTF-8");
    assert!(
        !script
            .chars()
            .any(|c| c != '\n' && hookcatch::text::is_unsafe(c)),
        "the script is safe to print: {script:?}"
    );
    let work = dir.path().join("run");
    std::fs::create_dir(&work).unwrap();
    // A user's ~/.curlrc must add nothing to the request.
    std::fs::write(
        work.join(".curlrc"),
        "header = \"X-From-Curlrc: 1\"\nuser-agent = \"rc\"\n",
    )
    .unwrap();
    let ran = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(&work)
        .env("HOME", &work)
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .stdin(Stdio::null())
        .output()
        .expect("run bash");
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(
        !work.join("pwned").exists(),
        "nothing captured ran as a command"
    );
    let second_store = hc.store.clone();
    assert_eq!(hc.stop().code(), Some(0));

    let resent = list_json(&second, &second_store);
    assert_eq!(
        resent.len(),
        originals.len(),
        "one request per command:\n{script}"
    );
    let authority = hc_authority(&script);
    for (original, again) in originals.iter().zip(&resent) {
        assert_eq!(request_of(again), request_of(original), "\n{script}");
        assert_eq!(
            host_of(again),
            vec![authority.as_str()],
            "Host names the base URL"
        );
    }
    // Only the HEAD with a body ends early, after the answer's head (exit
    // 63, see curl.rs); bash and curl complain about nothing else.
    assert!(
        stderr.lines().all(|l| l.starts_with("curl: (63)")),
        "{stderr}\n{script}"
    );
}

/// `host:port` of the base URL the script sends to.
fn hc_authority(script: &str) -> String {
    let start = script.find("'http://").expect("a URL") + 8;
    let end = start + script[start..].find('\'').unwrap();
    script[start..end].to_string()
}

#[test]
fn headers_curl_cannot_send_are_left_out_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("hookcatch.db");
    let file = dir.path().join("in.ndjson");
    let object = serde_json::json!({
        "method": "POST", "path": "/imported", "query": null,
        "headers": [["@/etc/hostname", "x"], ["x-lines", "a\r\nx-injected: 1"], ["x-ok", "@1"]],
        "body": "@/etc/hostname",
    });
    std::fs::write(&file, format!("{object}\n")).unwrap();
    let out = cli_store(dir.path(), &store, &["import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli_store(
        dir.path(),
        &store,
        &[
            "export",
            "--format",
            "curl",
            "--base-url",
            "http://127.0.0.1:9",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(
        script.contains("# left out: header @/etc/hostname (curl cannot send it as captured)\n"),
        "{script}"
    );
    assert!(script.contains("# left out: header x-lines"), "{script}");
    assert!(!script.contains("-H '@"), "a header file name: {script}");
    assert!(!script.contains("x-injected"), "{script}");
    assert!(script.contains("-H 'x-ok: @1'"), "{script}");
    assert!(script.contains("printf '@/etc/hostname' |"), "{script}");
}

/// Run an exported script with bash, as a user would.
fn run_script(script: &str, dir: &std::path::Path) {
    let ran = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("all_proxy")
        .stdin(Stdio::null())
        .output()
        .expect("run bash");
    assert!(
        ran.status.success(),
        "{}\n{script}",
        String::from_utf8_lossy(&ran.stderr)
    );
}

/// The one target rule, as `r`, `y` and `replay` follow it: `replay_to`
/// (the export's default) with a path is used as given; `--base-url` without
/// one gets each request's own path and query.
#[test]
fn the_curl_script_follows_the_one_target_rule() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let status = send(
        &hc.addr,
        "POST /pingara-webhook?attempt=2 HTTP/1.1\r\nHost: HOST\r\nContent-Length: 2\r\n\r\n",
        b"{}",
    );
    assert!(status.contains(" 200"), "{status}");
    hc.next_json();
    let first_store = hc.store.clone();
    assert_eq!(hc.stop().code(), Some(0));

    let second = dir.path().join("second");
    std::fs::create_dir(&second).unwrap();
    let receiver = Hookcatch::start(&second, &[]);
    let with_path = format!("{}/receiver/in?from=export", receiver.url);
    std::fs::write(
        dir.path().join("hookcatch.toml"),
        format!("replay_to = \"{with_path}\"\n"),
    )
    .unwrap();
    let out = cli_store(dir.path(), &first_store, &["export", "--format", "curl"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    run_script(&String::from_utf8(out.stdout).unwrap(), dir.path());
    let line = receiver.next_json();
    assert_eq!(line["path"], "/receiver/in", "{line}");
    assert_eq!(line["query"], "from=export", "{line}");

    let out = cli_store(
        dir.path(),
        &first_store,
        &[
            "export",
            "--format",
            "curl",
            "--base-url",
            &format!("{}/", receiver.url),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    run_script(&String::from_utf8(out.stdout).unwrap(), dir.path());
    let line = receiver.next_json();
    assert_eq!(line["path"], "/pingara-webhook", "{line}");
    assert_eq!(line["query"], "attempt=2", "{line}");
    assert_eq!(receiver.stop().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_sends_where_replay_would_the_running_listener_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let status = client()
        .post(format!("{}/hook", hc.url))
        .body("x")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    hc.next_json();
    let out = cli_store(dir.path(), &hc.store, &["export", "--format", "curl"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let script = stdout(&out);
    // The listener's port (0 asked, so never the default 9797).
    assert!(script.contains(&format!("'{}'", hc.url)), "{script}");
    assert!(!script.contains(":9797"), "{script}");
}
