//! The listener at work: capture settings (rules, live mode, forwarding),
//! the relay it follows, and the TUI or headless output. It starts as every
//! listener does (startup.rs: store, port, signals) and stops when Ctrl-C,
//! SIGTERM, `q` or a closed stdout (under headless output) says so, as
//! shutdown.rs describes: a grace for what is in flight, a second signal to
//! skip it (exit 130).

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Context as _;
use tokio_util::sync::CancellationToken;

use super::shutdown::finish;
use super::startup::{Started, start};
use super::{AppError, send_test};
use crate::capture::{CaptureSettings, ResponseMode};
use crate::config::Config;
use crate::replay::forward::Forwarder;
use crate::replay::send::SendOptions;

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
    let editing = Arc::new(AtomicBool::new(false));
    let headless =
        config.headless || !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal();
    if !headless && config.store.is_postgres() {
        return Err(AppError::Usage(format!(
            "the terminal UI reads a SQLite store only, not PostgreSQL ({}): pass --headless",
            config.store.describe()
        )));
    }
    let (started, ()) = start(&config, editing.clone(), || {
        // A theme that does not exist is a usage error, TUI or not.
        crate::tui::theme::Theme::load(config.theme.as_deref())
            .map(drop)
            .map_err(|e| AppError::Usage(format!("--theme: {e}")))
    })
    .await?;
    let Started {
        listener,
        writer,
        writer_thread,
        signals,
        events,
        store_lock: _store_lock,
    } = started;
    let tui_events = (!headless).then_some(events);
    let url = listener.url();
    let local_addr = listener.local_addr;
    // `replay` and `send-test` without --to find this listener by it;
    // recorded before it is announced. Not in a database several share.
    if !config.store.is_postgres()
        && let Err(e) =
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
            bell: config.bell,
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
    let _ = tokio::time::timeout(
        super::shutdown::MOMENT,
        crate::store::meta::clear_listener(&writer),
    )
    .await;
    let _ = pruner.await;
    let in_flight = server.await.ok();
    let stopped = finish(in_flight, writer, writer_thread, printer, &stop).await;
    ui_result.map_err(AppError::Failed)?;
    Ok(stopped.exit_code())
}
