//! The request list: only the visible rows are built, from the row cache.
//! Columns are as wide as the visible rows need, up to a cap for those one
//! odd row could blow up (a custom method, a huge size, many marks); the
//! path takes what is left, with the event, the marks and the size giving
//! some back (down to their minimums) when the path would be cut short, and every
//! value cut to its column ends in `…`.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table};

use super::{Areas, ago, badge, clip, fit, pane, styled};
use crate::text::human_size;
use crate::tui::app::{App, Focus};
use crate::tui::data::Row;

/// The path never gets fewer columns than this while the marks or the event
/// column can give some up.
const MIN_PATH: usize = 16;
/// The event column's narrowest useful width: `incident.crea…` and
/// `incident.reso…` still differ.
const MIN_EVENT: usize = 14;
/// The marks column never grows past this (`≈⚠12 ↻1234 3→refus…`).
const MAX_MARKS: usize = 16;
/// ... and gives columns back to the path down to this.
const MIN_MARKS: usize = 9;
/// The method column never grows past this: `OPTIONS` whole, a sender's
/// 28-letter custom method as `SUPERL…`.
const MAX_METHOD: usize = 7;
/// The size column never grows past this (`512.0 KiB!`)...
const MAX_SIZE: usize = 10;
/// ... and gives columns back to the path down to this (`10.0 MiB!`).
const MIN_SIZE: usize = 9;

/// One column: its header and each visible row's cell, before widths are known.
struct Column {
    header: &'static str,
    right: bool,
    cells: Vec<Line<'static>>,
    /// The most it may take; `None`: as wide as its widest cell.
    cap: Option<usize>,
    /// A shorter form of a cell, used instead of cutting it (the event
    /// without its sender).
    short: Vec<Option<Line<'static>>>,
}

impl Column {
    fn new(header: &'static str, right: bool) -> Column {
        Column {
            header,
            right,
            cells: Vec::new(),
            cap: None,
            short: Vec::new(),
        }
    }

    fn want(&self) -> usize {
        let widest = self.cells.iter().map(Line::width).max().unwrap_or(0);
        let want = widest.max(self.header.len());
        self.cap
            .map_or(want, |cap| want.min(cap.max(self.header.len())))
    }
}

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
    let width = usize::from(areas.list_rows.width);
    let show_event = width >= 70;
    let show_size = width >= 60;
    let height = usize::from(areas.list_rows.height);
    let start = app.list.offset.min(view.len());
    let end = (start + height).min(view.len());
    let visible = &view[start..end];

    let mut method = Column::new("METHOD", false);
    method.cap = Some(MAX_METHOD);
    let mut cols = vec![
        Column::new("ID", true),
        Column::new("AGE", true),
        method,
        Column::new("PATH", false),
        Column::new("ST", false),
    ];
    const PATH: usize = 3;
    let size_col = show_size.then(|| {
        let mut size = Column::new("SIZE", true);
        size.cap = Some(MAX_SIZE);
        cols.push(size);
        cols.len() - 1
    });
    let event_col = show_event.then(|| {
        let mut c = Column::new("EVENT", false);
        c.cap = Some(if width >= 100 { 28 } else { 18 });
        cols.push(c);
        cols.len() - 1
    });
    cols.push(Column::new("AUTH", false));
    let mut marks_col = Column::new("MARKS", false);
    marks_col.cap = Some(MAX_MARKS);
    cols.push(marks_col);
    let marks_at = cols.len() - 1;

    for id in visible {
        let cells = match app.list.rows.get(id) {
            Some(row) => cells(app, row, show_size, show_event),
            None => vec![
                Line::from(id.to_string()),
                Line::from(Span::styled("…", theme.dim())),
            ],
        };
        for (i, col) in cols.iter_mut().enumerate() {
            col.cells.push(cells.get(i).cloned().unwrap_or_default());
            let short = (Some(i) == event_col)
                .then(|| app.list.rows.get(id).and_then(event_only))
                .flatten();
            col.short.push(short);
        }
    }

    let mut widths: Vec<usize> = cols.iter().map(Column::want).collect();
    let gaps = cols.len() - 1;
    let others = |w: &[usize]| -> usize {
        w.iter()
            .enumerate()
            .filter(|(i, _)| *i != PATH)
            .map(|(_, w)| w)
            .sum::<usize>()
            + gaps
    };
    // The path's own width is what the others leave; the event, the marks
    // and the size column give some back when the path would be cut short.
    let path_needs = MIN_PATH.min(cols[PATH].want());
    for (col, least) in [
        (event_col, MIN_EVENT),
        (Some(marks_at), MIN_MARKS),
        (size_col, MIN_SIZE),
    ] {
        let Some(c) = col else { continue };
        let left = width.saturating_sub(others(&widths));
        if left >= path_needs {
            break;
        }
        let give = (path_needs - left).min(widths[c].saturating_sub(least));
        widths[c] -= give;
    }
    widths[PATH] = width
        .saturating_sub(others(&widths))
        .max(cols[PATH].header.len());

    let constraints: Vec<Constraint> = widths
        .iter()
        .map(|w| Constraint::Length(u16::try_from(*w).unwrap_or(u16::MAX)))
        .collect();
    let rows = visible.iter().enumerate().map(|(r, id)| {
        let cells = cols.iter().zip(&widths).map(|(col, w)| {
            let line = match &col.short[r] {
                Some(short) if col.cells[r].width() > *w => short.clone(),
                _ => col.cells[r].clone(),
            };
            let line = fit(line, *w);
            Cell::from(if col.right {
                line.alignment(Alignment::Right)
            } else {
                line
            })
        });
        let row = TableRow::new(cells.collect::<Vec<_>>());
        if Some(*id) == app.list.selected {
            row.style(theme.selected())
        } else {
            row
        }
    });
    let header = cols.iter().map(|c| {
        let line = Line::from(c.header);
        Cell::from(if c.right {
            line.alignment(Alignment::Right)
        } else {
            line
        })
    });
    let table = Table::new(rows, constraints).column_spacing(1).header(
        TableRow::new(header.collect::<Vec<_>>()).style(theme.dim().add_modifier(Modifier::BOLD)),
    );
    let area = areas.list_header.union(areas.list_rows);
    frame.render_widget(table, area);
}

