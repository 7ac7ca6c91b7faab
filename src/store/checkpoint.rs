//! WAL checkpoints beside the writer, never on its thread.

use std::thread::JoinHandle;
use std::time::Duration;

use super::{Location, StoreError};

/// Checkpoints the WAL into the database file on its own thread and
/// connection, so the copy (and, with synchronous=NORMAL, its fsync) never
/// stalls a commit that a sender is waiting on. The writer connection has
/// automatic checkpoints turned off.
pub(super) struct Checkpointer {
    wake: std::sync::mpsc::SyncSender<()>,
    thread: JoinHandle<()>,
}

/// At most this often; a busy store checkpoints a few times a second.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

impl Checkpointer {
    pub(super) fn spawn(location: &Location) -> Result<Self, StoreError> {
        let conn = location.open_reader()?;
        let (wake, rx) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("hookcatch-checkpoint".into())
            .spawn(move || {
                // Each wake-up means "there were commits"; a closed channel means stop.
                while rx.recv().is_ok() {
                    let _ = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)");
                    std::thread::sleep(CHECKPOINT_EVERY);
                }
                // Leave a small WAL behind on a clean stop.
                let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
            })
            .map_err(|source| StoreError::Open {
                path: location.describe(),
                source,
            })?;
        Ok(Checkpointer { wake, thread })
    }

    /// There were commits; checkpoint soon (a pending wake-up is enough).
    pub(super) fn poke(&self) {
        let _ = self.wake.try_send(());
    }

    pub(super) fn finish(self) {
        drop(self.wake);
        let _ = self.thread.join();
    }
}
