//! Keeping a store for months: `prune` once (over 100,000 requests), and
//! `listen --keep` / `--keep-days` pruning in the background while capturing.
//! Deliveries go with their requests.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Hookcatch, WAIT, cli_store, client, list_json};

/// `n` requests as `export` writes them (JSON lines), received at `at`.
fn export_file(dir: &Path, name: &str, n: usize, at: &str) -> std::path::PathBuf {
    let mut text = String::with_capacity(n * 160);
    for i in 0..n {
        let line = serde_json::json!({
            "method": "POST",
            "path": format!("/hook/{i}"),
            "headers": [["content-type", "application/json"]],
            "body": format!("{{\"n\":{i}}}"),
            "received_at": at,
        });
        text.push_str(&line.to_string());
        text.push('\n');
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn import(dir: &Path, store: &Path, file: &Path) {
    let out = cli_store(dir, store, &["import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn size_on_disk(store: &Path) -> u64 {
    let wal = format!("{}-wal", store.display());
    [store, Path::new(&wal)]
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum()
}

fn deliveries_in(store: &Path) -> i64 {
    let conn = rusqlite::Connection::open(store).unwrap();
    conn.query_row("SELECT COUNT(*) FROM deliveries", [], |r| r.get(0))
        .unwrap()
}

const RECENT: &str = "2026-01-01T00:00:00.000Z";

#[test]
fn prune_keeps_exactly_the_newest_n_of_100_000_and_vacuum_gives_the_space_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("big.db");
    import(
        dir.path(),
        &store,
        &export_file(dir.path(), "big.ndjson", 100_000, RECENT),
    );
    // A delivery on a request that goes, and one on a request that stays.
    for id in ["5", "99999"] {
        let out = cli_store(
            dir.path(),
            &store,
            &["replay", id, "--to", "http://127.0.0.1:1"],
        );
        assert_eq!(
            out.status.code(),
            Some(1),
            "a refused replay is still recorded"
        );
    }
    assert_eq!(deliveries_in(&store), 2);
    let full = size_on_disk(&store);

    let out = cli_store(dir.path(), &store, &["prune", "--keep", "1000", "--vacuum"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("pruned 99000 requests (keeping newest 1000); 1000 left"),
        "{said}"
    );
    assert!(said.contains("vacuumed"), "{said}");

    let kept = list_json(dir.path(), &store);
    let ids: Vec<u64> = kept.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (99_001..=100_000).collect::<Vec<u64>>());
    // The delivery of #5 went with it; #99999's stayed.
    assert_eq!(deliveries_in(&store), 1);
    let compact = size_on_disk(&store);
    assert!(
        compact * 20 < full,
        "the store is {compact} bytes after --vacuum, {full} before"
    );

    // Run again: nothing more to prune.
    let out = cli_store(dir.path(), &store, &["prune", "--keep", "1000"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("pruned 0 requests"));
}

#[test]
fn prune_by_age_and_rules_from_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("age.db");
    import(
        dir.path(),
        &store,
        &export_file(dir.path(), "old.ndjson", 3, "2020-01-01T00:00:00.000Z"),
    );
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    import(
        dir.path(),
        &store,
        &export_file(dir.path(), "new.ndjson", 4, &now),
    );
    // `keep_days` from the config file, as `listen` reads it.
    std::fs::write(dir.path().join("hookcatch.toml"), "keep_days = 30\n").unwrap();
    let out = cli_store(dir.path(), &store, &["prune"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("pruned 3 requests (keeping last 30 days); 4 left"),
        "{said}"
    );
    // The flag wins over the file.
    let out = cli_store(dir.path(), &store, &["prune", "--keep", "1"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("pruned 3 requests (keeping newest 1, last 30 days); 1 left"),
        "{said}"
    );
    // And the environment, between the two.
    let out = common::command(dir.path())
        .env("HOOKCATCH_KEEP", "7")
        .args(["prune", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("(keeping newest 7, last 30 days)"), "{said}");
}

#[test]
fn prune_mistakes_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.db");
    common::assert_usage_error(
        &cli_store(dir.path(), &store, &["prune"]),
        "--keep N or --keep-days D",
    );
    common::assert_usage_error(
        &cli_store(dir.path(), &store, &["prune", "--keep", "0"]),
        "must be at least 1",
    );
    common::assert_usage_error(
        &cli_store(dir.path(), &store, &["listen", "--keep-days", "0"]),
        "--keep-days 0: must be at least 1",
    );
    // Nothing to prune in a store that does not exist: a runtime failure.
    let out = cli_store(dir.path(), &store, &["prune", "--keep", "5"]);
    assert_eq!(out.status.code(), Some(1));
}

/// Poll `list` until it holds `n` requests (bounded: never a timed assertion).
fn wait_for_count(dir: &Path, store: &Path, n: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let rows = list_json(dir, store);
        if rows.len() == n {
            return rows;
        }
        assert!(
            Instant::now() < deadline,
            "still {} requests, not {n}",
            rows.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_keep_prunes_in_the_background_while_capturing() {
    let dir = tempfile::tempdir().unwrap();
    let hc = Hookcatch::start(dir.path(), &["--keep", "5"]);
    hc.wait_stderr("retention: keeping newest 5");
    let http = client();
    for i in 0..40 {
        let answer = http
            .post(format!("{}/hook/{i}", hc.url))
            .body(format!("{{\"n\":{i}}}"))
            .send()
            .await
            .unwrap();
        // Capture is never held up: every request is answered as usual.
        assert_eq!(answer.status(), 200);
        assert_eq!(hc.next_json()["path"], format!("/hook/{i}"));
    }
    let rows = wait_for_count(dir.path(), &hc.store, 5);
    let paths: Vec<&str> = rows.iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["/hook/35", "/hook/36", "/hook/37", "/hook/38", "/hook/39"]
    );
    assert!(hc.stop().success());
}

#[test]
fn listen_keep_days_prunes_old_requests_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("hookcatch.db");
    import(
        dir.path(),
        &store,
        &export_file(dir.path(), "old.ndjson", 6, "2020-01-01T00:00:00.000Z"),
    );
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    import(
        dir.path(),
        &store,
        &export_file(dir.path(), "new.ndjson", 2, &now),
    );
    let hc = Hookcatch::start(dir.path(), &["--keep-days", "7"]);
    let rows = wait_for_count(dir.path(), &store, 2);
    assert!(
        rows.iter().all(|r| r["id"].as_u64().unwrap() > 6),
        "{rows:?}"
    );
    assert!(hc.stop().success());
}
