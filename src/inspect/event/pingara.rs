//! Pingara, checked against its webhook guide. What each event type must
//! carry, and what its summary says, is its row in the one table of Pingara
//! events (`crate::pingara::events`); this file applies the rows.
//!
//! Every event carries `event`, `timestamp` and `monitor{id,name,url}`
//! (`status`, `region` optional), with `organization` optional.

use serde_json::{Map, Value};

use super::shape::{self, Path, Shape, Want, clip, text_at};
use super::{Ctx, Event, Provider};
use crate::pingara::events::{self, EventSpec, IncidentRule, NAMES, ResolvedAt, SummaryRule};

/// The guide's own authentication header.
pub(crate) fn by_header(ctx: &Ctx<'_>) -> bool {
    ctx.has_header("x-pingara-secret")
}

/// Pingara's body shape: an `event` string, a `timestamp`, and a `monitor`,
/// `incident` or `ssl` object.
pub(crate) fn by_shape(ctx: &Ctx<'_>) -> bool {
    let Some(obj) = ctx.json().and_then(Value::as_object) else {
        return false;
    };
    obj.get("event").is_some_and(Value::is_string)
        && obj.contains_key("timestamp")
        && ["monitor", "incident", "ssl"]
            .iter()
            .any(|k| obj.get(*k).is_some_and(Value::is_object))
}

pub(crate) fn decode(ctx: &Ctx<'_>) -> Event {
    let Some(root) = ctx.json() else {
        let mut ev = Event::new(Provider::Pingara, "unknown");
        ev.problems.extend(ctx.body_problem());
        ev.summary = shape::summary(&["unknown", "body is not a Pingara JSON event"]);
        return ev;
    };
    let Some(obj) = root.as_object() else {
        let mut ev = Event::new(Provider::Pingara, "unknown");
        ev.problems.push(format!(
            "expected a JSON object, got {}",
            shape::type_name(root)
        ));
        ev.summary = shape::summary(&["unknown", "body is not a JSON object"]);
        return ev;
    };
    let mut s = Shape::default();
    let event = s.req(obj, "event", Want::Str).and_then(Value::as_str);
    let mut ev = Event::new(Provider::Pingara, event.unwrap_or("unknown"));
    s.req(obj, "timestamp", Want::Time);
    if let Some(m) = s.req(obj, "monitor", Want::Obj).and_then(Value::as_object) {
        for f in ["id", "name", "url"] {
            s.req(m, Path::join("monitor", f), Want::Str);
        }
        s.opt(m, "monitor.status", Want::Str);
        s.opt(m, "monitor.region", Want::Str);
    }
    if let Some(org) = s
        .opt(obj, "organization", Want::Obj)
        .and_then(Value::as_object)
    {
        s.opt(org, "organization.id", Want::Str);
        s.opt(org, "organization.name", Want::Str);
    }
    let spec = event.and_then(events::spec);
    if let (Some(e), None) = (event, spec) {
        s.push(format!(
            "unknown event type \"{}\": Pingara sends {}",
            clip(e, 60),
            NAMES.join(", ")
        ));
    }
    check_event(&mut s, obj, spec);
    ev.problems = s.into_problems();
    ev.summary = summarise(root, &ev.kind, spec);
    ctx.collect_fields(root, FIELDS, &mut ev.fields);
    ev
}

/// Event-specific checks by the event's row; `None` when the event is
/// unknown (everything lenient).
fn check_event(s: &mut Shape, obj: &Map<String, Value>, spec: Option<&EventSpec>) {
    let rule = spec.map_or(&IncidentRule::Optional, |e| &e.incident);
    match rule {
        IncidentRule::Absent => {
            if obj.get("incident").is_some_and(|v| !v.is_null()) {
                let name = spec.map_or("", |e| e.name);
                s.push(format!(
                    "unexpected field `incident` on {name}: the guide sends no incident data"
                ));
            }
        }
        IncidentRule::Required { .. } | IncidentRule::Optional => {
            let needed = matches!(rule, IncidentRule::Required { .. });
            if let Some(inc) = s
                .check(obj, "incident", Want::Obj, needed, !needed)
                .and_then(Value::as_object)
            {
                check_incident(s, inc, rule);
            }
        }
    }
    let need_ssl = spec.is_some_and(|e| e.ssl);
    let ssl = s.check(obj, "ssl", Want::Obj, need_ssl, !need_ssl);
    if let Some(ssl) = ssl.and_then(Value::as_object) {
        s.check(ssl, "ssl.daysUntilExpiry", Want::Num, need_ssl, false);
        s.check(ssl, "ssl.expiresAt", Want::Time, need_ssl, false);
        s.check(ssl, "ssl.issuer", Want::Str, need_ssl, false);
    }
    // Degraded and recovered events may carry metrics at the top level.
    if let Some(m) = s.opt(obj, "metrics", Want::Obj).and_then(Value::as_object) {
        check_metrics(s, m, "metrics");
    }
}

