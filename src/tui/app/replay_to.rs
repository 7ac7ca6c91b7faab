//! `T`: replay the selected request to a URL typed in a prompt, with the
//! URLs sent to before, in this session and earlier ones on the same store
//! (`store::meta`), as history (↑ ↓). Where it lands follows the one
//! target rule (`replay::build::Target::for_replay`): a URL with a path is
//! used as given, one without gets the request's own path. `r` keeps the
//! default target.

use super::{App, Prompt, PromptKind};
use crate::replay::Target;
use crate::text::sanitize;
use crate::tui::inbox::SendCmd;
use crate::tui::input::LineInput;

impl App {
    /// `T`: ask where to.
    pub(super) fn open_replay_to(&mut self) {
        if self.list.selected.is_none() {
            return self.complain("nothing selected");
        }
        self.prompt = Some(Prompt {
            kind: PromptKind::ReplayTo,
            input: LineInput::new(""),
            error: None,
        });
    }

    /// The prompt was submitted: a URL that does not parse keeps it open.
    pub(super) fn replay_to(&mut self, text: &str) {
        let url = text.trim().to_string();
        if url.is_empty() {
            self.target_history.reset();
            self.prompt = None;
            return;
        }
        if let Err(e) = Target::parse(&url) {
            // Said in the prompt, which stays open: a message behind it
            // would not be seen.
            let why = format!("cannot replay there: {}", sanitize(&e.to_string()));
            match self.prompt.as_mut() {
                Some(prompt) => {
                    prompt.error = Some(crate::filter::FilterError {
                        message: why,
                        position: 1,
                        hint: None,
                    });
                }
                None => self.complain(why),
            }
            return;
        }
        self.target_history.push(&url);
        self.prompt = None;
        self.send_selected(move |id| SendCmd::ReplayTo(id, url));
    }
}
