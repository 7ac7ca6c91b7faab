//! The live custom answer (`M` in the TUI): a status, headers and a body
//! the user typed, given to the next requests instead of the rules and the
//! default answer, until it is turned off. Checked here, once, when it is
//! set; the request path only reads the last one set (see
//! [`super::ResponseMode::custom`]), so the listener never waits on the UI.

use std::time::Duration;

use super::respond::Planned;
use super::settings::{guess_content_type, parse_header};

/// A checked custom answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What is wrong with a custom answer as typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomAnswerError {
    #[error("status: {0:?} is not a number (e.g. 202)")]
    NotANumber(String),
    /// 1xx answers are interim: a sender would still wait for the real one.
    #[error("status: {0} is not a final answer (200 to 599)")]
    OutOfRange(u16),
    #[error("header {line}: {reason}")]
    Header { line: usize, reason: String },
    /// HTTP gives 204 and 304 no body: hyper would drop it unsaid.
    #[error("body: a {0} answer has none (clear the body, or pick e.g. 200)")]
    BodyNotAllowed(u16),
}

/// The statuses a custom answer may have: final answers only.
pub const STATUSES: std::ops::RangeInclusive<u16> = 200..=599;

impl CustomAnswer {
    /// From the form's fields: `status`, one `Name: value` per header line
    /// (blank lines are skipped), and the body as typed. Without a
    /// `Content-Type`, a non-empty body gets one guessed as for
    /// `--response-body`.
    pub fn parse<'a>(
        status: &str,
        header_lines: impl IntoIterator<Item = &'a str>,
        body: &str,
    ) -> Result<CustomAnswer, CustomAnswerError> {
        let status_text = status.trim();
        let status: u16 = status_text
            .parse()
            .map_err(|_| CustomAnswerError::NotANumber(status_text.to_string()))?;
        if !STATUSES.contains(&status) {
            return Err(CustomAnswerError::OutOfRange(status));
        }
        let mut headers = Vec::new();
        for (i, line) in header_lines.into_iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let header = parse_header(line).map_err(|reason| CustomAnswerError::Header {
                line: i + 1,
                reason,
            })?;
            headers.push(header);
        }
        let body = body.as_bytes().to_vec();
        if matches!(status, 204 | 304) && !body.is_empty() {
            return Err(CustomAnswerError::BodyNotAllowed(status));
        }
        let typed = headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
        if !typed && !body.is_empty() {
            headers.insert(0, ("content-type".into(), guess_content_type(&body).into()));
        }
        Ok(CustomAnswer {
            status,
            headers,
            body,
        })
    }

    /// The answer to give.
    pub fn planned(&self) -> Planned {
        Planned {
            status: self.status,
            headers: self.headers.clone(),
            body: self.body.clone(),
            delay: Duration::ZERO,
            close: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_answer_is_checked_and_typed() {
        let answer =
            CustomAnswer::parse("418", ["X-Teapot: yes", ""], r#"{"short":true}"#).unwrap();
        assert_eq!(answer.status, 418);
        assert_eq!(
            answer.headers,
            [
                ("content-type".to_string(), "application/json".to_string()),
                ("X-Teapot".to_string(), "yes".to_string())
            ]
        );
        let plain = CustomAnswer::parse(" 204 ", ["Content-Type: text/x"], "").unwrap();
        assert_eq!(plain.headers.len(), 1, "a content type given is kept alone");
    }

    #[test]
    fn interim_statuses_bad_headers_and_framing_are_refused() {
        for (status, error) in [
            ("abc", CustomAnswerError::NotANumber("abc".into())),
            ("", CustomAnswerError::NotANumber(String::new())),
            ("100", CustomAnswerError::OutOfRange(100)),
            ("199", CustomAnswerError::OutOfRange(199)),
            ("600", CustomAnswerError::OutOfRange(600)),
            ("70000", CustomAnswerError::NotANumber("70000".into())),
        ] {
            assert_eq!(CustomAnswer::parse(status, [], "").unwrap_err(), error);
        }
        assert!(CustomAnswer::parse("200", [], "").is_ok());
        for status in ["204", "304"] {
            let no_body: u16 = status.parse().unwrap();
            assert_eq!(
                CustomAnswer::parse(status, [], "{\"x\":1}").unwrap_err(),
                CustomAnswerError::BodyNotAllowed(no_body)
            );
        }
        assert!(CustomAnswer::parse("599", [], "").is_ok());
        for bad in [
            "no colon",
            "Bad Name: x",
            "X-Ok: line\u{1b}break",
            "Transfer-Encoding: chunked",
            "Content-Length: 5",
            "Keep-Alive: timeout=5",
            "Upgrade: h2c",
        ] {
            let err = CustomAnswer::parse("200", ["X-Fine: 1", bad], "").unwrap_err();
            assert!(
                matches!(err, CustomAnswerError::Header { line: 2, .. }),
                "{bad}: {err}"
            );
        }
    }
}