fn check_incident(s: &mut Shape, inc: &Map<String, Value>, rule: &IncidentRule) {
    let (required, resolved_at): (&[&str], _) = match rule {
        IncidentRule::Required {
            fields,
            resolved_at,
        } => (fields, *resolved_at),
        _ => (&[], ResolvedAt::Any),
    };
    const FIELDS: [(&str, Want); 9] = [
        ("id", Want::Str),
        ("status", Want::Str),
        ("startedAt", Want::Time),
        ("resolvedAt", Want::Time),
        ("duration", Want::Num),
        ("errorType", Want::Str),
        ("errorMessage", Want::Str),
        ("affectedRegions", Want::StrArr),
        ("notes", Want::Text),
    ];
    for (name, want) in FIELDS {
        let need = required.contains(&name);
        // Null means "not yet" for resolvedAt and duration until the incident resolves.
        let nullable = !need && matches!(name, "resolvedAt" | "duration");
        s.check(inc, Path::join("incident", name), want, need, nullable);
    }
    if resolved_at == ResolvedAt::Null && inc.get("resolvedAt").is_some_and(|v| !v.is_null()) {
        s.push("`incident.resolvedAt` is set on incident.created: the guide sends null until the incident resolves");
    }
    if resolved_at == ResolvedAt::Set {
        let time = |k: &str| {
            inc.get(k)
                .and_then(Value::as_str)
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        };
        if let (Some(start), Some(end)) = (time("startedAt"), time("resolvedAt"))
            && end < start
        {
            s.push("`incident.resolvedAt` is before `incident.startedAt`");
        }
        if inc
            .get("duration")
            .and_then(Value::as_f64)
            .is_some_and(|d| d < 0.0)
        {
            s.push("`incident.duration` is negative");
        }
    }
    for (key, path) in [
        ("metrics", "incident.metrics"),
        ("previousMetrics", "incident.previousMetrics"),
        ("currentMetrics", "incident.currentMetrics"),
    ] {
        if let Some(m) = s
            .opt(inc, Path::join("incident", key), Want::Obj)
            .and_then(Value::as_object)
        {
            check_metrics(s, m, path);
        }
    }
}

/// The guide's metric numbers; `statusCode` is null when no answer came.
/// A `previous`/`current` pair (recovered) is checked one level down.
fn check_metrics(s: &mut Shape, m: &Map<String, Value>, path: &str) {
    check_metric_numbers(s, m, path);
    for key in ["previous", "current"] {
        if let Some(inner) = s
            .opt(m, Path::join(path, key), Want::Obj)
            .and_then(Value::as_object)
        {
            check_metric_numbers(s, inner, &format!("{path}.{key}"));
        }
    }
}

fn check_metric_numbers(s: &mut Shape, m: &Map<String, Value>, path: &str) {
    const NUMBERS: [&str; 6] = [
        "dnsLookupTime",
        "tcpConnectTime",
        "tlsHandshakeTime",
        "ttfb",
        "totalDuration",
        "responseSize",
    ];
    for name in NUMBERS {
        s.opt(m, Path::join(path, name), Want::Num);
    }
    s.nullable(m, Path::join(path, "statusCode"), Want::Num);
}

const FIELDS: &[&str] = &[
    "event",
    "timestamp",
    "monitor.id",
    "monitor.name",
    "monitor.url",
    "monitor.status",
    "monitor.region",
    "incident.id",
    "incident.status",
    "incident.startedAt",
    "incident.resolvedAt",
    "incident.duration",
    "incident.errorType",
    "incident.errorMessage",
    "incident.affectedRegions",
    "incident.notes",
    "incident.metrics.totalDuration",
    "incident.metrics.ttfb",
    "incident.metrics.statusCode",
    "ssl.daysUntilExpiry",
    "ssl.expiresAt",
    "ssl.issuer",
    "organization.id",
    "organization.name",
];

