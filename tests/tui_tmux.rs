//! End to end: the real binary's TUI inside tmux. Start it on port 0 with a
//! temporary store, read the URL from the status bar, post a Pingara event
//! with curl, read the pane back (request, event type, auth badge), open the
//! help, quit, and check the terminal is restored. Every wait polls the pane
//! with a deadline; nothing sleeps to synchronise.

mod common;
#[path = "support/target.rs"]
mod target;
#[path = "support/tmux.rs"]
mod tmux;

use std::process::Command;
use std::time::{Duration, Instant};

use tmux::*;

const PINGARA_EVENT: &str = r#"{
  "event": "incident.created",
  "timestamp": "2026-11-29T09:59:00.000Z",
  "monitor": {"id": "m_e2e", "name": "API Production", "url": "https://api.example.com/health", "status": "down"},
  "incident": {"id": "inc_e2e", "status": "investigating", "startedAt": "2026-11-29T09:58:55.000Z", "resolvedAt": null}
}"#;

#[test]
fn tui_shows_a_pingara_event_and_restores_the_terminal() {
    if !tmux_available() {
        println!(
            "NOTE: tmux is not installed; skipping the TUI end-to-end test (CI installs tmux)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let script = write_script(dir.path(), "");
    let tmux = start("quit", &script);

    let pane = tmux.wait_for("the status bar with the URL and the empty list", |p| {
        p.contains("captured") && listen_url(p).is_some() && p.contains("Waiting for requests")
    });
    let url = listen_url(&pane).expect("URL in the status bar");

    let posted = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "POST",
        ])
        .args([
            "-H",
            "Content-Type: application/json",
            "-H",
            &format!("X-Pingara-Secret: {SECRET}"),
        ])
        .args(["--data-binary", PINGARA_EVENT, &format!("{url}/pingara")])
        .output()
        .expect("run curl");
    assert_eq!(
        String::from_utf8_lossy(&posted.stdout),
        "200",
        "curl: {}",
        String::from_utf8_lossy(&posted.stderr)
    );

    let pane = tmux.wait_for("the request in the list", |p| {
        p.contains("/pingara") && p.contains("incident.created") && p.contains(" valid ")
    });
    assert!(pane.contains("1 captured"), "status bar counts it:\n{pane}");
    // The row is drawn from the commit's event, the detail from a read a
    // frame or two later.
    tmux.wait_for("the detail explaining the verdict", |p| {
        p.contains("authenticated")
    });
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "1",
        "the TUI runs on the alternate screen"
    );

    tmux.keys("?");
    tmux.wait_for("the help overlay", |p| {
        p.contains("Help") && p.contains("filter the whole store")
    });
    tmux.keys("?");
    tmux.wait_for("the help to close", |p| {
        !p.contains("filter the whole store")
    });

    // E, then Enter on the suggested name: the list as HAR, in the working directory.
    tmux.keys("E");
    tmux.wait_for("the export prompt", |p| p.contains("export to: hookcatch-"));
    tmux.press("Enter");
    tmux.wait_for("the export", |p| {
        p.contains("exported 1 request to hookcatch-")
    });
    let har = std::fs::read_dir(dir.path())
        .expect("read the directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "har"))
        .expect("a .har file");
    let har: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&har).expect("read the HAR")).expect("HAR is JSON");
    assert_eq!(har["log"]["entries"][0]["request"]["method"], "POST");

    tmux.keys("q");
    let pane = wait_for_exit(&tmux, 0);
    assert!(
        !pane.contains("incident.created"),
        "the alternate screen is gone:\n{pane}"
    );
    assert_restored(&tmux, &pane);
}

