//! The Deliveries tab's diff (`d`): what changed between two answers, the
//! status first, then the headers, then the body line by line, removed lines
//! marked `-`, added `+`, as in any diff.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::tui::app::App;
use crate::tui::delivery_data::{Change, DiffDoc};
use crate::tui::ui::{clip, label};

/// The body lines the diff scrolls through (none when the bodies are equal).
pub fn body_len(d: &DiffDoc) -> usize {
    if body_changed(d) { d.body.len() } else { 0 }
}

fn body_changed(d: &DiffDoc) -> bool {
    d.body.iter().any(|(c, _)| *c != Change::Same)
}

fn style(app: &App, change: Change) -> Style {
    match change {
        Change::Same => app.theme.text(),
        Change::Removed => app.theme.diff_removed(),
        Change::Added => app.theme.diff_added(),
    }
}

fn sign(change: Change) -> &'static str {
    match change {
        Change::Same => "  ",
        Change::Removed => "- ",
        Change::Added => "+ ",
    }
}

/// Which deliveries, and where in the list (1 is the oldest).
fn side(app: &App, id: i64) -> String {
    let lines = app.detail.delivery_lines();
    match lines.iter().position(|l| l.id == id) {
        Some(i) => format!(
            "{} ({}, {})",
            i + 1,
            lines[i].at.format("%H:%M:%S"),
            lines[i].label
        ),
        None => format!("#{id}"),
    }
}

/// Everything above the body lines.
pub fn head_lines(app: &App, d: &DiffDoc, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let room = width.saturating_sub(10).max(8);
    let mut out = vec![Line::from(vec![
        label(app, "diff"),
        Span::styled(
            clip(
                &format!("{} → {}", side(app, d.before), side(app, d.after)),
                room,
            ),
            theme.title(),
        ),
    ])];
    if d.same {
        out.push(Line::from(vec![
            label(app, ""),
            Span::styled(
                "the answers are the same (the date header aside)",
                theme.dim(),
            ),
        ]));
        return out;
    }
    let status = match &d.status {
        Some((before, after)) => vec![
            label(app, "status"),
            Span::styled(before.clone(), status_style(app, before)),
            Span::styled(" → ", theme.dim()),
            Span::styled(after.clone(), status_style(app, after)),
        ],
        None => vec![label(app, "status"), Span::styled("unchanged", theme.dim())],
    };
    out.push(Line::from(status));
    if d.headers.is_empty() {
        out.push(Line::from(vec![
            label(app, "headers"),
            Span::styled("unchanged", theme.dim()),
        ]));
    }
    for (i, (change, text)) in d.headers.iter().enumerate() {
        let lead = if i == 0 {
            label(app, "headers")
        } else {
            label(app, "")
        };
        out.push(Line::from(vec![
            lead,
            Span::styled(
                format!("{}{}", sign(*change), clip(text, room.saturating_sub(2))),
                style(app, *change),
            ),
        ]));
    }
    let mut body = vec![label(app, "body")];
    if !body_changed(d) {
        body.push(Span::styled("unchanged", theme.dim()));
    } else if d.body_cut {
        body.push(Span::styled(
            "only the start of long bodies is compared",
            theme.note(),
        ));
    }
    out.push(Line::from(body));
    out
}

/// `500` in the error colour, `200` in the success colour, `refused` as an error.
fn status_style(app: &App, label: &str) -> Style {
    match label.parse::<u16>() {
        Ok(code) => app.theme.status(Some(code)),
        Err(_) => app.theme.error(),
    }
}

/// `height` body lines from `first` on.
pub fn body_rows(app: &App, d: &DiffDoc, first: usize, height: usize) -> Vec<Line<'static>> {
    if !body_changed(d) {
        return Vec::new();
    }
    d.body
        .iter()
        .skip(first)
        .take(height)
        .map(|(change, text)| {
            Line::from(Span::styled(
                format!("{}{text}", sign(*change)),
                style(app, *change),
            ))
        })
        .collect()
}
