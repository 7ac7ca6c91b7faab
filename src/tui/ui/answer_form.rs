//! `M`: the custom answer's form, a popup over the screen. Its text is the
//! user's own, but it passes the sanitizer like everything drawn.

use ratatui::Frame;
use ratatui::layout::{Constraint, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{clip, pane};
use crate::text::sanitize;
use crate::tui::app::App;
use crate::tui::app::answer_form::AnswerForm;

const WIDTH: u16 = 76;
/// Label column: `status  `.
const LABEL: usize = 9;

pub fn render(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(form) = &app.answer_form else {
        return;
    };
    let theme = &app.theme;
    let fields = u16::try_from(form.fields.len()).unwrap_or(5);
    let popup = area.centered(Constraint::Length(WIDTH), Constraint::Length(fields + 4));
    frame.render_widget(Clear, popup);
    let block = pane(app, true)
        .title(Line::from(Span::styled(
            " Custom answer for the next requests ",
            theme.title(),
        )))
        .title_bottom(Line::from(Span::styled(
            " Enter apply · Esc cancel · ↑ ↓ Tab move · ^x turn off ",
            theme.dim(),
        )));
    let room = usize::from(WIDTH).saturating_sub(LABEL + 3);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut cursor = Position::new(popup.x, popup.y);
    for (i, field) in form.fields.iter().enumerate() {
        let chars: Vec<char> = field.text.chars().collect();
        // Keep the cursor in view: a long body scrolls sideways.
        let start = field.cursor.saturating_sub(room.saturating_sub(1));
        let shown: String = chars.iter().skip(start).take(room).collect();
        let label_style = if i == form.at {
            theme.key()
        } else {
            theme.dim()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {:<w$}", AnswerForm::label(i), w = LABEL - 1),
                label_style,
            ),
            Span::styled(sanitize(&shown).into_owned(), theme.text()),
        ]));
        if i == form.at {
            let x = LABEL + field.cursor - start;
            cursor = Position::new(
                popup.x + 1 + u16::try_from(x).unwrap_or(0),
                popup.y + 1 + u16::try_from(i).unwrap_or(0),
            );
        }
    }
    lines.push(Line::default());
    lines.push(match &form.error {
        Some(error) => Line::from(Span::styled(
            clip(&format!(" ✗ {error}"), usize::from(WIDTH) - 2),
            theme.error(),
        )),
        None => Line::from(Span::styled(
            " status 200-599 · headers as Name: value · body as typed",
            theme.dim(),
        )),
    });
    frame.render_widget(
        Paragraph::new(lines).block(block).style(theme.base()),
        popup,
    );
    frame.set_cursor_position(Position::new(
        cursor.x.min(popup.right().saturating_sub(2)),
        cursor.y,
    ));
}