/// `r` with no forward target and no `replay_to` replays to hookcatch's own
/// listener: the copy arrives as a new request marked as a retry (`↻1`) of
/// the original, which gets a delivery mark (`→200`). `e` hands the terminal
/// to `$EDITOR` (a script here) and takes it back; `m` switches the live
/// response mode in the status bar.
#[test]
fn tui_replays_to_itself_and_marks_the_retry() {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping the TUI replay end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let editor = dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'POST /edited\\ncontent-type: application/json\\n\\n{\"edited\":true}' > \"$1\"\n",
    )
    .expect("write the editor");
    let script = write_script(dir.path(), &format!("EDITOR='sh {}'", editor.display()));
    let tmux = start("replay", &script);
    let pane = tmux.wait_for("the status bar with the URL", |p| {
        p.contains("captured") && listen_url(p).is_some()
    });
    let url = listen_url(&pane).expect("URL in the status bar");
    let posted = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ])
        .args(["-H", "Content-Type: application/json"])
        .args(["-H", &format!("X-Pingara-Secret: {SECRET}")])
        .args(["--data-binary", PINGARA_EVENT, &format!("{url}/pingara")])
        .output()
        .expect("run curl");
    assert_eq!(String::from_utf8_lossy(&posted.stdout), "200");
    tmux.wait_for("the request in the list", |p| p.contains("1 captured"));

    tmux.keys("r");
    let pane = tmux.wait_for("the replayed copy, marked as a retry", |p| {
        p.contains("2 captured") && p.contains("↻1") && p.contains("→200")
    });
    assert!(
        pane.contains(&format!("{url}/pingara")),
        "the Deliveries tab names the target:\n{pane}"
    );

    tmux.keys("e");
    tmux.wait_for("the edited copy and its delivery", |p| {
        p.contains("3 captured")
            && p.contains("2→200")
            && p.lines()
                .any(|l| l.contains(" edited ") && l.contains("/edited"))
    });
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "1",
        "the TUI took the terminal back"
    );

    tmux.keys("m");
    tmux.wait_for("the live mode in the status bar", |p| {
        p.contains("mode: 500")
    });
    let answered = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ])
        .args(["--data-binary", "{}", &format!("{url}/after-m")])
        .output()
        .expect("run curl");
    assert_eq!(
        String::from_utf8_lossy(&answered.stdout),
        "500",
        "the listener answers in the mode the TUI switched to"
    );
    tmux.keys("q");
    wait_for_exit(&tmux, 0);
}

/// `hookcatch replay` from another terminal writes to the same store; the
/// running TUI never hears of it through its own event stream, yet its list
/// mark and Deliveries tab must show the new delivery.
#[test]
fn tui_shows_deliveries_another_process_added() {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping the foreign delivery end-to-end test");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let receiver = runtime.block_on(target::Target::start(target::Behaviour::status(500)));
    let dir = tempfile::tempdir().expect("temp dir");
    let script = write_script(dir.path(), "");
    let tmux = start("foreign", &script);
    let pane = tmux.wait_for("the status bar with the URL", |p| {
        p.contains("captured") && listen_url(p).is_some()
    });
    let url = listen_url(&pane).expect("URL in the status bar");
    let posted = Command::new("curl")
        .args(["-sS", "--max-time", "10", "-o", "/dev/null"])
        .args(["-w", "%{http_code}"])
        .args(["-H", "Content-Type: application/json"])
        .args(["-H", &format!("X-Pingara-Secret: {SECRET}")])
        .args(["--data-binary", PINGARA_EVENT, &format!("{url}/pingara")])
        .output()
        .expect("run curl");
    assert_eq!(String::from_utf8_lossy(&posted.stdout), "200");
    tmux.wait_for("the request in the list", |p| p.contains("1 captured"));
    tmux.keys("6");

    let replayed = common::cli_store(
        dir.path(),
        &dir.path().join("hookcatch.db"),
        &["replay", "1", "--to", &receiver.url],
    );
    assert!(
        String::from_utf8_lossy(&replayed.stdout).contains("500"),
        "replay printed: {}{}",
        common::text(&replayed.stdout),
        common::text(&replayed.stderr)
    );
    tmux.wait_for("the list mark and the Deliveries tab", |p| {
        p.lines()
            .any(|l| l.contains("POST   /pingara") && l.contains("→500"))
            && p.lines()
                .any(|l| l.contains(" replay ") && l.contains(&receiver.url))
    });
    tmux.keys("q");
    wait_for_exit(&tmux, 0);
}

/// `Y` opens the copy menu; a choice copies (OSC 52) and says so.
#[test]
fn tui_copy_menu_reports_the_copy() {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping the copy menu end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let script = write_script(dir.path(), "");
    let tmux = start("copy", &script);
    let pane = tmux.wait_for("the status bar with the URL", |p| {
        p.contains("captured") && listen_url(p).is_some()
    });
    let url = listen_url(&pane).expect("URL in the status bar");
    let posted = Command::new("curl")
        .args(["-sS", "--max-time", "10", "-o", "/dev/null"])
        .args(["-w", "%{http_code}"])
        .args(["-H", "Content-Type: application/json"])
        .args(["--data-binary", PINGARA_EVENT, &format!("{url}/pingara")])
        .output()
        .expect("run curl");
    assert_eq!(String::from_utf8_lossy(&posted.stdout), "200");
    tmux.wait_for("the request in the list", |p| p.contains("1 captured"));
    tmux.keys("Y");
    tmux.wait_for("the copy menu", |p| {
        p.contains("Copy #1") && p.contains("HTTPie command")
    });
    tmux.keys("i");
    tmux.wait_for("the copy in the status line", |p| {
        p.contains("copied #1 as an HTTPie command") && !p.contains("Copy #1")
    });
    tmux.keys("q");
    wait_for_exit(&tmux, 0);
}

