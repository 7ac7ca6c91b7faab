//! Whole screens at 80x24 and 160x48 with a fixed clock. Snapshots don't see
//! colour, so where colour carries meaning (auth badges) the buffer's styles
//! are asserted directly.

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::fixtures::{self, harness, hostile, mixed, store};
use crate::inspect::Verdict;
use crate::tui::testkit::{Harness, buffer_text};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

pub(super) fn snap(name: &str, h: &mut Harness) {
    let screen = h.screen();
    assert_no_controls(h.terminal.backend().buffer());
    insta::assert_snapshot!(name, screen);
}

/// No cell may hold a control character (or a bidi override).
fn assert_no_controls(buffer: &Buffer) {
    for (i, cell) in buffer.content.iter().enumerate() {
        let bad = cell.symbol().chars().find(|c| crate::text::is_unsafe(*c));
        assert!(bad.is_none(), "control character {bad:?} in cell {i}");
    }
}

#[test]
fn empty_store() {
    for (w, hgt) in SIZES {
        let (_dir, location) = store(Vec::new());
        let mut h = harness(&location, w, hgt);
        snap(&format!("empty_{w}x{hgt}"), &mut h);
    }
}

#[test]
fn mixed_list() {
    for (w, hgt) in SIZES {
        let (_dir, location) = store(mixed());
        let mut h = harness(&location, w, hgt);
        snap(&format!("mixed_{w}x{hgt}"), &mut h);
    }
}

#[test]
fn each_tab_of_a_pingara_event() {
    for (w, hgt) in SIZES {
        let (_dir, location) = store(mixed());
        let mut h = harness(&location, w, hgt);
        h.key(KeyCode::Char('g'));
        for (key, name) in [
            ('1', "overview"),
            ('2', "headers"),
            ('3', "body"),
            ('4', "auth"),
            ('5', "event"),
            ('6', "deliveries"),
        ] {
            h.key(KeyCode::Char(key));
            snap(&format!("pingara_{name}_{w}x{hgt}"), &mut h);
        }
        h.key(KeyCode::Char('J'));
        snap(&format!("pingara_tree_{w}x{hgt}"), &mut h);
    }
}

#[test]
fn other_requests() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('4'));
    snap("github_invalid_auth_160x48", &mut h);
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('1'));
    snap("duplicate_overview_160x48", &mut h);
    h.key(KeyCode::Char('j'));
    snap("too_large_overview_160x48", &mut h);
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Char('3'));
    snap("binary_body_160x48", &mut h);
}

#[test]
fn body_views() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 80, 24);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('s'));
    h.keys("us-east");
    h.key(KeyCode::Enter);
    snap("body_search_80x24", &mut h);
    h.key(KeyCode::Char('o'));
    h.key(KeyCode::Char('w'));
    snap("body_original_wrapped_80x24", &mut h);
    h.key(KeyCode::Enter);
    snap("body_zoomed_80x24", &mut h);
}

#[test]
fn help_overlay() {
    for (w, hgt) in SIZES {
        let (_dir, location) = store(mixed());
        let mut h = harness(&location, w, hgt);
        h.key(KeyCode::Char('?'));
        snap(&format!("help_{w}x{hgt}"), &mut h);
        if w == 160 {
            // Everything on one screen: the last example shows, nothing scrolls.
            assert_eq!(h.app.help_scroll.limit(), 0);
            assert!(h.screen().contains("since:1h !dup:yes"));
        }
    }
}

#[test]
fn filter_active_and_filter_error() {
    for (w, hgt) in SIZES {
        let (_dir, location) = store(mixed());
        let mut h = harness(&location, w, hgt);
        h.key(KeyCode::Char('/'));
        h.keys("provider:pingara");
        h.key(KeyCode::Enter);
        snap(&format!("filter_active_{w}x{hgt}"), &mut h);
        h.key(KeyCode::Char('/'));
        h.keys(" status:abc");
        snap(&format!("filter_error_{w}x{hgt}"), &mut h);
    }
}

