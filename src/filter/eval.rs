//! What a parsed filter is, and how it matches a [`Subject`].
//!
//! Text comparisons ignore case. A value with `*` or `?` is a glob over the
//! whole text; a plain value is a substring (path, query, header value) or
//! the whole text (method, provider, event), as [`Pat`] records.

use chrono::{DateTime, TimeDelta, Utc};

use super::Subject;
use super::glob::Glob;
use crate::model::RequestId;

/// The tree. `And`/`Or` are flat lists; nesting depth is capped by the parser,
/// so the recursion here is bounded.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Expr {
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Term(Term),
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Term {
    Method(Pat),
    Path(Pat),
    Query(Pat),
    /// A header whose name matches and, when given, whose value matches.
    Header {
        name: Pat,
        value: Option<Pat>,
    },
    /// Lowercased needle; the body is searched as lossy UTF-8.
    Body(String),
    /// A bare word: the target (path and query) or the body contains it.
    Word(String),
    Provider(Pat),
    Event(Pat),
    /// One of `valid`, `invalid`, `missing`, `unconfigured`.
    Auth(&'static str),
    Status(StatusPat),
    Dup(bool),
    /// How many problems the payload has (`has:problems` is `problems:>0`).
    Problems(Option<Cmp>, usize),
    Since(TimeSpec),
    Before(TimeSpec),
    /// Inclusive range.
    Id(RequestId, RequestId),
    /// The relay channel (exact or glob).
    Channel(Pat),
}

/// How a text value compares, case-insensitively.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Pat {
    /// The whole text, lowercased.
    Exact(String),
    /// The whole text, case and all.
    Same(String),
    /// Somewhere in the text, lowercased.
    Contains(String),
    Glob(Glob),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StatusPat {
    /// Not answered (yet): no response recorded.
    Unanswered,
    Is(u16),
    /// `4xx`: the hundreds digit.
    Class(u16),
    Compare(Cmp, u16),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TimeSpec {
    /// This long before `now`.
    Ago(TimeDelta),
    At(DateTime<Utc>),
}

impl Expr {
    pub fn eval(&self, s: &Subject<'_>) -> bool {
        match self {
            Expr::Not(e) => !e.eval(s),
            Expr::And(all) => all.iter().all(|e| e.eval(s)),
            Expr::Or(any) => any.iter().any(|e| e.eval(s)),
            Expr::Term(t) => t.eval(s),
        }
    }

    pub fn needs_body(&self) -> bool {
        self.any_term(&|t| matches!(t, Term::Body(_) | Term::Word(_)))
    }

    pub fn needs_inspection(&self) -> bool {
        self.any_term(&|t| {
            matches!(
                t,
                Term::Provider(_)
                    | Term::Event(_)
                    | Term::Auth(_)
                    | Term::Dup(_)
                    | Term::Problems(..)
            )
        })
    }

    fn any_term(&self, f: &dyn Fn(&Term) -> bool) -> bool {
        match self {
            Expr::Not(e) => e.any_term(f),
            Expr::And(es) | Expr::Or(es) => es.iter().any(|e| e.any_term(f)),
            Expr::Term(t) => f(t),
        }
    }
}

impl Term {
    fn eval(&self, s: &Subject<'_>) -> bool {
        let req = s.req;
        match self {
            Term::Method(p) => p.matches(&req.method),
            Term::Path(p) => p.matches(req.path()),
            Term::Query(p) => p.matches(req.query().unwrap_or("")),
            Term::Header { name, value } => req.headers.iter().any(|h| {
                name.matches(&h.name) && value.as_ref().is_none_or(|v| v.matches(&h.value_str()))
            }),
            Term::Body(needle) => contains_folded(s.body.unwrap_or(&req.body), needle),
            Term::Word(needle) => {
                contains_folded(req.target.as_bytes(), needle)
                    || contains_folded(s.body.unwrap_or(&req.body), needle)
            }
            Term::Provider(p) => s.provider.is_some_and(|v| p.matches(v)),
            Term::Event(p) => s.event_type.is_some_and(|kind| {
                p.matches(kind)
                    || s.event_action
                        .is_some_and(|action| p.matches(&format!("{kind}.{action}")))
            }),
            Term::Auth(verdict) => s.auth.is_some_and(|a| a.eq_ignore_ascii_case(verdict)),
            Term::Status(sp) => sp.matches(req.response.as_ref().map(|r| r.status)),
            Term::Dup(dup) => s.duplicate == *dup,
            Term::Problems(cmp, n) => cmp.map_or(s.problems == *n, |c| c.holds(s.problems, *n)),
            Term::Since(t) => req.received_at >= t.resolve(s.now),
            Term::Before(t) => req.received_at < t.resolve(s.now),
            Term::Id(lo, hi) => (*lo..=*hi).contains(&req.id),
            Term::Channel(p) => s.channel.is_some_and(|c| p.matches(c)),
        }
    }
}

impl Pat {
    /// A glob when the value has `*` or `?`, else a substring.
    pub fn contains_or_glob(value: &str) -> Self {
        if Glob::is_glob(value) {
            Pat::Glob(Glob::new(value))
        } else {
            Pat::Contains(value.to_lowercase())
        }
    }

    /// A glob when the value has `*` or `?`, else the whole text.
    pub fn exact_or_glob(value: &str) -> Self {
        if Glob::is_glob(value) {
            Pat::Glob(Glob::new(value))
        } else {
            Pat::Exact(value.chars().flat_map(char::to_lowercase).collect())
        }
    }

    /// A case-sensitive glob when the value has `*` or `?`, else exactly
    /// the whole text, case and all (relay channels are case-sensitive).
    pub fn same_or_glob(value: &str) -> Self {
        if Glob::is_glob(value) {
            Pat::Glob(Glob::with_case(value))
        } else {
            Pat::Same(value.to_string())
        }
    }

    pub fn matches(&self, text: &str) -> bool {
        match self {
            Pat::Same(want) => text == want,
            Pat::Exact(want) => text.chars().flat_map(char::to_lowercase).eq(want.chars()),
            Pat::Contains(needle) => contains_folded(text.as_bytes(), needle),
            Pat::Glob(g) => g.matches(text),
        }
    }
}

/// Whether `haystack` (read as lossy UTF-8) contains the lowercased `needle`,
/// ignoring case. ASCII needles search the bytes directly, without copying.
fn contains_folded(haystack: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    match n.first() {
        None => true,
        Some(&first) if needle.is_ascii() => haystack
            .windows(n.len())
            .any(|w| w[0].to_ascii_lowercase() == first && w.eq_ignore_ascii_case(n)),
        Some(_) => String::from_utf8_lossy(haystack)
            .to_lowercase()
            .contains(needle),
    }
}

impl Cmp {
    fn holds<T: PartialOrd>(self, left: T, right: T) -> bool {
        match self {
            Cmp::Lt => left < right,
            Cmp::Le => left <= right,
            Cmp::Gt => left > right,
            Cmp::Ge => left >= right,
        }
    }
}

impl StatusPat {
    fn matches(self, status: Option<u16>) -> bool {
        let Some(code) = status else {
            return self == StatusPat::Unanswered;
        };
        match self {
            StatusPat::Unanswered => false,
            StatusPat::Is(want) => code == want,
            StatusPat::Class(hundreds) => code / 100 == hundreds,
            StatusPat::Compare(cmp, n) => cmp.holds(code, n),
        }
    }
}

impl TimeSpec {
    fn resolve(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            TimeSpec::Ago(span) => now
                .checked_sub_signed(span)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            TimeSpec::At(at) => at,
        }
    }
}
