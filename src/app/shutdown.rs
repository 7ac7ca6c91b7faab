//! How a listener (`listen`, `relay`) stops, once it stopped accepting.
//!
//! The states: requests in flight are awaited, then the forwards and replays
//! still recording their answers (both within one [`SHUTDOWN_GRACE`]), then
//! the store writer commits everything queued, then the headless output is
//! flushed. Each wait ends [`Waited::Done`], [`Waited::Expired`] (the grace
//! is over: what is left is cut off) or [`Waited::Forced`] (a second Ctrl-C
//! or SIGTERM: every later wait is skipped too, but the commit completes).
//! The whole stop ends [`Stopped::Clean`] or [`Stopped::Forced`] (exit 130).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::capture::server::{InFlight, SHUTDOWN_GRACE};
use crate::store::StoreWriter;
use crate::store::writer::WriterThread;

/// How a stop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stopped {
    /// Everything awaited finished, or the grace ran out and the rest was cut.
    Clean,
    /// A second signal cut a wait short.
    Forced,
}

impl Stopped {
    /// 0, or 130 (as a shell reports a process stopped by Ctrl-C).
    pub(super) fn exit_code(self) -> ExitCode {
        match self {
            Stopped::Clean => ExitCode::SUCCESS,
            Stopped::Forced => ExitCode::from(130),
        }
    }
}

/// How long a stop may take before stderr says what it waits for.
pub(super) const MOMENT: Duration = Duration::from_millis(500);

/// After the listener stopped accepting: wait for the requests in flight,
/// then for forwards and replays still recording their answers (all within
/// one [`SHUTDOWN_GRACE`], cut short by a second signal), then let the store
/// writer commit everything queued, then flush the output.
pub(super) async fn finish(
    in_flight: Option<InFlight>,
    writer: StoreWriter,
    writer_thread: WriterThread,
    printer: Option<crate::headless::Printer>,
    stop: &Stop,
) -> Stopped {
    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    let closer = writer.closer();
    drop(writer);
    let mut waited = Waited::Done;
    if let Some(in_flight) = in_flight {
        waited = stop
            .wait(in_flight.finished(), deadline, || in_flight_now(&in_flight))
            .await;
        if waited != Waited::Done {
            let left = in_flight_now(&in_flight);
            in_flight.cut().await;
            match (waited, left) {
                (Waited::Expired, Some(left)) => eprintln!(
                    "hookcatch: stopped waiting after {} s; cut off {left}",
                    SHUTDOWN_GRACE.as_secs()
                ),
                (Waited::Forced, Some(left)) => {
                    eprintln!("hookcatch: stopping now; cut off {left}");
                }
                _ => {}
            }
        }
    }
    // The connections are gone; other store handles belong to forwards and
    // replays still waiting for an answer to record.
    let mut joined = tokio::task::spawn_blocking(move || writer_thread.join());
    let sends = || match closer.handles() {
        0 => None,
        1 => Some("1 forward or replay to get its answer".to_string()),
        n => Some(format!("{n} forwards or replays to get their answers")),
    };
    if waited != Waited::Forced {
        waited = stop.wait(&mut joined, deadline, sends).await;
    }
    if waited != Waited::Done {
        if let (Waited::Expired, Some(left)) = (waited, sends()) {
            eprintln!("hookcatch: stopped waiting for {left}");
        }
        // Whatever is queued still commits; only later writes are refused.
        closer.close().await;
        let _ = joined.await;
    }
    if let Some(printer) = printer {
        if waited == Waited::Forced {
            // Normally a few milliseconds; not worth waiting on a stuck reader.
            let _ = tokio::time::timeout(MOMENT, printer.finish()).await;
        } else {
            tokio::select! {
                () = printer.finish() => {}
                () = stop.force.cancelled() => waited = Waited::Forced,
            }
        }
    }
    if waited == Waited::Forced {
        Stopped::Forced
    } else {
        Stopped::Clean
    }
}

