//! End to end in tmux, the TUI acting on the live listener and the store:
//! the custom answer (`M`) the next requests get, the `refused N` counter
//! for requests hyper refused, `T`'s history across runs, and deletes made
//! by another process. The harness is `support/tmux.rs`.

mod common;
#[path = "support/tmux.rs"]
mod tmux;

use std::process::Command;

use tmux::*;

/// POST `body` to `url` with curl; its status line and headers, then the body.
fn post(url: &str, body: &str) -> String {
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "10", "-i", "--data-binary", body, url])
        .output()
        .expect("run curl");
    assert!(
        out.status.success(),
        "curl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `M`, a status, a header and a body, Enter: the listener answers the
/// next request with them, the status bar says so, and `^x` turns it off.
#[test]
fn tui_custom_answer_is_given_to_the_next_requests() {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping the custom answer end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let script = write_script(dir.path(), "");
    let tmux = start("custom", &script);
    wait_for_tui(&tmux);
    let url = listen_url(&tmux.pane()).expect("URL in the status bar");

    tmux.keys("M");
    tmux.wait_for("the form", |p| {
        p.contains("Custom answer for the next requests")
    });
    tmux.press("C-u");
    tmux.keys("418");
    tmux.press("Down");
    tmux.keys("X-Teapot: short and stout");
    for _ in 0..3 {
        tmux.press("Down");
    }
    tmux.keys(r#"{"brewing":false}"#);
    tmux.press("Enter");
    tmux.wait_for("the status bar to show it", |p| {
        p.contains("answer: custom 418") && !p.contains("Custom answer for")
    });

    let answer = post(&format!("{url}/pingara-webhook"), "{}");
    assert!(answer.starts_with("HTTP/1.1 418"), "{answer}");
    assert!(answer.contains("x-teapot: short and stout"), "{answer}");
    assert!(
        answer.contains("content-type: application/json"),
        "{answer}"
    );
    assert!(answer.ends_with(r#"{"brewing":false}"#), "{answer}");
    tmux.wait_for("the request answered 418 in the list", |p| {
        p.contains("1 captured") && p.contains(" 418 ")
    });

    tmux.keys("M");
    tmux.wait_for("the form again", |p| {
        p.contains("Custom answer for the next requests")
    });
    tmux.press("C-x");
    tmux.wait_for("the custom answer off", |p| {
        p.contains("custom answer off") && !p.contains("answer: custom")
    });
    let answer = post(&format!("{url}/pingara-webhook"), "{}");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    tmux.keys("q");
    wait_for_exit(&tmux, 0);
}

/// `hookcatch delete` in another terminal: the TUI drops the request from
/// its list (its own event stream never hears of that commit).
#[test]
fn tui_drops_requests_another_process_deleted() {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping the foreign delete end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = start("deleted", &write_script(dir.path(), ""));
    wait_for_tui(&tmux);
    let url = listen_url(&tmux.pane()).expect("URL in the status bar");
    for path in ["/first-hook", "/second-hook", "/third-hook"] {
        assert!(post(&format!("{url}{path}"), "{}").starts_with("HTTP/1.1 200"));
    }
    tmux.wait_for("three requests listed", |p| {
        p.contains("3 captured") && p.contains("/second-hook")
    });

    let deleted = common::cli_store(
        dir.path(),
        &dir.path().join("hookcatch.db"),
        &["delete", "2"],
    );
    assert!(
        deleted.status.success(),
        "delete: {}",
        common::text(&deleted.stderr)
    );
    tmux.wait_for("the deleted request gone from the list", |p| {
        p.contains("2 captured") && !p.contains("/second-hook") && p.contains("/third-hook")
    });
    tmux.keys("q");
    wait_for_exit(&tmux, 0);
}

/// A request hyper refuses as malformed (its own 400, no request for the
/// list) is counted in the status bar: `refused 1`, then `refused 2`.
#[test]
fn tui_counts_requests_hyper_refused() {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping the refused counter end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let tmux = start("refused", &write_script(dir.path(), ""));
    wait_for_tui(&tmux);
    let url = listen_url(&tmux.pane()).expect("URL in the status bar");
    let addr = url.trim_start_matches("http://");
    let pane = tmux.pane();
    let status_bar = pane.lines().next().unwrap_or_default();
    assert!(!status_bar.contains("refused"), "none yet: {status_bar}");

    let answer = common::raw_exchange(addr, b"GARBAGE\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    tmux.wait_for("refused 1 in the status bar", |p| {
        p.lines().next().is_some_and(|l| l.contains("refused 1"))
    });
    let answer = common::raw_exchange(addr, b"POST /x HTTP/1.1\r\nHost x\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer:?}");
    let pane = tmux.wait_for("refused 2 in the status bar", |p| {
        p.lines().next().is_some_and(|l| l.contains("refused 2"))
    });
    assert!(pane.contains("0 captured"), "nothing was captured:\n{pane}");
    tmux.keys("q");
    wait_for_exit(&tmux, 0);
}

/// `T`'s URLs outlive the session: kept in the store, `↑` recalls them in
/// the next run on the same store.
#[test]
fn tui_remembers_replay_targets_across_runs() {
    if !tmux_available() {
        println!("NOTE: tmux is not installed; skipping the T history end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let script = write_script(dir.path(), "");
    let first = start("targets-1", &script);
    wait_for_tui(&first);
    let url = listen_url(&first.pane()).expect("URL in the status bar");
    assert!(post(&format!("{url}/pingara-webhook"), "{}").starts_with("HTTP/1.1 200"));
    first.wait_for("the request", |p| p.contains("1 captured"));
    first.keys("T");
    first.keys(&format!("{url}/kept/receiver"));
    first.press("Enter");
    first.wait_for("the replay", |p| {
        p.contains("2 captured") && p.contains("/kept/receiver")
    });
    first.keys("q");
    wait_for_exit(&first, 0);
    drop(first);

    let second = start("targets-2", &script);
    second.wait_for("the TUI with the stored requests", |p| {
        p.contains("2 captured")
    });
    second.keys("T");
    second.press("Up");
    let wanted = format!("{url}/kept/receiver");
    second.wait_for("the URL from the first run in the prompt", |p| {
        let prompt = p.lines().rfind(|l| !l.trim().is_empty());
        prompt.is_some_and(|l| l.contains(&wanted))
    });
}
