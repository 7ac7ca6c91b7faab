//! `hookcatch import`: JSON lines and HAR files read back into requests.
#![no_main]

use hookcatch::export::import::parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (requests, problems) = parse(&text);
    assert!(requests.len() + problems.len() <= text.lines().count().max(1) + text.len());
});
