//! Deliveries: replay and forward attempts. The replay feature fills
//! `DetailState::deliveries`; until then the list is empty.

use ratatui::text::{Line, Span};

use crate::tui::app::App;
use crate::tui::ui::{clip, label};

pub fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    if app.detail.deliveries.is_empty() {
        return vec![Line::from(Span::styled(
            "no deliveries yet — replay comes with `r`",
            theme.dim(),
        ))];
    }
    let mut out = Vec::new();
    for d in &app.detail.deliveries {
        let status = d.status.map_or("—".to_string(), |s| s.to_string());
        let latency = d
            .latency_ms
            .map_or(String::new(), |ms| format!(" in {ms:.1} ms"));
        out.push(Line::from(vec![
            label(app, &d.at.format("%H:%M:%S").to_string()),
            Span::styled(status, theme.status(d.status)),
            Span::styled(latency, theme.text()),
            Span::styled(
                format!(" → {}", clip(&d.target, width.saturating_sub(30))),
                theme.dim(),
            ),
        ]));
        if let Some(error) = &d.error {
            out.push(Line::from(vec![
                Span::raw(" ".repeat(10)),
                Span::styled(error.clone(), theme.error()),
            ]));
        }
    }
    out
}
