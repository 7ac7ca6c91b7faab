//! Pingara's event types, one row each: everything hookcatch knows about an
//! event lives in its row, taken from the webhook guide
//! (seed/pingara-webhook-integration.txt). The inspector checks a request
//! against its row (`inspect::event::pingara`), `send-test` and the demo build
//! their samples from it (`generate`), and `--help` and `send-test --list`
//! print its names and triggers.
//!
//! Every event carries `event`, `timestamp` and `monitor{id,name,url}`
//! (`status`, `region` optional), with `organization` optional. The guide
//! gives no example for updated, degraded and recovered, so nothing
//! undocumented is required there; whatever is sent is type-checked.

use chrono::{DateTime, Utc};

use super::generate::{self, Subject};
use super::payload::Payload;

/// One event type.
pub struct EventSpec {
    /// The `event` field: `incident.created`.
    pub name: &'static str,
    /// What makes Pingara send it (the guide's "Trigger" column).
    pub trigger: &'static str,
    /// What the `incident` object must be.
    pub incident: IncidentRule,
    /// An `ssl{daysUntilExpiry, expiresAt, issuer}` object is required.
    pub ssl: bool,
    /// Sent once per incident, so `incident.id` + `event` identify it (the
    /// guide's dedupe key); otherwise the timestamp is part of the key.
    pub once_per_incident: bool,
    /// What the one-line summary says after the event and the monitor.
    pub summary: SummaryRule,
    /// Fill a sample payload (monitor and organization already set).
    pub sample: Sample,
}

/// Fills the event-specific parts of a sample payload about a subject.
pub type Sample = fn(&mut Payload, &Subject, DateTime<Utc>, &mut fastrand::Rng);

/// What an event's `incident` object must be.
pub enum IncidentRule {
    /// Present, with these fields; `resolved_at` says what `resolvedAt` holds.
    Required {
        fields: &'static [&'static str],
        resolved_at: ResolvedAt,
    },
    /// May be sent (performance metrics); type-checked when it is.
    Optional,
    /// The guide sends none: one sent is a problem.
    Absent,
}

/// What `incident.resolvedAt` holds on an event.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ResolvedAt {
    /// `null`: the incident is still open.
    Null,
    /// Set, after `startedAt`, with a non-negative `duration`.
    Set,
    /// Whatever the incident's state is.
    Any,
}

/// The part of the summary that depends on the event.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SummaryRule {
    /// `API Production down · timeout in us-east-1`.
    Failure,
    /// `API Production up · after 4m 5s`.
    Recovery,
    /// `status identified · <notes>`.
    Update,
    /// `total 3400 ms, ttfb 1200 ms`.
    Metrics,
    /// `14 days left (Let's Encrypt Authority X3)`.
    Ssl,
    /// The monitor's name only.
    Plain,
}

/// The eight event types of the guide, in its order.
pub const EVENTS: [EventSpec; 8] = [
    EventSpec {
        name: "incident.created",
        trigger: "new incident detected (2 consecutive failures)",
        incident: IncidentRule::Required {
            fields: &["id", "status", "startedAt"],
            resolved_at: ResolvedAt::Null,
        },
        ssl: false,
        once_per_incident: true,
        summary: SummaryRule::Failure,
        sample: generate::incident_created,
    },
    EventSpec {
        name: "incident.resolved",
        trigger: "incident resolved (2 consecutive successes)",
        incident: IncidentRule::Required {
            fields: &["id", "status", "startedAt", "resolvedAt", "duration"],
            resolved_at: ResolvedAt::Set,
        },
        ssl: false,
        once_per_incident: true,
        summary: SummaryRule::Recovery,
        sample: generate::incident_resolved,
    },
    EventSpec {
        name: "incident.updated",
        trigger: "incident status changed (manual update)",
        incident: IncidentRule::Required {
            fields: &["id", "status"],
            resolved_at: ResolvedAt::Any,
        },
        ssl: false,
        // An incident is updated many times.
        once_per_incident: false,
        summary: SummaryRule::Update,
        sample: generate::incident_updated,
    },
    EventSpec {
        name: "monitor.degraded",
        trigger: "performance below the Apdex threshold",
        incident: IncidentRule::Optional,
        ssl: false,
        once_per_incident: false,
        summary: SummaryRule::Metrics,
        sample: generate::monitor_degraded,
    },
    EventSpec {
        name: "monitor.recovered",
        trigger: "performance returned to normal",
        incident: IncidentRule::Optional,
        ssl: false,
        once_per_incident: false,
        summary: SummaryRule::Metrics,
        sample: generate::monitor_recovered,
    },
    EventSpec {
        name: "ssl.expiring",
        trigger: "SSL certificate approaching expiry",
        incident: IncidentRule::Optional,
        ssl: true,
        once_per_incident: false,
        summary: SummaryRule::Ssl,
        sample: generate::ssl_expiring,
    },
    EventSpec {
        name: "monitor.paused",
        trigger: "monitor was paused",
        incident: IncidentRule::Absent,
        ssl: false,
        once_per_incident: false,
        summary: SummaryRule::Plain,
        sample: generate::monitor_paused,
    },
    EventSpec {
        name: "monitor.resumed",
        trigger: "monitor was resumed",
        incident: IncidentRule::Absent,
        ssl: false,
        once_per_incident: false,
        summary: SummaryRule::Plain,
        sample: generate::monitor_resumed,
    },
];

/// The event type names, in the guide's order.
pub const NAMES: [&str; EVENTS.len()] = {
    let mut names = [""; EVENTS.len()];
    let mut i = 0;
    while i < EVENTS.len() {
        names[i] = EVENTS[i].name;
        i += 1;
    }
    names
};

/// The row of an event type Pingara sends.
pub fn spec(name: &str) -> Option<&'static EventSpec> {
    EVENTS.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guide's table, as the guide writes it (its section "Event Types").
    #[test]
    fn names_are_the_guides() {
        assert_eq!(
            NAMES,
            [
                "incident.created",
                "incident.resolved",
                "incident.updated",
                "monitor.degraded",
                "monitor.recovered",
                "ssl.expiring",
                "monitor.paused",
                "monitor.resumed",
            ]
        );
        assert!(spec("incident.created").is_some());
        assert!(spec("incident.deleted").is_none());
    }
}
