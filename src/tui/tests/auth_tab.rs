//! The Auth and Event tabs tell a generic sender apart from a documented
//! one, name the credential a `missing` verdict expected, and show what was
//! presented as received once `v` reveals it.

use crossterm::event::KeyCode;

use super::fixtures::{SECRET, harness, hostile, pingara, store};
use super::snapshots::snap;
use crate::model::{CapturedRequest, HeaderField};

/// JSON with an event field and no credential: no provider claims it.
fn generic_without_credentials() -> CapturedRequest {
    CapturedRequest::new(
        "POST",
        "/hooks/orders",
        vec![HeaderField::new(
            "content-type",
            b"application/json".to_vec(),
        )],
        br#"{"event":"order.paid","order":{"id":"ord_1"}}"#.to_vec(),
    )
}

#[test]
fn a_generic_sender_without_a_credential_is_told_what_was_expected() {
    let (_dir, location) = store(vec![(generic_without_credentials(), 5, 200)]);
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('4'));
    let screen = h.screen();
    assert!(
        screen.contains("expected X-Pingara-Secret (configured by --secret)"),
        "{screen}"
    );
    assert!(screen.contains("none presented"), "{screen}");
    assert!(!screen.contains("nothing configured"), "{screen}");
    snap("generic_missing_auth_160x48", &mut h);

    h.key(KeyCode::Char('5'));
    let screen = h.screen();
    assert!(screen.contains("order.paid"), "{screen}");
    assert!(
        !screen.contains("matches what the sender documents"),
        "{screen}"
    );
    snap("generic_event_160x48", &mut h);
}

#[test]
fn v_reveals_what_was_presented_on_the_auth_tab() {
    let (_dir, location) = store(vec![(pingara(SECRET), 5, 200)]);
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('4'));
    let screen = h.screen();
    assert!(!screen.contains(SECRET), "{screen}");
    assert!(screen.contains("v reveals the values"), "{screen}");
    h.key(KeyCode::Char('v'));
    let screen = h.screen();
    assert!(
        screen.contains(&format!("x-pingara-secret: {SECRET}")),
        "{screen}"
    );
    snap("pingara_auth_revealed_160x48", &mut h);
    h.key(KeyCode::Char('v'));
    assert!(!h.screen().contains(SECRET));
}

#[test]
fn revealed_hostile_credentials_stay_escaped() {
    let (_dir, location) = store(vec![(hostile(), 5, 200)]);
    let mut h = harness(&location, 80, 24);
    h.key(KeyCode::Char('4'));
    h.key(KeyCode::Char('v'));
    let screen = h.screen();
    assert!(screen.contains("hidden-token-value"), "{screen}");
    snap("hostile_auth_revealed_80x24", &mut h);
}
