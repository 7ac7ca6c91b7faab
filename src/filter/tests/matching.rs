//! What filters keep among the fixtures, and what they read.

use super::*;

#[test]
fn matches_method_path_query() {
    assert_eq!(hits("method:post"), [15, 20, 42]);
    assert_eq!(hits("method:G*"), [7]);
    assert_eq!(hits("path:/pingara*"), [42]);
    assert_eq!(hits("path:/PINGARA"), [42]);
    assert_eq!(hits("path:webhook"), [42]);
    assert_eq!(hits("path:/hooks/git???"), [15, 20]);
    assert_eq!(
        hits("path:foo"),
        Vec::<i64>::new(),
        "path excludes the query"
    );
    assert_eq!(hits("query:foo=bar"), [7]);
    assert_eq!(
        hits("query:verbose=?"),
        Vec::<i64>::new(),
        "a glob covers the whole query"
    );
    assert_eq!(hits("query:*verbose=?"), [7]);
}

#[test]
fn matches_headers_and_body() {
    assert_eq!(hits("header:x-pingara-secret"), [42]);
    assert_eq!(hits("header:X-Pingara-Secret=s3cret"), [42]);
    assert_eq!(hits("header:x-pingara-secret=wrong"), Vec::<i64>::new());
    assert_eq!(hits("header:content-type=*json*"), [15, 42]);
    assert_eq!(hits("header:content-type=application/json"), [15, 42]);
    assert_eq!(
        hits(r#"header:content-type="application/json; charset=utf-8""#),
        [42]
    );
    assert_eq!(hits("header:x-github-*"), [15, 20]);
    assert_eq!(hits(r#"body:"timeout after""#), [42]);
    assert_eq!(hits("body:TIMEOUT"), [15, 42]);
    assert_eq!(hits(r#"body:"\"ref\"""#), [15]);
    assert_eq!(hits("body:timeout path:/hooks*"), [15]);
    assert_eq!(hits("verbose"), [7], "bare words read the query too");
    assert_eq!(hits("pingara"), [42]);
    assert_eq!(hits("timeout"), [15, 42]);
}

#[test]
fn matches_inspection_fields() {
    assert_eq!(hits("provider:pingara"), [42]);
    assert_eq!(hits("provider:git*"), [15, 20]);
    assert_eq!(hits("event:incident.*"), [42]);
    assert_eq!(
        hits("event:incident"),
        Vec::<i64>::new(),
        "plain event values are exact"
    );
    assert_eq!(hits("event:pull_request.opened"), [20]);
    assert_eq!(hits("event:pull_request"), [20]);
    assert_eq!(hits("event:*.opened"), [20]);
    assert_eq!(hits("auth:valid"), [42]);
    assert_eq!(hits("auth:invalid"), [15]);
    assert_eq!(hits("auth:missing"), [20]);
    assert_eq!(hits("auth:unconfigured"), Vec::<i64>::new());
    assert_eq!(hits("!auth:valid"), [7, 15, 20]);
    assert_eq!(hits("dup:yes"), [15]);
    assert_eq!(hits("dup:no"), [7, 20, 42]);
}

#[test]
fn matches_status_time_and_id() {
    assert_eq!(hits("status:200"), [42]);
    assert_eq!(hits("status:4xx"), [7]);
    assert_eq!(hits("status:>=400"), [7, 20]);
    assert_eq!(hits("status:>404"), [20]);
    assert_eq!(hits("status:<=404"), [7, 42]);
    assert_eq!(hits("status:<300"), [42]);
    assert_eq!(hits("status:none"), [15]);
    assert_eq!(hits("!status:none"), [7, 20, 42]);
    assert_eq!(hits("since:10m"), [42]);
    assert_eq!(hits("since:2h"), [20, 42], "exactly 2h ago counts as since");
    assert_eq!(hits("since:1d"), [7, 20, 42]);
    assert_eq!(hits("before:1d"), [15]);
    assert_eq!(hits("since:2026-11-29T10:00:00Z"), [20, 42]);
    assert_eq!(hits("before:2026-11-29T10:00:00Z"), [7, 15]);
    assert_eq!(hits("since:2026-11-29"), [7, 20, 42]);
    assert_eq!(hits("before:2026-11-29"), [15]);
    assert_eq!(
        hits("since:1000000000w"),
        [7, 15, 20, 42],
        "far back saturates"
    );
    assert_eq!(hits("id:42"), [42]);
    assert_eq!(hits("id:10..20"), [15, 20]);
    assert_eq!(hits("id:16.."), [20, 42]);
    assert_eq!(hits("id:..15"), [7, 15]);
}

#[test]
fn matches_combinations() {
    assert_eq!(
        hits("method:POST path:/pingara* !auth:valid"),
        Vec::<i64>::new()
    );
    assert_eq!(hits("event:incident.* | status:5xx"), [20, 42]);
    assert_eq!(
        hits("(provider:github | provider:pingara) since:1d !dup:yes"),
        [20, 42]
    );
    assert_eq!(
        hits("provider:github | provider:pingara since:1d"),
        [15, 20, 42]
    );
    assert_eq!(hits("!(method:GET | dup:yes)"), [20, 42]);
    assert_eq!(hits("!method:GET & !dup:yes"), [20, 42]);
}

#[test]
fn reports_what_a_filter_reads() {
    let reads = |e: &str| {
        let f = parse(e).unwrap();
        (f.needs_body(), f.needs_inspection())
    };
    assert_eq!(
        reads("method:GET path:/x status:2xx since:1h id:1"),
        (false, false)
    );
    assert_eq!(reads("method:GET | !body:x"), (true, false));
    assert_eq!(reads("word"), (true, false));
    for inspecting in ["provider:x", "!event:x", "(a | auth:valid)", "dup:no"] {
        assert!(reads(inspecting).1, "{inspecting}");
    }
}

#[test]
fn problems_counts_and_has_problems() {
    let req = CapturedRequest::new("POST", "/p", vec![], b"{}".to_vec());
    let mut s = Subject::new(&req, now());
    for (expr, none, three) in [
        ("has:problems", false, true),
        ("problems:>0", false, true),
        ("problems:0", true, false),
        ("problems:3", false, true),
        ("problems:>=4", false, false),
        ("problems:<2", true, false),
        ("!has:problems", true, false),
    ] {
        let f = parse(expr).unwrap();
        assert!(f.needs_inspection(), "{expr}");
        s.problems = 0;
        assert_eq!(f.matches(&s), none, "{expr} with none");
        s.problems = 3;
        assert_eq!(f.matches(&s), three, "{expr} with three");
    }
    assert!(parse("has:body").is_err());
    assert!(parse("problems:many").is_err());
}

#[test]
fn matches_the_relay_channel() {
    let req = pingara();
    let on = |channel: Option<&str>, expr: &str| {
        let mut s = subject(&req);
        s.channel = channel;
        parse(expr).unwrap().matches(&s)
    };
    assert!(on(Some("payments"), "channel:payments"));
    assert!(!on(Some("payments"), "channel:PAYMENTS"), "case counts");
    assert!(on(Some("PAYMENTS"), "channel:PAYMENTS"));
    assert!(
        !on(Some("payments"), "channel:PAY*"),
        "a glob's case counts too"
    );
    assert!(!on(Some("payments-eu"), "channel:payments"), "exact");
    assert!(on(Some("payments-eu"), "channel:pay*"));
    assert!(!on(None, "channel:*"), "not a relay's request");
    assert!(on(None, "!channel:*"));
}
