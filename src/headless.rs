//! Headless mode: one JSON object per captured request on stdout, each line
//! written as soon as it is committed, never held back for more (lines that
//! are already waiting go out together in one write). The store writer hands
//! each commit's requests (with what inspection found at capture time) to
//! this printer through a bounded tap, so nothing is read back or inspected
//! twice. The writer never waits for the printer: when
//! the tap is full it skips, and the printer, seeing a gap in the ids, reads
//! the missing requests from the store. So output is exactly what was stored,
//! in id order, and a slow stdout never slows the listener.

use std::io::Write;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use tokio::sync::broadcast::{self, error::RecvError};

use crate::export::json::request_line;
use crate::inspect::{self, AuthConfig, Findings};
use crate::model::{Notice, RequestId};
use crate::store::writer::Committed;
use crate::store::{Location, StoredRequest, query};

/// How many commits (each up to a batch of requests) may wait for stdout
/// before the printer switches to catching up from the store.
const TAP_CAPACITY: usize = 256;

pub struct Printer {
    output: JoinHandle<()>,
    messages: JoinHandle<()>,
}

impl Printer {
    /// Wait until everything committed has been printed. Call after the store
    /// writer has stopped (it owns the tap; its end closes the channel).
    pub fn join(self) {
        let _ = self.output.join();
        let _ = self.messages.join();
    }
}

/// The tap to give the store writer, and the receiving end for [`spawn`].
pub fn tap() -> (SyncSender<Vec<Committed>>, Receiver<Vec<Committed>>) {
    sync_channel(TAP_CAPACITY)
}

/// Start printing. Reads the starting point before the listener accepts
/// anything, so no request slips in between "now" and the first one printed.
pub fn spawn(
    location: Location,
    auth: AuthConfig,
    committed: Receiver<Vec<Committed>>,
    notices: broadcast::Receiver<Notice>,
) -> std::io::Result<Printer> {
    let conn = location
        .open_reader()
        .map_err(|e| std::io::Error::other(format!("cannot read the store for output: {e}")))?;
    // Only what arrives from now on; earlier sessions are for `hookcatch list`.
    let start = query::max_id(&conn).map_err(std::io::Error::other)?;
    let output = std::thread::Builder::new()
        .name("hookcatch-printer".into())
        .spawn(move || {
            let mut out = LinePrinter {
                conn,
                auth,
                last: start,
                stdout: std::io::stdout().lock(),
                pending: Vec::new(),
            };
            let _ = out.run(committed);
        })?;
    let messages = std::thread::Builder::new()
        .name("hookcatch-messages".into())
        .spawn(move || report_store_trouble(notices))?;
    Ok(Printer { output, messages })
}

/// Store failures and recoveries go to stderr, as they happen.
fn report_store_trouble(mut notices: broadcast::Receiver<Notice>) {
    loop {
        match notices.blocking_recv() {
            Ok(Notice::StoreFailed(why)) => {
                eprintln!("hookcatch: store write failed: {why}; answering 503 until it recovers")
            }
            Ok(Notice::StoreRecovered) => eprintln!("hookcatch: store writes succeed again"),
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return,
        }
    }
}

/// stdout went away (`| head`): stop printing, keep capturing.
struct StdoutGone;

struct LinePrinter<W: Write> {
    conn: rusqlite::Connection,
    auth: AuthConfig,
    last: RequestId,
    stdout: W,
    /// Lines not yet written, reused.
    pending: Vec<u8>,
}

/// Write what is pending once it reaches this size, even if more is waiting.
const WRITE_AT: usize = 256 * 1024;

impl<W: Write> LinePrinter<W> {
    fn run(&mut self, committed: Receiver<Vec<Committed>>) -> Result<(), StdoutGone> {
        while let Ok(first) = committed.recv() {
            // Everything already waiting goes out in one write; nothing
            // waits for more to arrive.
            let mut next = Some(first);
            while let Some(batch) = next {
                for item in batch {
                    self.take(item)?;
                    if self.pending.len() >= WRITE_AT {
                        self.write_pending()?;
                    }
                }
                next = committed.try_recv().ok();
            }
            self.write_pending()?;
        }
        // The writer has stopped: print whatever the tap skipped at the end.
        self.catch_up(None)?;
        self.write_pending()
    }

    /// Queue one committed request's line, after any the tap skipped.
    fn take(&mut self, item: Committed) -> Result<(), StdoutGone> {
        let id = item.stored.request.id;
        if id <= self.last {
            return Ok(()); // printed already while catching up
        }
        if id > self.last + 1 {
            self.catch_up(Some(id - 1))?;
        }
        match &item.findings {
            Some(findings) => self.queue(&item.stored, findings)?,
            None => {
                let findings = self.inspect(&item.stored);
                self.queue(&item.stored, &findings)?;
            }
        }
        self.last = id;
        Ok(())
    }

    /// Print stored requests after `last`, up to `until` (or all).
    fn catch_up(&mut self, until: Option<RequestId>) -> Result<(), StdoutGone> {
        loop {
            let batch = match query::after(&self.conn, self.last, 256) {
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
                self.queue(&stored, &findings)?;
                self.last = stored.request.id;
            }
            self.write_pending()?;
        }
    }

    fn inspect(&self, stored: &StoredRequest) -> inspect::Summary {
        // Judged as it arrived, like everywhere else.
        inspect::summarize(&stored.request, &self.auth, stored.request.received_at)
    }

    /// Add one line to what is pending.
    fn queue(
        &mut self,
        stored: &StoredRequest,
        findings: &impl Findings,
    ) -> Result<(), StdoutGone> {
        serde_json::to_writer(&mut self.pending, &request_line(stored, findings))
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
    use std::time::{Duration, Instant};

    use super::*;
    use crate::model::CapturedRequest;
    use crate::store::{NewRequest, StoreWriter};

    /// Five requests through a real writer; the tap hands over only some.
    fn store_with_five(dir: &std::path::Path) -> (Location, Vec<Committed>) {
        let location = Location::File(dir.join("t.db"));
        let (tap, taken) = tap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (notices, _) = broadcast::channel(16);
        let (writer, thread) =
            StoreWriter::spawn_tapped(&location, false, notices, Some(tap)).unwrap();
        runtime.block_on(async {
            for i in 1..=5 {
                let req = CapturedRequest::new(
                    "POST",
                    &format!("/n{i}"),
                    vec![],
                    format!("{i}").into_bytes(),
                );
                let new =
                    NewRequest::from_captured(req, Instant::now(), Duration::ZERO, None, None);
                writer.insert(new).await.unwrap();
            }
        });
        drop(writer);
        thread.join();
        (location, taken.into_iter().flatten().collect())
    }

    #[test]
    fn gaps_in_the_tap_are_filled_from_the_store_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (location, committed) = store_with_five(dir.path());
        assert_eq!(committed.len(), 5);
        let (tx, rx) = std::sync::mpsc::channel();
        for c in committed {
            // The tap "was full" for 2, 3 and 5.
            if [1, 4].contains(&c.stored.request.id) {
                tx.send(vec![c]).unwrap();
            }
        }
        drop(tx);
        let mut out = Vec::new();
        let mut printer = LinePrinter {
            conn: location.open_reader().unwrap(),
            auth: AuthConfig::default(),
            last: 0,
            stdout: &mut out,
            pending: Vec::new(),
        };
        assert!(printer.run(rx).is_ok());
        let ids: Vec<i64> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_i64()
                    .unwrap()
            })
            .collect();
        assert_eq!(ids, [1, 2, 3, 4, 5]);
    }
}