#[test]
fn hostile_request_reaches_no_cell_raw() {
    for (w, hgt) in SIZES {
        let (_dir, location) = store(vec![(hostile(), 5, 200)]);
        let mut h = harness(&location, w, hgt);
        for (key, name) in [
            ('1', "overview"),
            ('2', "headers"),
            ('3', "body"),
            ('4', "auth"),
            ('5', "event"),
        ] {
            h.key(KeyCode::Char(key));
            snap(&format!("hostile_{name}_{w}x{hgt}"), &mut h);
        }
        h.key(KeyCode::Char('v'));
        h.key(KeyCode::Char('2'));
        snap(&format!("hostile_headers_revealed_{w}x{hgt}"), &mut h);
        // Tabs are shown, as `\t`, not dropped: in a header value and a
        // decoded JSON string, escaped by the same function as the rest.
        let headers = h.screen();
        assert!(headers.contains(r"a\tb"), "{headers}");
        h.key(KeyCode::Char('J'));
        let tree = h.screen();
        assert!(tree.contains(r#""tab": "a\tb\u{202e}""#), "{tree}");
        snap(&format!("hostile_tree_{w}x{hgt}"), &mut h);
        h.key(KeyCode::Char('o'));
        snap(&format!("hostile_original_{w}x{hgt}"), &mut h);
    }
}

#[test]
fn auth_badges_carry_their_colour() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 160, 48);
    h.screen();
    let buffer = h.terminal.backend().buffer().clone();
    let text = buffer_text(&buffer);
    let theme = &h.app.theme;
    let mut seen = Vec::new();
    for (y, line) in text.lines().enumerate() {
        for (word, verdict) in [
            (" valid ", Verdict::Valid),
            (" invalid ", Verdict::Invalid),
            (" missing ", Verdict::Missing),
        ] {
            let Some(col) = line.find(word) else { continue };
            // `find` counts bytes; the row is ASCII up to the badge except box drawing, so count chars.
            let x = line[..col].chars().count() + 1;
            let cell = &buffer[(x as u16, y as u16)];
            assert_eq!(
                cell.bg,
                theme.verdict(verdict).bg.unwrap(),
                "{word} badge at row {y}"
            );
            seen.push(verdict);
        }
    }
    for v in [Verdict::Valid, Verdict::Invalid, Verdict::Missing] {
        assert!(seen.contains(&v), "{v:?} badge shown");
    }
    assert_eq!(
        theme.verdict(Verdict::Valid).bg,
        Some(Color::Rgb(0x98, 0xc3, 0x79))
    );
    assert_eq!(
        theme.verdict(Verdict::Invalid).bg,
        Some(Color::Rgb(0xe0, 0x6c, 0x75))
    );
}

#[test]
fn no_color_keeps_badges_readable() {
    let (_dir, location) = store(mixed());
    let theme = crate::tui::theme::Theme::builtin("hookcatch-dark")
        .unwrap()
        .without_color();
    let mut h = Harness::new(&location, fixtures::auth(), theme, fixtures::now(), 160, 48);
    h.screen();
    let buffer = h.terminal.backend().buffer();
    assert!(
        buffer
            .content
            .iter()
            .all(|c| matches!(c.fg, Color::Reset) && matches!(c.bg, Color::Reset))
    );
    assert!(buffer_text(buffer).contains(" invalid "));
}

#[test]
fn form_and_multipart_bodies() {
    use crate::model::{CapturedRequest, HeaderField};
    let form = CapturedRequest::new(
        "POST",
        "/slack/command",
        vec![HeaderField::new(
            "content-type",
            b"application/x-www-form-urlencoded".to_vec(),
        )],
        b"token=abc&team_domain=acme&command=%2Fdeploy&text=api+to+prod%1b%5B2J".to_vec(),
    );
    let multipart = CapturedRequest::new(
        "POST",
        "/upload",
        vec![HeaderField::new("content-type", b"multipart/form-data; boundary=XyZ".to_vec())],
        b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\x02\x1b[31m\r\n--XyZ--\r\n"
            .to_vec(),
    );
    let (_dir, location) = store(vec![(form, 20, 200), (multipart, 10, 200)]);
    let mut h = harness(&location, 80, 24);
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    snap("multipart_body_80x24", &mut h);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('k'));
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    snap("form_body_80x24", &mut h);
}

