//! Per-connection watchdog: a connection is closed when a request head is
//! not complete within the header timeout (counted from accept for the
//! first, from its first byte for later ones on a keep-alive connection), or
//! when it sits idle with no request in flight for the idle timeout.
//!
//! hyper alone does not do this: the auto builder first reads the preface
//! to choose HTTP/1 or HTTP/2, and a client that sends nothing stays in that
//! state with no timer at all; HTTP/2 has no idle timeout of its own; and
//! hyper's HTTP/1 header timer also runs in the idle gap between keep-alive
//! requests, so it is off and this one stands in for it. Every open
//! connection holds a file descriptor, so silent clients could starve the
//! listener. The watchdog sees the bytes read through [`Watched`] and the
//! requests in flight through [`Busy`].

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Marks `last_active` before the first byte arrives.
const NEVER: u64 = u64::MAX;

/// What the watchdog knows of one connection.
#[derive(Debug)]
pub struct ConnWatch {
    accepted: Instant,
    /// Milliseconds after `accepted` of the last byte read or request
    /// finished; [`NEVER`] until the client sent something.
    last_active: AtomicU64,
    /// Milliseconds after `accepted` when the request head now arriving
    /// began: 0 (accept) for the first, [`NEVER`] while none is arriving.
    head_started: AtomicU64,
    /// The client spoke HTTP/2: its requests are frames, with no head to time.
    h2: AtomicBool,
    /// Requests being handled on this connection.
    busy: AtomicUsize,
}

impl ConnWatch {
    pub fn new() -> Arc<ConnWatch> {
        Arc::new(ConnWatch {
            accepted: Instant::now(),
            last_active: AtomicU64::new(NEVER),
            head_started: AtomicU64::new(0),
            h2: AtomicBool::new(false),
            busy: AtomicUsize::new(0),
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(NEVER - 1)
    }

    fn touch(&self) {
        self.last_active.store(self.now_ms(), Ordering::Relaxed);
    }

    /// Bytes came in: activity, and perhaps the start of the next head.
    fn read(&self, first_bytes: Option<&[u8]>) {
        if let Some(bytes) = first_bytes
            && bytes.starts_with(b"PRI ")
        {
            self.h2.store(true, Ordering::Relaxed);
        }
        let now = self.now_ms();
        self.last_active.store(now, Ordering::Relaxed);
        if self.h2.load(Ordering::Relaxed) {
            self.head_started.store(NEVER, Ordering::Relaxed);
        } else if self.busy.load(Ordering::Relaxed) == 0 {
            let _ = self.head_started.compare_exchange(
                NEVER,
                now,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }

    /// When the connection is due to close, as things stand; `None` while a
    /// request is in flight (its own timeouts and answer govern it then).
    fn deadline(&self, header_timeout: Duration, idle_timeout: Duration) -> Option<Instant> {
        if self.busy.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let at = |ms: u64, after: Duration| self.accepted + Duration::from_millis(ms) + after;
        let head = match self.head_started.load(Ordering::Relaxed) {
            NEVER => None,
            ms => Some(at(ms, header_timeout)),
        };
        let idle = match self.last_active.load(Ordering::Relaxed) {
            NEVER => None,
            ms => Some(at(ms, idle_timeout)),
        };
        match (head, idle) {
            (Some(h), Some(i)) => Some(h.min(i)),
            (h, i) => h.or(i),
        }
    }

    /// Resolves once the connection has been silent too long: no byte within
    /// `header_timeout` of accept, or nothing in flight and nothing read for
    /// `idle_timeout`. Sleeps until the next possible deadline, never polls.
    pub async fn expired(&self, header_timeout: Duration, idle_timeout: Duration) {
        loop {
            let now = Instant::now();
            // Activity from now on can only set a deadline at least an idle
            // period away, so looking again after one never misses one (the
            // header deadline may be later than that).
            let wake = match self.deadline(header_timeout, idle_timeout) {
                Some(at) if at <= now => return,
                Some(at) => at.min(now + idle_timeout),
                None => now + idle_timeout,
            };
            tokio::time::sleep_until(wake.into()).await;
        }
    }
}

/// One request in flight on a watched connection; its end counts as
/// activity, so the idle time starts when the answer goes out.
pub struct Busy(Arc<ConnWatch>);

impl Busy {
    pub fn enter(watch: &Arc<ConnWatch>) -> Busy {
        watch.busy.fetch_add(1, Ordering::Relaxed);
        // The head is complete; the next one has not begun.
        watch.head_started.store(NEVER, Ordering::Relaxed);
        watch.touch();
        Busy(watch.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The connection's socket, noting each read that brought bytes.
pub struct Watched<S> {
    inner: S,
    watch: Arc<ConnWatch>,
    seen_bytes: bool,
}

impl<S> Watched<S> {
    pub fn new(inner: S, watch: Arc<ConnWatch>) -> Self {
        Watched {
            inner,
            watch,
            seen_bytes: false,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            let first = !self.seen_bytes;
            self.seen_bytes = true;
            self.watch.read(first.then(|| &buf.filled()[before..]));
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_follow_the_state() {
        let w = ConnWatch::new();
        let (h, i) = (Duration::from_secs(10), Duration::from_secs(30));
        assert_eq!(
            w.deadline(h, i),
            Some(w.accepted + h),
            "silent: header timeout"
        );
        let busy = Busy::enter(&w);
        assert_eq!(w.deadline(h, i), None, "in flight: no deadline");
        drop(busy);
        let idle_from = w.deadline(h, i).expect("idle deadline");
        assert!(idle_from >= w.accepted + i, "idle: counted from the answer");
        w.read(None);
        let head = w.deadline(h, i).expect("head deadline");
        assert!(
            head < idle_from + h,
            "a new head is timed from its first byte"
        );
        assert!(head < w.accepted + i, "the header timeout is the shorter");
    }

    #[test]
    fn http2_has_no_head_to_time() {
        let w = ConnWatch::new();
        let (h, i) = (Duration::from_secs(10), Duration::from_secs(30));
        w.read(Some(b"PRI * HTTP/2.0\r\n"));
        let idle = w.deadline(h, i).expect("idle deadline");
        assert!(idle >= w.accepted + i, "only the idle timeout applies");
    }
}
