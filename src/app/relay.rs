//! `hookcatch relay`: wiring only. The same start and stop as `listen`
//! (startup.rs, shutdown.rs), its limits and rules; the routes are the
//! relay's (relay/server.rs).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio_util::sync::CancellationToken;

use super::shutdown::finish;
use super::startup::{Started, start};
use super::{AppError, runtime};
use crate::capture::{CaptureSettings, ResponseMode};
use crate::cli::{GlobalArgs, RelayArgs};
use crate::config::{self, Config, ConfigError, RelayConfig};
use crate::relay::channels::Channels;
use crate::relay::hold::Holds;
use crate::relay::readers::Readers;
use crate::relay::server::{Relay, route};

pub(super) fn run(global: &GlobalArgs, args: &RelayArgs) -> Result<ExitCode, AppError> {
    let (config, relay) = config::load_relay(global, args)?;
    let token = relay_token(&config)?;
    runtime()?.block_on(serve(config, relay, token))
}

/// The token that guards reading, and no setting that is `listen`'s.
fn relay_token(config: &Config) -> Result<String, ConfigError> {
    let token = config.token.clone().ok_or(ConfigError::RelayNeedsToken)?;
    if config.from.is_some() {
        return Err(ConfigError::Conflict {
            setting: "--from",
            why: "is for `hookcatch listen` (a subscriber); a relay is what it follows",
        });
    }
    if config.forward.is_some() {
        return Err(ConfigError::Conflict {
            setting: "--forward",
            why: "is for `hookcatch listen`; run `hookcatch listen --from URL --forward APP` \
                  where the app is",
        });
    }
    Ok(token)
}

async fn serve(config: Config, relay: RelayConfig, token: String) -> Result<ExitCode, AppError> {
    let (started, tls) = start(&config, Arc::new(AtomicBool::new(false)), || {
        match &relay.tls {
            Some((cert, key)) => crate::relay::tls::acceptor(cert, key)
                .map(Some)
                .map_err(|e| AppError::Usage(e.to_string())),
            None => Ok(None),
        }
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
    // The relay's streams read the store by id, not this stream.
    drop(events);
    let store_id = writer
        .run(crate::store::query::store_id)
        .await
        .map_err(|e| super::store_usage_error(&config.store, e))?;
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
        token,
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
    let stopped = finish(in_flight, writer, writer_thread, None, &stop).await;
    Ok(stopped.exit_code())
}
