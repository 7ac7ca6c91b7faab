//! `?`: every key, then the filter language. On a wide screen the sections
//! flow into two columns, so the whole help fits without scrolling (160x48
//! does); otherwise one column that scrolls.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{fit, pane};
use crate::filter::FILTER_HELP;
use crate::tui::app::App;
use crate::tui::keys::HELP;

/// A column wide enough for the widest key line and the filter reference.
const COLUMN: u16 = 78;

fn area_for(area: Rect, columns: u16) -> Rect {
    let width = if columns == 2 { COLUMN * 2 + 3 } else { 92 };
    area.centered(Constraint::Max(width), Constraint::Percentage(90))
}

/// Each section as a block of lines (title, keys, a blank), then the filter reference.
fn blocks(app: &App) -> Vec<Vec<Line<'static>>> {
    let theme = &app.theme;
    let mut out = Vec::new();
    for (section, keys) in HELP {
        let mut block = vec![Line::from(Span::styled(*section, theme.title()))];
        for (key, what) in *keys {
            block.push(Line::from(vec![
                Span::styled(format!("  {key:<17}"), theme.key()),
                Span::styled(*what, theme.text()),
            ]));
        }
        block.push(Line::default());
        out.push(block);
    }
    out.push(
        FILTER_HELP
            .lines()
            .enumerate()
            .map(|(i, line)| {
                let style = if i == 0 { theme.title() } else { theme.text() };
                Line::from(Span::styled(line.to_string(), style))
            })
            .collect(),
    );
    out
}

/// The blocks in two columns of at most `height` rows, kept in order, or
/// `None` when they don't fit.
fn two_columns(
    blocks: Vec<Vec<Line<'static>>>,
    height: usize,
) -> Option<(Vec<Line<'static>>, Vec<Line<'static>>)> {
    let mut left = Vec::new();
    let mut right = Vec::new();
    for block in blocks {
        if right.is_empty() && left.len() + block.len() <= height {
            left.extend(block);
        } else {
            right.extend(block);
        }
    }
    // A blank at a column's foot costs nothing.
    let rows = |c: &[Line<'_>]| c.len() - usize::from(c.last().is_some_and(|l| l.width() == 0));
    (rows(&right) <= height).then_some((left, right))
}

/// Whether the help fits this screen in two columns.
fn layout(app: &App, area: Rect) -> Option<(Vec<Line<'static>>, Vec<Line<'static>>)> {
    if area.width < COLUMN * 2 + 3 {
        return None;
    }
    let inner = usize::from(area_for(area, 2).height.saturating_sub(2));
    two_columns(blocks(app), inner)
}

/// How far the one-column help scrolls at this screen size.
fn max_scroll(area: Rect) -> usize {
    let inner = area_for(area, 1).height.saturating_sub(2);
    let total =
        HELP.iter().map(|(_, keys)| keys.len() + 2).sum::<usize>() + FILTER_HELP.lines().count();
    total.saturating_sub(usize::from(inner))
}

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App, scroll: usize) {
    let columns = layout(app, area);
    let popup = area_for(area, if columns.is_some() { 2 } else { 1 });
    frame.render_widget(Clear, popup);
    let hint = if columns.is_some() {
        " ? or Esc closes "
    } else {
        " j/k scroll · ? or Esc closes "
    };
    let block = pane(app, true)
        .title(Line::from(Span::styled(" Help ", app.theme.title())))
        .title_bottom(Line::from(Span::styled(hint, app.theme.dim())));
    if let Some((left, right)) = columns {
        app.help_scroll.update(0);
        let inner = block.inner(popup);
        frame.render_widget(block.style(app.theme.base()), popup);
        let [l, _, r] = Layout::horizontal([
            Constraint::Length(COLUMN),
            Constraint::Length(1),
            Constraint::Length(COLUMN),
        ])
        .areas(inner);
        let cut = |lines: Vec<Line<'static>>| -> Vec<Line<'static>> {
            lines
                .into_iter()
                .map(|line| fit(line, usize::from(COLUMN)))
                .collect()
        };
        frame.render_widget(Paragraph::new(cut(left)), l);
        frame.render_widget(Paragraph::new(cut(right)), r);
        return;
    }
    let max = max_scroll(area);
    app.help_scroll.update(max);
    let scroll = u16::try_from(scroll.min(max)).unwrap_or(u16::MAX);
    let paragraph = Paragraph::new(blocks(app).concat())
        .block(block)
        .style(app.theme.base())
        .scroll((scroll, 0));
    frame.render_widget(paragraph, popup);
}
