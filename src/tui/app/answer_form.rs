//! `M`: the live custom answer, typed in a small form (status, up to
//! [`HEADER_LINES`] headers, a one-line body) and handed to the listener
//! through the shared [`crate::capture::ResponseMode`], which the request
//! path reads once per request: the listener never waits on the UI. It
//! stays in force until turned off (`^x` in the form). The fixed modes
//! (500, 401, 429, drop) would answer before it, so applying it sets such
//! a mode back to normal; slow mode stays and delays it.

use super::App;
use crate::capture::{CustomAnswer, Mode};
use crate::text::sanitize;
use crate::tui::input::{LineInput, Outcome};
use crate::tui::keys::Edit;

/// Header lines the form offers.
pub const HEADER_LINES: usize = 3;
/// Status, the header lines, body.
const FIELDS: usize = HEADER_LINES + 2;

/// The form while it is open.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerForm {
    /// Status, the header lines, body: in the order drawn.
    pub fields: [LineInput; FIELDS],
    /// The field being typed in.
    pub at: usize,
    /// Why the last Enter was refused.
    pub error: Option<String>,
}

impl AnswerForm {
    /// The label drawn before field `i`.
    pub fn label(i: usize) -> &'static str {
        match i {
            0 => "status",
            i if i <= HEADER_LINES => "header",
            _ => "body",
        }
    }

    fn from_texts(texts: &[String; FIELDS]) -> AnswerForm {
        AnswerForm {
            fields: texts.each_ref().map(|t| LineInput::new(t)),
            at: 0,
            error: None,
        }
    }

    fn texts(&self) -> [String; FIELDS] {
        self.fields.each_ref().map(|f| f.text.clone())
    }

    fn parse(&self) -> Result<CustomAnswer, crate::capture::custom::CustomAnswerError> {
        CustomAnswer::parse(
            &self.fields[0].text,
            self.fields[1..=HEADER_LINES]
                .iter()
                .map(|f| f.text.as_str()),
            &self.fields[FIELDS - 1].text,
        )
    }
}

/// What the form opens with the first time.
pub fn first_draft() -> [String; FIELDS] {
    let mut texts: [String; FIELDS] = Default::default();
    texts[0] = "200".into();
    texts
}

impl App {
    /// `M`: open the form with what was applied last (or a plain 200).
    pub(super) fn open_answer_form(&mut self) {
        self.answer_form = Some(AnswerForm::from_texts(&self.answer_draft));
    }

    /// A key in the form: ↑ ↓ Tab move between fields, Enter applies, Esc
    /// closes without changing anything.
    pub(super) fn answer_form_edit(&mut self, edit: Edit) {
        let Some(form) = self.answer_form.as_mut() else {
            return;
        };
        match edit {
            Edit::Older => form.at = form.at.checked_sub(1).unwrap_or(FIELDS - 1),
            Edit::Newer => form.at = (form.at + 1) % FIELDS,
            _ => match form.fields[form.at].apply(edit) {
                Outcome::Changed => form.error = None,
                Outcome::Unchanged => {}
                Outcome::Cancel => self.answer_form = None,
                Outcome::Submit => self.apply_answer_form(),
            },
        }
    }

    fn apply_answer_form(&mut self) {
        let Some(form) = self.answer_form.as_mut() else {
            return;
        };
        let answer = match form.parse() {
            Ok(answer) => answer,
            Err(e) => {
                form.error = Some(sanitize(&e.to_string()).into_owned());
                return;
            }
        };
        self.answer_draft = form.texts();
        self.answer_form = None;
        let status = answer.status;
        self.response_mode.set_custom(Some(answer));
        self.custom_status = Some(status);
        let mut note = format!("custom answer {status} for the next requests (M to change)");
        if !matches!(self.mode, Mode::Normal | Mode::Slow) {
            note.push_str(&format!("; mode {} back to normal", self.mode.label()));
            self.mode = Mode::Normal;
            self.response_mode.set(Mode::Normal);
        }
        self.say(note);
    }

    /// `^x` in the form: back to the rules and the default answer.
    pub(super) fn turn_off_custom_answer(&mut self) {
        self.answer_form = None;
        self.response_mode.set_custom(None);
        if self.custom_status.take().is_some() {
            self.say("custom answer off: the rules and the default answer apply");
        } else {
            self.say("no custom answer was on");
        }
    }
}
