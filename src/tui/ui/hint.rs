//! The bottom line: a prompt being typed (with the filter's error in place),
//! a question, a message, or the keys that matter where the focus is.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use std::path::Path;

use super::clip;
use crate::export::Format;
use crate::text::sanitize;
use crate::tui::app::{App, Focus, Overlay, PromptKind, Tab};

/// What Enter will write for the export prompt's file name.
fn export_help(app: &App, name: &str) -> String {
    let n = app.list.view().len();
    let what = match Format::from_path(Path::new(name.trim())) {
        Some(Format::Har) => "as HAR 1.2",
        Some(Format::Ndjson) => "as JSON lines",
        Some(Format::Curl) => "as a curl script",
        None => return "✗ end the name in .har, .ndjson (.jsonl) or .sh".to_string(),
    };
    let plural = if n == 1 { "" } else { "s" };
    format!("Enter writes {n} request{plural} {what} · Esc cancel")
}

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let theme = &app.theme;
    let width = usize::from(area.width);
    if let Some(prompt) = &app.prompt {
        let (lead, help) = match prompt.kind {
            PromptKind::Filter => ("/", "Enter apply · Esc cancel · empty clears".to_string()),
            PromptKind::Search => ("search: ", "Enter find · Esc cancel".to_string()),
            // The extension picks the format; say which, or that none does.
            PromptKind::Export => ("export to: ", export_help(app, &prompt.input.text)),
            PromptKind::ReplayTo => (
                "replay to: ",
                "Enter send · ↑↓ earlier URLs · Esc cancel · without a path: the request's own"
                    .to_string(),
            ),
        };
        let text = sanitize(&prompt.input.text).into_owned();
        let mut spans = vec![Span::styled(lead, theme.key())];
        match &prompt.error {
            Some(err) => {
                // Mark the character the error points at.
                let at = err.position.saturating_sub(1);
                let chars: Vec<char> = text.chars().collect();
                let before: String = chars.iter().take(at).collect();
                let mark: String = chars.get(at).map_or(" ".to_string(), char::to_string);
                let after: String = chars.iter().skip(at + 1).collect();
                spans.push(Span::styled(before, theme.text()));
                spans.push(Span::styled(
                    mark,
                    theme
                        .error()
                        .add_modifier(Modifier::UNDERLINED | Modifier::REVERSED),
                ));
                spans.push(Span::styled(after, theme.text()));
                let used = lead.len() + chars.len() + 3;
                let mut message = format!("✗ {}", sanitize(&err.message));
                if prompt.kind == PromptKind::Filter {
                    message.push_str(&format!(" (column {})", err.position));
                }
                if let Some(hint) = &err.hint {
                    message.push_str(&format!(": {}", sanitize(hint)));
                }
                spans.push(Span::raw("  "));
                spans.push(Span::styled(
                    clip(&message, width.saturating_sub(used)),
                    theme.error(),
                ));
            }
            None => {
                spans.push(Span::styled(text.clone(), theme.text()));
                let used = lead.len() + text.chars().count() + 3;
                if used + help.chars().count() < width {
                    spans.push(Span::raw("  "));
                    spans.push(Span::styled(help, theme.dim()));
                }
            }
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        let x = area
            .x
            .saturating_add(u16::try_from(lead.len() + prompt.input.cursor).unwrap_or(u16::MAX));
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        return;
    }
    if let Overlay::ConfirmDelete(id) = app.overlay {
        let line = Line::from(vec![
            Span::styled(
                format!("Delete request #{id}? "),
                theme.warning().add_modifier(Modifier::BOLD),
            ),
            Span::styled("y", theme.key()),
            Span::styled(" delete · any other key keeps it", theme.dim()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    if let Overlay::ConfirmClearAll(n) = app.overlay {
        let line = Line::from(vec![
            Span::styled(
                format!("Delete all {n} requests from the store? "),
                theme.warning().add_modifier(Modifier::BOLD),
            ),
            Span::styled("y", theme.key()),
            Span::styled(" deletes them all · any other key keeps them", theme.dim()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    if let Some(message) = &app.message {
        let style = if message.error {
            theme.error()
        } else {
            theme.accent()
        };
        frame.render_widget(
            Paragraph::new(Span::styled(clip(&message.text, width), style)),
            area,
        );
        return;
    }
    // Says which way `w` goes, so the hint line shows the wrap state.
    let wrap = if app.detail.wrap { "unwrap" } else { "wrap" };
    let keys: &[(&str, &str)] = match (app.focus, app.detail.tab) {
        (Focus::List, _) => &[
            ("j/k", "move"),
            ("⏎", "open"),
            ("/", "filter"),
            ("r", "replay"),
            ("R", "ladder"),
            ("e", "edit+send"),
            ("m", "mode"),
            ("?", "help"),
            ("f", "follow"),
            ("y", "copy curl"),
            ("x", "delete"),
            ("1-6", "tabs"),
            ("q", "quit"),
        ],
        (Focus::Detail, Tab::Deliveries) => &[
            ("j/k", "pick"),
            ("PgDn", "scroll"),
            ("d", "diff"),
            ("space", "mark"),
            ("r", "replay"),
            ("R", "ladder"),
            ("c", "cancel"),
            ("e", "edit"),
            ("Esc", "back"),
            ("?", "help"),
        ],
        (Focus::Detail, Tab::Body) if app.detail.showing_tree() => &[
            ("j/k", "move"),
            ("⏎/space", "fold"),
            ("z0-9", "depth"),
            ("-/+", "fold/unfold all"),
            ("J", "text"),
            ("Esc", "back"),
            ("?", "help"),
        ],
        (Focus::Detail, Tab::Body) => &[
            ("j/k", "scroll"),
            ("w", wrap),
            ("o", "original"),
            ("J", "tree"),
            ("s", "search"),
            ("n/N", "next/prev"),
            ("h/l", "tabs"),
            ("H/L", "sideways"),
            ("Esc", "back"),
            ("?", "help"),
        ],
        (Focus::Detail, Tab::Auth) => &[
            ("j/k", "scroll"),
            ("A", "recheck"),
            ("w", wrap),
            ("h/l", "tabs"),
            ("⏎", "zoom"),
            ("Esc", "back"),
            ("?", "help"),
        ],
        (Focus::Detail, Tab::Headers) => &[
            ("j/k", "scroll"),
            ("v", "reveal secrets"),
            ("h/l", "tabs"),
            ("⏎", "zoom"),
            ("Esc", "back"),
            ("?", "help"),
        ],
        (Focus::Detail, _) => &[
            ("j/k", "scroll"),
            ("w", wrap),
            ("h/l", "tabs"),
            ("⏎", "zoom"),
            ("y", "copy curl"),
            ("Esc", "back"),
            ("?", "help"),
            ("q", "quit"),
        ],
    };
    let mut spans = Vec::new();
    let mut used = 0;
    for (key, what) in keys {
        let piece = key.chars().count() + what.chars().count() + 3;
        if used + piece > width {
            break;
        }
        used += piece;
        spans.push(Span::styled(format!(" {key}"), theme.key()));
        spans.push(Span::styled(format!(" {what} "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
