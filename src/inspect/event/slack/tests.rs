use serde_json::json;

use crate::inspect::event::tests::{form, json_req, req, with_response};
use crate::inspect::event::{Provider, decode, idempotency_key, slow_answer};

const SIGNED: [(&str, &str); 2] = [
    ("x-slack-request-timestamp", "1531420618"),
    (
        "x-slack-signature",
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    ),
];

fn mention(event_id: &str) -> serde_json::Value {
    json!({
        "token": "XXYYZZ",
        "team_id": "T123ABC456",
        "api_app_id": "A123ABC456",
        "event": {
            "type": "app_mention",
            "user": "U123ABC456",
            "text": "<@U0LAN0Z89> is it everything a river should be?",
            "ts": "1515449522.000016",
            "channel": "C123ABC456",
            "event_ts": "1515449522000016"
        },
        "type": "event_callback",
        "authed_users": ["U061F7AUR"],
        "event_id": event_id,
        "event_time": 1515449522000016_u64
    })
}

#[test]
fn events_api_callback_signed_or_not() {
    for headers in [&SIGNED[..], &[][..]] {
        let ev = decode(&json_req(headers, &mention("Ev123ABC456"))).unwrap();
        assert_eq!(ev.provider, Provider::Slack);
        assert_eq!(ev.kind, "app_mention");
        assert_eq!(
            ev.summary,
            "app_mention · T123ABC456 · #C123ABC456 · <@U0LAN0Z89> is it everything a river should be?"
        );
        assert_eq!(ev.problems, Vec::<String>::new());
    }
    let mut edited = mention("Ev2");
    edited["event"] =
        json!({"type": "message", "subtype": "message_changed", "channel": "C1", "ts": "1.2"});
    let retry = [
        SIGNED[0],
        SIGNED[1],
        ("x-slack-retry-num", "1"),
        ("x-slack-retry-reason", "http_timeout"),
    ];
    let ev = decode(&json_req(&retry, &edited)).unwrap();
    assert_eq!(ev.action.as_deref(), Some("message_changed"));
    assert_eq!(
        ev.summary,
        "message.message_changed · T123ABC456 · #C1 · retry 1 (http_timeout)"
    );
}

