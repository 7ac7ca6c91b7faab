//! The request list: only the visible rows are built, from the row cache.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table};

use super::{Areas, ago, badge, clip, pane, styled};
use crate::text::human_size;
use crate::tui::app::{App, Focus};
use crate::tui::data::Row;

pub fn render(frame: &mut Frame<'_>, areas: &Areas, app: &App) {
    let theme = &app.theme;
    let focused = app.focus == Focus::List;
    let block = pane(app, focused)
        .title(title(app))
        .title_bottom(follow_mark(app));
    frame.render_widget(block, areas.list);
    let view = app.list.view();
    if view.is_empty() {
        frame.render_widget(empty(app), areas.list_rows.union(areas.list_header));
        return;
    }
    let width = areas.list_rows.width;
    let id_width = view.last().map_or(3, |id| id.to_string().len()).max(2) as u16;
    let event_width = if width >= 100 { 28 } else { 18 };
    let show_event = width >= 70;
    let show_size = width >= 60;
    let mut widths = vec![
        Constraint::Length(id_width),
        Constraint::Length(3),
        Constraint::Length(6),
        Constraint::Fill(1),
        Constraint::Length(3),
    ];
    let mut header = vec!["ID", "AGE", "METHOD", "PATH", "ST"];
    if show_size {
        widths.push(Constraint::Length(9));
        header.push("SIZE");
    }
    if show_event {
        widths.push(Constraint::Length(event_width));
        header.push("EVENT");
    }
    widths.push(Constraint::Length(8));
    header.push("AUTH");
    widths.push(Constraint::Length(MARKS));
    header.push("MARKS");

    let height = usize::from(areas.list_rows.height);
    let start = app.list.offset.min(view.len());
    let end = (start + height).min(view.len());
    let selected = app.list.selected;
    let rows = view[start..end].iter().map(|id| {
        let cells = match app.list.rows.get(id) {
            Some(row) => cells(app, row, show_size, show_event, usize::from(event_width)),
            None => vec![
                Cell::from(Line::from(id.to_string()).alignment(Alignment::Right)),
                Cell::from(Span::styled("…", theme.dim())),
            ],
        };
        let row = TableRow::new(cells);
        if Some(*id) == selected {
            row.style(theme.selected())
        } else {
            row
        }
    });
    let table = Table::new(rows, widths.clone()).column_spacing(1).header(
        TableRow::new(header.into_iter().map(Cell::from))
            .style(theme.dim().add_modifier(Modifier::BOLD)),
    );
    let area = areas.list_header.union(areas.list_rows);
    frame.render_widget(table, area);
}

fn cells(
    app: &App,
    row: &Row,
    show_size: bool,
    show_event: bool,
    event_width: usize,
) -> Vec<Cell<'static>> {
    let theme = &app.theme;
    let mut cells = vec![
        Cell::from(Line::from(row.id.to_string()).alignment(Alignment::Right)),
        Cell::from(Line::from(ago(app.now, row.received_at)).alignment(Alignment::Right))
            .style(theme.dim()),
        Cell::from(Span::styled(row.method.clone(), theme.method(&row.method))),
        Cell::from(row.target.clone()),
        Cell::from(Span::styled(
            match row.status {
                Some(s) => s.to_string(),
                None if row.pending => crate::model::PENDING.to_string(),
                None => "—".to_string(),
            },
            theme.status(row.status),
        )),
    ];
    if show_size {
        let size = human_size(row.body_size);
        let text = if row.outcome == "complete" {
            size
        } else {
            format!("{size}!")
        };
        let style = if row.outcome == "complete" {
            theme.text()
        } else {
            theme.warning()
        };
        cells.push(Cell::from(
            Line::from(Span::styled(text, style)).alignment(Alignment::Right),
        ));
    }
    if show_event {
        let line = match (&row.provider, &row.event) {
            (Some(p), Some(e)) if p.chars().count() + 1 + e.chars().count() <= event_width => {
                Line::from(vec![
                    styled(p.clone(), theme.dim()),
                    Span::raw(" "),
                    Span::raw(e.clone()),
                ])
            }
            (_, Some(e)) => Line::from(Span::raw(clip(e, event_width))),
            _ => Line::from(Span::styled("—", theme.dim())),
        };
        cells.push(Cell::from(line));
    }
    cells.push(Cell::from(match row.verdict {
        Some(v) => Line::from(badge(app, v)),
        None => Line::from(Span::styled("none", theme.dim())),
    }));
    cells.push(Cell::from(marks(app, row)));
    cells
}

