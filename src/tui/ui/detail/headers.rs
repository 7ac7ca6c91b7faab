//! Headers: an aligned table in received order, duplicates kept. Headers
//! that carry secrets are masked until `v`.

use ratatui::text::{Line, Span};

use crate::inspect::auth::mask;
use crate::text::display_bytes;
use crate::tui::app::App;
use crate::tui::data::Detail;
use crate::tui::ui::{chunks, clip};

/// Secret-bearing headers, besides the configured shared-secret header.
const SECRET: &[&str] = &[
    "x-pingara-secret",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "stripe-signature",
    "webhook-signature",
    "svix-signature",
    "x-slack-signature",
    "x-shopify-hmac-sha256",
    "x-gitlab-token",
    "x-api-key",
];

pub fn is_secret(name: &str, secret_header: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.eq_ignore_ascii_case(secret_header)
        || lower.starts_with("x-hub-signature")
        || SECRET.contains(&lower.as_str())
}

/// The value as shown while masked: `Authorization` keeps its scheme word.
pub fn masked(name: &str, value: &str) -> String {
    let auth = name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("proxy-authorization");
    if auth
        && let Some((scheme, rest)) = value.split_once(' ')
        && !scheme.is_empty()
        && scheme.len() <= 16
    {
        return format!("{scheme} {}", mask(rest.trim()));
    }
    mask(value)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_headers() {
        for name in [
            "X-Hub-Signature-256",
            "Authorization",
            "Cookie",
            "X-My-Secret",
            "stripe-signature",
        ] {
            assert!(is_secret(name, "x-my-secret"), "{name}");
        }
        assert!(!is_secret("content-type", "x-pingara-secret"));
        assert_eq!(
            masked("Authorization", "Bearer abcdefghijklmnop"),
            "Bearer abcd… (16 chars)"
        );
    }
}
