//! What inspection decided about a request when it arrived, as plain data.
//!
//! The listener inspects each request once, with its own secrets, and the
//! store keeps the result beside the request (one JSON text column). Every
//! reader shows this stored result, whatever secrets the reading process has:
//! a verdict never changes because someone looks at it later, from another
//! terminal or after a secret was rotated. The store only carries this type;
//! turning it back into inspection's types is `inspect::stored`'s job.

use serde::{Deserialize, Serialize};

/// When a verdict was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Judged {
    /// By the listener as the request arrived, with the listener's secrets.
    #[serde(rename = "at arrival")]
    AtArrival,
    /// By `hookcatch import`, with the importing process's secrets (the
    /// file carried no verdict of its own).
    #[serde(rename = "at import")]
    AtImport,
    /// Just now, by the reading process, with its secrets: the request was
    /// stored before verdicts were kept (or its stored findings are unreadable).
    #[serde(rename = "on read")]
    OnRead,
}

impl Judged {
    /// The JSON form: `at arrival`, `at import`, `on read`.
    pub fn as_str(self) -> &'static str {
        match self {
            Judged::AtArrival => "at arrival",
            Judged::AtImport => "at import",
            Judged::OnRead => "on read",
        }
    }

    /// What people are told beside a verdict that was not reached at arrival.
    pub fn caveat(self) -> Option<&'static str> {
        match self {
            Judged::AtArrival => None,
            Judged::AtImport => Some("judged at import, not at arrival"),
            Judged::OnRead => Some("judged now, not at arrival"),
        }
    }

    /// Parse [`Judged::as_str`].
    pub fn parse(text: &str) -> Option<Judged> {
        [Judged::AtArrival, Judged::AtImport, Judged::OnRead]
            .into_iter()
            .find(|j| j.as_str() == text)
    }
}

/// The auth verdict with its explanation, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredAuth {
    pub scheme: String,
    /// `valid`, `invalid`, `missing` or `unconfigured`.
    pub verdict: String,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnosis: Vec<String>,
    /// What the request presented, already masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presented: Option<String>,
    #[serde(default)]
    pub signed: bool,
}

/// The webhook event found, as stored (the Event tab's field list is decoded
/// from the body when shown: it depends on no secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub provider: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    pub summary: String,
    #[serde(default)]
    pub problems: Vec<String>,
}

/// Everything decided about a request when it was stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredFindings {
    pub judged: Judged,
    pub auth: StoredAuth,
    pub event: Option<StoredEvent>,
}

impl StoredFindings {
    /// The column's text.
    pub fn to_json(&self) -> String {
        // Plain strings and enums: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Read the column back; `None` for text this version cannot read, so
    /// the reader judges the request itself and says so.
    pub fn from_json(text: &str) -> Option<StoredFindings> {
        serde_json::from_str(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json() {
        let findings = StoredFindings {
            judged: Judged::AtArrival,
            auth: StoredAuth {
                scheme: "pingara-secret".into(),
                verdict: "valid".into(),
                detail: "matches".into(),
                diagnosis: vec!["a".into()],
                presented: Some("••••".into()),
                signed: false,
            },
            event: Some(StoredEvent {
                provider: "pingara".into(),
                kind: "incident.created".into(),
                action: None,
                summary: "API".into(),
                problems: vec![],
            }),
        };
        let text = findings.to_json();
        assert!(text.contains(r#""judged":"at arrival""#), "{text}");
        assert_eq!(StoredFindings::from_json(&text), Some(findings));
        assert_eq!(StoredFindings::from_json("{not json"), None);
    }
}
