//! `E`: the requests shown written to a file, with the same code as
//! `hookcatch export`. Runs off the UI thread (a blocking task with its own
//! store connection); the app hears back through [`Msg::Exported`].
//!
//! [`Msg::Exported`]: super::inbox::Msg::Exported

use std::io::{BufWriter, Write as _};
use std::path::Path;

use super::inbox::Exported;
use crate::export::{self, Format};
use crate::inspect::AuthConfig;
use crate::model::RequestId;

/// Write `ids` to `path` (created private); curl commands send to `base_url`.
pub fn write(
    conn: &rusqlite::Connection,
    ids: &[RequestId],
    path: &Path,
    format: Format,
    auth: &AuthConfig,
    base_url: &str,
) -> Result<Exported, String> {
    let file = export::create_private(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut out = BufWriter::new(file);
    let written = export::write_requests(
        conn,
        ids,
        format,
        auth,
        base_url,
        // Exports are data for replay and import: exact values.
        &crate::secrets::Masking::new(&auth.secret_header, false),
        &mut out,
    )
    .and_then(|w| out.flush().map(|()| w).map_err(Into::into))
    .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Exported {
        path: path.to_path_buf(),
        count: written.count,
        missing: written.missing.len(),
    })
}
