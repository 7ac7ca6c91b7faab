//! The top line: where hookcatch listens, where it stores, how much it
//! caught and how fast, how it answers, and what is wrong.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{clip, clip_left, styled};
use crate::tui::app::App;

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let theme = &app.theme;
    let bar = theme.status_bar();
    let width = usize::from(area.width);
    let total = app.list.ids.len();
    let rate = app.rate.per_second(app.now);
    let sep = || styled(" · ", bar.patch(theme.dim()));

    let error = app
        .store_error
        .as_ref()
        .map(|e| format!(" ⚠ store write failed: {e} "));
    let error_width = error
        .as_ref()
        .map_or(0, |e| e.chars().count().min(width / 2));

    let mut spans: Vec<Span<'static>> = vec![
        styled(" hookcatch ", bar.patch(theme.title())),
        styled(app.listen_url.clone(), bar.patch(theme.accent())),
    ];
    let counts = format!("{total} captured");
    let rate_text = format!("{rate:.1}/s");
    let mode = format!("mode: {}", app.mode_label);
    let fixed: usize = spans.iter().map(Span::width).sum::<usize>()
        + counts.len()
        + rate_text.len()
        + mode.len()
        + 3 * 3;
    spans.push(sep());
    spans.push(styled(counts, bar));
    spans.push(sep());
    spans.push(styled(rate_text, bar));
    spans.push(sep());
    spans.push(styled(mode, bar));
    // The store path gets what is left, cut from the left (the file name matters most).
    let room = width.saturating_sub(fixed + error_width + 3 + 7);
    if room >= 12 {
        spans.push(sep());
        spans.push(styled("store ", bar.patch(theme.dim())));
        spans.push(styled(clip_left(&app.store_label, room), bar));
    }
    let used: usize = spans.iter().map(Span::width).sum();
    if let Some(error) = error {
        let error = clip(&error, width.saturating_sub(used).max(error_width));
        let pad = width.saturating_sub(used + error.chars().count());
        spans.push(styled(" ".repeat(pad), bar));
        spans.push(styled(error, bar.patch(theme.error())));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(bar), area);
}
