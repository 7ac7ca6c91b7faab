//! A gzip body in the TUI: the Event tab reads it decoded (as inspection
//! stored it at arrival), and `o` shows the bytes as received with a note
//! that names the encoding they carry.

use std::io::Write as _;

use crossterm::event::KeyCode;

use super::fixtures::{PINGARA_BODY, SECRET, harness, pingara, store};
use super::snapshots::snap;
use crate::model::HeaderField;

fn gzip_pingara() -> crate::model::CapturedRequest {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(PINGARA_BODY.as_bytes()).unwrap();
    let mut req = pingara(SECRET);
    req.body = enc.finish().unwrap();
    req.body_size = req.body.len() as u64;
    req.headers
        .push(HeaderField::new("content-encoding", b"gzip".to_vec()));
    req
}

#[test]
fn the_event_tab_reads_a_gzip_body_and_o_shows_it_as_received() {
    let (_dir, location) = store(vec![(gzip_pingara(), 30, 200)]);
    let mut h = harness(&location, 160, 48);
    h.key(KeyCode::Char('g'));
    h.key(KeyCode::Char('5'));
    let event = h.screen();
    assert!(event.contains("API Production"), "{event}");
    assert!(!event.contains("invalid JSON"), "{event}");
    snap("gzip_event_160x48", &mut h);

    h.key(KeyCode::Char('3'));
    h.key(KeyCode::Char('o'));
    let original = h.screen();
    assert!(original.contains("Content-Encoding gzip"), "{original}");
    assert!(
        !original.contains("without a Content-Encoding"),
        "{original}"
    );
    assert!(
        original.contains("1f 8b 08"),
        "the bytes as received: {original}"
    );
    snap("gzip_original_160x48", &mut h);
}
