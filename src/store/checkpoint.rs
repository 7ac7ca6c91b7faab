//! WAL checkpoints beside the writer, never on its thread.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::hooks::Wal;
use rusqlite::wal::CheckpointMode;

use super::{Location, StoreError};

/// Checkpoints the WAL into the database file on its own thread and
/// connection, so the copy (and, with synchronous=NORMAL, its fsync) never
/// stalls a commit that a sender is waiting on. The writer connection has
/// automatic checkpoints turned off.
pub(super) struct Checkpointer {
    wake: std::sync::mpsc::SyncSender<()>,
    thread: JoinHandle<()>,
    /// Held while a checkpoint runs: SQLite runs one at a time and answers
    /// a second with BUSY at once, so the writer's backpressure waits here.
    running: Arc<Mutex<()>>,
}

/// At most this often; a busy store checkpoints a few times a second.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// WAL frames (pages) past which the log is restarted from the beginning.
/// Under constant writes a PASSIVE checkpoint never catches the log's end,
/// and SQLite only rewinds a fully checkpointed log: without a RESTART the
/// WAL grows without bound (hundreds of MB a minute under load).
const RESTART_FRAMES: i64 = 4096;

/// WAL frames past which the writer itself waits for a checkpoint: the disk
/// is slower than the intake, and the background pass cannot catch up.
const HARD_FRAMES: i64 = 16 * 1024;

impl Checkpointer {
    pub(super) fn spawn(location: &Location) -> Result<Self, StoreError> {
        let conn = location.open_reader()?;
        let (wake, rx) = std::sync::mpsc::sync_channel::<()>(1);
        let running = Arc::new(Mutex::new(()));
        let held = running.clone();
        let thread = std::thread::Builder::new()
            .name("hookcatch-checkpoint".into())
            .spawn(move || {
                // Each wake-up means "there were commits"; a closed channel means stop.
                while rx.recv().is_ok() {
                    let behind = {
                        let _running = held.lock().unwrap_or_else(|e| e.into_inner());
                        checkpoint(&conn)
                    };
                    // Keep going while the log is long, so the writer's own
                    // backpressure checkpoint (a stall) stays the exception.
                    if !behind {
                        std::thread::sleep(CHECKPOINT_EVERY);
                    }
                }
                // Leave a small WAL behind on a clean stop.
                let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
            })
            .map_err(|source| StoreError::Open {
                path: location.describe(),
                source,
            })?;
        Ok(Checkpointer {
            wake,
            thread,
            running,
        })
    }

    /// Backpressure on the writer connection: after a commit that leaves the
    /// log past [`HARD_FRAMES`], wait for any background checkpoint, then
    /// rewind the log on the writer's own thread. Intake slows to what the
    /// disk can take instead of the WAL growing without bound. Checkpoint
    /// errors are ignored: the commit has happened, and an error returned
    /// here would make it look failed.
    pub(super) fn install_backpressure(&self, conn: &mut Connection) -> rusqlite::Result<()> {
        let running = self.running.clone();
        conn.wal_hook(Some(move |wal: &mut Wal, frames: std::ffi::c_int| {
            if i64::from(frames) > HARD_FRAMES {
                let _running = running.lock().unwrap_or_else(|e| e.into_inner());
                let _ = wal.checkpoint_v2(CheckpointMode::RESTART);
            }
            Ok(())
        }))
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

/// Copy what the writer committed into the database without blocking it;
/// when the log has grown long, also rewind it. RESTART briefly holds the
/// writer off, but the PASSIVE pass just before leaves only a short tail.
/// Returns whether the log was long (more checkpointing is due at once).
fn checkpoint(conn: &rusqlite::Connection) -> bool {
    let log_frames = conn
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            row.get::<_, i64>(1)
        })
        .unwrap_or(0);
    if log_frames > RESTART_FRAMES {
        let _ = conn.execute_batch("PRAGMA wal_checkpoint(RESTART)");
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use tokio::sync::broadcast;

    use crate::model::CapturedRequest;
    use crate::store::{Location, NewRequest, StoreWriter};

    /// Under constant writes the WAL stays bounded instead of growing with
    /// every request.
    #[test]
    fn the_wal_stays_bounded_under_constant_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let location = Location::File(path.clone());
        let (notices, _) = broadcast::channel(16);
        let (writer, thread) = StoreWriter::spawn(&location, false, notices).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let wal = dir.path().join("c.db-wal");
        let mut largest = 0;
        runtime.block_on(async {
            let started = Instant::now();
            // ~40 MB of bodies, written as fast as the writer takes them, for a few seconds.
            let mut round = 0;
            while started.elapsed() < std::time::Duration::from_secs(3) || round < 40 {
                let mut tasks = Vec::new();
                for _ in 0..64 {
                    let writer = writer.clone();
                    tasks.push(tokio::spawn(async move {
                        let req = CapturedRequest::new("POST", "/w", vec![], vec![b'x'; 16 * 1024]);
                        let new = NewRequest::from_captured(
                            req,
                            Instant::now(),
                            std::time::Duration::ZERO,
                            None,
                            None,
                        );
                        writer.insert(new).await.unwrap();
                    }));
                }
                for t in tasks {
                    t.await.unwrap();
                }
                largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
                round += 1;
            }
        });
        drop(writer);
        thread.join();
        // Unbounded, 3 s of this grows the WAL past 300 MB; bounded, it stays
        // near what is written between two checkpoints.
        assert!(largest < 96 * 1024 * 1024, "WAL reached {largest} bytes");
    }
}
