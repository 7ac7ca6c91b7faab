//! The filter language: parse anything, and match what parses against a
//! request.
#![no_main]

use hookcatch::filter::{Subject, parse};
use hookcatch::model::{CapturedRequest, HeaderField};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let req = CapturedRequest::new(
        "POST",
        "/pingara-webhook?attempt=2",
        vec![HeaderField::new(
            "content-type",
            b"application/json".to_vec(),
        )],
        br#"{"event":"incident.created","incident":{"id":"i_1"}}"#.to_vec(),
    );
    match parse(input) {
        Ok(filter) => {
            let _ = filter.matches(&Subject::new(&req, req.received_at));
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
