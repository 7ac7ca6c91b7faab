//! Event: the decoded webhook event, its key fields, and every way it
//! deviates from what the sender documents.

use ratatui::text::{Line, Span};

use super::field;
use crate::inspect::auth::Provider;
use crate::text::sanitize;
use crate::tui::app::App;
use crate::tui::data::Detail;
use crate::tui::ui::{chunks, clip};

pub fn lines(app: &App, d: &Detail, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let Some(event) = &d.inspection.event else {
        return vec![
            Line::from(Span::styled("No webhook event recognised.", theme.dim())),
            Line::default(),
            Line::from(Span::styled(
                "hookcatch knows Pingara, GitHub, Stripe, Standard Webhooks, Slack, Shopify and GitLab, \
                 and generic JSON with an event/type field.",
                theme.dim(),
            )),
        ];
    };
    let mut out = Vec::new();
    out.extend(field(
        app,
        "sender",
        &format!("{} ({})", event.provider.label(), event.provider.as_str()),
        theme.text(),
        width,
    ));
    out.extend(field(
        app,
        "type",
        &sanitize(&event.kind),
        theme.accent(),
        width,
    ));
    if let Some(action) = &event.action {
        out.extend(field(
            app,
            "action",
            &sanitize(action),
            theme.accent(),
            width,
        ));
    }
    if !event.summary.is_empty() {
        out.extend(field(
            app,
            "summary",
            &sanitize(&event.summary),
            theme.text(),
            width,
        ));
    }
    if let Some(key) = &d.inspection.duplicate_key {
        out.extend(field(app, "key", &sanitize(key), theme.dim(), width));
    }
    if !event.fields.is_empty() {
        out.push(Line::default());
        out.push(Line::from(Span::styled("fields", theme.title())));
        let name_width = event
            .fields
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0)
            .min(30);
        let room = width.saturating_sub(name_width + 4).max(8);
        for (name, value) in &event.fields {
            let name = clip(&sanitize(name), name_width);
            for (i, piece) in chunks(&sanitize(value), room).into_iter().enumerate() {
                let lead = if i == 0 {
                    format!("  {name:<name_width$}  ")
                } else {
                    " ".repeat(name_width + 4)
                };
                out.push(Line::from(vec![
                    Span::styled(lead, theme.dim()),
                    Span::styled(piece, theme.text()),
                ]));
            }
        }
    }
    out.push(Line::default());
    if event.problems.is_empty() && event.provider == Provider::Generic {
        // No sender documents a generic payload: there is nothing to match.
        out.push(Line::from(Span::styled(
            "no known sender: generic JSON, not checked against any documentation",
            theme.dim(),
        )));
    } else if event.problems.is_empty() {
        out.push(Line::from(Span::styled(
            "✓ matches what the sender documents",
            theme.verdict_text(crate::inspect::Verdict::Valid),
        )));
    } else {
        out.push(Line::from(Span::styled(
            format!("problems ({})", event.problems.len()),
            theme.warning(),
        )));
        for problem in &event.problems {
            for (i, piece) in chunks(&sanitize(problem), width.saturating_sub(4).max(8))
                .into_iter()
                .enumerate()
            {
                let lead = if i == 0 { "  ⚠ " } else { "    " };
                out.push(Line::from(vec![
                    Span::styled(lead, theme.warning()),
                    Span::styled(piece, theme.text()),
                ]));
            }
        }
    }
    out
}
