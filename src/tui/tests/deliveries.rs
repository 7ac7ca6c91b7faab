//! Replay from the keyboard, without a network: key -> action -> state for
//! `r`, `R` + `c`, `e` and `m`, the Deliveries tab loading and refreshing,
//! picking and diffing deliveries, and snapshots of the tab, the diff, a
//! ladder countdown and the status bar (fixed clock).

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use crossterm::event::KeyCode;
use tokio_util::sync::CancellationToken;

use super::fixtures::{add_delivery, add_delivery_of, fixed_handler, harness, mixed, now, store};
use super::snapshots::snap;
use crate::capture::{Mode, ResponseMode};
use crate::replay::ladder::{LadderEvent, LadderOutcome, Step};
use crate::store::{DeliveryKind, StoreEvent};
use crate::tui::app::{Focus, Tab};
use crate::tui::delivery_data::Change;
use crate::tui::inbox::{EditEnd, Msg, SendCmd, Sent};

fn message(h: &crate::tui::testkit::Harness) -> String {
    h.app
        .message
        .as_ref()
        .map_or(String::new(), |m| m.text.clone())
}

#[test]
fn r_asks_for_a_replay_and_reports_it() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('r'));
    assert_eq!(h.sent, [SendCmd::Replay(1)]);
    assert!(!h.app.list.follow, "stays on the replayed request");
    assert_eq!(h.app.detail.tab, Tab::Deliveries);
    assert_eq!(h.app.sending(1), 1);
    assert!(message(&h).contains("replaying #1 to http://127.0.0.1:9797"));
    assert!(h.screen().contains("sending"));
    h.app.handle(Msg::Sent {
        id: 1,
        kind: DeliveryKind::Replay,
        result: Ok(Sent {
            label: "503".into(),
            success: false,
            latency_ms: 4.25,
            target: "http://127.0.0.1:9797/pingara".into(),
        }),
    });
    assert_eq!(h.app.sending(1), 0);
    let m = h.app.message.clone().unwrap();
    assert!(m.error && m.text.contains("503 in 4.2 ms"), "{m:?}");
    h.app.handle(Msg::Sent {
        id: 1,
        kind: DeliveryKind::Replay,
        result: Err("cannot replay: its body was not captured whole".into()),
    });
    assert!(message(&h).contains("replay of #1 failed: cannot replay"));
}

#[test]
fn e_asks_for_an_edit_and_reports_how_it_ended() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('e'));
    assert_eq!(h.sent, [SendCmd::Edit(5)]);
    h.app.handle(Msg::Edit(EditEnd::Unchanged(5)));
    assert_eq!(message(&h), "#5 was not changed: nothing sent");
    h.app.handle(Msg::Edit(EditEnd::Invalid(
        "#5: line 3: expected `Name: value`\x1b[2J; nothing sent".into(),
    )));
    let m = h.app.message.clone().unwrap();
    assert!(m.error && m.text.contains("line 3") && !m.text.contains('\x1b'));
    h.app.handle(Msg::Edit(EditEnd::Sending(5)));
    assert_eq!(h.app.sending(5), 1);
}

fn step(attempt: u32, label: &str) -> LadderEvent {
    LadderEvent::Attempted(Step {
        attempt,
        success: label == "200",
        label: label.into(),
        latency_ms: 1.0,
        delivery_id: None,
    })
}

