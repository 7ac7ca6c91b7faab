//! The fallback: a JSON object that names its own event in a top-level
//! `event`, `type`, `event_type` (or `eventType`, `event_name`) or `action`
//! string. Nothing is required of such a sender, so there are no problems and
//! no idempotency key.

use serde_json::{Map, Value};

use super::shape::{self, text_at};
use super::{Ctx, Event, Provider};

/// Where senders put the event name, in the order they are tried.
const NAME_KEYS: [&str; 6] = [
    "event",
    "type",
    "event_type",
    "eventType",
    "event_name",
    "action",
];
/// Where senders put an id or a time worth showing.
const EXTRA: [&str; 8] = [
    "id",
    "event_id",
    "eventId",
    "uuid",
    "timestamp",
    "created_at",
    "createdAt",
    "time",
];

fn name(obj: &Map<String, Value>) -> Option<(&'static str, &str)> {
    NAME_KEYS.iter().find_map(|k| {
        let v = obj.get(*k)?.as_str()?.trim();
        (!v.is_empty()).then_some((*k, v))
    })
}

pub(crate) fn matches(ctx: &Ctx<'_>) -> bool {
    ctx.json()
        .and_then(Value::as_object)
        .and_then(name)
        .is_some()
}

pub(crate) fn decode(ctx: &Ctx<'_>) -> Event {
    let obj = ctx.json().and_then(Value::as_object);
    let Some((key, kind)) = obj.and_then(name) else {
        // `matches` said yes, so this is unreachable; stay total anyway.
        let mut ev = Event::new(Provider::Generic, "unknown");
        ev.summary = ev.kind.clone();
        return ev;
    };
    let root = ctx.json().unwrap_or(&Value::Null);
    let mut ev = Event::new(Provider::Generic, kind);
    if key != "action" {
        ev.action = obj
            .and_then(|o| o.get("action"))
            .and_then(Value::as_str)
            .map(|a| shape::clip(a, shape::KIND_MAX));
    }
    let id = ["id", "event_id", "eventId", "uuid"]
        .iter()
        .find_map(|k| text_at(root, k));
    ev.summary = shape::summary(&[ev.label(), id.unwrap_or_default()]);
    ev.fields
        .push((key.to_string(), shape::clip(kind, shape::CLIP)));
    ctx.collect_fields(root, &EXTRA, &mut ev.fields);
    ev
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::inspect::event::tests::{json_req, req};
    use crate::inspect::event::{Provider, decode, idempotency_key};

    #[test]
    fn names_its_own_event() {
        let cases = [
            (
                json!({"event": "user.signup", "id": "ev_1", "data": {}}),
                "user.signup · ev_1",
                "user.signup",
            ),
            (
                json!({"type": "build.finished", "action": "retry"}),
                "build.finished.retry",
                "build.finished",
            ),
            (
                json!({"event_type": "invoice.paid", "event_id": 77}),
                "invoice.paid · 77",
                "invoice.paid",
            ),
            (
                json!({"eventType": "Microsoft.Storage.BlobCreated", "id": "831e1650"}),
                "Microsoft.Storage.BlobCreated · 831e1650",
                "Microsoft.Storage.BlobCreated",
            ),
            (
                json!({"action": "deployed", "service": "api"}),
                "deployed",
                "deployed",
            ),
        ];
        for (body, summary, kind) in cases {
            let r = json_req(&[], &body);
            let ev = decode(&r).unwrap();
            assert_eq!(ev.provider, Provider::Generic);
            assert_eq!(ev.kind, kind);
            assert_eq!(ev.summary, summary);
            assert!(ev.problems.is_empty());
            assert_eq!(idempotency_key(&r), None);
        }
    }

    #[test]
    fn nothing_recognised() {
        for body in [
            "",
            "{}",
            "[]",
            "null",
            "{\"event\": \"\"}",
            "{\"event\": {\"type\": \"x\"}}",
            "not json",
            "{\"hello\": \"world\"}",
        ] {
            assert_eq!(decode(&req(&[], body)), None, "{body}");
            assert_eq!(idempotency_key(&req(&[], body)), None, "{body}");
        }
        // Form bodies are not looked at by the fallback.
        let form = req(
            &[("content-type", "application/x-www-form-urlencoded")],
            "event=x&type=y",
        );
        assert_eq!(decode(&form), None);
    }
}
