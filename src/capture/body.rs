//! Reading a request's body within `--max-body` and `--body-timeout`, and
//! telling a client that left from one whose framing broke.

use std::time::Instant;

use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::settings::Limits;
use crate::model::Outcome;

/// Read the whole body within the size limit and the body deadline. The
/// flag is set when the body broke off (the client left, or its chunked
/// framing broke): hyper closes such a connection, so no answer reaches it.
pub async fn read_body(
    mut body: Incoming,
    declared: Option<u64>,
    limits: &Limits,
    started: Instant,
) -> (Vec<u8>, Outcome, bool) {
    if let Some(declared) = declared.filter(|d| *d > limits.max_body) {
        // Refuse before reading (and before hyper sends 100 Continue).
        return (
            Vec::new(),
            Outcome::TooLarge {
                declared: Some(declared),
                seen: 0,
            },
            false,
        );
    }
    let deadline = tokio::time::Instant::from_std(started) + limits.body_timeout;
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(limits.max_body) as usize);
    loop {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => {
                let reason = format!(
                    "body not complete after {} s ({} bytes arrived)",
                    limits.body_timeout.as_secs(),
                    bytes.len()
                );
                return (bytes, Outcome::Incomplete { reason }, false);
            }
            Ok(None) => return (bytes, Outcome::Complete, false),
            Ok(Some(Err(e))) => {
                if let Some(fault) = framing_fault(&e) {
                    // The client is still there, and gets a 400 saying why.
                    let detail = format!("{fault} (after {} body bytes)", bytes.len());
                    return (bytes, Outcome::Malformed { detail }, false);
                }
                let reason = format!("client went away mid-body after {} bytes: {e}", bytes.len());
                return (bytes, Outcome::Incomplete { reason }, true);
            }
            Ok(Some(Ok(frame))) => frame,
        };
        // Trailers carry no body bytes; they are not kept.
        if let Ok(data) = frame.into_data() {
            let seen = bytes.len() as u64 + data.len() as u64;
            if seen > limits.max_body {
                return (Vec::new(), Outcome::TooLarge { declared, seen }, false);
            }
            bytes.extend_from_slice(&data);
        }
    }
}

/// hyper's body decoder reports broken framing (a bad chunk size line, a
/// missing CRLF) as invalid input or data, and a connection that ended as
/// an unexpected EOF or a reset: only the former is the client's mistake.
fn framing_fault(e: &hyper::Error) -> Option<String> {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData
            )
            .then(|| io.to_string());
        }
        source = cause.source();
    }
    None
}
