//! Headless mode: one JSON object per captured request on stdout, flushed per
//! line. The printer reads from the store after each commit notice, so it
//! prints exactly what was stored, in id order, and never slows the listener:
//! if it falls behind, it catches up from the store.

use std::io::Write;
use std::thread::JoinHandle;

use tokio::sync::broadcast::{self, error::RecvError};

use crate::export::json::request_json;
use crate::inspect::{self, AuthConfig};
use crate::model::{Notice, RequestId};
use crate::store::{Location, query};

/// Start the printer thread. It ends when the store's notice channel closes
/// (after the writer has committed everything) or stdout goes away.
pub fn spawn_printer(
    location: Location,
    auth: AuthConfig,
    mut notices: broadcast::Receiver<Notice>,
) -> std::io::Result<JoinHandle<()>> {
    // Read the starting point before the listener accepts anything, so no
    // request can slip in between "now" and the first notice.
    let conn = location
        .open_reader()
        .map_err(|e| std::io::Error::other(format!("cannot read the store for output: {e}")))?;
    // Only what arrives from now on; earlier sessions are for `hookcatch list`.
    let mut last = query::max_id(&conn).map_err(std::io::Error::other)?;
    std::thread::Builder::new()
        .name("hookcatch-printer".into())
        .spawn(move || {
            let mut stdout = std::io::stdout().lock();
            loop {
                let closed = match notices.blocking_recv() {
                    Ok(Notice::Captured(_)) | Err(RecvError::Lagged(_)) => false,
                    Ok(Notice::StoreFailed(why)) => {
                        eprintln!(
                            "hookcatch: store write failed: {why}; answering 503 until it recovers"
                        );
                        continue;
                    }
                    Ok(Notice::StoreRecovered) => {
                        eprintln!("hookcatch: store writes succeed again");
                        continue;
                    }
                    Ok(_) => continue,
                    Err(RecvError::Closed) => true,
                };
                match print_new(&conn, &auth, &mut last, &mut stdout) {
                    Ok(()) => {}
                    Err(PrintError::Stdout) => return,
                    Err(PrintError::Store(e)) => eprintln!("hookcatch: cannot read the store: {e}"),
                }
                if closed {
                    return;
                }
            }
        })
}

enum PrintError {
    Stdout,
    Store(rusqlite::Error),
}

fn print_new(
    conn: &rusqlite::Connection,
    auth: &AuthConfig,
    last: &mut RequestId,
    out: &mut impl Write,
) -> Result<(), PrintError> {
    loop {
        let batch = query::after(conn, *last, 256).map_err(PrintError::Store)?;
        let Some(newest) = batch.last().map(|s| s.request.id) else {
            return Ok(());
        };
        for stored in &batch {
            let inspection = inspect::inspect(&stored.request, auth, stored.request.received_at);
            let line = request_json(stored, &inspection).to_string();
            writeln!(out, "{line}").map_err(|_| PrintError::Stdout)?;
            out.flush().map_err(|_| PrintError::Stdout)?;
        }
        *last = newest;
    }
}