#[test]
fn ladder_counts_down_and_c_cancels() {
    for (w, hgt) in [(80, 24), (160, 48)] {
        let (_dir, location) = store(mixed());
        let mut h = harness(&location, w, hgt);
        h.key(KeyCode::Char('g'));
        h.key(KeyCode::Char('R'));
        assert_eq!(h.sent, [SendCmd::Ladder(1)]);
        assert!(message(&h).contains("waits 30s, 2m, 10m, 30m"));
        let cancel = CancellationToken::new();
        h.app.handle(Msg::LadderStarted {
            id: 1,
            cancel: cancel.clone(),
        });
        // The two attempts as the replayer stores them.
        let mut last = 0;
        for age in [31, 8] {
            last = add_delivery_of(
                &location,
                DeliveryKind::Ladder,
                1,
                age,
                Some(500),
                r#"{"error":"handler crashed"}"#,
            );
        }
        h.notice(StoreEvent::DeliveryAdded {
            request: 1,
            delivery: last,
        });
        for event in [
            LadderEvent::Sending { attempt: 1 },
            step(1, "500"),
            LadderEvent::Waiting {
                attempt: 2,
                delay: Duration::from_secs(30),
                next_at: now() - TimeDelta::seconds(1),
            },
            LadderEvent::Sending { attempt: 2 },
            step(2, "500"),
            LadderEvent::Waiting {
                attempt: 3,
                delay: Duration::from_secs(120),
                next_at: now() + TimeDelta::seconds(112),
            },
        ] {
            h.app.handle(Msg::Ladder { id: 1, event });
        }
        let ladder = h.app.ladder(1).unwrap();
        assert_eq!(
            ladder.describe(now()),
            "attempt 2 failed (500) · next in 1m 52s"
        );
        snap(&format!("ladder_countdown_{w}x{hgt}"), &mut h);
        // The clock moves: so does the countdown.
        h.app.now = now() + TimeDelta::seconds(60);
        assert!(h.screen().contains("next in 52s"));
        h.key(KeyCode::Char('R'));
        assert_eq!(h.sent.len(), 1, "one ladder per request at a time");
        assert!(message(&h).contains("already runs"));
        h.key(KeyCode::Char('c'));
        assert!(cancel.is_cancelled());
        assert_eq!(h.app.ladder(1).unwrap().describe(now()), "cancelling…");
        h.app.handle(Msg::Ladder {
            id: 1,
            event: LadderEvent::Finished(LadderOutcome::Cancelled { attempts: 2 }),
        });
        assert!(!h.app.ladder(1).unwrap().running());
        assert!(h.screen().contains("cancelled after 2 attempt(s)"));
        h.key(KeyCode::Char('c'));
        assert_eq!(message(&h), "no retry ladder is running");
    }
}

#[test]
fn m_cycles_the_live_mode_shared_with_the_listener() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    let shared = Arc::new(ResponseMode::default());
    h.app.set_response_mode(shared.clone());
    let mut seen = Vec::new();
    for _ in 0..6 {
        h.key(KeyCode::Char('m'));
        assert_eq!(shared.get(), h.app.mode, "the listener sees it at once");
        seen.push(h.app.mode.label());
    }
    assert_eq!(seen, ["500", "401", "429", "slow", "drop", "normal"]);
    h.keys("mmm");
    assert_eq!(shared.get(), Mode::TooManyRequests);
    assert!(message(&h).contains("Retry-After: 30"));
    h.app.set_replay(
        "http://localhost:3000",
        1.0,
        Some("http://localhost:3000\x1b[2J"),
    );
    h.app.message = None;
    snap("status_mode_forward_160x48", &mut h);
    let buffer = h.terminal.backend().buffer().clone();
    let top = crate::tui::testkit::buffer_text(&buffer)
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(top.contains("mode: 429") && top.contains("forward → http://localhost:3000\\x1b[2J"));
    let col = top.find("429").map(|b| top[..b].chars().count()).unwrap();
    assert_eq!(
        buffer[(col as u16, 0)].fg,
        h.app.theme.warning().fg.unwrap(),
        "a mode that is not normal stands out"
    );
}

#[test]
fn deliveries_load_with_the_detail_and_refresh_on_updates() {
    let (_dir, location) = store(mixed());
    let (failed, passed) = fixed_handler(&location);
    let mut h = harness(&location, 160, 48);
    let mark = h.app.list.rows[&1].delivered.unwrap();
    assert_eq!((mark.count, mark.last_label()), (2, "200".to_string()));
    assert!(h.app.list.rows[&2].delivered.is_none());
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('6'));
    let ids: Vec<i64> = h.app.detail.delivery_lines().iter().map(|l| l.id).collect();
    assert_eq!(ids, [failed, passed], "oldest first");
    assert_eq!(h.app.detail.picked().map(|l| l.id), Some(passed));
    let answer = h.app.detail.response().expect("the newest answer is read");
    assert_eq!(answer.kind, "json");
    // Another attempt is stored: the tab and the list mark follow.
    let refused = add_delivery(&location, 1, 5, None, "");
    h.notice(StoreEvent::DeliveryAdded {
        request: 1,
        delivery: refused,
    });
    assert_eq!(h.app.detail.delivery_lines().len(), 3);
    assert_eq!(h.app.detail.picked().map(|l| l.id), Some(refused));
    let mark = h.app.list.rows[&1].delivered.unwrap();
    assert_eq!((mark.count, mark.last_label()), (3, "refused".to_string()));
    let screen = h.screen();
    assert!(
        screen.contains("connection refused (127.0.0.1:3000)"),
        "{screen}"
    );
    assert!(screen.contains("3→refused"), "the list marks it: {screen}");
    // Pick the 200 and diff it with the one before.
    h.key(KeyCode::Tab);
    assert_eq!(h.app.focus, Focus::Detail);
    h.key(KeyCode::Char('k'));
    assert_eq!(h.app.detail.picked().map(|l| l.id), Some(passed));
    assert_eq!(h.app.detail.response().map(|r| r.delivery), Some(passed));
    h.key(KeyCode::Char('d'));
    let diff = h.app.detail.diff_doc().expect("the diff is read");
    assert_eq!((diff.before, diff.after), (failed, passed));
    assert_eq!(diff.status, Some(("500".into(), "200".into())));
    assert!(
        diff.body
            .contains(&(Change::Added, "  \"ok\": true,".into()))
    );
    // Space marks the other side: the refused attempt against the 200.
    h.key(KeyCode::Char('d'));
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('d'));
    let diff = h.app.detail.diff_doc().unwrap();
    assert_eq!((diff.before, diff.after), (passed, refused));
    assert_eq!(diff.status, Some(("200".into(), "refused".into())));
    // Another request: the tab starts over.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('j'));
    assert!(h.app.detail.delivery_lines().is_empty());
    assert!(!h.app.detail.deliveries.diff);
}

