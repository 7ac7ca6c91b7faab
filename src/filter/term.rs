//! One `field:value` term: which field, and what its value means.
//! Every value error points at the value's column.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};

use super::eval::{Cmp, Pat, StatusPat, Term, TimeSpec};
use super::lex::Word;
use super::{FIELDS, FilterError};
use crate::model::RequestId;

const AUTH_VERDICTS: [&str; 4] = ["valid", "invalid", "missing", "unconfigured"];
const STATUS_HINT: &str = "use 200, 4xx, >=400, >, <, <= or none";
const TIME_HINT: &str = "use 30s, 10m, 2h, 1d, 1w, 2026-11-29 or 2026-11-29T10:00:00Z";
const ID_HINT: &str = "use 42, 10..20, 10.. or ..20";

/// Build the term for a word that starts at column `pos`.
pub(super) fn term(word: Word, pos: usize) -> Result<Term, FilterError> {
    let Word {
        field,
        value,
        value_pos: at,
    } = word;
    let Some(field) = field else {
        if value.is_empty() {
            return Err(FilterError::new("empty quoted word", pos));
        }
        return Ok(Term::Word(value.to_lowercase()));
    };
    let name = field.to_ascii_lowercase();
    if name.is_empty() {
        return Err(FilterError::new("missing field name before \":\"", pos).hint(fields_hint()));
    }
    if !FIELDS.contains(&name.as_str()) {
        return Err(FilterError::new(format!("unknown field \"{field}\""), pos).hint(fields_hint()));
    }
    if value.is_empty() {
        return Err(FilterError::new(format!("empty value for \"{name}\""), at));
    }
    let v = value.as_str();
    Ok(match name.as_str() {
        "method" => Term::Method(Pat::exact_or_glob(v)),
        "path" => Term::Path(Pat::contains_or_glob(v)),
        "query" => Term::Query(Pat::contains_or_glob(v)),
        "header" => header(v, at)?,
        "body" => Term::Body(v.to_lowercase()),
        "provider" => Term::Provider(Pat::exact_or_glob(v)),
        "event" => Term::Event(Pat::exact_or_glob(v)),
        "auth" => Term::Auth(auth(v, at)?),
        "status" => Term::Status(status(v, at)?),
        "dup" => Term::Dup(dup(v, at)?),
        "problems" => problems(v, at)?,
        "has" => has(v, at)?,
        "since" => Term::Since(time(v, at)?),
        "before" => Term::Before(time(v, at)?),
        "id" => id(v, at)?,
        "channel" => Term::Channel(Pat::same_or_glob(v)),
        _ => {
            return Err(
                FilterError::new(format!("unknown field \"{field}\""), pos).hint(fields_hint())
            );
        }
    })
}

fn fields_hint() -> String {
    format!("fields: {}", FIELDS.join(", "))
}

/// `name` (present) or `name=value`.
fn header(v: &str, at: usize) -> Result<Term, FilterError> {
    let Some((name, value)) = v.split_once('=') else {
        return Ok(Term::Header {
            name: Pat::exact_or_glob(v),
            value: None,
        });
    };
    if name.is_empty() {
        return Err(
            FilterError::new("empty header name", at).hint("use header:NAME or header:NAME=VALUE")
        );
    }
    let value_at = at + name.chars().count() + 1;
    if value.is_empty() {
        return Err(FilterError::new("empty header value", value_at)
            .hint("use header:NAME to test presence"));
    }
    Ok(Term::Header {
        name: Pat::exact_or_glob(name),
        value: Some(Pat::contains_or_glob(value)),
    })
}

fn auth(v: &str, at: usize) -> Result<&'static str, FilterError> {
    AUTH_VERDICTS
        .into_iter()
        .find(|verdict| verdict.eq_ignore_ascii_case(v))
        .ok_or_else(|| {
            FilterError::new(format!("bad auth verdict \"{v}\""), at).hint(AUTH_VERDICTS.join(", "))
        })
}

fn dup(v: &str, at: usize) -> Result<bool, FilterError> {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        _ => Err(FilterError::new(format!("bad dup value \"{v}\""), at).hint("use yes or no")),
    }
}

