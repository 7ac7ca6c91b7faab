//! Overview: the request line, who sent it and when, the event, the auth
//! verdict with its explanation, and what hookcatch answered and how fast.

use ratatui::text::{Line, Span};

use super::field;
use crate::model::Outcome;
use crate::text::{display_bytes, human_size, sanitize};
use crate::tui::app::App;
use crate::tui::data::Detail;
use crate::tui::ui::{ago, badge, clip, label};

pub fn lines(app: &App, d: &Detail, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let req = &d.request;
    let mut out = Vec::new();
    out.extend(field_line(app, req, width));
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
            if !event.problems.is_empty() {
                let n = event.problems.len();
                let text = format!("{n} problem{} (Event tab)", if n == 1 { "" } else { "s" });
                out.extend(field(app, "", &text, theme.warning(), width));
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
        clip(&sanitize(&auth.detail), room),
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
                    format!(" · {}", clip(&preview, room)),
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
