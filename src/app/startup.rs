//! How a listener (`listen`, `relay`) starts, up to the moment it may
//! announce itself: the settings it cannot run with refused, the signal
//! handlers in place, the store locked, the port taken, the store writer
//! running, and a warning when the address is reachable from other machines.
//! What each listener serves, and how it says so, is its own (serve.rs,
//! relay.rs); how it stops is shutdown.rs.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::shutdown::Signals;
use super::{AppError, store_usage_error};
use crate::capture::Listener;
use crate::config::Config;
use crate::store::events::Subscription;
use crate::store::lock::StoreLock;
use crate::store::writer::WriterThread;
use crate::store::{Location, StoreWriter};

/// A listener that has started and not yet served anything.
pub(super) struct Started {
    pub listener: Listener,
    pub writer: StoreWriter,
    pub writer_thread: WriterThread,
    /// Registered before anything is announced: a SIGTERM right after
    /// "listening on" stops cleanly.
    pub signals: Signals,
    /// Subscribed before anything is committed, so whoever takes it (the
    /// TUI) sees every commit; dropped unread otherwise.
    pub events: Subscription,
    /// One listener per store file; held until the listener has stopped.
    pub store_lock: Option<StoreLock>,
}

/// Start a listener for `config`. `prepare` checks what only this listener
/// needs (its theme, its TLS files) after the shared settings and before the
/// port is taken, so a mistake there is reported with nothing started.
/// `editing` tells the signal handlers when Ctrl-C belongs to the TUI's
/// `$EDITOR`.
pub(super) async fn start<T>(
    config: &Config,
    editing: Arc<AtomicBool>,
    prepare: impl FnOnce() -> Result<T, AppError>,
) -> Result<(Started, T), AppError> {
    config.check_listener()?;
    let signals = Signals::register(editing);
    let prepared = prepare()?;
    let store_lock = match &config.store {
        Location::File(path) => {
            Some(StoreLock::acquire(path).map_err(|e| AppError::Usage(e.to_string()))?)
        }
        Location::Memory(_) | Location::Postgres(_) => None,
    };
    // Each connection holds a descriptor: take all the system allows.
    crate::capture::nofile::raise_open_files_limit();
    let listener = Listener::bind(config.addr)
        .await
        .map_err(|e| AppError::Usage(e.to_string()))?;
    let (writer, writer_thread) = StoreWriter::spawn(&config.store, config.fsync)
        .map_err(|e| store_usage_error(&config.store, e))?;
    let events = writer.subscribe();
    // Answers a listener stopped without (killed, or cut at shutdown
    // after its writer went) are not pending any more. Not on PostgreSQL:
    // another relay on the same database may be holding them right now.
    if !config.store.is_postgres()
        && let Err(e) = writer.run(crate::store::writer::settle_stale_pending).await
    {
        eprintln!("hookcatch: warning: cannot settle pending answers: {e}");
    }
    if !config.addr.ip().is_loopback() {
        eprintln!(
            "hookcatch: warning: listening on {} (not loopback): anyone who can reach this machine \
             can post to it, and what they send is stored; use --bind 127.0.0.1 to stay local",
            config.addr.ip()
        );
    }
    let started = Started {
        listener,
        writer,
        writer_thread,
        signals,
        events,
        store_lock,
    };
    Ok((started, prepared))
}