/// A panic of the UI thread must not leave the user's terminal in raw mode
/// on the alternate screen: the panic hook restores it before the message
/// is printed, so the message is readable. The panic comes from the debug
/// build's fault injection (F12 with `HOOKCATCH_TEST_PANIC_KEY`).
#[test]
fn tui_restores_the_terminal_after_a_panic() {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping the TUI panic end-to-end test");
        return;
    }
    if !cfg!(debug_assertions) {
        println!("NOTE: release build has no fault injection; skipping the TUI panic test");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let script = write_script(dir.path(), "HOOKCATCH_TEST_PANIC_KEY=1");
    let tmux = start("panic", &script);
    wait_for_tui(&tmux);

    tmux.press("F12");
    let pane = wait_for_exit(&tmux, 101); // Rust's exit status after a panic
    assert!(
        pane.contains("deliberate panic"),
        "the panic message is readable on the normal screen:\n{pane}"
    );
    assert_restored(&tmux, &pane);
}

/// SIGTERM (a service manager, `kill`, a closing terminal emulator) stops
/// the TUI like `q`: exit 0 and the terminal restored.
#[test]
fn tui_restores_the_terminal_on_sigterm() {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping the TUI SIGTERM end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let script = write_script(dir.path(), "");
    let tmux = start("sigterm", &script);
    wait_for_tui(&tmux);

    let pid = hookcatch_pid(&tmux);
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success(), "kill -TERM {pid}");
    let pane = wait_for_exit(&tmux, 0);
    assert_restored(&tmux, &pane);
}

/// A filter typed in one run is there on ↑ in the next, like a shell's
/// history (kept in the data directory, here the test's own).
#[test]
fn tui_remembers_filters_across_runs() {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping the TUI history end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let script = write_script(dir.path(), "");
    let first = start("history-1", &script);
    wait_for_tui(&first);
    first.keys("/");
    first.keys("method:DELETE");
    first.press("Enter");
    first.wait_for("the filter applied", |p| p.contains("method:DELETE"));
    first.keys("q");
    wait_for_exit(&first, 0);
    drop(first);
    let saved = std::fs::read_to_string(dir.path().join("data/hookcatch/prompt-history"))
        .expect("the history file");
    assert_eq!(saved, "filter method:DELETE\n");

    let second = start("history-2", &script);
    wait_for_tui(&second);
    second.keys("/");
    second.press("Up");
    second.wait_for("the filter from the first run", |p| {
        p.contains("method:DELETE")
    });
}

/// The quit may wait the grace period (5 s), never the body timeout (30 s).
const STOP_BOUND: Duration = Duration::from_secs(10);

/// The TUI in tmux with a client stalled mid-body, then `q`. `None` (a
/// note printed) where tmux is missing.
fn quit_with_a_stalled_client(
    name: &str,
) -> Option<(tempfile::TempDir, Tmux, std::net::TcpStream)> {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping (CI installs tmux)");
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = start(name, &write_script(dir.path(), ""));
    let pane = tmux.wait_for("the URL in the status bar", |p| listen_url(p).is_some());
    let url = listen_url(&pane).expect("URL in the status bar");
    let stalled = common::stalled_request(url.trim_start_matches("http://"));
    tmux.press("q");
    Some((dir, tmux, stalled))
}

/// `q` with a client stalled mid-body: the TUI closes, the terminal says
/// what is awaited, and hookcatch exits after the grace period, not the body
/// timeout.
#[test]
fn quitting_does_not_wait_for_a_stalled_client() {
    let Some((_dir, tmux, _stalled)) = quit_with_a_stalled_client("stalled") else {
        return;
    };
    // The script prints the tty state right after the exit status.
    let pane = tmux.wait_within("the exit", STOP_BOUND, |p| p.contains("tty: "));
    assert!(pane.contains("hookcatch exited with 0"), "{pane}");
    assert!(
        pane.contains("for 1 request in flight (Ctrl-C to stop now)"),
        "{pane}"
    );
    assert_restored(&tmux, &pane);
}

