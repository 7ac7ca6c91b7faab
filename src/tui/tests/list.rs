//! The request list's columns: the path takes the spare width, every cut
//! value ends in `…`, and a payload with problems is marked (`⚠5`).

use crossterm::event::KeyCode;

use super::fixtures::{SECRET, harness, pingara, store};
use super::snapshots::snap;
use crate::model::{CapturedRequest, HeaderField};

/// A Pingara request at the guide's own path.
fn at(path: &str, body: &[u8]) -> CapturedRequest {
    let mut req = pingara(SECRET);
    req.target = path.into();
    req.body = body.to_vec();
    req.body_size = body.len() as u64;
    req
}

/// An `incident.created` missing most of what the guide requires.
pub const BROKEN_PINGARA: &[u8] = br#"{"event":"incident.created","timestamp":"yesterday"}"#;

fn requests() -> Vec<(CapturedRequest, i64, u16)> {
    let long = CapturedRequest::new(
        "POST",
        "/hooks/customers/acme-corporation/environments/production/webhooks/receiver",
        vec![HeaderField::new("content-type", b"text/plain".to_vec())],
        b"hello".to_vec(),
    );
    vec![
        (
            at("/pingara-webhook", super::fixtures::PINGARA_BODY.as_bytes()),
            120,
            200,
        ),
        (at("/pingara-webhook", BROKEN_PINGARA), 60, 200),
        (long, 30, 200),
    ]
}

#[test]
fn the_path_takes_the_spare_width_and_cuts_end_in_an_ellipsis() {
    for (w, hgt) in [(80, 24), (160, 48)] {
        let (_dir, location) = store(requests());
        let mut h = harness(&location, w, hgt);
        h.key(KeyCode::Char('g'));
        let screen = h.screen();
        assert!(screen.contains("/pingara-webhook "), "{screen}");
        assert!(!screen.contains("receiver"), "{screen}");
        let row = screen
            .lines()
            .find(|l| l.starts_with("│ 3 "))
            .unwrap_or_default();
        assert!(row.contains("/hooks/cust"), "{row}");
        assert!(row.contains("… "), "the cut path ends in …: {row}");
        snap(&format!("list_paths_{w}x{hgt}"), &mut h);
    }
}

#[test]
fn a_payload_with_problems_is_marked_in_the_list() {
    let (_dir, location) = store(requests());
    let mut h = harness(&location, 160, 48);
    let n = h
        .app
        .list
        .rows
        .get(&2)
        .map(|r| r.problems)
        .unwrap_or_default();
    assert!(n > 1, "the broken event has problems");
    let screen = h.screen();
    let row = screen
        .lines()
        .find(|l| l.starts_with("│ 2 "))
        .unwrap_or_default();
    assert!(row.contains(&format!("⚠{n}")), "{row}");
    let first = screen
        .lines()
        .find(|l| l.starts_with("│ 1 "))
        .unwrap_or_default();
    assert!(!first.contains('⚠'), "{first}");
}

#[test]
fn the_filter_has_a_problems_term() {
    for expr in ["has:problems", "problems:>0", "problems:>=2"] {
        let (_dir, location) = store(requests());
        let mut h = harness(&location, 160, 48);
        h.key(KeyCode::Char('/'));
        h.keys(expr);
        h.key(KeyCode::Enter);
        h.pump();
        let ids = h.app.list.view().to_vec();
        assert_eq!(ids, vec![2], "{expr}");
    }
    let (_dir, location) = store(requests());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('/'));
    h.keys("problems:0");
    h.key(KeyCode::Enter);
    h.pump();
    assert_eq!(h.app.list.view().to_vec(), vec![1, 3]);
}

/// One odd row does not squeeze every other row: a 28-letter method is cut
/// to its capped column with `…`, a huge size is capped too, and the path
/// and the event keep enough columns that `/pingara-webhook` and two event
/// types can still be told apart.
#[test]
fn one_long_method_or_size_does_not_squeeze_the_other_rows() {
    let resolved = super::fixtures::PINGARA_BODY.replace("incident.created", "incident.resolved");
    let mut long_method = at("/pingara-webhook", super::fixtures::PINGARA_BODY.as_bytes());
    long_method.method = "SUPERLONGCUSTOMMETHODNAMEXYZ".into();
    let mut huge = at("/pingara-webhook", resolved.as_bytes());
    huge.body_size = u64::MAX / 3;
    let requests = vec![
        (at("/pingara-webhook", resolved.as_bytes()), 120, 200),
        (at("/pingara-webhook", BROKEN_PINGARA), 90, 200),
        (long_method, 60, 200),
        (huge, 30, 200),
    ];
    let (_dir, location) = store(requests);
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    snap("list_long_method_160x48", &mut h);
    let screen = h.screen();
    let row = |id: u32| {
        screen
            .lines()
            .find(|l| l.starts_with(&format!("│ {id} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row(3).contains("SUPERL…"), "{}", row(3));
    assert!(!row(3).contains("SUPERLONG"), "{}", row(3));
    for id in 1..=4 {
        assert!(row(id).contains("/pingara-webhook"), "{}", row(id));
    }
    assert!(row(1).contains("incident.reso"), "{}", row(1));
    assert!(row(3).contains("incident.crea"), "{}", row(3));
    assert!(row(4).contains('…'), "the huge size is cut: {}", row(4));
}
