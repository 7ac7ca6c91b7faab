//! Headless mode: one JSON object per captured request on stdout, each line
//! written as soon as it is committed, never held back for more (lines that
//! are already waiting go out together in one write). The printer is one
//! subscriber of the store's committed events ([`crate::store::events`]):
//! each commit's requests arrive as stored, with the findings decided at
//! arrival, so nothing is read back or inspected twice. In `--forward` proxy
//! mode a line waits for the app's answer (its `Answered` event), so its
//! `response` is what the sender got; lines after it wait behind it.
//!
//! The writer never waits for the printer: when it falls behind, it is told
//! it lagged (or sees a gap in the ids) and reads the missing requests from
//! the store. So output is exactly what was stored, in id order, and a slow
//! stdout never slows the listener.
//!
//! When stdout closes (`| head -1` has its line) the output has nowhere to
//! go: like any filter, hookcatch then stops, gracefully. A write that fails
//! (EPIPE; SIGPIPE stays ignored, as Rust sets it) tells it so, and so does
//! [`stdout_closed`], which notices a pipe's reader going away before the
//! next request arrives.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::Write;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::export::json::request_line;
use crate::inspect::{self, AuthConfig, Findings};
use crate::model::{CapturedResponse, RequestId};
use crate::secrets::Masking;
use crate::store::events::{Answer, Received, StoreEvent, Subscription, TimedOut};
use crate::store::reader::Reader;
use crate::store::{Location, StoreWriter, StoredRequest};

pub struct Printer {
    output: JoinHandle<()>,
    /// Cancelled when the output thread ends, however it ends.
    printed: CancellationToken,
    messages: tokio::task::JoinHandle<()>,
}

impl Printer {
    /// Wait until everything committed has been printed (or stdout has
    /// gone) and every store message said. Call after the store writer has
    /// stopped (its end ends the event stream). Dropping this future leaves
    /// nothing behind for the runtime to wait on (a stdout nobody reads can
    /// block the output thread for good).
    pub async fn finish(self) {
        self.printed.cancelled().await;
        let _ = self.output.join();
        let _ = self.messages.await;
    }
}

/// Start printing (inside the runtime). Reads the starting point before the
/// listener accepts anything, so no request slips in between "now" and the
/// first one printed. A proxied request's line waits up to `answer_wait` for
/// the app's answer. `stdout_gone` is cancelled if a write finds stdout
/// closed; printing stops there.
pub fn spawn(
    location: Location,
    auth: AuthConfig,
    masking: Masking,
    writer: &StoreWriter,
    answer_wait: Duration,
    stdout_gone: CancellationToken,
) -> std::io::Result<Printer> {
    // Subscribed before the starting point is read: nothing committed in
    // between is missed (nor printed twice: ids at or below it are skipped).
    let events = writer.subscribe();
    let trouble = writer.subscribe();
    let runtime = tokio::runtime::Handle::current();
    let conn = Reader::open(&location, &runtime)
        .map_err(|e| std::io::Error::other(format!("cannot read the store for output: {e}")))?;
    // Only what arrives from now on; earlier sessions are for `hookcatch list`.
    let start = conn.max_id().map_err(std::io::Error::other)?;
    let printed = CancellationToken::new();
    let done = printed.clone().drop_guard();
    let output = std::thread::Builder::new()
        .name("hookcatch-printer".into())
        .spawn(move || {
            let _done = done;
            let mut out = LinePrinter {
                conn,
                auth,
                masking,
                last: start,
                stdout: std::io::stdout().lock(),
                pending: Vec::new(),
                held: VecDeque::new(),
                held_bytes: 0,
                answer_wait,
            };
            if out.run(events, &runtime).is_err() {
                stdout_gone.cancel();
            }
        })?;
    let messages = tokio::spawn(report_store_trouble(trouble));
    Ok(Printer {
        output,
        printed,
        messages,
    })
}

