//! The subscriber's reading of a relay's Server-Sent Events stream: bytes
//! in, one event at a time out, holding at most one event's bytes; of an
//! event over the limit (a body larger than this listener keeps) only the
//! JSON around its body, the body read past as it arrives.

use bytes::BytesMut;

/// Why the stream cannot be read on.
pub type Why = String;

/// One Server-Sent Event.
#[derive(Debug, PartialEq)]
pub struct Event {
    /// `message` unless an `event:` line said otherwise.
    pub kind: String,
    /// Its `id:` line, as sent (untrusted: sanitize before showing).
    pub id: Option<String>,
    pub data: String,
    /// Bytes of the body's base64 dropped unread (the event was over the
    /// limit): `data` carries an empty body in their place.
    pub dropped: u64,
}

/// Splits the stream's bytes into events; holds at most one event's bytes,
/// and of an event over the limit only the JSON around its body.
pub struct Events {
    buf: BytesMut,
    /// Bytes of `buf` already searched for the end of an event.
    scanned: usize,
    max: usize,
    /// Inside a body being dropped: how many of its bytes so far.
    skipping: Option<u64>,
    /// Dropped bytes of the event being completed in `buf`.
    dropped: u64,
}

impl Events {
    pub fn new(max_body: u64) -> Events {
        // An event is the body in base64 plus headers and keys.
        let max = usize::try_from(max_body.saturating_mul(2)).unwrap_or(usize::MAX) + 1024 * 1024;
        Events {
            buf: BytesMut::new(),
            scanned: 0,
            max,
            skipping: None,
            dropped: 0,
        }
    }

    pub fn push(&mut self, mut data: &[u8]) {
        if let Some(skipped) = &mut self.skipping {
            // Base64 has no `"`: the first one closes the body's value.
            let Some(end) = data.iter().position(|b| *b == b'"') else {
                *skipped += data.len() as u64;
                return;
            };
            self.dropped = *skipped + end as u64;
            self.skipping = None;
            data = &data[end..];
        }
        self.buf.extend_from_slice(data);
    }

    /// The next complete event, if one is buffered; `Err` when the event
    /// being read is over the limit in more than its body.
    pub fn next_event(&mut self) -> Result<Option<Event>, Why> {
        loop {
            let from = self.scanned.saturating_sub(1);
            let Some(end) = self.buf[from..].windows(2).position(|w| w == b"\n\n") else {
                self.scanned = self.buf.len();
                return self.limit().map(|()| None);
            };
            let block = self.buf.split_to(from + end + 2);
            self.scanned = 0;
            let dropped = std::mem::take(&mut self.dropped);
            if let Some(event) = parse_event(&block, dropped) {
                return Ok(Some(event));
            }
        }
    }

    /// `buf` holds part of one event: over the limit, keep the JSON before
    /// its body and drop the body as it arrives (the request is kept as
    /// too large, and the stream goes on).
    fn limit(&mut self) -> Result<(), Why> {
        if self.buf.len() <= self.max || self.skipping.is_some() {
            return Ok(());
        }
        let opens = super::wire::BODY_OPENS.as_bytes();
        let Some(at) = self.buf.windows(opens.len()).position(|w| w == opens) else {
            return Err("an event larger than --max-body allows, outside its body".into());
        };
        let body = at + opens.len();
        if self.buf[body..].contains(&b'"') {
            return Err("an event larger than --max-body allows, outside its body".into());
        }
        self.skipping = Some((self.buf.len() - body) as u64);
        self.buf.truncate(body);
        self.scanned = 0;
        Ok(())
    }
}

/// One event's lines; `None` for a block with no data (a comment).
fn parse_event(block: &[u8], dropped: u64) -> Option<Event> {
    let text = String::from_utf8_lossy(block);
    let mut kind = "message".to_string();
    let mut id = None;
    let mut data: Option<String> = None;
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with(':') || line.is_empty() {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => kind = value.to_string(),
            "id" => id = Some(value.to_string()),
            "data" => match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => data = Some(value.to_string()),
            },
            _ => {}
        }
    }
    data.map(|data| Event {
        kind,
        id,
        data,
        dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks() {
        let mut events = Events::new(1024);
        events.push(b"event: hello\ndata: {\"behind\":2}\n\n: keepalive\n\nid: 1\nda");
        assert_eq!(events.next_event().unwrap().unwrap().kind, "hello");
        assert!(events.next_event().unwrap().is_none());
        events.push(b"ta: {}\n\n");
        let e = events.next_event().unwrap().unwrap();
        assert_eq!((e.kind.as_str(), e.data.as_str()), ("message", "{}"));
    }

    #[test]
    fn an_event_over_the_limit_keeps_only_the_json_around_its_body() {
        // A limit of 0 bytes of body still allows 1 MiB of event.
        let mut events = Events::new(0);
        let body = vec![b'A'; 3 * 1024 * 1024];
        events.push(b"id: 1\ndata: {\"id\":1,\"body_base64\":\"");
        for piece in body.chunks(64 * 1024) {
            events.push(piece);
            assert!(events.next_event().unwrap().is_none());
            assert!(events.buf.len() <= events.max + 64 * 1024);
        }
        events.push(b"\",\"body_size\":9}\n\nid: 2\ndata: {}\n\n");
        let e = events.next_event().unwrap().unwrap();
        assert_eq!(e.data, r#"{"id":1,"body_base64":"","body_size":9}"#);
        assert_eq!(e.dropped, body.len() as u64);
        let e = events.next_event().unwrap().unwrap();
        assert_eq!((e.data.as_str(), e.dropped), ("{}", 0));
    }
}