/// `3`, `>0`, `>=2`, `<1`, `<=4`.
fn problems(v: &str, at: usize) -> Result<Term, FilterError> {
    let (cmp, number) = comparison(v);
    let count = number.parse::<usize>().map_err(|_| {
        FilterError::new(format!("bad problem count \"{v}\""), at)
            .hint("use 0, 3, >0, >=2, < or <=")
    })?;
    Ok(Term::Problems(cmp, count))
}

/// `has:problems`: the same as `problems:>0`.
fn has(v: &str, at: usize) -> Result<Term, FilterError> {
    if v.eq_ignore_ascii_case("problems") {
        return Ok(Term::Problems(Some(Cmp::Gt), 0));
    }
    Err(FilterError::new(format!("bad has value \"{v}\""), at).hint("use has:problems"))
}

/// A leading `>=`, `<=`, `>`, `<` or `=`, and what follows it.
fn comparison(v: &str) -> (Option<Cmp>, &str) {
    if let Some(n) = v.strip_prefix(">=") {
        (Some(Cmp::Ge), n)
    } else if let Some(n) = v.strip_prefix("<=") {
        (Some(Cmp::Le), n)
    } else if let Some(n) = v.strip_prefix('>') {
        (Some(Cmp::Gt), n)
    } else if let Some(n) = v.strip_prefix('<') {
        (Some(Cmp::Lt), n)
    } else {
        (None, v.strip_prefix('=').unwrap_or(v))
    }
}

fn status(v: &str, at: usize) -> Result<StatusPat, FilterError> {
    let bad = || FilterError::new(format!("bad status \"{v}\""), at).hint(STATUS_HINT);
    let lower = v.to_ascii_lowercase();
    if lower == "none" {
        return Ok(StatusPat::Unanswered);
    }
    if let Some(d) = lower.strip_suffix("xx")
        && let [digit @ b'1'..=b'9'] = d.as_bytes()
    {
        return Ok(StatusPat::Class(u16::from(digit - b'0')));
    }
    let (cmp, number) = comparison(&lower);
    if number.len() != 3 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let code: u16 = number.parse().map_err(|_| bad())?;
    if code < 100 {
        return Err(bad());
    }
    Ok(cmp.map_or(StatusPat::Is(code), |c| StatusPat::Compare(c, code)))
}

/// `10m` (before `now`), an RFC 3339 time, or a date (midnight UTC).
fn time(v: &str, at: usize) -> Result<TimeSpec, FilterError> {
    let bad = || FilterError::new(format!("bad time \"{v}\""), at).hint(TIME_HINT);
    if let Some(unit) = v.chars().last()
        && let Some(digits) = v.strip_suffix(unit)
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        let seconds_per_unit: i64 = match unit.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let out_of_range = || FilterError::new(format!("time \"{v}\" is too far back"), at);
        let count: i64 = digits.parse().map_err(|_| out_of_range())?;
        let span = count
            .checked_mul(seconds_per_unit)
            .and_then(TimeDelta::try_seconds)
            .ok_or_else(out_of_range)?;
        return Ok(TimeSpec::Ago(span));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(TimeSpec::At(t.with_timezone(&Utc)));
    }
    if let Ok(day) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(TimeSpec::At(day.and_time(NaiveTime::MIN).and_utc()));
    }
    Err(bad())
}

/// `42`, `10..20`, `10..`, `..20` (inclusive).
fn id(v: &str, at: usize) -> Result<Term, FilterError> {
    let bad = || FilterError::new(format!("bad id \"{v}\""), at).hint(ID_HINT);
    let number = |s: &str| s.parse::<RequestId>().map_err(|_| bad());
    let (lo, hi) = match v.split_once("..") {
        None => {
            let n = number(v)?;
            (n, n)
        }
        Some(("", "")) => return Err(bad()),
        Some((lo, hi)) => (
            if lo.is_empty() {
                RequestId::MIN
            } else {
                number(lo)?
            },
            if hi.is_empty() {
                RequestId::MAX
            } else {
                number(hi)?
            },
        ),
    };
    if lo > hi {
        return Err(FilterError::new(format!("empty id range \"{v}\""), at)
            .hint("the first id must not exceed the last"));
    }
    Ok(Term::Id(lo, hi))
}
