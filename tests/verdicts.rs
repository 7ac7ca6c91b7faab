//! A verdict is decided once, when the request arrives, with the listener's
//! secrets, and stored: every reader (list, show, export, the filter, the
//! headless stream, `list --follow`, import) shows that verdict whatever
//! secrets the reading process has. Readers here run as separate processes
//! with a clean environment, like a second terminal.

mod common;

use std::path::Path;
use std::process::{Output, Stdio};

use common::*;
use serde_json::Value;

const GUIDE_INCIDENT_CREATED: &str = include_str!("fixtures/pingara/guide-incident-created.json");

async fn post(hc: &Hookcatch, secret: &str, body: &str) -> u16 {
    client()
        .post(format!("{}/pingara-webhook", hc.url))
        .header("Content-Type", "application/json")
        .header("X-Pingara-Secret", secret)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A reader in another process; `secret` is its `HOOKCATCH_SECRET`, if any.
fn read(dir: &Path, store: &Path, secret: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = command(dir);
    cmd.args(args)
        .arg("--store")
        .arg(store)
        .stdin(Stdio::null());
    if let Some(secret) = secret {
        cmd.env("HOOKCATCH_SECRET", secret);
    }
    let out = cmd.output().expect("run hookcatch");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json_lines(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The AUTH column of `list`'s row for `id`: the words after the event.
fn list_row(table: &str, id: i64) -> String {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(&id.to_string()))
        .unwrap_or_else(|| panic!("no row #{id} in\n{table}"))
        .to_string()
}

/// Everything a reader can say about request 1's verdict, each checked
/// against `verdict` and `judged`.
fn assert_every_reader_says(
    dir: &Path,
    store: &Path,
    secret: Option<&str>,
    verdict: &str,
    judged: &str,
) {
    let who = format!("reader with secret {secret:?}");
    let table = stdout(&read(dir, store, secret, &["list"]));
    let row = list_row(&table, 1);
    assert!(
        row.split_whitespace().any(|w| w == verdict),
        "{who}: list row {row:?}"
    );

    let listed = json_lines(&read(dir, store, secret, &["list", "--json"]));
    assert_eq!(listed[0]["auth"]["verdict"], verdict, "{who}: list --json");
    assert_eq!(listed[0]["auth"]["judged"], judged, "{who}: list --json");

    let shown = stdout(&read(dir, store, secret, &["show", "1"]));
    assert!(
        shown.contains(&format!("auth: pingara-secret {verdict} (")),
        "{who}: show\n{shown}"
    );
    // The diagnosis was stored with it: `show` explains a stored verdict.
    assert!(
        shown.contains("  read X-Pingara-Secret"),
        "{who}: show diagnosis\n{shown}"
    );
    let shown: Value =
        serde_json::from_str(&stdout(&read(dir, store, secret, &["show", "1", "--json"]))).unwrap();
    assert_eq!(shown["auth"]["verdict"], verdict, "{who}: show --json");
    assert_eq!(shown["auth"]["judged"], judged, "{who}: show --json");
    assert!(shown.get("recheck").is_none(), "only with --recheck");

    let exported = json_lines(&read(dir, store, secret, &["export", "1"]));
    assert_eq!(exported[0]["auth"]["verdict"], verdict, "{who}: export");
    assert_eq!(exported[0]["auth"]["judged"], judged, "{who}: export");

    let har: Value = serde_json::from_str(&stdout(&read(
        dir,
        store,
        secret,
        &["export", "1", "--format", "har"],
    )))
    .unwrap();
    let auth = &har["log"]["entries"][0]["_hookcatch"]["auth"];
    assert_eq!(auth["verdict"], verdict, "{who}: HAR");
    assert_eq!(auth["judged"], judged, "{who}: HAR");

    let filtered = json_lines(&read(
        dir,
        store,
        secret,
        &["list", "--json", "--filter", &format!("auth:{verdict}")],
    ));
    assert_eq!(
        filtered.first().map(|l| l["id"].clone()),
        Some(Value::from(1)),
        "{who}: list --filter auth:{verdict}"
    );
    for other in ["valid", "invalid", "missing", "unconfigured"] {
        if other != verdict {
            let ids: Vec<Value> = json_lines(&read(
                dir,
                store,
                secret,
                &["list", "--json", "--filter", &format!("auth:{other} id:1")],
            ))
            .iter()
            .map(|l| l["id"].clone())
            .collect();
            assert!(ids.is_empty(), "{who}: auth:{other} matched {ids:?}");
        }
    }
}

#[tokio::test]
async fn the_verdict_stored_at_arrival_is_what_every_reader_shows() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--secret", "s3cret"]);
    let store = hc.store.clone();
    assert_eq!(post(&hc, "s3cret", GUIDE_INCIDENT_CREATED).await, 200);
    let line = hc.next_json();
    assert_eq!(line["auth"]["verdict"], "valid");
    assert_eq!(line["auth"]["judged"], "at arrival");

    // A second terminal without any secret, while the listener runs.
    assert_every_reader_says(dir.path(), &store, None, "valid", "at arrival");

    // The listener again, with a rotated secret; readers have it too.
    hc.stop();
    let hc = Hookcatch::start(dir.path(), &["--secret", "rotated"]);
    assert_eq!(post(&hc, "s3cret", GUIDE_INCIDENT_CREATED).await, 200);
    let second = hc.next_json();
    assert_eq!(second["id"], 2);
    assert_eq!(
        second["auth"]["verdict"], "invalid",
        "judged with the new secret"
    );
    assert_every_reader_says(dir.path(), &store, Some("rotated"), "valid", "at arrival");
    hc.stop();
}

#[tokio::test]
async fn show_recheck_prints_a_second_verdict_beside_the_stored_one() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--secret", "s3cret"]);
    let store = hc.store.clone();
    post(&hc, "s3cret", GUIDE_INCIDENT_CREATED).await;
    hc.next_json();
    hc.stop();

    let rotated = Some("rotated");
    let shown = stdout(&read(
        dir.path(),
        &store,
        rotated,
        &["show", "1", "--recheck"],
    ));
    assert!(
        shown.contains("\nauth: pingara-secret valid ("),
        "stored verdict first:\n{shown}"
    );
    assert!(
        shown.contains("\nrecheck (current secrets): pingara-secret invalid ("),
        "labelled recheck:\n{shown}"
    );
    let json: Value = serde_json::from_str(&stdout(&read(
        dir.path(),
        &store,
        rotated,
        &["show", "1", "--json", "--recheck"],
    )))
    .unwrap();
    assert_eq!(json["auth"]["verdict"], "valid");
    assert_eq!(json["recheck"]["verdict"], "invalid");
    assert_eq!(json["recheck"]["secrets"], "current");
    // A recheck is never stored.
    let again: Value = serde_json::from_str(&stdout(&read(
        dir.path(),
        &store,
        rotated,
        &["show", "1", "--json"],
    )))
    .unwrap();
    assert_eq!(again["auth"]["verdict"], "valid");
}

