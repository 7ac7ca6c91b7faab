//! Replay from the keyboard for real: a hyper target on 127.0.0.1:0, a
//! temporary SQLite store with its writer, the app driven by keys, sends run
//! on a runtime, and every wait bounded by a deadline (no sleeps).

use std::path::Path;
use std::time::Duration;

use crossterm::event::KeyCode;
use tempfile::TempDir;

use super::fixtures::{PINGARA_BODY, SECRET, harness, mixed, store};
use super::target::{Behaviour, Received, Target};
use crate::replay::ladder::LadderOutcome;
use crate::replay::{ReplayKit, Replayer, SendOptions};
use crate::store::writer::WriterThread;
use crate::store::{Location, StoreWriter, query};
use crate::tui::testkit::Harness;

const WAIT: Duration = Duration::from_secs(20);

struct Live {
    h: Harness,
    target: Target,
    /// Everything the target has received so far.
    got: Vec<Received>,
    location: Location,
    writer: StoreWriter,
    thread: WriterThread,
    _dir: TempDir,
    runtime: tokio::runtime::Runtime,
}

impl Live {
    /// Everything the target has received so far, oldest first.
    fn received(&mut self) -> Vec<Received> {
        while let Some(r) = self.target.try_next() {
            self.got.push(r);
        }
        self.got.clone()
    }
}

/// The mixed store, a target answering `status`, the app attached to both.
fn live(status: u16, scale: f64, editor: &str) -> Live {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let target = runtime.block_on(Target::start(Behaviour::status(status)));
    let (dir, location) = store(mixed());
    let (writer, thread) = StoreWriter::spawn(&location, false).unwrap();
    let replayer = {
        let _inside = runtime.enter();
        Replayer::new(
            location.clone(),
            writer.clone(),
            SendOptions {
                timeout: Duration::from_secs(10),
                insecure: false,
            },
        )
    };
    let kit = ReplayKit {
        replayer,
        target: target.url.clone(),
        ladder_scale: scale,
    };
    let mut h = harness(&location, 160, 48);
    h.attach(kit, runtime.handle().clone(), editor, writer.subscribe());
    h.key(KeyCode::Char('g')); // #1, the Pingara event
    Live {
        h,
        target,
        got: Vec::new(),
        location,
        writer,
        thread,
        _dir: dir,
        runtime,
    }
}

impl Live {
    /// Stop everything in order: the app's replayer, the writer, its thread.
    fn finish(self) {
        let Live {
            h,
            writer,
            thread,
            runtime,
            ..
        } = self;
        drop(h);
        drop(writer);
        thread.join();
        drop(runtime);
    }
}

#[test]
fn r_on_a_selected_request_adds_a_delivery_shown_in_the_deliveries_tab() {
    let mut l = live(200, 1.0, "true");
    l.h.key(KeyCode::Char('r'));
    l.h.wait_for("the delivery and its answer", WAIT, |app| {
        app.detail.delivery_lines().len() == 1 && app.detail.response().is_some()
    });
    let screen = l.h.screen();
    let line = screen
        .lines()
        .find(|l| l.contains("replay ") && l.contains("200"))
        .unwrap_or_else(|| panic!("a delivery line:\n{screen}"));
    assert!(
        line.contains(&format!("{}/pingara", l.target.url)),
        "{line}"
    );
    assert!(screen.contains("\"target\": \"says 200\""), "{screen}");
    let got = l.received();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].method.as_str(), got[0].target.as_str()),
        ("POST", "/pingara")
    );
    assert_eq!(got[0].body, PINGARA_BODY.as_bytes(), "the body as captured");
    assert_eq!(got[0].header("x-pingara-secret"), Some(SECRET));
    l.h.wait_for("the list mark", WAIT, |app| {
        app.list.rows[&1]
            .delivered
            .is_some_and(|m| m.count == 1 && m.last_status == Some(200))
    });
    assert!(l.h.screen().contains("→200"));
    l.finish();
}

#[cfg(unix)]
fn fake_editor(dir: &Path, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join("fake-editor.sh");
    let mode = dir.join("mode");
    let script = format!(
        "#!/bin/sh\nstat -c %a \"$1\" > '{}'\nprintf '{body}' > \"$1\"\n",
        mode.display()
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[cfg(unix)]
#[test]
fn e_sends_what_the_editor_saved_as_an_edited_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let editor = fake_editor(
        dir.path(),
        "PUT /edited?x=1\\ncontent-type: text/plain\\nx-edited: yes\\n\\nhello from the editor\\n",
    );
    let mut l = live(200, 1.0, &editor);
    l.h.key(KeyCode::Char('e'));
    l.h.wait_for("the edited delivery", WAIT, |app| {
        app.detail
            .delivery_lines()
            .iter()
            .any(|d| d.kind == "edited" && d.status == Some(200))
    });
    let got = l.received();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].method.as_str(), got[0].target.as_str()),
        ("PUT", "/edited?x=1")
    );
    assert_eq!(
        got[0].body, b"hello from the editor",
        "the editor's newline dropped"
    );
    assert_eq!(got[0].header("x-edited"), Some("yes"));
    assert_eq!(got[0].header("x-pingara-secret"), None, "headers as edited");
    let mode = std::fs::read_to_string(dir.path().join("mode")).unwrap();
    assert_eq!(mode.trim(), "600", "the edit file is private");
    let original = query::get(&l.location.open_reader().unwrap(), 1)
        .unwrap()
        .unwrap();
    assert_eq!(original.request.body, PINGARA_BODY.as_bytes(), "untouched");
    assert_eq!(original.request.method, "POST");
    l.h.wait_for("the answer", WAIT, |app| app.detail.response().is_some());
    assert!(l.h.screen().contains("(edited: headers, body (21 B))"));
    l.finish();
}

