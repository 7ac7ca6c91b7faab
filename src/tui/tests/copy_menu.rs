//! `Y`: the copy menu. Each choice puts one form of the selected request on
//! the clipboard (OSC 52, through the outbox) and says so; `y` stays curl.

use crossterm::event::KeyCode;

use super::fixtures::{SECRET, harness, pingara, store};
use super::snapshots::snap;
use crate::tui::app::Overlay;

fn message(h: &crate::tui::testkit::Harness) -> String {
    h.app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn y_is_curl_and_the_menu_offers_six_forms() {
    let (_dir, location) = store(vec![(pingara(SECRET), 5, 200)]);
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('y'));
    let curl = h.copied.pop().expect("y copies");
    assert!(curl.contains("curl -q -sS"), "{curl}");
    assert!(message(&h).contains("as a curl command"));

    h.key(KeyCode::Char('Y'));
    assert_eq!(h.app.overlay, Overlay::CopyMenu);
    assert!(h.copied.is_empty());
    snap("copy_menu_160x48", &mut h);

    h.key(KeyCode::Esc);
    assert_eq!(h.app.overlay, Overlay::None);
    assert!(h.copied.is_empty(), "Esc copies nothing");

    let cases = [
        ('u', "http://127.0.0.1:9797/pingara", "'s URL"),
        ('b', super::fixtures::PINGARA_BODY, "'s body"),
        ('c', curl.as_str(), "as a curl command"),
    ];
    for (key, copied, said) in cases {
        h.key(KeyCode::Char('Y'));
        h.key(KeyCode::Char(key));
        assert_eq!(h.copied.pop().as_deref(), Some(copied), "Y {key}");
        assert!(message(&h).contains(said), "Y {key}: {}", message(&h));
        assert_eq!(h.app.overlay, Overlay::None);
    }

    h.key(KeyCode::Char('Y'));
    h.key(KeyCode::Char('3'));
    let headers = h.copied.pop().unwrap();
    assert!(
        headers.contains(&format!("x-pingara-secret: {SECRET}\n")),
        "secrets copied as captured, as y does: {headers}"
    );

    h.key(KeyCode::Char('Y'));
    h.key(KeyCode::Char('w'));
    let raw = h.copied.pop().unwrap();
    assert!(
        raw.starts_with("printf 'POST /pingara HTTP/1.1\\015\n"),
        "{raw}"
    );

    h.key(KeyCode::Char('Y'));
    h.key(KeyCode::Char('i'));
    let httpie = h.copied.pop().unwrap();
    assert!(
        httpie.contains("http -- 'POST' 'http://127.0.0.1:9797/pingara'"),
        "{httpie}"
    );
    assert!(message(&h).contains("as an HTTPie command"));
}

#[test]
fn the_menu_needs_a_request() {
    let (_dir, location) = store(vec![]);
    let mut h = harness(&location, 80, 24);
    h.key(KeyCode::Char('Y'));
    assert_eq!(h.app.overlay, Overlay::None);
    assert!(message(&h).contains("nothing to copy"));
}

#[test]
fn a_binary_body_is_not_copied_as_text() {
    let (_dir, location) = store(vec![(super::fixtures::binary(), 5, 200)]);
    let mut h = harness(&location, 80, 24);
    h.key(KeyCode::Char('Y'));
    h.key(KeyCode::Char('b'));
    assert!(h.copied.is_empty());
    assert!(message(&h).contains("not text"), "{}", message(&h));
}

/// `y` aims where `r` replays (the default target), by the one target rule.
#[test]
fn y_and_r_agree_on_the_target() {
    let (_dir, location) = store(vec![(pingara(SECRET), 5, 200)]);
    let mut h = harness(&location, 80, 24);
    h.app.set_replay("http://127.0.0.1:3000/in?x=1", 1.0, None);
    h.key(KeyCode::Char('y'));
    let curl = h.copied.pop().unwrap();
    assert!(
        curl.contains("--request-target '/in?x=1' 'http://127.0.0.1:3000'"),
        "a target with a path is used as given: {curl}"
    );
    h.app.set_replay("http://127.0.0.1:3000", 1.0, None);
    h.key(KeyCode::Char('y'));
    let curl = h.copied.pop().unwrap();
    assert!(
        curl.contains("--request-target '/pingara' 'http://127.0.0.1:3000'"),
        "without a path, the request's own: {curl}"
    );
    h.key(KeyCode::Char('Y'));
    h.key(KeyCode::Char('u'));
    assert_eq!(
        h.copied.pop().as_deref(),
        Some("http://127.0.0.1:3000/pingara")
    );
}
