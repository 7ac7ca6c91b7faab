//! Media types and header parameters: `type/subtype; key=value; key="quoted"`.
//!
//! The same shape serves `Content-Type` and a multipart part's
//! `Content-Disposition` (`form-data; name="f"; filename="a.txt"`).

/// What a body's media type says to do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Json,
    Form,
    Multipart,
    Xml,
    Html,
    Text,
    /// A type we have no special view for: text if it looks like text, else hex.
    Other,
}

/// A parsed `Content-Type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MediaType {
    /// `type/subtype`, trimmed and lowercased.
    pub essence: String,
    /// Parameters in order; names lowercased, values unquoted.
    pub params: Vec<(String, String)>,
}

impl MediaType {
    pub fn parse(value: &str) -> MediaType {
        let (essence, params) = parse_params(value);
        MediaType {
            essence: essence.to_ascii_lowercase(),
            params,
        }
    }

    /// The first parameter with this (lowercase) name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `charset` parameter, trimmed, when it is not empty.
    pub fn charset(&self) -> Option<&str> {
        self.param("charset")
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    pub fn kind(&self) -> Kind {
        let e = self.essence.as_str();
        if matches!(e, "application/json" | "text/json" | "application/x-json")
            || e.ends_with("+json")
        {
            Kind::Json
        } else if e == "application/x-www-form-urlencoded" {
            Kind::Form
        } else if e.starts_with("multipart/") {
            Kind::Multipart
        } else if matches!(e, "text/html" | "application/xhtml+xml") {
            Kind::Html
        } else if matches!(e, "application/xml" | "text/xml") || e.ends_with("+xml") {
            Kind::Xml
        } else if e.starts_with("text/") {
            Kind::Text
        } else {
            Kind::Other
        }
    }
}

/// Is this media type one whose body is meant to be read as text?
pub(crate) fn is_textual(content_type: &str) -> bool {
    !matches!(
        MediaType::parse(content_type).kind(),
        Kind::Other | Kind::Multipart
    )
}

/// Split `token; a=b; c="d;e"` into the leading token (trimmed) and its
/// parameters. Quoted values may hold `;` and backslash escapes; an unclosed
/// quote runs to the end. Never fails: odd input gives odd but bounded output.
pub(crate) fn parse_params(value: &str) -> (String, Vec<(String, String)>) {
    let (head, mut rest) = match value.find(';') {
        Some(i) => (&value[..i], &value[i + 1..]),
        None => (value, ""),
    };
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c == ';' || c.is_whitespace());
        if rest.is_empty() {
            break;
        }
        let name_end = rest.find(['=', ';']).unwrap_or(rest.len());
        let name = rest[..name_end].trim().to_ascii_lowercase();
        rest = &rest[name_end..];
        let value = if let Some(after_eq) = rest.strip_prefix('=') {
            let after_eq = after_eq.trim_start();
            if let Some(quoted) = after_eq.strip_prefix('"') {
                let (v, used) = unquote(quoted);
                rest = &quoted[used..];
                v
            } else {
                let end = after_eq.find(';').unwrap_or(after_eq.len());
                rest = &after_eq[end..];
                after_eq[..end].trim().to_string()
            }
        } else {
            String::new()
        };
        if !name.is_empty() {
            params.push((name, value));
        }
    }
    (head.trim().to_string(), params)
}

/// Read a quoted string (opening quote already consumed): the value and how
/// many bytes of `s` it used, closing quote included.
fn unquote(s: &str) -> (String, usize) {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, i + 1),
            '\\' => match chars.next() {
                Some((_, escaped)) => out.push(escaped),
                None => return (out, s.len()),
            },
            _ => out.push(c),
        }
    }
    (out, s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_any_case_quoted_or_not() {
        let m = MediaType::parse("Text/HTML; Charset=\"ISO-8859-1\"");
        assert_eq!(m.essence, "text/html");
        assert_eq!(m.charset(), Some("ISO-8859-1"));
        assert_eq!(
            MediaType::parse("text/plain;charset=utf-8").charset(),
            Some("utf-8")
        );
        assert_eq!(MediaType::parse("text/plain; charset=").charset(), None);
    }

    #[test]
    fn quoted_values_keep_semicolons_and_escapes() {
        let (head, params) = parse_params(r#"form-data; name="a;b"; filename="say \"hi\".txt""#);
        assert_eq!(head, "form-data");
        assert_eq!(
            params,
            vec![
                ("name".into(), "a;b".into()),
                ("filename".into(), "say \"hi\".txt".into())
            ]
        );
    }

    #[test]
    fn odd_input_is_bounded() {
        let (_, params) = parse_params(";;; =x; flag; q=\"unclosed");
        assert_eq!(
            params,
            vec![
                ("flag".into(), String::new()),
                ("q".into(), "unclosed".into())
            ]
        );
        assert_eq!(MediaType::parse("").kind(), Kind::Other);
    }

    #[test]
    fn kinds() {
        let kind = |s: &str| MediaType::parse(s).kind();
        assert_eq!(kind("application/json; charset=utf-8"), Kind::Json);
        assert_eq!(kind("application/vnd.github+json"), Kind::Json);
        assert_eq!(kind("application/x-www-form-urlencoded"), Kind::Form);
        assert_eq!(kind("multipart/form-data; boundary=x"), Kind::Multipart);
        assert_eq!(kind("application/soap+xml"), Kind::Xml);
        assert_eq!(kind("text/xml"), Kind::Xml);
        assert_eq!(kind("text/html"), Kind::Html);
        assert_eq!(kind("text/csv"), Kind::Text);
        assert_eq!(kind("application/octet-stream"), Kind::Other);
    }
}
