//! Tokens to a tree, by recursive descent (grammar in `mod.rs`).
//!
//! Recursion happens only at `(`, and each `(` counts against
//! [`MAX_DEPTH`]; runs of `!` and chains of `&`/`|` are loops. So the stack
//! stays small whatever the input, and the work is linear in its length.

use super::eval::Expr;
use super::lex::{Tok, Token, lex};
use super::term::term;
use super::{FilterError, MAX_DEPTH};

/// `None` for blank input (match everything).
pub(super) fn parse(input: &str) -> Result<Option<Expr>, FilterError> {
    let tokens = lex(input)?;
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut parser = Parser {
        tokens,
        next: 0,
        end: input.chars().count() + 1,
    };
    let expr = parser.or(0)?;
    // `and` consumes `&` and every token that can start a term, `or` every
    // `|`: only a `)` without its `(` can be left over.
    match parser.peek() {
        None => Ok(Some(expr)),
        Some(t) if t.tok == Tok::RParen => Err(FilterError::new("unmatched \")\"", t.pos)),
        Some(t) => Err(FilterError::new(
            format!("unexpected {}", t.describe()),
            t.pos,
        )),
    }
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// The column one past the input, for "ran out" errors.
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn peek_tok(&self) -> Option<&Tok> {
        self.peek().map(|t| &t.tok)
    }

    fn starts_term(&self) -> bool {
        matches!(self.peek_tok(), Some(Tok::Word(_) | Tok::Not | Tok::LParen))
    }

    /// After the operator `op`, a term must follow.
    fn expect_term_after(&self, op: &str) -> Result<(), FilterError> {
        if self.starts_term() {
            return Ok(());
        }
        let (found, pos) = match self.peek() {
            Some(t) => (t.describe(), t.pos),
            None => ("end of input".to_owned(), self.end),
        };
        Err(FilterError::new(
            format!("expected a term after \"{op}\", found {found}"),
            pos,
        ))
    }

    fn or(&mut self, depth: usize) -> Result<Expr, FilterError> {
        let mut any = vec![self.and(depth)?];
        while self.peek_tok() == Some(&Tok::Or) {
            self.next += 1;
            self.expect_term_after("|")?;
            any.push(self.and(depth)?);
        }
        Ok(flatten(any, Expr::Or))
    }

    fn and(&mut self, depth: usize) -> Result<Expr, FilterError> {
        let mut all = vec![self.unary(depth)?];
        loop {
            if self.peek_tok() == Some(&Tok::And) {
                self.next += 1;
                self.expect_term_after("&")?;
            } else if !self.starts_term() {
                break;
            }
            all.push(self.unary(depth)?);
        }
        Ok(flatten(all, Expr::And))
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, FilterError> {
        let mut negated = false;
        while self.peek_tok() == Some(&Tok::Not) {
            negated = !negated;
            self.next += 1;
            self.expect_term_after("!")?;
        }
        let expr = self.primary(depth)?;
        Ok(if negated {
            Expr::Not(Box::new(expr))
        } else {
            expr
        })
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, FilterError> {
        let Some(token) = self.tokens.get(self.next) else {
            return Err(FilterError::new(
                "expected a term, found end of input",
                self.end,
            ));
        };
        let pos = token.pos;
        match &token.tok {
            Tok::Word(word) => {
                let word = word.clone();
                self.next += 1;
                Ok(Expr::Term(term(word, pos)?))
            }
            Tok::LParen => {
                if depth >= MAX_DEPTH {
                    return Err(FilterError::new(
                        format!("parentheses nested deeper than {MAX_DEPTH}"),
                        pos,
                    ));
                }
                self.next += 1;
                if self.peek_tok() == Some(&Tok::RParen) {
                    return Err(FilterError::new("empty parentheses", pos));
                }
                if self.peek().is_none() {
                    return Err(FilterError::new("unclosed \"(\"", pos));
                }
                let inner = self.or(depth + 1)?;
                if self.peek_tok() != Some(&Tok::RParen) {
                    return Err(FilterError::new("unclosed \"(\"", pos));
                }
                self.next += 1;
                Ok(inner)
            }
            Tok::RParen => Err(FilterError::new("unmatched \")\"", pos)),
            Tok::And | Tok::Or | Tok::Not => Err(FilterError::new(
                format!("expected a term, found {}", token.describe()),
                pos,
            )),
        }
    }
}

/// One item stays itself; several become the list node.
fn flatten(mut items: Vec<Expr>, node: fn(Vec<Expr>) -> Expr) -> Expr {
    if items.len() == 1 {
        items.remove(0)
    } else {
        node(items)
    }
}
