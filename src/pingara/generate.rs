//! Realistic Pingara events for `send-test` and the demo stream: fresh ids
//! (`m_…`, `inc_…`, `org_…`), current timestamps, and the shapes of Pingara's
//! webhook guide (seed/pingara-webhook-integration.txt):
//!
//! - `incident.created`: the guide's standard structure (monitor with status
//!   and region, the full incident with `resolvedAt: null`, error and
//!   metrics, organization);
//! - `incident.resolved`, `ssl.expiring`: exactly the guide's examples;
//! - `incident.updated`: the incident's new status and `notes`;
//! - `monitor.degraded`: performance metrics only (`incident.metrics`);
//! - `monitor.recovered`: previous and current metrics
//!   (`incident.metrics.previous`/`current`);
//! - `monitor.paused`, `monitor.resumed`: monitor and organization, no incident.
//!
//! The guide documents no example for the last five; these shapes are the
//! ones hookcatch's own Pingara inspector accepts with zero problems. Each
//! event's builder is named in its row of `events::EVENTS`.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use super::payload::{Incident, Metrics, MetricsField, Monitor, Organization, Payload, Ssl};

/// The eight event types of the guide, in its order: the names of the one
/// table of events (`events`), which the inspector checks against too.
pub use super::events::NAMES as EVENTS;

/// What each event type means (the guide's "Trigger" column).
pub fn trigger(event: &str) -> &'static str {
    super::events::spec(event).map_or("", |e| e.trigger)
}

const MONITORS: [(&str, &str); 5] = [
    ("API Production", "https://api.example.com/health"),
    ("Checkout", "https://shop.example.com/checkout"),
    ("Marketing site", "https://www.example.com"),
    ("Auth service", "https://auth.example.com/healthz"),
    ("Status page", "https://status.example.com"),
];
const REGIONS: [&str; 5] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
];
const ORGS: [&str; 3] = ["Acme Corp", "Globex", "Initech"];
const ISSUERS: [&str; 3] = [
    "Let's Encrypt Authority X3",
    "R11",
    "DigiCert Global G2 TLS RSA SHA256 2020 CA1",
];

/// A monitor with the incident it may have open, so an incident's later
/// events (updated, resolved) can refer to the same ids.
#[derive(Clone, Debug, PartialEq)]
pub struct Subject {
    pub monitor_id: String,
    pub name: String,
    pub url: String,
    pub region: String,
    pub incident_id: String,
    pub started_at: DateTime<Utc>,
    pub org_id: String,
    pub org_name: String,
}

impl Subject {
    /// A fresh monitor and incident.
    pub fn fresh(rng: &mut fastrand::Rng, now: DateTime<Utc>) -> Subject {
        let (name, url) = MONITORS[rng.usize(..MONITORS.len())];
        Subject {
            monitor_id: format!("m_{}", token(rng, 12)),
            name: name.into(),
            url: url.into(),
            region: REGIONS[rng.usize(..REGIONS.len())].into(),
            incident_id: format!("inc_{}", token(rng, 9)),
            started_at: now - Duration::seconds(rng.i64(5..60)),
            org_id: format!("org_{}", token(rng, 6)),
            org_name: ORGS[rng.usize(..ORGS.len())].into(),
        }
    }
}

/// Lowercase letters and digits, like the guide's `abc123def456`.
fn token(rng: &mut fastrand::Rng, len: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| char::from(CHARS[rng.usize(..CHARS.len())]))
        .collect()
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A sample event with fresh ids and `now` as its timestamp; `None` for an
/// event type Pingara does not send.
pub fn generate(event: &str, now: DateTime<Utc>, rng: &mut fastrand::Rng) -> Option<Payload> {
    let subject = Subject::fresh(rng, now);
    generate_for(event, &subject, now, rng)
}

/// A sample event about `subject`.
pub fn generate_for(
    event: &str,
    s: &Subject,
    now: DateTime<Utc>,
    rng: &mut fastrand::Rng,
) -> Option<Payload> {
    let spec = super::events::spec(event)?;
    let mut payload = Payload {
        event: event.to_string(),
        timestamp: ts(now),
        monitor: s.monitor(None, false),
        incident: None,
        ssl: None,
        organization: Some(Organization {
            id: s.org_id.clone(),
            name: s.org_name.clone(),
        }),
    };
    (spec.sample)(&mut payload, s, now, rng);
    Some(payload)
}

impl Subject {
    fn monitor(&self, status: Option<&str>, region: bool) -> Monitor {
        Monitor {
            id: self.monitor_id.clone(),
            name: self.name.clone(),
            url: self.url.clone(),
            status: status.map(str::to_string),
            region: region.then(|| self.region.clone()),
        }
    }

    fn open_incident(&self, status: &str) -> Incident {
        Incident {
            id: Some(self.incident_id.clone()),
            status: Some(status.into()),
            started_at: Some(ts(self.started_at)),
            resolved_at: Some(None),
            ..Incident::default()
        }
    }
}

