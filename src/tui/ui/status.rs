//! The top line: where hookcatch listens, where it stores, how much it
//! caught and how fast, how many malformed requests hyper refused, how it
//! answers (the live mode, highlighted when not normal, and the custom
//! answer while one is in force), where it forwards,
//! a running retry ladder, and what is wrong.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use ratatui::style::Modifier;

use super::{clip, clip_left, styled};
use crate::tui::app::{App, countdown};

/// `ladder #5 1m 52s`: the first running ladder, when one runs.
fn running_ladder(app: &App) -> Option<String> {
    let (id, ladder) = app.running_ladders().next()?;
    let when = match ladder.next {
        Some((_, at)) => countdown(app.now, at),
        None => "sending".into(),
    };
    Some(format!("ladder #{id} {when}"))
}

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
    let mode_style = if app.mode == crate::capture::Mode::Normal {
        bar
    } else {
        bar.patch(theme.warning()).add_modifier(Modifier::BOLD)
    };
    spans.push(sep());
    spans.push(styled(counts, bar));
    spans.push(sep());
    spans.push(styled(rate_text, bar));
    if app.refused > 0 {
        // Malformed requests hyper answered 400 itself: `hookcatch list --refused` says why.
        spans.push(sep());
        spans.push(styled(
            format!("refused {}", app.refused),
            bar.patch(theme.warning()),
        ));
    }
    spans.push(sep());
    spans.push(styled("mode: ", bar));
    spans.push(styled(app.mode.label(), mode_style));
    if let Some(status) = app.custom_status {
        // `M`: a custom answer in force (a fixed mode set since answers first).
        spans.push(sep());
        spans.push(styled(
            format!("answer: custom {status}"),
            bar.patch(theme.warning()).add_modifier(Modifier::BOLD),
        ));
    }
    if let Some(forward) = &app.forward {
        spans.push(sep());
        spans.push(styled("forward → ", bar.patch(theme.dim())));
        spans.push(styled(clip(forward, 40), bar.patch(theme.accent())));
    }
    if let Some(relay) = &app.relay {
        let style = if relay == "relay: connected" {
            bar
        } else {
            bar.patch(theme.warning())
        };
        spans.push(sep());
        spans.push(styled(clip(&crate::text::sanitize(relay), 64), style));
    }
    if let Some(ladder) = running_ladder(app) {
        spans.push(sep());
        spans.push(styled(ladder, bar.patch(theme.warning())));
    }
    let fixed: usize = spans.iter().map(Span::width).sum::<usize>();
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