/// Resolves when stdout is a pipe whose reader has gone (the write end then
/// reports an error to epoll/kqueue), without waiting for a write to fail.
/// Never resolves where that cannot be watched (a file, a terminal, a
/// socket); a failed write still tells.
pub async fn stdout_closed() {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::FileTypeExt;
        use tokio::io::Interest;
        use tokio::net::unix::pipe;
        // A duplicate of the descriptor, only watched, never written: it
        // stays blocking, so the printer's writes are unchanged.
        let watched = std::io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .map(std::fs::File::from)
            .ok()
            .filter(|f| f.metadata().is_ok_and(|m| m.file_type().is_fifo()))
            .and_then(|f| pipe::Sender::from_file_unchecked(f).ok());
        if let Some(pipe) = watched {
            while let Ok(ready) = pipe.ready(Interest::ERROR).await {
                if ready.is_error() || ready.is_write_closed() {
                    return;
                }
            }
        }
    }
    std::future::pending::<()>().await;
}

/// Store failures and recoveries go to stderr, as they happen (on their own
/// task: a stdout nobody reads must not hold them back), until the writer
/// has stopped and the stream ends.
async fn report_store_trouble(mut events: Subscription) {
    while let Some(received) = events.recv().await {
        match received {
            Received::Event(StoreEvent::WriteFailed(why)) => {
                eprintln!("hookcatch: store write failed: {why}; answering 503 until it recovers")
            }
            Received::Event(StoreEvent::WriteRecovered) => {
                eprintln!("hookcatch: store writes succeed again")
            }
            Received::Event(_) | Received::Lagged => {}
        }
    }
}

/// stdout went away (`| head`): stop printing; the listener then stops too.
#[derive(Debug)]
struct StdoutGone;

struct LinePrinter<W: Write> {
    conn: Reader,
    auth: AuthConfig,
    /// Off unless `--mask-secrets`: lines are data, exact by default.
    masking: Masking,
    /// The newest id taken (printed or held).
    last: RequestId,
    stdout: W,
    /// Lines not yet written, reused.
    pending: Vec<u8>,
    /// Requests taken but not printed yet, in id order: the first waits for
    /// its proxied answer, and the rest wait behind it so ids stay in order.
    held: VecDeque<Held>,
    /// Body bytes in `held`.
    held_bytes: usize,
    /// How long a line waits for its answer before it is printed as stored
    /// (the forward timeout plus a margin: the answer is recorded by then,
    /// unless the sender went away mid-proxy).
    answer_wait: Duration,
}

struct Held {
    stored: StoredRequest,
    findings: inspect::Summary,
    /// When it started waiting for its answer; `None` once it has one.
    awaiting_since: Option<Instant>,
}

/// Write what is pending once it reaches this size, even if more is waiting.
const WRITE_AT: usize = 256 * 1024;

/// At most this many requests, or body bytes, wait behind a proxied answer.
const MAX_HELD: usize = 4096;
const MAX_HELD_BYTES: usize = 64 * 1024 * 1024;

impl<W: Write> LinePrinter<W> {
    /// Print until the stream ends (the writer stopped) or stdout goes.
    /// `runtime` drives the wait for the next event from this thread.
    fn run(
        &mut self,
        mut events: Subscription,
        runtime: &tokio::runtime::Handle,
    ) -> Result<(), StdoutGone> {
        loop {
            let wait = self
                .answer_deadline()
                .map(|deadline| deadline.saturating_duration_since(Instant::now()));
            let first = match events.blocking_recv(runtime, wait) {
                Ok(Some(received)) => received,
                Ok(None) => break,
                Err(TimedOut) => {
                    self.stop_waiting_for_first();
                    self.release()?;
                    self.write_pending()?;
                    continue;
                }
            };
            // Everything already waiting goes out in one write; nothing
            // waits for more to arrive.
            let mut next = Some(first);
            while let Some(received) = next {
                self.handle(received)?;
                next = events.try_recv().ok().flatten();
            }
            self.write_pending()?;
        }
        // The writer has stopped, so the store is final: what still waits
        // for an answer is printed as stored, then whatever was missed.
        while !self.held.is_empty() {
            self.stop_waiting_for_first();
            self.release()?;
        }
        self.catch_up(None)?;
        self.write_pending()
    }

