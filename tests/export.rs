//! `hookcatch export` through the real binary: requests captured by a real
//! listener, exported as JSON lines, HAR and a curl script; the script run
//! with bash against a listener must deliver the same bytes again.

mod common;

use std::process::{Command, Stdio};

use base64::Engine as _;
use common::*;

/// What the listener stored, by request: method, target and body bytes.
fn sent(line: &serde_json::Value) -> (String, String, Vec<u8>) {
    let target = match line["query"].as_str() {
        Some(q) => format!("{}?{q}", line["path"].as_str().unwrap()),
        None => line["path"].as_str().unwrap().to_string(),
    };
    let body = match (line["body"].as_str(), line["body_base64"].as_str()) {
        (Some(t), _) => t.as_bytes().to_vec(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD.decode(b).unwrap(),
        (None, None) => panic!("no body in {line}"),
    };
    (line["method"].as_str().unwrap().to_string(), target, body)
}

/// Requests no shell quotes by accident: JSON with a quote, a percent and a
/// backslash; binary with NUL bytes; an empty GET with a query string.
fn requests() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        (
            "POST",
            "/pingara?x=1&y=a+b%21",
            br#"{"event":"monitor.paused","note":"it's 100% \\ done"}"#.to_vec(),
        ),
        (
            "PUT",
            "/bin",
            vec![0xff, 0x00, 0x01, b'%', b'\\', b'\'', 0x00, b'a'],
        ),
        ("GET", "/get?q=1", Vec::new()),
    ]
}

