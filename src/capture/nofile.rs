//! The open-files limit. Every connection holds a descriptor, and the
//! usual soft limit (1024) is far below what the hard limit allows: raise
//! the soft limit to the hard one at start, so many clients (or many silent
//! ones, until the header timeout cuts them) do not starve the listener.

/// Raise the soft `RLIMIT_NOFILE` to the hard limit. Returns the limit now
/// in force, or `None` where it cannot be read. Failing to raise it is not
/// an error: the listener still works, with fewer descriptors.
#[cfg(unix)]
pub fn raise_open_files_limit() -> Option<u64> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        if setrlimit(Resource::Nofile, limit).is_err() {
            // macOS refuses "unlimited" for files: leave it as it was.
            return getrlimit(Resource::Nofile).current;
        }
    }
    limit.current
}

#[cfg(not(unix))]
pub fn raise_open_files_limit() -> Option<u64> {
    None
}

/// EMFILE, ENFILE and kernel memory shortages: nothing to accept with.
#[cfg(unix)]
pub fn out_of_descriptors(e: &std::io::Error) -> bool {
    use rustix::io::Errno;
    matches!(
        Errno::from_io_error(e),
        Some(Errno::MFILE | Errno::NFILE | Errno::NOBUFS | Errno::NOMEM)
    )
}

#[cfg(not(unix))]
pub fn out_of_descriptors(_: &std::io::Error) -> bool {
    false
}
