//! The filter language behind the TUI's `/` and `hookcatch list --filter EXPR`.
//!
//! A filter is a list of `field:value` terms (webhook.site's search) combined
//! with `!`, `&`, `|` and parentheses (mitmproxy's `~m ~u ~h ~b` expressions,
//! spelled readably). `FILTER_HELP` is the user-facing reference.
//!
//! ```text
//! expr    := or
//! or      := and ( "|" and )*
//! and     := unary ( "&"? unary )*      whitespace between terms is "and"
//! unary   := "!"* primary               "!" binds tightest
//! primary := "(" or ")" | term
//! term    := field ":" value | word      value and word may be "quoted"
//! ```
//!
//! Pure: no IO and no clock reads. Relative times (`since:10m`) resolve
//! against the `now` carried by the [`Subject`]. Parsing never panics, runs in
//! linear time and refuses nesting deeper than [`MAX_DEPTH`], so evaluation
//! depth is bounded too.
//!
//! Layout: `lex.rs` (characters to tokens), `parse.rs` (tokens to a tree),
//! `term.rs` (each field's value), `eval.rs` (the tree and how it matches),
//! `glob.rs` (the `*`/`?` matcher other modules reuse).

mod eval;
mod glob;
mod lex;
mod parse;
pub mod scan;
mod term;
#[cfg(test)]
mod tests;

use std::fmt;

use chrono::{DateTime, Utc};

use crate::model::CapturedRequest;

use eval::Expr;
pub use glob::{Glob, glob_match};

/// How deep parentheses may nest before parsing gives up with an error.
pub const MAX_DEPTH: usize = 64;

/// Every field a term may name, in the order the help lists them.
pub const FIELDS: &[&str] = &[
    "method", "path", "query", "header", "body", "provider", "event", "auth", "status", "dup",
    "problems", "has", "since", "before", "id", "channel",
];

/// The syntax in short, for the TUI help pane and the README.
pub const FILTER_HELP: &str = "\
Filter: terms joined by space or & (and), | (or), ! (not), ( ) to group.
! binds tightest, then and, then or:  a | b c  means  a | (b & c).
  method:POST            method, case-insensitive
  path:/pingara*         path glob (* any, ? one char); plain text = contains
  query:foo=bar          query string, like path
  header:x-pingara-sig   header present (name may be a glob)
  header:content-type=*json*   header name=value, value like path
  body:\"timeout after\"   body contains; \"quote\" spaces, \\\" for a quote
  provider:pingara       sender found by inspection (exact or glob)
  event:incident.*       event type, or type.action (pull_request.opened)
  auth:invalid           valid | invalid | missing | unconfigured
  status:200  status:4xx  status:>=400  (> < <= too)  status:none (unanswered)
  dup:yes  dup:no        a repeated delivery (same idempotency key)
  has:problems  problems:>=2   problems inspection found in the payload
  since:10m  since:2h  since:1d  since:2026-11-29  since:2026-11-29T10:00:00Z
  before:2h  before:2026-11-29   (units s m h d w; times in UTC)
  id:42  id:10..20  id:10..  id:..20   channel:pay (relay channel, same case)
  timeout                bare word: path, query or body contains it
Examples:
  method:POST path:/pingara* !auth:valid
  event:incident.* | status:5xx
  (provider:github | provider:pingara) since:1h !dup:yes";

/// A parsed filter. The default (and the parse of empty input) matches everything.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    root: Option<Expr>,
}

/// What a filter looks at: the request plus what inspection found out.
///
/// Callers that skip inspection (see [`Filter::needs_inspection`]) may leave the
/// inspection fields empty; terms reading them then simply do not match.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    pub req: &'a CapturedRequest,
    /// The sender, e.g. `"pingara"`.
    pub provider: Option<&'a str>,
    /// The event type, e.g. `"incident.created"` or `"pull_request"`.
    pub event_type: Option<&'a str>,
    /// The event's action, e.g. `"opened"`, matched as `type.action`.
    pub event_action: Option<&'a str>,
    /// The auth verdict: `"valid"`, `"invalid"`, `"missing"` or `"unconfigured"`.
    pub auth: Option<&'a str>,
    /// The request repeats an earlier delivery.
    pub duplicate: bool,
    /// How many problems inspection found in the payload.
    pub problems: usize,
    /// The relay channel: the one it was posted to (a relay's store) or
    /// came from (a subscriber's).
    pub channel: Option<&'a str>,
    /// The body with its `Content-Encoding` undone, when the caller decoded
    /// it; `body:` and bare words search it instead of the bytes as received.
    pub body: Option<&'a [u8]>,
    /// What relative times (`since:10m`) count back from.
    pub now: DateTime<Utc>,
}

impl<'a> Subject<'a> {
    /// A subject with nothing inspected: enough for method, path, header, body,
    /// status, time and id terms.
    pub fn new(req: &'a CapturedRequest, now: DateTime<Utc>) -> Self {
        Self {
            req,
            provider: None,
            event_type: None,
            event_action: None,
            auth: None,
            duplicate: false,
            problems: 0,
            channel: None,
            body: None,
            now,
        }
    }
}

/// Parse a filter expression. Empty or blank input gives a filter that
/// matches everything.
///
/// # Errors
/// A [`FilterError`] naming the first problem and its column: an unknown
/// field, an empty or malformed value, an unbalanced parenthesis, a dangling
/// operator, an unterminated quote, or nesting deeper than [`MAX_DEPTH`].
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    Ok(Filter {
        root: parse::parse(input)?,
    })
}

impl Filter {
    /// Whether the request passes the filter.
    pub fn matches(&self, subject: &Subject<'_>) -> bool {
        self.root.as_ref().is_none_or(|e| e.eval(subject))
    }

    /// True if any term reads the body (`body:` or a bare word), so callers
    /// that list without bodies know they must load them.
    pub fn needs_body(&self) -> bool {
        self.root.as_ref().is_some_and(Expr::needs_body)
    }

    /// True if any term reads `provider`, `event`, `auth`, `dup` or `problems`, so callers
    /// know the [`Subject`] needs inspection results.
    pub fn needs_inspection(&self) -> bool {
        self.root.as_ref().is_some_and(Expr::needs_inspection)
    }

    /// True for the filter that matches everything.
    pub fn is_empty(&self) -> bool {
        self.root.is_none()
    }
}

/// Why a filter did not parse, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    /// What is wrong, e.g. `unknown field "metod"`.
    pub message: String,
    /// 1-based character column of the offending spot; one past the end for
    /// "ran out of input" errors.
    pub position: usize,
    /// What would have been accepted, shown after the position.
    pub hint: Option<String>,
}

impl FilterError {
    pub(crate) fn new(message: impl Into<String>, position: usize) -> Self {
        Self {
            message: message.into(),
            position,
            hint: None,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The input with a caret under the error, for the CLI:
    /// `method:GET )` over `           ^`.
    pub fn pointer(&self, input: &str) -> String {
        let line: String = input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!("{line}\n{}^", " ".repeat(self.position.saturating_sub(1)))
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.message, self.position)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for FilterError {}
