//! Overview: the one page that answers "what arrived?". The request line
//! and its query parameters (decoded), who sent it and when, the event, the
//! auth verdict with its explanation, what hookcatch answered and how fast,
//! the payload's problems, the headers (masked until `v`) and the body's
//! first lines, highlighted. The other tabs go into depth.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::field;
use crate::model::Outcome;
use crate::text::{display_bytes, human_size, sanitize};
use crate::tui::app::App;
use crate::tui::data::Detail;
use crate::tui::ui::{ago, badge, clip, clip_unless_wrapped, label};

pub fn lines(app: &App, d: &Detail, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let req = &d.request;
    let mut out = Vec::new();
    out.extend(field_line(app, req, width));
    out.extend(query_table(app, req, width));
    out.push(Line::default());
    out.extend(field(
        app,
        "from",
        &sanitize(&req.remote_addr),
        theme.text(),
        width,
    ));
    let when = format!(
        "{} · {} ago",
        req.received_at.format("%Y-%m-%d %H:%M:%S%.3f UTC"),
        ago(app.now, req.received_at)
    );
    out.extend(field(app, "received", &when, theme.text(), width));

    match &d.inspection.event {
        Some(event) => {
            out.push(Line::from(vec![
                label(app, "event"),
                Span::styled(format!("{} ", event.provider.label()), theme.dim()),
                Span::styled(sanitize(&event.label()).into_owned(), theme.accent()),
            ]));
            if !event.summary.is_empty() {
                out.extend(field(
                    app,
                    "",
                    &sanitize(&event.summary),
                    theme.text(),
                    width,
                ));
            }
        }
        None => out.push(Line::from(vec![
            label(app, "event"),
            Span::styled("not recognised", theme.dim()),
        ])),
    }

    let auth = &d.inspection.auth;
    let mut verdict = vec![label(app, "auth"), badge(app, auth.verdict), Span::raw(" ")];
    let room = width.saturating_sub(10 + 10);
    verdict.push(Span::styled(
        clip_unless_wrapped(app, &sanitize(&auth.detail), room),
        theme.text(),
    ));
    out.push(Line::from(verdict));
    if let Some(caveat) = d.inspection.judged.caveat() {
        out.extend(field(app, "", caveat, theme.warning(), width));
    }

    match &req.response {
        Some(resp) => {
            let mut spans = vec![
                label(app, "answered"),
                Span::styled(resp.status.to_string(), theme.status(Some(resp.status))),
                Span::styled(format!(" in {:.1} ms", resp.latency_ms), theme.text()),
            ];
            if !resp.body.is_empty() {
                let preview = display_bytes(&resp.body[..resp.body.len().min(200)]);
                let room = width.saturating_sub(30);
                spans.push(Span::styled(
                    format!(" · {}", clip_unless_wrapped(app, &preview, room)),
                    theme.dim(),
                ));
            }
            out.push(Line::from(spans));
        }
        None => out.push(Line::from(vec![
            label(app, "answered"),
            Span::styled(
                match req.response_reason.as_deref() {
                    Some(crate::model::PENDING) => "pending".to_string(),
                    Some(why) => format!("not answered: {}", sanitize(why)),
                    None => "not answered".to_string(),
                },
                theme.dim(),
            ),
        ])),
    }
    if let Some(slow) = &d.inspection.slow_answer {
        out.extend(field(
            app,
            "⚠ slow",
            &sanitize(slow),
            theme.warning(),
            width,
        ));
    }

    let mut body = human_size(req.body_size);
    if let Some(ct) = &d.body.content_type {
        body.push_str(&format!(" · {ct}"));
    }
    body.push_str(&format!(" · {}", d.body.kind));
    out.extend(field(app, "body", &body, theme.text(), width));
    match &req.outcome {
        Outcome::Complete => {}
        Outcome::TooLarge { declared, seen } => {
            let declared =
                declared.map_or(String::new(), |n| format!(", declared {}", human_size(n)));
            let text = format!(
                "too large: cut after {}{declared}; the body was not kept",
                human_size(*seen)
            );
            out.extend(field(app, "outcome", &text, theme.warning(), width));
        }
        Outcome::Incomplete { reason } => {
            out.extend(field(
                app,
                "outcome",
                &format!("incomplete: {}", sanitize(reason)),
                theme.warning(),
                width,
            ));
        }
        Outcome::Malformed { detail } => {
            out.extend(field(
                app,
                "outcome",
                &format!("malformed: {}", sanitize(detail)),
                theme.warning(),
                width,
            ));
        }
    }
    if let Some(first) = d.duplicate_of {
        let key = d
            .inspection
            .duplicate_key
            .as_deref()
            .map_or(String::new(), |k| format!(" (key {})", sanitize(k)));
        out.extend(field(
            app,
            "duplicate",
            &format!("retry of #{first}: same event{key}"),
            theme.warning(),
            width,
        ));
    }
    out.extend(problems(app, d, width));
    out.push(Line::default());
    out.extend(super::headers::lines(app, d, width));
    out.push(Line::default());
    out.extend(body_preview(app, d, width));
    out
}

