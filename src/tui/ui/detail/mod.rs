//! The detail pane: a title with the request line, the tab bar, and the
//! selected tab. Tabs other than Body are short documents built as lines
//! ([`tab_lines`]), which the app also uses to know how far they scroll.

pub mod auth;
pub mod body;
pub mod deliveries;
pub mod diff;
pub mod event;
pub mod headers;
pub mod overview;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Areas, clip, pane};
use crate::tui::app::{App, Focus, Tab};

/// Tab labels and where each sits on the tab bar: (tab, first column, label).
pub fn tab_positions(area: Rect) -> Vec<(Tab, u16, String)> {
    let long = area.width >= 62;
    let mut x = area.x;
    let mut out = Vec::new();
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let name = if long { tab.title() } else { short(*tab) };
        let label = format!(" {} {name} ", i + 1);
        out.push((*tab, x, label.clone()));
        x = x.saturating_add(u16::try_from(label.chars().count()).unwrap_or(0) + 1);
    }
    out
}

fn short(tab: Tab) -> &'static str {
    match tab {
        Tab::Overview => "Ovw",
        Tab::Headers => "Hdr",
        Tab::Body => "Body",
        Tab::Auth => "Auth",
        Tab::Event => "Evt",
        Tab::Deliveries => "Dlv",
    }
}

/// Which tab a click on the tab bar hit.
pub fn tab_at(area: Rect, column: u16) -> Option<Tab> {
    tab_positions(area)
        .into_iter()
        .find(|(_, x, label)| {
            column >= *x && column < x + u16::try_from(label.chars().count()).unwrap_or(0)
        })
        .map(|(tab, _, _)| tab)
}

pub fn render(frame: &mut Frame<'_>, areas: &Areas, app: &App) {
    let theme = &app.theme;
    let focused = app.focus == Focus::Detail;
    let mut block = pane(app, focused);
    if let Some(d) = &app.detail.loaded {
        let req = &d.request;
        let room = usize::from(areas.detail.width.saturating_sub(20));
        let target = clip(
            &crate::text::sanitize(&app.detail.masking(&app.secret_header).url(&req.target)),
            room.saturating_sub(req.method.len()),
        );
        block = block.title(Line::from(vec![
            Span::styled(format!(" #{} ", req.id), theme.title()),
            Span::styled(
                crate::text::sanitize(&req.method).into_owned(),
                theme.method(&req.method),
            ),
            Span::styled(format!(" {target} "), theme.text()),
        ]));
    } else if let Some(id) = app.detail.id {
        block = block.title(Span::styled(format!(" #{id} "), theme.title()));
    }
    if app.zoom {
        block = block.title_bottom(
            Line::from(Span::styled(" zoomed: Enter or Esc ", theme.dim()))
                .alignment(Alignment::Right),
        );
    }
    frame.render_widget(block, areas.detail);

    let mut tabs = Vec::new();
    for (tab, _, label) in tab_positions(areas.detail_tabs) {
        tabs.push(Span::styled(label, theme.tab(tab == app.detail.tab)));
        tabs.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(tabs)), areas.detail_tabs);

    let content = areas.detail_content;
    if app.detail.id.is_none() {
        let text = if app.list.view().is_empty() {
            ""
        } else {
            "nothing selected"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), content);
        return;
    }
    if app.detail.loaded.is_none() {
        frame.render_widget(
            Paragraph::new(Span::styled("loading…", theme.dim())),
            content,
        );
        return;
    }
    match app.detail.tab {
        Tab::Body => return body::render(frame, content, app),
        Tab::Deliveries => return deliveries::render(frame, content, app),
        _ => {}
    }
    let lines = tab_lines(app, app.detail.tab, content.width);
    app.detail
        .scroller()
        .update(lines.len().saturating_sub(usize::from(content.height)));
    let start = app.detail.scroll().min(lines.len());
    let end = (start + usize::from(content.height)).min(lines.len());
    frame.render_widget(Paragraph::new(lines[start..end].to_vec()), content);
}

/// The lines of a tab other than Body and Deliveries, for this width.
pub fn tab_lines(app: &App, tab: Tab, width: u16) -> Vec<Line<'static>> {
    let Some(detail) = app.detail.loaded.as_deref() else {
        return Vec::new();
    };
    let width = usize::from(width);
    let lines = match tab {
        Tab::Overview => overview::lines(app, detail, width),
        Tab::Headers => headers::lines(app, detail, width),
        Tab::Auth => auth::lines(app, detail, width),
        Tab::Event => event::lines(app, detail, width),
        // Body and Deliveries draw only what is visible (see their `render`).
        Tab::Body | Tab::Deliveries => Vec::new(),
    };
    // `w`: a line wider than the pane continues on the next rows instead
    // of being cut (built here, so scrolling counts the rows drawn).
    if !app.detail.wrap || width == 0 {
        return lines;
    }
    wrap_or_fit(app, lines, width)
}

/// Info lines (a tab's lines, the Body tab's `ℹ` notes, an answer's head)
/// as `w` has them: continued on the next rows when wrapping, else each cut
/// to `width` with `…`. The one place both choices are made.
pub fn wrap_or_fit(app: &App, lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    if width == 0 {
        return lines;
    }
    if !app.detail.wrap {
        return lines
            .into_iter()
            .map(|line| crate::tui::ui::fit(line, width))
            .collect();
    }
    lines
        .into_iter()
        .flat_map(|line| {
            if line.width() <= width {
                return vec![line];
            }
            let style = line.style;
            body::wrap(line.spans, width)
                .into_iter()
                .map(|spans| Line::from(spans).style(style))
                .collect()
        })
        .collect()
}

/// `label  value…` with the value wrapped under itself.
pub fn field(
    app: &App,
    label: &str,
    value: &str,
    style: ratatui::style::Style,
    width: usize,
) -> Vec<Line<'static>> {
    let room = width.saturating_sub(10).max(8);
    super::chunks(value, room)
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            let lead = if i == 0 {
                super::label(app, label)
            } else {
                Span::raw(" ".repeat(10))
            };
            Line::from(vec![lead, Span::styled(piece, style)])
        })
        .collect()
}
