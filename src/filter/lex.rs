//! Characters to tokens: `(`, `)`, `!`, `&`, `|` and words.
//!
//! A word runs until whitespace, a parenthesis, `&` or `|`. Inside it, the
//! first unquoted `:` splits field from value (later colons belong to the
//! value, as in `since:2026-11-29T10:00:00Z`). `"..."` segments may hold
//! spaces and operators; `\"` and `\\` escape inside them. `!` is an operator
//! only where a term starts (`body:hi!` keeps its `!`). `&&` and `||` are
//! accepted as `&` and `|`.

use super::FilterError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    LParen,
    RParen,
    Not,
    And,
    Or,
    Word(Word),
}

/// A term as written: `field:value`, or a bare word when `field` is `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Word {
    pub field: Option<String>,
    /// Unquoted and unescaped.
    pub value: String,
    /// Column where the value starts (the column after `:`).
    pub value_pos: usize,
}

/// A token and its 1-based character column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Token {
    pub tok: Tok,
    pub pos: usize,
}

impl Token {
    /// How error messages name what was found.
    pub fn describe(&self) -> String {
        match &self.tok {
            Tok::LParen => "\"(\"".into(),
            Tok::RParen => "\")\"".into(),
            Tok::Not => "\"!\"".into(),
            Tok::And => "\"&\"".into(),
            Tok::Or => "\"|\"".into(),
            Tok::Word(_) => "a term".into(),
        }
    }
}

fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '&' | '|')
}

pub(super) fn lex(input: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let pos = i + 1;
        let single = |tok| Token { tok, pos };
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(single(Tok::LParen));
                i += 1;
            }
            ')' => {
                tokens.push(single(Tok::RParen));
                i += 1;
            }
            '!' => {
                tokens.push(single(Tok::Not));
                i += 1;
            }
            '&' | '|' => {
                tokens.push(single(if c == '&' { Tok::And } else { Tok::Or }));
                // `&&` and `||` read as one operator.
                i += if chars.get(i + 1) == Some(&c) { 2 } else { 1 };
            }
            _ => {
                let (word, next) = word(&chars, i)?;
                tokens.push(single(Tok::Word(word)));
                i = next;
            }
        }
    }
    Ok(tokens)
}

/// Read the word starting at `start` (not a delimiter); returns it and the
/// index after it.
fn word(chars: &[char], start: usize) -> Result<(Word, usize), FilterError> {
    let mut buf = String::new();
    let mut field = None;
    let mut value_pos = start + 1;
    let mut quoted = false;
    let mut i = start;
    while let Some(&c) = chars.get(i) {
        if ends_word(c) {
            break;
        }
        match c {
            '"' => {
                quoted = true;
                i = quoted_segment(chars, i, &mut buf)?;
            }
            ':' if field.is_none() && !quoted => {
                field = Some(std::mem::take(&mut buf));
                value_pos = i + 2;
                i += 1;
            }
            _ => {
                buf.push(c);
                i += 1;
            }
        }
    }
    let word = Word {
        field,
        value: buf,
        value_pos,
    };
    Ok((word, i))
}

/// Append the quoted segment opening at `open` to `buf`; returns the index
/// after its closing quote.
fn quoted_segment(chars: &[char], open: usize, buf: &mut String) -> Result<usize, FilterError> {
    let mut i = open + 1;
    loop {
        match chars.get(i) {
            None => {
                return Err(
                    FilterError::new("unterminated quote", open + 1).hint("close it with \"")
                );
            }
            Some('"') => return Ok(i + 1),
            Some('\\') if matches!(chars.get(i + 1), Some('"' | '\\')) => {
                buf.push(chars[i + 1]);
                i += 2;
            }
            Some(&c) => {
                buf.push(c);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(input: &str) -> Vec<(Option<String>, String, usize)> {
        lex(input)
            .unwrap()
            .into_iter()
            .filter_map(|t| match t.tok {
                Tok::Word(w) => Some((w.field, w.value, w.value_pos)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn operators_and_positions() {
        let toks: Vec<(Tok, usize)> = lex("!(a)&&b || c")
            .unwrap()
            .into_iter()
            .map(|t| (t.tok, t.pos))
            .collect();
        let kinds: Vec<&Tok> = toks.iter().map(|(t, _)| t).collect();
        assert!(matches!(
            kinds[..],
            [
                Tok::Not,
                Tok::LParen,
                Tok::Word(_),
                Tok::RParen,
                Tok::And,
                Tok::Word(_),
                Tok::Or,
                Tok::Word(_)
            ]
        ));
        let positions: Vec<usize> = toks.iter().map(|(_, p)| *p).collect();
        assert_eq!(positions, [1, 2, 3, 4, 5, 7, 9, 12]);
    }

    #[test]
    fn fields_values_and_quotes() {
        assert_eq!(
            words("method:POST"),
            [(Some("method".into()), "POST".into(), 8)]
        );
        assert_eq!(
            words("since:2026-11-29T10:00:00Z")[0].1,
            "2026-11-29T10:00:00Z"
        );
        assert_eq!(words(r#"body:"timeout after""#)[0].1, "timeout after");
        assert_eq!(
            words(r#"body:"say \"hi\" \\ (x) | y""#)[0].1,
            r#"say "hi" \ (x) | y"#
        );
        assert_eq!(
            words(r#"header:content-type="a; b""#)[0].1,
            "content-type=a; b"
        );
        assert_eq!(words(r#""a:b""#), [(None, "a:b".into(), 1)]);
        assert_eq!(words("body:hi!"), [(Some("body".into()), "hi!".into(), 6)]);
        assert_eq!(
            words("é method:x")[1],
            (Some("method".into()), "x".into(), 10)
        );
    }

    #[test]
    fn unterminated_quote_points_at_the_quote() {
        let err = lex(r#"method:GET body:"abc"#).unwrap_err();
        assert_eq!(
            (err.message.as_str(), err.position),
            ("unterminated quote", 17)
        );
    }
}
