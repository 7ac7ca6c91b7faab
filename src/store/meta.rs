//! Facts about the store itself, by key in the `meta` table. The URL of the
//! listener running on the store, written when it starts (after `--port 0`
//! is resolved to the port it bound) and cleared when it stops, so `replay`
//! and `send-test` without `--to` reach the listener that is actually
//! running rather than a port guessed from the configuration.
//!
//! And the URLs the TUI's `T` replayed to, oldest first, so its history
//! outlives a session. They live with the store, not in the user's data
//! directory beside the filter history: they name this project's receivers
//! (another store's `↑` should not offer them), and a URL may carry a
//! password or a token, which then stays where the captures' own secrets
//! are and goes away with them.

use rusqlite::{Connection, OptionalExtension, params};

use super::{Location, StoreError, StoreWriter, lock};

const LISTENER_URL: &str = "listener_url";

/// Record `url` as the running listener's.
pub async fn record_listener(writer: &StoreWriter, url: String) -> Result<(), StoreError> {
    writer
        .run(move |conn| {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![LISTENER_URL, url],
            )
            .map(drop)
        })
        .await
}

/// The listener stopped: nothing answers at its URL any more.
pub async fn clear_listener(writer: &StoreWriter) -> Result<(), StoreError> {
    writer
        .run(|conn| {
            conn.execute("DELETE FROM meta WHERE key = ?1", [LISTENER_URL])
                .map(drop)
        })
        .await
}

fn listener_url(conn: &Connection) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT value FROM meta WHERE key = ?1",
        [LISTENER_URL],
        |row| row.get(0),
    )
    .optional()
}

/// The URL of the listener running on the store at `location`, if one is.
/// A listener killed before it could clear its URL left it behind; the
/// store lock, which the kernel releases with the process, tells those
/// apart. A store that cannot be read has no listener we could find.
pub fn running_listener(location: &Location) -> Option<String> {
    let Location::File(path) = location else {
        return None;
    };
    if !path.exists() || !lock::is_held(path) {
        return None;
    }
    let conn = location.open_reader().ok()?;
    listener_url(&conn).ok().flatten()
}

const REPLAY_TARGETS: &str = "replay_targets";

/// The URLs `T` replayed to, oldest first. History is a convenience: a
/// store that cannot be read, or a damaged value, gives none.
pub fn replay_targets(location: &Location) -> Vec<String> {
    let read = || -> Option<Vec<String>> {
        let conn = location.open_reader().ok()?;
        let text: String = conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [REPLAY_TARGETS],
                |row| row.get(0),
            )
            .optional()
            .ok()??;
        serde_json::from_str(&text).ok()
    };
    read().unwrap_or_default()
}

/// Keep `targets` (oldest first) as `T`'s history, replacing what was kept.
pub async fn record_replay_targets(
    writer: &StoreWriter,
    targets: Vec<String>,
) -> Result<(), StoreError> {
    let value = serde_json::Value::from(targets).to_string();
    writer
        .run(move |conn| {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![REPLAY_TARGETS, value],
            )
            .map(drop)
        })
        .await
}
