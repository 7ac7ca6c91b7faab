use proptest::prelude::*;
use serde_json::Value;

use super::*;

fn pretty(raw: &str) -> String {
    match pretty_json(raw) {
        Ok(text) => text,
        Err(e) => panic!("{raw:?} should be valid: {e}"),
    }
}

fn err(raw: &str) -> JsonError {
    match pretty_json(raw) {
        Ok(text) => panic!("{raw:?} should be invalid, got {text:?}"),
        Err(e) => e,
    }
}

#[test]
fn nested() {
    let raw = r#"{"a":[1,2,{"b":null,"c":true}],"d":{"e":false}}"#;
    let want = r#"{
  "a": [
    1,
    2,
    {
      "b": null,
      "c": true
    }
  ],
  "d": {
    "e": false
  }
}"#;
    assert_eq!(pretty(raw), want);
}

#[test]
fn whitespace_is_normalised() {
    assert_eq!(pretty(" \r\n\t[ 1 ,\n\n 2 ]  \n"), "[\n  1,\n  2\n]");
}

#[test]
fn empty_containers() {
    assert_eq!(pretty("{}"), "{}");
    assert_eq!(pretty("[ ]"), "[]");
    assert_eq!(
        pretty(r#"{"a":{ },"b":[	],"c":[{}]}"#),
        "{\n  \"a\": {},\n  \"b\": [],\n  \"c\": [\n    {}\n  ]\n}"
    );
}

#[test]
fn strings_are_copied_verbatim() {
    let raw = r#"{"k{[":"v}], :\"q\" \\ \n \u00e9 \/ \u001b"}"#;
    assert_eq!(
        pretty(raw),
        "{\n  \"k{[\": \"v}], :\\\"q\\\" \\\\ \\n \\u00e9 \\/ \\u001b\"\n}"
    );
}

#[test]
fn numbers_keep_their_text() {
    let raw = "[12345678901234567890123,1.0e400,-0.0,1E+2,0.10000000000000000000001,-7]";
    let want = "[\n  12345678901234567890123,\n  1.0e400,\n  -0.0,\n  1E+2,\n  0.10000000000000000000001,\n  -7\n]";
    assert_eq!(pretty(raw), want);
}

#[test]
fn duplicate_keys_are_kept_in_order() {
    assert_eq!(
        pretty(r#"{"z":1,"a":2,"z":3}"#),
        "{\n  \"z\": 1,\n  \"a\": 2,\n  \"z\": 3\n}"
    );
}

#[test]
fn unicode() {
    assert_eq!(pretty(r#"{"ключ":"値 🎉"}"#), "{\n  \"ключ\": \"値 🎉\"\n}");
}

#[test]
fn top_level_scalars() {
    assert_eq!(pretty("  \"s\"  "), "\"s\"");
    assert_eq!(pretty("42"), "42");
    assert_eq!(pretty("null"), "null");
}

#[test]
fn invalid_json_has_line_and_column() {
    let e = err("[1,]");
    assert_eq!(
        (e.message.as_str(), e.line, e.column),
        ("trailing comma", 1, 4)
    );
    let e = err("{\n  \"a\": 1,\n  \"b\" 2\n}");
    assert_eq!(
        (e.message.as_str(), e.line, e.column),
        ("expected `:`", 3, 7)
    );
    assert_eq!(e.to_string(), "expected `:` at line 3 column 7");
    // Columns count characters, not bytes.
    let e = err("{\"é\": x}");
    assert_eq!((e.line, e.column), (1, 7));
    let e = err("{\"a\":1} x");
    assert_eq!(e.message, "trailing characters");
    let e = err("[1, 2");
    assert_eq!(
        (e.message.as_str(), e.line, e.column),
        ("EOF while parsing a list", 1, 5)
    );
    let e = err("");
    assert_eq!(e.message, "EOF while parsing a value");
}

#[test]
fn deep_nesting_does_not_overflow() {
    let open = "[".repeat(100_000);
    let e = err(&open);
    assert_eq!(
        (e.message.as_str(), e.line, e.column),
        ("EOF while parsing a list", 1, 100_000)
    );

    // Valid and deep: checked by our scanner, and too deep to indent in budget.
    let deep = format!("{open}{}", "]".repeat(100_000));
    let p = format(&deep).map_err(|e| e.to_string());
    let p = p.as_ref().map(|p| (p.indented, p.text.len()));
    assert_eq!(p, Ok((false, 200_000)));

    let bad = format!("{open}1,]{}", "]".repeat(99_999));
    let e = err(&bad);
    assert_eq!((e.message.as_str(), e.column), ("trailing comma", 100_003));
}

#[test]
fn past_serde_depth_is_still_indented() {
    let depth = 200;
    let raw = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let mut want = String::new();
    for i in 0..depth - 1 {
        want.push('[');
        want.push('\n');
        want.push_str(&"  ".repeat(i + 1));
    }
    want.push_str("[]");
    for i in (0..depth - 1).rev() {
        want.push('\n');
        want.push_str(&"  ".repeat(i));
        want.push(']');
    }
    assert_eq!(pretty(&raw), want);
    // And our own errors past that depth.
    let bad = format!("{}{{\"a\" 1}}{}", "[".repeat(depth), "]".repeat(depth));
    let e = err(&bad);
    assert_eq!((e.message.as_str(), e.column), ("expected `:`", depth + 6));
}

#[test]
fn over_budget_is_shown_as_sent() {
    let raw = "  {\"a\":[1,2,3]}\n";
    let p = format_with_budget(raw, 10).map_err(|e| e.to_string());
    let p = p.as_ref().map(|p| (p.indented, p.text.as_str()));
    assert_eq!(p, Ok((false, "{\"a\":[1,2,3]}")));
}

#[test]
fn five_megabytes_is_fine() {
    let item = r#"{"id":12345678901234567890,"name":"widget \"x\"","tags":["a","b"],"price":1.25,"ok":true}"#;
    let mut raw = String::from("[");
    while raw.len() < 5 << 20 {
        raw.push_str(item);
        raw.push(',');
    }
    raw.push_str("null]");
    let text = pretty(&raw);
    assert!(text.len() > raw.len());
    assert!(text.ends_with("\n  null\n]"));
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".*".prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(".{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    /// On anything serde_json can write, we indent exactly as serde_json does.
    #[test]
    fn matches_serde_pretty(v in arb_json()) {
        let compact = serde_json::to_string(&v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let want = serde_json::to_string_pretty(&v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(pretty_json(&compact), Ok(want));
    }

    /// Our scanner accepts exactly what serde_json accepts.
    #[test]
    fn scanner_agrees_with_serde(s in r#"[\[\]{}",:0-9eE.+\- tfrunlsa\\/u\n]{0,24}"#) {
        let ours = Scanner::new(&s, usize::MAX).run().is_ok();
        let theirs = serde_json::from_str::<serde::de::IgnoredAny>(&s).is_ok();
        prop_assert_eq!(ours, theirs, "{:?}", s);
    }

    #[test]
    fn never_panics(s in "\\PC{0,64}") {
        let _ = pretty_json(&s);
    }
}
