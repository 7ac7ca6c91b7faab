//! Every output a person may read is terminal-safe: captured DEL, C1 (U+009B
//! is a CSI introducer), bidi overrides and ESC leave hookcatch as visible
//! escapes, in JSON as `\u` escapes that decode to the same strings.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

const CSI: char = '\u{9b}';
const RLO: char = '\u{202e}';
const ZWSP: char = '\u{200b}';
/// A combining acute accent: after `/` it has no letter to sit on.
const ACUTE: char = '\u{301}';

/// What the listener can be sent: hyper refuses DEL and ESC in a path or a
/// header value, but takes C1 and bidi characters (as UTF-8) there.
fn path() -> String {
    format!("/p{CSI}{RLO}x/a{ZWSP}b/{ACUTE}c")
}
fn header_value() -> String {
    format!("a{CSI}{RLO}b")
}
fn body() -> String {
    format!(
        "{{\"event\":\"monitor.{CSI}{RLO}\\u001b\\u007f\",\"raw\":\"del\x7f csi{CSI} rlo{RLO} esc\x1b[2J\"}}"
    )
}

/// An imported request carries what no listener accepts: DEL and ESC in
/// the path and a header too.
fn imported() -> (String, String, String) {
    (
        format!("/i\x7f\x1b[2J{CSI}{RLO}"),
        format!("v\x7f\x1b]0;title\x07{CSI}{RLO}"),
        format!("b\x7f\x1b{CSI}{RLO}"),
    )
}

/// No byte or character a terminal would act on (newlines end lines).
fn assert_safe(what: &str, bytes: &[u8]) {
    let text = String::from_utf8(bytes.to_vec()).unwrap_or_else(|_| panic!("{what}: UTF-8"));
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && hookcatch::text::is_unsafe(c))
        .collect();
    assert!(bad.is_empty(), "{what} carries {bad:?} raw:\n{text}");
}

fn header<'v>(headers: &'v Value, name: &str) -> &'v str {
    headers
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == name)
        .and_then(|h| h[1].as_str())
        .unwrap_or_else(|| panic!("no {name} in {headers}"))
}

/// A request object decodes to exactly the strings captured.
fn assert_same_strings(line: &Value, path: &str, value: &str, body: &str) {
    assert_eq!(line["path"], path, "{line}");
    assert_eq!(header(&line["headers"], "x-evil"), value);
    assert_eq!(line["body"], body);
}

fn run(dir: &Path, store: &Path, args: &[&str]) -> Vec<u8> {
    let out = cli_store(dir, store, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn json_exports_and_scripts_escape_what_a_terminal_would_act_on() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nX-Evil: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{}",
        path(),
        header_value(),
        body().len(),
        body()
    );
    let answer = raw_exchange(&hc.addr, request.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // The headless line, as printed.
    let line = hc.next_line();
    assert_safe("the headless line", line.as_bytes());
    let value: Value = serde_json::from_str(&line).expect("JSON");
    assert_same_strings(&value, &path(), &header_value(), &body());
    let store = hc.store.clone();
    assert_eq!(hc.stop().code(), Some(0));

    // A second request, through import: DEL and ESC in the path and a header.
    let (ipath, ivalue, ibody) = imported();
    let file = dir.path().join("in.ndjson");
    let object = serde_json::json!({
        "method": "PUT", "path": ipath, "query": null,
        "headers": [["x-evil", ivalue]], "body": ibody,
    });
    std::fs::write(&file, format!("{object}\n")).unwrap();
    run(dir.path(), &store, &["import", file.to_str().unwrap()]);

    let check_both = |what: &str, lines: &[Value]| {
        assert_eq!(lines.len(), 2, "{what}");
        assert_same_strings(&lines[0], &path(), &header_value(), &body());
        assert_same_strings(&lines[1], &ipath, &ivalue, &ibody);
    };
    let parse = |bytes: &[u8]| -> Vec<Value> {
        String::from_utf8_lossy(bytes)
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect()
    };

    let list = run(dir.path(), &store, &["list", "--json"]);
    assert_safe("list --json", &list);
    check_both("list --json", &parse(&list));

    let mut shown = Vec::new();
    for id in ["1", "2"] {
        let show = run(dir.path(), &store, &["show", id, "--json"]);
        assert_safe("show --json", &show);
        shown.extend(parse(&show));
    }
    check_both("show --json", &shown);

    let ndjson = run(dir.path(), &store, &["export"]);
    assert_safe("export (JSON lines)", &ndjson);
    check_both("export", &parse(&ndjson));

    let har = run(dir.path(), &store, &["export", "--format", "har"]);
    assert_safe("export --format har", &har);
    let har: Value = serde_json::from_slice(&har).expect("HAR is JSON");
    let entries = har["log"]["entries"].as_array().unwrap();
    for (entry, (p, v, b)) in entries.iter().zip([
        (path(), header_value(), body()),
        (ipath.clone(), ivalue.clone(), ibody.clone()),
    ]) {
        let request = &entry["request"];
        assert!(request["url"].as_str().unwrap().ends_with(&p), "{request}");
        let evil = request["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "x-evil")
            .expect("the header");
        assert_eq!(evil["value"], v);
        assert_eq!(request["postData"]["text"], b);
    }

    let script = run(
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
    assert_safe("export --format curl", &script);

    // A line import cannot read is named with a reason that quotes it.
    let bad = dir.path().join("bad.ndjson");
    let line = serde_json::json!({
        "method": "GET", "path": "/", "headers": [[format!("n{CSI}{RLO}\x7f"), 1]],
    });
    std::fs::write(&bad, format!("{line}\n")).unwrap();
    let out = cli_store(dir.path(), &store, &["import", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.ndjson:1: skipped"), "{err}");
    assert_safe("import's complaint", &out.stderr);

    // Human output was already safe; it stays so, and invisible characters
    // show as escapes.
    for args in [&["list"][..], &["show", "1"], &["show", "2"]] {
        assert_safe(&format!("{args:?}"), &run(dir.path(), &store, args));
    }
    let list = String::from_utf8(run(dir.path(), &store, &["list"])).unwrap();
    assert!(!list.contains(ACUTE), "{list}");
    let show = String::from_utf8(run(dir.path(), &store, &["show", "1"])).unwrap();
    assert!(
        show.contains("/a\\u{200b}b/\\u{301}c") && !show.contains(ACUTE),
        "{show}"
    );
}
