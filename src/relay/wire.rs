//! What travels between a relay and its subscribers: one stored request as
//! a JSON object (the headless line's keys, the body always as
//! `body_base64`, so every byte survives), and a held request's answer.
//!
//! Headers are the ordered `[name, value]` array with duplicates, as in the
//! headless line; a value that is not UTF-8 gets its exact bytes as a
//! third element, `[name, value_as_text, value_base64]`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{CapturedRequest, CapturedResponse, HeaderField, Outcome, RequestId};
use crate::store::StoredRequest;

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("not a relay event: {0}")]
    Json(#[from] serde_json::Error),
    #[error("bad base64 in {0}")]
    Base64(&'static str),
    #[error("bad received_at {0:?}")]
    Time(String),
}

/// One relayed request, as sent in an SSE `data:` line.
#[derive(Debug, Serialize, Deserialize)]
pub struct WireRequest {
    pub id: RequestId,
    pub received_at: String,
    pub remote_addr: String,
    pub method: String,
    /// What followed `/c/CHANNEL`, before `?` (`/` when nothing did).
    pub path: String,
    pub query: Option<String>,
    pub http_version: String,
    pub headers: Vec<Vec<String>>,
    pub body_base64: String,
    pub body_size: u64,
    pub outcome: String,
    /// How the capture ended, when it was not `complete` (as stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_detail: Option<Value>,
    pub channel: String,
    /// The relay is holding the sender for this request's answer: post it
    /// to `/_hookcatch/v1/c/CHANNEL/answer/ID`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hold: bool,
    /// What the relay already answered the sender, when it did so before
    /// this event was read (not held: its own answer at once, no subscriber
    /// connected, a hold that ended). The subscriber records this, not its
    /// own answer. Absent from older relays: the event reads as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<WireGiven>,
}

/// The answer a sender got from the relay, and why it was that one.
#[derive(Debug, Serialize, Deserialize)]
pub struct WireGiven {
    #[serde(flatten)]
    pub answer: WireAnswer,
    pub reason: String,
}

/// Why the sender got the relay's answer, when the relay recorded no reason.
const GIVEN_NO_HOLD: &str = "relay's own answer: the relay does not hold answers (no --hold)";
const GIVEN_BEFORE_READ: &str = "the relay's answer to the sender, given before this was read";

/// The answer a subscriber posts back for a held request.
#[derive(Debug, Serialize, Deserialize)]
pub struct WireAnswer {
    pub status: u16,
    #[serde(default)]
    pub headers: Vec<Vec<String>>,
    #[serde(default)]
    pub body_base64: String,
}

/// `/c/CHANNEL/rest?q` -> (`/rest`, `q`): the target as the sender meant it
/// for the app behind the relay.
pub fn after_channel<'a>(target: &'a str, channel: &str) -> (&'a str, Option<&'a str>) {
    let target = crate::replay::build::origin_form(target);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let rest = path
        .strip_prefix("/c/")
        .and_then(|p| p.strip_prefix(channel))
        .unwrap_or(path);
    (if rest.is_empty() { "/" } else { rest }, query)
}

fn headers_out(headers: &[HeaderField]) -> Vec<Vec<String>> {
    headers
        .iter()
        .map(|h| match std::str::from_utf8(&h.value) {
            Ok(text) => vec![h.name.clone(), text.to_string()],
            Err(_) => vec![
                h.name.clone(),
                h.value_str().into_owned(),
                STANDARD.encode(&h.value),
            ],
        })
        .collect()
}

fn headers_in(headers: Vec<Vec<String>>) -> Result<Vec<HeaderField>, WireError> {
    headers
        .into_iter()
        .map(|mut h| {
            let exact = if h.len() > 2 {
                Some(
                    STANDARD
                        .decode(h.swap_remove(2))
                        .map_err(|_| WireError::Base64("a header value"))?,
                )
            } else {
                None
            };
            let mut parts = h.into_iter();
            let name = parts.next().unwrap_or_default();
            let text = parts.next().unwrap_or_default();
            Ok(HeaderField::new(
                name,
                exact.unwrap_or_else(|| text.into_bytes()),
            ))
        })
        .collect()
}

/// The JSON of an event before and after its `body_base64` value (both
/// quotes excluded from the value): the stream sends the body between them a
/// piece at a time, so a large body is never one big string plus copies.
pub struct AroundBody {
    pub head: String,
    pub tail: String,
}

/// How the body's key and an empty value are written; in any string value
/// a `"` is escaped, so this can only be the key itself.
const EMPTY_BODY: &str = "\"body_base64\":\"\"";

/// The body's key and its value's opening quote, as [`EMPTY_BODY`] begins:
/// where a subscriber starts dropping a body too large to keep.
pub const BODY_OPENS: &str = "\"body_base64\":\"";

impl WireRequest {
    /// A request stored on the relay, for its stream.
    /// `hold`: this request is held now; `holds`: the relay holds answers
    /// at all (`--hold`).
    pub fn from_stored(
        stored: &StoredRequest,
        channel: &str,
        hold: bool,
        holds: bool,
    ) -> WireRequest {
        let mut wire = Self::without_body(stored, channel, hold, holds);
        wire.body_base64 = STANDARD.encode(&stored.request.body);
        wire
    }

