//! The TUI shows the verdict stored at arrival, whatever secrets it runs
//! with; `A` adds the verdict with its own secrets beside it.

use crossterm::event::KeyCode;

use super::fixtures::{self, SECRET, pingara, store, store_as};
use crate::inspect::AuthConfig;
use crate::tui::testkit::Harness;
use crate::tui::theme::Theme;

/// A TUI over `location` that knows no secret at all (a second terminal).
fn without_secrets(location: &crate::store::Location) -> Harness {
    let theme = Theme::builtin("hookcatch-dark").unwrap();
    let mut h = Harness::new(
        location,
        AuthConfig::default(),
        theme,
        fixtures::now(),
        160,
        48,
    );
    h.pump();
    h
}

fn line_with<'s>(screen: &'s str, needle: &str) -> &'s str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{screen}"))
}

#[test]
fn the_stored_verdict_shows_without_the_secret() {
    // Stored by a listener with the secret; read by a TUI without it.
    let (_dir, location) = store(vec![(pingara(SECRET), 60, 200)]);
    let mut h = without_secrets(&location);
    h.key(KeyCode::Char('g'));
    let screen = h.screen();
    assert!(
        line_with(&screen, "POST   /pingara").contains(" valid "),
        "{screen}"
    );
    h.key(KeyCode::Char('4'));
    let screen = h.screen();
    assert!(
        line_with(&screen, "verdict").contains(" valid "),
        "{screen}"
    );
    assert!(
        screen.contains("at arrival, with the listener's secrets"),
        "{screen}"
    );
    assert!(!screen.contains("unconf"), "{screen}");
    assert!(
        screen.contains("A recheck with the current secrets"),
        "{screen}"
    );

    // `A`: a second verdict with this TUI's (empty) secrets, beside the stored one.
    h.key(KeyCode::Char('A'));
    let screen = h.screen();
    assert!(
        line_with(&screen, "verdict").contains(" valid "),
        "{screen}"
    );
    let recheck = line_with(&screen, "current secrets, not stored");
    assert!(recheck.contains(" unconf "), "{screen}");
    h.key(KeyCode::Char('A'));
    assert!(!h.screen().contains("current secrets, not stored"));
}

#[test]
fn a_request_stored_before_verdicts_were_kept_is_judged_now_and_says_so() {
    let (_dir, location) = store_as(vec![(pingara(SECRET), 60, 200)], false);
    let mut h = fixtures::harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    let screen = h.screen();
    let row = line_with(&screen, "POST   /pingara");
    assert!(row.contains(" valid ") && row.contains('≈'), "{screen}");
    assert!(
        screen.contains("judged now, not at arrival"),
        "Overview: {screen}"
    );
    h.key(KeyCode::Char('4'));
    let screen = h.screen();
    assert!(
        line_with(&screen, "judged").contains("judged now, not at arrival"),
        "{screen}"
    );
}
