//! The PostgreSQL store: the real binary against a real, throwaway
//! PostgreSQL cluster (tests/common/postgres.rs), over real sockets.
//! Without PostgreSQL installed these skip loudly, and only outside CI.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use common::postgres::Postgres;
use common::relay::{Relay, TOKEN};
use common::*;
use serde_json::Value;

macro_rules! postgres_or_skip {
    ($name:expr) => {
        match Postgres::start($name) {
            Some(pg) => pg,
            None => return,
        }
    };
}

fn body_of(line: &Value) -> String {
    match (line["body"].as_str(), line["body_base64"].as_str()) {
        (Some(text), _) => text.to_string(),
        (None, Some(b64)) => text(&B64.decode(b64).expect("base64")),
        _ => panic!("no body in {line}"),
    }
}

#[test]
fn a_throwaway_cluster_starts_stops_and_starts_again() {
    let pg = postgres_or_skip!("a_throwaway_cluster_starts_stops_and_starts_again");
    pg.database("t");
    assert_eq!(pg.sql("t", "SELECT 40 + 2"), "42");
    pg.stop_immediate();
    pg.start_again();
    assert_eq!(pg.sql("t", "SELECT 'back'"), "back");
}

/// What a subscriber following `url` prints, until `n` lines.
fn lines(sub: &Hookcatch, n: usize) -> Vec<Value> {
    (0..n)
        .map(|_| sub.try_next_json(WAIT).expect("a line from the subscriber"))
        .collect()
}