    /// [`Self::from_stored`]'s JSON around the body (see [`AroundBody`]).
    pub fn around_body(
        stored: &StoredRequest,
        channel: &str,
        hold: bool,
        holds: bool,
    ) -> AroundBody {
        let json = crate::text::json_string(&Self::without_body(stored, channel, hold, holds));
        let at = json
            .find(EMPTY_BODY)
            .map_or(json.len(), |at| at + EMPTY_BODY.len() - 1);
        AroundBody {
            head: json[..at].to_string(),
            tail: json[at..].to_string(),
        }
    }

    fn without_body(stored: &StoredRequest, channel: &str, hold: bool, holds: bool) -> WireRequest {
        let req = &stored.request;
        let (path, query) = after_channel(&req.target, channel);
        WireRequest {
            id: req.id,
            // As the headless line writes it.
            received_at: req.received_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            remote_addr: req.remote_addr.clone(),
            method: req.method.clone(),
            path: path.to_string(),
            query: query.map(str::to_string),
            http_version: req.http_version.clone(),
            headers: headers_out(&req.headers),
            body_base64: String::new(),
            body_size: req.body_size,
            outcome: req.outcome.label().to_string(),
            outcome_detail: match &req.outcome {
                Outcome::Complete => None,
                other => serde_json::to_value(other).ok(),
            },
            channel: channel.to_string(),
            hold,
            answered: given(req, hold, holds),
        }
    }

    /// The request as the sender sent it, for the subscriber to capture:
    /// target is what followed `/c/CHANNEL`.
    pub fn into_captured(self) -> Result<CapturedRequest, WireError> {
        let received_at: DateTime<Utc> = DateTime::parse_from_rfc3339(&self.received_at)
            .map_err(|_| WireError::Time(self.received_at.clone()))?
            .with_timezone(&Utc);
        let body = STANDARD
            .decode(&self.body_base64)
            .map_err(|_| WireError::Base64("body_base64"))?;
        let outcome = self
            .outcome_detail
            .and_then(|d| serde_json::from_value(d).ok())
            .unwrap_or(Outcome::Complete);
        let target = match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        };
        Ok(CapturedRequest {
            id: 0,
            received_at,
            remote_addr: self.remote_addr,
            method: self.method,
            target,
            http_version: self.http_version,
            headers: headers_in(self.headers)?,
            body_size: self.body_size,
            body,
            outcome,
            response: None,
            response_reason: None,
        })
    }
}

/// The answer the relay gave for a stored request that is not held and
/// not pending: what the sender got, whoever decided it.
fn given(req: &CapturedRequest, hold: bool, holds: bool) -> Option<WireGiven> {
    if hold || req.is_pending() {
        return None;
    }
    let response = req.response.as_ref()?;
    let reason = match &req.response_reason {
        Some(why) => why.clone(),
        None if !holds => GIVEN_NO_HOLD.to_string(),
        None if req.outcome == Outcome::Complete => GIVEN_BEFORE_READ.to_string(),
        None => format!("relay's own answer: {}", req.outcome.label()),
    };
    Some(WireGiven {
        answer: WireAnswer::from_response(response),
        reason,
    })
}

impl WireAnswer {
    pub fn from_response(r: &CapturedResponse) -> WireAnswer {
        WireAnswer {
            status: r.status,
            headers: headers_out(&r.headers),
            body_base64: STANDARD.encode(&r.body),
        }
    }

    pub fn into_response(self) -> Result<CapturedResponse, WireError> {
        Ok(CapturedResponse {
            status: self.status,
            headers: headers_in(self.headers)?,
            body: STANDARD
                .decode(&self.body_base64)
                .map_err(|_| WireError::Base64("body_base64"))?,
            latency_ms: 0.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_channel_prefix_is_cut_and_the_rest_kept() {
        assert_eq!(after_channel("/c/ab/x/y?q=1", "ab"), ("/x/y", Some("q=1")));
        assert_eq!(after_channel("/c/ab", "ab"), ("/", None));
        assert_eq!(after_channel("/c/ab?z", "ab"), ("/", Some("z")));
    }

    #[test]
    fn bytes_survive_the_round_trip() {
        let mut req = CapturedRequest::new(
            "POST",
            "/c/ch/hook?a=b",
            vec![
                HeaderField::new("x-a", "1"),
                HeaderField::new("x-bin", vec![0xff, 0x01]),
                HeaderField::new("x-a", "2"),
            ],
            vec![0, 159, 146, 150, 255],
        );
        req.id = 7;
        let stored = StoredRequest {
            request: req.clone(),
            duplicate_of: None,
            findings: None,
            channel: Some("ch".into()),
            relay: None,
        };
        let json =
            serde_json::to_string(&WireRequest::from_stored(&stored, "ch", false, false)).unwrap();
        let back: WireRequest = serde_json::from_str(&json).unwrap();
        let got = back.into_captured().unwrap();
        // The JSON sent in pieces around the body is the same JSON.
        let around = WireRequest::around_body(&stored, "ch", false, false);
        let pieces = format!(
            "{}{}{}",
            around.head,
            STANDARD.encode(&req.body),
            around.tail
        );
        assert_eq!(
            pieces,
            crate::text::json_string(&WireRequest::from_stored(&stored, "ch", false, false))
        );
        assert_eq!(got.headers, req.headers);
        assert_eq!(got.body, req.body);
        assert_eq!(got.target, "/hook?a=b");
    }
}
