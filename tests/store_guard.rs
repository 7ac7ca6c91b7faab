//! One store, one listener: a second listener on a store in use refuses to
//! start, readers and short writers still work beside it, a lock left by a
//! killed listener never blocks; a damaged store is called damaged; a store
//! others may read is narrowed to 0600. All through the real binary.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// `hookcatch ARGS` to its end; one still running after [`WAIT`] (a
/// listener that started when it should have refused) is killed.
fn bounded(dir: &Path, args: &[&str]) -> Output {
    let mut child = command(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn a_second_listener_refuses_and_readers_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let first = Hookcatch::start(d, &[]);
    let store = first.store.to_str().unwrap().to_string();

    let second = bounded(
        d,
        &["listen", "--headless", "--port", "0", "--store", &store],
    );
    let err = stderr(&second);
    assert_eq!(second.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("is in use by another listener"), "{err}");
    assert!(err.contains(&format!("pid {}", first.pid())), "{err}");
    assert!(err.contains(&store), "{err}");
    // demo with --store is a listener too.
    let demo = bounded(d, &["demo", "--headless", "--port", "0", "--store", &store]);
    assert_eq!(demo.status.code(), Some(2), "{}", stderr(&demo));
    assert!(stderr(&demo).contains("in use by another listener"));

    // `list --follow` beside it sees what it captures.
    let mut follow = command(d)
        .args(["list", "--follow", "--json", "--store", &store])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = lines_of(follow.stdout.take().unwrap());
    let status = client()
        .post(format!("{}/beside", first.url))
        .body("x")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    first.next_json();
    let line = lines.recv_timeout(WAIT).expect("list --follow prints it");
    assert!(line.contains("/beside"), "{line}");
    let _ = follow.kill();
    let _ = follow.wait();

    for args in [&["list"][..], &["show", "1"], &["export"]] {
        let out = cli_store(d, &first.store, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    // Short writers go through SQLite's lock, beside the listener.
    let export = cli_store(d, &first.store, &["export"]);
    let file = d.join("one.ndjson");
    std::fs::write(&file, &export.stdout).unwrap();
    let import = cli_store(d, &first.store, &["import", file.to_str().unwrap()]);
    assert!(import.status.success(), "{}", stderr(&import));
    let delete = cli_store(d, &first.store, &["delete", "2"]);
    assert!(delete.status.success(), "{}", stderr(&delete));

    // kill -9 leaves the lock file behind; it does not block the next listener.
    first.kill9();
    let again = Hookcatch::start(d, &[]);
    assert_eq!(list_json(d, &again.store).len(), 1);
}

#[test]
fn a_corrupted_store_is_called_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let garbage = d.join("garbage.db");
    std::fs::write(
        &garbage,
        b"this is not SQLite at all, just bytes ".repeat(200),
    )
    .unwrap();
    let path = garbage.to_str().unwrap();
    for args in [
        vec!["list", "--store", path],
        vec!["show", "1", "--store", path],
        vec!["export", "--store", path],
        vec!["listen", "--headless", "--port", "0", "--store", path],
    ] {
        let out = bounded(d, &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        let line = err.lines().last().unwrap_or_default();
        assert!(line.contains("is corrupted"), "{args:?}: {err}");
        assert!(line.contains(path), "{err}");
        assert!(line.contains("file is not a database"), "{err}");
        assert!(!err.contains("writable file"), "{err}");
    }
}

#[test]
fn a_store_others_may_read_is_narrowed_with_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hc = Hookcatch::start(d, &[]);
    let store = hc.store.clone();
    // kill -9 leaves the -wal and -shm beside the store.
    hc.kill9();
    let files: Vec<_> = ["", "-wal", "-shm"]
        .iter()
        .map(|s| d.join(format!("hookcatch.db{s}")))
        .filter(|f| f.exists())
        .collect();
    assert!(files.len() >= 2, "{files:?}");
    for f in &files {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let out = cli_store(d, &store, &["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("0600")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    for f in &files {
        assert!(warnings[0].contains(f.to_str().unwrap()), "{err}");
        // The last reader to close may checkpoint and remove the -wal/-shm.
        if let Ok(meta) = std::fs::metadata(f) {
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{}", f.display());
        }
    }
    let mode = std::fs::metadata(&store).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // Once narrowed, nothing more to say.
    let quiet = cli_store(d, &store, &["list"]);
    assert!(!stderr(&quiet).contains("0600"), "{}", stderr(&quiet));
}

/// `hookcatch ARGS --store MNT/hookcatch.db` where MNT is a read-only bind
/// mount of `data`, in a private mount namespace (gone with the process).
/// None where this machine cannot make one (not root, no unshare).
fn on_read_only_mount(dir: &Path, data: &Path, args: &[&str]) -> Option<Output> {
    let mnt = dir.join("ro");
    std::fs::create_dir_all(&mnt).unwrap();
    let script = format!(
        "mount --bind '{data}' '{mnt}' && mount -o remount,ro,bind '{mnt}' || exit 99; \
         touch '{mnt}/probe' 2>/dev/null && exit 98; \
         exec '{BIN}' {args} --store '{mnt}/hookcatch.db'",
        data = data.display(),
        mnt = mnt.display(),
        args = args.join(" "),
    );
    let out = std::process::Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("HOOKCATCH_STORE")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if matches!(out.status.code(), Some(98 | 99)) || stderr(&out).contains("unshare:") {
        return None;
    }
    Some(out)
}

#[tokio::test]
async fn list_show_and_export_read_a_store_on_a_read_only_file_system() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let hc = Hookcatch::start_with(d, &data.join("hookcatch.db"), &[], |_| {});
    let status = client()
        .post(format!("{}/kept", hc.url))
        .body("x")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    hc.next_json();
    assert!(hc.stop().success());

    for args in [
        &["list", "--json"][..],
        &["show", "1", "--json"],
        &["export"],
    ] {
        let Some(out) = on_read_only_mount(d, &data, args) else {
            eprintln!("skipped: cannot make a read-only mount here (needs root and unshare)");
            return;
        };
        let err = stderr(&out);
        assert!(out.status.success(), "{args:?}: {err}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("/kept"), "{args:?}: {text}");
    }
}

#[tokio::test]
async fn a_damaged_page_found_while_reading_is_called_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hc = Hookcatch::start(d, &[]);
    let status = client()
        .post(format!("{}/p", hc.url))
        .body("x")
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    hc.next_json();
    let store = hc.store.clone();
    assert!(hc.stop().success());
    // Page 2 (the requests table) overwritten: the header still reads fine.
    // The page size is in the header (big endian, at offset 16). The page's
    // own header goes too: a b-tree page type of 0xff is always "malformed",
    // where garbage cell pointers alone made SQLite read whatever memory lay
    // past the page (a different error now and then).
    let mut bytes = std::fs::read(&store).unwrap();
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    bytes[page..page + 208].fill(0xff);
    std::fs::write(&store, bytes).unwrap();
    let out = cli_store(d, &store, &["list"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("is corrupted"), "{err}");
    assert!(err.contains(store.to_str().unwrap()), "{err}");
    assert!(err.contains("malformed"), "{err}");
}
