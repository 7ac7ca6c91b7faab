//! The human form of `hookcatch show`: request line, headers, body, then what
//! inspection found. Everything captured is sanitized before it is printed.

use std::fmt::Write as _;

use crate::inspect::{AuthVerdict, Inspection};
use crate::store::{Delivery, StoredRequest};
use crate::text::{sanitize, sanitize_multiline};

/// `recheck`: a second verdict with the current secrets (`show --recheck`),
/// printed under the stored one, labelled.
pub fn request_text(
    stored: &StoredRequest,
    inspection: &Inspection,
    recheck: Option<&AuthVerdict>,
) -> String {
    let req = &stored.request;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "#{} {} from {} ({})",
        req.id,
        req.received_at.format("%Y-%m-%d %H:%M:%S%.3f UTC"),
        sanitize(&req.remote_addr),
        req.outcome.label()
    );
    let _ = writeln!(
        out,
        "{} {} {}",
        sanitize(&req.method),
        sanitize(&req.target),
        req.http_version
    );
    for h in &req.headers {
        let _ = writeln!(out, "{}: {}", sanitize(&h.name), sanitize(&h.value_str()));
    }
    let _ = writeln!(out);
    let body = inspection.body.to_text();
    if !body.is_empty() {
        let _ = writeln!(out, "{}", sanitize_multiline(&body));
    }
    for note in &inspection.body.notes {
        let _ = writeln!(out, "[body: {}]", sanitize(note));
    }
    let _ = writeln!(out, "\n--");
    match (&req.response, req.response_reason.as_deref()) {
        (Some(resp), _) => {
            let _ = writeln!(out, "answered {} in {:.1} ms", resp.status, resp.latency_ms);
        }
        (None, Some(crate::model::PENDING)) => {
            let _ = writeln!(out, "answer pending");
        }
        (None, Some(why)) => {
            let _ = writeln!(out, "not answered: {}", sanitize(why));
        }
        (None, None) => {}
    }
    // The verdict decided at arrival; one judged later says so.
    let label = match inspection.judged.caveat() {
        Some(caveat) => format!("auth ({caveat})"),
        None => "auth".to_string(),
    };
    auth_text(&mut out, &label, &inspection.auth);
    if let Some(recheck) = recheck {
        auth_text(&mut out, "recheck (current secrets)", recheck);
    }
    match &inspection.event {
        Some(event) => {
            let _ = writeln!(
                out,
                "event: {} {}",
                event.provider.as_str(),
                sanitize(&event.summary)
            );
            for problem in &event.problems {
                let _ = writeln!(out, "  problem: {}", sanitize(problem));
            }
        }
        None => {
            let _ = writeln!(out, "event: not recognised");
        }
    }
    if let Some(first) = stored.duplicate_of {
        let _ = writeln!(out, "duplicate of #{first} (same idempotency key: a retry)");
    }
    if let Some(slow) = &inspection.slow_answer {
        let _ = writeln!(out, "slow answer: {}", sanitize(slow));
    }
    out
}

/// `label: scheme verdict (detail)`, then the diagnosis indented.
fn auth_text(out: &mut String, label: &str, auth: &AuthVerdict) {
    let _ = writeln!(
        out,
        "{label}: {} {} ({})",
        sanitize(&auth.scheme),
        auth.verdict.as_str(),
        sanitize(&auth.detail)
    );
    for line in &auth.diagnosis {
        let _ = writeln!(out, "  {}", sanitize(line));
    }
}

/// The deliveries section of `hookcatch show`, oldest first; empty when none.
pub fn deliveries_text(deliveries: &[Delivery]) -> String {
    let mut out = String::new();
    if deliveries.is_empty() {
        return out;
    }
    let _ = writeln!(out, "deliveries:");
    for d in deliveries {
        let outcome = match &d.error {
            Some(e) => format!("{}: {}", e.kind.as_str(), sanitize(&e.message)),
            None => d.status.map_or("-".into(), |s| s.to_string()),
        };
        let _ = writeln!(
            out,
            "  {} {:<7} {} {} -> {} in {:.1} ms",
            d.at.format("%Y-%m-%d %H:%M:%S"),
            d.kind.as_str(),
            sanitize(&d.method),
            sanitize(&d.target),
            outcome,
            d.latency_ms
        );
    }
    out
}
