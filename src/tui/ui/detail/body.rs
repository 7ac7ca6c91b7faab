//! Body: a few lines about the body (kind, view, decoding notes, search),
//! then the text with line numbers, or the JSON tree. Only the visible lines
//! are built; highlighted lines come from the cache, the rest show plain
//! until their highlight job lands.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::text::human_size;
use crate::tui::app::detail_state::Match;
use crate::tui::app::{App, Focus};
use crate::tui::data::TextDoc;
use crate::tui::highlight::DocKey;
use crate::tui::jsontree::{JsonTree, NodeKind, TreeView};
use crate::tui::ui::char_width;

/// The lines above the scrolling text, `width` columns wide: its `ℹ` notes
/// wrap with `w` and are cut with `…` without.
pub fn header_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let Some(d) = app.detail.loaded.as_deref() else {
        return Vec::new();
    };
    let body = &d.body;
    let view = if app.detail.showing_tree() {
        "tree"
    } else if app.detail.original {
        "original bytes"
    } else {
        "decoded"
    };
    let mut spans = vec![
        Span::styled(body.kind, theme.accent().add_modifier(Modifier::BOLD)),
        Span::styled(
            format!(" · {}", human_size(d.request.body_size)),
            theme.dim(),
        ),
    ];
    if let Some(ct) = &body.content_type {
        spans.push(Span::styled(
            format!(" · {}", crate::tui::ui::clip(ct, 40)),
            theme.dim(),
        ));
    }
    spans.push(Span::styled(format!(" · {view}"), theme.text()));
    if app.detail.wrap && !app.detail.showing_tree() {
        spans.push(Span::styled(" · wrap", theme.text()));
    } else if app.detail.hscroll > 0 && !app.detail.showing_tree() {
        spans.push(Span::styled(
            format!(" · from column {} (H/L)", app.detail.hscroll + 1),
            theme.text(),
        ));
    }
    let mut out = vec![Line::from(spans)];
    if app.detail.original {
        if let Some(note) = &body.original.plain_note {
            out.push(Line::from(Span::styled(format!("ℹ {note}"), theme.note())));
        }
    } else {
        for note in &body.notes {
            out.push(Line::from(Span::styled(format!("ℹ {note}"), theme.note())));
        }
        if let Some(invalid) = &body.invalid {
            out.push(Line::from(Span::styled(
                format!("✗ {invalid}"),
                theme.error(),
            )));
        }
    }
    if let Some(note) = app
        .detail
        .doc()
        .and_then(|doc| doc.plain_note.as_ref())
        .filter(|_| !app.detail.original)
    {
        out.push(Line::from(Span::styled(format!("ℹ {note}"), theme.note())));
    }
    if let Some(search) = &app.detail.search {
        let text = if search.matches.is_empty() {
            format!("search \"{}\": no matches", search.query)
        } else {
            let more = if search.capped { "+" } else { "" };
            format!(
                "search \"{}\": {}/{}{more} · n/N",
                search.query,
                search.current + 1,
                search.matches.len()
            )
        };
        out.push(Line::from(Span::styled(text, theme.accent())));
    }
    super::wrap_or_fit(app, out, width)
}

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let header = header_lines(app, usize::from(area.width));
    app.detail
        .scroller()
        .update(max_scroll(app, header.len(), area));
    let header_height = u16::try_from(header.len())
        .unwrap_or(u16::MAX)
        .min(area.height);
    let top_area = Rect {
        height: header_height,
        ..area
    };
    frame.render_widget(Paragraph::new(header), top_area);
    let text_area = Rect {
        y: area.y + header_height,
        height: area.height - header_height,
        ..area
    };
    if text_area.height == 0 {
        return;
    }
    if app.detail.showing_tree() {
        if let (Some(tree), Some(view)) = (app.detail.json_tree(), app.detail.tree.as_ref()) {
            render_tree(frame, text_area, app, tree, view);
        }
        return;
    }
    let Some(doc) = app.detail.doc() else { return };
    if doc.lines.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("(empty body)", app.theme.dim())),
            text_area,
        );
        return;
    }
    let search = app.detail.search.as_ref();
    let rows = text_rows(
        app,
        doc,
        app.detail.doc_key(),
        app.detail.scroll(),
        text_area,
        search.map_or(&[][..], |s| &s.matches[..]),
        search.and_then(|s| s.current()),
    );
    frame.render_widget(Paragraph::new(rows).style(app.theme.text()), text_area);
}

