//! The listener at work: bind, store, capture settings (rules, live mode,
//! forwarding), the TUI or headless output, and a clean stop on a signal.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::{AppError, send_test, store_usage_error};
use crate::capture::{CaptureSettings, Listener, ResponseMode};
use crate::config::Config;
use crate::replay::forward::Forwarder;
use crate::replay::send::SendOptions;
use crate::store::StoreWriter;

/// Run the listener (TUI, or headless output) until Ctrl-C, SIGTERM or quit.
/// `demo` also starts the demo stream once the listener is bound.
pub(super) async fn serve(
    config: Config,
    demo: Option<send_test::DemoStream>,
) -> Result<ExitCode, AppError> {
    // Before anything is announced: a SIGTERM right after "listening on" stops cleanly.
    let editing = Arc::new(AtomicBool::new(false));
    let signal = wait_for_signal(editing.clone());
    let headless =
        config.headless || !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal();
    // A theme that does not exist is a usage error, TUI or not, before the port is taken.
    crate::tui::theme::Theme::load(config.theme.as_deref())
        .map_err(|e| AppError::Usage(format!("--theme: {e}")))?;
    let listener = Listener::bind(config.addr)
        .await
        .map_err(|e| AppError::Usage(e.to_string()))?;
    let (notices, printer_rx) = broadcast::channel(65_536);
    let (tap, committed) = crate::headless::tap();
    let (writer, writer_thread) = StoreWriter::spawn_tapped(
        &config.store,
        config.fsync,
        notices,
        headless.then_some(tap),
    )
    .map_err(|e| store_usage_error(&config.store, e))?;
    if !config.addr.ip().is_loopback() {
        eprintln!(
            "hookcatch: warning: listening on {} (not loopback): anyone who can reach this machine \
             can post to it, and what they send is stored; use --bind 127.0.0.1 to stay local",
            config.addr.ip()
        );
    }
    let url = listener.url();
    let local_addr = listener.local_addr;
    eprintln!(
        "hookcatch: listening on {url} (store: {})",
        config.store.describe()
    );
    let printer = if headless {
        Some(
            crate::headless::spawn(
                config.store.clone(),
                config.auth.clone(),
                committed,
                printer_rx,
                // By then the forwarder has recorded the app's answer or its 504.
                config.timeout + Duration::from_secs(5),
            )
            .context("cannot start the output thread")?,
        )
    } else {
        drop(printer_rx);
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
                crate::text::sanitize(url),
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
    let server = tokio::spawn(listener.serve(settings, writer.clone(), shutdown.clone()));
    if let Some(demo) = demo {
        let own = crate::replay::own_url(local_addr);
        tokio::spawn(demo.run(own, send_options, shutdown.clone()));
    }
    let signals = shutdown.clone();
    tokio::spawn(async move {
        signal.await;
        signals.cancel();
    });
    let ui_result = if headless {
        shutdown.cancelled().await;
        eprintln!("hookcatch: stopping (finishing requests in flight)");
        Ok(())
    } else {
        let mut replay = crate::replay::ReplayKit::from_config(&config, writer.clone());
        // With --port 0 the configured address has no port yet: aim at the bound one.
        replay.target = crate::replay::choose_target(
            None,
            config.forward.as_deref(),
            config.replay_to.as_deref(),
            local_addr,
        );
        let ctx = crate::tui::TuiContext {
            listen_url: url,
            store: config.store.clone(),
            writer: writer.clone(),
            notices: writer.notices().subscribe(),
            auth: config.auth.clone(),
            theme: config.theme.clone(),
            shutdown: shutdown.clone(),
            replay,
            response_mode: mode.clone(),
            forward: config.forward.clone(),
            editing,
        };
        crate::tui::run(ctx).await
    };
    shutdown.cancel();
    let _ = server.await;
    drop(writer);
    // Both joins wait for work that is already bounded: pending commits, then output.
    tokio::task::spawn_blocking(move || {
        writer_thread.join();
        if let Some(printer) = printer {
            printer.join();
        }
    })
    .await
    .ok();
    ui_result.map_err(AppError::Failed)?;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C (outside raw mode) or SIGTERM. The handlers are registered when
/// this is called, not when the future is first polled, so a signal that
/// arrives right after start-up is not lost (or fatal). A SIGINT while
/// `editing` (the TUI's `$EDITOR` has the terminal) is the editor's, not ours.
fn wait_for_signal(editing: Arc<AtomicBool>) -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let handlers = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (mut term, mut interrupt) = handlers;
            let term = async {
                match term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            let interrupt = async {
                match interrupt.as_mut() {
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
            let _ = editing;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
