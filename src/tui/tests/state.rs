//! key -> action -> state, with the real loader over a temporary store.

use crossterm::event::{KeyCode, KeyModifiers};

use super::fixtures::{self, harness, mixed, store};
use crate::inspect::Verdict;
use crate::store::StoreEvent;
use crate::tui::app::{Focus, Overlay, PromptKind, Tab};
use crate::tui::inbox::Cmd;
use crate::tui::keys::Action;
use crate::tui::loader::LoadCmd;

#[test]
fn starts_following_the_newest() {
    let (_dir, location) = store(mixed());
    let h = harness(&location, 160, 48);
    assert_eq!(h.app.list.ids, [1, 2, 3, 4, 5]);
    assert!(h.app.list.follow);
    assert_eq!(h.app.list.selected, Some(5));
    assert_eq!(h.app.detail.loaded.as_ref().map(|d| d.request.id), Some(5));
    let row = &h.app.list.rows[&1];
    assert_eq!(row.verdict, Some(Verdict::Valid));
    assert_eq!(row.event.as_deref(), Some("incident.created"));
    assert_eq!(h.app.list.rows[&2].verdict, Some(Verdict::Invalid));
    assert_eq!(h.app.list.rows[&3].duplicate_of, Some(1));
    assert_eq!(h.app.list.rows[&4].status, Some(413));
}

#[test]
fn moving_stops_following_and_selection_follows_the_id() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('k'));
    h.key(KeyCode::Up);
    assert!(!h.app.list.follow);
    assert_eq!(h.app.list.selected, Some(3));
    // New requests arrive: the selection stays on #3.
    append(&location, 3);
    h.notice(fixtures::captured(8));
    assert_eq!(h.app.list.ids.len(), 8);
    assert_eq!(h.app.list.selected, Some(3));
    // `f` follows again: the newest is selected, and stays so as more arrive.
    h.key(KeyCode::Char('f'));
    assert!(h.app.list.follow);
    assert_eq!(h.app.list.selected, Some(8));
    append(&location, 1);
    h.notice(fixtures::captured(9));
    assert_eq!(h.app.list.selected, Some(9));
    h.key(KeyCode::Char('g'));
    assert_eq!((h.app.list.selected, h.app.list.follow), (Some(1), false));
    h.key(KeyCode::Char('G'));
    assert_eq!(h.app.list.selected, Some(9));
}

/// Append `n` Pingara requests to the store, as the listener would.
fn append(location: &crate::store::Location, n: usize) {
    let conn = location.open_reader().unwrap();
    for _ in 0..n {
        conn.execute(
            "INSERT INTO requests (received_at, remote_addr, method, target, http_version, headers, body, body_size, outcome)
             VALUES ('2026-11-29T09:59:59Z', '127.0.0.1:1', 'POST', '/late', 'HTTP/1.1', x'', x'7b7d', 2, '{\"kind\":\"complete\"}')",
            [],
        )
        .unwrap();
    }
}

#[test]
fn a_burst_of_notices_costs_one_read() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    // From #7: another process committed #6, so the events do not continue
    // the list and the store is asked.
    for id in 7..10_007 {
        h.app
            .handle(crate::tui::inbox::Msg::Notice(fixtures::captured(id)));
    }
    let reads: Vec<_> = h
        .app
        .take_commands()
        .into_iter()
        .filter(|c| matches!(c, Cmd::Load(LoadCmd::IdsAfter(_))))
        .collect();
    assert_eq!(reads.len(), 1, "one read in flight, the rest coalesced");
}

/// A commit that continues the list is drawn from its own event: the next
/// frame shows it, with no read of the store in between (a read took two or
/// three frames more at 1,000 req/s: bench/arrival_tui.sh).
#[test]
fn a_commit_that_continues_the_list_is_drawn_from_its_event() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    for id in 6..=8 {
        h.app
            .handle(crate::tui::inbox::Msg::Notice(fixtures::captured(id)));
    }
    let screen = crate::tui::testkit::buffer_text(h.draw());
    let reads: Vec<_> = h
        .app
        .take_commands()
        .into_iter()
        .filter(|c| matches!(c, Cmd::Load(LoadCmd::IdsAfter(_) | LoadCmd::Rows(_))))
        .collect();
    assert!(reads.is_empty(), "{reads:?}");
    assert_eq!(h.app.list.ids, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(h.app.list.selected, Some(8));
    assert_eq!(screen.matches("/late").count(), 3, "{screen}");
}

