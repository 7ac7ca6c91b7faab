//! `GET /_hookcatch/v1/c/CHANNEL/stream`: Server-Sent Events.
//!
//! A stream never holds requests for its reader. It keeps a cursor (the
//! last id sent) and reads what follows from the store, one request at a
//! time, only when hyper asks for the next frame: a reader that stops
//! reading stops the reads, and costs the relay one request's bytes at
//! most. A large body is not even held: it goes out as base64 a piece at
//! a time, each piece read from the store and encoded when hyper asks for
//! it, so a reader that stops holds one piece. Wake-ups (a request stored for the channel) only say "look
//! again"; a missed one costs nothing, as the next look reads by id, and
//! the keep-alive tick looks again too.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use tokio_util::sync::CancellationToken;

use super::channels::Following;
use super::readers::Readers;
use super::wire::WireRequest;
use crate::capture::watch;
use crate::model::RequestId;

/// A comment line this often keeps proxies (and the subscriber's 45 s
/// silence check) from closing an idle stream.
pub const KEEPALIVE: Duration = Duration::from_secs(15);

/// Ids fetched per look at the store (8 bytes each).
const IDS_PER_LOOK: usize = 256;

/// Body bytes encoded per frame: a multiple of 3, so the pieces' base64
/// joins into the body's (64 KiB of base64 each).
const PIECE: usize = 48 * 1024;

pub struct StreamCtx {
    pub channel: String,
    /// The relay store's identity, in the hello: a subscriber whose cursor
    /// counts in another store starts again from the first request.
    pub store_id: Arc<str>,
    /// Send what follows this id (`Last-Event-ID` or `?after=ID`).
    pub after: RequestId,
    pub readers: Arc<Readers>,
    pub following: Following,
    /// On a holding relay: releases the channel's held senders when this
    /// is its last stream (after `following`, which must drop first).
    pub last_out: Option<super::hold::LastOut>,
    pub shutdown: CancellationToken,
    /// Keeps the connection from being closed as idle while streaming.
    pub busy: watch::Busy,
    /// The relay holds senders (`--hold`): pending requests are marked.
    pub hold: Option<Duration>,
    pub keepalive: Duration,
}

enum Step {
    Hello,
    Look,
    Wait,
}

struct State {
    ctx: StreamCtx,
    cursor: RequestId,
    ids: VecDeque<RequestId>,
    out: Option<Bytes>,
    /// The event being sent, after `out`: its body and the JSON after it.
    body: Option<Pieces>,
    step: Step,
}

/// A body being sent in pieces: which request's, how long, how much went.
struct Pieces {
    id: RequestId,
    len: usize,
    sent: usize,
    tail: Bytes,
}

/// The SSE body for one subscriber.
pub fn body(ctx: StreamCtx) -> UnsyncBoxBody<Bytes, Infallible> {
    let state = State {
        cursor: ctx.after,
        ctx,
        ids: VecDeque::new(),
        out: None,
        body: None,
        step: Step::Hello,
    };
    let frames = futures::stream::unfold(state, |mut st| async move {
        let frame = next(&mut st).await?;
        Some((Ok::<_, Infallible>(Frame::data(frame)), st))
    });
    StreamBody::new(frames).boxed_unsync()
}