/// How far the body scrolls under its `header` lines: to its last line
/// when wrapped (rows are not counted ahead), else to its last screenful.
fn max_scroll(app: &App, header: usize, area: Rect) -> usize {
    let len = app.detail.body_len();
    if app
        .detail
        .doc()
        .is_some_and(|d| scrolls_by_line(app, d, area))
    {
        return len.saturating_sub(1);
    }
    len.saturating_sub(usize::from(area.height).saturating_sub(header).max(1))
}

/// Does `doc` in `area` take more rows than lines (wrapped, or a halved hex
/// dump), so that it scrolls to its last line rather than its last screenful?
pub fn scrolls_by_line(app: &App, doc: &TextDoc, area: Rect) -> bool {
    app.detail.wrap || halved(doc, area)
}

/// A hex dump too wide for `area` shows eight bytes a row: each of its
/// lines takes two rows, so it scrolls like wrapped text.
fn halved(doc: &TextDoc, area: Rect) -> bool {
    let gutter = gutter_width(doc.lines.len());
    doc.hex && doc.widest + gutter > usize::from(area.width)
}

/// Columns the line numbers take, with the space after them.
pub fn gutter_width(lines: usize) -> usize {
    lines.to_string().len().max(2) + 1
}

/// The rows of a text (a body, an answer) from line `first` on that fill
/// `area`: line numbers, highlighting from the cache when it holds `key`'s
/// lines (plain until the job lands), search matches, wrapping.
pub fn text_rows(
    app: &App,
    doc: &TextDoc,
    key: Option<DocKey>,
    first: usize,
    area: Rect,
    matches: &[Match],
    current: Option<Match>,
) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let gutter = gutter_width(doc.lines.len()) - 1;
    let width = usize::from(area.width).saturating_sub(gutter + 1).max(1);
    let height = usize::from(area.height);
    let highlight = app
        .detail
        .highlight
        .as_ref()
        .filter(|c| key.is_some_and(|k| c.doc == k));
    let halve = halved(doc, area);
    let mut rows: Vec<Line<'static>> = Vec::with_capacity(height);
    let mut n = first;
    while rows.len() < height && n < doc.lines.len() {
        let base = match highlight.and_then(|c| c.line(n)) {
            Some(line) => line.spans.clone(),
            None => vec![Span::styled(doc.lines[n].clone(), theme.text())],
        };
        let first = matches.partition_point(|m| m.line < n);
        let last = matches.partition_point(|m| m.line <= n);
        let spans = overlay(base, &matches[first..last], current, theme.search_match());
        let halves = halve
            .then(|| crate::inspect::body::hex::halves(&doc.lines[n]))
            .flatten();
        let pieces = if let Some(halves) = halves {
            halves
                .into_iter()
                .map(|h| vec![Span::styled(h, theme.text())])
                .collect()
        } else if app.detail.wrap {
            wrap(spans, width)
        } else {
            vec![skip_columns(spans, app.detail.hscroll)]
        };
        for (i, mut piece) in pieces.into_iter().enumerate() {
            let number = if i == 0 {
                format!("{:>gutter$} ", n + 1)
            } else {
                " ".repeat(gutter + 1)
            };
            piece.insert(0, Span::styled(number, theme.line_number()));
            rows.push(Line::from(piece));
            if rows.len() == height {
                break;
            }
        }
        n += 1;
    }
    rows
}

/// Restyle the matched byte ranges of a line split into spans.
fn overlay(
    spans: Vec<Span<'static>>,
    matches: &[Match],
    current: Option<Match>,
    style: Style,
) -> Vec<Span<'static>> {
    if matches.is_empty() {
        return spans;
    }
    let mut out = Vec::with_capacity(spans.len() + matches.len() * 2);
    let mut offset = 0;
    for span in spans {
        let text = span.content.as_ref();
        let (start, end) = (offset, offset + text.len());
        offset = end;
        match split_span(text, start, end, matches, current, span.style, style) {
            Some(pieces) => out.extend(pieces),
            // Matches that do not fit this text (it changed under them): leave it plain.
            None => out.push(span),
        }
    }
    out
}

