//! Retention applied while a listener runs: a task beside the store writer
//! that, after commits, finds what [`Retention`] does not keep on its own
//! reader connection and hands the writer one small delete at a time
//! ([`retention::BATCH`] ids), so captures queued meanwhile share the
//! writer's next transaction instead of waiting behind a long one. Capture
//! never waits for it: the listener does not know it exists.

use std::time::Duration;

use rusqlite::Connection;
use tokio_util::sync::CancellationToken;

use super::events::{Received, StoreEvent};
use super::retention::{self, Retention};
use super::{Location, StoreWriter};

/// At most one pruning pass this often under steady capture: the store
/// overshoots `--keep` by one interval's captures at most, briefly.
const SETTLE: Duration = Duration::from_secs(1);
/// With `--keep-days`, time alone ages requests out: look this often even
/// when nothing arrives.
const AGE_CHECK: Duration = Duration::from_secs(60);

/// Start pruning for `rules` (a no-op task when no rule is set); the task
/// ends, dropping its writer handle, when `shutdown` is cancelled.
pub fn spawn(
    location: Location,
    writer: StoreWriter,
    rules: Retention,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if rules.is_active() {
            run(location, writer, rules, shutdown).await;
        }
    })
}

async fn run(
    location: Location,
    writer: StoreWriter,
    rules: Retention,
    shutdown: CancellationToken,
) {
    let mut events = writer.subscribe();
    let Ok(mut conn) = tokio::task::spawn_blocking(move || location.open_reader())
        .await
        .unwrap_or(Err(super::StoreError::WriterGone))
    else {
        // The writer opened this store a moment ago; if a reader cannot,
        // `hookcatch prune` will say why. Capture goes on regardless.
        return;
    };
    loop {
        // Errors are not reported here (the TUI owns the terminal); the
        // next pass tries again, and `hookcatch prune` says what is wrong.
        conn = match pass(conn, &writer, rules, &shutdown).await {
            Some(conn) => conn,
            None => return,
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(SETTLE) => {}
        }
        // Wait for the next commit (or for time to age requests out).
        let woken = async {
            loop {
                match events.recv().await {
                    Some(Received::Event(StoreEvent::Captured(_)) | Received::Lagged) => {
                        return true;
                    }
                    Some(Received::Event(_)) => {}
                    None => return false,
                }
            }
        };
        let age = async {
            match rules.keep_days {
                Some(_) => tokio::time::sleep(AGE_CHECK).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            more = woken => if !more { return },
            () = age => {}
        }
    }
}

/// One pruning pass: read a batch of ids, have the writer delete them, until
/// nothing is left to prune. Gives the connection back (`None`: stop).
async fn pass(
    mut conn: Connection,
    writer: &StoreWriter,
    rules: Retention,
    shutdown: &CancellationToken,
) -> Option<Connection> {
    let now = chrono::Utc::now();
    loop {
        if shutdown.is_cancelled() {
            return None;
        }
        let (back, ids) = tokio::task::spawn_blocking(move || {
            let ids = retention::doomed(&conn, &rules, now, retention::BATCH);
            (conn, ids)
        })
        .await
        .ok()?;
        conn = back;
        let ids = match ids {
            Ok(ids) if !ids.is_empty() => ids,
            _ => return Some(conn),
        };
        let deleted = writer.delete(ids).await;
        match deleted {
            Ok(n) if n > 0 => {}
            // Gone already, or the store failed: try again after the next commit.
            Ok(_) | Err(_) => return Some(conn),
        }
    }
}