/// The cells of one row, in the columns' order, uncut.
fn cells(app: &App, row: &Row, show_size: bool, show_event: bool) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut cells = vec![
        Line::from(row.id.to_string()),
        Line::from(Span::styled(ago(app.now, row.received_at), theme.dim())),
        Line::from(Span::styled(row.method.clone(), theme.method(&row.method))),
        Line::from(row.target.clone()),
        Line::from(Span::styled(
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
        let complete = row.outcome == "complete";
        let (text, style) = if complete {
            (size, theme.text())
        } else {
            (format!("{size}!"), theme.warning())
        };
        cells.push(Line::from(Span::styled(text, style)));
    }
    if show_event {
        cells.push(match (&row.provider, &row.event) {
            (Some(p), Some(e)) => Line::from(vec![
                styled(p.clone(), theme.dim()),
                Span::raw(" "),
                Span::raw(e.clone()),
            ]),
            (_, Some(e)) => Line::from(Span::raw(e.clone())),
            _ => Line::from(Span::styled("—", theme.dim())),
        });
    }
    cells.push(match row.verdict {
        Some(v) => Line::from(badge(app, v)),
        None => Line::from(Span::styled("none", theme.dim())),
    });
    cells.push(marks(app, row));
    cells
}

/// The event type alone, for an event cell too narrow for its sender too.
fn event_only(row: &Row) -> Option<Line<'static>> {
    row.provider.as_ref()?;
    row.event.clone().map(|e| Line::from(Span::raw(e)))
}

/// `≈`: the verdict was judged now, not at arrival; `⚠5`: the payload has
/// five problems; `↻3`: a duplicate (a retry) of #3; `→200`: replayed or
/// forwarded, and the last attempt's answer (`2→500`: twice).
fn marks(app: &App, row: &Row) -> Line<'static> {
    let theme = &app.theme;
    let mut spans = Vec::new();
    if row.judged_later {
        spans.push(Span::styled("≈", theme.warning()));
    }
    let gap = |spans: &mut Vec<Span<'static>>| {
        if spans.iter().any(|s| s.content != "≈") {
            spans.push(Span::raw(" "));
        }
    };
    if row.problems > 0 {
        gap(&mut spans);
        spans.push(Span::styled(format!("⚠{}", row.problems), theme.warning()));
    }
    if let Some(first) = row.duplicate_of {
        gap(&mut spans);
        spans.push(Span::styled(format!("↻{first}"), theme.warning()));
    }
    if let Some(mark) = row.delivered {
        gap(&mut spans);
        let count = if mark.count > 1 {
            mark.count.to_string()
        } else {
            String::new()
        };
        let style: Style = if mark.last_error.is_some() {
            theme.error()
        } else {
            theme.status(mark.last_status)
        };
        spans.push(Span::styled(format!("{count}→"), theme.dim()));
        spans.push(Span::styled(mark.last_label(), style));
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
