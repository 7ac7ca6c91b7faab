//! Shopify: the topic (`orders/create`) is the `X-Shopify-Topic` header, the
//! shop the `X-Shopify-Shop-Domain`, the body the resource as JSON (or XML for
//! subscriptions made that way, which is not checked). Retries resend the
//! original payload with the same `X-Shopify-Webhook-Id`, which is the key.

use serde_json::Value;

use super::shape::{self, Shape, Want, text_at};
use super::{Ctx, Event, Provider};

const HEADERS: [&str; 6] = [
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "X-Shopify-Triggered-At",
    "X-Shopify-Hmac-Sha256",
];

pub(crate) fn matches(ctx: &Ctx<'_>) -> bool {
    ctx.has_header("x-shopify-topic")
}

pub(crate) fn decode(ctx: &Ctx<'_>) -> Event {
    let topic = ctx
        .header("x-shopify-topic")
        .filter(|t| !t.is_empty())
        .unwrap_or("unknown");
    let mut ev = Event::new(Provider::Shopify, topic);
    let mut s = Shape::default();
    for h in ["X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id"] {
        if ctx.header(h).is_none() {
            s.push(format!(
                "missing header `{h}`: Shopify sends it with every webhook"
            ));
        }
    }
    if let Some(at) = ctx.header("x-shopify-triggered-at")
        && !shape::is_timestamp(at)
    {
        s.push(format!(
            "header `X-Shopify-Triggered-At` is \"{}\", not RFC 3339",
            shape::clip(at, 60)
        ));
    }
    for h in HEADERS {
        shape::header_field(&mut ev.fields, h, ctx.header(h));
    }
    let shop = ctx
        .header("x-shopify-shop-domain")
        .map(|d| shape::clip(d, 80))
        .unwrap_or_default();
    let xml = ctx
        .header("content-type")
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("xml"));
    let Some(root) = ctx.json() else {
        if !xml {
            s.push(ctx.body_problem().unwrap_or_default());
        }
        ev.problems = s.into_problems();
        let note = if xml { "XML body" } else { "body is not JSON" };
        ev.summary = shape::summary(&[ev.kind.as_str(), &shop, note]);
        return ev;
    };
    if let Some(obj) = root.as_object() {
        s.opt(obj, "admin_graphql_api_id", Want::Str);
    } else {
        s.push(format!(
            "expected a JSON object, got {}",
            shape::type_name(root)
        ));
    }
    ev.problems = s.into_problems();
    ev.summary = shape::summary(&[ev.kind.as_str(), &shop, &subject(root)]);
    ctx.collect_fields(root, FIELDS, &mut ev.fields);
    ev
}

const FIELDS: &[&str] = &[
    "id",
    "admin_graphql_api_id",
    "name",
    "order_number",
    "title",
    "email",
    "financial_status",
    "total_price",
    "currency",
    "created_at",
    "updated_at",
];

/// `#1001 · 403.00 USD` for an order, the title of a product, else the id.
fn subject(root: &Value) -> String {
    let name = text_at(root, "name")
        .or_else(|| text_at(root, "title"))
        .or_else(|| text_at(root, "email"))
        .or_else(|| text_at(root, "id"))
        .unwrap_or_default();
    match (text_at(root, "total_price"), text_at(root, "currency")) {
        (Some(total), Some(cur)) => format!("{name} · {total} {cur}"),
        _ => name,
    }
}

