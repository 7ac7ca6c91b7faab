//! The JSON scanner: one pass over the raw text that checks the grammar
//! (RFC 8259) and writes the indented form, copying every token verbatim.
//! Iterative with an explicit stack, so nesting depth costs heap, not stack.
//! Once the output would pass its budget it stops writing and only checks.

use super::json::{JsonError, Pretty, Token, TokensError, char_column};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    Object,
    Array,
}

/// What the scanner may see next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value: at the top, or after `:`.
    Value,
    /// Right after `[`: a value or `]`.
    FirstElement,
    /// After `,` in an array.
    Element,
    /// Right after `{`: a key or `}`.
    FirstKey,
    /// After `,` in an object.
    Key,
    Colon,
    CommaOrClose,
    /// The top-level value is complete; only whitespace may follow.
    End,
}

const SPACES: &str = "                                                                ";

pub(super) struct Scanner<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    out: String,
    budget: usize,
    writing: bool,
    stack: Vec<Container>,
    /// When reading tokens: the tokens so far and how many values may come.
    tokens: Option<(Vec<Token<'a>>, usize)>,
    too_many: bool,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(src: &'a str, budget: usize) -> Self {
        Scanner {
            src,
            b: src.as_bytes(),
            pos: 0,
            out: String::with_capacity((src.len() + src.len() / 2).min(budget)),
            budget,
            writing: true,
            stack: Vec::new(),
            tokens: None,
            too_many: false,
        }
    }

    /// A scanner that writes nothing and records the tokens instead.
    pub(super) fn tokens(src: &'a str, max_values: usize) -> Self {
        let mut scanner = Scanner::new(src, 0);
        scanner.writing = false;
        scanner.tokens = Some((Vec::new(), max_values));
        scanner
    }

    pub(super) fn run_tokens(mut self) -> Result<Vec<Token<'a>>, TokensError> {
        let max = self.tokens.as_ref().map_or(0, |(_, max)| *max);
        let mut slot = None;
        self.run_with(&mut slot)?;
        if self.too_many {
            return Err(TokensError::TooMany(max));
        }
        Ok(slot.unwrap_or_default())
    }

    fn token(&mut self, token: Token<'a>) {
        let Some((tokens, max)) = &mut self.tokens else {
            return;
        };
        if matches!(token, Token::Open { .. } | Token::Scalar(_)) {
            if *max == 0 {
                self.too_many = true;
                return;
            }
            *max -= 1;
        }
        if !self.too_many {
            tokens.push(token);
        }
    }

    pub(super) fn run(mut self) -> Result<Pretty, JsonError> {
        self.run_with(&mut None)?;
        Ok(self.finish())
    }

    /// Check the whole text, writing and recording as set up; the recorded
    /// tokens end in `tokens`.
    fn run_with(&mut self, tokens: &mut Option<Vec<Token<'a>>>) -> Result<(), JsonError> {
        let mut expect = Expect::Value;
        loop {
            self.skip_ws();
            let Some(&c) = self.b.get(self.pos) else {
                return if expect == Expect::End {
                    *tokens = self.tokens.take().map(|(t, _)| t);
                    Ok(())
                } else {
                    Err(self.eof_error(expect))
                };
            };
            expect = match expect {
                Expect::End => return Err(self.error("trailing characters")),
                Expect::Value => self.value(c)?,
                Expect::FirstElement if c == b']' => self.close(),
                Expect::FirstElement => {
                    self.newline();
                    self.value(c)?
                }
                Expect::Element if c == b']' => return Err(self.error("trailing comma")),
                Expect::Element => self.value(c)?,
                Expect::FirstKey if c == b'}' => self.close(),
                Expect::Key if c == b'}' => return Err(self.error("trailing comma")),
                Expect::FirstKey | Expect::Key => {
                    if c != b'"' {
                        return Err(self.error("key must be a string"));
                    }
                    if expect == Expect::FirstKey {
                        self.newline();
                    }
                    let key = self.string()?;
                    self.token(Token::Key(key));
                    Expect::Colon
                }
                Expect::Colon => {
                    if c != b':' {
                        return Err(self.error("expected `:`"));
                    }
                    self.pos += 1;
                    self.emit(": ");
                    Expect::Value
                }
                Expect::CommaOrClose => self.comma_or_close(c)?,
            };
        }
    }

    fn comma_or_close(&mut self, c: u8) -> Result<Expect, JsonError> {
        let top = self.stack.last().copied();
        match (c, top) {
            (b',', Some(container)) => {
                self.pos += 1;
                self.emit(",");
                self.newline();
                Ok(if container == Container::Array {
                    Expect::Element
                } else {
                    Expect::Key
                })
            }
            (b']', Some(Container::Array)) | (b'}', Some(Container::Object)) => {
                self.newline_at(self.stack.len() - 1);
                Ok(self.close())
            }
            (_, Some(Container::Object)) => Err(self.error("expected `,` or `}`")),
            (_, _) => Err(self.error("expected `,` or `]`")),
        }
    }

    /// Consume the closing bracket of the innermost container.
    fn close(&mut self) -> Expect {
        self.pos += 1;
        self.token(Token::Close);
        match self.stack.pop() {
            Some(Container::Object) => self.emit("}"),
            _ => self.emit("]"),
        }
        self.after_value()
    }

    fn after_value(&self) -> Expect {
        if self.stack.is_empty() {
            Expect::End
        } else {
            Expect::CommaOrClose
        }
    }

    fn value(&mut self, c: u8) -> Result<Expect, JsonError> {
        match c {
            b'{' | b'[' => {
                self.pos += 1;
                self.token(Token::Open { object: c == b'{' });
                if c == b'{' {
                    self.stack.push(Container::Object);
                    self.emit("{");
                    Ok(Expect::FirstKey)
                } else {
                    self.stack.push(Container::Array);
                    self.emit("[");
                    Ok(Expect::FirstElement)
                }
            }
            b'"' => {
                let raw = self.string()?;
                self.token(Token::Scalar(raw));
                Ok(self.after_value())
            }
            b'-' | b'0'..=b'9' => {
                let raw = self.number()?;
                self.token(Token::Scalar(raw));
                Ok(self.after_value())
            }
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => Err(self.error("expected value")),
        }
    }

    fn literal(&mut self, word: &'static str) -> Result<Expect, JsonError> {
        let rest = &self.b[self.pos..];
        if rest.starts_with(word.as_bytes()) {
            self.pos += word.len();
            self.emit(word);
            self.token(Token::Scalar(word));
            return Ok(self.after_value());
        }
        let same = rest
            .iter()
            .zip(word.as_bytes())
            .take_while(|(a, b)| a == b)
            .count();
        self.pos += same;
        if self.pos >= self.b.len() {
            Err(self.eof_error(Expect::Value))
        } else {
            Err(self.error("expected ident"))
        }
    }

    /// A string token, checked; its raw text (quotes included) comes back.
    fn string(&mut self) -> Result<&'a str, JsonError> {
        let start = self.pos;
        self.pos += 1;
        loop {
            let Some(&c) = self.b.get(self.pos) else {
                return Err(self.eof("EOF while parsing a string"));
            };
            match c {
                b'"' => break,
                b'\\' => {
                    self.pos += 1;
                    match self.b.get(self.pos) {
                        None => return Err(self.eof("EOF while parsing a string")),
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                        Some(b'u') => {
                            for _ in 0..4 {
                                self.pos += 1;
                                match self.b.get(self.pos) {
                                    None => return Err(self.eof("EOF while parsing a string")),
                                    Some(h) if h.is_ascii_hexdigit() => {}
                                    Some(_) => return Err(self.error("invalid escape")),
                                }
                            }
                        }
                        Some(_) => return Err(self.error("invalid escape")),
                    }
                }
                0x00..=0x1f => {
                    return Err(self.error(
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ));
                }
                _ => {}
            }
            self.pos += 1;
        }
        self.pos += 1;
        let src = self.src;
        self.emit(&src[start..self.pos]);
        Ok(&src[start..self.pos])
    }

    /// A number token, checked; its raw text comes back.
    fn number(&mut self) -> Result<&'a str, JsonError> {
        let start = self.pos;
        if self.b[self.pos] == b'-' {
            self.pos += 1;
        }
        match self.b.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.number_error()),
        }
        if self.b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !self.b.get(self.pos).is_some_and(u8::is_ascii_digit) {
                return Err(self.number_error());
            }
            self.digits();
        }
        if matches!(self.b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.b.get(self.pos).is_some_and(u8::is_ascii_digit) {
                return Err(self.number_error());
            }
            self.digits();
        }
        let src = self.src;
        self.emit(&src[start..self.pos]);
        Ok(&src[start..self.pos])
    }

    fn digits(&mut self) {
        while self.b.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
    }

    fn number_error(&self) -> JsonError {
        if self.pos >= self.b.len() {
            self.eof("EOF while parsing a value")
        } else {
            self.error("invalid number")
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.b.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn emit(&mut self, s: &str) {
        if self.writing {
            if self.out.len() + s.len() > self.budget {
                self.writing = false;
                self.out = String::new();
            } else {
                self.out.push_str(s);
            }
        }
    }

    /// A line break and the indent for the current depth.
    fn newline(&mut self) {
        self.newline_at(self.stack.len());
    }

    fn newline_at(&mut self, depth: usize) {
        if !self.writing {
            return;
        }
        let mut width = depth * 2;
        if self.out.len() + 1 + width > self.budget {
            self.writing = false;
            self.out = String::new();
            return;
        }
        self.out.push('\n');
        while width > 0 {
            let n = width.min(SPACES.len());
            self.out.push_str(&SPACES[..n]);
            width -= n;
        }
    }

    fn finish(self) -> Pretty {
        if self.writing {
            Pretty {
                text: self.out,
                indented: true,
            }
        } else {
            Pretty {
                text: self.src.trim_matches([' ', '\t', '\n', '\r']).to_string(),
                indented: false,
            }
        }
    }

    fn eof_error(&self, expect: Expect) -> JsonError {
        let message = match (expect, self.stack.last()) {
            (Expect::Value | Expect::Element, _) | (_, None) => "EOF while parsing a value",
            (_, Some(Container::Array)) => "EOF while parsing a list",
            (_, Some(Container::Object)) => "EOF while parsing an object",
        };
        self.eof(message)
    }

    /// An error at the end of the text.
    fn eof(&self, message: &str) -> JsonError {
        self.error_ending_at(self.b.len(), message)
    }

    /// An error at the current byte.
    fn error(&self, message: &str) -> JsonError {
        self.error_ending_at((self.pos + 1).min(self.b.len()), message)
    }

    /// An error whose column counts the characters of its line up to `end`.
    fn error_ending_at(&self, end: usize, message: &str) -> JsonError {
        JsonError {
            message: message.to_string(),
            line: 1 + self.b[..end].iter().filter(|&&c| c == b'\n').count(),
            column: char_column(self.src, end),
        }
    }
}
