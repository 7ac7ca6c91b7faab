//! Standard Webhooks (standardwebhooks.com), and Svix which it grew from:
//! `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
//! headers (`svix-*` for Svix), and a JSON body `{type, timestamp, data}`.
//! The message id stays the same when a message is retried, so it is the key.

use serde_json::Value;

use super::shape::{self, Shape, Want};
use super::{Ctx, Event, Provider};

const FAMILIES: [&str; 2] = ["webhook", "svix"];
const PARTS: [&str; 3] = ["id", "timestamp", "signature"];

pub(crate) fn matches(ctx: &Ctx<'_>) -> bool {
    FAMILIES
        .iter()
        .any(|f| PARTS.iter().any(|p| ctx.has_header(&format!("{f}-{p}"))))
}

/// `webhook` when any `webhook-*` header came, else `svix`.
fn family(ctx: &Ctx<'_>) -> &'static str {
    if PARTS
        .iter()
        .any(|p| ctx.has_header(&format!("webhook-{p}")))
    {
        "webhook"
    } else {
        "svix"
    }
}

fn message_id<'a>(ctx: &Ctx<'a>) -> Option<&'a str> {
    ctx.header(&format!("{}-id", family(ctx)))
        .filter(|id| !id.is_empty())
}

pub(crate) fn decode(ctx: &Ctx<'_>) -> Event {
    let fam = family(ctx);
    let mut s = Shape::default();
    let mut fields = Vec::new();
    for part in PARTS {
        let name = format!("{fam}-{part}");
        let value = ctx.header(&name);
        match value {
            None => s.push(format!(
                "missing header `{name}`: the spec requires id, timestamp and signature"
            )),
            Some(ts) if part == "timestamp" && ts.parse::<i64>().is_err() => {
                s.push(format!(
                    "header `{name}` is \"{}\", expected integer Unix seconds",
                    shape::clip(ts, 40)
                ));
            }
            Some(_) => {}
        }
        shape::header_field(&mut fields, &name, value);
    }
    let id = message_id(ctx)
        .map(|i| shape::clip(i, shape::CLIP))
        .unwrap_or_default();
    let Some(root) = ctx.json() else {
        let mut ev = Event::new(Provider::StandardWebhooks, "unknown");
        s.push(ctx.body_problem().unwrap_or_default());
        ev.problems = s.into_problems();
        ev.summary = shape::summary(&["unknown", &id, "body is not JSON"]);
        ev.fields = fields;
        return ev;
    };
    let kind = match root.as_object() {
        Some(obj) => {
            let kind = s.req(obj, "type", Want::Str).and_then(Value::as_str);
            s.opt(obj, "timestamp", Want::Time);
            s.opt(obj, "data", Want::Obj);
            kind
        }
        None => {
            s.push(format!(
                "expected a JSON object, got {}",
                shape::type_name(root)
            ));
            None
        }
    };
    let mut ev = Event::new(Provider::StandardWebhooks, kind.unwrap_or("unknown"));
    ev.problems = s.into_problems();
    let subject = shape::text_at(root, "data.id").unwrap_or_default();
    ev.summary = shape::summary(&[ev.kind.as_str(), &id, &subject]);
    ev.fields = fields;
    ctx.collect_fields(
        root,
        &["type", "timestamp", "data.id", "data.object", "data.type"],
        &mut ev.fields,
    );
    ev
}

pub(crate) fn key(ctx: &Ctx<'_>) -> Option<String> {
    message_id(ctx).map(|id| shape::bounded_key(id.into()).into_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::inspect::event::tests::{json_req, req};
    use crate::inspect::event::{Provider, decode, idempotency_key};

    fn body() -> serde_json::Value {
        json!({
            "type": "contact.created",
            "timestamp": "2022-11-03T20:26:10.344522Z",
            "data": {"id": "1f81eb52-5198-4599-803e-771906343485", "type": "contact"}
        })
    }

    fn headers(family: &str, id: &'static str) -> Vec<(String, &'static str)> {
        vec![
            (format!("{family}-id"), id),
            (format!("{family}-timestamp"), "1674087231"),
            (
                format!("{family}-signature"),
                "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
            ),
        ]
    }

    fn request(family: &str, id: &'static str) -> crate::model::CapturedRequest {
        let h = headers(family, id);
        let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        json_req(&h, &body())
    }

    #[test]
    fn webhook_and_svix_headers() {
        for family in ["webhook", "svix"] {
            let ev = decode(&request(family, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")).unwrap();
            assert_eq!(ev.provider, Provider::StandardWebhooks, "{family}");
            assert_eq!(ev.kind, "contact.created");
            assert_eq!(
                ev.summary,
                "contact.created · msg_2KWPBgLlAfxdpx2AI54pPJ85f4W · 1f81eb52-5198-4599-803e-771906343485"
            );
            assert_eq!(ev.problems, Vec::<String>::new());
        }
    }

    #[test]
    fn problems() {
        let ev = decode(&req(
            &[
                ("webhook-id", "msg_1"),
                ("webhook-timestamp", "2022-11-03T20:26:10Z"),
            ],
            r#"{"type": 3, "data": []}"#,
        ))
        .unwrap();
        assert_eq!(
            ev.problems,
            [
                "header `webhook-timestamp` is \"2022-11-03T20:26:10Z\", expected integer Unix seconds",
                "missing header `webhook-signature`: the spec requires id, timestamp and signature",
                "wrong type `type`: expected string, got number",
                "wrong type `data`: expected object, got array",
            ]
        );
        let ev = decode(&req(
            &[
                ("svix-id", "msg_1"),
                ("svix-timestamp", "1"),
                ("svix-signature", "v1,x"),
            ],
            "<xml/>",
        ))
        .unwrap();
        assert_eq!(ev.kind, "unknown");
        assert!(
            ev.problems[0].starts_with("invalid JSON"),
            "{:?}",
            ev.problems
        );
    }

    #[test]
    fn message_id_is_the_key() {
        let a = idempotency_key(&request("webhook", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"));
        assert_eq!(
            a.as_deref(),
            Some("standard-webhooks:msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")
        );
        assert_eq!(
            idempotency_key(&request("webhook", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")),
            a
        );
        assert_ne!(
            idempotency_key(&request("webhook", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4X")),
            a
        );
        let svix = idempotency_key(&request("svix", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"));
        assert_eq!(svix, a, "svix-id and webhook-id name the same message");
    }
}
