//! The listener at work: bind, store, capture settings (rules, live mode,
//! forwarding), the TUI or headless output, and a clean stop.
//!
//! Stopping (Ctrl-C, SIGTERM, `q`, or stdout closed under headless output):
//! the listener stops accepting, requests in flight get [`SHUTDOWN_GRACE`] to
//! be answered, with a line on stderr saying what is awaited if it takes
//! more than a moment; then what is left is cut off, the store writer
//! commits what it has, and the output is flushed. A second Ctrl-C or
//! SIGTERM skips the wait (exit 130); the commit still completes.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use tokio_util::sync::CancellationToken;

use super::{AppError, send_test, store_usage_error};
use crate::capture::server::{InFlight, SHUTDOWN_GRACE};
use crate::capture::{CaptureSettings, Listener, ResponseMode};
use crate::config::Config;
use crate::replay::forward::Forwarder;
use crate::replay::send::SendOptions;
use crate::store::StoreWriter;
use crate::store::writer::WriterThread;

/// How long a headless line waits for its answer before it is printed as
/// stored (still pending): the longest any answer can take, plus a margin.
fn answer_wait(config: &Config) -> Duration {
    let longest_delay = config
        .rules
        .iter()
        .map(|r| r.delay)
        .chain([config.response.delay, crate::capture::mode::SLOW_DELAY])
        .max()
        .unwrap_or_default();
    config.timeout.max(longest_delay) + Duration::from_secs(5)
}

