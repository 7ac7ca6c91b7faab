//! Parsing single values of the configuration: sizes, timeouts, the ladder
//! scale, response headers and bodies, and `[[rules]]` tables.

use std::time::Duration;

use super::layers::Origin;
use super::{ConfigError, RuleFile};
use crate::capture::Rule;
use crate::capture::settings::parse_header;

pub(super) fn file_rule(rule: &RuleFile) -> Result<Rule, String> {
    let mut headers = Vec::new();
    for spec in rule.headers.iter().flatten() {
        headers.push(parse_header(spec).map_err(|why| format!("headers {spec:?}: {why}"))?);
    }
    let body = match &rule.body {
        Some(spec) => read_body(spec).map_err(|why| format!("body {spec:?}: {why}"))?,
        None => Vec::new(),
    };
    Rule::new(
        rule.method.as_deref().unwrap_or("*"),
        rule.path.as_deref().unwrap_or("*"),
        rule.status.unwrap_or(200),
        headers,
        body,
        Duration::from_millis(rule.delay.unwrap_or(0)),
    )
}

/// What `--timeout` expects, for error messages.
pub(super) const TIMEOUT_EXPECTED: &str =
    "expected seconds above 0 and at most 3600 (e.g. 10 or 0.5)";
/// What `--ladder-scale` expects, for error messages.
pub(super) const SCALE_EXPECTED: &str =
    "expected a factor above 0 and at most 1000 (0.01 makes the 30 s wait 0.3 s)";

/// Seconds (fractions allowed) to wait for a target's answer, if sensible.
pub(super) fn timeout_value(secs: f64) -> Option<Duration> {
    (secs.is_finite() && secs > 0.0 && secs <= 3600.0).then(|| Duration::from_secs_f64(secs))
}

/// A positive factor on Pingara's retry waits, if sensible.
pub(super) fn scale_value(scale: f64) -> Option<f64> {
    (scale.is_finite() && scale > 0.0 && scale <= 1000.0).then_some(scale)
}

/// `--timeout SECS`: seconds (fractions allowed) to wait for a target's answer.
pub fn parse_timeout(secs: f64) -> Result<Duration, ConfigError> {
    timeout_value(secs)
        .ok_or_else(|| Origin::flag("--timeout", secs.to_string()).error(TIMEOUT_EXPECTED))
}

/// `--ladder-scale F`: a positive factor on Pingara's retry waits.
pub fn check_scale(scale: f64) -> Result<f64, ConfigError> {
    scale_value(scale)
        .ok_or_else(|| Origin::flag("--ladder-scale", scale.to_string()).error(SCALE_EXPECTED))
}

/// `512`, `512k`, `10m`, `1g`, `10MiB`, `2kb` (binary units).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim().to_ascii_lowercase();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits_end);
    let n: u64 = number
        .parse()
        .map_err(|_| "expected a number like 512k or 10m".to_string())?;
    let factor: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown unit {other:?} (use k, m or g)")),
    };
    n.checked_mul(factor).ok_or_else(|| "too large".to_string())
}

/// `TEXT`, or `@FILE` read whole; the error says what went wrong.
pub(super) fn read_body(spec: &str) -> Result<Vec<u8>, String> {
    match spec.strip_prefix('@') {
        Some(path) => std::fs::read(path).map_err(|e| {
            format!("cannot read {path}: {e} (give an existing file after @, or the text itself)")
        }),
        None => Ok(spec.as_bytes().to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_and_scales() {
        assert_eq!(parse_timeout(0.5).unwrap(), Duration::from_millis(500));
        assert!(parse_timeout(0.0).is_err() && parse_timeout(f64::NAN).is_err());
        assert!(parse_timeout(3601.0).is_err());
        assert_eq!(check_scale(0.01).unwrap(), 0.01);
        assert!(check_scale(0.0).is_err() && check_scale(f64::INFINITY).is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("10m"), Ok(10 << 20));
        assert_eq!(parse_size("10MiB"), Ok(10 << 20));
        assert_eq!(parse_size("77"), Ok(77));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5x").is_err());
        assert!(parse_size("99999999999999g").is_err());
    }

    #[test]
    fn header_specs() {
        assert_eq!(
            parse_header("X-A:  b c ").unwrap(),
            ("X-A".into(), "b c".into())
        );
        assert!(parse_header("no colon").is_err());
        assert!(parse_header("bad name: x").is_err());
        for framing in [
            "Content-Length: 999",
            "transfer-encoding: chunked",
            "Upgrade: websocket",
        ] {
            let why = parse_header(framing).unwrap_err();
            assert!(why.contains("hookcatch sets it itself"), "{why}");
        }
        // Closing after each answer is worth testing a sender against.
        assert!(parse_header("Connection: close").is_ok());
    }
}