fn in_flight_now(in_flight: &InFlight) -> Option<String> {
    match (in_flight.requests(), in_flight.connections()) {
        (0, 0) => None,
        (0, n) => Some(format!("{n} {} to close", plural(n, "connection"))),
        (n, _) => Some(format!("{n} {} in flight", plural(n, "request"))),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// How one wait of the stop ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Waited {
    /// What was awaited finished.
    Done,
    /// The grace is over.
    Expired,
    /// A second signal.
    Forced,
}

/// How a stop goes: `force` is cancelled by the signal after the one that
/// started it (or after the first, when `q` or a closed stdout started it).
pub(super) struct Stop {
    force: CancellationToken,
    by_signal: Arc<AtomicBool>,
}

impl Stop {
    fn new() -> Stop {
        Stop {
            force: CancellationToken::new(),
            by_signal: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Wait for `done` until `deadline` or a forcing signal. Past a moment,
    /// say on stderr what is awaited (`what`, if anything still is).
    async fn wait(
        &self,
        done: impl std::future::Future,
        deadline: tokio::time::Instant,
        what: impl Fn() -> Option<String>,
    ) -> Waited {
        let mut done = std::pin::pin!(done);
        let moment = deadline.min(tokio::time::Instant::now() + MOMENT);
        tokio::select! {
            biased;
            _ = done.as_mut() => return Waited::Done,
            () = self.force.cancelled() => return Waited::Forced,
            () = tokio::time::sleep_until(moment) => {}
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if let Some(what) = what().filter(|_| !left.is_zero()) {
            let again = if self.by_signal.load(Ordering::SeqCst) {
                " again"
            } else {
                ""
            };
            eprintln!(
                "hookcatch: waiting up to {} s for {what} (Ctrl-C{again} to stop now)",
                left.as_secs_f64().ceil()
            );
        }
        tokio::select! {
            biased;
            _ = done => Waited::Done,
            () = self.force.cancelled() => Waited::Forced,
            () = tokio::time::sleep_until(deadline) => Waited::Expired,
        }
    }
}

/// SIGTERM, or Ctrl-C outside raw mode. The handlers are registered at
/// start-up ([`Signals::register`]), so a signal that arrives right after
/// "listening on" is not lost (or fatal). A SIGINT while `editing` (the
/// TUI's `$EDITOR` has the terminal) is the editor's, not ours.
pub(super) struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    editing: Arc<AtomicBool>,
}

impl Signals {
    pub(super) fn register(editing: Arc<AtomicBool>) -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                term: signal(SignalKind::terminate()).ok(),
                interrupt: signal(SignalKind::interrupt()).ok(),
                editing,
            }
        }
        #[cfg(not(unix))]
        Signals { editing }
    }

    /// The first signal cancels `shutdown`; the next one (or the first, if
    /// `shutdown` came another way) forces the stop.
    pub(super) fn watch(mut self, shutdown: CancellationToken) -> Stop {
        let stop = Stop::new();
        let (force, by_signal) = (stop.force.clone(), stop.by_signal.clone());
        tokio::spawn(async move {
            tokio::select! {
                () = self.next() => {
                    by_signal.store(true, Ordering::SeqCst);
                    shutdown.cancel();
                }
                () = shutdown.cancelled() => {}
            }
            self.next().await;
            force.cancel();
        });
        stop
    }

    /// The next SIGTERM, or SIGINT that is ours.
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            let editing = &self.editing;
            let term = async {
                match self.term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            let interrupt = async {
                match self.interrupt.as_mut() {
                    Some(s) => loop {
                        if s.recv().await.is_none() || !editing.load(Ordering::SeqCst) {
                            break;
                        }
                    },
                    None => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            };
            tokio::select! {
                () = term => {}
                () = interrupt => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = &self.editing;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Location;

    fn later(ms: u64) -> tokio::time::Instant {
        tokio::time::Instant::now() + Duration::from_millis(ms)
    }

    #[tokio::test]
    async fn a_wait_ends_done_forced_or_expired() {
        let stop = Stop::new();
        let nothing = || None;
        assert_eq!(
            stop.wait(async {}, later(60_000), nothing).await,
            Waited::Done
        );
        assert_eq!(
            stop.wait(std::future::pending::<()>(), later(20), nothing)
                .await,
            Waited::Expired
        );
        stop.force.cancel();
        assert_eq!(
            stop.wait(std::future::pending::<()>(), later(60_000), nothing)
                .await,
            Waited::Forced
        );
        // What has already finished still counts as done after a force.
        assert_eq!(
            stop.wait(async {}, later(60_000), nothing).await,
            Waited::Done
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_stop_with_nothing_left_is_clean() {
        let (writer, thread) = StoreWriter::spawn(&Location::ephemeral(), false).unwrap();
        let stop = Stop::new();
        let stopped = finish(None, writer, thread, None, &stop).await;
        assert_eq!(stopped, Stopped::Clean);
        assert_eq!(stopped.exit_code(), ExitCode::SUCCESS);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_forced_stop_does_not_wait_for_a_send_still_holding_the_store() {
        let (writer, thread) = StoreWriter::spawn(&Location::ephemeral(), false).unwrap();
        // A forward still waiting for its app's answer would keep the writer
        // open for the whole grace; a second signal closes it now.
        let send = writer.clone();
        let stop = Stop::new();
        stop.force.cancel();
        let stopped = finish(None, writer, thread, None, &stop).await;
        assert_eq!(stopped, Stopped::Forced);
        assert_eq!(stopped.exit_code(), ExitCode::from(130));
        drop(send);
    }
}