#[test]
fn tabs_panes_and_zoom() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    assert_eq!(h.app.detail.tab, Tab::Overview);
    h.key(KeyCode::Char('3'));
    assert_eq!(h.app.detail.tab, Tab::Body);
    h.key(KeyCode::Char('l'));
    assert_eq!(h.app.detail.tab, Tab::Auth);
    h.key(KeyCode::Char('h'));
    h.key(KeyCode::Char('h'));
    assert_eq!(h.app.detail.tab, Tab::Headers);
    h.key(KeyCode::Left);
    h.key(KeyCode::Left);
    assert_eq!(h.app.detail.tab, Tab::Deliveries);
    assert_eq!(h.app.focus, Focus::List);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.focus, Focus::Detail);
    h.key(KeyCode::Enter);
    assert!(h.app.zoom);
    h.key(KeyCode::Esc);
    assert!(!h.app.zoom);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.focus, Focus::List);
    h.key(KeyCode::Tab);
    assert_eq!(h.app.focus, Focus::Detail);
    // A click on the tab bar picks that tab.
    let tabs = h.app.areas().detail_tabs;
    let (_, x, _) = crate::tui::ui::detail::tab_positions(tabs)[4];
    h.app.update(Action::Click {
        column: x + 1,
        row: tabs.y,
    });
    assert_eq!(h.app.detail.tab, Tab::Event);
    // A click on a list row selects it.
    let rows = h.app.areas().list_rows;
    h.app.update(Action::Click {
        column: rows.x + 2,
        row: rows.y,
    });
    h.pump();
    assert_eq!((h.app.list.selected, h.app.focus), (Some(1), Focus::List));
    h.app.update(Action::Wheel {
        down: true,
        column: rows.x + 2,
        row: rows.y,
    });
    assert_eq!(h.app.list.selected, Some(4));
}

#[test]
fn filter_entry_errors_and_scan() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('/'));
    assert_eq!(
        h.app.prompt.as_ref().map(|p| p.kind),
        Some(PromptKind::Filter)
    );
    h.keys("metod:POST");
    let error = h
        .app
        .prompt
        .as_ref()
        .and_then(|p| p.error.clone())
        .expect("an unknown field is an error");
    assert_eq!(error.position, 1);
    // Enter with an error keeps the prompt open.
    h.key(KeyCode::Enter);
    assert!(h.app.prompt.is_some());
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.keys("provider:pingara");
    assert!(h.app.prompt.as_ref().unwrap().error.is_none());
    h.key(KeyCode::Enter);
    assert!(h.app.prompt.is_none());
    let f = h.app.list.filter.as_ref().unwrap();
    assert_eq!((f.ids.as_slice(), f.scanning), (&[1, 3][..], false));
    assert_eq!(h.app.list.selected, Some(3), "following: the newest match");
    // A filter reading bodies and auth verdicts.
    h.key(KeyCode::Char('/'));
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.keys("auth:invalid | body:octocat");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.list.view(), [2]);
    // Esc leaves the filter as it was; an empty filter clears it.
    h.key(KeyCode::Char('/'));
    h.keys("xyz");
    h.key(KeyCode::Esc);
    assert_eq!(
        h.app.list.filter.as_ref().unwrap().text,
        "auth:invalid | body:octocat"
    );
    h.key(KeyCode::Char('/'));
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.key(KeyCode::Enter);
    assert!(h.app.list.filter.is_none());
    assert_eq!(h.app.list.view().len(), 5);
}

#[test]
fn new_requests_are_tested_against_the_filter() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.app.apply_filter("path:/late");
    h.pump();
    assert!(h.app.list.view().is_empty());
    append(&location, 2);
    h.notice(fixtures::captured(7));
    assert_eq!(h.app.list.view(), [6, 7]);
}

#[test]
fn reveal_masks_again_on_another_request() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('2'));
    let screen = h.screen();
    assert!(!screen.contains(fixtures::SECRET), "masked by default");
    h.key(KeyCode::Char('v'));
    assert!(h.app.detail.reveal);
    assert!(h.screen().contains(fixtures::SECRET));
    h.key(KeyCode::Char('j'));
    assert!(!h.app.detail.reveal);
}

