//! Stripe: recognised by the `Stripe-Signature` header or an event body
//! (`"object": "event"` with `id` and `type`). Snapshot events carry the
//! object in `data.object` and `created` as Unix seconds; thin events
//! (`"object": "v2.core.event"`) carry a `related_object` and an RFC 3339
//! `created`. The event `id` is the same on every retry, so it is the key.

use serde_json::Value;

use super::shape::{self, Shape, Want, text_at};
use super::{Ctx, Event, Provider};

const SNAPSHOT: &str = "event";
const THIN: &str = "v2.core.event";

pub(crate) fn matches(ctx: &Ctx<'_>) -> bool {
    if ctx.has_header("stripe-signature") {
        return true;
    }
    let Some(obj) = ctx.json().and_then(Value::as_object) else {
        return false;
    };
    let str_of = |k: &str| obj.get(k).and_then(Value::as_str);
    matches!(str_of("object"), Some(SNAPSHOT | THIN))
        && str_of("type").is_some()
        && str_of("id").is_some()
}

pub(crate) fn decode(ctx: &Ctx<'_>) -> Event {
    let Some(root) = ctx.json() else {
        let mut ev = Event::new(Provider::Stripe, "unknown");
        ev.problems.extend(ctx.body_problem());
        ev.summary = shape::summary(&["unknown", "body is not JSON"]);
        return ev;
    };
    let Some(obj) = root.as_object() else {
        let mut ev = Event::new(Provider::Stripe, "unknown");
        ev.problems.push(format!(
            "expected a JSON object, got {}",
            shape::type_name(root)
        ));
        ev.summary = ev.kind.clone();
        return ev;
    };
    let mut s = Shape::default();
    let id = s.req(obj, "id", Want::Str).and_then(Value::as_str);
    let kind = s.req(obj, "type", Want::Str).and_then(Value::as_str);
    let mut ev = Event::new(Provider::Stripe, kind.unwrap_or("unknown"));
    let object = s.req(obj, "object", Want::Str).and_then(Value::as_str);
    let thin = object == Some(THIN);
    match object {
        Some(SNAPSHOT | THIN) | None => {}
        Some(other) => s.push(format!(
            "`object` is \"{}\": a Stripe event says \"{SNAPSHOT}\" (or \"{THIN}\")",
            shape::clip(other, 60)
        )),
    }
    if thin {
        s.req(obj, "created", Want::Time);
        s.opt(obj, "related_object", Want::Obj);
    } else {
        s.req(obj, "created", Want::Num);
        s.nullable(obj, "api_version", Want::Str);
        s.opt(obj, "pending_webhooks", Want::Num);
        s.nullable(obj, "request", Want::Obj);
        if let Some(data) = s.req(obj, "data", Want::Obj).and_then(Value::as_object) {
            s.req(data, "data.object", Want::Obj);
            s.opt(data, "data.previous_attributes", Want::Obj);
        }
    }
    s.opt(obj, "livemode", Want::Bool);
    if id.is_some_and(|id| !id.starts_with("evt_")) {
        s.push(format!(
            "`id` \"{}\" does not start with evt_",
            shape::clip(id.unwrap_or_default(), 60)
        ));
    }
    ev.problems = s.into_problems();
    let mode = match obj.get("livemode").and_then(Value::as_bool) {
        Some(false) => "test mode",
        _ => "",
    };
    let id = id.map(|i| shape::clip(i, shape::CLIP)).unwrap_or_default();
    ev.summary = shape::summary(&[
        ev.kind.as_str(),
        &id,
        &amount(root).unwrap_or_default(),
        mode,
    ]);
    ctx.collect_fields(root, FIELDS, &mut ev.fields);
    shape::header_field(
        &mut ev.fields,
        "Stripe-Signature",
        ctx.header("stripe-signature"),
    );
    ev
}

const FIELDS: &[&str] = &[
    "id",
    "type",
    "api_version",
    "created",
    "livemode",
    "account",
    "pending_webhooks",
    "request.id",
    "request.idempotency_key",
    "data.object.id",
    "data.object.object",
    "data.object.status",
    "data.object.amount",
    "data.object.currency",
    "data.object.customer",
    "related_object.id",
    "related_object.type",
];

/// `20.00 USD` for objects with an amount in minor units. Currencies without
/// minor units (JPY and friends) would read wrong, so those show raw.
fn amount(root: &Value) -> Option<String> {
    const ZERO_DECIMAL: [&str; 16] = [
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
        "xaf", "xof", "xpf",
    ];
    let obj = shape::at(root, "data.object")?;
    let minor = obj.get("amount").and_then(Value::as_i64)?;
    let currency = text_at(obj, "currency")?.to_ascii_lowercase();
    let upper = currency.to_ascii_uppercase();
    if ZERO_DECIMAL.contains(&currency.as_str()) {
        return Some(format!("{minor} {upper}"));
    }
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    Some(format!("{sign}{}.{:02} {upper}", abs / 100, abs % 100))
}

