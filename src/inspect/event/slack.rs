//! Slack, in its three shapes:
//!
//! - Events API: JSON `{"type": "event_callback", "event": {"type": ...}, "event_id": ...}`
//!   (and the one-off `url_verification` handshake, `app_rate_limited`);
//!   retried up to three times with `X-Slack-Retry-Num`, same `event_id`;
//! - interactivity: form body `payload=<json>` with `type` `block_actions`,
//!   `view_submission`, `shortcut`, ...;
//! - slash commands: a plain form with `command`, `text`, `response_url`.
//!
//! Every request is signed with `X-Slack-Signature` and `X-Slack-Request-Timestamp`.

use serde_json::Value;

use super::shape::{self, Shape, Want, clip, text_at};
use super::{Body, Ctx, Event, Provider};
use crate::model::CapturedRequest;

const INTERACTIVE: [&str; 9] = [
    "block_actions",
    "block_suggestion",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "interactive_message",
    "dialog_submission",
    "workflow_step_edit",
];

pub(crate) fn matches(ctx: &Ctx<'_>) -> bool {
    if ctx.has_header("x-slack-signature") || ctx.has_header("x-slack-request-timestamp") {
        return true;
    }
    if is_slash_command(ctx) {
        return true;
    }
    let Some(obj) = ctx.json().and_then(Value::as_object) else {
        return false;
    };
    let has = |k: &str, want: fn(&Value) -> bool| obj.get(k).is_some_and(want);
    match obj.get("type").and_then(Value::as_str) {
        Some("url_verification") => has("challenge", Value::is_string),
        Some("event_callback") => {
            has("event", Value::is_object) && has("team_id", Value::is_string)
        }
        Some("app_rate_limited") => {
            has("team_id", Value::is_string) && has("api_app_id", Value::is_string)
        }
        Some(t) if INTERACTIVE.contains(&t) => {
            matches!(ctx.body, Body::FormJson(_)) && has("api_app_id", Value::is_string)
        }
        _ => false,
    }
}

fn is_slash_command(ctx: &Ctx<'_>) -> bool {
    ctx.form("command").is_some_and(|c| c.starts_with('/'))
        && ctx.form("team_id").is_some()
        && ctx.form("response_url").is_some()
}

pub(crate) fn decode(ctx: &Ctx<'_>) -> Event {
    let mut s = Shape::default();
    let mut ev = if let Body::Form(_) = ctx.body {
        slash_command(ctx, &mut s)
    } else if let Some(root) = ctx.json() {
        json_event(ctx, root, &mut s)
    } else {
        s.push(ctx.body_problem().unwrap_or_default());
        let mut ev = Event::new(Provider::Slack, "unknown");
        ev.summary = shape::summary(&["unknown", "body is not JSON or a form"]);
        ev
    };
    ev.problems = s.into_problems();
    for h in [
        "X-Slack-Request-Timestamp",
        "X-Slack-Retry-Num",
        "X-Slack-Retry-Reason",
    ] {
        shape::header_field(&mut ev.fields, h, ctx.header(h));
    }
    ev
}

fn slash_command(ctx: &Ctx<'_>, s: &mut Shape) -> Event {
    let command = ctx.form("command").filter(|c| c.starts_with('/'));
    if command.is_none() {
        s.push(
            "form body is neither a slash command (no `command`) nor an interactivity `payload`",
        );
        let mut ev = Event::new(Provider::Slack, "unknown");
        ev.summary = shape::summary(&["unknown", "form body"]);
        return ev;
    }
    for f in [
        "team_id",
        "user_id",
        "channel_id",
        "response_url",
        "trigger_id",
    ] {
        if ctx.form(f).is_none() {
            s.push(format!("missing form field `{f}`"));
        }
    }
    let mut ev = Event::new(Provider::Slack, "slash_command");
    let call = format!(
        "{} {}",
        command.unwrap_or_default(),
        ctx.form("text").unwrap_or_default()
    );
    let who = match (ctx.form("user_name"), ctx.form("channel_name")) {
        (Some(u), Some(c)) => format!("@{u} in #{c}"),
        (Some(u), None) => format!("@{u}"),
        _ => String::new(),
    };
    let team = ctx.form("team_domain").unwrap_or_default();
    ev.summary = shape::summary(&[
        "slash_command",
        &clip(call.trim(), 80),
        &clip(&who, 60),
        &clip(team, 60),
    ]);
    for f in [
        "command",
        "text",
        "team_id",
        "team_domain",
        "channel_name",
        "user_name",
        "response_url",
        "trigger_id",
    ] {
        shape::header_field(&mut ev.fields, f, ctx.form(f));
    }
    ev
}

