//! Deliveries: every replay and forward of the request, oldest first, with
//! the retry ladder's state and countdown; below, the picked delivery's
//! answer (status, headers, the body decoded and highlighted exactly like a
//! request body) or, after `d`, what changed between two answers.
//!
//! ```text
//!   TIME      KIND    RESULT    LATENCY    TARGET
//!   09:59:01  replay  500       3.1 ms     http://127.0.0.1:3000/pingara
//! ▸ 10:00:02  edited  200       2.2 ms     http://127.0.0.1:3000/pingara
//! ladder    attempt 2 failed (500) · next in 1m 52s · c cancels
//! ──────────────────────────────────────────── (the rest scrolls)
//! answer    200 · 2.2 ms · json · 11 B · application/json
//! content-type  application/json
//!  1 {
//!  2   "ok": true
//! ```
//!
//! The top part is fixed; the answer (or diff) scrolls under it. Only the
//! visible body lines are built, as on the Body tab.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::body::{scrolls_by_line, text_rows};
use super::diff;
use crate::replay::LadderOutcome;
use crate::secrets::{is_secret_header as is_secret, mask_header_value as masked};
use crate::text::human_size;
use crate::tui::app::{App, Focus};
use crate::tui::delivery_data::{DeliveryLine, ResponseDoc};
use crate::tui::highlight::DocKey;
use crate::tui::ui::{chunks, clip, label};

/// What scrolls under the fixed top: some lines, then a long tail.
struct Scrolled<'a> {
    head: Vec<Line<'static>>,
    tail: Tail<'a>,
}

enum Tail<'a> {
    None,
    /// The answer's body, with its highlight key.
    Body(&'a ResponseDoc, DocKey),
    /// The diff's body lines.
    Diff(&'a crate::tui::delivery_data::DiffDoc),
}

impl Tail<'_> {
    fn len(&self) -> usize {
        match self {
            Tail::None => 0,
            Tail::Body(r, _) => r.body.lines.len(),
            Tail::Diff(d) => diff::body_len(d),
        }
    }
}

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    app.detail.scroller().update(max_scroll(app, area));
    let top = top_lines(app, area);
    let top_height = u16::try_from(top.len())
        .unwrap_or(u16::MAX)
        .min(area.height);
    frame.render_widget(
        Paragraph::new(top),
        Rect {
            height: top_height,
            ..area
        },
    );
    let rest = Rect {
        y: area.y + top_height,
        height: area.height - top_height,
        ..area
    };
    if rest.height == 0 {
        return;
    }
    let scrolled = scrolled(app, usize::from(area.width));
    let scroll = app.detail.scroll();
    let mut rows: Vec<Line<'static>> = scrolled
        .head
        .iter()
        .skip(scroll)
        .take(usize::from(rest.height))
        .cloned()
        .collect();
    let left = usize::from(rest.height) - rows.len();
    let first = scroll.saturating_sub(scrolled.head.len());
    if left > 0 {
        let tail_area = Rect {
            height: u16::try_from(left).unwrap_or(0),
            ..rest
        };
        match scrolled.tail {
            Tail::None => {}
            Tail::Body(doc, key) => rows.extend(text_rows(
                app,
                &doc.body,
                Some(key),
                first,
                tail_area,
                &[],
                None,
            )),
            Tail::Diff(d) => rows.extend(diff::body_rows(app, d, first, left)),
        }
    }
    frame.render_widget(Paragraph::new(rows).style(app.theme.text()), rest);
}

/// How far the answer (or diff) scrolls in `area`.
fn max_scroll(app: &App, area: Rect) -> usize {
    let top = top_lines(app, area).len();
    let s = scrolled(app, usize::from(area.width));
    let total = s.head.len() + s.tail.len();
    if let Tail::Body(doc, _) = s.tail
        && scrolls_by_line(app, &doc.body, area)
    {
        return total.saturating_sub(1);
    }
    total.saturating_sub(usize::from(area.height).saturating_sub(top).max(1))
}

/// The first answer body line on screen (for highlighting).
pub fn body_top(app: &App, area: Rect) -> usize {
    app.detail
        .scroll()
        .saturating_sub(scrolled(app, usize::from(area.width)).head.len())
}

