//! `?`: every key, then the filter language.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::pane;
use crate::filter::FILTER_HELP;
use crate::tui::app::App;
use crate::tui::keys::HELP;

fn area_for(area: Rect) -> Rect {
    area.centered(Constraint::Max(92), Constraint::Percentage(90))
}

fn lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut out = Vec::new();
    for (section, keys) in HELP {
        out.push(Line::from(Span::styled(*section, theme.title())));
        for (key, what) in *keys {
            out.push(Line::from(vec![
                Span::styled(format!("  {key:<18}"), theme.key()),
                Span::styled(*what, theme.text()),
            ]));
        }
        out.push(Line::default());
    }
    for (i, line) in FILTER_HELP.lines().enumerate() {
        let style = if i == 0 { theme.title() } else { theme.text() };
        out.push(Line::from(Span::styled(line.to_string(), style)));
    }
    out
}

/// How far the help scrolls at this screen size.
fn max_scroll(area: Rect) -> usize {
    let inner = area_for(area).height.saturating_sub(2);
    let total =
        HELP.iter().map(|(_, keys)| keys.len() + 2).sum::<usize>() + FILTER_HELP.lines().count();
    total.saturating_sub(usize::from(inner))
}

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App, scroll: usize) {
    let popup = area_for(area);
    frame.render_widget(Clear, popup);
    let block = pane(app, true)
        .title(Line::from(Span::styled(" Help ", app.theme.title())))
        .title_bottom(Line::from(Span::styled(
            " j/k scroll · ? or Esc closes ",
            app.theme.dim(),
        )));
    let max = max_scroll(area);
    app.help_scroll.update(max);
    let scroll = u16::try_from(scroll.min(max)).unwrap_or(u16::MAX);
    let paragraph = Paragraph::new(lines(app))
        .block(block)
        .style(app.theme.base())
        .scroll((scroll, 0));
    frame.render_widget(paragraph, popup);
}
