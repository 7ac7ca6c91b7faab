//! `M`: the live custom answer. The form checks what was typed, hands the
//! answer to the listener's shared cell (what the request path reads), the
//! status bar says it is in force, and `^x` turns it off.

use crossterm::event::{KeyCode, KeyModifiers};

use super::fixtures::{SECRET, harness, pingara, store};
use super::snapshots::snap;
use crate::capture::Mode;

/// Clear the field the cursor is in (Ctrl-U), then type `text`.
fn retype(h: &mut crate::tui::testkit::Harness, text: &str) {
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.keys(text);
}

#[test]
fn the_form_sets_checks_and_turns_off_the_custom_answer() {
    let (_dir, location) = store(vec![(pingara(SECRET), 5, 200)]);
    let mut h = harness(&location, 160, 48);
    let shared = h.app.response_mode.clone();
    h.key(KeyCode::Char('m'));
    assert_eq!(h.app.mode, Mode::ServerError);

    h.key(KeyCode::Char('M'));
    retype(&mut h, "100");
    h.key(KeyCode::Down);
    h.keys("X-Teapot: short and stout");
    h.key(KeyCode::Tab);
    h.keys("Transfer-Encoding: chunked");
    h.key(KeyCode::Enter);
    assert!(h.app.answer_form.is_some(), "refused: the form stays open");
    assert!(shared.custom().is_none(), "nothing reached the listener");
    snap("custom_answer_refused_160x48", &mut h);

    h.key(KeyCode::Up);
    h.key(KeyCode::Up);
    retype(&mut h, "418");
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    retype(&mut h, "");
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    h.keys(r#"{"brewing":false}"#);
    h.key(KeyCode::Enter);
    assert!(h.app.answer_form.is_none());
    let answer = shared.custom().expect("the listener's cell holds it");
    assert_eq!(answer.status, 418);
    assert_eq!(answer.body, br#"{"brewing":false}"#);
    assert_eq!(
        answer.headers,
        [
            ("content-type".to_string(), "application/json".to_string()),
            ("X-Teapot".to_string(), "short and stout".to_string()),
        ]
    );
    assert_eq!(shared.get(), Mode::Normal, "mode 500 would answer first");
    snap("custom_answer_on_160x48", &mut h);

    // It opens again with what was applied; Esc changes nothing.
    h.key(KeyCode::Char('M'));
    assert_eq!(h.app.answer_form.as_ref().unwrap().fields[0].text, "418");
    h.key(KeyCode::Esc);
    assert_eq!(shared.custom().map(|a| a.status), Some(418));

    h.key(KeyCode::Char('M'));
    h.press_with(KeyCode::Char('x'), KeyModifiers::CONTROL);
    h.pump();
    assert!(shared.custom().is_none(), "turned off for the listener");
    assert!(h.app.answer_form.is_none());
    let screen = h.screen();
    assert!(!screen.contains("custom 418"), "{screen}");
    assert!(screen.contains("custom answer off"), "{screen}");
}
