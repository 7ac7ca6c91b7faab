//! GitHub: the event name is the `X-GitHub-Event` header, the sub-type the
//! body's `action`. The body is JSON, or `payload=<json>` when the webhook's
//! content type is `application/x-www-form-urlencoded`.
//!
//! `X-GitHub-Delivery` is a GUID per event that a redelivery keeps, so it is
//! the idempotency key.

use serde_json::Value;

use super::shape::{self, Shape, Want, text_at};
use super::{Ctx, Event, Provider};

pub(crate) fn matches(ctx: &Ctx<'_>) -> bool {
    ctx.has_header("x-github-event")
}

pub(crate) fn decode(ctx: &Ctx<'_>) -> Event {
    let kind = ctx
        .header("x-github-event")
        .filter(|k| !k.is_empty())
        .unwrap_or("unknown");
    let mut ev = Event::new(Provider::Github, kind);
    let mut s = Shape::default();
    if ctx.header("x-github-delivery").is_none() {
        s.push("missing header `X-GitHub-Delivery`: GitHub sends one with every delivery");
    }
    shape::header_field(
        &mut ev.fields,
        "X-GitHub-Delivery",
        ctx.header("x-github-delivery"),
    );
    shape::header_field(
        &mut ev.fields,
        "X-GitHub-Hook-ID",
        ctx.header("x-github-hook-id"),
    );
    shape::header_field(
        &mut ev.fields,
        "X-GitHub-Hook-Installation-Target-Type",
        ctx.header("x-github-hook-installation-target-type"),
    );
    let Some(root) = ctx.json() else {
        s.push(ctx.body_problem().unwrap_or_default());
        ev.problems = s.into_problems();
        ev.summary = shape::summary(&[ev.kind.as_str(), "body is not JSON"]);
        return ev;
    };
    let Some(obj) = root.as_object() else {
        s.push(format!(
            "expected a JSON object, got {}",
            shape::type_name(root)
        ));
        ev.problems = s.into_problems();
        ev.summary = ev.kind.clone();
        return ev;
    };
    ev.action = s
        .opt(obj, "action", Want::Str)
        .and_then(Value::as_str)
        .map(|a| shape::clip(a, shape::KIND_MAX));
    s.opt(obj, "repository", Want::Obj);
    s.opt(obj, "sender", Want::Obj);
    match kind {
        "push" => {
            s.req(obj, "ref", Want::Str);
            s.req(obj, "commits", Want::Arr);
        }
        "pull_request" | "pull_request_review" | "pull_request_review_comment" => {
            s.req(obj, "pull_request", Want::Obj);
        }
        "issues" | "issue_comment" => {
            s.req(obj, "issue", Want::Obj);
        }
        "ping" => {
            s.opt(obj, "hook_id", Want::Num);
            s.opt(obj, "zen", Want::Str);
        }
        _ => {}
    }
    ev.problems = s.into_problems();
    let label = ev.label();
    let mut place = where_(root);
    if let Some(n) = number(kind, root) {
        place = format!("{place} #{n}").trim().to_string();
    }
    let mut parts = vec![label, place];
    parts.extend(detail(kind, root));
    ev.summary = shape::summary(&parts);
    ctx.collect_fields(root, FIELDS, &mut ev.fields);
    ev
}

const FIELDS: &[&str] = &[
    "action",
    "repository.full_name",
    "organization.login",
    "sender.login",
    "installation.id",
    "ref",
    "before",
    "after",
    "compare",
    "head_commit.message",
    "pull_request.number",
    "pull_request.title",
    "pull_request.state",
    "pull_request.html_url",
    "issue.number",
    "issue.title",
    "issue.html_url",
    "comment.body",
    "release.tag_name",
    "workflow_run.name",
    "workflow_run.status",
    "workflow_run.conclusion",
    "hook_id",
    "zen",
];

/// `owner/repo`, else the organization or the sender.
fn where_(root: &Value) -> String {
    text_at(root, "repository.full_name")
        .or_else(|| text_at(root, "organization.login"))
        .or_else(|| text_at(root, "sender.login"))
        .unwrap_or_default()
}

/// The pull request or issue number, written after the repository.
fn number(kind: &str, root: &Value) -> Option<String> {
    match kind {
        "pull_request" | "pull_request_review" | "pull_request_review_comment" => {
            text_at(root, "pull_request.number").or_else(|| text_at(root, "number"))
        }
        "issues" | "issue_comment" => text_at(root, "issue.number"),
        _ => None,
    }
}