fn capture(dir: &std::path::Path) -> std::path::PathBuf {
    let hc = Hookcatch::start(dir, &[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = client();
    for (method, target, body) in requests() {
        let status = runtime.block_on(async {
            client
                .request(method.parse().unwrap(), format!("{}{target}", hc.url))
                .header("content-type", "application/octet-stream")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        });
        assert_eq!(status, 200);
        hc.next_json();
    }
    let store = hc.store.clone();
    assert_eq!(hc.stop().code(), Some(0));
    store
}

#[test]
fn exports_json_lines_har_and_a_curl_script_that_resends_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let store = capture(dir.path());

    // JSON lines: the `show --json` object, oldest first.
    let out = cli_store(dir.path(), &store, &["export"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 3);
    let ids: Vec<i64> = lines.iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert!(lines.iter().all(|l| l["deliveries"].is_array()));
    let originals: Vec<_> = lines.iter().map(sent).collect();
    for (original, (method, target, body)) in originals.iter().zip(requests()) {
        assert_eq!(original, &(method.to_string(), target.to_string(), body));
    }

    // HAR: a private file (an existing one is narrowed), valid JSON, bodies whole.
    let har_path = dir.path().join("out.har");
    std::fs::write(&har_path, "old").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&har_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let out = cli_store(
        dir.path(),
        &store,
        &[
            "export",
            "--format",
            "har",
            "-o",
            har_path.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("exported 3 requests"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&har_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "captures carry secrets");
    }
    let har: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&har_path).unwrap()).expect("HAR is JSON");
    assert_eq!(har["log"]["version"], "1.2");
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert!(
        entries[0]["request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/pingara?x=1&y=a+b%21")
    );
    assert_eq!(entries[0]["request"]["queryString"][1]["value"], "a b!");
    assert_eq!(entries[1]["request"]["postData"]["encoding"], "base64");
    let binary = base64::engine::general_purpose::STANDARD
        .decode(entries[1]["request"]["postData"]["text"].as_str().unwrap())
        .unwrap();
    assert_eq!(binary, requests()[1].2);
    assert_eq!(entries[2]["response"]["status"], 200);
    assert_eq!(entries[0]["_hookcatch"]["event"]["type"], "monitor.paused");

    // curl: the script sends every request again, byte for byte.
    let second = dir.path().join("second");
    std::fs::create_dir(&second).unwrap();
    let hc = Hookcatch::start(&second, &[]);
    let out = cli_store(
        dir.path(),
        &store,
        &["export", "--format", "curl", "--base-url", &hc.url],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let script = dir.path().join("resend.sh");
    std::fs::write(&script, &out.stdout).unwrap();
    let ran = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .expect("run bash");
    assert!(
        ran.status.success(),
        "the script runs: {}\n{}",
        text(&ran.stderr),
        text(&out.stdout)
    );
    let resent: Vec<_> = (0..3).map(|_| sent(&hc.next_json())).collect();
    assert_eq!(resent, originals, "the script:\n{}", text(&out.stdout));
    assert_eq!(hc.stop().code(), Some(0));
}

#[test]
fn export_picks_ids_or_a_filter_and_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let store = capture(dir.path());

    let out = cli_store(dir.path(), &store, &["export", "3", "#1"]);
    assert!(out.status.success());
    let ids: Vec<i64> = text(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, [3, 1], "in the order asked");

    let out = cli_store(dir.path(), &store, &["export", "--filter", "method:PUT"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout).lines().count(), 1);
    assert!(text(&out.stdout).contains(r#""method":"PUT""#));

    let out = cli_store(dir.path(), &store, &["export", "2", "9"]);
    assert_eq!(out.status.code(), Some(1), "a missing id fails the export");
    assert_eq!(
        text(&out.stdout).lines().count(),
        1,
        "the others are written"
    );
    assert!(text(&out.stderr).contains("#9"), "{}", text(&out.stderr));

    assert_usage_error(
        &cli_store(dir.path(), &store, &["export", "--filter", "method:"]),
        "--filter",
    );
    assert_usage_error(
        &cli_store(
            dir.path(),
            &store,
            &["export", "1", "--filter", "method:GET"],
        ),
        "cannot be used with",
    );
    assert_usage_error(
        &cli_store(dir.path(), &store, &["export", "--format", "xml"]),
        "invalid value 'xml'",
    );
    assert_usage_error(
        &cli_store(dir.path(), &store, &["export", "x1"]),
        "not a request id",
    );
    let nowhere = dir.path().join("no/such/dir/out.har");
    assert_usage_error(
        &cli_store(
            dir.path(),
            &store,
            &["export", "-o", nowhere.to_str().unwrap()],
        ),
        "cannot write",
    );
    // Nothing to export is a runtime failure (1), like `list` of a missing store.
    let missing = cli_store(dir.path(), &dir.path().join("missing.db"), &["export"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no store"));
}

/// export -> import into another store -> export again: the same requests,
/// byte for byte, with new ids; HAR comes back too; bad lines are named.
#[test]
fn import_reads_back_what_export_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let store = capture(dir.path());
    let exported = cli_store(dir.path(), &store, &["export"]);
    assert!(exported.status.success());
    let file = dir.path().join("requests.ndjson");
    std::fs::write(&file, &exported.stdout).unwrap();

    let other = dir.path().join("other.db");
    let out = cli_store(dir.path(), &other, &["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("imported 3 requests"),
        "{}",
        text(&out.stderr)
    );
    let again = cli_store(dir.path(), &other, &["export"]);
    let strip = |bytes: &[u8]| -> Vec<serde_json::Value> {
        text(bytes)
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                let obj = v.as_object_mut().unwrap();
                obj.remove("id");
                v
            })
            .collect()
    };
    assert_eq!(
        strip(&again.stdout),
        strip(&exported.stdout),
        "the same requests, answers, verdicts"
    );

    // HAR, as a browser or another tool would hand it over.
    let har = dir.path().join("requests.har");
    let out = cli_store(
        dir.path(),
        &store,
        &["export", "--format", "har", "-o", har.to_str().unwrap()],
    );
    assert!(out.status.success());
    let third = dir.path().join("third.db");
    let out = cli_store(dir.path(), &third, &["import", har.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let from_har: Vec<_> = text(&cli_store(dir.path(), &third, &["export"]).stdout)
        .lines()
        .map(|l| sent(&serde_json::from_str(l).unwrap()))
        .collect();
    let originals: Vec<_> = strip(&exported.stdout).iter().map(sent).collect();
    assert_eq!(from_har, originals);

    // A damaged line is named, the others still come in, the exit says so.
    let mixed = dir.path().join("mixed.ndjson");
    let first_line = text(&exported.stdout).lines().next().unwrap().to_string();
    std::fs::write(&mixed, format!("{first_line}\n{{\"method\": 1}}\n")).unwrap();
    let fourth = dir.path().join("fourth.db");
    let out = cli_store(dir.path(), &fourth, &["import", mixed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("mixed.ndjson:2: skipped"), "{err}");
    assert!(err.contains("imported 1 request"), "{err}");

    assert_usage_error(
        &cli_store(dir.path(), &fourth, &["import", "/no/such/file.har"]),
        "cannot read /no/such/file.har",
    );
}
