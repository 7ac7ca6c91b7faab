//! Whole-request inspection (auth with every scheme configured, event
//! decoding, body view) on a request made of fuzzed header lines and body.
#![no_main]

use hookcatch::inspect::auth::SignatureProvider;
use hookcatch::inspect::{AuthConfig, inspect};
use hookcatch::model::{CapturedRequest, HeaderField};
use libfuzzer_sys::fuzz_target;

/// `name: value` lines, a blank line, then the body.
fn request(data: &[u8]) -> CapturedRequest {
    let split = data.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let headers = head
        .split(|b| *b == b'\n')
        .filter_map(|line| {
            let colon = line.iter().position(|b| *b == b':')?;
            let name = String::from_utf8_lossy(&line[..colon])
                .trim()
                .to_ascii_lowercase();
            let value = line[colon + 1..].trim_ascii_start();
            Some(HeaderField::new(name, value.to_vec()))
        })
        .collect();
    CapturedRequest::new("POST", "/hook?x=1", headers, body.to_vec())
}

fuzz_target!(|data: &[u8]| {
    let req = request(data);
    let config = AuthConfig {
        secret: Some("s3cret".into()),
        bearer: Some("token".into()),
        basic: Some("user:pass".into()),
        verify: SignatureProvider::ALL
            .into_iter()
            .map(|p| (p, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_string()))
            .collect(),
        ..AuthConfig::default()
    };
    let inspection = inspect(&req, &config, req.received_at);
    let _ = inspection.body.to_text();
    let _ = inspection.event.map(|e| e.label());
});
