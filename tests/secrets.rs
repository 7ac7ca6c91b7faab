//! One masking policy wherever a person reads: human output (`show`, the
//! `list` table, `config`, the startup line, replay) masks secret headers,
//! URL passwords and query tokens unless `--reveal`; JSON and exports keep
//! exact values unless `--mask-secrets`.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// Every secret the captured request carries, each unique enough to grep.
const SECRETS: &[&str] = &[
    "tok-abc123",
    "key-xyz789",
    "bearer-secret-1",
    "deadbeefcafe",
    "stripesig42",
    "cookie-val9",
    "apikey-val7",
    "custom-val5",
    "url-pass3",
    "abs-tok8",
];

/// The configured shared-secret header, for the reading commands too.
const SECRET_HEADER: &str = "X-Custom-Secret";

/// Captures #1 (headers and query tokens) and #2 (an absolute-form target
/// with a password and a token), then replays #1 to a URL with a password
/// and a token (delivery of #1, captured again as #3); with what replay
/// printed.
fn capture(dir: &Path) -> (Hookcatch, String) {
    let hc = Hookcatch::start(dir, &[]);
    let request = format!(
        "POST /hook?token=tok-abc123&page=2&api_key=key-xyz789 HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer bearer-secret-1\r\n\
         X-Hub-Signature-256: sha256=deadbeefcafe\r\n\
         Stripe-Signature: t=1,v1=stripesig42\r\n\
         Cookie: session=cookie-val9\r\n\
         X-Api-Key: apikey-val7\r\n\
         {SECRET_HEADER}: custom-val5\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    assert!(raw_exchange(&hc.addr, request.as_bytes()).starts_with("HTTP/1.1 200"));
    let absolute = "GET http://user:url-pass3@example.com/abs?token=abs-tok8 HTTP/1.1\r\n\
                    Host: example.com\r\nConnection: close\r\n\r\n";
    assert!(raw_exchange(&hc.addr, absolute.as_bytes()).starts_with("HTTP/1.1 200"));
    hc.next_json();
    hc.next_json();
    let to = format!("http://u:deliv-pw1@{}/d?token=deliv-tok2", hc.addr);
    let out = run(dir, &hc, &["replay", "1", "--to", &to]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    hc.next_json();
    (hc, stdout(&out))
}

fn run(dir: &Path, hc: &Hookcatch, args: &[&str]) -> std::process::Output {
    let mut cmd = command(dir);
    cmd.args(args)
        .arg("--store")
        .arg(&hc.store)
        .env("HOOKCATCH_SECRET_HEADER", SECRET_HEADER)
        .stdin(std::process::Stdio::null());
    cmd.output().expect("run hookcatch")
}

fn stderr_of(out: &std::process::Output) -> String {
    text(&out.stderr)
}

fn ok(dir: &Path, hc: &Hookcatch, args: &[&str]) -> String {
    let out = run(dir, hc, args);
    assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
    stdout(&out)
}

fn assert_no_secret(text: &str) {
    for secret in SECRETS.iter().chain(&["deliv-pw1", "deliv-tok2"]) {
        assert!(!text.contains(secret), "{secret} shown: {text}");
    }
}

#[test]
fn show_masks_by_default_and_reveal_shows() {
    let dir = tempfile::tempdir().unwrap();
    let (hc, _) = capture(dir.path());

    let text = ok(dir.path(), &hc, &["show", "1"]);
    assert_no_secret(&text);
    for shown in [
        "POST /hook?token=••••&page=2&api_key=•••• HTTP/1.1",
        "authorization: Bearer ••••",
        "x-hub-signature-256: ••••",
        "stripe-signature: ••••",
        "cookie: ••••",
        "x-api-key: ••••",
        "x-custom-secret: ••••",
        "content-type: application/json",
        "/d?token=••••",
    ] {
        assert!(text.contains(shown), "{shown:?} not in {text}");
    }
    let text = ok(dir.path(), &hc, &["show", "2"]);
    assert!(
        text.contains("GET http://user:••••@example.com/abs?token=•••• HTTP/1.1"),
        "{text}"
    );

    let revealed = ok(dir.path(), &hc, &["show", "1", "--reveal"]);
    for secret in SECRETS.iter().take(8).chain(&["deliv-tok2"]) {
        assert!(revealed.contains(secret), "{secret} hidden: {revealed}");
    }
    assert!(!revealed.contains("••••"), "{revealed}");
}

#[test]
fn replay_prints_the_url_it_sent_to_masked() {
    let dir = tempfile::tempdir().unwrap();
    let (_hc, text) = capture(dir.path());
    assert!(text.contains("/d?token=••••"), "{text}");
    assert!(
        !text.contains("deliv-pw1") && !text.contains("deliv-tok2"),
        "{text}"
    );
}

#[test]
fn list_table_masks_urls_and_reveal_shows() {
    let dir = tempfile::tempdir().unwrap();
    let (hc, _) = capture(dir.path());
    let table = ok(dir.path(), &hc, &["list"]);
    assert_no_secret(&table);
    assert!(
        table.contains("http://user:••••@example.com/abs"),
        "{table}"
    );
    let revealed = ok(dir.path(), &hc, &["list", "--reveal"]);
    assert!(revealed.contains("http://user:url-pass3@"), "{revealed}");
}

#[test]
fn json_is_exact_and_mask_secrets_masks_it() {
    let dir = tempfile::tempdir().unwrap();
    let (hc, _) = capture(dir.path());

    let exact: Value =
        serde_json::from_str(&ok(dir.path(), &hc, &["show", "1", "--json"])).unwrap();
    assert_eq!(exact["query"], "token=tok-abc123&page=2&api_key=key-xyz789");
    let header = |v: &Value, name: &str| {
        v["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == name)
            .map(|h| h[1].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(header(&exact, "authorization"), "Bearer bearer-secret-1");
    assert_eq!(header(&exact, "x-custom-secret"), "custom-val5");
    assert!(
        exact["deliveries"][0]["target"]
            .as_str()
            .unwrap()
            .contains("deliv-tok2")
    );

    let masked_text = ok(dir.path(), &hc, &["show", "1", "--json", "--mask-secrets"]);
    assert_no_secret(&masked_text);
    let masked: Value = serde_json::from_str(&masked_text).unwrap();
    assert_eq!(masked["query"], "token=••••&page=2&api_key=••••");
    assert_eq!(header(&masked, "authorization"), "Bearer ••••");
    assert_eq!(header(&masked, "cookie"), "••••");
    assert_eq!(header(&masked, "x-custom-secret"), "••••");
    assert_eq!(header(&masked, "content-type"), "application/json");
    assert_eq!(masked["body"], "{}");
    assert!(
        masked["deliveries"][0]["target"]
            .as_str()
            .unwrap()
            .ends_with("/d?token=••••")
    );

    let lines = ok(dir.path(), &hc, &["list", "--json"]);
    assert!(lines.contains("bearer-secret-1") && lines.contains("url-pass3"));
    let lines = ok(dir.path(), &hc, &["list", "--json", "--mask-secrets"]);
    assert_no_secret(&lines);
    assert_eq!(lines.lines().count(), 3, "{lines}");
}

#[test]
fn export_mask_secrets_masks_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let (hc, _) = capture(dir.path());
    for format in ["ndjson", "har", "curl"] {
        let exact = ok(dir.path(), &hc, &["export", "--format", format]);
        for secret in &SECRETS[..8] {
            assert!(exact.contains(secret), "{format}: {secret} missing");
        }
        let masked = ok(
            dir.path(),
            &hc,
            &["export", "--format", format, "--mask-secrets"],
        );
        assert_no_secret(&masked);
        assert!(masked.contains("Bearer ••••"), "{format}: {masked}");
    }
}

#[test]
fn config_never_shows_a_character_or_the_length_of_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(
        dir.path(),
        &[
            "config",
            "--secret",
            "Zq9secretvalue-abcdefghij",
            "--bearer",
            "Yw8bearer-token-value",
            "--basic",
            "ann:Xv7basic-password",
            "--verify",
            "github=Wu6github-signing-secret",
            "--response-header",
            "Set-Cookie: sid=Vt5cookie-value",
            "--forward",
            "http://u:Ts4pw@127.0.0.1:9/x?token=Sr3tok&page=1",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout(&out);
    for secret in ["Zq9", "Yw8", "Xv7", "Wu6", "Vt5", "Ts4", "Sr3"] {
        assert!(!text.contains(secret), "{secret}: {text}");
    }
    assert!(!text.contains("chars"), "no length: {text}");
    for line in [
        "secret = \"set (masked)\"",
        "bearer = \"set (masked)\"",
        "basic = \"set (masked)\"",
        "github = \"set (masked)\"",
        "Set-Cookie: ••••",
        "forward = \"http://u:••••@127.0.0.1:9/x?token=••••&page=1\"",
    ] {
        assert!(text.contains(line), "{line:?} not in {text}");
    }
}

#[test]
fn the_startup_line_masks_the_forward_url() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(
        dir.path(),
        &["--forward", "http://u:pw-Qp2@127.0.0.1:9/x?token=abc-Ro1"],
    );
    let line = hc.wait_stderr("forwarding to");
    assert!(
        !line.contains("pw-Qp2") && !line.contains("abc-Ro1"),
        "{line}"
    );
    assert!(
        line.contains("http://u:••••@127.0.0.1:9/x?token=••••"),
        "{line}"
    );
}

#[test]
fn headless_lines_are_exact_unless_mask_secrets() {
    let request = "GET /in?token=Pn7tok&page=3 HTTP/1.1\r\nHost: x\r\n\
                   Authorization: Bearer Om6bearer\r\nConnection: close\r\n\r\n";
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    assert!(raw_exchange(&hc.addr, request.as_bytes()).starts_with("HTTP/1.1 200"));
    let line = hc.next_json();
    assert_eq!(line["query"], "token=Pn7tok&page=3");
    drop(hc);

    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start_with(dir.path(), &dir.path().join("hookcatch.db"), &[], |cmd| {
        cmd.env("HOOKCATCH_MASK_SECRETS", "1");
    });
    assert!(raw_exchange(&hc.addr, request.as_bytes()).starts_with("HTTP/1.1 200"));
    let line = hc.next_json();
    assert_eq!(line["query"], "token=••••&page=3");
    assert_eq!(
        line["headers"][1],
        serde_json::json!(["authorization", "Bearer ••••"])
    );
    let text = line.to_string();
    assert!(
        !text.contains("Pn7tok") && !text.contains("Om6bearer"),
        "{text}"
    );
    // The flag does the same.
    drop(hc);
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--mask-secrets"]);
    assert!(raw_exchange(&hc.addr, request.as_bytes()).starts_with("HTTP/1.1 200"));
    assert_eq!(hc.next_json()["query"], "token=••••&page=3");
}

#[test]
fn send_test_prints_its_target_masked() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(
        dir.path(),
        &[
            "send-test",
            "ssl.expiring",
            "--print",
            "--to",
            "http://example.invalid/in?token=Lm5tok&x=1",
            "--bearer",
            "Kj4bearer-token",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("POST http://example.invalid/in?token=••••&x=1\n"),
        "{text}"
    );
    assert!(text.contains("Authorization: Bearer ••••"), "{text}");
    assert!(!text.contains("Lm5tok") && !text.contains("Kj4"), "{text}");
}

#[test]
fn a_bad_replay_target_is_reported_masked() {
    let dir = tempfile::tempdir().unwrap();
    let (hc, _) = capture(dir.path());
    let out = run(
        dir.path(),
        &hc,
        &["replay", "1", "--to", "ftp://u:Jh2pw@x/?token=Ig1tok"],
    );
    assert_usage_error(&out, "u:••••@x/?token=••••");
    let err = stderr_of(&out);
    assert!(!err.contains("Jh2") && !err.contains("Ig1"), "{err}");
}
