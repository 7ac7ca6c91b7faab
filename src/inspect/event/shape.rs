//! Small tools the sender decoders share: checking a JSON object against the
//! fields a sender documents, reading dotted paths, clipping hostile strings.
//!
//! Nothing here recurses: paths are fixed and short, arrays are walked with a
//! cap, so the work is bounded by what serde_json already parsed (itself
//! limited to 128 levels of nesting).

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::text;

/// Longest piece of captured text put into a summary part or a field.
pub(crate) const CLIP: usize = 120;
/// Longest event type kept.
pub(crate) const KIND_MAX: usize = 80;
/// Longest summary line.
pub(crate) const SUMMARY_MAX: usize = 200;
/// Problems beyond this many are counted, not listed.
const MAX_PROBLEMS: usize = 40;
/// Array elements checked one by one.
const MAX_ELEMENTS: usize = 64;

/// What a field must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Want {
    Str,
    Num,
    Bool,
    Obj,
    Arr,
    /// An RFC 3339 date-time string, the ISO 8601 profile senders use.
    Time,
    /// An array whose elements are all strings.
    StrArr,
    /// Free text: a string or an array (undocumented shapes such as notes).
    Text,
}

impl Want {
    fn name(self) -> &'static str {
        match self {
            Want::Str => "string",
            Want::Num => "number",
            Want::Bool => "boolean",
            Want::Obj => "object",
            Want::Arr => "array",
            Want::Time => "RFC 3339 timestamp string",
            Want::StrArr => "array of strings",
            Want::Text => "string or array",
        }
    }
}

/// JSON's name for a value's type.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

pub(crate) fn is_timestamp(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

/// Where a field sits, for messages: `prefix.key`. Decoders check dozens
/// of fields per request and nearly all are fine, so the dotted text is only
/// built when a problem is reported.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Path<'a> {
    prefix: &'a str,
    key: &'a str,
}

impl<'a> Path<'a> {
    /// `key` inside the object at `prefix` (`""` for the top level).
    pub(crate) fn join(prefix: &'a str, key: &'a str) -> Self {
        Path { prefix, key }
    }
}

/// A whole dotted path; its last segment is the key.
impl<'a> From<&'a str> for Path<'a> {
    fn from(path: &'a str) -> Self {
        match path.rsplit_once('.') {
            Some((prefix, key)) => Path { prefix, key },
            None => Path {
                prefix: "",
                key: path,
            },
        }
    }
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix.is_empty() {
            f.write_str(self.key)
        } else {
            write!(f, "{}.{}", self.prefix, self.key)
        }
    }
}

/// Collects problems while checking fields.
#[derive(Default)]
pub(crate) struct Shape {
    problems: Vec<String>,
    dropped: usize,
}

impl Shape {
    pub(crate) fn push(&mut self, problem: impl Into<String>) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem.into());
        } else {
            self.dropped += 1;
        }
    }

    pub(crate) fn into_problems(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.problems
                .push(format!("… and {} more problems", self.dropped));
        }
        self.problems
    }

    /// A field that must be present and not null. `path` is the full dotted
    /// path used in messages; its last segment is the key in `obj`.
    pub(crate) fn req<'v, 'p>(
        &mut self,
        obj: &'v Map<String, Value>,
        path: impl Into<Path<'p>>,
        want: Want,
    ) -> Option<&'v Value> {
        self.check(obj, path, want, true, false)
    }

    /// A field that may be absent but, when present, must have the right type.
    pub(crate) fn opt<'v, 'p>(
        &mut self,
        obj: &'v Map<String, Value>,
        path: impl Into<Path<'p>>,
        want: Want,
    ) -> Option<&'v Value> {
        self.check(obj, path, want, false, false)
    }

    /// A field that may be absent or null.
    pub(crate) fn nullable<'v, 'p>(
        &mut self,
        obj: &'v Map<String, Value>,
        path: impl Into<Path<'p>>,
        want: Want,
    ) -> Option<&'v Value> {
        self.check(obj, path, want, false, true)
    }

    /// The general form: `required` means absence is a problem, `nullable`
    /// means null is accepted. Returns the value only when its type is right.
    pub(crate) fn check<'v, 'p>(
        &mut self,
        obj: &'v Map<String, Value>,
        path: impl Into<Path<'p>>,
        want: Want,
        required: bool,
        nullable: bool,
    ) -> Option<&'v Value> {
        let path = path.into();
        match obj.get(path.key) {
            None => {
                if required {
                    self.push(format!("missing field `{path}`"));
                }
                None
            }
            Some(Value::Null) => {
                if !nullable {
                    self.push(format!("null field `{path}`: expected {}", want.name()));
                }
                None
            }
            Some(v) => self.value(v, path, want).then_some(v),
        }
    }

    /// Check one non-null value; true when it fits.
    pub(crate) fn value(&mut self, v: &Value, path: Path<'_>, want: Want) -> bool {
        let fits = match want {
            Want::Str => v.is_string(),
            Want::Num => v.is_number(),
            Want::Bool => v.is_boolean(),
            Want::Obj => v.is_object(),
            Want::Arr | Want::StrArr => v.is_array(),
            Want::Text => v.is_string() || v.is_array(),
            Want::Time => match v.as_str() {
                Some(s) if is_timestamp(s) => true,
                Some(s) => {
                    self.push(format!(
                        "invalid timestamp `{path}`: \"{}\" is not RFC 3339 (like 2024-01-15T14:32:05.000Z)",
                        clip(s, 60)
                    ));
                    return false;
                }
                None => false,
            },
        };
        if !fits {
            self.push(format!(
                "wrong type `{path}`: expected {}, got {}",
                want.name(),
                type_name(v)
            ));
            return false;
        }
        if want == Want::StrArr {
            let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
            for (i, item) in items.iter().enumerate().take(MAX_ELEMENTS) {
                if !item.is_string() {
                    self.push(format!(
                        "wrong type `{path}[{i}]`: expected string, got {}",
                        type_name(item)
                    ));
                }
            }
        }
        true
    }
}

