//! The open-files limit, and what to do when it is reached.
//!
//! Every connection holds a descriptor, and the
//! usual soft limit (1024) is far below what the hard limit allows: raise
//! the soft limit to the hard one at start, so many clients (or many silent
//! ones, until the header timeout cuts them) do not starve the listener.

use std::time::{Duration, Instant};

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

/// Backing off while `accept` fails. Running out of file descriptors
/// leaves the pending connection in the backlog, so the socket stays ready
/// and a plain retry spins (and logs) as fast as it can: instead wait,
/// longer each time up to a second, and say so once. Silent connections are
/// cut after the header timeout, so accepting starts and stops again for a
/// while: it is announced as back only once a spell passes without a failure.
#[derive(Default)]
pub struct AcceptPause {
    /// Failures for lack of descriptors in a row.
    failures: u32,
    /// The last such failure, while the shortage is announced.
    announced: Option<Instant>,
}

impl AcceptPause {
    const FIRST: Duration = Duration::from_millis(50);
    const LONGEST: Duration = Duration::from_secs(1);
    /// No failure for this long: the shortage is over.
    const RECOVERED: Duration = Duration::from_secs(10);

    /// Note a failure; returns how long to wait before accepting again.
    pub fn failed(&mut self, e: &std::io::Error) -> Duration {
        if !out_of_descriptors(e) {
            // An aborted handshake and the like concern one connection only.
            eprintln!("hookcatch: accept failed: {e}");
            return Duration::ZERO;
        }
        if self.announced.is_none() {
            eprintln!(
                "hookcatch: accept failed: {e}; pausing new connections until some close (open ones are still served)"
            );
        }
        self.announced = Some(Instant::now());
        self.failures = self.failures.saturating_add(1);
        let doublings = self.failures.min(6) - 1;
        (Self::FIRST * 2u32.pow(doublings)).min(Self::LONGEST)
    }

    /// A connection was accepted.
    pub fn resumed(&mut self) {
        self.failures = 0;
        if self
            .announced
            .is_some_and(|last| last.elapsed() >= Self::RECOVERED)
        {
            eprintln!("hookcatch: accepting connections again");
            self.announced = None;
        }
    }
}
