//! GitLab: `X-Gitlab-Event` names the hook (`Push Hook`, `Merge Request Hook`),
//! the body's `object_kind` the event (`event_name` for system hooks) and
//! `object_attributes.action` the sub-type. `Idempotency-Key` (GitLab 17.4+)
//! stays the same across retries; older instances send `X-Gitlab-Event-UUID`.

use serde_json::Value;

use super::shape::{self, Shape, Want, text_at};
use super::{Ctx, Event, Provider};

const HEADERS: [&str; 5] = [
    "X-Gitlab-Event",
    "X-Gitlab-Instance",
    "X-Gitlab-Webhook-UUID",
    "X-Gitlab-Event-UUID",
    "Idempotency-Key",
];

pub(crate) fn matches(ctx: &Ctx<'_>) -> bool {
    ctx.has_header("x-gitlab-event")
}

pub(crate) fn decode(ctx: &Ctx<'_>) -> Event {
    let hook = ctx.header("x-gitlab-event").unwrap_or_default();
    let mut s = Shape::default();
    let mut fields = Vec::new();
    for h in HEADERS {
        shape::header_field(&mut fields, h, ctx.header(h));
    }
    let Some(root) = ctx.json() else {
        let mut ev = Event::new(
            Provider::Gitlab,
            if hook.is_empty() { "unknown" } else { hook },
        );
        s.push(ctx.body_problem().unwrap_or_default());
        ev.problems = s.into_problems();
        ev.summary = shape::summary(&[ev.kind.as_str(), "body is not JSON"]);
        ev.fields = fields;
        return ev;
    };
    let kind = match root.as_object() {
        Some(obj) => {
            let kind = ["object_kind", "event_name", "event_type"]
                .iter()
                .find_map(|k| obj.get(*k).and_then(Value::as_str));
            if kind.is_none() {
                s.req(obj, "object_kind", Want::Str);
            }
            if let Some(attrs) = s
                .opt(obj, "object_attributes", Want::Obj)
                .and_then(Value::as_object)
            {
                s.opt(attrs, "object_attributes.action", Want::Str);
            }
            s.opt(obj, "project", Want::Obj);
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
    let kind = kind
        .or(Some(hook).filter(|h| !h.is_empty()))
        .unwrap_or("unknown");
    let mut ev = Event::new(Provider::Gitlab, kind);
    ev.action =
        shape::str_at(root, "object_attributes.action").map(|a| shape::clip(a, shape::KIND_MAX));
    ev.problems = s.into_problems();
    let project = text_at(root, "project.path_with_namespace")
        .or_else(|| text_at(root, "project.name"))
        .or_else(|| text_at(root, "repository.name"))
        .or_else(|| text_at(root, "path_with_namespace"))
        .unwrap_or_default();
    let iid = text_at(root, "object_attributes.iid");
    let parts = match kind {
        "push" | "tag_push" => vec![ev.label(), project, push_text(kind, root)],
        "merge_request" => vec![ev.label(), with_ref(project, iid.map(|i| format!("!{i}")))],
        "issue" | "work_item" => vec![ev.label(), with_ref(project, iid.map(|i| format!("#{i}")))],
        "note" => {
            let on = text_at(root, "object_attributes.noteable_type").map(|t| format!("on {t}"));
            vec![ev.label(), project, on.unwrap_or_default()]
        }
        "pipeline" => {
            let state = text_at(root, "object_attributes.status").unwrap_or_default();
            let on = text_at(root, "object_attributes.ref")
                .map(|r| format!(" on {r}"))
                .unwrap_or_default();
            vec![ev.label(), project, format!("{state}{on}")]
        }
        "build" => {
            let name = text_at(root, "build_name").unwrap_or_default();
            let state = text_at(root, "build_status").unwrap_or_default();
            vec![
                ev.label(),
                project,
                format!("{name} {state}").trim().to_string(),
            ]
        }
        "release" => vec![
            ev.label(),
            project,
            text_at(root, "tag").unwrap_or_default(),
        ],
        "deployment" => {
            let env = text_at(root, "environment").unwrap_or_default();
            vec![
                ev.label(),
                project,
                format!("{env} {}", text_at(root, "status").unwrap_or_default())
                    .trim()
                    .to_string(),
            ]
        }
        _ => vec![ev.label(), project],
    };
    ev.summary = shape::summary(&parts);
    ev.fields = fields;
    ctx.collect_fields(root, FIELDS, &mut ev.fields);
    ev
}

const FIELDS: &[&str] = &[
    "object_kind",
    "event_name",
    "project.path_with_namespace",
    "project.web_url",
    "user_username",
    "user.username",
    "ref",
    "before",
    "after",
    "total_commits_count",
    "object_attributes.iid",
    "object_attributes.title",
    "object_attributes.state",
    "object_attributes.action",
    "object_attributes.status",
    "object_attributes.ref",
    "object_attributes.url",
    "object_attributes.source_branch",
    "object_attributes.target_branch",
];

fn with_ref(project: String, reference: Option<String>) -> String {
    match reference {
        Some(r) => format!("{project} {r}").trim().to_string(),
        None => project,
    }
}

/// `4 commits to master`, `tag v1.0.0`.
fn push_text(kind: &str, root: &Value) -> String {
    let git_ref = shape::str_at(root, "ref").unwrap_or_default();
    if kind == "tag_push" {
        return format!(
            "tag {}",
            shape::clip(git_ref.trim_start_matches("refs/tags/"), shape::CLIP)
        );
    }
    let branch = shape::clip(git_ref.trim_start_matches("refs/heads/"), shape::CLIP);
    let count = root
        .get("total_commits_count")
        .and_then(Value::as_u64)
        .or_else(|| {
            root.get("commits")
                .and_then(Value::as_array)
                .map(|c| c.len() as u64)
        })
        .unwrap_or(0);
    format!("{} to {branch}", shape::plural(count, "commit"))
}

pub(crate) fn key(ctx: &Ctx<'_>) -> Option<String> {
    let id = ["idempotency-key", "x-gitlab-event-uuid"]
        .iter()
        .find_map(|h| ctx.header(h).filter(|v| !v.is_empty()))?;
    Some(shape::bounded_key(id.into()).into_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::inspect::event::tests::{json_req, req};
    use crate::inspect::event::{Provider, decode, idempotency_key};

    fn headers(hook: &'static str, key: &'static str) -> Vec<(&'static str, &'static str)> {
        vec![
            ("content-type", "application/json"),
            ("user-agent", "GitLab/17.5.0"),
            ("x-gitlab-event", hook),
            ("x-gitlab-token", "secret-token"),
            ("x-gitlab-instance", "https://gitlab.com"),
            (
                "x-gitlab-webhook-uuid",
                "3c5c0404-c866-44bc-a5f6-452bb1bfc76e",
            ),
            (
                "x-gitlab-event-uuid",
                "9cebe914-4827-408f-b014-cfa23a47a35f",
            ),
            ("idempotency-key", key),
        ]
    }

    fn push() -> serde_json::Value {
        json!({
            "object_kind": "push", "event_name": "push",
            "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
            "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "ref": "refs/heads/master", "ref_protected": true,
            "user_id": 4, "user_name": "John Smith", "user_username": "jsmith",
            "project_id": 15,
            "project": {"id": 15, "name": "Diaspora", "path_with_namespace": "mike/diaspora", "web_url": "http://example.com/mike/diaspora", "default_branch": "master"},
            "commits": [{"id": "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327", "message": "Update Catalan translation to e38cb41."}, {"id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", "message": "fixed readme"}],
            "total_commits_count": 4
        })
    }

    #[test]
    fn realistic_hooks() {
        let cases = [
            (
                "Push Hook",
                push(),
                "push · mike/diaspora · 4 commits to master",
                None,
            ),
            (
                "Merge Request Hook",
                json!({"object_kind": "merge_request", "event_type": "merge_request", "user": {"username": "root"},
                       "project": {"path_with_namespace": "gitlabhq/gitlab-test"},
                       "object_attributes": {"iid": 1, "title": "MS-Viewport", "state": "opened", "action": "open", "source_branch": "ms-viewport", "target_branch": "master"}}),
                "merge_request.open · gitlabhq/gitlab-test !1",
                Some("open"),
            ),
            (
                "Pipeline Hook",
                json!({"object_kind": "pipeline", "object_attributes": {"id": 31, "iid": 3, "ref": "main", "status": "success"},
                       "project": {"path_with_namespace": "gitlab-org/gitlab-test"}}),
                "pipeline · gitlab-org/gitlab-test · success on main",
                None,
            ),
            (
                "Tag Push Hook",
                json!({"object_kind": "tag_push", "ref": "refs/tags/v1.0.0", "project": {"path_with_namespace": "jsmith/example"}}),
                "tag_push · jsmith/example · tag v1.0.0",
                None,
            ),
            (
                "System Hook",
                json!({"event_name": "project_create", "name": "StoreCloud", "path_with_namespace": "jsmith/storecloud"}),
                "project_create · jsmith/storecloud",
                None,
            ),
        ];
        for (hook, body, summary, action) in cases {
            let ev = decode(&json_req(
                &headers(hook, "f5e5f430-f57b-4e6e-9fac-d9128cd7232f"),
                &body,
            ))
            .unwrap();
            assert_eq!(ev.provider, Provider::Gitlab);
            assert_eq!(ev.summary, summary);
            assert_eq!(ev.action.as_deref(), action);
            assert_eq!(ev.problems, Vec::<String>::new(), "{hook}");
        }
    }

    #[test]
    fn problems() {
        let ev = decode(&json_req(
            &headers("Push Hook", "k"),
            &json!({"ref": "x", "object_attributes": {"action": 1}}),
        ))
        .unwrap();
        assert_eq!(
            ev.problems,
            [
                "missing field `object_kind`",
                "wrong type `object_attributes.action`: expected string, got number"
            ]
        );
        assert_eq!(ev.kind, "Push Hook");
        let ev = decode(&req(&headers("Push Hook", "k"), "")).unwrap();
        assert_eq!(ev.problems, ["empty body: expected a JSON document"]);
    }

    #[test]
    fn keys() {
        let a = idempotency_key(&json_req(
            &headers("Push Hook", "f5e5f430-f57b-4e6e-9fac-d9128cd7232f"),
            &push(),
        ));
        assert_eq!(
            a.as_deref(),
            Some("gitlab:f5e5f430-f57b-4e6e-9fac-d9128cd7232f")
        );
        assert_eq!(
            idempotency_key(&json_req(
                &headers("Push Hook", "f5e5f430-f57b-4e6e-9fac-d9128cd7232f"),
                &push()
            )),
            a
        );
        assert_ne!(
            idempotency_key(&json_req(
                &headers("Push Hook", "0a0a0a0a-f57b-4e6e-9fac-d9128cd7232f"),
                &push()
            )),
            a
        );
        let old = [
            ("x-gitlab-event", "Push Hook"),
            (
                "x-gitlab-event-uuid",
                "9cebe914-4827-408f-b014-cfa23a47a35f",
            ),
        ];
        assert_eq!(
            idempotency_key(&json_req(&old, &push())).as_deref(),
            Some("gitlab:9cebe914-4827-408f-b014-cfa23a47a35f")
        );
    }
}
