//! Pingara's webhook payload as typed structs, so a generated event has the
//! guide's fields in the guide's order (`event`, `timestamp`, `monitor`,
//! `incident`, `ssl`, `organization`) and absent fields are absent, not null.
//! Only `incident.resolvedAt` (null until resolved) and `metrics.statusCode`
//! (null when no answer came) are ever null, as in the guide.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Payload {
    pub event: String,
    pub timestamp: String,
    pub monitor: Monitor,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<Incident>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl: Option<Ssl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
}

impl Payload {
    /// Compact JSON, as sent.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Plain structs of strings and numbers always serialize.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Indented JSON, for `send-test --print`.
    pub fn to_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Monitor {
    pub id: String,
    pub name: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Every field optional: each event type carries its own subset.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// `Some(None)` is sent as `null` (not resolved yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Option<String>>,
    /// Seconds, on incident.resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affected_regions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<MetricsField>,
}

/// One set of check metrics, or the previous and current ones (recovered).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MetricsField {
    One(Metrics),
    Pair { previous: Metrics, current: Metrics },
}

/// Milliseconds and bytes, as in the guide's standard payload.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    pub dns_lookup_time: u64,
    pub tcp_connect_time: u64,
    pub tls_handshake_time: u64,
    pub ttfb: u64,
    pub total_duration: u64,
    /// `null` when no HTTP answer came.
    pub status_code: Option<u16>,
    pub response_size: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ssl {
    pub days_until_expiry: i64,
    pub expires_at: String,
    pub issuer: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
}