#[test]
fn query_tokens_are_masked_in_the_list_and_until_reveal_in_the_detail() {
    let mut req = fixtures::pingara(fixtures::SECRET);
    req.target = "/hook?token=qt-Hh3secret&page=2".into();
    let (_dir, location) = store(vec![(req, 10, 200)]);
    let mut h = harness(&location, 160, 48);
    let screen = h.screen();
    assert!(!screen.contains("qt-Hh3"), "{screen}");
    assert!(screen.contains("/hook?token=••••&page=2"), "{screen}");
    h.key(KeyCode::Char('v'));
    let screen = h.screen();
    assert!(
        screen.contains("/hook?token=qt-Hh3secret&page=2"),
        "{screen}"
    );
}

#[test]
fn tree_fold_and_unfold() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('J'));
    assert_eq!(h.app.detail.tab, Tab::Body);
    assert!(h.app.detail.showing_tree());
    let all = h.app.detail.tree.as_ref().unwrap().visible.len();
    h.key(KeyCode::Char('-'));
    assert_eq!(
        h.app.detail.tree.as_ref().unwrap().visible.len(),
        6,
        "root and its five members"
    );
    h.key(KeyCode::Tab);
    h.keys("jjj");
    h.key(KeyCode::Enter); // unfold "monitor"
    assert_eq!(h.app.detail.tree.as_ref().unwrap().visible.len(), 11);
    h.key(KeyCode::Char(' '));
    assert_eq!(h.app.detail.tree.as_ref().unwrap().visible.len(), 6);
    h.keys("z0");
    assert_eq!(h.app.detail.tree.as_ref().unwrap().visible.len(), 1);
    h.key(KeyCode::Char('+'));
    assert_eq!(h.app.detail.tree.as_ref().unwrap().visible.len(), all);
    h.key(KeyCode::Char('J'));
    assert!(!h.app.detail.showing_tree());
}

#[test]
fn body_search_wrap_and_original() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('s'));
    assert_eq!(h.app.detail.tab, Tab::Body);
    h.keys("us-east");
    h.key(KeyCode::Enter);
    let search = h.app.detail.search.as_ref().unwrap();
    assert_eq!(search.matches.len(), 2);
    assert_eq!(h.app.focus, Focus::Detail);
    h.key(KeyCode::Char('n'));
    assert_eq!(h.app.detail.search.as_ref().unwrap().current, 1);
    h.key(KeyCode::Char('N'));
    assert_eq!(h.app.detail.search.as_ref().unwrap().current, 0);
    h.key(KeyCode::Char('w'));
    assert!(h.app.detail.wrap);
    h.key(KeyCode::Char('o'));
    assert!(h.app.detail.original);
    assert_eq!(
        h.app.detail.doc().unwrap().lines.len(),
        1,
        "the body as sent is one line"
    );
}

#[test]
fn copy_builds_a_curl_command() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('y'));
    let copied = h.copied.last().expect("copied");
    assert!(
        copied.starts_with("printf '{"),
        "the body goes through stdin: {copied}"
    );
    assert!(
        copied.contains(
            "curl -q -sS --globoff -X 'POST' --request-target '/pingara' 'http://127.0.0.1:9797'"
        ),
        "{copied}"
    );
    assert!(
        copied.contains("x-pingara-secret: s3cret"),
        "the user's own copy is whole"
    );
}

#[test]
fn delete_asks_first() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('x'));
    assert_eq!(h.app.overlay, Overlay::ConfirmDelete(5));
    h.key(KeyCode::Char('n'));
    assert_eq!(h.app.list.ids.len(), 5);
    h.key(KeyCode::Char('k'));
    h.key(KeyCode::Char('x'));
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.list.ids, [1, 2, 3, 5]);
    assert_eq!(
        h.app.list.selected,
        Some(5),
        "the neighbour takes the selection"
    );
}

#[test]
fn help_opens_scrolls_and_closes() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 80, 24);
    h.key(KeyCode::Char('?'));
    assert_eq!(h.app.overlay, Overlay::Help { scroll: 0 });
    h.key(KeyCode::Char('j'));
    assert_eq!(h.app.overlay, Overlay::Help { scroll: 1 });
    assert_eq!(h.app.list.selected, Some(5), "keys go to the help");
    h.key(KeyCode::Char('q'));
    assert_eq!(h.app.overlay, Overlay::None, "q closes the help");
    h.key(KeyCode::Char('q'));
    assert!(h.app.should_quit);
}

#[test]
fn quit_keys() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 80, 24);
    h.key(KeyCode::Char('/'));
    h.key(KeyCode::Char('q'));
    assert!(!h.app.should_quit, "q types in a prompt");
    h.press_with(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(h.app.should_quit);
}

