//! `hookcatch send-test` (Pingara's Send Test button) and `hookcatch demo`,
//! against hookcatch's own listener: the events must pass its inspector with
//! zero problems and authenticate exactly when the secrets match.

mod common;
#[path = "support/target.rs"]
mod target;

use std::io::BufRead;
use std::process::Stdio;
use std::time::Instant;

use common::*;
use serde_json::Value;
use target::closed_port_url;

/// The guide's eight event types, written out here rather than taken from
/// the library, so a type missing there fails this test.
const EVENTS: [&str; 8] = [
    "incident.created",
    "incident.resolved",
    "incident.updated",
    "monitor.degraded",
    "monitor.recovered",
    "ssl.expiring",
    "monitor.paused",
    "monitor.resumed",
];

fn out_text(out: &std::process::Output) -> (String, String) {
    (stdout(out), text(&out.stderr))
}

#[test]
fn every_event_passes_the_inspector_and_the_secret_decides_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--secret", "right-secret"]);
    let to = format!("{}/pingara-webhook", hc.url);
    for event in EVENTS {
        let out = cli(
            dir.path(),
            &["send-test", event, "--to", &to, "--secret", "right-secret"],
        );
        let (stdout, stderr) = out_text(&out);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(stdout.contains(&format!("> POST {to}")), "{stdout}");
        assert!(stdout.contains("< 200 OK"), "{stdout}");
        assert!(stdout.contains("\"received\": true"), "{stdout}");
        let line = hc.next_json();
        assert_eq!(line["path"], "/pingara-webhook");
        assert_eq!(line["event"]["provider"], "pingara");
        assert_eq!(line["event"]["type"], event);
        assert_eq!(
            line["event"]["problems"],
            Value::Array(vec![]),
            "{event}: {line:#}"
        );
        assert_eq!(line["auth"]["verdict"], "valid", "{event}");
        let content_type: Vec<&Value> = line["headers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h[0] == "content-type")
            .map(|h| &h[1])
            .collect();
        assert_eq!(content_type, [&Value::from("application/json")]);
    }
    let out = cli(
        dir.path(),
        &[
            "send-test",
            "incident.created",
            "--to",
            &to,
            "--secret",
            "wrong",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "hookcatch still answers 200");
    assert_eq!(hc.next_json()["auth"]["verdict"], "invalid");
    assert_eq!(hc.stop().code(), Some(0));
}

#[test]
fn bearer_and_basic_from_the_environment_and_the_default_target() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--bearer", "tok-123", "--basic", "ann:pw"]);
    let port = hc.addr.rsplit(':').next().unwrap().to_string();
    for (var, value, verdict) in [
        ("HOOKCATCH_BEARER", "tok-123", "valid"),
        ("HOOKCATCH_BEARER", "nope", "invalid"),
        ("HOOKCATCH_BASIC", "ann:pw", "valid"),
    ] {
        // No --to: hookcatch's own listener (port from the environment), /pingara-webhook.
        let out = command(dir.path())
            .args(["send-test", "monitor.paused"])
            .env("HOOKCATCH_PORT", &port)
            .env(var, value)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", out_text(&out).1);
        let line = hc.next_json();
        assert_eq!(line["path"], "/pingara-webhook");
        assert_eq!(line["auth"]["verdict"], verdict, "{var}={value}");
    }
    assert_eq!(hc.stop().code(), Some(0));
}

/// README "Where replay and send-test send": a URL with a path is used as it
/// is, one without (or with just `/`) gets the guide's `/pingara-webhook`.
#[test]
fn a_url_with_a_path_is_used_as_given_and_one_without_gets_the_guides_path() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    for (to, path, query) in [
        (hc.url.clone(), "/pingara-webhook", Value::Null),
        (format!("{}/", hc.url), "/pingara-webhook", Value::Null),
        (
            format!("{}/hooks/in?x=1", hc.url),
            "/hooks/in",
            "x=1".into(),
        ),
    ] {
        let out = cli(dir.path(), &["send-test", "incident.created", "--to", &to]);
        assert_eq!(out.status.code(), Some(0), "{}", out_text(&out).1);
        let line = hc.next_json();
        assert_eq!(
            (&line["path"], &line["query"]),
            (&path.into(), &query),
            "--to {to}"
        );
    }
    assert_eq!(hc.stop().code(), Some(0));
}

