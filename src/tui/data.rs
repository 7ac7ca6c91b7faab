//! What the loader hands the UI: list rows and the selected request whole,
//! built off the UI thread. Every string a widget will show is sanitized
//! here, once; panes may trust these types.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::delivery_data::DeliveryLine;
use super::highlight::{MAX_HIGHLIGHT_BYTES, Syntax};
use super::jsontree::JsonTree;
use crate::inspect::body::{BodyContent, BodyView, TextSyntax, as_received};
use crate::inspect::{self, AuthConfig, AuthVerdict, Inspection, Verdict};
use crate::model::findings::Judged;
use crate::model::{CapturedRequest, RequestId};
use crate::store::{DeliveryMark, StoredRequest};
use crate::text::{display_bytes, sanitize};

/// Tree views are built for pretty JSON up to this size.
pub const MAX_TREE_BYTES: usize = 8 << 20;

/// One list row: everything sanitized, no body.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub id: RequestId,
    pub received_at: DateTime<Utc>,
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    pub status: Option<u16>,
    /// No status yet: the answer is still to go out.
    pub pending: bool,
    pub body_size: u64,
    /// `complete`, `too_large` or `incomplete`.
    pub outcome: &'static str,
    pub provider: Option<String>,
    /// Event type (with `.action` where the sender has one).
    pub event: Option<String>,
    /// `None` when neither side has any authentication.
    pub verdict: Option<Verdict>,
    /// The verdict was not reached at arrival (see `model::findings::Judged`).
    pub judged_later: bool,
    pub duplicate_of: Option<RequestId>,
    /// How many problems inspection found in the payload (stored at arrival).
    pub problems: usize,
    /// Replays and forwards: how many, and how the last one went.
    pub delivered: Option<DeliveryMark>,
}

impl Row {
    /// Build a row from the findings stored at arrival; the body is read
    /// only to judge a request stored without them (then dropped by the caller).
    pub fn build(stored: &StoredRequest, auth: &AuthConfig) -> Row {
        let req = &stored.request;
        let summary = inspect::stored::summary(req, stored.findings.as_ref(), auth);
        let (verdict, event) = (summary.auth, summary.event);
        Row {
            id: req.id,
            received_at: req.received_at,
            method: sanitize(&req.method).into_owned(),
            // The list has no reveal: query tokens and passwords stay masked
            // here; the detail shows them with `v`.
            target: sanitize(&crate::secrets::mask_url(&req.target)).into_owned(),
            status: req.response.as_ref().map(|r| r.status),
            pending: req.is_pending(),
            body_size: req.body_size,
            outcome: req.outcome.label(),
            problems: event.as_ref().map_or(0, |e| e.problems.len()),
            provider: event.as_ref().map(|e| e.provider.as_str().to_string()),
            event: event.as_ref().map(|e| sanitize(&e.label()).into_owned()),
            verdict: (verdict.scheme != "none" || verdict.verdict != Verdict::Unconfigured)
                .then_some(verdict.verdict),
            judged_later: summary.judged != Judged::AtArrival,
            duplicate_of: stored.duplicate_of,
            delivered: None,
        }
    }
}

/// A body's text, one sanitized string a line, shared with highlight jobs.
#[derive(Clone, Debug, Default)]
pub struct TextDoc {
    pub lines: Arc<Vec<String>>,
    /// The highlighter to use, when the text is small enough to highlight.
    pub syntax: Option<Syntax>,
    /// Why it is not highlighted although it could be.
    pub plain_note: Option<String>,
    /// Columns of the widest line: how far `L` can scroll sideways.
    pub widest: usize,
    /// A hex dump: a pane too narrow for its rows shows each as two.
    pub hex: bool,
}

impl TextDoc {
    /// Split `text` into sanitized lines; highlight with `syntax` unless too big.
    pub fn new(text: &str, syntax: Option<Syntax>) -> TextDoc {
        let lines: Vec<String> = if text.is_empty() {
            Vec::new()
        } else {
            text.split('\n')
                .map(|l| sanitize(l.strip_suffix('\r').unwrap_or(l)).into_owned())
                .collect()
        };
        let too_big = text.len() > MAX_HIGHLIGHT_BYTES;
        let widest = lines
            .iter()
            .map(|l| ratatui::text::Span::raw(l.as_str()).width())
            .max()
            .unwrap_or(0);
        TextDoc {
            hex: false,
            widest,
            lines: Arc::new(lines),
            syntax: syntax.filter(|_| !too_big),
            plain_note: (syntax.is_some() && too_big).then(|| {
                format!(
                    "plain text: highlighting stops at {}",
                    crate::text::human_size(MAX_HIGHLIGHT_BYTES as u64)
                )
            }),
        }
    }
}

/// The body, prepared for every view of the Body tab.
#[derive(Clone, Debug, Default)]
pub struct BodyDoc {
    /// "json", "form", "binary", ... (see `BodyView::kind`).
    pub kind: &'static str,
    pub content_type: Option<String>,
    pub decoded_size: usize,
    /// What decoding did, sanitized.
    pub notes: Vec<String>,
    /// For invalid JSON: the parser's complaint and where.
    pub invalid: Option<String>,
    /// The decoded view: pretty JSON, form fields, parts, text or hex.
    pub pretty: TextDoc,
    /// The bytes as received (`o`): text, or hex for binary.
    pub original: TextDoc,
    /// The JSON tree, or why there is none; `None` for non-JSON bodies.
    pub tree: Option<Result<Arc<JsonTree>, String>>,
}