pub(super) fn incident_created(
    p: &mut Payload,
    s: &Subject,
    _: DateTime<Utc>,
    rng: &mut fastrand::Rng,
) {
    let mut regions = vec![s.region.clone()];
    let other = REGIONS[rng.usize(..REGIONS.len())];
    if other != s.region {
        regions.push(other.into());
    }
    let (error_type, message, metrics) = failure(rng);
    p.monitor = s.monitor(Some("down"), true);
    p.incident = Some(Incident {
        error_type: Some(error_type.into()),
        error_message: Some(message.into()),
        affected_regions: Some(regions),
        metrics: Some(MetricsField::One(metrics)),
        ..s.open_incident("investigating")
    });
}

pub(super) fn incident_resolved(
    p: &mut Payload,
    s: &Subject,
    now: DateTime<Utc>,
    _: &mut fastrand::Rng,
) {
    // The guide's example: no region, no organization.
    let resolved = now.max(s.started_at);
    p.monitor = s.monitor(Some("up"), false);
    p.organization = None;
    p.incident = Some(Incident {
        resolved_at: Some(Some(ts(resolved))),
        duration: Some((resolved - s.started_at).num_seconds()),
        ..s.open_incident("resolved")
    });
}

pub(super) fn incident_updated(
    p: &mut Payload,
    s: &Subject,
    _: DateTime<Utc>,
    rng: &mut fastrand::Rng,
) {
    let (status, notes) = [
        ("identified", "Upstream DNS provider outage, failing over"),
        ("monitoring", "Fix deployed, watching error rates"),
        (
            "investigating",
            "Escalated to the on-call database engineer",
        ),
    ][rng.usize(..3)];
    p.monitor = s.monitor(Some("down"), true);
    p.incident = Some(Incident {
        notes: Some(notes.into()),
        ..s.open_incident(status)
    });
}

pub(super) fn monitor_degraded(
    p: &mut Payload,
    s: &Subject,
    _: DateTime<Utc>,
    rng: &mut fastrand::Rng,
) {
    p.monitor = s.monitor(Some("degraded"), true);
    p.incident = Some(Incident {
        metrics: Some(MetricsField::One(metrics(rng, 900..2500, Some(200)))),
        ..Incident::default()
    });
}

pub(super) fn monitor_recovered(
    p: &mut Payload,
    s: &Subject,
    _: DateTime<Utc>,
    rng: &mut fastrand::Rng,
) {
    p.monitor = s.monitor(Some("up"), true);
    p.incident = Some(Incident {
        metrics: Some(MetricsField::Pair {
            previous: metrics(rng, 900..2500, Some(200)),
            current: metrics(rng, 40..200, Some(200)),
        }),
        ..Incident::default()
    });
}

pub(super) fn ssl_expiring(
    p: &mut Payload,
    _: &Subject,
    now: DateTime<Utc>,
    rng: &mut fastrand::Rng,
) {
    // The guide's example: monitor without status, no organization.
    let days = [30, 14, 7, 3, 1][rng.usize(..5)];
    let expires = (now + Duration::days(days))
        .date_naive()
        .and_hms_opt(23, 59, 59)
        .map_or(now, |t| t.and_utc());
    p.organization = None;
    p.ssl = Some(Ssl {
        days_until_expiry: days,
        expires_at: ts(expires),
        issuer: ISSUERS[rng.usize(..ISSUERS.len())].into(),
    });
}

pub(super) fn monitor_paused(
    p: &mut Payload,
    s: &Subject,
    _: DateTime<Utc>,
    _: &mut fastrand::Rng,
) {
    p.monitor = s.monitor(Some("paused"), true);
}

pub(super) fn monitor_resumed(
    p: &mut Payload,
    s: &Subject,
    _: DateTime<Utc>,
    _: &mut fastrand::Rng,
) {
    p.monitor = s.monitor(Some("up"), true);
}

/// An error type, its message and matching metrics, as a failing check has.
fn failure(rng: &mut fastrand::Rng) -> (&'static str, &'static str, Metrics) {
    let unanswered = |m: Metrics| Metrics {
        ttfb: 0,
        status_code: None,
        response_size: 0,
        ..m
    };
    match rng.usize(..3) {
        0 => (
            "timeout",
            "Connection timeout after 30000ms",
            Metrics {
                tcp_connect_time: 30_120,
                tls_handshake_time: 0,
                total_duration: 30_165,
                ..unanswered(metrics(rng, 0..1, None))
            },
        ),
        1 => (
            "http_error",
            "HTTP 503 Service Unavailable",
            metrics(rng, 80..400, Some(503)),
        ),
        _ => (
            "connection_refused",
            "connect ECONNREFUSED 203.0.113.10:443",
            Metrics {
                tls_handshake_time: 0,
                ..unanswered(metrics(rng, 0..1, None))
            },
        ),
    }
}

/// The guide's metric numbers; `ttfb` drawn from `ttfb`.
fn metrics(rng: &mut fastrand::Rng, ttfb: std::ops::Range<u64>, status: Option<u16>) -> Metrics {
    let dns = rng.u64(5..60);
    let tcp = rng.u64(10..80);
    let tls = rng.u64(20..120);
    let ttfb = rng.u64(ttfb);
    Metrics {
        dns_lookup_time: dns,
        tcp_connect_time: tcp,
        tls_handshake_time: tls,
        ttfb,
        total_duration: dns + tcp + tls + ttfb + rng.u64(1..40),
        status_code: status,
        response_size: if status.is_some() {
            rng.u64(200..8000)
        } else {
            0
        },
    }
}

#[cfg(test)]
#[path = "generate_tests.rs"]
mod tests;