pub(crate) fn key(ctx: &Ctx<'_>) -> Option<String> {
    let id = ctx.json()?.get("id").and_then(shape::key_part)?;
    Some(id.into_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::inspect::event::tests::{json_req, req};
    use crate::inspect::event::{Provider, decode, idempotency_key};

    const SIG: (&str, &str) = (
        "stripe-signature",
        "t=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd",
    );

    fn succeeded() -> serde_json::Value {
        json!({
            "id": "evt_3NG8Du2eZvKYlo2C0o8FBC0j",
            "object": "event",
            "api_version": "2023-10-16",
            "created": 1686089970,
            "data": {"object": {
                "id": "pi_3NG8Du2eZvKYlo2C0ZkVpE2D", "object": "payment_intent",
                "amount": 2000, "currency": "usd", "status": "succeeded", "customer": null
            }},
            "livemode": false,
            "pending_webhooks": 1,
            "request": {"id": "req_8Jz1vWvUJo6Jd7", "idempotency_key": "d9d4b1e3-3b2c-4f4e-9c7f-1b2d3c4e5f60"},
            "type": "payment_intent.succeeded"
        })
    }

    #[test]
    fn snapshot_event_with_and_without_signature() {
        for headers in [&[SIG][..], &[][..]] {
            let ev = decode(&json_req(headers, &succeeded())).unwrap();
            assert_eq!(ev.provider, Provider::Stripe);
            assert_eq!(ev.kind, "payment_intent.succeeded");
            assert_eq!(
                ev.summary,
                "payment_intent.succeeded · evt_3NG8Du2eZvKYlo2C0o8FBC0j · 20.00 USD · test mode"
            );
            assert_eq!(ev.problems, Vec::<String>::new());
            assert!(ev.fields.contains(&(
                "data.object.id".into(),
                "pi_3NG8Du2eZvKYlo2C0ZkVpE2D".into()
            )));
        }
    }

    #[test]
    fn thin_event() {
        let body = json!({
            "id": "evt_test_65R9Ijk8Z6m3vQ8xS0j16S2u4vX3sZ7cV6y9oO9xZ",
            "object": "v2.core.event",
            "type": "v1.billing.meter.error_report_triggered",
            "livemode": true,
            "created": "2024-09-17T06:20:52.246Z",
            "related_object": {"id": "mtr_test_61R9IhTsSgNF4ZFLU41IS", "type": "billing.meter", "url": "/v1/billing/meters/mtr_test_61R9IhTsSgNF4ZFLU41IS"}
        });
        let ev = decode(&json_req(&[SIG], &body)).unwrap();
        assert_eq!(ev.problems, Vec::<String>::new());
        assert_eq!(
            ev.summary,
            "v1.billing.meter.error_report_triggered · evt_test_65R9Ijk8Z6m3vQ8xS0j16S2u4vX3sZ7cV6y9oO9xZ"
        );
    }

    #[test]
    fn problems() {
        let mut body = succeeded();
        body["created"] = json!("yesterday");
        body.as_object_mut().unwrap().remove("data");
        let ev = decode(&json_req(&[SIG], &body)).unwrap();
        assert_eq!(
            ev.problems,
            [
                "wrong type `created`: expected number, got string",
                "missing field `data`"
            ]
        );
        let ev = decode(&req(&[SIG], "id=evt_1")).unwrap();
        assert_eq!(ev.provider, Provider::Stripe);
        assert!(
            ev.problems[0].starts_with("invalid JSON: expected value at line 1 column 1"),
            "{:?}",
            ev.problems
        );
    }

    #[test]
    fn amounts() {
        let mut body = succeeded();
        body["data"]["object"]["amount"] = json!(500);
        body["data"]["object"]["currency"] = json!("jpy");
        assert!(
            decode(&json_req(&[], &body))
                .unwrap()
                .summary
                .contains("· 500 JPY ·")
        );
        body["data"]["object"]["amount"] = json!(-1234);
        body["data"]["object"]["currency"] = json!("eur");
        assert!(
            decode(&json_req(&[], &body))
                .unwrap()
                .summary
                .contains("· -12.34 EUR ·")
        );
    }

    #[test]
    fn event_id_is_the_key() {
        let a = idempotency_key(&json_req(&[SIG], &succeeded()));
        assert_eq!(a.as_deref(), Some("stripe:evt_3NG8Du2eZvKYlo2C0o8FBC0j"));
        // Stripe re-signs each attempt: a new t= and v1=, same event id.
        let retry = json_req(
            &[("stripe-signature", "t=1492774999,v1=00ff")],
            &succeeded(),
        );
        assert_eq!(idempotency_key(&retry), a);
        let mut other = succeeded();
        other["id"] = json!("evt_3NG8Du2eZvKYlo2C1xxxxxxx");
        assert_ne!(idempotency_key(&json_req(&[SIG], &other)), a);
    }
}