/// The next bytes to send; `None` ends the stream (shutdown, or the store
/// failed: the subscriber reconnects and resumes by id).
async fn next(st: &mut State) -> Option<Bytes> {
    loop {
        if let Some(out) = st.out.take() {
            return Some(out);
        }
        if let Some(body) = &mut st.body {
            if body.sent < body.len {
                let (id, at) = (body.id, body.sent);
                let n = (body.len - at).min(PIECE);
                // Gone since (retention): the stream ends mid-event, and the
                // subscriber, reconnecting after its cursor, skips it.
                let piece = st.ctx.readers.body_piece(id, at, n).await.ok()?;
                body.sent += n;
                return Some(Bytes::from(STANDARD.encode(&piece)));
            }
            let tail = std::mem::take(&mut body.tail);
            st.body = None;
            return Some(tail);
        }
        match st.step {
            Step::Hello => {
                let (channel, after) = (st.ctx.channel.clone(), st.cursor);
                let behind = st
                    .ctx
                    .readers
                    .channel_count_after(channel, after)
                    .await
                    .ok()?;
                let hello = serde_json::json!({
                    "behind": behind,
                    "hold": st.ctx.hold.map(|h| h.as_secs_f64()),
                    "store_id": &*st.ctx.store_id,
                });
                st.out = Some(Bytes::from(format!("event: hello\ndata: {hello}\n\n")));
                st.step = Step::Look;
            }
            Step::Look => {
                if st.ids.is_empty() {
                    let (channel, after) = (st.ctx.channel.clone(), st.cursor);
                    let ids = st
                        .ctx
                        .readers
                        .channel_ids_after(channel, after, IDS_PER_LOOK)
                        .await
                        .ok()?;
                    if ids.is_empty() {
                        st.step = Step::Wait;
                        continue;
                    }
                    st.ids.extend(ids);
                }
                let Some(id) = st.ids.pop_front() else {
                    continue;
                };
                st.cursor = id;
                let stored = st.ctx.readers.get_in_pieces(id, PIECE).await.ok()?;
                // Deleted since (retention): nothing to send for it.
                if let Some((stored, large)) = stored {
                    let hold = st.ctx.hold.is_some() && stored.request.is_pending();
                    let around = WireRequest::around_body(
                        &stored,
                        &st.ctx.channel,
                        hold,
                        st.ctx.hold.is_some(),
                    );
                    let Some(len) = large else {
                        // A body of one piece goes in one frame with its event.
                        let body = STANDARD.encode(&stored.request.body);
                        st.out = Some(Bytes::from(format!(
                            "id: {id}\ndata: {}{body}{}\n\n",
                            around.head, around.tail
                        )));
                        continue;
                    };
                    st.out = Some(Bytes::from(format!("id: {id}\ndata: {}", around.head)));
                    st.body = Some(Pieces {
                        id,
                        len,
                        sent: 0,
                        tail: Bytes::from(format!("{}\n\n", around.tail)),
                    });
                }
            }
            Step::Wait => {
                let keepalive = st.ctx.keepalive;
                tokio::select! {
                    biased;
                    () = st.ctx.shutdown.cancelled() => return None,
                    changed = st.ctx.following.wake.changed() => {
                        changed.ok()?;
                        st.step = Step::Look;
                    }
                    () = tokio::time::sleep(keepalive) => {
                        st.out = Some(Bytes::from_static(b": keepalive\n\n"));
                        st.step = Step::Look;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relay::channels::Channels;
    use crate::store::Location;

    /// An idle stream sends its hello, then a comment every keep-alive
    /// period; a wake-up sends what was stored, by id.
    #[tokio::test]
    async fn an_idle_stream_keeps_alive_and_wakes_for_new_requests() {
        let location = Location::ephemeral();
        let (writer, thread) = crate::store::StoreWriter::spawn(&location, false).unwrap();
        let channels = Arc::new(Channels::default());
        let watch = crate::capture::watch::ConnWatch::new();
        let mut body = body(StreamCtx {
            channel: "c".into(),
            store_id: "s".into(),
            after: 0,
            readers: Readers::new(location.clone()),
            following: channels.follow("c"),
            last_out: None,
            shutdown: CancellationToken::new(),
            busy: crate::capture::watch::Busy::enter(&watch),
            hold: None,
            keepalive: Duration::from_millis(20),
        });
        let mut next = async || {
            let frame = body.frame().await.unwrap().unwrap();
            String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap()
        };
        assert!(
            next()
                .await
                .starts_with("event: hello\ndata: {\"behind\":0")
        );
        assert_eq!(next().await, ": keepalive\n\n");
        assert_eq!(next().await, ": keepalive\n\n");
        let req = crate::model::CapturedRequest::new("POST", "/c/c/x", vec![], b"hi".to_vec());
        let new = crate::store::NewRequest::from_captured(
            req,
            std::time::Instant::now(),
            Duration::ZERO,
            crate::model::RequestKeys::default(),
        )
        .on_channel(Some("c".into()));
        let id = writer.insert(new).await.unwrap();
        channels.stored("c", id);
        let mut event = next().await;
        while event.starts_with(':') {
            event = next().await;
        }
        assert!(event.starts_with(&format!("id: {id}\ndata: {{")), "{event}");
        assert!(event.contains("\"path\":\"/x\""), "{event}");
        drop(writer);
        tokio::task::spawn_blocking(move || thread.join())
            .await
            .unwrap();
    }
}