/// `t` switches to the light theme and back, and the status line says which;
/// `J` (not `t`) is the JSON tree.
#[test]
fn t_switches_the_theme() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 80, 24);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('3'));
    // Above the bottom line, where the message about the theme appears.
    let colours = |b: &Buffer| {
        b.content[..80 * 23]
            .iter()
            .map(|c| (c.fg, c.bg))
            .collect::<Vec<_>>()
    };
    let dark = colours(h.draw());
    h.key(KeyCode::Char('t'));
    assert_eq!(h.app.theme.name, "hookcatch-light");
    assert!(!h.app.detail.showing_tree(), "t is no longer the tree");
    assert_ne!(colours(h.draw()), dark, "the colours change");
    snap("theme_light_80x24", &mut h);
    h.key(KeyCode::Char('t'));
    h.key(KeyCode::Char('t'));
    // A light theme's dark text needs its own light background: on a dark
    // terminal's default one it was dark grey on black.
    let unset: Vec<(u16, u16)> = {
        let b = h.draw();
        b.content
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.bg, ratatui::style::Color::Reset))
            .map(|(i, _)| ((i % 80) as u16, (i / 80) as u16))
            .collect()
    };
    assert!(
        unset.is_empty(),
        "cells on the terminal's background: {unset:?}"
    );
    h.key(KeyCode::Char('t'));
    assert_eq!(h.app.theme.name, "hookcatch-dark");
    assert_eq!(colours(h.draw()), dark);
    h.key(KeyCode::Char('J'));
    assert!(h.app.detail.showing_tree());
}

/// A hex dump's ASCII column is never cut: a pane too narrow for sixteen
/// bytes a row (the detail beside the list at 160 columns) shows eight.
#[test]
fn hex_rows_fit_the_pane() {
    for (w, hgt) in SIZES {
        let (_dir, location) = store(mixed());
        let mut h = harness(&location, w, hgt);
        h.key(KeyCode::Char('G'));
        h.key(KeyCode::Char('3'));
        let screen = h.screen();
        assert!(
            screen.contains("00000030  30 31 32 33 34 35 36 37  |01234567|"),
            "{screen}"
        );
        assert!(screen.contains("|89:;<=>?|"), "{screen}");
        snap(&format!("binary_body_{w}x{hgt}"), &mut h);
    }
}

/// `w` on Overview, Auth and Event: long info lines continue on the next
/// rows instead of being cut, and back; the hint line says which way `w` goes.
#[test]
fn w_wraps_long_info_lines() {
    let (_dir, location) = store(mixed());
    let mut h = harness(&location, 80, 24);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('j'));
    h.key(KeyCode::Tab);
    // The verdict's explanation is cut at 80 columns.
    h.key(KeyCode::Char('1'));
    h.key(KeyCode::Enter); // zoomed: the whole tab on screen
    let cut = h.screen();
    assert!(cut.contains(" w wrap "), "{cut}");
    snap("overview_cut_80x24", &mut h);
    h.key(KeyCode::Char('w'));
    let wrapped = h.screen();
    assert!(wrapped.contains("wrap on"), "{wrapped}");
    assert!(wrapped.contains("or body"), "the line goes on: {wrapped}");
    snap("overview_wrapped_80x24", &mut h);
}

/// The Body tab's `ℹ` lines: cut with `…` to the pane, whole on the next
/// rows after `w`, like the info lines of the other tabs.
#[test]
fn w_wraps_the_body_tabs_info_lines() {
    let req = crate::model::CapturedRequest::new(
        "POST",
        "/charset",
        vec![crate::model::HeaderField::new(
            "content-type",
            b"text/plain; charset=x-unheard-of-charset-from-a-sender-abcdefgh".to_vec(),
        )],
        b"hello".to_vec(),
    );
    let (_dir, location) = store(vec![(req, 30, 200)]);
    let mut h = harness(&location, 60, 24);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Enter); // zoomed
    let cut = h.screen();
    let note = cut
        .lines()
        .find(|l| l.contains("ℹ unknown charset"))
        .unwrap_or_else(|| panic!("{cut}"));
    assert!(
        note.trim_end_matches('│').trim_end().ends_with('…'),
        "{note}"
    );
    snap("body_info_cut_60x24", &mut h);
    h.key(KeyCode::Char('w'));
    let wrapped = h.screen();
    assert!(wrapped.contains("shown as UTF-8"), "{wrapped}");
    snap("body_info_wrapped_60x24", &mut h);
}