#[test]
fn store_errors_show_until_recovered() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    let disk_full = rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
        Some("disk full\x1b[2J".into()),
    );
    h.notice(StoreEvent::WriteFailed(crate::store::WriteFailed::Commit(
        std::sync::Arc::new(disk_full),
    )));
    assert_eq!(h.app.store_error.as_deref(), Some("disk full\\x1b[2J"));
    assert!(h.screen().contains("store write failed: disk full"));
    h.notice(StoreEvent::WriteRecovered);
    assert!(h.app.store_error.is_none());
}

#[test]
fn refusals_are_counted_in_the_status_bar() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    assert!(!h.screen().contains("refused"));
    for id in 1..=3 {
        h.notice(StoreEvent::Refused(std::sync::Arc::new(
            crate::store::refused::Refusal {
                id,
                at: chrono::Utc::now(),
                remote_addr: "127.0.0.1:5000".into(),
                reason: "invalid HTTP method parsed".into(),
            },
        )));
    }
    assert!(
        h.screen()
            .lines()
            .next()
            .unwrap_or_default()
            .contains("refused 3")
    );
}

#[test]
fn cli_scan_matches_the_tui_filter() {
    let (_dir, location) = store(mixed());
    let conn = location.open_reader().unwrap();
    let auth = fixtures::auth();
    let now = fixtures::now();
    for (text, expected) in [
        ("method:PUT", vec![4]),
        ("status:4xx", vec![4]),
        ("header:x-github-event", vec![2]),
        ("provider:pingara dup:yes", vec![3]),
        ("auth:valid", vec![1, 3]),
        ("since:1m", vec![4, 5]),
    ] {
        let filter = crate::filter::parse(text).unwrap();
        assert_eq!(
            crate::filter::scan::matching_ids(&conn, &filter, &auth, now).unwrap(),
            expected,
            "{text}"
        );
    }
}