#[tokio::test]
async fn list_follow_prints_the_stored_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--secret", "s3cret"]);
    let mut follow = command(dir.path())
        .args(["list", "--follow", "--json", "--store"])
        .arg(&hc.store)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = lines_of(follow.stdout.take().unwrap());
    post(&hc, "s3cret", GUIDE_INCIDENT_CREATED).await;
    hc.next_json();
    let line = lines.recv_timeout(WAIT).expect("a followed line");
    let _ = follow.kill();
    let _ = follow.wait();
    let line: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(line["auth"]["verdict"], "valid");
    assert_eq!(line["auth"]["judged"], "at arrival");
}

/// The header blob of a v2 store: per header u32 LE name length, name,
/// u32 LE value length, value.
fn header_blob(headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in headers {
        for part in [name, value] {
            out.extend_from_slice(&(part.len() as u32).to_le_bytes());
            out.extend_from_slice(part.as_bytes());
        }
    }
    out
}

/// A store as hookcatch wrote it before verdicts were kept (schema v2).
fn v2_store(path: &Path, copies: usize) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE requests (
            id INTEGER PRIMARY KEY AUTOINCREMENT, received_at TEXT NOT NULL,
            remote_addr TEXT NOT NULL, method TEXT NOT NULL, target TEXT NOT NULL,
            http_version TEXT NOT NULL, headers BLOB NOT NULL, body BLOB NOT NULL,
            body_size INTEGER NOT NULL, outcome TEXT NOT NULL, resp_status INTEGER,
            resp_headers BLOB, resp_body BLOB, latency_ms REAL, provider TEXT,
            event_type TEXT, dup_key TEXT);
         CREATE INDEX requests_dup_key ON requests(dup_key) WHERE dup_key IS NOT NULL;
         CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
            at TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL, method TEXT NOT NULL,
            path TEXT NOT NULL, status INTEGER, latency_ms REAL NOT NULL, error_kind TEXT,
            error_message TEXT, resp_headers BLOB NOT NULL, resp_body BLOB NOT NULL,
            sent_headers BLOB, sent_body BLOB);
         PRAGMA user_version = 2;",
    )
    .unwrap();
    let headers = header_blob(&[
        ("content-type", "application/json"),
        ("x-pingara-secret", "s3cret"),
    ]);
    for _ in 0..copies {
        conn.execute(
            "INSERT INTO requests (received_at, remote_addr, method, target, http_version,
                 headers, body, body_size, outcome, resp_status, resp_headers, resp_body,
                 latency_ms, provider, event_type, dup_key)
             VALUES ('2026-11-29T10:00:00.000Z', '127.0.0.1:5000', 'POST', '/pingara-webhook',
                 'HTTP/1.1', ?1, ?2, ?3, '{\"kind\":\"complete\"}', 200, ?4, CAST('{}' AS BLOB), 1.0,
                 'pingara', 'incident.created', 'pingara:inc_789ghi012:incident.created')",
            rusqlite::params![
                headers,
                GUIDE_INCIDENT_CREATED.as_bytes(),
                GUIDE_INCIDENT_CREATED.len() as i64,
                header_blob(&[]),
            ],
        )
        .unwrap();
    }
}