/// The part after the repository, when the event has a telling one.
fn detail(kind: &str, root: &Value) -> Option<String> {
    match kind {
        "push" => Some(push_text(root)),
        "release" => text_at(root, "release.tag_name"),
        "create" | "delete" => Some(format!(
            "{} {}",
            text_at(root, "ref_type")?,
            text_at(root, "ref")?
        )),
        "workflow_run" | "workflow_job" | "check_run" | "check_suite" => {
            let obj = root.get(kind)?;
            let name = text_at(obj, "name")
                .or_else(|| text_at(obj, "app.name"))
                .unwrap_or_default();
            let state = text_at(obj, "conclusion")
                .or_else(|| text_at(obj, "status"))
                .unwrap_or_default();
            Some(format!("{name} {state}").trim().to_string())
        }
        "ping" => text_at(root, "hook_id").map(|id| format!("hook {id}")),
        _ => None,
    }
}

/// `3 commits to main`, `tag v1.2.0`, `deleted branch old`.
fn push_text(root: &Value) -> String {
    let git_ref = shape::str_at(root, "ref").unwrap_or_default();
    let (what, name) = match git_ref.strip_prefix("refs/heads/") {
        Some(branch) => ("branch", branch),
        None => match git_ref.strip_prefix("refs/tags/") {
            Some(tag) => ("tag", tag),
            None => ("ref", git_ref),
        },
    };
    let name = shape::clip(name, shape::CLIP);
    let flag = |k: &str| root.get(k).and_then(Value::as_bool).unwrap_or(false);
    if flag("deleted") {
        return format!("deleted {what} {name}");
    }
    let commits = root
        .get("commits")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let forced = if flag("forced") { " (forced)" } else { "" };
    if what == "tag" {
        format!("tag {name}")
    } else {
        format!(
            "{} to {name}{forced}",
            shape::plural(commits as u64, "commit")
        )
    }
}

