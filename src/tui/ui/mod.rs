//! Rendering: a pure function of `&App`, one file per pane.
//!
//! ```text
//!  wide (>= 140 columns)                         narrow (stacked), works at 80x24
//! ┌status: url · store · total · rate · mode ┐  ┌status─────────────────────┐
//! │┌Requests───────────┐┌#id METHOD /path───┐│  │┌Requests─────────────────┐│
//! ││ID AGE METHOD PATH ││1 Overview 2 Head..││  ││ID AGE METHOD PATH ...   ││
//! ││ 41 3s POST  /hook ││                   ││  │└─────────────────────────┘│
//! ││ 42 1s POST  /hook ││   tab content     ││  │┌#id────────────────────┐  │
//! │└───────────────────┘└───────────────────┘│  ││1 Overview 2 Headers ..│  │
//! │hint: keys, prompt, message               │  │└───────────────────────┘  │
//! └──────────────────────────────────────────┘  └hint───────────────────────┘
//! ```

mod answer_form;
mod copy_menu;
pub mod detail;
pub mod help;
pub mod hint;
pub mod list;
pub mod status;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};

use super::app::{App, Overlay};
use crate::inspect::Verdict;

/// From this width on, list and detail sit side by side.
pub const WIDE: u16 = 140;

/// Where everything goes; the app uses it too, for paging and mouse hits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    pub status: Rect,
    pub list: Rect,
    pub list_header: Rect,
    pub list_rows: Rect,
    pub detail: Rect,
    pub detail_tabs: Rect,
    pub detail_content: Rect,
    pub hint: Rect,
}

pub fn layout(area: Rect, zoom: bool) -> Areas {
    let [status, main, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let (list, detail) = if zoom {
        (Rect::new(main.x, main.y, 0, 0), main)
    } else if area.width >= WIDE {
        let [l, d] = Layout::horizontal([Constraint::Percentage(48), Constraint::Percentage(52)])
            .areas(main);
        (l, d)
    } else {
        let [l, d] =
            Layout::vertical([Constraint::Percentage(42), Constraint::Percentage(58)]).areas(main);
        (l, d)
    };
    let list_inner = list.inner(Margin::new(1, 1));
    let [list_header, list_rows] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(list_inner);
    let detail_inner = detail.inner(Margin::new(1, 1));
    let [detail_tabs, _gap, detail_content] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(detail_inner);
    let detail_content = detail_content.inner(Margin::new(1, 0));
    Areas {
        status,
        list,
        list_header,
        list_rows,
        detail,
        detail_tabs,
        detail_content,
        hint,
    }
}

/// Draw the whole screen.
pub fn render(frame: &mut Frame<'_>, app: &App) {
    let area = frame.area();
    frame.buffer_mut().set_style(area, app.theme.base());
    let areas = layout(area, app.zoom);
    status::render(frame, areas.status, app);
    if !app.zoom {
        list::render(frame, &areas, app);
    }
    detail::render(frame, &areas, app);
    hint::render(frame, areas.hint, app);
    if let Overlay::Help { scroll } = app.overlay {
        help::render(frame, area, app, scroll);
    }
    if app.overlay == Overlay::CopyMenu {
        copy_menu::render(frame, area, app);
    }
    answer_form::render(frame, area, app);
}

/// A pane's frame: rounded, highlighted when focused.
pub fn pane<'a>(app: &App, focused: bool) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(app.theme.border(focused))
}

/// `3s`, `12m`, `5h`, `3d`: how long ago.
pub fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86_400 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// At most `width` characters, with `…` when cut.
pub fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// An info line's text: whole when `w` wraps (the tab wraps it, see
/// `detail::tab_lines`), else [`clip`]ped to `width`.
pub fn clip_unless_wrapped(app: &App, text: &str, width: usize) -> String {
    if app.detail.wrap {
        text.to_string()
    } else {
        clip(text, width)
    }
}

/// A line cut to `width` columns, ending in `…` (in the cut span's style)
/// when anything was cut.
pub fn fit(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let mut out = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let w = span.width();
        if used + w < width {
            used += w;
            out.push(span);
            continue;
        }
        let mut text = String::new();
        for c in span.content.chars() {
            let cw = char_width(c);
            if used + cw + 1 > width {
                break;
            }
            used += cw;
            text.push(c);
        }
        if width > 0 {
            text.push('…');
        }
        out.push(Span::styled(text, span.style));
        break;
    }
    Line { spans: out, ..line }
}

/// The last `width` characters, with `…` in front when cut (paths).
pub fn clip_left(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::from("…");
    out.extend(text.chars().skip(n - (width - 1)));
    out
}

/// The auth verdict as a coloured badge.
pub fn badge(app: &App, verdict: Verdict) -> Span<'static> {
    let word = match verdict {
        Verdict::Unconfigured => "unconf",
        v => v.as_str(),
    };
    Span::styled(format!(" {word} "), app.theme.verdict(verdict))
}

/// Split text into rows of at most `width` display columns, breaking at
/// spaces where it can and inside a word only when the word alone is too long.
pub fn chunks(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split_inclusive(' ') {
        let bare = str_width(word.trim_end_matches(' '));
        if used > 0 && used + bare > width {
            out.push(std::mem::take(&mut line).trim_end_matches(' ').to_string());
            used = 0;
        }
        if bare > width {
            for c in word.chars() {
                let w = char_width(c);
                if used + w > width && used > 0 {
                    out.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += w;
            }
        } else {
            line.push_str(word);
            used += str_width(word);
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

fn str_width(text: &str) -> usize {
    Span::raw(text).width()
}

pub fn char_width(c: char) -> usize {
    let mut buf = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// A dim label padded to the label column.
pub fn label(app: &App, text: &str) -> Span<'static> {
    Span::styled(format!("{text:<10}"), app.theme.label())
}

pub fn styled(text: impl Into<String>, style: Style) -> Span<'static> {
    Span::styled(text.into(), style)
}

#[cfg(test)]
mod tests {
    use ratatui::text::{Line, Span};

    use super::{chunks, fit};

    #[test]
    fn fit_cuts_with_an_ellipsis_in_the_cut_span() {
        let marks = || Line::from(vec![Span::raw("3→"), Span::raw("refused")]);
        assert_eq!(fit(marks(), 9).to_string(), "3→refused");
        assert_eq!(fit(marks(), 7).to_string(), "3→refu…");
        assert_eq!(fit(marks(), 2).to_string(), "3…");
        assert_eq!(
            fit(Line::from("/pingara-webhook"), 12).to_string(),
            "/pingara-we…"
        );
    }

    #[test]
    fn chunks_break_at_spaces() {
        assert_eq!(
            chunks("the body was not kept", 12),
            ["the body was", "not kept"]
        );
        assert_eq!(chunks("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(chunks("ab cdefghij", 4), ["ab", "cdef", "ghij"]);
        assert_eq!(chunks("", 4), [""]);
    }
}
