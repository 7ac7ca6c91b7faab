//! The durable store: SQLite in WAL mode, one writer thread with group commit,
//! any number of readers (in this process or another: `hookcatch list` works
//! while a listener runs).

mod checkpoint;
pub mod codec;
pub mod deliveries;
pub mod events;
pub mod lock;
pub mod meta;
pub mod postgres;
pub mod pruner;
pub mod query;
pub mod reader;
mod readonly;
pub mod refused;
pub mod retention;
pub mod schema;
pub mod stats;
pub mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub use deliveries::{Delivery, DeliveryError, DeliveryErrorKind, DeliveryKind, DeliveryMark};
pub use events::{StoreEvent, Subscription};
pub use query::{RequestSummary, StoredRequest};
pub use writer::{NewRequest, StoreWriter, WriteFailed};

/// Bytes the WAL file is cut back to once it has been checkpointed: above
/// the ~32 MB at which it is normally rewound, so a rewind under load does
/// not truncate and regrow the file every time.
const WAL_SIZE_LIMIT: i64 = 48 * 1024 * 1024;

/// The page size of a new store. Each page is a WAL frame with its own
/// header, checksum and write, and each page is copied again at checkpoint:
/// a 100 KB body took 25 frames at SQLite's default 4 KiB.
pub(crate) const PAGE_SIZE: i64 = 16 * 1024;

/// How long a connection waits on another's lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store at {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Schema(#[from] schema::SchemaError),
    #[error("store write failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A write's batch did not commit (shared by everyone in it).
    #[error("store write failed: {0}")]
    Write(#[from] writer::WriteFailed),
    #[error(
        "the store {path} is corrupted (SQLite: {why}); move it aside with its -wal and -shm files, or pass --store PATH"
    )]
    Corrupted { path: String, why: String },
    #[error("the store writer has stopped")]
    WriterGone,
    #[error("{0}")]
    Postgres(#[from] postgres::PgError),
    /// A part that reads or writes SQLite directly, given a PostgreSQL store.
    #[error("{what} works on a SQLite store only, not on PostgreSQL ({target})")]
    SqliteOnly { what: &'static str, target: String },
    /// SQLite would not switch the file to a write-ahead log (some network
    /// file systems cannot share its memory map); the writer and the readers
    /// beside it depend on one.
    #[error(
        "the store {path} cannot keep a write-ahead log (SQLite stayed in journal mode {mode:?})"
    )]
    NoWal { path: String, mode: String },
}

impl StoreError {
    pub fn sqlite_only(what: &'static str, target: &postgres::PgTarget) -> StoreError {
        StoreError::SqliteOnly {
            what,
            target: target.masked(),
        }
    }
}

/// Where the database lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    /// `--ephemeral`: a shared-cache in-memory database, gone when the process ends.
    Memory(String),
    /// `--store postgres://...`: a PostgreSQL database, shared by several
    /// relays and readers (see [`postgres`]).
    Postgres(Box<postgres::PgTarget>),
}