#[test]
fn deliveries_tab_and_diff_snapshots() {
    for (w, hgt) in [(80, 24), (160, 48)] {
        let (_dir, location) = store(mixed());
        fixed_handler(&location);
        let mut h = harness(&location, w, hgt);
        h.key(KeyCode::Char('g'));
        h.key(KeyCode::Char('6'));
        snap(&format!("deliveries_two_{w}x{hgt}"), &mut h);
        h.key(KeyCode::Char('d'));
        snap(&format!("deliveries_diff_{w}x{hgt}"), &mut h);
    }
}

#[test]
fn the_answer_body_is_highlighted_like_a_request_body() {
    let (_dir, location) = store(mixed());
    fixed_handler(&location);
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('6'));
    h.screen();
    let cache = h.app.detail.highlight.as_ref().expect("a highlight cache");
    assert_eq!(cache.doc.delivery, h.app.detail.picked().map(|l| l.id));
    let line = cache.line(1).expect("highlighted");
    assert!(line.spans.len() > 2, "coloured spans: {line:?}");
}

#[test]
fn keys_need_a_selection() {
    let (_dir, location) = store(Vec::new());
    let mut h = harness(&location, 80, 24);
    for key in ['r', 'R', 'e'] {
        h.key(KeyCode::Char(key));
        assert_eq!(message(&h), "nothing selected");
    }
    assert!(h.sent.is_empty());
    h.key(KeyCode::Char('d'));
    assert!(!h.app.detail.deliveries.diff);
}

#[test]
fn the_deliveries_tab_masks_query_secrets_until_v() {
    let (_dir, location) = store(mixed());
    super::fixtures::add_delivery_to(
        &location,
        DeliveryKind::Replay,
        1,
        30,
        Some(200),
        "{}",
        "http://127.0.0.1:18002/in?token=SUPERSECRET&x=1",
    );
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('6'));
    snap("deliveries_masked_160x48", &mut h);
    let screen = h.screen();
    assert!(!screen.contains("SUPERSECRET"), "{screen}");
    assert!(screen.contains("POST /in?token=••••&x=1"), "{screen}");
    assert!(screen.contains("18002/in?token=••••"), "{screen}");
    h.key(KeyCode::Char('v'));
    let screen = h.screen();
    assert!(
        screen.contains("POST /in?token=SUPERSECRET&x=1"),
        "{screen}"
    );
    assert!(screen.contains("18002/in?token=SUPER"), "{screen}");
    h.key(KeyCode::Char('v'));
    assert!(!h.screen().contains("SUPERSECRET"));
}

/// An answer shown as hex fits the pane like a request body's hex does: at
/// 160 columns (the detail beside the list) eight bytes a row, the ASCII
/// column whole.
#[test]
fn a_hex_answer_fits_the_pane_like_the_body_tab() {
    let (_dir, location) = store(mixed());
    let bytes: String = (0u8..64).map(char::from).collect();
    super::fixtures::add_delivery_to(
        &location,
        DeliveryKind::Replay,
        1,
        30,
        Some(200),
        &bytes,
        "http://127.0.0.1:3000/pingara",
    );
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('6'));
    let screen = h.screen();
    assert!(
        screen.contains("00000030  30 31 32 33 34 35 36 37  |01234567|"),
        "{screen}"
    );
    assert!(screen.contains("|89:;<=>?|"), "{screen}");
    snap("deliveries_hex_answer_160x48", &mut h);
}
