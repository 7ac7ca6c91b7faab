//! Writes by other processes on the same store. `hookcatch replay ID` in
//! another terminal commits to the same SQLite file, but its commits never
//! reach this process's event stream. The loader thread asks SQLite, about
//! once a second, whether anything committed since it last looked
//! (`PRAGMA data_version`: one integer, no table read), and only then reads
//! which deliveries were added. Off the UI thread, like every read.

use std::time::Duration;

use rusqlite::Connection;

use crate::model::RequestId;
use crate::store::deliveries;

/// How often the loader looks.
pub const EVERY: Duration = Duration::from_secs(1);

/// What the loader last saw of the store.
#[derive(Debug)]
pub struct Watch {
    version: i64,
    last_delivery: i64,
}

/// What changed since the last look.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// `(request, delivery)` for each delivery added, in id order.
    pub deliveries: Vec<(RequestId, i64)>,
}

impl Watch {
    /// Start from the store as it is now.
    pub fn start(conn: &Connection) -> rusqlite::Result<Watch> {
        Ok(Watch {
            version: data_version(conn)?,
            last_delivery: deliveries::last_id(conn)?,
        })
    }

    /// `None` when nothing committed since the last look. Commits of this
    /// process's own writer count too (another connection): the app takes a
    /// delivery it already heard of again, which costs one row read.
    pub fn look(&mut self, conn: &Connection) -> rusqlite::Result<Option<Changes>> {
        let version = data_version(conn)?;
        if version == self.version {
            return Ok(None);
        }
        self.version = version;
        let added = deliveries::added_after(conn, self.last_delivery)?;
        if let Some((_, id)) = added.last() {
            self.last_delivery = *id;
        }
        Ok(Some(Changes { deliveries: added }))
    }
}

/// Changes whenever another connection commits to the database file.
fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
}
