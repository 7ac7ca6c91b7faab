//! The request as the decoders see it: the body parsed once (JSON, a form, a
//! form whose `payload` is JSON, or why it is none of these) and header
//! lookups that ignore case and invalid UTF-8.

use serde_json::Value;

use crate::model::CapturedRequest;

/// The request with its body parsed once.
pub(crate) struct Ctx<'a> {
    pub req: &'a CapturedRequest,
    pub body: Body,
    /// What reading the body found wrong before any sender looked at it: an
    /// encoding that could not be undone or was cut at the limit, JSON sent
    /// as a form. Every sender's event carries these as problems.
    pub body_notes: Vec<String>,
    /// Whether to collect the Event tab's field list. Only the TUI's detail
    /// view shows it; on the capture path it was a tenth of inspection's cost.
    pub fields: bool,
}

/// What the body turned out to be.
pub(crate) enum Body {
    Empty,
    /// The body is a JSON document.
    Json(Value),
    /// A form body whose `payload` field holds JSON (GitHub's form content
    /// type, Slack interactivity).
    FormJson(Value),
    /// A form body without a JSON `payload` (Slack slash commands).
    Form(Vec<(String, String)>),
    /// Not JSON: the parser's message, with line and column.
    Invalid(String),
}

/// Form fields beyond this many are ignored.
const MAX_FORM_FIELDS: usize = 256;

impl<'a> Ctx<'a> {
    pub(crate) fn new(req: &'a CapturedRequest) -> Self {
        Self::within(req, crate::inspect::body::DECODE_LIMIT)
    }

    /// [`Ctx::new`] with decompression stopped at `limit` bytes.
    pub(crate) fn within(req: &'a CapturedRequest, limit: usize) -> Self {
        let mut body_notes = Vec::new();
        let body = parse_body(req, limit, &mut body_notes);
        Ctx {
            req,
            body,
            body_notes,
            fields: true,
        }
    }

    /// Without the Event tab's field list (see [`Ctx::fields`]).
    pub(crate) fn brief(req: &'a CapturedRequest) -> Self {
        Ctx {
            fields: false,
            ..Ctx::new(req)
        }
    }

    /// [`super::shape::collect_fields`] when this context wants fields.
    pub(crate) fn collect_fields(
        &self,
        root: &Value,
        paths: &[&str],
        out: &mut Vec<(String, String)>,
    ) {
        if self.fields {
            super::shape::collect_fields(root, paths, out);
        }
    }

    /// First value of a header that is valid UTF-8, trimmed.
    pub(crate) fn header(&self, name: &str) -> Option<&'a str> {
        header_of(self.req, name)
    }

    pub(crate) fn has_header(&self, name: &str) -> bool {
        self.req
            .headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case(name))
    }

    /// The JSON document, from the body or a form's `payload` field.
    pub(crate) fn json(&self) -> Option<&Value> {
        match &self.body {
            Body::Json(v) | Body::FormJson(v) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn form(&self, name: &str) -> Option<&str> {
        match &self.body {
            Body::Form(pairs) => pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str()),
            _ => None,
        }
    }

    /// Why there is no JSON to read, for a sender that documents JSON.
    pub(crate) fn body_problem(&self) -> Option<String> {
        match &self.body {
            Body::Json(_) | Body::FormJson(_) => None,
            Body::Empty => Some("empty body: expected a JSON document".into()),
            Body::Form(_) => Some("form-encoded body without a JSON `payload` field".into()),
            Body::Invalid(e) => Some(e.clone()),
        }
    }
}

fn header_of<'r>(req: &'r CapturedRequest, name: &str) -> Option<&'r str> {
    req.headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(name))
        .find_map(|h| std::str::from_utf8(&h.value).ok())
        .map(str::trim)
}

/// The body with its `Content-Encoding` undone (as the Body tab shows it),
/// parsed once.
fn parse_body(req: &CapturedRequest, limit: usize, notes: &mut Vec<String>) -> Body {
    let unencoded = crate::inspect::body::unencoded_within(req, limit);
    if let Some(why) = unencoded.corrupt {
        return Body::Invalid(why);
    }
    notes.extend(unencoded.truncated);
    let body: &[u8] = &unencoded.bytes;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Body::Empty;
    }
    let content_type = header_of(req, "content-type").map(|ct| ct.trim().to_ascii_lowercase());
    let is_form = content_type
        .as_deref()
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        // `curl -d '{...}'` labels JSON as a form: read it as the JSON it is.
        if let Some(Body::Json(v)) = looks_like_json(body).then(|| json_body(body)) {
            notes.push(
                "sent as application/x-www-form-urlencoded (curl -d's default) but the body \
                 is JSON; read as JSON"
                    .into(),
            );
            return Body::Json(v);
        }
        let pairs = parse_form(body);
        if let Some((_, payload)) = pairs.iter().find(|(k, _)| k == "payload") {
            return match serde_json::from_str(payload) {
                Ok(v) => Body::FormJson(v),
                Err(e) => Body::Invalid(format!("invalid JSON in form field `payload`: {e}")),
            };
        }
        return Body::Form(pairs);
    }
    json_body(body)
}

fn json_body(body: &[u8]) -> Body {
    // A UTF-8 byte order mark is not JSON, but some senders write one.
    let json = body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body);
    match serde_json::from_slice(json) {
        Ok(v) => Body::Json(v),
        Err(e) => Body::Invalid(format!("invalid JSON: {e}")),
    }
}

/// Starts like a JSON object or array (a form's first key never does).
fn looks_like_json(body: &[u8]) -> bool {
    matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// `application/x-www-form-urlencoded` pairs: `+` is a space, `%XX` a byte,
/// invalid UTF-8 replaced.
fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    body.split(|&b| b == b'&')
        .filter(|part| !part.is_empty())
        .take(MAX_FORM_FIELDS)
        .map(|part| {
            let (k, v) = match part.iter().position(|&b| b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &[][..]),
            };
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &[u8]) -> String {
    String::from_utf8_lossy(&crate::inspect::body::form::percent_decode(s)).into_owned()
}