    fn handle(&mut self, received: Received) -> Result<(), StdoutGone> {
        match received {
            Received::Event(StoreEvent::Captured(batch)) => {
                for stored in batch.iter() {
                    self.take(stored)?;
                    if self.pending.len() >= WRITE_AT {
                        self.write_pending()?;
                    }
                }
            }
            Received::Event(StoreEvent::Answered(id, answer)) => {
                let (response, reason) = match &*answer {
                    Answer::Sent(response) => (Some(response.clone()), None),
                    Answer::NotSent(reason) => (None, Some(reason.clone())),
                };
                self.answered(id, response, reason)?;
            }
            Received::Event(_) => {}
            // Missed events: the requests are in the store, and so are the
            // answers held lines were waiting for.
            Received::Lagged => {
                self.refresh_held();
                self.release()?;
                self.catch_up(None)?;
            }
        }
        Ok(())
    }

    /// A held request's final answer (or why there is none) came.
    fn answered(
        &mut self,
        id: RequestId,
        response: Option<CapturedResponse>,
        reason: Option<String>,
    ) -> Result<(), StdoutGone> {
        if let Some(held) = self.held.iter_mut().find(|h| h.stored.request.id == id) {
            held.stored.request.response = response;
            held.stored.request.response_reason = reason;
            held.awaiting_since = None;
        }
        self.release()
    }

    /// Answers that came while events were missed: read from the store.
    fn refresh_held(&mut self) {
        for held in self.held.iter_mut().filter(|h| h.awaiting_since.is_some()) {
            if let Ok(Some(stored)) = self.conn.get(held.stored.request.id)
                && !stored.request.is_pending()
            {
                held.stored.request.response = stored.request.response;
                held.stored.request.response_reason = stored.request.response_reason;
                held.awaiting_since = None;
            }
        }
    }

    /// Take one committed request, after any that were missed.
    fn take(&mut self, stored: &StoredRequest) -> Result<(), StdoutGone> {
        let id = stored.request.id;
        if id <= self.last {
            return Ok(()); // printed already while catching up
        }
        if id > self.last + 1 {
            self.catch_up(Some(id - 1))?;
        }
        let findings = self.inspect(stored);
        // A pending answer is still to come: the line waits for it.
        if self.held.is_empty() && !stored.request.is_pending() {
            self.queue(stored, &findings)?;
        } else {
            let awaiting = stored.request.is_pending();
            self.accept(stored.clone(), findings, awaiting)?;
        }
        self.last = id;
        Ok(())
    }

    /// Print a request now, or hold it: while it waits for its answer, or
    /// behind one that does.
    fn accept(
        &mut self,
        stored: StoredRequest,
        findings: inspect::Summary,
        awaiting_answer: bool,
    ) -> Result<(), StdoutGone> {
        if self.held.is_empty() && !awaiting_answer {
            return self.queue(&stored, &findings);
        }
        self.held_bytes += stored.request.body.len();
        self.held.push_back(Held {
            stored,
            findings,
            awaiting_since: awaiting_answer.then(Instant::now),
        });
        // Holding is for order, not worth unbounded memory: past the limit
        // the oldest waiting lines go out as stored.
        while self.held.len() > MAX_HELD || self.held_bytes > MAX_HELD_BYTES {
            self.stop_waiting_for_first();
            self.release()?;
        }
        Ok(())
    }

    /// Print held requests from the front, up to the first still waiting.
    fn release(&mut self) -> Result<(), StdoutGone> {
        while self
            .held
            .front()
            .is_some_and(|h| h.awaiting_since.is_none())
        {
            if let Some(held) = self.held.pop_front() {
                self.held_bytes -= held.stored.request.body.len();
                self.queue(&held.stored, &held.findings)?;
            }
        }
        Ok(())
    }