#[test]
fn url_verification_and_its_answer() {
    let body = json!({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"});
    let ev = decode(&json_req(&[], &body)).unwrap();
    assert_eq!(
        (ev.provider, ev.kind.as_str()),
        (Provider::Slack, "url_verification")
    );
    assert_eq!(ev.summary, "url_verification · answer with the challenge");
    assert!(ev.problems.is_empty());
    let echoed = with_response(
        json_req(&SIGNED, &body),
        200,
        r#"{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}"#,
        12.0,
    );
    assert!(decode(&echoed).unwrap().problems.is_empty());
    let ignored = with_response(json_req(&SIGNED, &body), 200, "ok", 12.0);
    assert_eq!(
        decode(&ignored).unwrap().problems,
        ["the answer did not echo `challenge`: Slack will not verify this Request URL"]
    );
    assert_eq!(idempotency_key(&ignored), None);
}

#[test]
fn interactivity_payload_form() {
    let payload = json!({
        "type": "block_actions",
        "team": {"id": "T9TK3CUKW", "domain": "example"},
        "user": {"id": "UA8RXUSPL", "username": "jtorrance", "team_id": "T9TK3CUKW"},
        "api_app_id": "AABA1ABCD",
        "token": "9s8d9as89d8as9d8as989",
        "trigger_id": "12466734323.1395872398",
        "channel": {"id": "CBR2V3XEX", "name": "review-updates"},
        "response_url": "https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209",
        "actions": [{"action_id": "WaXA", "block_id": "=qXel", "value": "click_me_123", "type": "button", "action_ts": "1548426417.840180"}]
    });
    let body = form(&[("payload", &payload.to_string())]);
    for headers in [&SIGNED[..], &[][..]] {
        let ev = decode(&req(
            &[
                &[("content-type", "application/x-www-form-urlencoded")][..],
                headers,
            ]
            .concat(),
            &body,
        ))
        .unwrap();
        assert_eq!(ev.provider, Provider::Slack);
        assert_eq!(ev.kind, "block_actions");
        assert_eq!(ev.summary, "block_actions · WaXA · @jtorrance · example");
        assert!(ev.problems.is_empty(), "{:?}", ev.problems);
    }
}

#[test]
fn slash_command_form() {
    let body = "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&team_domain=example&enterprise_id=E0001\
        &enterprise_name=Globular%20Construct%20Inc&channel_id=C2147483705&channel_name=test\
        &user_id=U2147483697&user_name=Steve&command=%2Fweather&text=94070\
        &response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678\
        &trigger_id=13345224609.738474920.8088930838d88f008e0&api_app_id=A123456";
    for headers in [&SIGNED[..], &[][..]] {
        let h = [
            &[("content-type", "application/x-www-form-urlencoded")][..],
            headers,
        ]
        .concat();
        let ev = decode(&req(&h, body)).unwrap();
        assert_eq!(ev.provider, Provider::Slack);
        assert_eq!(ev.kind, "slash_command");
        assert_eq!(
            ev.summary,
            "slash_command · /weather 94070 · @Steve in #test · example"
        );
        assert!(ev.problems.is_empty(), "{:?}", ev.problems);
        assert!(ev.fields.contains(&(
            "response_url".into(),
            "https://hooks.slack.com/commands/1234/5678".into()
        )));
    }
    // A form that is neither, with Slack's signature.
    let h = [
        &[("content-type", "application/x-www-form-urlencoded")][..],
        &SIGNED[..],
    ]
    .concat();
    let ev = decode(&req(&h, "a=1")).unwrap();
    assert_eq!(
        ev.problems,
        ["form body is neither a slash command (no `command`) nor an interactivity `payload`"]
    );
}

#[test]
fn problems() {
    let mut body = mention("Ev1");
    body.as_object_mut().unwrap().remove("event_id");
    body["event"]["type"] = json!(null);
    let ev = decode(&json_req(&SIGNED, &body)).unwrap();
    assert_eq!(
        ev.problems,
        [
            "missing field `event_id`",
            "null field `event.type`: expected string"
        ]
    );
    let ev = decode(&req(&SIGNED, "{\"type\":")).unwrap();
    assert!(
        ev.problems[0].starts_with("invalid JSON: EOF while parsing a value at line 1 column 8"),
        "{:?}",
        ev.problems
    );
}

#[test]
fn event_id_is_the_key_across_retries() {
    let first = idempotency_key(&json_req(&SIGNED, &mention("Ev123ABC456")));
    assert_eq!(first.as_deref(), Some("slack:Ev123ABC456"));
    let retry = [
        SIGNED[0],
        SIGNED[1],
        ("x-slack-retry-num", "2"),
        ("x-slack-retry-reason", "http_timeout"),
    ];
    assert_eq!(
        idempotency_key(&json_req(&retry, &mention("Ev123ABC456"))),
        first
    );
    assert_ne!(
        idempotency_key(&json_req(&SIGNED, &mention("Ev999"))),
        first
    );
}

#[test]
fn late_answers() {
    let slow = with_response(json_req(&SIGNED, &mention("Ev1")), 200, "", 3500.0);
    let ev = decode(&slow);
    assert_eq!(
        slow_answer(&slow, ev.as_ref()).as_deref(),
        Some(
            "answered after 3.5 s; Slack waits 3 s, so it counted this delivery as failed and will retry the same event_id (at once, then after 1 min, then after 5 min)"
        )
    );
    let last = [SIGNED[0], SIGNED[1], ("x-slack-retry-num", "3")];
    let slow = with_response(json_req(&last, &mention("Ev1")), 200, "", 4000.0);
    let msg = slow_answer(&slow, decode(&slow).as_ref()).unwrap();
    assert!(msg.ends_with("has no retries left"), "{msg}");
    let fast = with_response(json_req(&SIGNED, &mention("Ev1")), 200, "", 2999.0);
    assert_eq!(slow_answer(&fast, decode(&fast).as_ref()), None);
}
