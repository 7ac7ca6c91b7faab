//! `application/x-www-form-urlencoded`: `a=1&b=two+words&c=%E2%9C%93`.

use super::charset::{self, Charset};

/// Key/value pairs in order, percent-decoded (`+` is a space), decoded by the
/// charset. At most `max_fields`; the count of all fields comes back too.
pub(crate) fn parse(
    bytes: &[u8],
    charset: Charset,
    max_fields: usize,
) -> (Vec<(String, String)>, usize, bool) {
    let mut fields = Vec::new();
    let mut total = 0;
    let mut replaced = false;
    for pair in bytes.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        total += 1;
        if fields.len() >= max_fields {
            continue;
        }
        let (key, value) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let mut text = |raw: &[u8]| {
            let bytes = percent_decode(raw);
            let (s, lossy) = charset::decode_quiet(&bytes, charset);
            replaced |= lossy;
            s.into_owned()
        };
        let key = text(key);
        let value = text(value);
        fields.push((key, value));
    }
    (fields, total, replaced)
}

/// Percent-decode with `+` as a space (forms, query strings). A `%` not
/// followed by two hex digits is kept as it is.
pub(crate) fn percent_decode(raw: &[u8]) -> Vec<u8> {
    percent_decode_with(raw, true)
}

/// Percent-decode; `+` is a space only in forms (not in RFC 5987 `filename*`,
/// nor in URL user info). The decoding itself is the `percent-encoding`
/// crate's; `+` is swapped first, so an encoded `%2B` stays a plus.
pub(crate) fn percent_decode_with(raw: &[u8], plus_is_space: bool) -> Vec<u8> {
    if plus_is_space && raw.contains(&b'+') {
        let spaced: Vec<u8> = raw
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        return percent_encoding::percent_decode(&spaced).collect();
    }
    percent_encoding::percent_decode(raw).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(raw: &str) -> Vec<(String, String)> {
        parse(raw.as_bytes(), Charset::Utf8, 100).0
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn percent_and_plus() {
        assert_eq!(
            fields(
                "name=Jane+Doe&email=jane%40example.com&msg=caf%C3%A9+%26+cr%C3%A8me%3D%2B1&check=%E2%9C%93"
            ),
            pairs(&[
                ("name", "Jane Doe"),
                ("email", "jane@example.com"),
                ("msg", "café & crème=+1"),
                ("check", "✓")
            ])
        );
    }

    #[test]
    fn keys_without_values_empty_pairs_and_repeats() {
        assert_eq!(
            fields("flag&&a=1&a=2&=empty-key&b="),
            pairs(&[
                ("flag", ""),
                ("a", "1"),
                ("a", "2"),
                ("", "empty-key"),
                ("b", "")
            ])
        );
    }

    #[test]
    fn malformed_percent_is_kept() {
        assert_eq!(
            fields("a=100%&b=%zz%4&c=%4a"),
            pairs(&[("a", "100%"), ("b", "%zz%4"), ("c", "J")])
        );
    }

    #[test]
    fn latin1_form_and_invalid_utf8() {
        let (f, _, replaced) = parse(b"n=caf%E9", Charset::Latin1, 10);
        assert_eq!(f, pairs(&[("n", "café")]));
        assert!(!replaced);
        let (f, _, replaced) = parse(b"n=caf%E9", Charset::Utf8, 10);
        assert_eq!(f, pairs(&[("n", "caf\u{fffd}")]));
        assert!(replaced);
    }

    #[test]
    fn field_cap() {
        let (f, total, _) = parse(b"a=1&b=2&c=3", Charset::Utf8, 2);
        assert_eq!((f.len(), total), (2, 3));
    }
}
