//! `hookcatch relay`: wiring only. The same store, limits, rules and stop
//! as `listen` (see serve.rs); the routes are the relay's (relay/server.rs).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::serve::{Signals, finish};
use super::{AppError, runtime, store_usage_error};
use crate::capture::{CaptureSettings, Listener, ResponseMode};
use crate::cli::{GlobalArgs, ListenArgs, RelayArgs};
use crate::config::{self, Config};
use crate::relay::channels::{Channels, Rate};
use crate::relay::hold::Holds;
use crate::relay::readers::Readers;
use crate::relay::server::{Relay, route};
use crate::store::StoreWriter;

/// The longest `--hold`: senders rarely wait longer (Pingara waits 10 s).
const HOLD_MAX: f64 = 300.0;

pub(super) fn run(global: &GlobalArgs, args: &RelayArgs) -> Result<ExitCode, AppError> {
    // Only the capture flags: relay takes no flag it would ignore.
    let flags = ListenArgs {
        capture: args.capture.clone(),
        ..ListenArgs::default()
    };
    let config = config::load(global, &flags)?;
    let relay = relay_settings(&config, args)?;
    runtime()?.block_on(serve(config, relay, args.clone()))
}

/// What only the relay has, checked before anything starts.
struct RelaySettings {
    token: String,
    hold: Option<Duration>,
    rate: Option<Rate>,
}

fn relay_settings(config: &Config, args: &RelayArgs) -> Result<RelaySettings, AppError> {
    let usage = |s: &str| AppError::Usage(s.to_string());
    let token = config.token.clone().ok_or_else(|| {
        usage(
            "relay needs a token to guard reading its channels: --token TOKEN \
             (or HOOKCATCH_TOKEN, or token in the config file)",
        )
    })?;
    if config.from.is_some() {
        return Err(usage(
            "--from is for `hookcatch listen` (a subscriber); a relay is what it follows",
        ));
    }
    if config.forward.is_some() {
        return Err(usage(
            "--forward is for `hookcatch listen`; run `hookcatch listen --from URL --forward APP` \
             where the app is",
        ));
    }
    let hold = match args.hold {
        None => None,
        Some(secs) if secs.is_finite() && secs > 0.0 && secs <= HOLD_MAX => {
            Some(Duration::from_secs_f64(secs))
        }
        Some(_) => return Err(usage("--hold: expected seconds from 0.1 to 300, e.g. 10")),
    };
    let rate = match &args.rate {
        None => None,
        Some(text) => Some(Rate::parse(text).ok_or_else(|| {
            usage("--rate: expected requests per second or minute, e.g. 20/s or 600/m")
        })?),
    };
    Ok(RelaySettings { token, hold, rate })
}

async fn serve(
    config: Config,
    relay: RelaySettings,
    args: RelayArgs,
) -> Result<ExitCode, AppError> {
    config.check_listener()?;
    let signals = Signals::register(Arc::new(AtomicBool::new(false)));
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            crate::relay::tls::acceptor(cert, key).map_err(|e| AppError::Usage(e.to_string()))?,
        ),
        _ => None,
    };
    // One writer per store, checked before the port is taken; held to the end.
    let _store_lock = match &config.store {
        crate::store::Location::File(path) => Some(
            crate::store::lock::StoreLock::acquire(path)
                .map_err(|e| AppError::Usage(e.to_string()))?,
        ),
        crate::store::Location::Memory(_) => None,
    };
    // Each stream and sender holds a descriptor: take all the system allows.
    crate::capture::nofile::raise_open_files_limit();
    let listener = Listener::bind(config.addr)
        .await
        .map_err(|e| AppError::Usage(e.to_string()))?;
    let (writer, writer_thread) = StoreWriter::spawn(&config.store, config.fsync)
        .map_err(|e| store_usage_error(&config.store, e))?;
    let store_id = writer
        .run(crate::store::query::store_id)
        .await
        .map_err(|e| store_usage_error(&config.store, e))?;
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
    let scheme = if tls.is_some() { "https" } else { "http" };
    eprintln!(
        "hookcatch: relay listening on {scheme}://{} (store: {}); senders post to /c/CHANNEL/...",
        listener.local_addr,
        config.store.describe()
    );
    if let Some(hold) = relay.hold {
        eprintln!(
            "hookcatch: holding senders up to {} s for a subscriber's answer",
            hold.as_secs_f64()
        );
    }
    let settings = Arc::new(CaptureSettings {
        response: config.response.clone(),
        limits: config.limits.clone(),
        auth: config.auth.clone(),
        enforce_auth: config.enforce_auth,
        rules: config.rules.clone(),
        mode: Arc::new(ResponseMode::new(config.mode)),
        forward: None,
    });
    let shared = Arc::new(Relay {
        token: relay.token,
        channel_tokens: config.relay_tokens.clone(),
        channels: Arc::new(Channels::default()),
        readers: Readers::new(config.store.clone()),
        holds: relay.hold.map(|h| Arc::new(Holds::new(h))),
        rate: relay.rate,
        keepalive: crate::relay::stream::KEEPALIVE,
        store_id: store_id.into(),
    });
    let shutdown = CancellationToken::new();
    // A relay keeps `--keep N` per channel: one busy channel never pushes
    // out another's history.
    let retention = crate::store::retention::Retention {
        per_channel: true,
        ..config.retention
    };
    if retention.is_active() {
        eprintln!(
            "hookcatch: retention: keeping {}; older requests are pruned in the background",
            retention.describe()
        );
    }
    let pruner = crate::store::pruner::spawn(
        config.store.clone(),
        writer.clone(),
        retention,
        shutdown.clone(),
    );
    let routes = move |req, conn| route(shared.clone(), req, conn);
    let server = match tls {
        Some(tls) => tokio::spawn(listener.serve_tls(
            settings,
            writer.clone(),
            shutdown.clone(),
            routes,
            tls,
        )),
        None => {
            tokio::spawn(listener.serve_with(settings, writer.clone(), shutdown.clone(), routes))
        }
    };
    let stop = signals.watch(shutdown.clone());
    shutdown.cancelled().await;
    eprintln!("hookcatch: stopping");
    let in_flight = server.await.ok();
    // The pruner holds a writer handle: gone before the writer drains.
    let _ = pruner.await;
    let forced = finish(in_flight, writer, writer_thread, None, &stop).await;
    Ok(if forced {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}