/// Rows the list of deliveries gets at most.
fn table_rows(area: Rect) -> usize {
    (usize::from(area.height) / 3).max(3)
}

/// The fixed top: the deliveries, the ladder, a rule.
fn top_lines(app: &App, area: Rect) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let width = usize::from(area.width);
    let lines = app.detail.delivery_lines();
    let id = app.detail.id.unwrap_or(0);
    let mut out = Vec::new();
    if lines.is_empty() {
        out.push(Line::from(Span::styled("no deliveries yet", theme.dim())));
        out.push(Line::from(vec![
            Span::styled("r", theme.key()),
            Span::styled(format!(" replays to {}", app.replay_target), theme.dim()),
        ]));
        out.push(Line::from(vec![
            Span::styled("R", theme.key()),
            Span::styled(" runs the retry ladder · ", theme.dim()),
            Span::styled("e", theme.key()),
            Span::styled(" edits first", theme.dim()),
        ]));
    } else {
        let shown = table_rows(area).min(lines.len());
        let picked = app.detail.picked_index().unwrap_or(0);
        let start = (picked + 1).saturating_sub(shown);
        let mut header = format!(
            "  {:<8}  {:<7} {:<9} {:<10} TARGET",
            "TIME", "KIND", "RESULT", "LATENCY"
        );
        if shown < lines.len() {
            header.push_str(&format!("  ({shown} of {}: j/k)", lines.len()));
        }
        out.push(Line::from(Span::styled(
            clip(&header, width),
            theme.dim().add_modifier(Modifier::BOLD),
        )));
        for (i, line) in lines.iter().enumerate().skip(start).take(shown) {
            out.push(delivery_row(app, line, i == picked, width));
        }
    }
    if let Some(ladder) = app.ladder(id) {
        let mut text = ladder.describe(app.now);
        let style = match ladder.finished {
            None => {
                if !ladder.cancelling {
                    text.push_str(" · c cancels");
                }
                theme.warning()
            }
            Some(LadderOutcome::Succeeded { .. }) => theme.status(Some(200)),
            Some(LadderOutcome::Failed { .. }) => theme.error(),
            Some(_) => theme.dim(),
        };
        out.push(Line::from(vec![
            label(app, "ladder"),
            Span::styled(clip(&text, width.saturating_sub(10)), style),
        ]));
    }
    let sending = app.sending(id);
    if sending > 0 {
        out.push(Line::from(vec![
            label(app, "sending"),
            Span::styled(
                clip(
                    &format!("→ {}…", app.replay_target),
                    width.saturating_sub(10),
                ),
                theme.accent(),
            ),
        ]));
    }
    if !lines.is_empty() {
        out.push(Line::from(Span::styled("─".repeat(width), theme.dim())));
    }
    out
}

fn delivery_row(app: &App, d: &DeliveryLine, picked: bool, width: usize) -> Line<'static> {
    let theme = &app.theme;
    let base = app.detail.deliveries.base == Some(d.id);
    let mark = match (picked, base) {
        (true, _) => "▸ ",
        (false, true) => "◆ ",
        _ => "  ",
    };
    let result_style = if d.error.is_some() {
        theme.error()
    } else {
        theme.status(d.status)
    };
    let mut spans = vec![
        Span::styled(mark, theme.accent()),
        Span::styled(format!("{:<8}  ", d.at.format("%H:%M:%S")), theme.text()),
        Span::styled(format!("{:<7} ", d.kind), theme.dim()),
        Span::styled(format!("{:<9} ", clip(&d.label, 9)), result_style),
        Span::styled(format!("{:<10} ", latency(d.latency_ms)), theme.text()),
    ];
    let used: usize = spans.iter().map(Span::width).sum();
    let room = width.saturating_sub(used);
    let target = d.shown_target(&app.detail.masking(&app.secret_header));
    match &d.error {
        Some((_, message)) => {
            let target = clip(&target, room / 2);
            let left = room.saturating_sub(target.chars().count() + 2);
            spans.push(Span::styled(target, theme.dim()));
            spans.push(Span::styled(
                format!("  {}", clip(message, left)),
                theme.error(),
            ));
        }
        None => spans.push(Span::styled(clip(&target, room), theme.dim())),
    }
    let line = Line::from(spans);
    if picked && app.focus == Focus::Detail {
        line.style(theme.selected())
    } else {
        line
    }
}

