//! The one sanitizer: whatever goes in, nothing unsafe comes out.
#![no_main]

use hookcatch::text::{display_bytes, is_unsafe, sanitize, sanitize_multiline};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    assert!(!sanitize(&text).chars().any(is_unsafe));
    assert!(
        !sanitize_multiline(&text)
            .chars()
            .any(|c| is_unsafe(c) && c != '\n')
    );
    assert!(!display_bytes(data).chars().any(is_unsafe));
});
