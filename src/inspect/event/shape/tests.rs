use super::*;
use serde_json::json;

#[test]
fn check_reports_each_kind_of_problem() {
    let v = json!({"a": "x", "n": null, "t": "yesterday", "s": ["a", 1]});
    let obj = v.as_object().unwrap();
    let mut s = Shape::default();
    assert!(s.req(obj, "root.a", Want::Str).is_some());
    assert!(s.req(obj, "root.a", Want::Num).is_none());
    s.req(obj, "root.missing", Want::Str);
    s.req(obj, "root.n", Want::Str);
    assert!(s.nullable(obj, "root.n", Want::Str).is_none());
    s.opt(obj, "root.t", Want::Time);
    s.opt(obj, "root.absent", Want::Time);
    s.req(obj, "root.s", Want::StrArr);
    assert_eq!(
        s.into_problems(),
        vec![
            "wrong type `root.a`: expected number, got string",
            "missing field `root.missing`",
            "null field `root.n`: expected string",
            "invalid timestamp `root.t`: \"yesterday\" is not RFC 3339 (like 2024-01-15T14:32:05.000Z)",
            "wrong type `root.s[1]`: expected string, got number",
        ]
    );
}

#[test]
fn problems_are_capped() {
    let mut s = Shape::default();
    for i in 0..100 {
        s.push(format!("p{i}"));
    }
    let p = s.into_problems();
    assert_eq!(p.len(), MAX_PROBLEMS + 1);
    assert_eq!(p.last().unwrap(), "… and 60 more problems");
}

#[test]
fn clip_truncates_and_sanitizes() {
    assert_eq!(clip("abc", 5), "abc");
    assert_eq!(clip("abcdef", 3), "abc…");
    assert_eq!(clip("a\x1b[2Jb", 10), "a\\x1b[2Jb");
    assert_eq!(clip("ab\x1b", 4), "ab…");
    assert_eq!(clip(&"é".repeat(500), 200).chars().count(), 201);
}

#[test]
fn summary_skips_empty_parts_and_is_one_line() {
    assert_eq!(summary(&["a", "", "b\nc"]), "a · b\\nc");
    assert!(summary(&["x".repeat(1000)]).chars().count() <= SUMMARY_MAX + 1);
}

#[test]
fn durations_read_like_people_write_them() {
    assert_eq!(duration_text(45.0), "45s");
    assert_eq!(duration_text(720.0), "12m 0s");
    assert_eq!(duration_text(3725.0), "1h 2m 5s");
    assert_eq!(duration_text(1e300), "277777777777h 46m 40s");
}

#[test]
fn long_keys_stay_distinct_and_bounded() {
    let a = "x".repeat(10_000);
    let b = format!("{}y", "x".repeat(9_999));
    let (ka, kb) = (
        bounded_key(Cow::Borrowed(&a)),
        bounded_key(Cow::Borrowed(&b)),
    );
    assert_ne!(ka, kb);
    assert!(ka.len() < 200);
    assert_eq!(bounded_key(Cow::Borrowed("short")), "short");
}
