//! Headers: an aligned table in received order, duplicates kept. Headers
//! that carry secrets are masked until `v`.

use ratatui::text::{Line, Span};

use crate::secrets::{is_secret_header as is_secret, mask_header_value as masked};
use crate::text::display_bytes;
use crate::tui::app::App;
use crate::tui::data::Detail;
use crate::tui::ui::{chunks, clip};

pub fn lines(app: &App, d: &Detail, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let headers = &d.request.headers;
    let mut out = Vec::new();
    let secrets = headers
        .iter()
        .filter(|h| is_secret(&h.name, &app.secret_header))
        .count();
    let mut intro = vec![Span::styled(
        format!("{} headers", headers.len()),
        theme.dim(),
    )];
    if secrets > 0 {
        let state = if app.detail.reveal {
            " · secrets shown, "
        } else {
            " · secrets masked, "
        };
        intro.push(Span::styled(state, theme.dim()));
        intro.push(Span::styled("v", theme.key()));
        intro.push(Span::styled(
            if app.detail.reveal {
                " masks"
            } else {
                " reveals"
            },
            theme.dim(),
        ));
    }
    out.push(Line::from(intro));
    out.push(Line::default());
    let name_width = headers
        .iter()
        .map(|h| h.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    let room = width.saturating_sub(name_width + 2).max(8);
    for h in headers {
        let name = clip(&crate::text::sanitize(&h.name), name_width);
        let value = display_bytes(&h.value);
        let secret = is_secret(&h.name, &app.secret_header);
        let (text, style) = if secret && !app.detail.reveal {
            (masked(&h.name, &value), theme.masked())
        } else {
            (value, theme.text())
        };
        for (i, piece) in chunks(&text, room).into_iter().enumerate() {
            let lead = if i == 0 {
                Span::styled(format!("{name:<name_width$}  "), theme.accent())
            } else {
                Span::raw(" ".repeat(name_width + 2))
            };
            out.push(Line::from(vec![lead, Span::styled(piece, style)]));
        }
    }
    out
}
