//! WAL checkpoints: copied and synced beside the writer; the log rewound by
//! the writer itself, between two batches, once the copy has nearly caught up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::hooks::Wal;
use rusqlite::wal::CheckpointMode;

use super::{Location, StoreError};

/// Keeps the WAL short without stalling commits a sender is waiting on.
///
/// A background thread, on its own connection, copies committed frames into
/// the database file (PASSIVE: it never blocks the writer) and pays for the
/// fsyncs. SQLite only rewinds a log that is fully copied, which a background
/// pass never achieves while commits keep coming, so once the log is long
/// the background thread asks the writer to finish the job between two
/// batches: only the frames committed since the last pass are left to copy
/// and sync, and the writer's next transaction starts the log from the
/// beginning. Doing that on the writer's own connection matters: a RESTART
/// from another connection makes the two take turns through SQLite's busy
/// handler, which sleeps in steps of milliseconds and showed up as 50 ms
/// stalls several times a second.
pub(super) struct Checkpointer {
    wake: std::sync::mpsc::SyncSender<()>,
    thread: JoinHandle<()>,
    shared: Arc<Shared>,
}

struct Shared {
    /// Held while a checkpoint runs. SQLite runs one at a time and answers a
    /// second with BUSY, so the writer checks here first instead.
    running: Mutex<()>,
    /// The log is long and a background pass has just copied nearly all of
    /// it: the writer should rewind after its next commit.
    rewind_due: AtomicBool,
}

/// How often the background pass runs while there are commits. Short, so
/// that what is left for the writer's rewind (copy and sync) stays small.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(5);

/// Log size past which it is rewound. Each rewind holds the writer for a
/// few ms; at 16 MB they came often enough under load to show in the p99.
const REWIND_BYTES: i64 = 32 * 1024 * 1024;

/// Log size past which the writer waits for a running background pass and
/// rewinds regardless: the disk is slower than the intake, so intake slows
/// down instead of the log growing without bound.
const HARD_BYTES: i64 = 64 * 1024 * 1024;

/// `bytes` of log in frames (one page each) of this store: a store made
/// before new ones got larger pages keeps 4 KiB pages.
fn frames(conn: &Connection, bytes: i64) -> i64 {
    let page: i64 = conn
        .query_row("PRAGMA page_size", [], |row| row.get(0))
        .unwrap_or(4096);
    bytes / page.max(512)
}

impl Checkpointer {
    pub(super) fn spawn(location: &Location) -> Result<Self, StoreError> {
        let conn = location.open_reader()?;
        let rewind_frames = frames(&conn, REWIND_BYTES);
        // SQLite syncs the database file only after a pass that caught the
        // log's end, which never happens under constant writes: the rewind
        // was left to sync everything copied since the last one (tens of
        // ms). Syncing after every pass leaves it the last few frames' worth.
        let database = match location {
            Location::File(path) => std::fs::File::open(path).ok(),
            Location::Memory(_) | Location::Postgres(_) => None,
        };
        let (wake, rx) = std::sync::mpsc::sync_channel::<()>(1);
        let shared = Arc::new(Shared {
            running: Mutex::new(()),
            rewind_due: AtomicBool::new(false),
        });
        let ours = shared.clone();
        let thread = std::thread::Builder::new()
            .name("hookcatch-checkpoint".into())
            .spawn(move || {
                // Each wake-up means "there were commits"; a closed channel means stop.
                while rx.recv().is_ok() {
                    if background_pass(&conn, database.as_ref(), &ours) > rewind_frames {
                        // Once more, so that what is left for the writer is
                        // only what arrived during this short second pass.
                        background_pass(&conn, database.as_ref(), &ours);
                        ours.rewind_due.store(true, Ordering::Release);
                    }
                    std::thread::sleep(CHECKPOINT_EVERY);
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
            shared,
        })
    }

    /// Install the writer's side: after a commit, rewind the log when the
    /// background thread asks for it, or when the log is past
    /// [`HARD_BYTES`] (waiting for a running pass). A PASSIVE checkpoint on
    /// the only writer's connection copies every frame no reader still needs,
    /// which is what lets the next transaction rewind. Checkpoint errors are
    /// ignored: the commit has happened, and an error returned here would
    /// make it look failed.
    pub(super) fn install_rewind(&self, conn: &mut Connection) -> rusqlite::Result<()> {
        let shared = self.shared.clone();
        let hard_frames = frames(conn, HARD_BYTES);
        conn.wal_hook(Some(move |wal: &mut Wal, frames: std::ffi::c_int| {
            let hard = i64::from(frames) > hard_frames;
            if !hard && !shared.rewind_due.load(Ordering::Acquire) {
                return Ok(());
            }
            let _running = match shared.running.try_lock() {
                Ok(guard) => guard,
                Err(TryLockError::Poisoned(e)) => e.into_inner(),
                Err(TryLockError::WouldBlock) if hard => {
                    shared.running.lock().unwrap_or_else(|e| e.into_inner())
                }
                // A pass is copying right now; try again after the next commit.
                Err(TryLockError::WouldBlock) => return Ok(()),
            };
            shared.rewind_due.store(false, Ordering::Release);
            let _ = wal.checkpoint_v2(CheckpointMode::PASSIVE);
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

/// Copy what is committed into the database file and sync it; returns how
/// long the log is, in frames (0 when the checkpoint failed).
fn background_pass(conn: &Connection, database: Option<&std::fs::File>, shared: &Shared) -> i64 {
    let _running = shared.running.lock().unwrap_or_else(|e| e.into_inner());
    let log_frames = conn
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            row.get::<_, i64>(1)
        })
        .unwrap_or(0);
    if let Some(database) = database {
        let _ = database.sync_data();
    }
    log_frames
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use crate::model::CapturedRequest;
    use crate::store::{Location, NewRequest, StoreWriter};

    /// Under constant writes the WAL stays bounded instead of growing with
    /// every request.
    #[test]
    fn the_wal_stays_bounded_under_constant_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let location = Location::File(path.clone());
        let (writer, thread) = StoreWriter::spawn(&location, false).unwrap();
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
                            crate::model::RequestKeys::default(),
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