/// After `q`, Ctrl-C (the terminal is cooked again: a real SIGINT) stops
/// the wait at once: exit 130.
#[test]
fn ctrl_c_after_quitting_stops_at_once() {
    let Some((_dir, tmux, _stalled)) = quit_with_a_stalled_client("forced") else {
        return;
    };
    tmux.wait_for("the waiting line", |p| p.contains("waiting up to"));
    tmux.press("C-c");
    // Well under the 5 s grace period.
    let pane = tmux.wait_within("the exit", Duration::from_secs(3), |p| {
        p.contains("hookcatch exited with")
    });
    assert!(pane.contains("hookcatch exited with 130"), "{pane}");
}

/// The verdict is the one stored at arrival: a request a listener with the
/// secret judged `valid` reads `valid` in a TUI started without any secret
/// (which would judge it `unconfigured`); `A` shows that second opinion
/// beside the stored verdict on the Auth tab, labelled.
#[test]
fn tui_without_the_secret_shows_the_verdict_stored_at_arrival() {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping the TUI stored-verdict test");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let listener = common::Hookcatch::start(dir.path(), &["--secret", SECRET]);
    let posted = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ])
        .args(["-H", "Content-Type: application/json"])
        .args(["-H", &format!("X-Pingara-Secret: {SECRET}")])
        .args(["--data-binary", PINGARA_EVENT])
        .arg(format!("{}/pingara", listener.url))
        .output()
        .expect("run curl");
    assert_eq!(String::from_utf8_lossy(&posted.stdout), "200");
    assert_eq!(listener.next_json()["auth"]["verdict"], "valid");
    listener.stop();

    // The same store, in a TUI that has no secret (an empty variable is unset).
    let script = write_script(dir.path(), "HOOKCATCH_SECRET=''");
    let tmux = start("stored-verdict", &script);
    let pane = tmux.wait_for("the stored request with its verdict", |p| {
        p.contains("/pingara") && p.contains("incident.created") && p.contains(" valid ")
    });
    assert!(!pane.contains("unconf"), "judged again:\n{pane}");
    tmux.keys("4");
    tmux.wait_for("the Auth tab", |p| {
        p.contains("at arrival, with the listener's secrets")
    });
    tmux.keys("A");
    let pane = tmux.wait_for("the recheck", |p| p.contains("current secrets, not stored"));
    let recheck = pane
        .lines()
        .find(|l| l.contains("current secrets, not stored"))
        .unwrap_or_default();
    assert!(recheck.contains(" unconf "), "{pane}");
    assert!(
        pane.lines()
            .any(|l| l.contains("verdict") && l.contains(" valid ")),
        "the stored verdict stays:\n{pane}"
    );
    tmux.keys("q");
    wait_for_exit(&tmux, 0);
}

/// `HOOKCATCH_BELL=1` (`--bell`): a captured request rings the terminal's
/// bell, which tmux records on the (detached) window; nothing rings before.
#[test]
fn tui_rings_the_bell_when_a_request_arrives() {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping the TUI bell test");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let script = write_script(dir.path(), "HOOKCATCH_BELL=1");
    let tmux = start("bell", &script);
    let pane = tmux.wait_for("the status bar with the URL", |p| {
        p.contains("Waiting for requests") && listen_url(p).is_some()
    });
    assert_eq!(tmux.display("#{window_bell_flag}"), "0", "quiet at start");
    let url = listen_url(&pane).expect("URL in the status bar");
    let posted = Command::new("curl")
        .args(["-sS", "--max-time", "10", "-o", "/dev/null"])
        .args(["-w", "%{http_code}", "--data-binary", "{}"])
        .arg(format!("{url}/ding"))
        .output()
        .expect("run curl");
    assert_eq!(String::from_utf8_lossy(&posted.stdout), "200");
    tmux.wait_for("the request in the list", |p| p.contains("/ding"));
    let deadline = Instant::now() + WAIT;
    while tmux.display("#{window_bell_flag}") != "1" {
        assert!(Instant::now() < deadline, "no bell:\n{}", tmux.pane());
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.keys("q");
    wait_for_exit(&tmux, 0);
}