#[test]
fn a_request_stored_before_verdicts_were_kept_is_judged_on_read_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("old.db");
    v2_store(&store, 2);
    let secret = Some("s3cret");
    let table = stdout(&read(dir.path(), &store, secret, &["list"]));
    let row = list_row(&table, 1);
    assert!(
        row.contains("valid (judged now, not at arrival)"),
        "{table}"
    );
    let shown = stdout(&read(dir.path(), &store, secret, &["show", "1"]));
    assert!(
        shown.contains("auth (judged now, not at arrival): pingara-secret valid ("),
        "{shown}"
    );
    let listed = json_lines(&read(dir.path(), &store, secret, &["list", "--json"]));
    assert_eq!(listed[0]["auth"]["verdict"], "valid");
    assert_eq!(listed[0]["auth"]["judged"], "on read");
    assert_eq!(listed[1]["duplicate_of"], 1, "old rows still get marks");
    // Without the secret the reader can only say what it sees, and says when.
    let listed = json_lines(&read(dir.path(), &store, None, &["list", "--json"]));
    assert_eq!(listed[0]["auth"]["verdict"], "unconfigured");
    assert_eq!(listed[0]["auth"]["judged"], "on read");
}

#[tokio::test]
async fn a_retry_stays_marked_after_the_first_copy_is_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--secret", "s3cret"]);
    for _ in 0..3 {
        post(&hc, "s3cret", GUIDE_INCIDENT_CREATED).await;
        hc.next_json();
    }
    let store = hc.store.clone();
    read(dir.path(), &store, None, &["delete", "1"]);
    // Decided at arrival: a retry of #1, even now #1 is gone.
    let listed = json_lines(&read(dir.path(), &store, None, &["list", "--json"]));
    let marks: Vec<(Value, Value)> = listed
        .iter()
        .map(|l| (l["id"].clone(), l["duplicate_of"].clone()))
        .collect();
    assert_eq!(
        marks,
        [(2.into(), 1.into()), (3.into(), 1.into())],
        "{listed:?}"
    );
    let shown = stdout(&read(dir.path(), &store, None, &["show", "3"]));
    assert!(shown.contains("duplicate of #1"), "{shown}");
    hc.stop();
}

#[tokio::test]
async fn import_keeps_the_verdict_an_export_carries() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--secret", "s3cret"]);
    post(&hc, "s3cret", GUIDE_INCIDENT_CREATED).await;
    hc.next_json();
    let store = hc.store.clone();
    hc.stop();
    let ndjson = dir.path().join("out.ndjson");
    let har = dir.path().join("out.har");
    read(
        dir.path(),
        &store,
        None,
        &["export", "-o", ndjson.to_str().unwrap()],
    );
    read(
        dir.path(),
        &store,
        None,
        &["export", "--format", "har", "-o", har.to_str().unwrap()],
    );

    // Imported on a machine without the secret: the verdict travels.
    let other = dir.path().join("other.db");
    for file in [&ndjson, &har] {
        read(
            dir.path(),
            &other,
            None,
            &["import", file.to_str().unwrap()],
        );
    }
    for line in json_lines(&read(dir.path(), &other, None, &["list", "--json"])) {
        assert_eq!(line["auth"]["verdict"], "valid", "{line}");
        assert_eq!(line["auth"]["judged"], "at arrival", "{line}");
    }

    // Another tool's HAR carries no verdict: judged at import, with the
    // importing process's secret, and labelled so.
    let foreign = dir.path().join("foreign.har");
    let entry = serde_json::json!({"log": {"version": "1.2", "entries": [{
        "startedDateTime": "2026-11-29T10:00:00.000Z",
        "request": {"method": "POST", "url": "http://x/pingara-webhook",
            "headers": [{"name": "X-Pingara-Secret", "value": "s3cret"},
                        {"name": "Content-Type", "value": "application/json"}],
            "postData": {"mimeType": "application/json", "text": GUIDE_INCIDENT_CREATED}},
        "response": {"status": 200, "headers": [], "content": {"text": ""}}}]}});
    std::fs::write(&foreign, entry.to_string()).unwrap();
    let third = dir.path().join("third.db");
    read(
        dir.path(),
        &third,
        Some("s3cret"),
        &["import", foreign.to_str().unwrap()],
    );
    let line = &json_lines(&read(dir.path(), &third, None, &["list", "--json"]))[0];
    assert_eq!(line["auth"]["verdict"], "valid", "{line}");
    assert_eq!(line["auth"]["judged"], "at import", "{line}");
    let shown = stdout(&read(dir.path(), &third, None, &["show", "1"]));
    assert!(
        shown.contains("auth (judged at import, not at arrival): pingara-secret valid"),
        "{shown}"
    );
}