/// Width of the marks column.
const MARKS: u16 = 7;

/// `≈`: the verdict was judged now, not at arrival; `↻3`: a duplicate (a
/// retry) of #3; `→200`: replayed or forwarded, and the last attempt's
/// answer (`2→500`: twice).
fn marks(app: &App, row: &Row) -> Line<'static> {
    let theme = &app.theme;
    let mut spans = Vec::new();
    if row.judged_later {
        spans.push(Span::styled("≈", theme.warning()));
    }
    if let Some(first) = row.duplicate_of {
        spans.push(Span::styled(format!("↻{first}"), theme.warning()));
    }
    if let Some(mark) = row.delivered {
        if row.duplicate_of.is_some() {
            spans.push(Span::raw(" "));
        }
        let count = if mark.count > 1 {
            mark.count.to_string()
        } else {
            String::new()
        };
        let used: usize = spans.iter().map(Span::width).sum();
        let room = usize::from(MARKS).saturating_sub(used + count.len() + 1);
        let style = if mark.last_error.is_some() {
            theme.error()
        } else {
            theme.status(mark.last_status)
        };
        spans.push(Span::styled(format!("{count}→"), theme.dim()));
        spans.push(Span::styled(clip(&mark.last_label(), room), style));
    }
    Line::from(spans)
}

fn title(app: &App) -> Line<'static> {
    let theme = &app.theme;
    let total = app.list.ids.len();
    let mut spans = vec![Span::styled(" Requests ", theme.title())];
    match &app.list.filter {
        Some(f) => {
            spans.push(Span::styled(
                format!("{} of {total} ", f.ids.len()),
                theme.text(),
            ));
            spans.push(Span::styled(
                format!("filter: {} ", clip(&crate::text::sanitize(&f.text), 40)),
                theme.accent(),
            ));
            if f.scanning {
                let upto = app.list.ids.partition_point(|id| *id <= f.upto).max(1);
                let pct = (f.examined * 100 / upto).min(99);
                spans.push(Span::styled(format!("scanning {pct}% "), theme.warning()));
            }
        }
        None => spans.push(Span::styled(format!("{total} "), theme.text())),
    }
    Line::from(spans)
}

fn follow_mark(app: &App) -> Line<'static> {
    let theme = &app.theme;
    if app.list.follow {
        Line::from(Span::styled(" ● follow ", theme.accent())).alignment(Alignment::Right)
    } else {
        Line::from(vec![
            Span::styled(" ○ follow off ", theme.dim()),
            Span::styled("f ", theme.key()),
        ])
        .alignment(Alignment::Right)
    }
}

fn empty(app: &App) -> Paragraph<'static> {
    let theme = &app.theme;
    let lines = if !app.loaded {
        vec![Line::from(Span::styled("reading the store…", theme.dim()))]
    } else if let Some(f) = &app.list.filter {
        let what = if f.scanning {
            "searching…"
        } else {
            "no request matches the filter"
        };
        vec![
            Line::default(),
            Line::from(Span::styled(what, theme.dim())),
            Line::from(vec![
                Span::styled("/", theme.key()),
                Span::styled(" to change it, empty to clear", theme.dim()),
            ]),
        ]
    } else {
        vec![
            Line::default(),
            Line::from(Span::styled("Waiting for requests…", theme.title())),
            Line::default(),
            Line::from(Span::styled(
                "Point a webhook at this URL, or try:",
                theme.dim(),
            )),
            Line::from(Span::styled(
                format!(
                    "curl -d '{{\"hello\":\"world\"}}' {}/hook",
                    app.listen_url.trim_end_matches('/')
                ),
                theme.accent(),
            )),
        ]
    };
    Paragraph::new(Text::from(lines)).alignment(Alignment::Center)
}