#[cfg(unix)]
#[test]
fn e_with_a_broken_file_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let editor = fake_editor(dir.path(), "nonsense\\n");
    let mut l = live(200, 1.0, &editor);
    l.h.key(KeyCode::Char('e'));
    let m = l.h.app.message.clone().expect("a message");
    assert!(m.error && m.text.contains("line 1:"), "{m:?}");
    assert!(m.text.contains("nothing sent"));
    assert!(l.received().is_empty());
    assert!(l.h.app.detail.delivery_lines().is_empty());
    l.finish();
}

#[test]
fn ladder_stops_once_the_target_answers_2xx() {
    // Waits of 0.3 s, 1.2 s, 6 s, 18 s: time enough to switch the target.
    let mut l = live(500, 0.01, "true");
    l.h.key(KeyCode::Char('R'));
    l.h.wait_for("a failed first attempt", WAIT, |app| {
        app.ladder(1)
            .and_then(|ladder| ladder.last.as_ref())
            .is_some_and(|step| !step.success)
    });
    l.target.set(Behaviour::status(200));
    l.h.wait_for("the ladder to succeed", WAIT, |app| {
        app.ladder(1)
            .is_some_and(|ladder| matches!(ladder.finished, Some(LadderOutcome::Succeeded { .. })))
    });
    l.h.wait_for("every attempt in the tab", WAIT, |app| {
        let lines = app.detail.delivery_lines();
        lines.len() >= 2
            && lines.iter().all(|d| d.kind == "ladder")
            && lines.last().is_some_and(|d| d.success)
            && !lines[0].success
    });
    assert!(l.h.screen().contains("succeeded on attempt"));
    l.finish();
}

#[test]
fn c_cancels_a_waiting_ladder() {
    let mut l = live(500, 1.0, "true");
    l.h.key(KeyCode::Char('R'));
    l.h.wait_for("the 30 s wait", WAIT, |app| {
        app.ladder(1).is_some_and(|ladder| ladder.next.is_some())
    });
    assert!(
        l.h.screen().contains("ladder #1"),
        "the status bar shows it"
    );
    l.h.key(KeyCode::Char('c'));
    l.h.wait_for("the ladder to stop", WAIT, |app| {
        app.ladder(1)
            .is_some_and(|ladder| ladder.finished == Some(LadderOutcome::Cancelled { attempts: 1 }))
    });
    assert_eq!(l.received().len(), 1);
    assert!(!l.h.screen().contains("ladder #1"));
    l.finish();
}

/// `T`: a prompt for a URL, with the URLs used before as history; the one
/// target rule decides the path; `r` keeps the default target.
#[test]
fn t_replays_to_a_typed_url_with_history() {
    let mut l = live(200, 1.0, "true");
    let mut other = l.runtime.block_on(Target::start(Behaviour::status(202)));
    let next = |runtime: &tokio::runtime::Runtime, other: &mut Target| {
        runtime
            .block_on(async { tokio::time::timeout(WAIT, other.next()).await })
            .expect("the other target received the replay")
    };

    l.h.key(KeyCode::Char('T'));
    l.h.keys("not a url");
    l.h.key(KeyCode::Enter);
    assert!(l.h.app.prompt.is_some(), "a bad URL keeps the prompt open");
    assert!(
        l.h.app.prompt.as_ref().is_some_and(|p| p.error.is_some()),
        "and says why, in the prompt"
    );
    l.h.key(KeyCode::Esc);

    // With a path: used as given.
    l.h.key(KeyCode::Char('T'));
    l.h.keys(&format!("{}/elsewhere?x=1", other.url));
    l.h.key(KeyCode::Enter);
    assert!(l.h.app.prompt.is_none());
    let got = next(&l.runtime, &mut other);
    assert_eq!(
        (got.method.as_str(), got.target.as_str()),
        ("POST", "/elsewhere?x=1")
    );
    assert_eq!(got.body, PINGARA_BODY.as_bytes());
    l.h.wait_for("the delivery to the other target", WAIT, |app| {
        app.list.rows[&1]
            .delivered
            .is_some_and(|m| m.count == 1 && m.last_status == Some(202))
    });

    // ↑ recalls it.
    l.h.key(KeyCode::Char('T'));
    l.h.key(KeyCode::Up);
    assert_eq!(
        l.h.app.prompt.as_ref().map(|p| p.input.text.clone()),
        Some(format!("{}/elsewhere?x=1", other.url))
    );
    l.h.key(KeyCode::Esc);

    // Without a path: the request's own.
    l.h.key(KeyCode::Char('T'));
    l.h.keys(&other.url);
    l.h.key(KeyCode::Enter);
    let got = next(&l.runtime, &mut other);
    assert_eq!(got.target, "/pingara");

    l.h.wait_for("the second delivery to the other target", WAIT, |app| {
        app.list.rows[&1].delivered.is_some_and(|m| m.count == 2)
    });

    // `r` still goes to the default target.
    l.h.key(KeyCode::Char('r'));
    l.h.wait_for("the default target's answer", WAIT, |app| {
        app.list.rows[&1]
            .delivered
            .is_some_and(|m| m.count == 3 && m.last_status == Some(200))
    });
    let got = l.received();
    assert_eq!(got.len(), 1, "only r reached the default target");
    assert_eq!(got[0].target, "/pingara");
    l.finish();
}