/// Unwrapped long lines scroll sideways with `H`/`L` (and Shift-arrows),
/// stop at the widest line, follow a search match, and reset on wrap.
#[test]
fn long_lines_scroll_sideways() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 80, 24);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('o')); // the body as sent: one long line
    h.key(KeyCode::Tab);
    let screen = h.screen();
    assert!(
        screen.contains(r#"{"event":"incident.created""#),
        "{screen}"
    );
    assert!(!screen.contains("Acme Corp"), "{screen}");

    h.keys("LLL");
    assert_eq!(h.app.detail.hscroll, 24);
    let screen = h.screen();
    assert!(screen.contains("from column 25 (H/L)"), "{screen}");
    assert!(!screen.contains(r#"{"event""#), "{screen}");
    assert!(screen.contains(r#"ed","timestamp""#), "{screen}");

    h.press_with(KeyCode::Left, KeyModifiers::SHIFT);
    assert_eq!(h.app.detail.hscroll, 16);
    assert_eq!(
        h.app.detail.tab,
        Tab::Body,
        "Shift-← scrolls, ← alone changes tab"
    );
    h.press_with(KeyCode::Right, KeyModifiers::SHIFT);
    assert_eq!(h.app.detail.hscroll, 24);
    h.keys("HHHHH");
    assert_eq!(h.app.detail.hscroll, 0);
    assert!(!h.screen().contains("from column"));

    let widest = h.app.detail.doc().unwrap().widest;
    assert_eq!(widest, fixtures::PINGARA_BODY.len());
    h.keys(&"L".repeat(200));
    assert!(h.app.detail.hscroll <= widest - 8 && h.app.detail.hscroll > widest - 24);
    h.keys(&"H".repeat(200));

    h.key(KeyCode::Char('s'));
    h.keys("Acme");
    h.key(KeyCode::Enter);
    assert!(h.app.detail.hscroll > 0, "the match is scrolled into view");
    let screen = h.screen();
    assert!(screen.contains("Acme Corp"), "{screen}");

    h.key(KeyCode::Char('w'));
    assert_eq!(h.app.detail.hscroll, 0, "wrapping shows whole lines");
    h.key(KeyCode::Char('L'));
    assert_eq!(h.app.detail.hscroll, 0);
    assert!(h.screen().contains("lines are wrapped"));
}

/// ↑/↓ in the filter and search prompts recall what was submitted before,
/// each prompt its own list; ↓ past the newest brings back the typed text.
#[test]
fn prompts_recall_earlier_entries() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    let text =
        |h: &crate::tui::testkit::Harness| h.app.prompt.as_ref().map(|p| p.input.text.clone());
    for filter in ["method:POST", "auth:invalid"] {
        h.key(KeyCode::Char('/'));
        h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
        h.keys(filter);
        h.key(KeyCode::Enter);
    }
    h.key(KeyCode::Char('/'));
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.keys("path:/gi");
    h.key(KeyCode::Up);
    assert_eq!(text(&h).as_deref(), Some("auth:invalid"));
    h.press_with(KeyCode::Char('p'), KeyModifiers::CONTROL);
    assert_eq!(text(&h).as_deref(), Some("method:POST"));
    h.key(KeyCode::Up);
    assert_eq!(text(&h).as_deref(), Some("method:POST"), "the oldest stays");
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    assert_eq!(
        text(&h).as_deref(),
        Some("path:/gi"),
        "back to what was typed"
    );
    h.key(KeyCode::Up);
    h.key(KeyCode::Enter);
    assert_eq!(
        h.app.list.filter.as_ref().map(|f| f.text.as_str()),
        Some("auth:invalid"),
        "a recalled filter applies like a typed one"
    );

    h.key(KeyCode::Char('s'));
    h.key(KeyCode::Up);
    assert_eq!(
        text(&h).as_deref(),
        Some(""),
        "searches have their own history"
    );
    h.key(KeyCode::Esc);
}

/// `E` writes the requests shown (all, or the filter's) to a file whose
/// extension picks the format; a name without one keeps the prompt open.
#[test]
fn export_writes_the_requests_shown() {
    let (dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('E'));
    let prompt = h.app.prompt.as_ref().expect("the export prompt");
    assert_eq!(prompt.kind, PromptKind::Export);
    assert!(prompt.input.text.starts_with("hookcatch-") && prompt.input.text.ends_with(".har"));
    assert!(h.screen().contains("Enter writes 5 requests as HAR 1.2"));

    let path = |name: &str| dir.path().join(name).display().to_string();
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.keys(&path("requests.txt"));
    h.key(KeyCode::Enter);
    assert!(
        h.app.prompt.is_some(),
        "no format for .txt: the prompt stays"
    );
    assert!(
        h.screen()
            .contains("✗ end the name in .har, .ndjson (.jsonl) or .sh")
    );

    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.keys(&path("all.har"));
    h.key(KeyCode::Enter);
    assert!(h.app.prompt.is_none());
    assert!(
        h.screen().contains("exported 5 requests to"),
        "{}",
        h.screen()
    );
    let har: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("all.har")).unwrap()).unwrap();
    assert_eq!(har["log"]["entries"].as_array().unwrap().len(), 5);

    h.key(KeyCode::Char('/'));
    h.keys("path:/github*");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('E'));
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    h.keys(&path("github.ndjson"));
    h.key(KeyCode::Enter);
    assert!(
        h.screen().contains("exported 1 request to"),
        "{}",
        h.screen()
    );
    let lines = std::fs::read_to_string(dir.path().join("github.ndjson")).unwrap();
    assert_eq!(lines.lines().count(), 1);
    assert!(lines.contains(r#""path":"/github""#), "{lines}");
}

/// Scroll limits come from the draw (it knows the lines and the area);
/// keys read them and never call a renderer.
#[test]
fn the_draw_records_how_far_a_view_scrolls() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 80, 24);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char('1'));
    h.screen();
    let max = h.app.max_scroll();
    assert!(max > 0 && max < usize::MAX, "recorded by the draw: {max}");
    h.key(KeyCode::Char('G'));
    assert_eq!(h.app.detail.scroll(), max);
    h.key(KeyCode::Char('j'));
    assert_eq!(
        h.app.detail.scroll(),
        max,
        "no further than the draw measured"
    );

    h.key(KeyCode::Char('?'));
    h.screen();
    let help = h.app.help_scroll.limit();
    assert!(help > 0 && help < usize::MAX, "{help}");
    h.key(KeyCode::Char('G'));
    assert!(matches!(h.app.overlay, Overlay::Help { scroll } if scroll == help));
}

