//! Syntax: every field, precedence, errors with positions, bounded nesting.

use proptest::prelude::*;

use super::*;
use crate::filter::eval::{Cmp, Pat, StatusPat, Term, TimeSpec};

#[test]
fn blank_input_matches_everything() {
    for blank in ["", "   ", "\t\n"] {
        let f = parse(blank).unwrap();
        assert!(f.is_empty() && !f.needs_body() && !f.needs_inspection());
    }
    assert_eq!(hits(""), [7, 15, 20, 42]);
    assert!(Filter::default().is_empty());
    assert!(!parse("method:GET").unwrap().is_empty());
}

#[test]
fn parses_every_field() {
    let t = |e: &str| match root(e) {
        Expr::Term(t) => t,
        other => panic!("{e}: {other:?}"),
    };
    assert_eq!(t("method:post"), Term::Method(Pat::Exact("post".into())));
    assert_eq!(t("path:/a"), Term::Path(Pat::Contains("/a".into())));
    assert!(matches!(t("path:/a*"), Term::Path(Pat::Glob(_))));
    assert_eq!(
        t("query:Foo=bar"),
        Term::Query(Pat::Contains("foo=bar".into()))
    );
    assert_eq!(
        t("header:X-A"),
        Term::Header {
            name: Pat::Exact("x-a".into()),
            value: None
        }
    );
    assert!(matches!(
        t("header:a=*json*"),
        Term::Header {
            value: Some(Pat::Glob(_)),
            ..
        }
    ));
    assert_eq!(
        t(r#"body:"Timeout after""#),
        Term::Body("timeout after".into())
    );
    assert_eq!(
        t("provider:Pingara"),
        Term::Provider(Pat::Exact("pingara".into()))
    );
    assert!(matches!(t("event:incident.*"), Term::Event(Pat::Glob(_))));
    assert_eq!(t("auth:INVALID"), Term::Auth("invalid"));
    assert_eq!(t("status:200"), Term::Status(StatusPat::Is(200)));
    assert_eq!(t("status:4XX"), Term::Status(StatusPat::Class(4)));
    assert_eq!(
        t("status:>=400"),
        Term::Status(StatusPat::Compare(Cmp::Ge, 400))
    );
    assert_eq!(
        t("status:>399"),
        Term::Status(StatusPat::Compare(Cmp::Gt, 399))
    );
    assert_eq!(
        t("status:<300"),
        Term::Status(StatusPat::Compare(Cmp::Lt, 300))
    );
    assert_eq!(
        t("status:<=299"),
        Term::Status(StatusPat::Compare(Cmp::Le, 299))
    );
    assert_eq!(t("status:none"), Term::Status(StatusPat::Unanswered));
    assert_eq!(t("dup:yes"), Term::Dup(true));
    assert_eq!(t("dup:no"), Term::Dup(false));
    assert_eq!(
        t("since:10m"),
        Term::Since(TimeSpec::Ago(TimeDelta::minutes(10)))
    );
    assert_eq!(
        t("since:2h"),
        Term::Since(TimeSpec::Ago(TimeDelta::hours(2)))
    );
    assert_eq!(
        t("before:1d"),
        Term::Before(TimeSpec::Ago(TimeDelta::days(1)))
    );
    assert_eq!(
        t("since:1w"),
        Term::Since(TimeSpec::Ago(TimeDelta::weeks(1)))
    );
    assert_eq!(
        t("since:30s"),
        Term::Since(TimeSpec::Ago(TimeDelta::seconds(30)))
    );
    let ten = DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        t("since:2026-11-29T10:00:00Z"),
        Term::Since(TimeSpec::At(ten))
    );
    assert_eq!(
        t("since:2026-11-29T11:00:00+01:00"),
        Term::Since(TimeSpec::At(ten))
    );
    let midnight = DateTime::parse_from_rfc3339("2026-11-29T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(t("before:2026-11-29"), Term::Before(TimeSpec::At(midnight)));
    assert_eq!(t("id:42"), Term::Id(42, 42));
    assert_eq!(t("id:10..20"), Term::Id(10, 20));
    assert_eq!(t("id:10.."), Term::Id(10, i64::MAX));
    assert_eq!(t("id:..20"), Term::Id(i64::MIN, 20));
    assert_eq!(t("Timeout"), Term::Word("timeout".into()));
    assert_eq!(t(r#""a:b c""#), Term::Word("a:b c".into()));
    assert_eq!(t("METHOD:get"), Term::Method(Pat::Exact("get".into())));
}

#[test]
fn precedence_and_grouping() {
    assert_eq!(root("a | b c"), root("a | (b & c)"));
    assert_eq!(root("a | b & c"), root("a | (b c)"));
    assert_eq!(root("a b | c"), root("(a b) | c"));
    assert_eq!(root("!a b"), root("(!a) & b"));
    assert_ne!(root("!a b"), root("!(a b)"));
    assert_eq!(root("!!a"), root("a"));
    assert_eq!(root("a && b || c"), root("a & b | c"));
    assert_eq!(root("a&b|c"), root("a b | c"));
    assert!(matches!(root("a | b | c"), Expr::Or(v) if v.len() == 3));
    assert!(matches!(root("a b & c"), Expr::And(v) if v.len() == 3));
    assert!(matches!(root("((a))"), Expr::Term(_)));
}

#[test]
fn errors_are_positioned() {
    let fields = "fields: method, path, query, header, body, provider, event, auth, status, dup, problems, has, since, before, id, channel";
    assert_eq!(
        err("metod:POST"),
        (format!("unknown field \"metod\" at 1 ({fields})"), 1)
    );
    assert_eq!(err("é metod:x").1, 3);
    assert_eq!(
        err(":x").0,
        format!("missing field name before \":\" at 1 ({fields})")
    );
    assert_eq!(
        err("method:GET (path:/a"),
        ("unclosed \"(\" at 12".into(), 12)
    );
    assert_eq!(err("(method:GET"), ("unclosed \"(\" at 1".into(), 1));
    assert_eq!(err("method:GET )"), ("unmatched \")\" at 12".into(), 12));
    assert_eq!(err("(a))"), ("unmatched \")\" at 4".into(), 4));
    assert_eq!(err("()"), ("empty parentheses at 1".into(), 1));
    assert_eq!(
        err("method:"),
        ("empty value for \"method\" at 8".into(), 8)
    );
    assert_eq!(err(r#"body:"""#).1, 6);
    assert_eq!(err(r#"a """#), ("empty quoted word at 3".into(), 3));
    assert_eq!(
        err("a |"),
        (
            "expected a term after \"|\", found end of input at 4".into(),
            4
        )
    );
    assert_eq!(
        err("a & | b"),
        ("expected a term after \"&\", found \"|\" at 5".into(), 5)
    );
    assert_eq!(
        err("a !)"),
        ("expected a term after \"!\", found \")\" at 4".into(), 4)
    );
    assert_eq!(err("| a"), ("expected a term, found \"|\" at 1".into(), 1));
    assert_eq!(
        err("!"),
        (
            "expected a term after \"!\", found end of input at 2".into(),
            2
        )
    );
    assert_eq!(
        err(r#"body:"abc"#),
        ("unterminated quote at 6 (close it with \")".into(), 6)
    );
    assert_eq!(
        err("status:abc"),
        (
            "bad status \"abc\" at 8 (use 200, 4xx, >=400, >, <, <= or none)".into(),
            8
        )
    );
    for bad in [
        "status:20",
        "status:>=4000",
        "status:0xx",
        "status:099",
        "status:>",
        "status:2x",
    ] {
        assert!(err(bad).0.starts_with("bad status"), "{bad}");
    }
    assert_eq!(err("since:yesterday").1, 7);
    assert!(
        err("since:yesterday")
            .0
            .starts_with("bad time \"yesterday\" at 7 (use 30s")
    );
    for bad in [
        "since:10",
        "since:10y",
        "before:2026-13-01",
        "since:m",
        "before:2026-11-29T25:00:00Z",
    ] {
        assert!(err(bad).0.starts_with("bad time"), "{bad}");
    }
    assert!(
        err("since:99999999999999999999d")
            .0
            .contains("too far back")
    );
    assert!(err("since:9999999999999w").0.contains("too far back"));
    assert_eq!(
        err("auth:maybe").0,
        "bad auth verdict \"maybe\" at 6 (valid, invalid, missing, unconfigured)"
    );
    assert_eq!(
        err("dup:perhaps").0,
        "bad dup value \"perhaps\" at 5 (use yes or no)"
    );
    assert_eq!(err("id:x").1, 4);
    assert!(err("id:..").0.starts_with("bad id"));
    assert!(
        err("id:20..10")
            .0
            .starts_with("empty id range \"20..10\" at 4")
    );
    assert_eq!(
        err("header:=json").0,
        "empty header name at 8 (use header:NAME or header:NAME=VALUE)"
    );
    assert_eq!(err("header:content-type=").1, 21);
}

#[test]
fn error_pointer_marks_the_column() {
    let e = parse("method:GET )").unwrap_err();
    assert_eq!(e.pointer("method:GET )"), "method:GET )\n           ^");
}

#[test]
fn help_fits_and_its_examples_parse() {
    for line in FILTER_HELP.lines() {
        assert!(line.chars().count() <= 78, "{line}");
    }
    for field in FIELDS {
        assert!(FILTER_HELP.contains(&format!("{field}:")), "{field}");
    }
    let examples = FILTER_HELP.split_once("Examples:\n").unwrap().1;
    for example in examples.lines() {
        parse(example.trim()).unwrap_or_else(|e| panic!("{example}: {e}"));
    }
}

#[test]
fn nesting_is_capped_without_recursion_trouble() {
    let ok = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(parse(&ok).is_ok());
    let too_deep = format!(
        "{}a{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert_eq!(
        err(&too_deep),
        ("parentheses nested deeper than 64 at 65".into(), 65)
    );
    assert!(parse(&"(".repeat(1_000_000)).is_err());
    assert!(parse(&"!(".repeat(100_000)).is_err());
    // Runs of `!` and long chains are loops, not recursion.
    assert_eq!(root(&format!("{}a", "!".repeat(1_000_000))), root("a"));
    let chain = vec!["method:GET"; 100_000].join(" | ");
    assert!(parse(&chain).unwrap().matches(&subject(&get_with_query())));
}

proptest! {
    #[test]
    fn parse_never_panics(input in any::<String>()) {
        let _ = parse(&input);
    }

    #[test]
    fn filter_like_input_never_panics(input in r#"[a-z:()!&|"\\ *?<>=.0-9xX-]{0,80}"#) {
        match parse(&input) {
            Ok(f) => {
                for req in [pingara(), get_with_query(), github_push(), github_pr()] {
                    let _ = f.matches(&subject(&req));
                }
            }
            Err(e) => prop_assert!(e.position >= 1 && e.position <= input.chars().count() + 1, "{e}"),
        }
    }

    #[test]
    fn deep_nesting_is_an_error(depth in (MAX_DEPTH + 1)..20_000usize, closed in any::<bool>()) {
        let close = if closed { ")".repeat(depth) } else { String::new() };
        let input = format!("{}method:GET{close}", "(".repeat(depth));
        let e = parse(&input).unwrap_err();
        prop_assert_eq!(e.position, MAX_DEPTH + 1);
        prop_assert!(e.message.contains("nested deeper"));
    }
}
