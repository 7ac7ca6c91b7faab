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
use crate::store::Location;
use crate::store::postgres::hold::PRESENCE_EVERY;
use crate::store::postgres::notify::Committed;

pub(super) fn run(global: &GlobalArgs, args: &RelayArgs) -> Result<ExitCode, AppError> {
    let (config, relay) = config::load_relay(global, args)?;
    let token = relay_token(&config)?;
    for note in ignored_listen_settings(&config) {
        eprintln!("{note}");
    }
    runtime()?.block_on(serve(config, relay, token))
}

/// The token that guards reading.
fn relay_token(config: &Config) -> Result<String, ConfigError> {
    config.token.clone().ok_or(ConfigError::RelayNeedsToken)
}

/// `listen`'s own settings a relay was given: never by flag (clap refuses
/// those), so from the environment or a config file shared with `listen`.
/// A shared file must not stop the relay; it says what it leaves alone.
fn ignored_listen_settings(config: &Config) -> Vec<String> {
    let whence = match &config.file {
        Some(file) => format!("HOOKCATCH_* or {}", file.display()),
        None => "HOOKCATCH_*".to_string(),
    };
    let mut notes = Vec::new();
    if config.from.is_some() {
        notes.push(format!(
            "hookcatch: the relay ignores `from` (set by {whence}): it is for \
             `hookcatch listen`, a subscriber of a relay"
        ));
    }
    if config.forward.is_some() {
        notes.push(format!(
            "hookcatch: the relay ignores `forward` (set by {whence}): run \
             `hookcatch listen --from URL --forward APP` where the app is"
        ));
    }
    notes
        .into_iter()
        .map(|note| crate::text::sanitize(&note).into_owned())
        .collect()
}

/// The tasks a relay on PostgreSQL runs beside the routes, until
/// `shutdown`: one follows the commits and answers of every relay on the
/// database, one says every second which channels have streams here.
fn team(
    target: &crate::store::postgres::PgTarget,
    channels: &Arc<Channels>,
    readers: &Arc<Readers>,
    holds: Option<Arc<Holds>>,
    instance: &Arc<str>,
    shutdown: &CancellationToken,
) -> (tokio::task::JoinHandle<()>, tokio::task::JoinHandle<()>) {
    let (woken, answers) = (channels.clone(), readers.clone());
    let fanout = tokio::spawn(crate::store::postgres::notify::follow(
        target.clone(),
        shutdown.clone(),
        move |committed| match committed {
            Committed::Stored { channel, id } => woken.stored(&channel, id),
            Committed::Resumed => woken.wake_all(),
            Committed::Answered { channel, id } => {
                let Some(holds) = holds.clone() else { return };
                let readers = answers.clone();
                tokio::spawn(async move {
                    let answer = match readers.postgres() {
                        Some(pg) => pg.answer_for(&channel, id).await,
                        None => return,
                    };
                    if let Ok(Some(answer)) = answer {
                        holds.answer(&channel, id, answer);
                    }
                });
            }
        },
    ));
    let (channels, readers, instance, shutdown) = (
        channels.clone(),
        readers.clone(),
        instance.clone(),
        shutdown.clone(),
    );
    let presence = tokio::spawn(async move {
        let Some(pg) = readers.postgres() else { return };
        let mut every = tokio::time::interval(PRESENCE_EVERY);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = every.tick() => {
                    // A failure is retried at the next tick.
                    let _ = pg.present(&instance, &channels.followed()).await;
                }
            }
        }
        // Gone: no relay should hold a sender for this one's streams.
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(1),
            pg.present(&instance, &[]),
        )
        .await;
    });
    (fanout, presence)
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
    let readers = Readers::new(config.store.clone());
    let store_id = readers
        .store_id()
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
    if let Some(rate) = &relay.rate {
        eprintln!("hookcatch: at most {rate} per channel; beyond it 429 with Retry-After");
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
    let channels = Arc::new(Channels::default());
    let shutdown = CancellationToken::new();
    let holds = relay.hold.map(|h| Arc::new(Holds::new(h)));
    let instance: Arc<str> = format!("{:016x}", fastrand::u64(..)).into();
    // Several relays on one database: each commit's notification wakes
    // the streams here too, whichever relay stored it, and a subscriber's
    // answer posted to any relay reaches the one holding its sender.
    let team = match &config.store {
        Location::Postgres(target) => Some(team(
            target,
            &channels,
            &readers,
            holds.clone(),
            &instance,
            &shutdown,
        )),
        _ => None,
    };
    let shared = Arc::new(Relay {
        token,
        channel_tokens: config.relay_tokens.clone(),
        channels,
        readers,
        holds,
        rate: relay.rate,
        keepalive: crate::relay::stream::KEEPALIVE,
        store_id: store_id.into(),
        instance,
    });
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
    if let Some((fanout, presence)) = team {
        let _ = fanout.await;
        let _ = presence.await;
    }
    let stopped = finish(in_flight, writer, writer_thread, None, &stop).await;
    Ok(stopped.exit_code())
}