/// Without --to, send-test reaches the listener running on the store (its
/// port 0 resolved), not a port from the configuration; `--port N` is
/// short for `--to http://127.0.0.1:N`.
#[test]
fn without_to_it_reaches_the_listener_running_on_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &[]);
    // The configured port is a closed one: only the store can lead there.
    let closed = closed_port_url().rsplit(':').next().unwrap().to_string();
    let store = hc.store.clone();
    let send = |args: &[&str]| {
        command(dir.path())
            .arg("send-test")
            .args(args)
            .arg("--store")
            .arg(&store)
            .env("HOOKCATCH_PORT", &closed)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = send(&["incident.created"]);
    assert_eq!(out.status.code(), Some(0), "{}", out_text(&out).1);
    let line = hc.next_json();
    assert_eq!(line["path"], "/pingara-webhook");
    assert_eq!(line["event"]["type"], "incident.created");

    let port = hc.addr.rsplit(':').next().unwrap().to_string();
    let out = cli(
        dir.path(),
        &["send-test", "monitor.paused", "--port", &port],
    );
    assert_eq!(out.status.code(), Some(0), "{}", out_text(&out).1);
    assert_eq!(hc.next_json()["event"]["type"], "monitor.paused");
    let out = cli(
        dir.path(),
        &[
            "send-test",
            "monitor.paused",
            "--port",
            &port,
            "--to",
            &hc.url,
        ],
    );
    assert_usage_error(&out, "--port");

    // Stopped, its URL is cleared; killed, the URL it left is not trusted:
    // the configured port is the last resort, and stderr says so.
    assert_eq!(hc.stop().code(), Some(0));
    let nothing_there = |out: std::process::Output| {
        let (_, stderr) = out_text(&out);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("no listener is running on")
                && stderr.contains(&format!("127.0.0.1:{closed}")),
            "{stderr}"
        );
    };
    nothing_there(send(&["incident.created"]));
    Hookcatch::start_with(dir.path(), &store, &[], |_| {}).kill9();
    nothing_there(send(&["incident.created"]));
}

#[test]
fn exit_1_on_failure_and_the_ladder_retries_the_same_event() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--status", "500"]);
    let to = format!("{}/pingara-webhook", hc.url);
    let out = cli(dir.path(), &["send-test", "incident.created", "--to", &to]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out_text(&out).0.contains("< 500 Internal Server Error"));
    hc.next_json();

    let started = Instant::now();
    let out = cli(
        dir.path(),
        &[
            "send-test",
            "incident.created",
            "--to",
            &to,
            "--ladder",
            "--ladder-scale",
            "0.001",
        ],
    );
    let (stdout, stderr) = out_text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stdout.contains("attempt 5 of 5"), "{stdout}");
    assert!(
        stderr.contains("ladder failed after 5 attempts"),
        "{stderr}"
    );
    assert!(started.elapsed() < WAIT);
    let first = hc.next_json();
    assert!(first["duplicate_of"].is_null());
    for _ in 0..4 {
        let retry = hc.next_json();
        assert_eq!(
            retry["duplicate_of"], first["id"],
            "a retry of the same event"
        );
        assert_eq!(retry["body"], first["body"]);
    }
    // Refused: nothing listens there.
    hc.stop();
    let out = cli(dir.path(), &["send-test", "ssl.expiring", "--to", &to]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out_text(&out).0.contains("refused"));
}