/// `X` clears the store, but only after a yes.
#[test]
fn capital_x_clears_all_after_asking() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 80, 24);
    assert_eq!(h.app.list.ids.len(), 5);
    h.key(KeyCode::Char('X'));
    assert_eq!(h.app.overlay, Overlay::ConfirmClearAll(5));
    let screen = h.screen();
    assert!(
        screen.contains("Delete all 5 requests from the store?"),
        "{screen}"
    );
    h.key(KeyCode::Char('n'));
    assert_eq!(h.app.overlay, Overlay::None);
    assert_eq!(h.app.list.ids.len(), 5, "kept");

    h.key(KeyCode::Char('X'));
    h.key(KeyCode::Char('y'));
    assert!(h.app.list.ids.is_empty());
    let conn = location.open_reader().unwrap();
    assert_eq!(
        crate::store::query::max_id(&conn).unwrap(),
        0,
        "the store is empty"
    );
    h.key(KeyCode::Char('X'));
    assert_eq!(h.app.overlay, Overlay::None, "nothing to clear");
}

#[test]
fn bell_rings_once_for_what_arrived_together_and_only_when_asked() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    append(&location, 1);
    h.notice(fixtures::captured(6));
    assert_eq!(h.bells, 0, "no --bell, no bell");

    h.app.bell = true;
    append(&location, 1);
    h.notice(fixtures::captured(7));
    assert_eq!(h.bells, 1, "a new capture rings");

    // A burst handled before the loop dispatches (a second later): one ring.
    h.app.now += chrono::TimeDelta::seconds(1);
    for id in 8..108 {
        h.app
            .handle(crate::tui::inbox::Msg::Notice(fixtures::captured(id)));
    }
    let rings = h
        .app
        .take_commands()
        .iter()
        .filter(|c| matches!(c, Cmd::Bell))
        .count();
    assert_eq!(rings, 1);
    // Other events (an answer, a delete) do not ring.
    h.notice(StoreEvent::Deleted(vec![1].into()));
    assert_eq!(h.bells, 1);
}

/// One escape for one character: the JSON text writes a newline in a string
/// as `\n` and a tab as `\t`, and the tree, which shows the decoded string,
/// writes them the same way (it wrote `\x0a` beside the text's `\n`).
#[test]
fn the_tree_shows_escapes_as_the_json_text_does() {
    let body = br#"{"note":"line1\nline2","name":"tab\there","cr":"a\rb"}"#.to_vec();
    let req = crate::model::CapturedRequest::new("POST", "/esc", vec![], body);
    let (_dir, location) = store(vec![(req, 0, 200)]);
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('3'));
    let text = h.screen();
    assert!(text.contains(r#""note": "line1\nline2""#), "{text}");
    h.key(KeyCode::Char('J'));
    let tree = h.screen();
    for shown in [r#""line1\nline2""#, r#""tab\there""#, r#""a\rb""#] {
        assert!(tree.contains(shown), "{shown} in {tree}");
    }
    assert!(!tree.contains(r"\x0a") && !tree.contains(r"\x0d"), "{tree}");
}

/// A burst the store commits in several batches, each dispatched in its own
/// frame (50 concurrent requests rang 15 times): one ring per second at most.
#[test]
fn bell_rings_at_most_once_a_second() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.app.bell = true;
    append(&location, 20);
    let start = h.app.now;
    for (frame, id) in (6..26).enumerate() {
        // A frame each 1/60 s, as the loop draws during a burst.
        h.app.now = start + chrono::TimeDelta::milliseconds(16 * frame as i64);
        h.notice(fixtures::captured(id));
    }
    assert_eq!(h.bells, 1, "one burst over 20 frames, one ring");
    append(&location, 2);
    h.app.now = start + chrono::TimeDelta::milliseconds(1100);
    h.notice(fixtures::captured(26));
    assert_eq!(h.bells, 2, "a second later, a new arrival rings again");
    h.app.now = start + chrono::TimeDelta::milliseconds(1300);
    h.notice(fixtures::captured(27));
    assert_eq!(h.bells, 2);
}

/// `T` with a URL hookcatch cannot send to says why in the prompt, which
/// stays open; typing clears it (the prompt stayed with nothing said).
#[test]
fn replay_to_a_url_it_cannot_send_to_says_why_in_the_prompt() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('T'));
    h.keys("ftp://127.0.0.1/x");
    h.key(KeyCode::Enter);
    let screen = h.screen();
    assert!(h.app.prompt.is_some(), "the prompt stays open");
    assert!(screen.contains("✗ cannot replay there"), "{screen}");
    h.key(KeyCode::Backspace);
    assert!(!h.screen().contains("✗ cannot replay there"));
}
