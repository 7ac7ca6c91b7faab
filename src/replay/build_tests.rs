use super::*;

fn req(headers: &[(&str, &str)], body: &[u8]) -> CapturedRequest {
    CapturedRequest::new(
        "POST",
        "/pingara-webhook?x=1&y=%2F",
        headers
            .iter()
            .map(|(n, v)| HeaderField::new(*n, v.as_bytes()))
            .collect(),
        body.to_vec(),
    )
}

fn names(out: &Outgoing) -> Vec<&str> {
    out.headers.iter().map(|h| h.name.as_str()).collect()
}

fn value<'a>(out: &'a Outgoing, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    out.headers
        .iter()
        .find(|h| h.name == name)
        .map(HeaderField::value_str)
}

#[test]
fn parses_targets() {
    let t = Target::parse("http://localhost:3000").unwrap();
    assert_eq!(
        (t.https, t.authority.as_str(), t.path.as_str()),
        (false, "localhost:3000", "")
    );
    let t = Target::parse("HTTPS://u:p@example.com/hooks/in?k=v#frag").unwrap();
    assert!(t.https);
    assert_eq!(t.authority, "example.com");
    assert_eq!(t.userinfo.as_deref(), Some("u:p"));
    assert_eq!(t.path, "/hooks/in");
    assert_eq!(t.query.as_deref(), Some("k=v"));
    assert_eq!(
        Target::parse("localhost:9797/").unwrap().authority,
        "localhost:9797"
    );
    assert!(matches!(
        Target::parse("ftp://x"),
        Err(BuildError::BadScheme(_))
    ));
    assert!(matches!(
        Target::parse("http:///x"),
        Err(BuildError::NoHost(_))
    ));
}

#[test]
fn replay_target_resolution() {
    let captured = "/pingara-webhook?x=1";
    for bare in ["http://localhost:3000", "http://localhost:3000/"] {
        assert_eq!(Target::parse(bare).unwrap().for_replay(captured), captured);
    }
    let given = Target::parse("http://localhost:3000/other?z=9").unwrap();
    assert_eq!(given.for_replay(captured), "/other?z=9");
    // Absolute-form captured targets keep only path and query.
    let bare = Target::parse("http://a:1").unwrap();
    assert_eq!(bare.for_replay("http://evil.example/in?q"), "/in?q");
    assert_eq!(bare.for_replay("http://evil.example"), "/");
    assert_eq!(bare.for_replay("*"), "/");
}

#[test]
fn forward_appends_path_and_query() {
    let t = Target::parse("http://localhost:3000/app/").unwrap();
    assert_eq!(t.for_forward("/hook?a=1"), "/app/hook?a=1");
    let t = Target::parse("http://localhost:3000").unwrap();
    assert_eq!(t.for_forward("/hook"), "/hook");
    let t = Target::parse("http://localhost:3000/app?k=1").unwrap();
    assert_eq!(t.for_forward("/hook?a=1"), "/app/hook?k=1&a=1");
}

#[test]
fn drops_hop_by_hop_and_keeps_the_rest_in_order() {
    let r = req(
        &[
            ("host", "old.example"),
            ("connection", "keep-alive, X-Trace"),
            ("x-trace", "hop"),
            ("keep-alive", "timeout=5"),
            ("proxy-authorization", "Basic x"),
            ("te", "trailers"),
            ("upgrade", "h2c"),
            ("x-pingara-secret", "s"),
            ("content-type", "application/json"),
            ("x-dup", "1"),
            ("x-dup", "2"),
            ("transfer-encoding", "chunked"),
        ],
        b"{\"a\":1}",
    );
    let t = Target::parse("http://127.0.0.1:3000").unwrap();
    let out = build(&r, &t, &t.for_replay(&r.target)).unwrap();
    assert_eq!(
        names(&out),
        [
            "host",
            "x-pingara-secret",
            "content-type",
            "x-dup",
            "x-dup",
            "content-length"
        ]
    );
    assert_eq!(value(&out, "host").unwrap(), "127.0.0.1:3000");
    assert_eq!(value(&out, "content-length").unwrap(), "7");
    assert_eq!(out.body, b"{\"a\":1}");
    assert_eq!(out.url, "http://127.0.0.1:3000/pingara-webhook?x=1&y=%2F");
    assert_eq!(out.path, "/pingara-webhook?x=1&y=%2F");
}

#[test]
fn host_first_when_missing_and_length_recomputed_in_place() {
    let r = req(&[("content-length", "999"), ("x-a", "b")], b"abc");
    let t = Target::parse("http://h:1/x").unwrap();
    let out = build(&r, &t, &t.for_replay(&r.target)).unwrap();
    assert_eq!(names(&out), ["host", "content-length", "x-a"]);
    assert_eq!(value(&out, "content-length").unwrap(), "3");
    assert_eq!(out.path, "/x");
}

#[test]
fn no_length_for_an_empty_body_that_had_none() {
    let mut r = req(&[("accept", "*/*")], b"");
    r.method = "GET".into();
    let t = Target::parse("http://h:1").unwrap();
    let out = build(&r, &t, "/").unwrap();
    assert_eq!(names(&out), ["host", "accept"]);
}

#[test]
fn userinfo_becomes_basic_auth() {
    let r = req(&[("authorization", "Bearer old")], b"");
    let t = Target::parse("http://user:pass@h:1").unwrap();
    let out = build(&r, &t, "/").unwrap();
    assert_eq!(value(&out, "authorization").unwrap(), "Basic dXNlcjpwYXNz");
    assert_eq!(
        out.headers
            .iter()
            .filter(|h| h.name == "authorization")
            .count(),
        1
    );
    assert_eq!(value(&out, "host").unwrap(), "h:1");
}

#[test]
fn bad_method_is_an_error() {
    let mut r = req(&[], b"");
    r.method = "BAD METHOD".into();
    let t = Target::parse("http://h:1").unwrap();
    assert!(matches!(build(&r, &t, "/"), Err(BuildError::BadMethod(_))));
}

#[test]
fn edits_apply_without_touching_the_original() {
    let r = req(&[("x-a", "1")], b"old");
    let edits = Edits {
        method: Some("put".into()),
        body: Some(b"new body".to_vec()),
        ..Edits::default()
    };
    let edited = edits.apply(&r);
    assert_eq!(edited.method, "PUT");
    assert_eq!(edited.body, b"new body");
    assert_eq!(edited.target, r.target);
    assert_eq!(r.body, b"old");
    assert!(Edits::default().is_empty());
}

#[test]
fn incomplete_captures_are_not_replayed_unless_the_body_is_edited() {
    let mut r = req(&[], b"");
    r.outcome = crate::model::Outcome::TooLarge {
        declared: Some(99),
        seen: 0,
    };
    let t = Target::parse("http://h:1").unwrap();
    assert!(matches!(
        build(&r, &t, "/"),
        Err(BuildError::Incomplete("too_large"))
    ));
    let edits = Edits {
        body: Some(b"x".to_vec()),
        ..Edits::default()
    };
    assert!(build(&edits.apply(&r), &t, "/").is_ok());
}
