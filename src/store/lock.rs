//! One listener per store. Two listeners writing one file would each print
//! the other's requests and answer for captures they did not make, so the
//! listener holds an advisory lock on `<store>.lock` (holding its pid) for
//! as long as it runs. The kernel drops the lock when the process ends, even
//! on `kill -9`, so a file left behind never blocks the next start. Readers
//! (`list`, `show`, `export`) and short writers (`import`, `delete`,
//! `replay`) do not take it: SQLite's own locking serialises their writes.
//!
//! The file is left in place on exit: removing it would let a starting
//! listener lock an unlinked file while a third creates a new one.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Held by the listener; dropping it (or exiting) releases the store.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{store} is in use by another listener ({holder}); stop it or pass --store")]
    Held { store: String, holder: String },
    #[error(
        "cannot lock the store at {path}: {source}; pass --store PATH to a writable file, or --ephemeral to keep requests in memory"
    )]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// `<store>.lock`, beside the store.
pub fn lock_path(store: &Path) -> PathBuf {
    let mut name = store.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl StoreLock {
    /// Take the store for this process, or say who has it.
    pub fn acquire(store: &Path) -> Result<StoreLock, LockError> {
        let path = lock_path(store);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = store
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir).map_err(io)?;
        }
        let mut options = OpenOptions::new();
        // Not truncated before the lock is ours: the holder's pid is in it.
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = match text.trim().parse::<u32>() {
                    Ok(pid) => format!("pid {pid}"),
                    Err(_) => "pid unknown".into(),
                };
                return Err(LockError::Held {
                    store: store.display().to_string(),
                    holder,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(StoreLock { _file: file })
    }
}

/// Whether a listener holds the store at `store` now. Probed with a shared
/// lock, released at once; a listener starting in that instant is told the
/// store is in use, a rare race taken over a stale answer.
pub fn is_held(store: &Path) -> bool {
    let Ok(file) = File::open(lock_path(store)) else {
        return false;
    };
    matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_first_holder_and_a_released_one_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("x.db");
        let first = StoreLock::acquire(&store).unwrap();
        let err = StoreLock::acquire(&store).unwrap_err().to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        assert!(is_held(&store));
        drop(first);
        assert!(!is_held(&store));
        assert!(StoreLock::acquire(&store).is_ok());
    }
}