    /// When the first held request stops waiting for its answer.
    fn answer_deadline(&self) -> Option<Instant> {
        let since = self.held.front()?.awaiting_since?;
        Some(since + self.answer_wait)
    }

    /// The first held request's answer did not come as an event (missed
    /// while lagging, or a sender that went away mid-proxy): take what the
    /// store has.
    fn stop_waiting_for_first(&mut self) {
        let Some(first) = self.held.front_mut() else {
            return;
        };
        if let Ok(Some(stored)) = self.conn.get(first.stored.request.id) {
            first.stored.request.response = stored.request.response;
            first.stored.request.response_reason = stored.request.response_reason;
        }
        first.awaiting_since = None;
    }

    /// Print stored requests after `last`, up to `until` (or all).
    fn catch_up(&mut self, until: Option<RequestId>) -> Result<(), StdoutGone> {
        loop {
            let batch = match self.conn.catch_up(self.last, 256) {
                Ok(batch) => batch,
                Err(e) => {
                    eprintln!("hookcatch: cannot read the store: {e}");
                    return Ok(());
                }
            };
            if batch.is_empty() {
                return Ok(());
            }
            for stored in batch {
                if until.is_some_and(|u| stored.request.id > u) {
                    return Ok(());
                }
                let findings = self.inspect(&stored);
                self.last = stored.request.id;
                let pending = stored.request.is_pending();
                self.accept(stored, findings, pending)?;
            }
            self.write_pending()?;
        }
    }

    /// The findings stored at arrival (a tapped request and one caught up
    /// from the store alike); only a request stored without them is judged
    /// here, with this process's secrets, and its line says so.
    fn inspect(&self, stored: &StoredRequest) -> inspect::Summary {
        inspect::stored::summary(&stored.request, stored.findings.as_ref(), &self.auth)
    }

    /// Add one line to what is pending.
    fn queue(
        &mut self,
        stored: &StoredRequest,
        findings: &impl Findings,
    ) -> Result<(), StdoutGone> {
        let stored = if self.masking.is_on() {
            // A copy only when asked: judged already, masked for the line.
            let mut copy = stored.clone();
            self.masking.request(&mut copy.request);
            Cow::Owned(copy)
        } else {
            Cow::Borrowed(stored)
        };
        crate::text::write_json(&mut self.pending, &request_line(&stored, findings))
            .map_err(|_| StdoutGone)?;
        self.pending.push(b'\n');
        Ok(())
    }

    /// One write for all pending lines: serde_json writes in small pieces,
    /// and one write per line costs a syscall each under load.
    fn write_pending(&mut self) -> Result<(), StdoutGone> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let result = self
            .stdout
            .write_all(&self.pending)
            .and_then(|()| self.stdout.flush())
            .map_err(|_| StdoutGone);
        self.pending.clear();
        result
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::model::{CapturedRequest, CapturedResponse};
    use crate::store::{NewRequest, StoreWriter};

    /// Five requests through a real writer, returning the events it
    /// published. Those in `awaiting` are stored pending a proxied answer;
    /// `stored_answer` is then recorded for the first of them.
    fn store_with_five(
        dir: &std::path::Path,
        awaiting: &[RequestId],
        stored_answer: Option<u16>,
    ) -> (Location, Vec<StoreEvent>) {
        let location = Location::File(dir.join("t.db"));
        let runtime = runtime();
        let (writer, thread) = StoreWriter::spawn(&location, false).unwrap();
        let mut events = writer.subscribe();
        runtime.block_on(async {
            for i in 1..=5 {
                let mut req = CapturedRequest::new(
                    "POST",
                    &format!("/n{i}"),
                    vec![],
                    format!("{i}").into_bytes(),
                );
                if awaiting.contains(&i) {
                    req.response_reason = Some(crate::model::PENDING.into());
                }
                let new = NewRequest::from_captured(
                    req,
                    Instant::now(),
                    Duration::ZERO,
                    crate::model::RequestKeys::default(),
                );
                writer.insert(new).await.unwrap();
            }
            if let (Some(status), Some(id)) = (stored_answer, awaiting.first()) {
                writer.set_response(*id, response(status)).await;
            }
        });
        drop(writer);
        thread.join();
        let mut published = Vec::new();
        while let Ok(Some(Received::Event(event))) = events.try_recv() {
            published.push(event);
        }
        (location, published)
    }