fn summarise(root: &Value, kind: &str, spec: Option<&EventSpec>) -> String {
    let name = text_at(root, "monitor.name")
        .or_else(|| text_at(root, "monitor.id"))
        .unwrap_or_else(|| "unknown monitor".into());
    let status = text_at(root, "monitor.status");
    let named = |default: &str| {
        format!(
            "{name} {}",
            status.clone().unwrap_or_else(|| default.into())
        )
    };
    let rule = spec.map_or(SummaryRule::Plain, |e| e.summary);
    let parts: Vec<String> = match rule {
        SummaryRule::Failure => vec![kind.into(), named("down"), failure(root)],
        SummaryRule::Recovery => {
            let secs = shape::at(root, "incident.duration")
                .and_then(Value::as_f64)
                .or_else(|| elapsed(root));
            let after = secs.map(|d| format!("after {}", shape::duration_text(d)));
            vec![kind.into(), named("up"), after.unwrap_or_default()]
        }
        SummaryRule::Update => {
            let status = text_at(root, "incident.status").map(|s| format!("status {s}"));
            let notes = shape::str_at(root, "incident.notes").map(|n| clip(n, 60));
            vec![
                kind.into(),
                name,
                status.unwrap_or_default(),
                notes.unwrap_or_default(),
            ]
        }
        SummaryRule::Metrics => vec![kind.into(), name, metrics_text(root)],
        SummaryRule::Ssl => vec![kind.into(), name, ssl_text(root)],
        SummaryRule::Plain => vec![kind.into(), name],
    };
    shape::summary(&parts)
}

/// `timeout in us-east-1, eu-west-1`.
fn failure(root: &Value) -> String {
    let what =
        text_at(root, "incident.errorType").or_else(|| text_at(root, "incident.errorMessage"));
    let regions: Vec<String> = shape::at(root, "incident.affectedRegions")
        .and_then(Value::as_array)
        .map(|a| a.iter().take(8).filter_map(shape::scalar_text).collect())
        .unwrap_or_default();
    let regions = if regions.is_empty() {
        text_at(root, "monitor.region")
    } else {
        Some(regions.join(", "))
    };
    match (what, regions) {
        (Some(w), Some(r)) => format!("{w} in {r}"),
        (Some(w), None) => w,
        (None, Some(r)) => format!("in {r}"),
        (None, None) => String::new(),
    }
}

fn elapsed(root: &Value) -> Option<f64> {
    let time =
        |p| shape::str_at(root, p).and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    let (start, end) = (time("incident.startedAt")?, time("incident.resolvedAt")?);
    Some((end - start).num_milliseconds() as f64 / 1000.0)
}

/// `total 3400 ms, ttfb 1200 ms` from the first metrics object found.
fn metrics_text(root: &Value) -> String {
    let m = [
        "incident.metrics.current",
        "incident.metrics",
        "metrics.current",
        "metrics",
    ]
    .iter()
    .find_map(|p| shape::at(root, p).filter(|v| v.is_object()));
    let Some(m) = m else { return String::new() };
    [("totalDuration", "total"), ("ttfb", "ttfb")]
        .iter()
        .filter_map(|(k, label)| {
            m.get(k)
                .and_then(Value::as_f64)
                .map(|n| format!("{label} {n} ms"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `14 days left (Let's Encrypt Authority X3)`.
fn ssl_text(root: &Value) -> String {
    let days = shape::at(root, "ssl.daysUntilExpiry").and_then(Value::as_f64);
    let left = match days {
        Some(d) if d < 0.0 => format!("expired {} ago", plural_days(-d)),
        Some(d) => format!("{} left", plural_days(d)),
        None => String::new(),
    };
    match text_at(root, "ssl.issuer") {
        Some(issuer) if left.is_empty() => format!("({issuer})"),
        Some(issuer) => format!("{left} ({issuer})"),
        None => left,
    }
}

fn plural_days(d: f64) -> String {
    if d.fract() == 0.0 && d < 1e15 {
        shape::plural(d as u64, "day")
    } else {
        format!("{d} days")
    }
}

/// `incident.id` + `event`, as the guide dedupes, for the once-per-incident
/// events. `incident.updated` can repeat for one incident and monitor/ssl
/// events have no incident, so those add the `timestamp` (from `incident.id`,
/// else `monitor.id`); without a timestamp there is no safe key.
pub(crate) fn key(ctx: &Ctx<'_>) -> Option<String> {
    let root = ctx.json()?;
    let event = root.get("event")?.as_str().filter(|e| !e.is_empty())?;
    // An event outside the guide is keyed as its `incident.*` siblings are.
    let once = events::spec(event).map_or_else(
        || event.starts_with("incident.") && event != "incident.updated",
        |e| e.once_per_incident,
    );
    let event = shape::bounded_key(event.into());
    let incident = shape::at(root, "incident.id").and_then(shape::key_part);
    if once && let Some(id) = &incident {
        return Some(format!("{id}:{event}"));
    }
    let id = incident.or_else(|| shape::at(root, "monitor.id").and_then(shape::key_part))?;
    let ts = root.get("timestamp").and_then(shape::key_part)?;
    Some(format!("{id}:{event}:{ts}"))
}

#[cfg(test)]
mod problem_tests;
#[cfg(test)]
mod tests;