/// The value at a dotted path (`incident.metrics.ttfb`).
pub(crate) fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |cur, key| cur.get(key))
}

/// The string at a path.
pub(crate) fn str_at<'v>(v: &'v Value, path: &str) -> Option<&'v str> {
    at(v, path).and_then(Value::as_str)
}

/// A scalar at a path as display text (strings clipped, numbers and booleans
/// as JSON writes them); `None` for null, objects and arrays.
pub(crate) fn text_at(v: &Value, path: &str) -> Option<String> {
    at(v, path).and_then(scalar_text)
}

pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(clip(s, CLIP)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A string or number id, unclipped, for idempotency keys. Very long ids are
/// shortened to a prefix plus a stable hash so keys stay small yet distinct.
pub(crate) fn key_part(v: &Value) -> Option<Cow<'_, str>> {
    let raw: Cow<'_, str> = match v {
        Value::String(s) if !s.is_empty() => Cow::Borrowed(s),
        Value::Number(n) => Cow::Owned(n.to_string()),
        _ => return None,
    };
    Some(bounded_key(raw))
}

/// See [`key_part`]; for ids that come from headers.
pub(crate) fn bounded_key(raw: Cow<'_, str>) -> Cow<'_, str> {
    const MAX: usize = 200;
    if raw.len() <= MAX {
        return raw;
    }
    // FNV-1a: stable across builds and Rust versions, unlike DefaultHasher.
    let hash = raw.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let prefix: String = raw.chars().take(120).collect();
    Cow::Owned(format!("{prefix}…{hash:016x}"))
}

/// Sanitized for the terminal, then at most `max` characters as shown
/// (escapes count at their visible width, never cut in half), `…` when cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    // The common case on the capture path: short, clean text.
    if s.len() <= max && !s.chars().any(text::is_unsafe) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len().min(max.saturating_mul(4)));
    let mut width = 0;
    for c in s.chars() {
        let mut buf = [0u8; 4];
        let shown: std::borrow::Cow<'_, str> = if text::is_unsafe(c) {
            text::sanitize(c.encode_utf8(&mut buf))
        } else {
            std::borrow::Cow::Borrowed(c.encode_utf8(&mut buf))
        };
        let w = shown.chars().count();
        if width + w > max {
            out.push('…');
            break;
        }
        out.push_str(&shown);
        width += w;
    }
    out
}

/// Join the non-empty parts with ` · ` into one clipped line.
pub(crate) fn summary<S: AsRef<str>>(parts: &[S]) -> String {
    let line = parts
        .iter()
        .map(AsRef::as_ref)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    clip(&line, SUMMARY_MAX)
}

/// Push `(path, text)` for every scalar found at the given paths; arrays of
/// scalars are joined with `, `.
pub(crate) fn collect_fields(root: &Value, paths: &[&str], out: &mut Vec<(String, String)>) {
    for path in paths {
        let Some(v) = at(root, path) else { continue };
        let text = match v {
            Value::Array(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .take(MAX_ELEMENTS)
                    .filter_map(scalar_text)
                    .collect();
                if parts.is_empty() {
                    continue;
                }
                clip(&parts.join(", "), CLIP)
            }
            Value::Null => "null".to_string(),
            other => match scalar_text(other) {
                Some(t) => t,
                None => continue,
            },
        };
        out.push(((*path).to_string(), text));
    }
}

/// Push a field taken from a header.
pub(crate) fn header_field(out: &mut Vec<(String, String)>, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        out.push((name.to_string(), clip(v, CLIP)));
    }
}

/// `720` seconds as `12m 0s`; `3725` as `1h 2m 5s`.
pub(crate) fn duration_text(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return format!("{secs} s");
    }
    let total = secs.round().min(1e15) as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m {s}s"),
        _ => format!("{h}h {m}m {s}s"),
    }
}

/// `n item` or `n items`.
pub(crate) fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests;