/// Problems shown here before the Event tab lists them all.
const PROBLEMS_SHOWN: usize = 5;
/// The body's first lines on the overview; the Body tab shows the rest.
pub const BODY_PREVIEW: usize = 40;

/// `problems  ⚠ 3` and the first few, one a line.
fn problems(app: &App, d: &Detail, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let list = d
        .inspection
        .event
        .as_ref()
        .map_or(&[][..], |e| &e.problems[..]);
    if list.is_empty() {
        return field(app, "problems", "none", theme.dim(), width);
    }
    let mut out = field(
        app,
        "problems",
        &format!("⚠ {}", list.len()),
        theme.warning(),
        width,
    );
    for problem in list.iter().take(PROBLEMS_SHOWN) {
        out.extend(field(
            app,
            "",
            &format!("· {}", sanitize(problem)),
            theme.warning(),
            width,
        ));
    }
    if list.len() > PROBLEMS_SHOWN {
        let more = format!("… {} more (Event tab)", list.len() - PROBLEMS_SHOWN);
        out.extend(field(app, "", &more, theme.dim(), width));
    }
    out
}

/// The query parameters, percent-decoded, one a row; secret values masked
/// (by the one masking policy) until `v`.
fn query_table(app: &App, req: &crate::model::CapturedRequest, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let target = app
        .detail
        .masking(&app.secret_header)
        .url(&req.target)
        .into_owned();
    let Some((_, query)) = target.split_once('?') else {
        return Vec::new();
    };
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    let decode = |s: &str| {
        let bytes = crate::inspect::body::form::percent_decode(s.as_bytes());
        sanitize(&String::from_utf8_lossy(&bytes)).into_owned()
    };
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    if params.is_empty() {
        return Vec::new();
    }
    let name_width = params
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let room = width.saturating_sub(10 + name_width + 3).max(8);
    let mut out = vec![Line::default()];
    for (i, (k, v)) in params.into_iter().enumerate() {
        let lead = if i == 0 { "query" } else { "" };
        for (j, piece) in crate::tui::ui::chunks(&v, room).into_iter().enumerate() {
            let name = if j == 0 {
                clip(&k, name_width)
            } else {
                String::new()
            };
            out.push(Line::from(vec![
                label(app, if j == 0 { lead } else { "" }),
                Span::styled(format!("{name:<name_width$}"), theme.accent()),
                Span::styled(if j == 0 { " = " } else { "   " }, theme.dim()),
                Span::styled(piece, theme.text()),
            ]));
        }
    }
    out
}

/// The body's first lines as the Body tab shows them (highlighted once its
/// highlight job lands), with a pointer to the rest.
fn body_preview(app: &App, d: &Detail, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let doc = &d.body.pretty;
    if doc.lines.is_empty() {
        return vec![Line::from(Span::styled("(empty body)", theme.dim()))];
    }
    let shown = doc.lines.len().min(BODY_PREVIEW);
    let mut intro = vec![Span::styled(
        format!("body · {} lines", doc.lines.len()),
        theme.dim(),
    )];
    if shown < doc.lines.len() {
        intro.push(Span::styled(
            format!(" · the first {shown}; all in the Body tab "),
            theme.dim(),
        ));
        intro.push(Span::styled("3", theme.key()));
    }
    let mut out = vec![Line::from(intro)];
    let area = Rect::new(
        0,
        0,
        u16::try_from(width).unwrap_or(u16::MAX),
        u16::try_from(shown).unwrap_or(0),
    );
    let key = crate::tui::highlight::DocKey {
        id: d.request.id,
        original: false,
        delivery: None,
    };
    out.extend(super::body::text_rows(
        app,
        doc,
        Some(key),
        0,
        area,
        &[],
        None,
    ));
    out
}

fn field_line(app: &App, req: &crate::model::CapturedRequest, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let method = sanitize(&req.method).into_owned();
    let target = sanitize(&app.detail.masking(&app.secret_header).url(&req.target)).into_owned();
    let room = width.saturating_sub(method.chars().count() + 1);
    let pieces = crate::tui::ui::chunks(
        &format!("{target} {}", sanitize(&req.http_version)),
        room.max(8),
    );
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            let lead = if i == 0 {
                Span::styled(format!("{method} "), theme.method(&method))
            } else {
                Span::raw(" ".repeat(method.chars().count() + 1))
            };
            Line::from(vec![lead, Span::styled(piece, theme.text())])
        })
        .collect()
}