/// The selected request whole, inspected.
#[derive(Clone, Debug)]
pub struct Detail {
    pub request: CapturedRequest,
    pub duplicate_of: Option<RequestId>,
    /// The inspection; its body view has moved into `body` (content left empty).
    /// Its verdict is the one stored at arrival (see `inspection.judged`).
    pub inspection: Inspection,
    /// The verdict with the viewing process's secrets (`A`, shown beside
    /// the stored one on the Auth tab; never replaces it). Cheap, so built
    /// with the detail, off the UI thread.
    pub recheck: AuthVerdict,
    pub body: BodyDoc,
    /// Replays and forwards of this request, oldest first.
    pub deliveries: Vec<DeliveryLine>,
}

impl Detail {
    pub fn build(stored: StoredRequest, auth: &AuthConfig) -> Detail {
        let request = stored.request;
        let mut inspection = inspect::stored::inspection(&request, stored.findings.as_ref(), auth);
        let recheck = inspect::stored::recheck(&request, auth);
        let body = body_doc(&request, &mut inspection);
        Detail {
            request,
            duplicate_of: stored.duplicate_of,
            inspection,
            recheck,
            body,
            deliveries: Vec::new(),
        }
    }
}

/// A decoded body as text for the text views: the text, its highlighter,
/// the JSON complaint for invalid JSON, and the JSON tree (or why none).
pub struct ViewText {
    pub text: String,
    pub syntax: Option<Syntax>,
    /// The text is a hex dump (fitted to the pane by `body::text_rows`).
    pub hex: bool,
    pub invalid: Option<String>,
    pub tree: Option<Result<Arc<JsonTree>, String>>,
}

/// The text of a decoded body (a request's or a delivery's answer), with the
/// JSON tree when `tree` is asked for.
pub fn view_text(view: &BodyView, tree: bool) -> ViewText {
    let mut invalid = None;
    let mut json_tree = None;
    let (text, syntax) = match &view.content {
        BodyContent::Empty => (String::new(), None),
        BodyContent::Json { pretty } => {
            if tree {
                json_tree = Some(if pretty.len() > MAX_TREE_BYTES {
                    Err(format!(
                        "too large for the tree view (over {})",
                        crate::text::human_size(MAX_TREE_BYTES as u64)
                    ))
                } else {
                    JsonTree::parse(pretty).map(Arc::new)
                });
            }
            (pretty.clone(), Some(Syntax::Json))
        }
        BodyContent::InvalidJson {
            error,
            line,
            column,
            text,
        } => {
            invalid = Some(
                sanitize(&format!(
                    "invalid JSON: {error} at line {line}, column {column}"
                ))
                .into_owned(),
            );
            (text.clone(), None)
        }
        BodyContent::Form(fields) => (form_text(fields), None),
        BodyContent::Text { text, syntax } => (
            text.clone(),
            match syntax {
                TextSyntax::Xml => Some(Syntax::Xml),
                TextSyntax::Html => Some(Syntax::Html),
                TextSyntax::Plain => None,
            },
        ),
        BodyContent::Multipart(_) | BodyContent::Hex(_) => (view.to_text(), None),
    };
    ViewText {
        text,
        syntax,
        hex: matches!(view.content, BodyContent::Hex(_)),
        invalid,
        tree: json_tree,
    }
}

impl ViewText {
    /// The lines to show, a hex dump marked as one: the one way a decoded
    /// body (a request's or an answer's) becomes a [`TextDoc`].
    pub fn doc(&self) -> TextDoc {
        TextDoc {
            hex: self.hex,
            ..TextDoc::new(&self.text, self.syntax)
        }
    }
}

fn body_doc(req: &CapturedRequest, inspection: &mut Inspection) -> BodyDoc {
    let view = &mut inspection.body;
    let kind = view.kind();
    let shown = view_text(view, true);
    let pretty = shown.doc();
    let ViewText {
        syntax,
        invalid,
        tree,
        ..
    } = shown;
    // The decoded text now lives in `pretty`; don't keep a second copy.
    view.content = BodyContent::Empty;
    let original = as_received(req);
    let mut original_doc = TextDoc::new(&original.to_text(), syntax);
    original_doc.hex = matches!(original.content, BodyContent::Hex(_));
    if let Some(note) = original.notes.first() {
        original_doc.plain_note = Some(sanitize(note).into_owned());
    }
    BodyDoc {
        kind,
        content_type: view
            .content_type
            .as_deref()
            .map(|c| sanitize(c).into_owned()),
        decoded_size: view.decoded_size,
        notes: view
            .notes
            .iter()
            .map(|n| sanitize(n).into_owned())
            .collect(),
        invalid,
        pretty,
        original: original_doc,
        tree,
    }
}

/// Form fields aligned on `=`, one a line (values keep no newlines).
fn form_text(fields: &[(String, String)]) -> String {
    let width = fields
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        .min(32);
    fields
        .iter()
        .map(|(k, v)| format!("{:<width$} = {}", sanitize(k), sanitize(v)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Header value for display, sanitized.
pub fn header_value(value: &[u8]) -> String {
    display_bytes(value)
}