/// Run the listener (TUI, or headless output) until Ctrl-C, SIGTERM or quit.
/// `demo` also starts the demo stream once the listener is bound.
pub(super) async fn serve(
    config: Config,
    demo: Option<send_test::DemoStream>,
) -> Result<ExitCode, AppError> {
    config.check_listener()?;
    // Before anything is announced: a SIGTERM right after "listening on" stops cleanly.
    let editing = Arc::new(AtomicBool::new(false));
    let signals = Signals::register(editing.clone());
    let headless =
        config.headless || !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal();
    // A theme that does not exist is a usage error, TUI or not, before the port is taken.
    crate::tui::theme::Theme::load(config.theme.as_deref())
        .map_err(|e| AppError::Usage(format!("--theme: {e}")))?;
    // One listener per store, checked before the port is taken; held to the end.
    let _store_lock = match &config.store {
        crate::store::Location::File(path) => Some(
            crate::store::lock::StoreLock::acquire(path)
                .map_err(|e| AppError::Usage(e.to_string()))?,
        ),
        crate::store::Location::Memory(_) => None,
    };
    // Each connection holds a descriptor: take all the system allows.
    crate::capture::nofile::raise_open_files_limit();
    let listener = Listener::bind(config.addr)
        .await
        .map_err(|e| AppError::Usage(e.to_string()))?;
    let (writer, writer_thread) = StoreWriter::spawn(&config.store, config.fsync)
        .map_err(|e| store_usage_error(&config.store, e))?;
    // Subscribed before anything is captured: the TUI sees every commit.
    let tui_events = (!headless).then(|| writer.subscribe());
    // Answers a listener stopped without (killed, or cut at shutdown
    // after its writer went) are not pending any more.
    if let Err(e) = writer.run(crate::store::writer::settle_stale_pending).await {
        eprintln!("hookcatch: warning: cannot settle pending answers: {e}");
    }
    if !config.addr.ip().is_loopback() {
        eprintln!(
            "hookcatch: warning: listening on {} (not loopback): anyone who can reach this machine \
             can post to it, and what they send is stored; use --bind 127.0.0.1 to stay local",
            config.addr.ip()
        );
    }
    let url = listener.url();
    let local_addr = listener.local_addr;
    // `replay` and `send-test` without --to find this listener by it;
    // recorded before it is announced.
    if let Err(e) =
        crate::store::meta::record_listener(&writer, crate::replay::own_url(local_addr)).await
    {
        eprintln!("hookcatch: warning: cannot record the listener's URL in the store: {e}");
    }
    eprintln!(
        "hookcatch: listening on {url} (store: {})",
        config.store.describe()
    );
    let stdout_gone = CancellationToken::new();
    let printer = if headless {
        Some(
            crate::headless::spawn(
                config.store.clone(),
                config.auth.clone(),
                crate::secrets::Masking::new(&config.auth.secret_header, config.mask_secrets),
                &writer,
                // By then the forwarder has recorded the app's answer or its
                // 504, and a delayed answer (slow mode, --delay, a rule's
                // delay) has gone out or been recorded as not sent.
                answer_wait(&config),
                stdout_gone.clone(),
            )
            .context("cannot start the output thread")?,
        )
    } else {
        None
    };

    let send_options = SendOptions {
        timeout: config.timeout,
        insecure: config.insecure,
    };
    let forward = match &config.forward {
        Some(url) => {
            let forwarder =
                Forwarder::new(url, config.forward_mode, send_options).map_err(AppError::Usage)?;
            eprintln!(
                "hookcatch: forwarding to {} ({} mode)",
                crate::text::sanitize(&crate::secrets::mask_url(url)),
                config.forward_mode.as_str()
            );
            Some(forwarder)
        }
        None => None,
    };
    let mode = Arc::new(ResponseMode::new(config.mode));
    if config.mode != crate::capture::Mode::Normal {
        eprintln!(
            "hookcatch: response mode {}: {}",
            config.mode.label(),
            config.mode.describe()
        );
    }
    let settings = Arc::new(CaptureSettings {
        response: config.response.clone(),
        limits: config.limits.clone(),
        auth: config.auth.clone(),
        enforce_auth: config.enforce_auth,
        rules: config.rules.clone(),
        mode: mode.clone(),
        forward,
    });
    let shutdown = CancellationToken::new();
    let relay = config.from.clone().map(|source| {
        let (status, rx) = tokio::sync::watch::channel("relay: connecting".to_string());
        eprintln!(
            "hookcatch: following {}/c/{}",
            crate::text::sanitize(&crate::secrets::mask_url(&source.base)),
            source.channel
        );
        let subscriber = crate::relay::subscribe::Subscriber {
            source,
            token: config.token.clone().unwrap_or_default(),
            settings: settings.clone(),
            writer: writer.clone(),
            shutdown: shutdown.clone(),
            cut: shutdown.clone(),
            status,
            log: headless,
            options: send_options,
        };
        tokio::spawn(subscriber.run());
        rx
    });
    if config.retention.is_active() {
        eprintln!(
            "hookcatch: retention: keeping {}; older requests are pruned in the background",
            config.retention.describe()
        );
    }
    // Holds a writer handle until the shutdown below; awaited before the
    // writer is drained, so it never counts as a send awaiting its answer.
    let pruner = crate::store::pruner::spawn(
        config.store.clone(),
        writer.clone(),
        config.retention,
        shutdown.clone(),
    );
    let server = tokio::spawn(listener.serve(settings, writer.clone(), shutdown.clone()));
    if let Some(demo) = demo {
        let own = crate::replay::own_url(local_addr);
        tokio::spawn(demo.run(own, send_options, shutdown.clone()));
    }
    let stop = signals.watch(shutdown.clone());
    let ui_result = if headless {
        tokio::select! {
            () = shutdown.cancelled() => eprintln!("hookcatch: stopping"),
            () = stdout_gone.cancelled() => eprintln!("hookcatch: stdout closed; stopping"),
            () = crate::headless::stdout_closed() => {
                eprintln!("hookcatch: stdout closed; stopping");
            }
        }
        Ok(())
    } else {
        let settings = crate::replay::ReplaySettings {
            // With --port 0 the configured address has no port yet: aim at the bound one.
            target: crate::replay::choose_target(
                None,
                config.forward.as_deref(),
                config.replay_to.as_deref(),
                local_addr,
            ),
            send: send_options,
            ladder_scale: config.ladder_scale,
        };
        let replay = crate::replay::ReplayKit::new(settings, config.store.clone(), writer.clone());
        let ctx = crate::tui::TuiContext {
            listen_url: url,
            store: config.store.clone(),
            writer: writer.clone(),
            events: tui_events.unwrap_or_else(|| writer.subscribe()),
            auth: config.auth.clone(),
            theme: config.theme.clone(),
            shutdown: shutdown.clone(),
            replay,
            response_mode: mode.clone(),
            forward: config.forward.clone(),
            editing,
            relay,
        };
        crate::tui::run(ctx).await
    };
    shutdown.cancel();
    // Bounded: a stuck store must not hold up a stop (a killed listener's URL is ignored anyway).
    let _ = tokio::time::timeout(MOMENT, crate::store::meta::clear_listener(&writer)).await;
    let _ = pruner.await;
    let in_flight = server.await.ok();
    let forced = finish(in_flight, writer, writer_thread, printer, &stop).await;
    ui_result.map_err(AppError::Failed)?;
    Ok(if forced {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

/// How long a stop may take before stderr says what it waits for.
const MOMENT: Duration = Duration::from_millis(500);

/// After the listener stopped accepting: wait for the requests in flight,
/// then for forwards and replays still recording their answers (all within
/// one [`SHUTDOWN_GRACE`], cut short by a second signal), then let the store
/// writer commit everything queued, then flush the output. Returns true if
/// a second signal cut a wait short.
pub(super) async fn finish(
    in_flight: Option<InFlight>,
    writer: StoreWriter,
    writer_thread: WriterThread,
    printer: Option<crate::headless::Printer>,
    stop: &Stop,
) -> bool {
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
    waited == Waited::Forced
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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Waited {
    Done,
    Expired,
    Forced,
}

/// How a stop goes: `force` is cancelled by the signal after the one that
/// started it (or after the first, when `q` or a closed stdout started it).
pub(super) struct Stop {
    force: CancellationToken,
    by_signal: Arc<AtomicBool>,
}

impl Stop {
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
        let stop = Stop {
            force: CancellationToken::new(),
            by_signal: Arc::new(AtomicBool::new(false)),
        };
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