/// One span cut at the matches inside `start..end`; `None` if a match does
/// not fall on character boundaries of this text.
fn split_span(
    text: &str,
    start: usize,
    end: usize,
    matches: &[Match],
    current: Option<Match>,
    base: Style,
    hit_style: Style,
) -> Option<Vec<Span<'static>>> {
    let mut out = Vec::new();
    let mut cursor = start;
    for m in matches.iter().filter(|m| m.start < end && m.end > start) {
        let (a, b) = (m.start.max(cursor), m.end.min(end));
        if a >= b {
            continue;
        }
        if a > cursor {
            out.push(Span::styled(
                text.get(cursor - start..a - start)?.to_string(),
                base,
            ));
        }
        let mut hit = base.patch(hit_style);
        if Some(*m) == current {
            hit = hit.add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
        }
        out.push(Span::styled(
            text.get(a - start..b - start)?.to_string(),
            hit,
        ));
        cursor = b;
    }
    if cursor < end {
        out.push(Span::styled(text.get(cursor - start..)?.to_string(), base));
    }
    Some(out)
}

/// Drop the first `columns` display columns of a line (scrolled sideways);
/// a wide character cut in half shows as a space.
fn skip_columns(spans: Vec<Span<'static>>, columns: usize) -> Vec<Span<'static>> {
    if columns == 0 {
        return spans;
    }
    let mut skipped = 0;
    let mut out = Vec::with_capacity(spans.len());
    for span in spans {
        if skipped >= columns {
            out.push(span);
            continue;
        }
        let mut kept = String::new();
        for c in span.content.chars() {
            if skipped >= columns {
                kept.push(c);
                continue;
            }
            skipped += char_width(c);
            if skipped > columns {
                kept.push(' ');
            }
        }
        if !kept.is_empty() {
            out.push(Span::styled(kept, span.style));
        }
    }
    out
}

/// Cut styled spans into rows of at most `width` columns.
pub(super) fn wrap(spans: Vec<Span<'static>>, width: usize) -> Vec<Vec<Span<'static>>> {
    let mut rows = vec![Vec::new()];
    let mut used = 0;
    for span in spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            let w = char_width(c);
            if used + w > width && used > 0 {
                if !piece.is_empty()
                    && let Some(row) = rows.last_mut()
                {
                    row.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(Vec::new());
                used = 0;
            }
            piece.push(c);
            used += w;
        }
        if !piece.is_empty()
            && let Some(row) = rows.last_mut()
        {
            row.push(Span::styled(piece, span.style));
        }
    }
    rows
}

fn render_tree(frame: &mut Frame<'_>, area: Rect, app: &App, tree: &JsonTree, view: &TreeView) {
    let theme = &app.theme;
    let height = usize::from(area.height);
    let top = app.detail.scroll().min(view.visible.len());
    let end = (top + height).min(view.visible.len());
    let focused = app.focus == Focus::Detail;
    let rows: Vec<Line<'static>> = (top..end)
        .map(|row| {
            let index = view.visible[row];
            let node = &tree.nodes[index as usize];
            let depth = usize::from(node.depth);
            let mut spans = vec![Span::raw("  ".repeat(depth.min(40)))];
            if depth > 40 {
                spans.push(Span::styled(format!("({depth}) "), theme.dim()));
            }
            let folded = view.is_folded(index);
            spans.push(Span::styled(
                if !node.is_container() {
                    "  "
                } else if folded {
                    "▸ "
                } else {
                    "▾ "
                },
                theme.accent(),
            ));
            if let Some(key) = &node.key {
                spans.push(Span::styled(format!("\"{key}\""), theme.json_key()));
                spans.push(Span::styled(": ", theme.json_punct()));
            } else if let Some(i) = node.index {
                spans.push(Span::styled(format!("[{i}] "), theme.dim()));
            }
            match node.kind {
                NodeKind::Object | NodeKind::Array => {
                    let (open, close, unit) = if node.kind == NodeKind::Object {
                        ("{", "}", "key")
                    } else {
                        ("[", "]", "item")
                    };
                    let fold = if folded {
                        format!("{open}…{close}")
                    } else {
                        open.to_string()
                    };
                    spans.push(Span::styled(fold, theme.json_punct()));
                    let s = if node.children == 1 { "" } else { "s" };
                    spans.push(Span::styled(
                        format!(" {} {unit}{s}", node.children),
                        theme.dim(),
                    ));
                }
                NodeKind::String => spans.push(Span::styled(
                    format!("\"{}\"", node.value),
                    theme.json_string(),
                )),
                NodeKind::Number => {
                    spans.push(Span::styled(node.value.clone(), theme.json_number()))
                }
                NodeKind::Bool | NodeKind::Null => {
                    spans.push(Span::styled(node.value.clone(), theme.json_literal()))
                }
            }
            let line = Line::from(spans);
            if row == view.cursor {
                line.style(if focused {
                    theme.selected()
                } else {
                    Style::new().add_modifier(Modifier::UNDERLINED)
                })
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(rows).style(theme.text()), area);
}