    /// The printer waits for events through a runtime's timer.
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .unwrap()
    }

    /// A stream fed by hand, as if some events were missed.
    fn stream() -> (tokio::sync::broadcast::Sender<StoreEvent>, Subscription) {
        Subscription::detached(64)
    }

    fn response(status: u16) -> CapturedResponse {
        CapturedResponse {
            status,
            headers: vec![],
            body: b"from the app".to_vec(),
            latency_ms: 1.0,
        }
    }

    fn printer<W: Write>(location: &Location, out: W, answer_wait: Duration) -> LinePrinter<W> {
        LinePrinter {
            conn: Reader::Sqlite(location.open_reader().unwrap()),
            auth: AuthConfig::default(),
            masking: Masking::new("X-Pingara-Secret", false),
            last: 0,
            stdout: out,
            pending: Vec::new(),
            held: VecDeque::new(),
            held_bytes: 0,
            answer_wait,
        }
    }

    /// Catching up from the store (a full tap) prints the verdict stored at
    /// arrival, not one judged with the printer's secrets (none here).
    #[test]
    fn catching_up_prints_the_stored_verdict() {
        use crate::model::HeaderField;
        use crate::model::findings::Judged;
        let dir = tempfile::tempdir().unwrap();
        let location = Location::File(dir.path().join("t.db"));
        let (writer, thread) = StoreWriter::spawn(&location, false).unwrap();
        let req = CapturedRequest::new(
            "POST",
            "/hook",
            vec![HeaderField::new("x-pingara-secret", b"s3cret".to_vec())],
            b"{}".to_vec(),
        );
        let listener = AuthConfig {
            secret: Some("s3cret".into()),
            ..AuthConfig::default()
        };
        let at_arrival = inspect::summarize(&req, &listener, req.received_at);
        let new = NewRequest::from_captured(
            req,
            Instant::now(),
            Duration::ZERO,
            crate::model::RequestKeys::default(),
        )
        .with_findings(inspect::stored::to_stored(&at_arrival, Judged::AtArrival));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(writer.insert(new)).unwrap();
        drop(writer);
        thread.join();
        let mut out = Vec::new();
        let mut p = printer(&location, &mut out, WAIT);
        p.catch_up(None).unwrap();
        p.write_pending().unwrap();
        drop(p);
        let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(line["auth"]["verdict"], "valid");
        assert_eq!(line["auth"]["judged"], "at arrival");
    }

    /// `(id, response status)` of each line printed.
    fn lines(out: &[u8]) -> Vec<(i64, Option<u64>)> {
        String::from_utf8(out.to_vec())
            .unwrap()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (v["id"].as_i64().unwrap(), v["response"]["status"].as_u64())
            })
            .collect()
    }

    fn committed(events: Vec<StoreEvent>) -> Vec<StoredRequest> {
        events
            .into_iter()
            .flat_map(|e| match e {
                StoreEvent::Captured(batch) => batch.to_vec(),
                _ => vec![],
            })
            .collect()
    }

    #[test]
    fn gaps_in_the_tap_are_filled_from_the_store_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (location, published) = store_with_five(dir.path(), &[], None);
        let committed = committed(published);
        assert_eq!(committed.len(), 5);
        let (tx, rx) = stream();
        for c in committed {
            // The events for 2, 3 and 5 "were missed".
            if [1, 4].contains(&c.request.id) {
                tx.send(StoreEvent::Captured(vec![c].into())).unwrap();
            }
        }
        drop(tx);
        let mut out = Vec::new();
        let runtime = runtime();
        assert!(
            printer(&location, &mut out, WAIT)
                .run(rx, runtime.handle())
                .is_ok()
        );
        let ids: Vec<i64> = lines(&out).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5]);
    }

    const WAIT: Duration = Duration::from_secs(30);

    /// A proxied request's line waits for the app's answer, and the lines
    /// after it wait behind it, so ids stay in order.
    #[test]
    fn a_proxied_line_waits_for_its_answer_with_later_lines_behind_it() {
        let dir = tempfile::tempdir().unwrap();
        let (location, published) = store_with_five(dir.path(), &[2], None);
        let out = Shared::default();
        let mut p = printer(&location, out.clone(), WAIT);
        for event in published {
            p.handle(Received::Event(event)).unwrap();
        }
        p.write_pending().unwrap();
        assert_eq!(
            lines(&out.0.lock().unwrap()),
            [(1, None)],
            "2 waits, 3 to 5 wait behind it"
        );
        let answer = std::sync::Arc::new(Answer::Sent(response(201)));
        p.handle(Received::Event(StoreEvent::Answered(2, answer)))
            .unwrap();
        p.write_pending().unwrap();
        assert_eq!(
            lines(&out.0.lock().unwrap()),
            [(1, None), (2, Some(201)), (3, None), (4, None), (5, None)]
        );
    }

    /// A proxied answer that never comes holds at most MAX_HELD lines.
    #[test]
    fn holding_behind_a_missing_answer_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let (location, _) = store_with_five(dir.path(), &[], None);
        let out = Shared::default();
        let mut p = printer(&location, out.clone(), WAIT);
        let stored = |id: RequestId| {
            let mut request = CapturedRequest::new("POST", "/x", vec![], b"b".to_vec());
            request.id = id;
            StoredRequest {
                request,
                duplicate_of: None,
                findings: None,
                channel: None,
                relay: None,
            }
        };
        let summary = |s: &StoredRequest| p.inspect(s);
        let first = stored(100);
        let findings = summary(&first);
        p.accept(first, findings.clone(), true).unwrap();
        for id in 101..=100 + MAX_HELD as RequestId {
            p.accept(stored(id), findings.clone(), false).unwrap();
        }
        p.write_pending().unwrap();
        assert_eq!(lines(&out.0.lock().unwrap()).len(), MAX_HELD + 1);
        assert!(p.held.is_empty() && p.held_bytes == 0);
    }

    /// Output shared with the printer's thread, to watch it while it runs.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// An answer that never comes as an event (missed, sender gone mid-proxy)
    /// holds nothing for long: after the wait the store's version is printed.
    #[test]
    fn a_missing_answer_is_read_from_the_store_after_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        let (location, published) = store_with_five(dir.path(), &[1], Some(418));
        let committed = committed(published);
        let (tx, rx) = stream();
        tx.send(StoreEvent::Captured(committed.into())).unwrap();
        let out = Shared::default();
        let mut p = printer(&location, out.clone(), Duration::from_millis(50));
        let runtime = runtime();
        let handle = runtime.handle().clone();
        let printing = std::thread::spawn(move || p.run(rx, &handle).is_ok());
        // The tap stays open: only the wait can release the lines.
        let deadline = Instant::now() + Duration::from_secs(10);
        while lines(&out.0.lock().unwrap()).len() < 5 {
            assert!(Instant::now() < deadline, "lines never released");
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(tx);
        assert!(printing.join().unwrap());
        let printed = lines(&out.0.lock().unwrap());
        assert_eq!(printed[0], (1, Some(418)), "the stored answer");
        assert_eq!(printed.len(), 5);
    }
}