impl Location {
    /// A fresh in-memory location, unique within this process.
    pub fn ephemeral() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Location::Memory(format!(
            "file:hookcatch-mem-{}-{n}?mode=memory&cache=shared",
            std::process::id()
        ))
    }

    /// The data directory's `hookcatch.db` (see [`crate::dirs`]).
    pub fn default_file() -> Option<PathBuf> {
        crate::dirs::data_dir().map(|d| d.path.join("hookcatch.db"))
    }

    pub fn describe(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Memory(_) => "ephemeral".into(),
            Location::Postgres(target) => target.masked(),
        }
    }

    /// Bytes on disk: the database file plus its write-ahead log (`None`
    /// in memory).
    pub fn size_on_disk(&self) -> Option<u64> {
        let Location::File(path) = self else {
            return None;
        };
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        Some(size(path) + size(Path::new(&wal)))
    }

    pub fn exists(&self) -> bool {
        match self {
            Location::File(p) => p.exists(),
            Location::Memory(_) | Location::Postgres(_) => true,
        }
    }

    /// Open for writing: creates the file (mode 0600) and its directory
    /// (mode 0700), sets WAL and migrates.
    pub fn open_writer(&self, fsync: bool) -> Result<Connection, StoreError> {
        self.open_writer_inner(fsync).map_err(|e| self.corrupted(e))
    }

    fn open_writer_inner(&self, fsync: bool) -> Result<Connection, StoreError> {
        let mut conn = match self {
            Location::File(path) => {
                create_private_file(path)?;
                narrow_permissions(path);
                Connection::open(path)?
            }
            Location::Memory(uri) => Connection::open_with_flags(uri, memory_flags())?,
            Location::Postgres(target) => {
                return Err(StoreError::sqlite_only("this command", target));
            }
        };
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Deleting a request deletes its deliveries; a delivery needs its request.
        conn.pragma_update(None, "foreign_keys", true)?;
        if matches!(self, Location::File(_)) {
            // Before WAL mode writes the file's header: a new store gets
            // PAGE_SIZE pages (an existing one keeps its own; SQLite ignores
            // this then).
            conn.pragma_update(None, "page_size", PAGE_SIZE)?;
            let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::NoWal {
                    path: self.describe(),
                    mode,
                });
            }
            // NORMAL in WAL: a commit survives a crash or kill -9 of hookcatch
            // (it is in the OS's hands), a power loss may take the last
            // transactions since the previous checkpoint. FULL syncs every commit.
            conn.pragma_update(None, "synchronous", if fsync { "FULL" } else { "NORMAL" })?;
            // No checkpoint inside a commit: checkpoint::Checkpointer copies
            // beside the writer and has it rewind the log between batches.
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            // When a checkpoint rewinds the log, give the disk space back.
            conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)?;
        }
        schema::migrate(&mut conn)?;
        Ok(conn)
    }

    /// Is this a PostgreSQL store?
    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres(_))
    }

    /// An error naming `what` when this is a PostgreSQL store.
    pub fn sqlite_only(&self, what: &'static str) -> Result<(), StoreError> {
        match self {
            Location::Postgres(target) => Err(StoreError::sqlite_only(what, target)),
            _ => Ok(()),
        }
    }

    /// Open for reading. A missing file is an error, never created here.
    pub fn open_reader(&self) -> Result<Connection, StoreError> {
        self.open_reader_inner()
            .or_else(|e| match self {
                // A read-only place: read the file as it is, without a -shm.
                Location::File(path) if readonly::worth_trying(&e) => {
                    readonly::open(path).map_err(|ro| match ro {
                        StoreError::Schema(schema::SchemaError::TooNew { .. })
                        | StoreError::Open { .. } => ro,
                        _ => e,
                    })
                }
                _ => Err(e),
            })
            .map_err(|e| self.corrupted(e))
    }

    /// SQLite's "not a database" and "malformed" mean the file is damaged,
    /// not that the user picked a wrong place: say so, with SQLite's words.
    fn corrupted(&self, e: StoreError) -> StoreError {
        use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
        let sqlite = match &e {
            StoreError::Sqlite(inner) => Some(inner),
            StoreError::Schema(schema::SchemaError::Sqlite(inner)) => Some(inner),
            _ => None,
        };
        match (self, sqlite.and_then(rusqlite::Error::sqlite_error_code)) {
            (Location::File(path), Some(DatabaseCorrupt | NotADatabase)) => StoreError::Corrupted {
                path: path.display().to_string(),
                why: sqlite.map(ToString::to_string).unwrap_or_default(),
            },
            _ => e,
        }
    }

    fn open_reader_inner(&self) -> Result<Connection, StoreError> {
        let mut conn = match self {
            Location::File(path) => {
                if !path.exists() {
                    return Err(StoreError::Open {
                        path: path.display().to_string(),
                        source: std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            "no such file (nothing captured yet?)",
                        ),
                    });
                }
                narrow_permissions(path);
                Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?
            }
            Location::Memory(uri) => {
                let conn = Connection::open_with_flags(uri, memory_flags())?;
                // Shared-cache readers would otherwise take table locks the writer trips over.
                conn.pragma_update(None, "read_uncommitted", true)?;
                conn
            }
            Location::Postgres(target) => {
                return Err(StoreError::sqlite_only("this command", target));
            }
        };
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&mut conn)?;
        Ok(conn)
    }
}

fn memory_flags() -> OpenFlags {
    OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
}

/// Captured requests carry secrets: the database is private to its owner.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir).map_err(open_err)?;
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(open_err)?;
    Ok(())
}

/// Captured requests carry secrets: a store (or its -wal/-shm, which SQLite
/// creates with the store's mode) that others may read is narrowed to 0600,
/// with one line saying so. Where that is not allowed (another owner, a
/// read-only file system) the store is still read as it is.
fn narrow_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut narrowed = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = PathBuf::from(name);
            let Ok(meta) = std::fs::metadata(&file) else {
                continue;
            };
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0
                && std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).is_ok()
            {
                narrowed.push(format!("{} (was {mode:04o})", file.display()));
            }
        }
        if !narrowed.is_empty() {
            eprintln!(
                "hookcatch: warning: narrowed {} to mode 0600: captured requests carry secrets",
                narrowed.join(", ")
            );
        }
    }
}