/// `3.1 ms`, `1.25 s`.
pub fn latency(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// The part that scrolls: the picked answer, or the diff.
fn scrolled(app: &App, width: usize) -> Scrolled<'_> {
    let theme = &app.theme;
    let none = |text: &str| Scrolled {
        head: vec![Line::from(Span::styled(text.to_string(), theme.dim()))],
        tail: Tail::None,
    };
    let Some(picked) = app.detail.picked() else {
        return Scrolled {
            head: Vec::new(),
            tail: Tail::None,
        };
    };
    if app.detail.deliveries.diff {
        return match app.detail.diff_doc() {
            Some(d) => Scrolled {
                head: diff::head_lines(app, d, width),
                tail: Tail::Diff(d),
            },
            None => none("comparing…"),
        };
    }
    let Some(doc) = app.detail.response() else {
        return none("reading the answer…");
    };
    let mut head = answer_lines(app, picked, doc, width);
    let tail = if doc.body.lines.is_empty() {
        if picked.error.is_none() {
            head.push(Line::from(Span::styled("(empty body)", theme.dim())));
        }
        Tail::None
    } else {
        let key = DocKey {
            id: app.detail.id.unwrap_or(0),
            original: false,
            delivery: Some(doc.delivery),
        };
        Tail::Body(doc, key)
    };
    Scrolled { head, tail }
}

fn answer_lines(
    app: &App,
    d: &DeliveryLine,
    doc: &ResponseDoc,
    width: usize,
) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let room = width.saturating_sub(10).max(8);
    let mut out = Vec::new();
    let mut summary = vec![label(app, "answer")];
    match &d.error {
        Some((kind, _)) => summary.push(Span::styled(format!("none ({kind})"), theme.error())),
        None => summary.push(Span::styled(d.label.clone(), theme.status(d.status))),
    }
    let mut facts = format!(" · {}", latency(d.latency_ms));
    if d.error.is_none() {
        facts.push_str(&format!(
            " · {} · {}",
            doc.kind,
            human_size(doc.size as u64)
        ));
        if let Some(ct) = &doc.content_type {
            facts.push_str(&format!(" · {}", clip(ct, 40)));
        }
    }
    summary.push(Span::styled(facts, theme.dim()));
    out.push(Line::from(summary));
    if let Some((kind, message)) = &d.error {
        for (i, piece) in chunks(&format!("{kind}: {message}"), room)
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 {
                label(app, "error")
            } else {
                label(app, "")
            };
            out.push(Line::from(vec![lead, Span::styled(piece, theme.error())]));
        }
    }
    let mut sent = vec![
        label(app, "sent"),
        Span::styled(
            clip(&doc.sent(&app.detail.masking(&app.secret_header)), room),
            theme.text(),
        ),
    ];
    if !doc.edited.is_empty() {
        sent.push(Span::styled(
            format!(" (edited: {})", doc.edited.join(", ")),
            theme.accent(),
        ));
    }
    out.push(Line::from(sent));
    let name_width = doc
        .headers
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    let value_room = width.saturating_sub(name_width + 2).max(8);
    for (name, value) in &doc.headers {
        let (text, style) = if is_secret(name, &app.secret_header) && !app.detail.reveal {
            (masked(name, value), theme.masked())
        } else {
            (value.clone(), theme.text())
        };
        for (i, piece) in chunks(&text, value_room).into_iter().enumerate() {
            let lead = if i == 0 {
                Span::styled(
                    format!("{:<name_width$}  ", clip(name, name_width)),
                    theme.accent(),
                )
            } else {
                Span::raw(" ".repeat(name_width + 2))
            };
            out.push(Line::from(vec![lead, Span::styled(piece, style)]));
        }
    }
    for note in &doc.notes {
        out.push(Line::from(Span::styled(format!("ℹ {note}"), theme.note())));
    }
    if let Some(invalid) = &doc.invalid {
        out.push(Line::from(Span::styled(
            format!("✗ {invalid}"),
            theme.error(),
        )));
    }
    if let Some(note) = &doc.body.plain_note {
        out.push(Line::from(Span::styled(format!("ℹ {note}"), theme.note())));
    }
    super::wrap_or_fit(app, out, width)
}
