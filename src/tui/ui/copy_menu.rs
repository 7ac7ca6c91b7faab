//! `Y`: the copy menu, a small popup over the screen. It names forms only;
//! nothing from the request is shown, so nothing needs escaping here.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::pane;
use crate::tui::app::App;
use crate::tui::app::copy::CopyFormat;

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let theme = &app.theme;
    let height = u16::try_from(CopyFormat::ALL.len()).unwrap_or(6) + 2;
    let popup = area.centered(Constraint::Length(40), Constraint::Length(height));
    frame.render_widget(Clear, popup);
    let id = app
        .list
        .selected
        .map(|id| format!(" Copy #{id} "))
        .unwrap_or_default();
    let block = pane(app, true)
        .title(Line::from(Span::styled(id, theme.title())))
        .title_bottom(Line::from(Span::styled(" Esc closes ", theme.dim())));
    let lines: Vec<Line<'static>> = CopyFormat::ALL
        .into_iter()
        .enumerate()
        .map(|(i, format)| {
            Line::from(vec![
                Span::styled(format!(" {} {}  ", i + 1, format.key()), theme.key()),
                Span::styled(format.label(), theme.text()),
            ])
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(block).style(theme.base()),
        popup,
    );
}