fn subscriber(dir: &Path, name: &str, url: &str) -> Hookcatch {
    let store = dir.join(format!("{name}.db"));
    let hc = Hookcatch::start_with(dir, &store, &["--from", url, "--token", TOKEN], |_| {});
    hc.wait_stderr("relay: connected");
    hc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_on_postgres_stores_before_answering_and_streams_with_the_password_masked() {
    let pg = postgres_or_skip!("a_relay_on_postgres_stores_before_answering");
    pg.database("hooks");
    // Trust authentication ignores the password; it must never be shown.
    let url = format!("postgres://postgres:pw-hunter2@127.0.0.1:{}/hooks", pg.port);
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), Path::new(&url), 0, &[]);
    let sub = subscriber(dir.path(), "sub", &relay.channel("pay"));
    let c = client();
    for n in 0..5 {
        let resp = c
            .post(format!("{}/x/{n}?q={n}", relay.channel("pay")))
            .body(format!("body-{n}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        // Answered only once committed: it is in the database now.
        assert_eq!(
            pg.sql("hooks", "SELECT count(*) FROM requests"),
            (n + 1).to_string()
        );
    }
    let got = lines(&sub, 5);
    let bodies: Vec<String> = got.iter().map(body_of).collect();
    assert_eq!(
        bodies,
        (0..5).map(|n| format!("body-{n}")).collect::<Vec<_>>()
    );
    assert_eq!(got[3]["relay"]["id"], 4);
    assert_eq!(got[3]["path"], "/x/3");
    // Where a person reads the store's name, the password is masked.
    let mut relay = relay;
    let _ = relay.child.kill();
    let out = cli_store(dir.path(), Path::new(&url), &["list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout(&out).contains("/c/pay/x/4"), "{}", stdout(&out));
    let out = cli_store(dir.path(), Path::new(&url), &["show", "999"]);
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(
        said.contains("postgres://postgres:••••@127.0.0.1"),
        "{said}"
    );
    assert!(!said.contains("hunter2"), "{said}");
}

#[test]
fn a_bad_or_unreachable_postgres_url_is_a_usage_error_that_hides_the_password() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 of loopback.
    for (url, says) in [
        (
            "postgres://u:hunter2@127.0.0.1:9/db",
            "cannot connect to PostgreSQL",
        ),
        (
            "postgresql://u:hunter2@127.0.0.1:notaport/db",
            "not a PostgreSQL URL",
        ),
        (
            "postgres://u:hunter2@127.0.0.1/db?sslmode=require",
            "without TLS",
        ),
    ] {
        for args in [&["relay", "--port", "0", "--token", "t"][..], &["list"][..]] {
            let out = cli_store(dir.path(), Path::new(url), args);
            let said = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?} {url}: {said}");
            assert!(said.contains(says), "{args:?} {url}: {said}");
            assert!(!said.contains("hunter2"), "{said}");
        }
    }
}

/// What does not work on PostgreSQL yet says so before anything starts
/// (no database is reached: nothing listens at this URL).
#[test]
fn what_is_not_on_postgres_yet_is_refused_with_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = Path::new("postgres://u:hunter2@127.0.0.1:9/db");
    for (args, says) in [
        (
            &[
                "listen",
                "--headless",
                "--port",
                "0",
                "--forward",
                "http://127.0.0.1:9",
            ][..],
            "--forward",
        ),
        (
            &[
                "listen",
                "--headless",
                "--port",
                "0",
                "--from",
                "http://127.0.0.1:9/c/x",
                "--token",
                "t",
            ][..],
            "--from",
        ),
        (
            &["relay", "--port", "0", "--token", "t", "--keep", "5"][..],
            "--keep",
        ),
        (
            &["replay", "1", "--to", "http://127.0.0.1:9"][..],
            "replay works on a SQLite store only",
        ),
        (
            &["prune", "--keep", "5"][..],
            "works on a SQLite store only",
        ),
        (&["stats"][..], "works on a SQLite store only"),
    ] {
        let out = cli_store(dir.path(), url, args);
        let said = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(said.contains(says), "{args:?}: {said}");
        assert!(!said.contains("hunter2"), "{said}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_headless_on_postgres_by_its_unix_socket() {
    let pg = postgres_or_skip!("listen_headless_on_postgres_by_its_unix_socket");
    pg.database("local");
    let dir = tempfile::tempdir().unwrap();
    let url = pg.socket_url("local");
    let hc = Hookcatch::start_with(dir.path(), Path::new(&url), &[], |_| {});
    let resp = client()
        .post(format!("{}/hook", hc.url))
        .header("x-a", "1")
        .header("x-a", "2")
        .body(vec![0u8, 159, 146, 150])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let line = hc.next_json();
    assert_eq!(line["path"], "/hook");
    assert_eq!(
        pg.sql("local", "SELECT encode(body, 'hex') FROM requests"),
        "009f9296"
    );
    let out = cli_store(dir.path(), Path::new(&url), &["list", "--refused"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("keeps no log of refused"),
        "{}",
        text(&out.stderr)
    );
    let out = cli_store(dir.path(), Path::new(&url), &["list", "--follow"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("list --follow works on a SQLite store only"),
        "{}",
        text(&out.stderr)
    );
}

/// The same requests, imported into a SQLite store and a PostgreSQL one:
/// `list --filter`, `show --json` and `export --format har` print the same.
#[test]
fn list_show_export_and_import_give_the_same_on_postgres_as_on_sqlite() {
    let pg = postgres_or_skip!("list_show_export_and_import_give_the_same");
    pg.database("parity");
    let dir = tempfile::tempdir().unwrap();
    let pg_store = pg.url("parity");
    let pg_store = Path::new(&pg_store);
    let sqlite = dir.path().join("a.db");
    let lines: Vec<String> = (0..12)
        .map(|n| {
            let (method, path, body) = match n % 3 {
                0 => (
                    "POST",
                    format!("/hooks/github/{n}"),
                    format!("{{\"n\":{n},\"action\":\"opened\"}}"),
                ),
                1 => ("PUT", format!("/other/{n}"), format!("plain text {n}")),
                _ => (
                    "POST",
                    format!("/hooks/stripe/{n}"),
                    // evt_2 and evt_5 come twice: the copies are duplicates.
                    format!(
                        "{{\"id\":\"evt_{}\",\"type\":\"charge.succeeded\"}}",
                        n % 6
                    ),
                ),
            };
            serde_json::json!({
                "received_at": format!("2026-12-05T10:00:{n:02}.123Z"),
                "remote_addr": "10.0.0.7:5555",
                "method": method,
                "path": path,
                "query": if n % 2 == 0 { "a=1&b=2" } else { "" },
                "http_version": "HTTP/1.1",
                "headers": if n % 3 == 2 {
                    serde_json::json!([["content-type", "application/json"], ["stripe-signature", "t=1,v1=00"]])
                } else {
                    serde_json::json!([["content-type", "application/json"], ["x-dup", "1"], ["x-dup", "2"]])
                },
                "body_base64": B64.encode(body.as_bytes()),
                "body_size": body.len(),
                "outcome": "complete",
                "status": 200,
            })
            .to_string()
        })
        .collect();
    let file = dir.path().join("in.ndjson");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let file = file.to_str().unwrap();
    for store in [sqlite.as_path(), pg_store] {
        let out = cli_store(dir.path(), store, &["import", file]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("imported 12 requests"),
            "{}",
            text(&out.stderr)
        );
    }
    let same = |args: &[&str]| {
        let a = cli_store(dir.path(), &sqlite, args);
        let b = cli_store(dir.path(), pg_store, args);
        assert!(a.status.success(), "{args:?}: {}", text(&a.stderr));
        assert!(b.status.success(), "{args:?}: {}", text(&b.stderr));
        assert!(!a.stdout.is_empty(), "{args:?} printed nothing");
        assert_eq!(stdout(&a), stdout(&b), "{args:?}");
    };
    same(&["list"]);
    // Marked as duplicates at import, in the same batch or not.
    assert_eq!(
        pg.sql(
            "parity",
            "SELECT id, duplicate_of FROM requests WHERE duplicate_of IS NOT NULL ORDER BY id"
        ),
        "9|3\n12|6"
    );
    same(&["list", "--limit", "3"]);
    same(&["list", "--json"]);
    same(&["list", "--filter", "method:POST path:/hooks/*"]);
    same(&["list", "--filter", "body:charge", "--json"]);
    same(&["show", "5", "--json"]);
    same(&["show", "7"]);
    same(&["export", "--format", "har"]);
    same(&["export", "--format", "curl", "2", "3"]);
    same(&["export", "--filter", "method:PUT"]);
    // delete, then the same again
    for store in [sqlite.as_path(), pg_store] {
        let out = cli_store(dir.path(), store, &["delete", "2", "4"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    same(&["list", "--json"]);
    assert_eq!(pg.sql("parity", "SELECT count(*) FROM requests"), "10");
}

/// Send `per_client` posts from each of `clients` clients to `url`, bodies
/// `{tag}{client}-{n}`; the bodies answered 2xx, and every status seen.
fn load(
    url: String,
    tag: &'static str,
    clients: usize,
    per_client: usize,
    pause: Duration,
) -> Vec<tokio::task::JoinHandle<Vec<(String, u16, String)>>> {
    (0..clients)
        .map(|client_no| {
            let url = url.clone();
            tokio::spawn(async move {
                let c = client();
                let mut seen = Vec::new();
                for n in 0..per_client {
                    let body = format!("{tag}{client_no}-{n}");
                    if let Ok(resp) = c.post(&url).body(body.clone()).send().await {
                        let status = resp.status().as_u16();
                        let text = resp.text().await.unwrap_or_default();
                        seen.push((body, status, text));
                    }
                    tokio::time::sleep(pause).await;
                }
                seen
            })
        })
        .collect()
}

/// Count the bodies a subscriber prints until every one of `expected` came
/// (and a quiet moment after), failing on any that came twice.
fn delivered_once(sub: &Hookcatch, expected: &BTreeSet<String>, who: &str) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let deadline = Instant::now() + WAIT * 2;
    while !expected.iter().all(|b| seen.contains_key(b)) {
        assert!(
            Instant::now() < deadline,
            "{who}: missing {} of {}",
            expected.iter().filter(|b| !seen.contains_key(*b)).count(),
            expected.len()
        );
        if let Some(line) = sub.try_next_json(Duration::from_millis(500)) {
            *seen.entry(body_of(&line)).or_default() += 1;
        }
    }
    for line in sub.drain_lines(Duration::from_millis(500)) {
        let line: Value = serde_json::from_str(&line).unwrap();
        *seen.entry(body_of(&line)).or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{who}: delivered twice: {twice:?}");
}

/// Bodies stored in the database, each with how many times.
fn stored_bodies(pg: &Postgres, db: &str) -> BTreeMap<String, usize> {
    let mut stored = BTreeMap::new();
    for line in pg
        .sql(db, "SELECT convert_from(body, 'UTF8') FROM requests")
        .lines()
    {
        *stored.entry(line.to_string()).or_default() += 1;
    }
    stored
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgres_is_down_the_relay_answers_503_and_it_recovers_by_itself() {
    let pg = postgres_or_skip!("while_postgres_is_down_the_relay_answers_503");
    let url = pg.database("hooks");
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::start(dir.path(), Path::new(&url), 0, &[]);
    let sub = subscriber(dir.path(), "sub", &relay.channel("k"));
    let senders = load(
        format!("{}/p", relay.channel("k")),
        "c",
        8,
        150,
        Duration::from_millis(10),
    );
    // Some answered, then the database goes away at once, as in a crash.
    tokio::time::sleep(Duration::from_millis(700)).await;
    pg.stop_immediate();
    tokio::time::sleep(Duration::from_millis(700)).await;
    pg.start_again();
    let mut seen = Vec::new();
    for s in senders {
        seen.extend(s.await.unwrap());
    }
    let ok: BTreeSet<String> = seen
        .iter()
        .filter(|(_, status, _)| (200..300).contains(status))
        .map(|(body, _, _)| body.clone())
        .collect();
    let refused: Vec<&(String, u16, String)> = seen
        .iter()
        .filter(|(_, status, _)| *status == 503)
        .collect();
    let other: Vec<_> = seen
        .iter()
        .filter(|(_, status, _)| !(200..300).contains(status) && *status != 503)
        .collect();
    assert!(other.is_empty(), "only 2xx or 503: {other:?}");
    assert!(
        !refused.is_empty(),
        "the relay answered 503 while the database was down"
    );
    for (_, _, text) in &refused {
        let error: Value = serde_json::from_str(text).expect("a JSON error");
        assert!(
            error["error"].as_str().unwrap().contains("could not store"),
            "{text}"
        );
    }
    // After the restart it answers 200 again: the last posts of every client.
    for client_no in 0..8 {
        let last = format!("c{client_no}-149");
        assert!(ok.contains(&last), "{last} was answered 2xx after recovery");
    }
    // Every 2xx is in the database, once.
    let stored = stored_bodies(&pg, "hooks");
    for body in &ok {
        assert_eq!(
            stored.get(body),
            Some(&1),
            "{body} answered 2xx, stored once"
        );
    }
    delivered_once(&sub, &ok, "subscriber");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_on_one_database_each_subscriber_gets_every_request_once_in_id_order() {
    let pg = postgres_or_skip!("two_relays_on_one_database");
    let url = pg.database("team");
    let dir = tempfile::tempdir().unwrap();
    let a = Relay::start(dir.path(), Path::new(&url), 0, &[]);
    let b = Relay::start(dir.path(), Path::new(&url), 0, &[]);
    let sub_a = subscriber(dir.path(), "sub-a", &a.channel("team"));
    let sub_b = subscriber(dir.path(), "sub-b", &b.channel("team"));
    let c = client();
    // Posted to A, it reaches B's subscriber at once: woken by A's
    // commit notification, not by B's 15 s keep-alive look.
    let started = Instant::now();
    let resp = c
        .post(format!("{}/first", a.channel("team")))
        .body("first")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let line = sub_b
        .try_next_json(WAIT)
        .expect("B's subscriber gets A's request");
    assert_eq!(body_of(&line), "first");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}: not woken by the notification",
        started.elapsed()
    );
    assert_eq!(body_of(&sub_a.next_json()), "first");
    // Alternately to both, from two clients at once.
    let mut sent = BTreeSet::from(["first".to_string()]);
    let mut posts = Vec::new();
    for n in 0..60 {
        let relay = if n % 2 == 0 { &a } else { &b };
        let (c, url, body) = (
            c.clone(),
            format!("{}/n/{n}", relay.channel("team")),
            format!("r{n}"),
        );
        sent.insert(body.clone());
        posts.push(tokio::spawn(async move {
            c.post(url)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for p in posts {
        assert_eq!(p.await.unwrap(), 200);
    }
    for (who, sub) in [("A's subscriber", &sub_a), ("B's subscriber", &sub_b)] {
        let got: Vec<Value> = lines(sub, 60);
        let ids: Vec<i64> = got
            .iter()
            .map(|l| l["relay"]["id"].as_i64().unwrap())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted, "{who}: in id order, once");
        let mut bodies: BTreeSet<String> = got.iter().map(body_of).collect();
        bodies.insert("first".into());
        assert_eq!(bodies, sent, "{who}: every request");
        assert!(
            sub.drain_lines(Duration::from_millis(300)).is_empty(),
            "{who}: nothing twice"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_one_relay_under_load_loses_nothing_answered_and_the_other_keeps_serving() {
    let pg = postgres_or_skip!("kill_9_of_one_relay_under_load");
    let url = pg.database("team");
    let dir = tempfile::tempdir().unwrap();
    let a = Relay::start(dir.path(), Path::new(&url), 0, &[]);
    let b = Relay::start(dir.path(), Path::new(&url), 0, &[]);
    let sub = subscriber(dir.path(), "sub", &b.channel("k"));
    let to_a = load(
        format!("{}/p", a.channel("k")),
        "a",
        4,
        100,
        Duration::from_millis(5),
    );
    let to_b = load(
        format!("{}/p", b.channel("k")),
        "b",
        4,
        100,
        Duration::from_millis(5),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    a.kill9();
    let mut seen = Vec::new();
    for s in to_a.into_iter().chain(to_b) {
        seen.extend(s.await.unwrap());
    }
    let ok: BTreeSet<String> = seen
        .iter()
        .filter(|(_, status, _)| (200..300).contains(status))
        .map(|(body, _, _)| body.clone())
        .collect();
    for client_no in 0..4 {
        let last = format!("b{client_no}-99");
        assert!(ok.contains(&last), "B kept serving: {last}");
    }
    assert!(
        ok.iter().any(|b| b.starts_with('a')),
        "A answered some before it was killed"
    );
    let stored = stored_bodies(&pg, "team");
    for body in &ok {
        assert_eq!(
            stored.get(body),
            Some(&1),
            "{body} answered 2xx, stored once"
        );
    }
    delivered_once(&sub, &ok, "B's subscriber");
}

/// Poll `sql` until it gives `want` (bounded).
fn wait_for_sql(pg: &Postgres, db: &str, sql: &str, want: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        if pg.sql(db, sql) == want {
            return;
        }
        assert!(Instant::now() < deadline, "{sql} never gave {want}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_posted_to_relay_b_releases_the_sender_held_on_relay_a() {
    let pg = postgres_or_skip!("an_answer_posted_to_relay_b_releases_the_sender_held_on_a");
    let url = pg.database("team");
    let dir = tempfile::tempdir().unwrap();
    let a = Relay::start(dir.path(), Path::new(&url), 0, &["--hold", "10"]);
    let b = Relay::start(dir.path(), Path::new(&url), 0, &["--hold", "10"]);
    // The only subscriber follows B; its own answer is a teapot.
    let sub = Hookcatch::start_with(
        dir.path(),
        &dir.path().join("sub.db"),
        &[
            "--from",
            &b.channel("h"),
            "--token",
            TOKEN,
            "--status",
            "418",
            "--response-body",
            "teapot",
        ],
        |_| {},
    );
    sub.wait_stderr("relay: connected");
    // B says, through the database, that the channel is followed there.
    wait_for_sql(
        &pg,
        "team",
        "SELECT count(*) FROM relay_presence WHERE channel = 'h'",
        "1",
    );
    let started = Instant::now();
    let resp = client()
        .post(format!("{}/orders", a.channel("h")))
        .body("held on A")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        418,
        "the subscriber's answer, through B and the database"
    );
    assert_eq!(resp.text().await.unwrap(), "teapot");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "before the hold ran out"
    );
    assert_eq!(body_of(&sub.next_json()), "held on A");
    assert_eq!(pg.sql("team", "SELECT resp_status FROM requests"), "418");
    // The subscriber gone, B stops saying so, and A answers itself at once.
    assert!(sub.stop().success());
    wait_for_sql(&pg, "team", "SELECT count(*) FROM relay_presence", "0");
    let started = Instant::now();
    let resp = client()
        .post(format!("{}/orders", a.channel("h")))
        .body("alone")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(5));
    let why = pg.sql(
        "team",
        "SELECT resp_reason FROM requests WHERE id = (SELECT max(id) FROM requests)",
    );
    assert!(why.contains("no subscriber"), "{why}");
}
