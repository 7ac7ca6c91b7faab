//! The store's header codec: any blob decodes without panicking, and what
//! it decodes to encodes and decodes back to the same headers.
#![no_main]

use hookcatch::store::codec::{decode_headers, encode_headers};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let headers = decode_headers(data);
    assert_eq!(decode_headers(&encode_headers(&headers)), headers);
});