fn json_event(ctx: &Ctx<'_>, root: &Value, s: &mut Shape) -> Event {
    let Some(obj) = root.as_object() else {
        s.push(format!(
            "expected a JSON object, got {}",
            shape::type_name(root)
        ));
        let mut ev = Event::new(Provider::Slack, "unknown");
        ev.summary = ev.kind.clone();
        return ev;
    };
    let envelope = s
        .req(obj, "type", Want::Str)
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let mut ev;
    let parts: Vec<String> = match envelope {
        "url_verification" => {
            ev = Event::new(Provider::Slack, envelope);
            let challenge = s.req(obj, "challenge", Want::Str).and_then(Value::as_str);
            if let (Some(c), Some(resp)) = (challenge, &ctx.req.response)
                && !String::from_utf8_lossy(&resp.body).contains(c)
            {
                s.push(
                    "the answer did not echo `challenge`: Slack will not verify this Request URL",
                );
            }
            vec![envelope.into(), "answer with the challenge".into()]
        }
        "event_callback" => {
            for f in ["team_id", "api_app_id", "event_id"] {
                s.req(obj, f, Want::Str);
            }
            s.opt(obj, "event_time", Want::Num);
            let inner = s.req(obj, "event", Want::Obj).and_then(Value::as_object);
            let kind = inner
                .and_then(|e| s.req(e, "event.type", Want::Str))
                .and_then(Value::as_str);
            ev = Event::new(Provider::Slack, kind.unwrap_or("unknown"));
            ev.action = inner
                .and_then(|e| e.get("subtype"))
                .and_then(Value::as_str)
                .map(|a| clip(a, shape::KIND_MAX));
            let channel = text_at(root, "event.channel").map(|c| format!("#{c}"));
            let said = text_at(root, "event.text").map(|t| clip(&t, 60));
            let retry =
                ctx.header("x-slack-retry-num")
                    .map(|n| match ctx.header("x-slack-retry-reason") {
                        Some(why) => format!("retry {} ({})", clip(n, 10), clip(why, 40)),
                        None => format!("retry {}", clip(n, 10)),
                    });
            vec![
                ev.label(),
                text_at(root, "team_id").unwrap_or_default(),
                channel.unwrap_or_default(),
                said.unwrap_or_default(),
                retry.unwrap_or_default(),
            ]
        }
        "app_rate_limited" => {
            ev = Event::new(Provider::Slack, envelope);
            s.req(obj, "team_id", Want::Str);
            let minute = s
                .opt(obj, "minute_rate_limited", Want::Num)
                .and_then(shape::scalar_text);
            let minute = minute.map(|m| format!("minute {m}")).unwrap_or_default();
            vec![
                envelope.into(),
                text_at(root, "team_id").unwrap_or_default(),
                minute,
            ]
        }
        t => {
            ev = Event::new(Provider::Slack, t);
            if INTERACTIVE.contains(&t) {
                s.req(obj, "user", Want::Obj);
                s.opt(obj, "team", Want::Obj);
                if t == "block_actions" {
                    s.req(obj, "actions", Want::Arr);
                }
            }
            let what = shape::at(root, "actions")
                .and_then(|a| a.get(0))
                .and_then(|a| text_at(a, "action_id"))
                .or_else(|| text_at(root, "view.callback_id"))
                .or_else(|| text_at(root, "callback_id"));
            let who = text_at(root, "user.username")
                .or_else(|| text_at(root, "user.name"))
                .or_else(|| text_at(root, "user.id"))
                .map(|u| format!("@{u}"));
            vec![
                t.into(),
                what.unwrap_or_default(),
                who.unwrap_or_default(),
                text_at(root, "team.domain").unwrap_or_default(),
            ]
        }
    };
    ev.summary = shape::summary(&parts);
    ctx.collect_fields(root, FIELDS, &mut ev.fields);
    ev
}

const FIELDS: &[&str] = &[
    "type",
    "team_id",
    "api_app_id",
    "event_id",
    "event_time",
    "event.type",
    "event.subtype",
    "event.user",
    "event.channel",
    "event.text",
    "event.ts",
    "challenge",
    "team.domain",
    "user.id",
    "user.username",
    "trigger_id",
    "view.callback_id",
    "callback_id",
    "response_url",
];

/// The Events API `event_id`, which Slack keeps on its retries. Slash commands
/// and interactions are never retried, so they have no key.
pub(crate) fn key(ctx: &Ctx<'_>) -> Option<String> {
    let root = ctx.json()?;
    if root.get("type").and_then(Value::as_str) != Some("event_callback") {
        return None;
    }
    Some(root.get("event_id").and_then(shape::key_part)?.into_owned())
}

/// What a late answer means to Slack, for `slow_answer`.
pub(crate) fn late_consequence(req: &CapturedRequest, event: &Event) -> String {
    let kind = event.kind.as_str();
    if kind == "slash_command" || INTERACTIVE.contains(&kind) {
        return "the user saw a timeout error (Slack does not retry commands or interactions)"
            .into();
    }
    if kind == "url_verification" {
        return "it could not verify the Request URL".into();
    }
    let done = req
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("x-slack-retry-num"))
        .find_map(|h| {
            std::str::from_utf8(&h.value)
                .ok()?
                .trim()
                .parse::<usize>()
                .ok()
        })
        .unwrap_or(0);
    let schedule = ["at once", "after 1 min", "after 5 min"];
    match schedule.get(done..) {
        Some(rest) if !rest.is_empty() => format!(
            "it counted this delivery as failed and will retry the same event_id ({})",
            rest.join(", then ")
        ),
        _ => "it counted this delivery as failed and has no retries left".into(),
    }
}

#[cfg(test)]
mod tests;
