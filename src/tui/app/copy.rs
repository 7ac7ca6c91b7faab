//! `y` and the copy menu `Y`: the selected request on the clipboard (OSC 52,
//! through the outbox) in one of six forms. The URL, curl and HTTPie forms
//! aim where `r` replays (the default target), so `y` then running the
//! command does what `r` does. Each form has one builder in
//! `export`; secrets are copied as captured, as `y` always has (the
//! clipboard is the user's own, and a masked curl command would not replay).

use super::{App, Overlay};
use crate::export::{curl, httpie, raw};
use crate::text::display_bytes;
use crate::tui::inbox::Cmd;

/// What `Y` offers, in menu order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyFormat {
    Url,
    Body,
    Headers,
    RawHttp,
    Curl,
    Httpie,
}

impl CopyFormat {
    pub const ALL: [CopyFormat; 6] = [
        CopyFormat::Url,
        CopyFormat::Body,
        CopyFormat::Headers,
        CopyFormat::RawHttp,
        CopyFormat::Curl,
        CopyFormat::Httpie,
    ];

    /// The menu's key for this form (its position, 1-6, works too).
    pub fn key(self) -> char {
        match self {
            CopyFormat::Url => 'u',
            CopyFormat::Body => 'b',
            CopyFormat::Headers => 'h',
            CopyFormat::RawHttp => 'w',
            CopyFormat::Curl => 'c',
            CopyFormat::Httpie => 'i',
        }
    }

    /// How the menu and the status line name it.
    pub fn label(self) -> &'static str {
        match self {
            CopyFormat::Url => "URL",
            CopyFormat::Body => "body",
            CopyFormat::Headers => "headers",
            CopyFormat::RawHttp => "raw HTTP (a printf command)",
            CopyFormat::Curl => "curl command",
            CopyFormat::Httpie => "HTTPie command",
        }
    }

    pub fn from_key(c: char) -> Option<CopyFormat> {
        let by_digit = c
            .to_digit(10)
            .and_then(|d| CopyFormat::ALL.get((d as usize).checked_sub(1)?))
            .copied();
        by_digit.or_else(|| CopyFormat::ALL.into_iter().find(|f| f.key() == c))
    }
}

impl App {
    /// `Y`: open the menu over the selected request.
    pub(super) fn open_copy_menu(&mut self) {
        if self.shown_detail().is_none() {
            return self.complain("nothing to copy yet");
        }
        self.overlay = Overlay::CopyMenu;
    }

    fn shown_detail(&self) -> Option<&crate::tui::data::Detail> {
        self.detail
            .loaded
            .as_deref()
            .filter(|d| Some(d.request.id) == self.list.selected)
    }

    /// Put the selected request on the clipboard as `format`.
    pub(super) fn copy_as(&mut self, format: CopyFormat) {
        let Some(detail) = self.shown_detail() else {
            return self.complain("nothing to copy yet");
        };
        let req = &detail.request;
        let id = req.id;
        let (aimed, origin) = curl::aim(req, &self.copy_target);
        let text = match format {
            CopyFormat::Url => format!("{origin}{}", aimed.target),
            CopyFormat::Body => match String::from_utf8(req.body.clone()) {
                Ok(body) => body,
                Err(_) => {
                    return self.complain(format!(
                        "#{id}'s body is not text: copy it as raw HTTP, curl or HTTPie"
                    ));
                }
            },
            CopyFormat::Headers => req
                .headers
                .iter()
                .map(|h| format!("{}: {}\n", h.name, display_bytes(&h.value)))
                .collect(),
            CopyFormat::RawHttp => raw::raw_http_command(req),
            CopyFormat::Curl => curl::curl_command(&aimed, &origin),
            CopyFormat::Httpie => httpie::httpie_command(&aimed, &origin),
        };
        if text.len() > curl::MAX_COPY_BYTES {
            return self.complain(format!(
                "#{id} is too large to copy through the terminal ({} bytes)",
                text.len()
            ));
        }
        let size = text.len();
        self.outbox.push(Cmd::Copy(text));
        let what = match format {
            CopyFormat::Curl => "as a curl command".to_string(),
            CopyFormat::Httpie => "as an HTTPie command".to_string(),
            CopyFormat::RawHttp => "as raw HTTP (a printf command)".to_string(),
            other => format!("'s {}", other.label()),
        };
        let sep = if what.starts_with('\'') { "" } else { " " };
        self.say(format!(
            "copied #{id}{sep}{what} ({size} bytes, via OSC 52)"
        ));
    }
}
