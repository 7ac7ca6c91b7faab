//! Writes by other processes on the same store. `hookcatch replay ID` in
//! another terminal commits to the same SQLite file, but its commits never
//! reach this process's event stream. The loader thread asks SQLite, about
//! once a second, whether anything committed since it last looked
//! (`PRAGMA data_version`: one integer, no table read), and only then reads
//! which deliveries were added and how many requests there are. Off the UI
//! thread, like every read.
//!
//! Deletes (`hookcatch delete` elsewhere) leave no id to read, so each look
//! also takes a census: how many requests exist, and the largest id ever
//! issued (AUTOINCREMENT's `sqlite_sequence`, which a delete never lowers).
//! The app knows which ids it lists; more of them at or below that id than
//! the store holds means some were deleted, and it reads the ids again.

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
    /// The requests as the store holds them now.
    pub census: Census,
}

/// How many requests the store holds, and the largest id it ever issued
/// (read in one statement: one snapshot).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Census {
    pub count: i64,
    pub issued: RequestId,
}

impl Census {
    pub fn read(conn: &Connection) -> rusqlite::Result<Census> {
        conn.query_row(
            "SELECT (SELECT count(*) FROM requests),
                    (SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'requests')",
            [],
            |r| {
                Ok(Census {
                    count: r.get(0)?,
                    issued: r.get(1)?,
                })
            },
        )
    }
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
        Ok(Some(Changes {
            deliveries: added,
            census: Census::read(conn)?,
        }))
    }
}

/// Changes whenever another connection commits to the database file.
fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
}