pub(crate) fn key(ctx: &Ctx<'_>) -> Option<String> {
    let id = ctx.header("x-github-delivery").filter(|d| !d.is_empty())?;
    Some(shape::bounded_key(id.into()).into_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::inspect::event::tests::{json_req, req};
    use crate::inspect::event::{Provider, decode, idempotency_key};

    fn headers<'a>(event: &'a str, delivery: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("user-agent", "GitHub-Hookshot/044aadd"),
            ("content-type", "application/json"),
            ("x-github-event", event),
            ("x-github-delivery", delivery),
            ("x-github-hook-id", "292430182"),
            ("x-github-hook-installation-target-id", "79929171"),
            ("x-github-hook-installation-target-type", "repository"),
            (
                "x-hub-signature-256",
                "sha256=d57c68ca6f92289e6987922ff26938930f6e66a2d161ef06abdf1859230aa23c",
            ),
        ]
    }

    fn push() -> serde_json::Value {
        json!({
            "ref": "refs/heads/main",
            "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
            "after": "59b20b8d5c6ff8d09518454d4dd8b7b30f095ab5",
            "repository": {"id": 186853002, "name": "hello-world", "full_name": "octocat/hello-world", "private": false},
            "pusher": {"name": "octocat", "email": "octocat@github.com"},
            "sender": {"login": "octocat", "id": 1},
            "created": false, "deleted": false, "forced": false,
            "compare": "https://github.com/octocat/hello-world/compare/6113728f27ae...59b20b8d5c6f",
            "commits": [
                {"id": "a1", "message": "Fix typo", "timestamp": "2024-01-15T14:32:05+01:00"},
                {"id": "a2", "message": "Add docs"},
                {"id": "a3", "message": "Bump version"}
            ],
            "head_commit": {"id": "a3", "message": "Bump version"}
        })
    }

    fn pull_request() -> serde_json::Value {
        json!({
            "action": "opened",
            "number": 12,
            "pull_request": {"number": 12, "state": "open", "title": "Update the README with new information.", "html_url": "https://github.com/octocat/hello-world/pull/12"},
            "repository": {"full_name": "octocat/hello-world"},
            "sender": {"login": "octocat"}
        })
    }

    #[test]
    fn detects_and_summarises_realistic_deliveries() {
        let cases = [
            (
                "push",
                push(),
                "push · octocat/hello-world · 3 commits to main",
                None,
            ),
            (
                "pull_request",
                pull_request(),
                "pull_request.opened · octocat/hello-world #12",
                Some("opened"),
            ),
            (
                "ping",
                json!({"zen": "Keep it logically awesome.", "hook_id": 292430182, "hook": {"type": "Repository"}, "repository": {"full_name": "octocat/hello-world"}}),
                "ping · octocat/hello-world · hook 292430182",
                None,
            ),
            (
                "issues",
                json!({"action": "closed", "issue": {"number": 5, "title": "Bug"}, "repository": {"full_name": "octocat/hello-world"}}),
                "issues.closed · octocat/hello-world #5",
                Some("closed"),
            ),
            (
                "workflow_run",
                json!({"action": "completed", "workflow_run": {"name": "CI", "status": "completed", "conclusion": "success"}, "repository": {"full_name": "octocat/hello-world"}}),
                "workflow_run.completed · octocat/hello-world · CI success",
                Some("completed"),
            ),
            (
                "star",
                json!({"action": "created", "starred_at": "2024-01-15T14:32:05Z", "sender": {"login": "hubot"}}),
                "star.created · hubot",
                Some("created"),
            ),
        ];
        for (event, body, summary, action) in cases {
            let ev = decode(&json_req(
                &headers(event, "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
                &body,
            ))
            .unwrap();
            assert_eq!(ev.provider, Provider::Github);
            assert_eq!(ev.kind, event);
            assert_eq!(ev.action.as_deref(), action);
            assert_eq!(ev.summary, summary);
            assert_eq!(ev.problems, Vec::<String>::new(), "{event}");
        }
    }

    #[test]
    fn push_variants() {
        let mut tag = push();
        tag["ref"] = json!("refs/tags/v1.2.0");
        let ev = decode(&json_req(&headers("push", "d1"), &tag)).unwrap();
        assert_eq!(ev.summary, "push · octocat/hello-world · tag v1.2.0");
        let mut gone = push();
        gone["deleted"] = json!(true);
        gone["commits"] = json!([]);
        let ev = decode(&json_req(&headers("push", "d2"), &gone)).unwrap();
        assert_eq!(
            ev.summary,
            "push · octocat/hello-world · deleted branch main"
        );
    }

    #[test]
    fn form_encoded_payload_is_decoded() {
        let payload = pull_request().to_string();
        let mut encoded = String::from("payload=");
        for b in payload.bytes() {
            match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'_' | b'-' => {
                    encoded.push(b as char)
                }
                b' ' => encoded.push('+'),
                _ => encoded.push_str(&format!("%{b:02X}")),
            }
        }
        let mut h = headers("pull_request", "d3");
        h[1] = ("content-type", "application/x-www-form-urlencoded");
        let ev = decode(&req(&h, &encoded)).unwrap();
        assert_eq!(ev.summary, "pull_request.opened · octocat/hello-world #12");
        assert!(ev.problems.is_empty(), "{:?}", ev.problems);
    }

    #[test]
    fn problems() {
        let ev = decode(&req(&[("x-github-event", "push")], "{\"ref\": 1}")).unwrap();
        assert_eq!(
            ev.problems,
            [
                "missing header `X-GitHub-Delivery`: GitHub sends one with every delivery",
                "wrong type `ref`: expected string, got number",
                "missing field `commits`",
            ]
        );
        let ev = decode(&req(&headers("push", "d"), "{not json")).unwrap();
        assert_eq!(ev.problems.len(), 1);
        assert!(
            ev.problems[0].starts_with("invalid JSON: key must be a string at line 1 column 2"),
            "{:?}",
            ev.problems
        );
        assert_eq!(ev.summary, "push · body is not JSON");
    }

    #[test]
    fn delivery_header_is_the_key() {
        let a = idempotency_key(&json_req(
            &headers("push", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
            &push(),
        ));
        assert_eq!(
            a.as_deref(),
            Some("github:72d3162e-cc78-11e3-81ab-4c9367dc0958")
        );
        // A redelivery keeps the GUID (and the signature), even with reformatted JSON.
        let again = req(
            &headers("push", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
            &serde_json::to_string_pretty(&push()).unwrap(),
        );
        assert_eq!(idempotency_key(&again), a);
        let other = idempotency_key(&json_req(
            &headers("push", "8f0c5a6e-cc78-11e3-81ab-4c9367dc0958"),
            &push(),
        ));
        assert_ne!(other, a);
        assert_eq!(
            idempotency_key(&json_req(&[("x-github-event", "push")], &push())),
            None
        );
    }
}