/// `X-Shopify-Webhook-Id` (one per delivery, kept on retries); else the
/// event id with the topic, since one event can feed several topics.
pub(crate) fn key(ctx: &Ctx<'_>) -> Option<String> {
    if let Some(id) = ctx.header("x-shopify-webhook-id").filter(|i| !i.is_empty()) {
        return Some(shape::bounded_key(id.into()).into_owned());
    }
    let event = ctx.header("x-shopify-event-id").filter(|i| !i.is_empty())?;
    let topic = ctx.header("x-shopify-topic").unwrap_or_default();
    Some(shape::bounded_key(format!("{event}:{topic}").into()).into_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::inspect::event::tests::{json_req, req, with_response};
    use crate::inspect::event::{Provider, decode, idempotency_key, slow_answer};

    fn headers(webhook_id: &'static str) -> Vec<(&'static str, &'static str)> {
        vec![
            ("content-type", "application/json"),
            ("x-shopify-topic", "orders/create"),
            (
                "x-shopify-hmac-sha256",
                "XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=",
            ),
            ("x-shopify-shop-domain", "johns-apparel.myshopify.com"),
            ("x-shopify-api-version", "2024-07"),
            ("x-shopify-webhook-id", webhook_id),
            ("x-shopify-triggered-at", "2023-03-29T18:00:27.877041743Z"),
            ("x-shopify-event-id", "98880550-7158-44d4-b7cd-2c97c8a091b5"),
        ]
    }

    fn order() -> serde_json::Value {
        json!({
            "id": 820982911946154508_u64,
            "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
            "email": "jon@example.com",
            "name": "#9999",
            "order_number": 1234,
            "financial_status": "voided",
            "total_price": "403.00",
            "currency": "USD",
            "created_at": "2021-12-31T19:00:00-05:00",
            "line_items": [{"id": 866550311766439020_u64, "title": "IPod Nano - 8GB", "quantity": 1}]
        })
    }

    #[test]
    fn order_create() {
        let ev = decode(&json_req(
            &headers("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
            &order(),
        ))
        .unwrap();
        assert_eq!(ev.provider, Provider::Shopify);
        assert_eq!(ev.kind, "orders/create");
        assert_eq!(
            ev.summary,
            "orders/create · johns-apparel.myshopify.com · #9999 · 403.00 USD"
        );
        assert_eq!(ev.problems, Vec::<String>::new());
        assert!(
            ev.fields
                .contains(&("X-Shopify-API-Version".into(), "2024-07".into()))
        );
        assert!(
            ev.fields
                .contains(&("id".into(), "820982911946154508".into()))
        );
    }

    #[test]
    fn problems_and_xml() {
        let ev = decode(&req(
            &[
                ("x-shopify-topic", "products/update"),
                ("x-shopify-triggered-at", "now"),
            ],
            "{",
        ))
        .unwrap();
        assert_eq!(ev.problems.len(), 4, "{:?}", ev.problems);
        assert_eq!(
            ev.problems[0],
            "missing header `X-Shopify-Shop-Domain`: Shopify sends it with every webhook"
        );
        assert_eq!(
            ev.problems[2],
            "header `X-Shopify-Triggered-At` is \"now\", not RFC 3339"
        );
        assert!(
            ev.problems[3]
                .starts_with("invalid JSON: EOF while parsing an object at line 1 column 1")
        );
        let mut h = headers("w1");
        h[0] = ("content-type", "application/xml");
        let ev = decode(&req(&h, "<?xml version=\"1.0\"?><order><id>1</id></order>")).unwrap();
        assert_eq!(ev.problems, Vec::<String>::new());
        assert_eq!(
            ev.summary,
            "orders/create · johns-apparel.myshopify.com · XML body"
        );
    }

    #[test]
    fn keys() {
        let a = idempotency_key(&json_req(
            &headers("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
            &order(),
        ));
        assert_eq!(
            a.as_deref(),
            Some("shopify:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
        );
        // A retry: same webhook id, new signature time.
        let mut retry = headers("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
        retry[6] = ("x-shopify-triggered-at", "2023-03-29T18:00:27.877041743Z");
        assert_eq!(idempotency_key(&json_req(&retry, &order())), a);
        assert_ne!(
            idempotency_key(&json_req(
                &headers("0f0e1d2c-bdd9-4b37-8a5f-bf7d70bcd043"),
                &order()
            )),
            a
        );
        let only_event = [
            ("x-shopify-topic", "orders/paid"),
            ("x-shopify-event-id", "98880550"),
        ];
        assert_eq!(
            idempotency_key(&json_req(&only_event, &order())).as_deref(),
            Some("shopify:98880550:orders/paid")
        );
    }

    #[test]
    fn five_seconds() {
        let slow = with_response(json_req(&headers("w"), &order()), 200, "", 5200.0);
        assert_eq!(
            slow_answer(&slow, decode(&slow).as_ref()).as_deref(),
            Some(
                "answered after 5.2 s; Shopify waits 5 s, so it counted this delivery as failed and will retry (8 times over 4 hours)"
            )
        );
    }
}
