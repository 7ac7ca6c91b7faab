//! Reading a store where nothing may be written: a read-only mount, a
//! snapshot, a backup disk. A WAL database normally needs its `-shm` file
//! created beside it even to read, which such a place refuses; opened as
//! `immutable`, SQLite reads the database file alone, with no locks and no
//! `-shm`. Nothing can write the file there meanwhile, which is what
//! `immutable` asks. (A `-wal` left by a listener killed before it could
//! checkpoint is not read: its last requests are then not shown.)

use std::path::Path;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::{StoreError, schema};

/// Whether a failed normal open looks like a place that cannot be written.
pub(super) fn worth_trying(e: &StoreError) -> bool {
    let sqlite = match e {
        StoreError::Sqlite(inner) | StoreError::Schema(schema::SchemaError::Sqlite(inner)) => inner,
        _ => return false,
    };
    matches!(
        sqlite.sqlite_error_code(),
        Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly)
    )
}

/// Open `path` read-only and immutable. The schema cannot be migrated here,
/// so only a store of this version is read.
pub(super) fn open(path: &Path) -> Result<Connection, StoreError> {
    let uri = format!("file:{}?mode=ro&immutable=1", uri_path(path));
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let found = schema::version(&conn)?;
    if found > schema::CURRENT_VERSION {
        return Err(schema::SchemaError::TooNew { found }.into());
    }
    if found < schema::CURRENT_VERSION {
        return Err(StoreError::Open {
            path: path.display().to_string(),
            source: std::io::Error::other(format!(
                "read-only, and written by an older hookcatch (schema v{found}): open it once where it can be written to upgrade it"
            )),
        });
    }
    Ok(conn)
}

/// The path as a URI path: `%`, `?` and `#` would end or change it.
fn uri_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn uri_paths_escape_what_would_end_them() {
        assert_eq!(
            super::uri_path(std::path::Path::new("/a/b?c#d%e.db")),
            "/a/b%3fc%23d%25e.db"
        );
    }
}
