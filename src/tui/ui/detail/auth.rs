//! Auth: the verdict stored at arrival, what it proves, what was presented
//! (masked) and the full diagnosis; with `A`, a second verdict judged with
//! this process's secrets, beside it.

use ratatui::text::{Line, Span};

use super::field;
use crate::inspect::Verdict;
use crate::text::{display_bytes, sanitize};
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
    // What the verdict establishes: a credential that does not match, or
    // one hookcatch cannot check, proves nothing.
    let proves = match (auth.verdict, auth.signed) {
        // The detail line above names what was expected and by which setting.
        (Verdict::Missing, _) => "nothing: the request presented no credential",
        _ if auth.scheme == "none" => "nothing configured and nothing presented",
        (Verdict::Invalid, true) => "nothing: the signature does not match this body and secret",
        (Verdict::Invalid, false) => "nothing: the credential does not match",
        (Verdict::Unconfigured, _) => "nothing yet: hookcatch has no secret to check it with",
        (Verdict::Valid, true) => {
            "signed: a valid signature also proves the body is what the sender signed"
        }
        (Verdict::Valid, false) => "not signed: proves who sent it, never what",
    };
    out.extend(field(app, "proves", proves, theme.text(), width));
    out.extend(presented(app, d, width));
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

/// What the request presented: the stored line (masked, signatures
/// shortened) until `v`; then the secret headers as received, through the
/// same masking the Headers tab applies.
fn presented(app: &App, d: &Detail, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let masking = app.detail.masking(&app.secret_header);
    if masking.is_on() {
        let Some(presented) = &d.inspection.auth.presented else {
            return Vec::new();
        };
        let mut out = field(
            app,
            "presented",
            &sanitize(presented),
            theme.masked(),
            width,
        );
        out.push(Line::from(vec![
            Span::raw(" ".repeat(10)),
            Span::styled("v", theme.key()),
            Span::styled(" reveals the values", theme.dim()),
        ]));
        return out;
    }
    d.request
        .headers
        .iter()
        .filter(|h| masking.is_secret_header(&h.name))
        .flat_map(|h| {
            let value = display_bytes(&h.value);
            let shown = format!(
                "{}: {}",
                sanitize(&h.name),
                masking.header_value(&h.name, &value)
            );
            field(app, "presented", &shown, theme.text(), width)
        })
        .collect()
}
