//! Auth: the verdict stored at arrival, what it proves, what was presented
//! (masked) and the full diagnosis; with `A`, a second verdict judged with
//! this process's secrets, beside it.

use ratatui::text::{Line, Span};

use super::field;
use crate::text::sanitize;
use crate::tui::app::App;
use crate::tui::data::Detail;
use crate::tui::ui::{badge, chunks, label};

pub fn lines(app: &App, d: &Detail, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let auth = &d.inspection.auth;
    let mut out = vec![Line::from(vec![
        label(app, "verdict"),
        badge(app, auth.verdict),
        Span::styled(format!("  scheme {}", sanitize(&auth.scheme)), theme.dim()),
    ])];
    out.extend(field(
        app,
        "",
        &sanitize(&auth.detail),
        theme.verdict_text(auth.verdict),
        width,
    ));
    let (when, style) = match d.inspection.judged.caveat() {
        Some(caveat) => (caveat, theme.warning()),
        None => ("at arrival, with the listener's secrets", theme.dim()),
    };
    out.extend(field(app, "judged", when, style, width));
    let proves = if auth.scheme == "none" {
        "nothing configured and nothing presented"
    } else if auth.signed {
        "signed: a valid signature also proves the body is what the sender signed"
    } else {
        "not signed: proves who sent it, never what"
    };
    out.extend(field(app, "proves", proves, theme.text(), width));
    if let Some(presented) = &auth.presented {
        out.extend(field(
            app,
            "presented",
            &sanitize(presented),
            theme.masked(),
            width,
        ));
    }
    if !auth.diagnosis.is_empty() {
        out.push(Line::default());
        out.push(Line::from(Span::styled("diagnosis", theme.title())));
        for line in &auth.diagnosis {
            for (i, piece) in chunks(&sanitize(line), width.saturating_sub(4).max(8))
                .into_iter()
                .enumerate()
            {
                let lead = if i == 0 { "  • " } else { "    " };
                out.push(Line::from(vec![
                    Span::styled(lead, theme.dim()),
                    Span::styled(piece, theme.text()),
                ]));
            }
        }
    }
    out.push(Line::default());
    out.extend(recheck(app, d, width));
    out
}

/// `A`: the verdict with the current secrets, labelled, under the stored one.
fn recheck(app: &App, d: &Detail, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    if !app.detail.recheck {
        return vec![Line::from(vec![
            Span::styled("A", theme.key()),
            Span::styled(
                " recheck with the current secrets (the stored verdict stays)",
                theme.dim(),
            ),
        ])];
    }
    let r = &d.recheck;
    let mut out = vec![Line::from(vec![
        label(app, "recheck"),
        badge(app, r.verdict),
        Span::styled("  current secrets, not stored", theme.dim()),
    ])];
    out.extend(field(
        app,
        "",
        &sanitize(&r.detail),
        theme.verdict_text(r.verdict),
        width,
    ));
    out
}