#[test]
fn list_print_and_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path(), &["send-test", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    let listed: Vec<String> = out_text(&out)
        .0
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(listed, EVENTS);

    let out = cli(
        dir.path(),
        &[
            "send-test",
            "ssl.expiring",
            "--print",
            "--to",
            "http://example.invalid/in",
            "--secret",
            "very-secret-value",
        ],
    );
    let (stdout, _) = out_text(&out);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.starts_with("POST http://example.invalid/in\n"),
        "{stdout}"
    );
    assert!(stdout.contains("content-type: application/json"));
    assert!(stdout.contains("X-Pingara-Secret: "), "{stdout}");
    assert!(
        !stdout.contains("very-secret-value"),
        "the secret is masked"
    );
    let json = stdout.split_once("\n\n").unwrap().1;
    let payload: Value = serde_json::from_str(json).unwrap();
    assert_eq!(payload["event"], "ssl.expiring");
    assert!(payload["ssl"]["daysUntilExpiry"].is_number());

    let out = cli(
        dir.path(),
        &["send-test", "incident.exploded", "--to", "http://x"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = out_text(&out).1;
    assert!(
        stderr.contains("unknown event type") && stderr.contains("monitor.resumed"),
        "{stderr}"
    );
    let out = cli(
        dir.path(),
        &[
            "send-test",
            "incident.created",
            "--secret",
            "a",
            "--bearer",
            "b",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = cli(dir.path(), &["send-test"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `hookcatch demo --headless --port 0 --interval 5 --count COUNT`, stdin closed.
fn demo(dir: &std::path::Path, count: &str) -> std::process::Command {
    let mut demo = command(dir);
    demo.args(["demo", "--headless", "--port", "0", "--interval", "5"])
        .args(["--count", count])
        .stdin(Stdio::null());
    demo
}

#[test]
fn demo_streams_realistic_events_to_itself() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = demo(dir.path(), "30")
        .arg("--store")
        .arg(dir.path().join("demo.db"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut kinds = std::collections::HashSet::new();
    let mut verdicts = std::collections::HashSet::new();
    for _ in 0..30 {
        let line: Value =
            serde_json::from_str(&rx.recv_timeout(WAIT).expect("a demo event")).unwrap();
        assert_eq!(line["event"]["provider"], "pingara");
        assert_eq!(line["event"]["problems"], Value::Array(vec![]), "{line:#}");
        kinds.insert(line["event"]["type"].as_str().unwrap().to_string());
        verdicts.insert(line["auth"]["verdict"].as_str().unwrap().to_string());
    }
    assert!(kinds.len() >= 3, "a mix of event types: {kinds:?}");
    assert!(
        verdicts.iter().all(|v| v == "valid" || v == "invalid"),
        "{verdicts:?}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// The demo's own secret is a default: one from the environment (or the
/// file, or the flag) is used instead.
#[test]
fn demo_uses_a_configured_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = demo(dir.path(), "1")
        .env("HOOKCATCH_SECRET", "env-secret-12345")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let banner = stderr
        .lines()
        .map_while(Result::ok)
        .find(|l| l.starts_with("hookcatch: demo:"))
        .expect("the demo banner");
    let _ = child.kill();
    let _ = child.wait();
    // Masked whole: not a character of it, nor its length.
    assert!(banner.contains("X-Pingara-Secret: ••••"), "{banner}");
    assert!(
        !banner.contains("env-") && !banner.contains("chars"),
        "{banner}"
    );
    assert!(!banner.contains("demo-secret"), "{banner}");
}

/// README "send-test and demo": the guide's life cycle. Each incident is
/// created before it is updated or resolved, and the delivery to the
/// receiver that is down (503) is sent again on Pingara's schedule, scaled:
/// with the same bytes, each retry a duplicate of the first, the waits
/// growing as 30 s, 2 min, 10 min do; the receiver is back for the third
/// retry, whose 200 ends the ladder before the last one.
#[test]
fn demo_tells_the_guides_story_with_a_retry_ladder() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo.db");
    let mut child = demo(dir.path(), "9")
        .args(["--ladder-scale", "0.002", "--store"])
        .arg(&store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Bounded: the third retry comes 10 min x 0.002 = 1.2 s after the one before.
    let deadline = Instant::now() + WAIT;
    let rows = loop {
        let rows = if store.exists() {
            list_json(dir.path(), &store)
        } else {
            Vec::new()
        };
        let answered_down = rows
            .iter()
            .filter(|r| r["path"] == "/down/pingara-webhook" && !r["response"].is_null())
            .count();
        if rows.len() >= 9 + 3 && answered_down >= 4 {
            break rows;
        }
        assert!(Instant::now() < deadline, "{} requests so far", rows.len());
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(rows.len(), 12, "9 events and 3 retries");

    let body = |row: &Value| -> Value {
        serde_json::from_str(row["body"].as_str().expect("a text body")).expect("JSON")
    };
    let mut created = std::collections::HashMap::new();
    for row in &rows {
        let payload = body(row);
        let (event, incident) = (&payload["event"], &payload["incident"]["id"]);
        match event.as_str().unwrap() {
            "incident.created" => {
                created
                    .entry(incident.to_string())
                    .or_insert(row["id"].clone());
            }
            "incident.updated" | "incident.resolved" => assert!(
                created.contains_key(&incident.to_string()),
                "{event} of {incident} before its incident.created"
            ),
            _ => {}
        }
    }
    // The receiver's deliveries, in the story's order (the one to the
    // receiver that is down goes beside them, on its own schedule).
    let told: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r["path"] == "/pingara-webhook")
        .map(|r| {
            (
                body(r)["event"].as_str().unwrap().to_string(),
                r["auth"]["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let story = [
        "incident.created",
        "monitor.degraded",
        "incident.updated",
        "monitor.recovered",
        "ssl.expiring",
        "incident.resolved",
        "monitor.paused",
        "monitor.resumed",
    ];
    let events: Vec<&str> = told.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(events, story);
    for (event, verdict) in &told {
        let wrong = event == "ssl.expiring";
        assert_eq!(verdict, if wrong { "invalid" } else { "valid" }, "{event}");
    }

    let ladder: Vec<&Value> = rows
        .iter()
        .filter(|r| r["path"] == "/down/pingara-webhook")
        .collect();
    assert_eq!(ladder.len(), 4, "the first attempt and three retries");
    let statuses: Vec<&Value> = ladder.iter().map(|r| &r["response"]["status"]).collect();
    assert_eq!(statuses, [503, 503, 503, 200], "back for the third retry");
    let first = ladder[0];
    assert!(first["duplicate_of"].is_null());
    for retry in &ladder[1..] {
        assert_eq!(
            retry["duplicate_of"], first["id"],
            "a retry of the same event"
        );
        assert_eq!(retry["body"], first["body"], "the same bytes");
    }
    let at: Vec<chrono::DateTime<chrono::Utc>> = ladder
        .iter()
        .map(|r| r["received_at"].as_str().unwrap().parse().unwrap())
        .collect();
    let waits: Vec<chrono::Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        waits.windows(2).all(|w| w[0] < w[1]),
        "growing waits: {waits:?}"
    );
}

/// README: the demo runs in memory unless `--store` is given. A store named
/// only by HOOKCATCH_STORE (set for everyday `listen`) is left alone: it is
/// neither written nor locked, even while a listener holds it.
#[test]
fn demo_ignores_a_store_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("x.db");
    let mut child = demo(dir.path(), "2")
        .env("HOOKCATCH_STORE", &store)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    for _ in 0..2 {
        let line: Value =
            serde_json::from_str(&rx.recv_timeout(WAIT).expect("a demo event")).unwrap();
        assert_eq!(line["event"]["provider"], "pingara");
    }
    let _ = child.kill();
    let _ = child.wait();
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with("x.db"))
        .collect();
    assert!(left.is_empty(), "the demo wrote {left:?}");
}
