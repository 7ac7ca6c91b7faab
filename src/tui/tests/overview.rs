//! The overview is the one page that answers "what arrived?": request line,
//! query parameters decoded, the summary, problems, headers masked until
//! `v`, and the body's first lines highlighted.

use crossterm::event::KeyCode;

use super::fixtures::{SECRET, harness, pingara, store};
use super::snapshots::snap;

fn with_query() -> crate::model::CapturedRequest {
    let mut req = pingara(SECRET);
    req.target =
        "/pingara-webhook?source=uptime&api_token=zq9tok77&note=a%20b+c&esc=%1b%5b31mred".into();
    req
}

#[test]
fn the_overview_answers_what_arrived() {
    for (w, hgt) in [(80, 24), (160, 48)] {
        let (_dir, location) = store(vec![(with_query(), 30, 200)]);
        let mut h = harness(&location, w, hgt);
        h.key(KeyCode::Char('g'));
        h.key(KeyCode::Char('1'));
        snap(&format!("overview_page_{w}x{hgt}"), &mut h);
    }
    let (_dir, location) = store(vec![(with_query(), 30, 200)]);
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    let screen = h.screen();
    for needle in [
        "query     source",
        "note      = a b c",
        "esc       = \\x1b[31mred",
        "api_token = ••••",
        "problems  none",
        "x-pingara-secret  ••••",
        "\"event\": \"incident.created\",",
    ] {
        assert!(screen.contains(needle), "{needle}: {screen}");
    }
    assert!(
        !screen.contains(SECRET) && !screen.contains("zq9tok77"),
        "{screen}"
    );
    // Highlighted like the Body tab.
    let cache = h.app.detail.highlight.as_ref().expect("a highlight cache");
    let line = cache.line(1).expect("highlighted");
    assert!(line.spans.len() > 2, "coloured spans: {line:?}");

    h.key(KeyCode::Char('v'));
    let revealed = h.screen();
    assert!(revealed.contains("api_token = zq9tok77"), "{revealed}");
    assert!(revealed.contains(SECRET), "{revealed}");
}

#[test]
fn the_overview_lists_the_payload_problems() {
    let mut req = pingara(SECRET);
    req.body = super::list::BROKEN_PINGARA.to_vec();
    let (_dir, location) = store(vec![(req, 30, 200)]);
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    let screen = h.screen();
    let n = h
        .app
        .detail
        .loaded
        .as_ref()
        .and_then(|d| d.inspection.event.as_ref())
        .map_or(0, |e| e.problems.len());
    assert!(n > 1);
    assert!(screen.contains(&format!("problems  ⚠ {n}")), "{screen}");
    assert!(
        screen.matches("│           · ").count() >= n.min(5),
        "{screen}"
    );
}

/// A zero-width space and a stray combining mark draw nothing raw: the list,
/// the pane title and the overview's request line show them as escapes, and
/// the request line drops nothing.
#[test]
fn invisible_characters_in_a_path_show_as_escapes() {
    let mut req = pingara(SECRET);
    req.target = "/pingara\u{200b}-webhook/\u{301}x/cafe\u{301}?q=\u{feff}1".into();
    let (_dir, location) = store(vec![(req, 30, 200)]);
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('1'));
    snap("overview_invisible_path_160x48", &mut h);
    let screen = h.screen();
    let escaped = "/pingara\\u{200b}-webhook/\\u{301}x";
    assert!(
        screen.matches(escaped).count() >= 2,
        "the pane title and the request line: {screen}"
    );
    assert!(
        screen
            .contains("POST /pingara\\u{200b}-webhook/\\u{301}x/cafe\u{301}?q=\\u{feff}1 HTTP/1.1"),
        "{screen}"
    );
    assert!(screen.contains("/pingara\\u{200b}"), "the list: {screen}");
}
